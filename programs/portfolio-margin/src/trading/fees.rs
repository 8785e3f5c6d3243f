//! Trading fees: linear instruments pay a rate of notional (size x trade price); options a rate
//! of premium, capped at a fraction of the underlying's notional (size x spot). A fee rounds up;
//! a rebate (negative rate) rounds toward zero, so the fee pool never pays out more than it took.

use anchor_lang::prelude::*;

use super::to_i64;
use crate::state::TradingParams;

/// size (1e6) x price (1e6) x rate (ppm) is quote units x 1e12.
const SCALE: i128 = 1_000_000_000_000;

/// Which side of the trade a fee is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Liquidity {
    Maker,
    Taker,
}

/// The fee (> 0) or rebate (< 0) of one side of a fill of `size` contracts at `price`, with the
/// underlying at `spot` (all at 1e6), in quote units.
pub fn trade_fee(params: &TradingParams, liquidity: Liquidity, linear: bool, size: u64, price: u64, spot: u64) -> Result<i64> {
    let (size, price, spot) = (size as i128, price as i128, spot as i128);
    let scaled = match (linear, liquidity) {
        (true, Liquidity::Maker) => size * price * params.maker_fee_ppm as i128,
        (true, Liquidity::Taker) => size * price * params.taker_fee_ppm as i128,
        (false, side) => {
            let rate = if side == Liquidity::Maker { params.option_maker_fee_ppm as i128 } else { params.option_taker_fee_ppm as i128 };
            let cap = size * spot * params.option_fee_cap_ppm as i128;
            (size * price * rate).clamp(-cap, cap)
        }
    };
    let units = if scaled >= 0 { -(-scaled).div_euclid(SCALE) } else { -((-scaled).div_euclid(SCALE)) };
    to_i64(units)
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: TradingParams = TradingParams::DEFAULT;

    #[test]
    fn linear_fees_are_a_rate_of_notional_rounded_up_and_rebates_rounded_down() {
        // 2 contracts at 100,000: notional 200,000; taker 5 bp = 100, maker 2 bp = 40
        assert_eq!(trade_fee(&P, Liquidity::Taker, true, 2_000_000, 100_000_000_000, 0).unwrap(), 100_000_000);
        assert_eq!(trade_fee(&P, Liquidity::Maker, true, 2_000_000, 100_000_000_000, 0).unwrap(), 40_000_000);
        // a notional of 0.000001: the fee is 1 unit, never 0
        assert_eq!(trade_fee(&P, Liquidity::Taker, true, 1, 1_000_000, 0).unwrap(), 1);
        let rebate = TradingParams { maker_fee_ppm: -100, ..P };
        assert_eq!(trade_fee(&rebate, Liquidity::Maker, true, 1, 1_000_000, 0).unwrap(), 0);
        assert_eq!(trade_fee(&rebate, Liquidity::Maker, true, 2_000_000, 100_000_000_000, 0).unwrap(), -20_000_000);
    }

    #[test]
    fn option_fees_are_a_rate_of_premium_capped_by_notional() {
        // 1 call at 2,500 premium, spot 100,000: 3% of premium = 75 > 0.03% of notional = 30
        assert_eq!(trade_fee(&P, Liquidity::Taker, false, 1_000_000, 2_500_000_000, 100_000_000_000).unwrap(), 30_000_000);
        // a cheap option: 3% of 50 = 1.5 < 30
        assert_eq!(trade_fee(&P, Liquidity::Taker, false, 1_000_000, 50_000_000, 100_000_000_000).unwrap(), 1_500_000);
        assert_eq!(trade_fee(&P, Liquidity::Maker, false, 1_000_000, 50_000_000, 100_000_000_000).unwrap(), 500_000);
    }

    #[test]
    fn random_fees_match_an_exact_reference_and_a_rebate_never_exceeds_the_taker_fee() {
        let mut next = super::super::test_rng(0x2545f4914f6cdd1du64);
        for _ in 0..50_000 {
            let taker = next(10_001) as u32;
            let maker = next(2 * taker as u64 + 1) as i32 - taker as i32;
            let p = TradingParams { taker_fee_ppm: taker, maker_fee_ppm: maker, option_taker_fee_ppm: taker * 20, option_maker_fee_ppm: maker * 20, ..P };
            let (size, price, spot) = (next(10_000_000_000_000) + 1, next(10_000_000_000_000) + 1, next(10_000_000_000_000) + 1);
            for linear in [true, false] {
                let t = trade_fee(&p, Liquidity::Taker, linear, size, price, spot).unwrap();
                let m = trade_fee(&p, Liquidity::Maker, linear, size, price, spot).unwrap();
                assert!(t >= 0 && t + m >= 0, "rebate beyond the taker fee: {t} {m}");
                // f64 reference of the unrounded fee
                let notional = size as f64 * price as f64 / 1e12;
                let exact = if linear { notional * taker as f64 } else { (notional * (taker * 20) as f64).min(size as f64 * spot as f64 / 1e12 * p.option_fee_cap_ppm as f64) };
                assert!((t as f64) >= exact * (1.0 - 1e-12) - 1e-6 && (t as f64) <= exact * (1.0 + 1e-12) + 1.0, "{t} vs {exact}");
            }
        }
    }
}
