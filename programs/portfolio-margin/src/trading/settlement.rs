//! What an expired position is worth at its expiry's settlement price: an option its intrinsic
//! value, a future its price less the basis paid. Credits round down, debits up.

use anchor_lang::prelude::*;

use super::{floor_unit, to_i64};
use risk_engine::Kind;

/// Quote the holder of `size` receives (> 0) or pays (< 0) at settlement price `settle`.
pub fn settlement_cash(kind: Kind, strike: u64, size: i64, cost_basis: i64, settle: u64) -> Result<i64> {
    let size = size as i128;
    let cash = match kind {
        Kind::Call => floor_unit(size * (settle as i128 - strike as i128).max(0)),
        Kind::Put => floor_unit(size * (strike as i128 - settle as i128).max(0)),
        Kind::Future => floor_unit(size * settle as i128) - cost_basis as i128,
        Kind::Perp => 0,
    };
    to_i64(cash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_pay_intrinsic_and_futures_the_price_less_the_basis() {
        let s = 105_000_000_000; // 105,000
        assert_eq!(settlement_cash(Kind::Call, 100_000_000_000, 1_500_000, 0, s).unwrap(), 7_500_000_000);
        assert_eq!(settlement_cash(Kind::Call, 100_000_000_000, -1_500_000, 0, s).unwrap(), -7_500_000_000);
        assert_eq!(settlement_cash(Kind::Put, 100_000_000_000, 1_000_000, 0, s).unwrap(), 0);
        assert_eq!(settlement_cash(Kind::Put, 110_000_000_000, -2_000_000, 0, s).unwrap(), -10_000_000_000);
        // long 1 future bought at 100,000: +5,000; short: -5,000
        assert_eq!(settlement_cash(Kind::Future, 0, 1_000_000, 100_000_000_000, s).unwrap(), 5_000_000_000);
        assert_eq!(settlement_cash(Kind::Future, 0, -1_000_000, -100_000_000_000, s).unwrap(), -5_000_000_000);
        // rounding: long 1e-6 call 1 unit ITM receives 0, the short pays 1
        assert_eq!(settlement_cash(Kind::Call, 0, 1, 0, 1).unwrap(), 0);
        assert_eq!(settlement_cash(Kind::Call, 0, -1, 0, 1).unwrap(), -1);
    }
}
