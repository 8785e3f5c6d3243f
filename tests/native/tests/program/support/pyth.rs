//! Rust encoders of the two Pyth account formats the program reads (`oracle/pyth_pull.rs`,
//! `oracle/pyth_legacy.rs`), mirroring `app/src/testing/pyth.ts`: `oracle_tests` checks that they
//! reproduce the committed fixtures byte for byte.

use portfolio_margin::oracle::{
    LEGACY_MAGIC, LEGACY_PRICE_ACCOUNT_LEN, LEGACY_STATUS_TRADING, LEGACY_TYPE_PRICE, LEGACY_VERSION,
    PRICE_UPDATE_V2_DISCRIMINATOR, PRICE_UPDATE_V2_LEN,
};
use solana_sdk::pubkey::Pubkey;

/// Appends little-endian fields in order, like a Borsh serialiser, into a fixed-size buffer.
struct Writer {
    buf: Vec<u8>,
    at: usize,
}

impl Writer {
    fn new(size: usize) -> Self {
        Writer { buf: vec![0; size], at: 0 }
    }
    fn bytes(mut self, b: &[u8]) -> Self {
        self.buf[self.at..self.at + b.len()].copy_from_slice(b);
        self.at += b.len();
        self
    }
    fn u8(self, v: u8) -> Self {
        self.bytes(&[v])
    }
    fn u32(self, v: u32) -> Self {
        self.bytes(&v.to_le_bytes())
    }
    fn i32(self, v: i32) -> Self {
        self.bytes(&v.to_le_bytes())
    }
    fn u64(self, v: u64) -> Self {
        self.bytes(&v.to_le_bytes())
    }
    fn i64(self, v: i64) -> Self {
        self.bytes(&v.to_le_bytes())
    }
    fn seek(mut self, at: usize) -> Self {
        assert!(at >= self.at, "seek back from {} to {at}", self.at);
        self.at = at;
        self
    }
    fn done(self) -> Vec<u8> {
        self.buf
    }
}

/// `Full`: a guardian quorum signed the update; `Partial`: only `n` signatures were checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verification {
    Full,
    Partial(u8),
}

/// Fields of a `PriceUpdateV2` account.
#[derive(Clone, Copy, Debug)]
pub struct PriceUpdateV2 {
    pub write_authority: Pubkey,
    pub verification: Verification,
    pub feed_id: [u8; 32],
    pub price: i64,
    pub conf: u64,
    pub exponent: i32,
    pub publish_time: i64,
    pub prev_publish_time: i64,
    pub ema_price: i64,
    pub ema_conf: u64,
    pub posted_slot: u64,
}

impl PriceUpdateV2 {
    /// A fully verified update with the other fields zero.
    pub fn new(feed_id: [u8; 32], price: i64, conf: u64, exponent: i32, publish_time: i64) -> Self {
        PriceUpdateV2 {
            write_authority: Pubkey::default(),
            verification: Verification::Full,
            feed_id,
            price,
            conf,
            exponent,
            publish_time,
            prev_publish_time: 0,
            ema_price: 0,
            ema_conf: 0,
            posted_slot: 0,
        }
    }

    /// The 134 bytes the receiver allocates (a `Full` update leaves the last one zero).
    pub fn encode(&self) -> Vec<u8> {
        let w = Writer::new(PRICE_UPDATE_V2_LEN).bytes(&PRICE_UPDATE_V2_DISCRIMINATOR).bytes(self.write_authority.as_ref());
        let w = match self.verification {
            Verification::Full => w.u8(1),
            Verification::Partial(n) => w.u8(0).u8(n),
        };
        w.bytes(&self.feed_id)
            .i64(self.price)
            .u64(self.conf)
            .i32(self.exponent)
            .i64(self.publish_time)
            .i64(self.prev_publish_time)
            .i64(self.ema_price)
            .u64(self.ema_conf)
            .u64(self.posted_slot)
            .done()
    }
}

/// A legacy EMA field: `value` and its `numerator / denominator`.
#[derive(Clone, Copy, Debug, Default)]
pub struct LegacyEma {
    pub value: i64,
    pub numerator: i64,
    pub denominator: i64,
}

/// The aggregate price of a legacy account.
#[derive(Clone, Copy, Debug, Default)]
pub struct LegacyAggregate {
    pub price: i64,
    pub conf: u64,
    /// 0 unknown, 1 trading, 2 halted, 3 auction, 4 ignored.
    pub status: u32,
    pub corporate_action: u32,
    pub publish_slot: u64,
}

/// Fields of a legacy v2 price account (header only: no publisher components).
#[derive(Clone, Copy, Debug)]
pub struct LegacyPrice {
    pub magic: u32,
    pub version: u32,
    pub account_type: u32,
    pub size: u32,
    pub price_type: u32,
    pub exponent: i32,
    pub num_quoters: u32,
    pub last_slot: u64,
    pub valid_slot: u64,
    pub ema_price: LegacyEma,
    pub ema_conf: LegacyEma,
    /// Publish time of the aggregate (unix seconds).
    pub timestamp: i64,
    pub min_publishers: u8,
    pub product_account: Pubkey,
    pub next_price_account: Pubkey,
    pub prev_slot: u64,
    pub prev_price: i64,
    pub prev_conf: u64,
    pub prev_timestamp: i64,
    pub aggregate: LegacyAggregate,
}

impl LegacyPrice {
    /// A Trading price account with the other fields zero.
    pub fn new(price: i64, conf: u64, exponent: i32, timestamp: i64) -> Self {
        LegacyPrice {
            magic: LEGACY_MAGIC,
            version: LEGACY_VERSION,
            account_type: LEGACY_TYPE_PRICE,
            size: 0,
            price_type: 0,
            exponent,
            num_quoters: 0,
            last_slot: 0,
            valid_slot: 0,
            ema_price: LegacyEma::default(),
            ema_conf: LegacyEma::default(),
            timestamp,
            min_publishers: 0,
            product_account: Pubkey::default(),
            next_price_account: Pubkey::default(),
            prev_slot: 0,
            prev_price: 0,
            prev_conf: 0,
            prev_timestamp: 0,
            aggregate: LegacyAggregate { price, conf, status: LEGACY_STATUS_TRADING, corporate_action: 0, publish_slot: 0 },
        }
    }

    /// The 3312 bytes of a v2 price account.
    pub fn encode(&self) -> Vec<u8> {
        let ema = |w: Writer, e: &LegacyEma| w.i64(e.value).i64(e.numerator).i64(e.denominator);
        let w = Writer::new(LEGACY_PRICE_ACCOUNT_LEN)
            .u32(self.magic)
            .u32(self.version)
            .u32(self.account_type)
            .u32(self.size)
            .u32(self.price_type)
            .i32(self.exponent)
            .u32(0) // publisher components: none are written
            .u32(self.num_quoters)
            .u64(self.last_slot)
            .u64(self.valid_slot);
        let w = ema(ema(w, &self.ema_price), &self.ema_conf);
        let a = &self.aggregate;
        w.i64(self.timestamp)
            .u8(self.min_publishers)
            .seek(112)
            .bytes(self.product_account.as_ref())
            .bytes(self.next_price_account.as_ref())
            .u64(self.prev_slot)
            .i64(self.prev_price)
            .u64(self.prev_conf)
            .i64(self.prev_timestamp)
            .i64(a.price)
            .u64(a.conf)
            .u32(a.status)
            .u32(a.corporate_action)
            .u64(a.publish_slot)
            .done()
    }
}

/// A 32-byte feed id from 64 hex digits.
pub fn feed_id(hex: &str) -> [u8; 32] {
    assert_eq!(hex.len(), 64);
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("hex");
    }
    out
}
