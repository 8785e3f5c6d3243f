//! `read_price` over byte-exact fixtures (fixtures/*.bin, written by app/src/testing/pyth.ts and
//! decoded on the TypeScript side by Pyth's own decoders as well): every check, in order.
//! Error cases the fixtures do not hold as files patch one field of a fixture at its offset.

use super::*;
use risk_engine::MAX_PRICE;

const BTC_FEED: [u8; 32] =
    hex32("e62df6c8b4a85fe1a67db44dc12de5db330f7ac66b72dc658afedf0f4a415b43");
const ETH_FEED: [u8; 32] =
    hex32("ff61491a931112ddf1bd8147cd1b641375f79f5825126d665480874634fd0ace");
const ORACLE: Pubkey = Pubkey::new_from_array([42; 32]);
const OTHER: Pubkey = Pubkey::new_from_array([43; 32]);
/// publish_time of every fixture except eth_pull_full (+30 s).
const T: i64 = 1_718_000_000;
const LIMITS: OracleLimits = OracleLimits {
    max_age_secs: 60,
    max_conf_ppm: 10_000,
};

const BTC_PULL_FULL: &[u8] = include_bytes!("fixtures/btc_pull_full.bin");
const BTC_PULL_PARTIAL: &[u8] = include_bytes!("fixtures/btc_pull_partial.bin");
const ETH_PULL_FULL: &[u8] = include_bytes!("fixtures/eth_pull_full.bin");
const PULL_NEGATIVE_PRICE: &[u8] = include_bytes!("fixtures/pull_negative_price.bin");
const PULL_EXPO_MIN: &[u8] = include_bytes!("fixtures/pull_expo_min.bin");
const BTC_LEGACY_TRADING: &[u8] = include_bytes!("fixtures/btc_legacy_trading.bin");
const LEGACY_HALTED: &[u8] = include_bytes!("fixtures/legacy_halted.bin");
const LEGACY_EXPO_MAX: &[u8] = include_bytes!("fixtures/legacy_expo_max.bin");

// Field offsets the patches use: a Full update's price_message starts at 41.
const PULL_PRICE: usize = 41 + 32;
const PULL_CONF: usize = 41 + 40;
const PULL_EXPONENT: usize = 41 + 48;
const LEGACY_EXPONENT: usize = 20;
const LEGACY_PRICE: usize = 208;
const LEGACY_STATUS: usize = 224;

const fn hex32(s: &str) -> [u8; 32] {
    const fn nibble(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            _ => c - b'a' + 10,
        }
    }
    let s = s.as_bytes();
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = nibble(s[2 * i]) << 4 | nibble(s[2 * i + 1]);
        i += 1;
    }
    out
}

fn spec(source: OracleSource, feed_id: &'static [u8; 32]) -> OracleSpec<'static> {
    let owner_program = match source {
        OracleSource::PythPull => &PYTH_RECEIVER_PROGRAM_ID,
        OracleSource::PythLegacy => &PYTH_LEGACY_PROGRAM_ID_MAINNET,
    };
    OracleSpec {
        source,
        address: &ORACLE,
        feed_id,
        owner_program,
    }
}
fn pull() -> OracleSpec<'static> {
    spec(OracleSource::PythPull, &BTC_FEED)
}
fn legacy() -> OracleSpec<'static> {
    spec(OracleSource::PythLegacy, &BTC_FEED)
}

/// `read_price` on an account at `key` owned by `owner` holding a copy of `data`.
fn read_at(
    key: Pubkey,
    owner: Pubkey,
    data: &[u8],
    spec: &OracleSpec,
    limits: &OracleLimits,
    now: i64,
) -> Result<OraclePrice> {
    let mut lamports = 1_000_000u64;
    let mut data = data.to_vec();
    let info = AccountInfo::new(
        &key,
        false,
        false,
        &mut lamports,
        &mut data,
        &owner,
        false,
        0,
    );
    read_price(&info, spec, limits, now)
}
/// `read_price` on the account the spec expects, at `now` = publish time.
fn read(data: &[u8], spec: &OracleSpec) -> Result<OraclePrice> {
    read_at(*spec.address, *spec.owner_program, data, spec, &LIMITS, T)
}
fn patched(base: &[u8], at: usize, bytes: &[u8]) -> Vec<u8> {
    let mut v = base.to_vec();
    v[at..at + bytes.len()].copy_from_slice(bytes);
    v
}
fn fails(r: Result<OraclePrice>, e: PmError) {
    assert_eq!(r, Err(e.into()));
}

const BTC: OraclePrice = OraclePrice {
    price: 65_123_456_789,
    conf: 23_456_790,
    publish_time: T,
};

#[test]
fn fixtures_have_the_allocated_sizes() {
    for f in [
        BTC_PULL_FULL,
        BTC_PULL_PARTIAL,
        ETH_PULL_FULL,
        PULL_NEGATIVE_PRICE,
        PULL_EXPO_MIN,
    ] {
        assert_eq!(f.len(), PRICE_UPDATE_V2_LEN);
    }
    // A Full update leaves the last allocated byte unused.
    assert_eq!(BTC_PULL_FULL[PRICE_UPDATE_V2_LEN - 1], 0);
    for f in [BTC_LEGACY_TRADING, LEGACY_HALTED, LEGACY_EXPO_MAX] {
        assert_eq!(f.len(), LEGACY_PRICE_ACCOUNT_LEN);
    }
}

#[test]
fn reads_both_formats() {
    // 6_512_345_678_901 x 1e-8 -> 65_123.456789 (down); conf 2_345_678_901 -> 23.456790 (up).
    assert_eq!(read(BTC_PULL_FULL, &pull()), Ok(BTC));
    assert_eq!(read(BTC_LEGACY_TRADING, &legacy()), Ok(BTC));
    let eth = spec(OracleSource::PythPull, &ETH_FEED);
    assert_eq!(
        read_at(
            ORACLE,
            PYTH_RECEIVER_PROGRAM_ID,
            ETH_PULL_FULL,
            &eth,
            &LIMITS,
            T + 30
        ),
        Ok(OraclePrice {
            price: 3_456_789_012,
            conf: 1_234_568,
            publish_time: T + 30
        })
    );
    // Legacy specs ignore the feed id.
    assert_eq!(
        read(
            BTC_LEGACY_TRADING,
            &spec(OracleSource::PythLegacy, &ETH_FEED)
        ),
        Ok(BTC)
    );
}

#[test]
fn account_checks_come_first() {
    let r = |key, owner, data: &[u8], s: &OracleSpec| read_at(key, owner, data, s, &LIMITS, T);
    fails(
        r(OTHER, PYTH_RECEIVER_PROGRAM_ID, BTC_PULL_FULL, &pull()),
        PmError::OracleWrongAccount,
    );
    // Both wrong: the address is checked first.
    fails(
        r(OTHER, OTHER, BTC_PULL_FULL, &pull()),
        PmError::OracleWrongAccount,
    );
    fails(
        r(ORACLE, OTHER, BTC_PULL_FULL, &pull()),
        PmError::OracleWrongOwner,
    );
    // Each format's owner is not the other's.
    fails(
        r(
            ORACLE,
            PYTH_LEGACY_PROGRAM_ID_MAINNET,
            BTC_PULL_FULL,
            &pull(),
        ),
        PmError::OracleWrongOwner,
    );
    fails(
        r(
            ORACLE,
            PYTH_RECEIVER_PROGRAM_ID,
            BTC_LEGACY_TRADING,
            &legacy(),
        ),
        PmError::OracleWrongOwner,
    );
    // Owner checks precede any parsing: garbage from the wrong owner is WrongOwner.
    fails(r(ORACLE, OTHER, &[], &pull()), PmError::OracleWrongOwner);
}

#[test]
fn pull_malformed_data() {
    let bad = |d: &[u8]| fails(read(d, &pull()), PmError::OracleInvalidData);
    bad(&patched(BTC_PULL_FULL, 0, &[0x23]));
    bad(&patched(BTC_PULL_FULL, 7, &[0]));
    bad(&patched(BTC_PULL_FULL, 40, &[2]));
    bad(&[]);
    bad(&BTC_PULL_FULL[..7]);
    bad(&BTC_PULL_FULL[..40]);
    bad(&BTC_PULL_FULL[..132]);
    bad(&BTC_PULL_PARTIAL[..133]);
    // A legacy account under a pull spec (same owner) fails on the discriminator.
    bad(BTC_LEGACY_TRADING);
    // Full without the unused padding byte is complete.
    assert_eq!(read(&BTC_PULL_FULL[..133], &pull()), Ok(BTC));
    // Trailing bytes beyond the allocation are ignored.
    assert_eq!(
        read(&[BTC_PULL_FULL, &[9u8; 16][..]].concat(), &pull()),
        Ok(BTC)
    );
}

#[test]
fn pull_verification_then_feed_id() {
    fails(read(BTC_PULL_PARTIAL, &pull()), PmError::OracleUnverified);
    // Unverified is reported before a feed mismatch.
    fails(
        read(BTC_PULL_PARTIAL, &spec(OracleSource::PythPull, &ETH_FEED)),
        PmError::OracleUnverified,
    );
    fails(read(ETH_PULL_FULL, &pull()), PmError::OracleFeedMismatch);
    fails(
        read(BTC_PULL_FULL, &spec(OracleSource::PythPull, &ETH_FEED)),
        PmError::OracleFeedMismatch,
    );
}

#[test]
fn legacy_malformed_data_and_status() {
    let bad = |d: &[u8]| fails(read(d, &legacy()), PmError::OracleInvalidData);
    bad(&patched(
        BTC_LEGACY_TRADING,
        0,
        &0xa1b2_c3d5u32.to_le_bytes(),
    ));
    bad(&patched(BTC_LEGACY_TRADING, 4, &1u32.to_le_bytes()));
    bad(&patched(BTC_LEGACY_TRADING, 8, &2u32.to_le_bytes()));
    bad(&BTC_LEGACY_TRADING[..239]);
    bad(&[]);
    bad(BTC_PULL_FULL);
    // The header alone is enough.
    assert_eq!(read(&BTC_LEGACY_TRADING[..240], &legacy()), Ok(BTC));

    fails(read(LEGACY_HALTED, &legacy()), PmError::OracleNotTrading);
    for status in [0u32, 2, 3, 4, 257, u32::MAX] {
        let d = patched(BTC_LEGACY_TRADING, LEGACY_STATUS, &status.to_le_bytes());
        fails(read(&d, &legacy()), PmError::OracleNotTrading);
    }
    // Malformed beats not trading.
    fails(
        read(&patched(LEGACY_HALTED, 4, &3u32.to_le_bytes()), &legacy()),
        PmError::OracleInvalidData,
    );
}

#[test]
fn non_positive_prices() {
    fails(
        read(PULL_NEGATIVE_PRICE, &pull()),
        PmError::OracleNonPositivePrice,
    );
    fails(
        read(
            &patched(BTC_PULL_FULL, PULL_PRICE, &0i64.to_le_bytes()),
            &pull(),
        ),
        PmError::OracleNonPositivePrice,
    );
    let d = patched(BTC_LEGACY_TRADING, LEGACY_PRICE, &i64::MIN.to_le_bytes());
    fails(read(&d, &legacy()), PmError::OracleNonPositivePrice);
    // Non-positive is reported before an unsupported exponent.
    let d = patched(PULL_NEGATIVE_PRICE, PULL_EXPONENT, &100i32.to_le_bytes());
    fails(read(&d, &pull()), PmError::OracleNonPositivePrice);
}

#[test]
fn exponent_extremes_and_overflow() {
    // -18: 1_000_000_000_000_000_001 x 1e-18 -> 1.000000 (down); conf 999_999_999_999 -> 0.000001 (up).
    assert_eq!(
        read(PULL_EXPO_MIN, &pull()),
        Ok(OraclePrice {
            price: 1_000_000,
            conf: 1,
            publish_time: T
        })
    );
    // 6: 10 x 1e6 = $10M = MAX_PRICE exactly; 11 is over.
    assert_eq!(
        read(LEGACY_EXPO_MAX, &legacy()),
        Ok(OraclePrice {
            price: MAX_PRICE,
            conf: 0,
            publish_time: T
        })
    );
    let d = patched(LEGACY_EXPO_MAX, LEGACY_PRICE, &11i64.to_le_bytes());
    fails(read(&d, &legacy()), PmError::OracleOutOfRange);
    for e in [MIN_EXPONENT - 1, MAX_EXPONENT + 1, i32::MIN, i32::MAX] {
        let d = patched(BTC_PULL_FULL, PULL_EXPONENT, &e.to_le_bytes());
        fails(read(&d, &pull()), PmError::OracleOutOfRange);
        let d = patched(BTC_LEGACY_TRADING, LEGACY_EXPONENT, &e.to_le_bytes());
        fails(read(&d, &legacy()), PmError::OracleOutOfRange);
    }
    // The largest price at the largest scale: out of range, no overflow.
    let d = patched(LEGACY_EXPO_MAX, LEGACY_PRICE, &i64::MAX.to_le_bytes());
    fails(read(&d, &legacy()), PmError::OracleOutOfRange);
    // A positive price that rounds to 0 at 1e6.
    let d = patched(PULL_EXPO_MIN, PULL_PRICE, &999_999_999_999i64.to_le_bytes());
    fails(read(&d, &pull()), PmError::OracleOutOfRange);
    // A confidence beyond u64 at 1e6.
    let d = patched(LEGACY_EXPO_MAX, 216, &u64::MAX.to_le_bytes());
    fails(read(&d, &legacy()), PmError::OracleOutOfRange);
}

#[test]
fn staleness_boundaries() {
    let at = |now| {
        read_at(
            ORACLE,
            PYTH_RECEIVER_PROGRAM_ID,
            BTC_PULL_FULL,
            &pull(),
            &LIMITS,
            now,
        )
    };
    assert_eq!(at(T + 60), Ok(BTC));
    fails(at(T + 61), PmError::OracleStale);
    // A publish time ahead of the clock counts as age 0.
    assert_eq!(at(T - 3_600), Ok(BTC));
    assert_eq!(at(i64::MIN), Ok(BTC));
    fails(at(i64::MAX), PmError::OracleStale);
    let legacy_at = |now| {
        read_at(
            ORACLE,
            PYTH_LEGACY_PROGRAM_ID_MAINNET,
            BTC_LEGACY_TRADING,
            &legacy(),
            &LIMITS,
            now,
        )
    };
    assert_eq!(legacy_at(T + 60), Ok(BTC));
    fails(legacy_at(T + 61), PmError::OracleStale);
    // Parsing errors come before staleness.
    fails(
        read_at(
            ORACLE,
            PYTH_RECEIVER_PROGRAM_ID,
            BTC_PULL_PARTIAL,
            &pull(),
            &LIMITS,
            T + 61,
        ),
        PmError::OracleUnverified,
    );
}

#[test]
fn confidence_at_the_cap_and_one_unit_over() {
    // $100 (10_000_000_000 at 1e-8) with a 1% cap: conf 1.000000 is at the cap.
    let base = patched(BTC_PULL_FULL, PULL_PRICE, &10_000_000_000i64.to_le_bytes());
    let with_conf = |c: u64| patched(&base, PULL_CONF, &c.to_le_bytes());
    assert_eq!(
        read(&with_conf(100_000_000), &pull()),
        Ok(OraclePrice {
            price: 100_000_000,
            conf: 1_000_000,
            publish_time: T
        })
    );
    // One raw unit more rounds up to one 1e6 unit over the cap.
    fails(
        read(&with_conf(100_000_001), &pull()),
        PmError::OracleConfidenceTooWide,
    );
    // Stale is reported before too wide.
    let r = read_at(
        ORACLE,
        PYTH_RECEIVER_PROGRAM_ID,
        &with_conf(u64::MAX / 100),
        &pull(),
        &LIMITS,
        T + 61,
    );
    fails(r, PmError::OracleStale);
}
