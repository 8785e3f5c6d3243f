//! `PriceUpdateV2`: the Pyth receiver program's price account (pull updates and the sponsored
//! push feeds alike).
//!
//! Layout (Borsh after Anchor's 8-byte discriminator, little-endian): write_authority Pubkey;
//! verification_level enum, `Partial { num_signatures: u8 }` = `[0, n]` or `Full` = `[1]`, so
//! everything after it sits one byte later for `Partial`; price_message (feed_id [u8; 32],
//! price i64, conf u64, exponent i32, publish_time i64, prev_publish_time i64, ema_price i64,
//! ema_conf u64); posted_slot u64.

use anchor_lang::prelude::*;

use super::bytes::{i32_at, i64_at, u64_at};
use super::RawPrice;
use crate::errors::PmError;

/// `sha256("account:PriceUpdateV2")[..8]`, Anchor's account discriminator (a test recomputes it).
pub const PRICE_UPDATE_V2_DISCRIMINATOR: [u8; 8] = [0x22, 0xf1, 0x23, 0x63, 0x9d, 0x7e, 0xf4, 0xcd];

/// Bytes the receiver allocates for every `PriceUpdateV2` (its `PriceUpdateV2::LEN`): sized for
/// the two-byte `Partial` variant, so a `Full` update ends in one unused byte.
pub const PRICE_UPDATE_V2_LEN: usize = 134;

const VERIFICATION_LEVEL: usize = 8 + 32;
const PARTIAL: u8 = 0;
const FULL: u8 = 1;
/// feed_id 32 + price 8 + conf 8 + exponent 4 + three i64/u64 timestamps and EMA fields 8 each.
const PRICE_MESSAGE_LEN: usize = 32 + 8 + 8 + 4 + 8 + 8 + 8 + 8;
const POSTED_SLOT_LEN: usize = 8;
// Offsets inside price_message.
const PRICE: usize = 32;
const CONF: usize = 40;
const EXPONENT: usize = 48;
const PUBLISH_TIME: usize = 52;

/// The price of a fully verified update for `feed_id`.
///
/// `OracleInvalidData` for a wrong discriminator, an unknown verification tag or data that
/// ends before posted_slot; then `OracleUnverified` for a `Partial` update (fewer guardian
/// signatures than a quorum: not to be trusted for margin); then `OracleFeedMismatch`.
pub fn parse_price_update_v2(data: &[u8], feed_id: &[u8; 32]) -> Result<RawPrice> {
    require!(
        data.get(..8) == Some(&PRICE_UPDATE_V2_DISCRIMINATOR[..]),
        PmError::OracleInvalidData
    );
    let (full, msg) = match data.get(VERIFICATION_LEVEL) {
        Some(&PARTIAL) => (false, VERIFICATION_LEVEL + 2),
        Some(&FULL) => (true, VERIFICATION_LEVEL + 1),
        _ => return err!(PmError::OracleInvalidData),
    };
    // The whole Borsh value must be present, as Anchor's own deserialisation would require.
    require!(
        data.len() >= msg + PRICE_MESSAGE_LEN + POSTED_SLOT_LEN,
        PmError::OracleInvalidData
    );
    require!(full, PmError::OracleUnverified);
    require!(
        data[msg..msg + 32] == feed_id[..],
        PmError::OracleFeedMismatch
    );
    Ok(RawPrice {
        price: i64_at(data, msg + PRICE)?,
        conf: u64_at(data, msg + CONF)?,
        exponent: i32_at(data, msg + EXPONENT)?,
        publish_time: i64_at(data, msg + PUBLISH_TIME)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchor_lang::solana_program::hash::hash;

    #[test]
    fn discriminator_is_anchors() {
        assert_eq!(
            hash(b"account:PriceUpdateV2").to_bytes()[..8],
            PRICE_UPDATE_V2_DISCRIMINATOR
        );
    }

    #[test]
    fn length_matches_the_receiver_allocation() {
        // discriminator + write_authority + Partial tag and count + message + posted_slot.
        assert_eq!(
            8 + 32 + 2 + PRICE_MESSAGE_LEN + POSTED_SLOT_LEN,
            PRICE_UPDATE_V2_LEN
        );
    }
}
