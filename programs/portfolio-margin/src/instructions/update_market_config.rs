use anchor_lang::prelude::*;

use crate::errors::PmError;
use crate::events::MarketConfigUpdated;
use crate::state::*;

#[derive(Accounts)]
pub struct UpdateMarketConfig<'info> {
    pub admin: Signer<'info>,
    #[account(has_one = admin @ PmError::NotAdmin)]
    pub clearinghouse: AccountLoader<'info, Clearinghouse>,
    #[account(mut, has_one = clearinghouse @ PmError::WrongMarket)]
    pub market: AccountLoader<'info, Market>,
}

/// The market's oracle limits per action and its vol-update guards (admin only).
pub fn handler(ctx: Context<UpdateMarketConfig>, oracle_limits: OracleLimitsParams, vol_guards: VolGuardsParams) -> Result<()> {
    let mut market = ctx.accounts.market.load_mut()?;
    let oracle_limits = OracleLimitsConfig::from(oracle_limits);
    oracle_limits.validate(&market.engine_params()?)?;
    let vol_guards = VolGuards::from(vol_guards);
    vol_guards.validate()?;
    let (old_limits, old_guards) = (market.oracle_limits, market.vol_guards);
    market.oracle_limits = oracle_limits;
    market.vol_guards = vol_guards;
    emit!(MarketConfigUpdated {
        market: ctx.accounts.market.key(),
        old_oracle_max_age_secs: old_limits.max_age_secs,
        new_oracle_max_age_secs: oracle_limits.max_age_secs,
        old_oracle_max_conf_ppm: old_limits.max_conf_ppm,
        new_oracle_max_conf_ppm: oracle_limits.max_conf_ppm,
        old_vol_guards: old_guards.values(),
        new_vol_guards: vol_guards.values(),
    });
    Ok(())
}
