//! Portfolio-margin risk engine (the design is in `docs/risk-model.md`; compute cost in
//! `docs/compute-cost.md`).
//!
//! `no_std`, no floats, no Solana types, no heap: fixed-capacity arrays only. Two arithmetic layers:
//! - the **margin path** (`grid`, `pricer`, `risk_array`, `accumulate`, `margin`) works in native
//!   64-bit integers (unitless values in Q32, prices at 1e6): the per-(option x scenario) loop has
//!   no division, no transcendental function and no 128-bit product, so it is cheap on SBF;
//!   per-market, per-expiry and per-option set-up may use the 128-bit helpers of [`wide`];
//! - the **precise path** (`math`, `black76`: Q16.48 with 128-bit products) prices single options
//!   and greeks for quotes and the CLI.
//!
//! Every step is checked; bad input and overflow are [`Error`]s, never panics.
#![no_std]
#![forbid(unsafe_code)]

pub mod accumulate;
pub mod black76;
pub mod fixed;
pub mod grid;
pub mod margin;
pub mod math;
pub mod params;
pub mod pricer;
#[cfg(feature = "reference")]
pub mod reference;
pub mod risk_array;
pub mod tables;
pub mod wide;

pub use black76::{black76, Greeks, OptionKind};
pub use grid::*;
pub use margin::*;
pub use params::*;
pub use risk_array::{RiskArray, UnitPnl};

/// Prices are integers at 1e6 (quote units per whole unit of the underlying).
pub const PRICE_PRECISION: i64 = 1_000_000;
/// Sizes and collateral amounts are integers at 1e6 base units (USDC amounts are quote units).
pub const SIZE_PRECISION: i64 = 1_000_000;
/// Highest accepted price: 10,000,000 USD.
pub const MAX_PRICE: u64 = 10_000_000_000_000;
/// Largest accepted |position size| or collateral amount (1e7 whole units; 1e13 USDC quote units).
pub const MAX_SIZE: i64 = 10_000_000_000_000;
/// Largest accepted |cost| of a position (quote units).
pub const MAX_COST: i64 = 1_000_000_000_000_000_000;
/// Seconds in a (365-day) year.
pub const YEAR_SECONDS: i64 = 31_536_000;

/// Capacities: one definition for engine, program and SDK.
pub const MAX_POSITIONS: usize = 32;
pub const MAX_COLLATERALS: usize = 8;
pub const MAX_MARKETS: usize = 4;
pub const MAX_SLICES: usize = 8;

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
    /// A collateral haircut is outside its bounds (MM <= IM <= `MAX_HAIRCUT_PPM`).
    BadHaircut,
    /// A market parameter is outside its bounds; the payload is its index in
    /// [`MarketParams::NAMES`] (see [`params::param_name`]).
    ParamOutOfBounds(u8),
    /// A global parameter is outside its bounds; index in [`GlobalParams::NAMES`].
    GlobalParamOutOfBounds(u8),
}

impl Error {
    /// A stable number per error, for callers that report errors as integers (the program's
    /// error mapping, the eBPF benchmark): 1..=18 by variant, `1000 + index` for
    /// [`Error::ParamOutOfBounds`], `1100 + index` for [`Error::GlobalParamOutOfBounds`].
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
            Error::BadHaircut => 18,
            Error::ParamOutOfBounds(i) => 1000 + i as u32,
            Error::GlobalParamOutOfBounds(i) => 1100 + i as u32,
        }
    }
}
