use anchor_lang::prelude::*;

use crate::errors::PmError;
use crate::events::MarketStatusUpdated;
use crate::state::*;

#[derive(Accounts)]
pub struct SetMarketStatus<'info> {
    /// The admin (any status) or the security authority (only a stricter one).
    pub signer: Signer<'info>,
    pub clearinghouse: AccountLoader<'info, Clearinghouse>,
    #[account(mut, has_one = clearinghouse @ PmError::WrongMarket)]
    pub market: AccountLoader<'info, Market>,
}

/// 0 = active, 1 = reduce-only, 2 = paused.
pub fn handler(ctx: Context<SetMarketStatus>, status: u8) -> Result<()> {
    let new = MarketStatus::from_u8(status).ok_or(PmError::InvalidMarketStatus)?;
    let by_admin = ctx.accounts.clearinghouse.load()?.require_admin_or_security(&ctx.accounts.signer.key())?;
    let mut market = ctx.accounts.market.load_mut()?;
    let old = market.status();
    if !by_admin && new < old {
        msg!("security authority may only tighten: status {:?} -> {:?} would loosen", old, new);
        return err!(PmError::LooseningBySecurity);
    }
    market.status = new as u8;
    emit!(MarketStatusUpdated {
        market: ctx.accounts.market.key(),
        signer: ctx.accounts.signer.key(),
        old_status: old as u8,
        new_status: new as u8,
    });
    Ok(())
}
