//! Trading arithmetic, free of accounts: how a fill nets into a position (cost basis, realised
//! P&L), fees, funding (EMAs, rate, what a position owes) and expiry settlement values. Every
//! amount is integer quote units (1e6 per USDC) and rounds against the account it is charged to
//! or paid to; the counterpart of every rounding lands in a market pool, so the quote vault
//! always equals the accounts' quote balances plus the pools, to the unit.

pub mod fees;
pub mod fill;
pub mod funding;
pub mod liquidation;
pub mod settlement;
pub mod touch;

pub use fees::*;
pub use fill::*;
pub use funding::*;
pub use liquidation::*;
pub use settlement::*;
pub use touch::*;

use anchor_lang::prelude::*;

use crate::errors::PmError;

/// Sizes and prices carry 6 decimals.
pub const UNIT: i128 = 1_000_000;

/// `value / UNIT` rounded toward -infinity.
pub fn floor_unit(value: i128) -> i128 {
    value.div_euclid(UNIT)
}


pub fn to_i64(v: i128) -> Result<i64> {
    i64::try_from(v).map_err(|_| error!(PmError::MathOverflow))
}

/// A deterministic xorshift generator for the module's random tests: `next(m)` is in `0..m`.
#[cfg(test)]
pub(crate) fn test_rng(mut seed: u64) -> impl FnMut(u64) -> u64 {
    move |m| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % m
    }
}
