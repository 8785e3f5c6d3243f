use anchor_lang::prelude::*;

use crate::errors::PmError;
use crate::events::FundingUpdated;
use crate::margin::oracle_spec;
use crate::oracle::{read_price, Action};
use crate::state::*;
use crate::trading::funding_step;

#[derive(Accounts)]
pub struct UpdateFunding<'info> {
    pub clearinghouse: AccountLoader<'info, Clearinghouse>,
    #[account(mut, has_one = clearinghouse @ PmError::WrongMarket)]
    pub market: AccountLoader<'info, Market>,
    /// CHECK: the market's oracle; `read_price` checks address, owner, format and validity.
    pub oracle: UncheckedAccount<'info>,
}

/// Permissionless, at most once per funding interval: moves the oracle EMA to the current price
/// (the mark EMA to the oracle EMA when no perpetual traded within the EMA window), then adds
/// `clamp(mark EMA - oracle EMA, +-max rate x oracle EMA) x elapsed / period` to the cumulative
/// index (longs pay its increase, shorts receive it).
pub fn handler(ctx: Context<UpdateFunding>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let ch = ctx.accounts.clearinghouse.load()?;
    let mut market = ctx.accounts.market.load_mut()?;
    let elapsed = now.saturating_sub(market.funding_updated_at);
    require!(elapsed >= market.trading.funding_interval_secs as i64, PmError::FundingTooSoon);
    let price = read_price(&ctx.accounts.oracle, &oracle_spec(&market, &ch), &market.oracle_limits.limits(Action::Margin), now)?;
    market.observe_oracle(price.price, now);
    if now - market.mark_ema_updated_at > market.trading.ema_window_secs as i64 {
        market.mark_ema = market.oracle_ema;
    }
    let (step, rate_ppm) = funding_step(market.mark_ema, market.oracle_ema, elapsed, &market.trading)?;
    let index_before = market.funding_index;
    market.funding_index = index_before.checked_add(step).ok_or(PmError::MathOverflow)?;
    market.funding_updated_at = now;
    market.last_funding_rate_ppm = rate_ppm;
    emit!(FundingUpdated {
        market: ctx.accounts.market.key(),
        mark_ema: market.mark_ema,
        oracle_ema: market.oracle_ema,
        rate_ppm,
        index_before,
        index_after: market.funding_index,
        elapsed_secs: elapsed,
        timestamp: now,
    });
    Ok(())
}
