//! Perpetual funding: time-weighted EMAs of trade prices and of the oracle, the clamped rate, the
//! index step, and what a position owes for an index move.

use anchor_lang::prelude::*;

use super::{to_i64, UNIT};
use crate::state::TradingParams;

/// The EMA `ema` moved toward `value` after `elapsed` seconds with time constant `window`: the
/// weight of the new value is `min(elapsed, window) / window` (a first value sets it).
pub fn ema_update(ema: u64, value: u64, elapsed: i64, window: u32) -> u64 {
    if ema == 0 || window == 0 {
        return value;
    }
    let weight = elapsed.clamp(0, window as i64) as i128;
    let moved = ema as i128 + (value as i128 - ema as i128) * weight / window as i128;
    moved as u64 // between ema and value: fits
}

/// One funding step: the index increase (quote units per contract; longs pay it) and the rate
/// (ppm of the oracle EMA per funding period), for `elapsed` seconds since the last step.
///
/// premium = mark EMA - oracle EMA, clamped to +-`max_funding_rate_ppm` of the oracle EMA per
/// period; index step = premium x min(elapsed, period) / period (rounded toward zero).
pub fn funding_step(mark_ema: u64, oracle_ema: u64, elapsed: i64, params: &TradingParams) -> Result<(i64, i64)> {
    let bound = oracle_ema as i128 * params.max_funding_rate_ppm as i128 / UNIT;
    let premium = (mark_ema as i128 - oracle_ema as i128).clamp(-bound, bound);
    let period = params.funding_period_secs.max(1) as i128;
    let step = premium * (elapsed.clamp(0, period as i64) as i128) / period;
    let rate_ppm = if oracle_ema == 0 { 0 } else { premium * UNIT / oracle_ema as i128 };
    Ok((to_i64(step)?, to_i64(rate_ppm)?))
}

/// Funding a position of `size` owes for the index moving from `snapshot` to `index`: size x
/// (index - snapshot) / 1e6, rounded up (against the account: a payer pays the ceiling, a receiver
/// gets the floor).
pub fn funding_owed(size: i64, index: i64, snapshot: i64) -> Result<i64> {
    let product = size as i128 * (index as i128 - snapshot as i128);
    to_i64(-(-product).div_euclid(UNIT))
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: TradingParams = TradingParams::DEFAULT;

    #[test]
    fn funding_owed_rounds_against_the_account() {
        // long 1.5 contracts, index up 0.000001 quote units: owes 1.5e-6 -> 2 units
        assert_eq!(funding_owed(1_500_000, 1_000_001, 1_000_000).unwrap(), 2);
        // short receives: -1.5 -> -1 (receives 1 unit, not 2)
        assert_eq!(funding_owed(-1_500_000, 1_000_001, 1_000_000).unwrap(), -1);
        assert_eq!(funding_owed(1_000_000, 0, 0).unwrap(), 0);
    }

    #[test]
    fn the_ema_moves_by_the_elapsed_fraction_of_its_window() {
        assert_eq!(ema_update(0, 500, 10, 3_600), 500);
        assert_eq!(ema_update(1_000, 2_000, 900, 3_600), 1_250);
        assert_eq!(ema_update(1_000, 2_000, 7_200, 3_600), 2_000);
        assert_eq!(ema_update(1_000, 0, 1_800, 3_600), 500);
        assert_eq!(ema_update(1_000, 2_000, -5, 3_600), 1_000);
    }

    #[test]
    fn the_rate_follows_the_premium_and_is_clamped() {
        // mark 0.1% over the oracle for one hour of a one-day period
        let (step, rate) = funding_step(100_100_000_000, 100_000_000_000, 3_600, &P).unwrap();
        assert_eq!(rate, 1_000);
        assert_eq!(step, 100_000_000 * 3_600 / 86_400);
        // 5% over: clamped to 1% per period
        let (step, rate) = funding_step(105_000_000_000, 100_000_000_000, 86_400, &P).unwrap();
        assert_eq!((step, rate), (1_000_000_000, 10_000));
        let (step, rate) = funding_step(95_000_000_000, 100_000_000_000, 3 * 86_400, &P).unwrap();
        assert_eq!((step, rate), (-1_000_000_000, -10_000));
    }
}
