//! Portfolio-margin risk engine (see `shared/DESIGN.md` §2, §3, §5 and the crate README).
//!
//! `no_std`, no floats, no Solana types, no heap: fixed-capacity arrays only. All wide arithmetic
//! lives in [`wide`]; everything else is `i64` (prices/sizes at 1e6, unitless values in Q16.48).
//! Every step is checked; bad input and overflow are [`Error`]s, never panics.
#![no_std]
#![forbid(unsafe_code)]

pub mod black76;
pub mod engine;
pub mod math;
pub mod params;
pub mod reference;
pub mod wide;

pub use black76::{black76, Greeks, OptionKind};
pub use engine::*;
pub use params::*;

/// Prices are integers at 1e6 (quote units per whole unit of the underlying).
pub const PRICE_PRECISION: i64 = 1_000_000;
/// Sizes and collateral amounts are integers at 1e6 base units (USDC amounts are quote units).
pub const SIZE_PRECISION: i64 = 1_000_000;
/// Highest accepted price: 10,000,000 USD.
pub const MAX_PRICE: u64 = 10_000_000_000_000;
/// Largest accepted |position size| or collateral amount (1e7 whole units; 1e13 USDC quote units).
pub const MAX_SIZE: i64 = 10_000_000_000_000;
/// Seconds in a (365-day) year.
pub const YEAR_SECONDS: i64 = 31_536_000;

/// Every failure the engine can report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Error {
    Overflow = 1,
    DivByZero,
    Domain,
    BadPrice,
    BadVol,
    BadTime,
    BadDiscount,
    BadSize,
    BadMarketIndex,
    BadSliceIndex,
    TooManyPositions,
    TooManyCollaterals,
    TooManyMarkets,
    TooManySlices,
    OracleConfidenceTooWide,
    BadBasis,
    BadInstrument,
    /// A parameter is outside its hard bounds; the payload is the field's index in
    /// [`params::MARKET_PARAM_NAMES`] (or 100 + index in [`params::GLOBAL_PARAM_NAMES`]).
    ParamOutOfBounds(u8),
}

impl Error {
    /// A stable number per error, for callers that report errors as integers (the program's
    /// error mapping, the eBPF benchmark): 1..=17 by variant, `1000 + index` for
    /// [`Error::ParamOutOfBounds`].
    pub fn code(self) -> u32 {
        match self {
            Error::Overflow => 1,
            Error::DivByZero => 2,
            Error::Domain => 3,
            Error::BadPrice => 4,
            Error::BadVol => 5,
            Error::BadTime => 6,
            Error::BadDiscount => 7,
            Error::BadSize => 8,
            Error::BadMarketIndex => 9,
            Error::BadSliceIndex => 10,
            Error::TooManyPositions => 11,
            Error::TooManyCollaterals => 12,
            Error::TooManyMarkets => 13,
            Error::TooManySlices => 14,
            Error::OracleConfidenceTooWide => 15,
            Error::BadBasis => 16,
            Error::BadInstrument => 17,
            Error::ParamOutOfBounds(i) => 1000 + i as u32,
        }
    }
}
