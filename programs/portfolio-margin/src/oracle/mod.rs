//! Pyth price oracles: both account formats, normalised to 1e6, with validity limits per action.
//!
//! `read_price` is the one entry point: account checks, then `pyth_pull` / `pyth_legacy` parse
//! the raw price, `normalize` rescales it to 1e6 and `limits` applies the action's limits. The
//! TypeScript SDK mirrors each step in `app/src/oracle/`, checked on the same fixtures
//! (`fixtures/`, written by `app/src/testing/pyth.ts` and read by Pyth's own decoders too).

use anchor_lang::prelude::*;

use crate::errors::PmError;

mod bytes;
mod limits;
mod normalize;
mod pyth_legacy;
mod pyth_pull;
#[cfg(test)]
mod tests;

pub use limits::check_limits;
pub use normalize::{to_1e6, MAX_EXPONENT, MIN_EXPONENT, PRICE_DECIMALS};
pub use pyth_legacy::{
    parse_legacy_price, LEGACY_HEADER_LEN, LEGACY_MAGIC, LEGACY_PRICE_ACCOUNT_LEN,
    LEGACY_STATUS_TRADING, LEGACY_TYPE_PRICE, LEGACY_VERSION,
};
pub use pyth_pull::{parse_price_update_v2, PRICE_UPDATE_V2_DISCRIMINATOR, PRICE_UPDATE_V2_LEN};

/// Owner of every `PriceUpdateV2` account, the sponsored push feeds included (the push oracle
/// program only writes them through the receiver), so this is the owner a pull spec checks.
pub const PYTH_RECEIVER_PROGRAM_ID: Pubkey =
    anchor_lang::solana_program::pubkey!("rec5EKMGg6MxZYaMdyBfgwp4d5rB9T1VQH5pJv5LtFJ");
/// Legacy Pyth oracle program (owner of legacy price accounts) on mainnet-beta.
pub const PYTH_LEGACY_PROGRAM_ID_MAINNET: Pubkey =
    anchor_lang::solana_program::pubkey!("FsJ3A3u2vn5cTVofAjvy6y5kwABJAqYWpe4975bi2epH");
/// Legacy Pyth oracle program on devnet.
pub const PYTH_LEGACY_PROGRAM_ID_DEVNET: Pubkey =
    anchor_lang::solana_program::pubkey!("gSbePebfvPy7tRqimPoVecS2UsBvYv46ynrzWocc92s");

/// Which Pyth account format a market's oracle uses (stored as a `u8` in `Market`).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum OracleSource {
    /// `PriceUpdateV2` of the Pyth receiver program (pull oracle and sponsored push feeds).
    PythPull = 0,
    /// The legacy v2 price account of the Pyth oracle program.
    PythLegacy = 1,
}

/// Action classes: each has its own staleness and confidence limits (risk-increasing strictest).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Action {
    /// Opening or increasing risk: strict.
    RiskIncreasing = 0,
    /// Withdrawals and margin reads: moderate.
    Margin = 1,
    /// Liquidation: lenient but bounded.
    Liquidation = 2,
}
pub const N_ACTIONS: usize = 3;

/// What a market expects of its oracle account.
#[derive(Clone, Copy, Debug)]
pub struct OracleSpec<'a> {
    pub source: OracleSource,
    /// The oracle account's address as configured in the market.
    pub address: &'a Pubkey,
    /// Pyth feed id (`PriceUpdateV2` only; ignored for legacy accounts).
    pub feed_id: &'a [u8; 32],
    /// Program that must own the account: the receiver (pull) or the oracle program (legacy).
    pub owner_program: &'a Pubkey,
}

/// Validity limits of one action class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OracleLimits {
    /// now - publish_time must be <= this (a publish time ahead of `now` counts as age 0).
    pub max_age_secs: u32,
    /// conf <= max_conf_ppm x price / 1e6.
    pub max_conf_ppm: u32,
}

/// A validated price at 1e6 (`PRICE_PRECISION`): price rounded down, confidence rounded up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OraclePrice {
    pub price: u64,
    pub conf: u64,
    pub publish_time: i64,
}

/// A price as the feed publishes it (`price x 10^exponent`), before normalisation and limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawPrice {
    pub price: i64,
    pub conf: u64,
    pub exponent: i32,
    pub publish_time: i64,
}

/// The validated 1e6 price of `info`, the oracle account `spec` describes, for an action with
/// `limits`, at unix time `now`.
///
/// Checks, in this order: `info.key == spec.address` (`OracleWrongAccount`); `info.owner ==
/// spec.owner_program` (`OracleWrongOwner`: without it anyone could write an account with the
/// same layout); the format's own checks (`parse_price_update_v2`, `parse_legacy_price`);
/// normalisation (`to_1e6`); the limits (`check_limits`).
pub fn read_price(
    info: &AccountInfo,
    spec: &OracleSpec,
    limits: &OracleLimits,
    now: i64,
) -> Result<OraclePrice> {
    require_keys_eq!(*info.key, *spec.address, PmError::OracleWrongAccount);
    require_keys_eq!(*info.owner, *spec.owner_program, PmError::OracleWrongOwner);
    let raw = {
        let data = info.try_borrow_data()?;
        match spec.source {
            OracleSource::PythPull => parse_price_update_v2(&data, spec.feed_id)?,
            OracleSource::PythLegacy => parse_legacy_price(&data)?,
        }
    };
    let (price, conf) = to_1e6(raw.price, raw.conf, raw.exponent)?;
    let price = OraclePrice {
        price,
        conf,
        publish_time: raw.publish_time,
    };
    check_limits(&price, limits, now)?;
    Ok(price)
}
