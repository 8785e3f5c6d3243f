use anchor_lang::prelude::*;

use crate::errors::PmError;
use crate::events::TradingParamsUpdated;
use crate::state::*;

#[derive(Accounts)]
pub struct UpdateTradingParams<'info> {
    pub admin: Signer<'info>,
    #[account(has_one = admin @ PmError::NotAdmin)]
    pub clearinghouse: AccountLoader<'info, Clearinghouse>,
    #[account(mut, has_one = clearinghouse @ PmError::WrongMarket)]
    pub market: AccountLoader<'info, Market>,
}

/// A market's fees, funding and settlement parameters (admin only, within bounds).
pub fn handler(ctx: Context<UpdateTradingParams>, params: TradingParams) -> Result<()> {
    params.validate()?;
    let mut market = ctx.accounts.market.load_mut()?;
    let old = market.trading;
    market.trading = params;
    emit!(TradingParamsUpdated { market: ctx.accounts.market.key(), old, new: params });
    Ok(())
}
