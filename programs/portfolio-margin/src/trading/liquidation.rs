//! Liquidation arithmetic: the fee of a step and its split, and socialised loss (a per-contract
//! index charged to perpetual positions). Fees and charges round up (against the account paying
//! them); the insurance share rounds up too (the protocol's side of the split).
//!
//! A step's fee is a share of the maintenance margin it releases, not of the notional it moves: a
//! hedged book's MM is a small fraction of its notional, and a notional fee could then cost the
//! account more equity than the step frees, so no step could ever restore it. A share below 100%
//! of the release always shrinks the shortfall (MM - equity).

use anchor_lang::prelude::*;

use super::{to_i64, UNIT};
use crate::errors::PmError;
use crate::state::TradingParams;

const PPM: u128 = 1_000_000;

/// `a x b / d` rounded up (u128 intermediate).
fn mul_div_ceil(a: u128, b: u128, d: u128) -> Result<u64> {
    let product = a.checked_mul(b).ok_or(PmError::MathOverflow)?;
    u64::try_from(product.div_ceil(d)).map_err(|_| error!(PmError::MathOverflow))
}

/// A liquidation step's fee and who gets it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LiquidationFee {
    pub total: u64,
    pub liquidator: u64,
    pub insurance: u64,
}

/// The fee of a step that released `released_mm` of maintenance margin, at the market's rate,
/// split by its insurance share.
pub fn liquidation_fee(released_mm: u64, params: &TradingParams) -> Result<LiquidationFee> {
    let total = mul_div_ceil(released_mm as u128, params.liquidation_fee_ppm as u128, PPM)?;
    let insurance = mul_div_ceil(total as u128, params.insurance_share_ppm as u128, PPM)?.min(total);
    Ok(LiquidationFee { total, liquidator: total - insurance, insurance })
}

/// Socialised loss a perpetual position of `size` owes since its snapshot: |size| x index change,
/// rounded up.
pub fn loss_owed(size: i64, index: i64, snapshot: i64) -> Result<i64> {
    let product = size.unsigned_abs() as i128 * (index as i128 - snapshot as i128);
    to_i64(-(-product).div_euclid(UNIT))
}

/// The loss-index step that charges `loss` (quote units) to `open_interest` long contracts and as
/// many short ones (1e6), rounded up: the charges add up to at least `loss`.
pub fn loss_index_step(loss: u64, open_interest: u64) -> Result<i64> {
    require!(open_interest > 0, PmError::MathOverflow);
    let step = mul_div_ceil(loss as u128, UNIT as u128, 2 * open_interest as u128)?;
    to_i64(step as i128)
}

/// Highest socialised loss one bankruptcy may charge a perpetual contract: 0.5% of the market's
/// oracle EMA. A holder above MM (a perpetual's MM is several percent of its value, a hedged
/// book's still above 0.5%) can be pushed toward liquidation by a charge, never into bankruptcy.
pub const MAX_SOCIALIZED_LOSS_PPM: u128 = 5_000;

/// What a market's perpetual holders bear of `loss`: the loss-index step and the amount it
/// covers. At most [`MAX_SOCIALIZED_LOSS_PPM`] of `oracle_ema` per contract; the rest of `loss`
/// (all of it when nothing is open) is bad debt.
pub fn socialization(loss: u64, open_interest: u64, oracle_ema: u64) -> Result<(i64, u64)> {
    if loss == 0 || open_interest == 0 {
        return Ok((0, 0));
    }
    let cap = oracle_ema as u128 * MAX_SOCIALIZED_LOSS_PPM / PPM;
    let step = loss_index_step(loss, open_interest)?;
    if step as u128 <= cap {
        return Ok((step, loss));
    }
    // capped: `cap` per contract on both sides, rounded down, is what the charges surely cover
    // (below `loss`, since `cap` is below the uncapped step)
    let covered = u64::try_from(cap * 2 * open_interest as u128 / UNIT as u128).map_err(|_| error!(PmError::MathOverflow))?;
    Ok((to_i64(cap as i128)?, covered.min(loss)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: TradingParams = TradingParams::DEFAULT;

    #[test]
    fn a_fee_is_a_share_of_the_released_margin_split_up_for_the_fund() {
        // 15% of 1,000.000001 -> 150.00000015 -> 150.000001; insurance 25% -> 37.50000025 -> 37.500001
        let fee = liquidation_fee(1_000_000_001, &P).unwrap();
        assert_eq!(fee, LiquidationFee { total: 150_000_001, insurance: 37_500_001, liquidator: 112_500_000 });
        assert_eq!(liquidation_fee(0, &P).unwrap(), LiquidationFee::default());
        assert_eq!(liquidation_fee(1, &P).unwrap(), LiquidationFee { total: 1, insurance: 1, liquidator: 0 });
        let all_to_fund = TradingParams { insurance_share_ppm: 1_000_000, ..P };
        assert_eq!(liquidation_fee(1_000_000_000, &all_to_fund).unwrap().liquidator, 0);
    }

    #[test]
    fn socialisation_is_capped_per_contract_and_the_rest_is_bad_debt() {
        // 1 BTC open each side at 60,000: the cap is 300 per contract, so 600 at most
        assert_eq!(socialization(500 * 1_000_000, 1_000_000, 60_000_000_000).unwrap(), (250_000_000, 500_000_000));
        assert_eq!(socialization(10_000 * 1_000_000, 1_000_000, 60_000_000_000).unwrap(), (300_000_000, 600_000_000));
        // nothing open, or no loss: nothing socialised
        assert_eq!(socialization(1_000, 0, 60_000_000_000).unwrap(), (0, 0));
        assert_eq!(socialization(0, 1_000_000, 60_000_000_000).unwrap(), (0, 0));
        // no price yet: the cap is 0
        assert_eq!(socialization(1_000, 1_000_000, 0).unwrap(), (0, 0));
    }

    /// Random losses and open interests: every position's charge rounds up, and the charges of
    /// any split of the open interest (both sides) add up to at least the loss, by at most one
    /// unit per position and one per contract-rounding of the step.
    #[test]
    fn socialised_charges_cover_the_loss() {
        let mut next = super::super::test_rng(0x2545f4914f6cdd1d);
        for _ in 0..20_000 {
            let loss = next(1_000_000_000_000) + 1;
            let sizes: Vec<i64> = (0..1 + next(6)).map(|_| next(50_000_000_000) as i64 + 1).collect();
            let oi: u64 = sizes.iter().map(|&s| s as u64).sum();
            let step = loss_index_step(loss, oi).unwrap();
            // longs of `sizes`, and the same contracts short in one position
            let charged: i128 = sizes.iter().map(|&s| loss_owed(s, step, 0).unwrap() as i128).sum::<i128>()
                + loss_owed(-(oi as i64), step, 0).unwrap() as i128;
            assert!(charged >= loss as i128, "{charged} < {loss}");
            let exact = 2.0 * oi as f64 * step as f64 / 1e6;
            assert!((charged as f64) < exact + sizes.len() as f64 + 2.0);
            assert!(exact - (loss as f64) < 2.0 * oi as f64 / 1e6 + 1.0, "step overshoots by more than a unit per contract");
        }
    }
}
