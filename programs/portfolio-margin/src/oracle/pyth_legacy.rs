//! The legacy v2 price account of the Pyth oracle (push) program.
//!
//! Fixed little-endian offsets; only the 240-byte header before the per-publisher components
//! is read. These accounts stopped updating on Solana mainnet in 2024: supported for older
//! deployments and for tests, with the same staleness limits as any other source.

use anchor_lang::prelude::*;

use super::bytes::{i32_at, i64_at, u32_at, u64_at};
use super::RawPrice;
use crate::errors::PmError;

pub const LEGACY_MAGIC: u32 = 0xa1b2_c3d4;
pub const LEGACY_VERSION: u32 = 2;
/// Account type of a price account (1 mapping, 2 product, 3 price).
pub const LEGACY_TYPE_PRICE: u32 = 3;
/// Aggregate status Trading; 0 unknown, 2 halted, 3 auction, 4 ignored are all refused.
pub const LEGACY_STATUS_TRADING: u32 = 1;
/// Size of a v2 price account: the header plus 32 publisher components of 96 bytes.
pub const LEGACY_PRICE_ACCOUNT_LEN: usize = 3312;
/// Everything up to the first publisher component: the most this parser reads.
pub const LEGACY_HEADER_LEN: usize = 240;

const MAGIC: usize = 0;
const VERSION: usize = 4;
const ACCOUNT_TYPE: usize = 8;
const EXPONENT: usize = 20;
/// Publish time of the aggregate (unix seconds).
const TIMESTAMP: usize = 96;
const AGG_PRICE: usize = 208;
const AGG_CONF: usize = 216;
/// Read as a u32 like Pyth's JS client: Rust readers take the first byte, so a status whose
/// upper bytes are set is "not Trading" here, the stricter reading.
const AGG_STATUS: usize = 224;

/// The aggregate price of a Trading legacy price account.
///
/// `OracleInvalidData` when shorter than the header or the magic, version or account type is
/// wrong; then `OracleNotTrading` when the aggregate status is not Trading.
pub fn parse_legacy_price(data: &[u8]) -> Result<RawPrice> {
    require!(data.len() >= LEGACY_HEADER_LEN, PmError::OracleInvalidData);
    require!(
        u32_at(data, MAGIC)? == LEGACY_MAGIC
            && u32_at(data, VERSION)? == LEGACY_VERSION
            && u32_at(data, ACCOUNT_TYPE)? == LEGACY_TYPE_PRICE,
        PmError::OracleInvalidData
    );
    require!(
        u32_at(data, AGG_STATUS)? == LEGACY_STATUS_TRADING,
        PmError::OracleNotTrading
    );
    Ok(RawPrice {
        price: i64_at(data, AGG_PRICE)?,
        conf: u64_at(data, AGG_CONF)?,
        exponent: i32_at(data, EXPONENT)?,
        publish_time: i64_at(data, TIMESTAMP)?,
    })
}
