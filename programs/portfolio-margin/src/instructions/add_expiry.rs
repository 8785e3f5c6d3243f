use anchor_lang::prelude::*;

use crate::errors::PmError;
use crate::events::ExpiryAdded;
use crate::state::*;

#[derive(Accounts)]
pub struct AddExpiry<'info> {
    pub admin: Signer<'info>,
    #[account(has_one = admin @ PmError::NotAdmin)]
    pub clearinghouse: AccountLoader<'info, Clearinghouse>,
    #[account(mut, has_one = clearinghouse @ PmError::WrongMarket)]
    pub market: AccountLoader<'info, Market>,
}

/// Lists an expiry (unix seconds) with its first vol slice; its future and options are listed by
/// `list_instruments`. The crank's later updates are bounded relative to this slice.
pub fn handler(ctx: Context<AddExpiry>, expiry: i64, slice: VolSliceParams) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let mut market = ctx.accounts.market.load_mut()?;
    let n = market.num_expiries as usize;
    require!(n < MAX_EXPIRIES, PmError::ExpiryCapacityFull);
    require!(
        expiry >= now.saturating_add(MIN_EXPIRY_LEAD_SECS) && expiry <= now.saturating_add(risk_engine::MAX_EXPIRY_SECONDS),
        PmError::InvalidExpiry
    );
    require!(market.expiries[..n].iter().all(|e| e.expiry != expiry), PmError::DuplicateExpiry);
    market.vol_guards.check_bounds(&slice, &market.engine_params()?)?;
    let entry = &mut market.expiries[n];
    *entry = Expiry { expiry, ..Expiry::default() };
    entry.set_slice(&slice);
    market.num_expiries = n as u8 + 1;
    emit!(ExpiryAdded { market: ctx.accounts.market.key(), expiry_index: n as u8, expiry });
    Ok(())
}
