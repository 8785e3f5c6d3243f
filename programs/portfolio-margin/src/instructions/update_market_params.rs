use anchor_lang::prelude::*;
use risk_engine::MarketParams;

use crate::events::MarketParamsUpdated;
use crate::instructions::update_global_params::require_tightening;
use crate::errors::PmError;
use crate::state::*;

#[derive(Accounts)]
pub struct UpdateMarketParams<'info> {
    /// The admin (any change within the hard bounds) or the security authority (tighten only).
    pub signer: Signer<'info>,
    pub clearinghouse: AccountLoader<'info, Clearinghouse>,
    #[account(mut, has_one = clearinghouse @ PmError::WrongMarket)]
    pub market: AccountLoader<'info, Market>,
}

pub fn handler(ctx: Context<UpdateMarketParams>, params: [i64; MarketParams::LEN]) -> Result<()> {
    let ch = ctx.accounts.clearinghouse.load()?;
    let by_admin = ch.require_admin_or_security(&ctx.accounts.signer.key())?;
    let mut market = ctx.accounts.market.load_mut()?;
    let old = market.engine_params()?;
    let new = params_from_stored(&params)?;
    if !by_admin {
        require_tightening(old.first_loosened(&new), MarketParams::NAMES)?;
    }
    // the oracle limits' confidence caps must stay within the engine's cap
    market.oracle_limits.validate(&new)?;
    let old_values = market.params;
    market.params = params;
    emit!(MarketParamsUpdated {
        market: ctx.accounts.market.key(),
        signer: ctx.accounts.signer.key(),
        old: old_values.to_vec(),
        new: params.to_vec(),
    });
    Ok(())
}
