//! Oracles through the margin check (withdraw and simulate_margin): every check of `read_price`
//! on accounts written by the support encoders, which first must reproduce the committed
//! fixtures byte for byte.

use crate::support::*;
use portfolio_margin::{
    errors::PmError,
    instructions::ClearinghouseConfigParams,
    oracle::{PYTH_LEGACY_PROGRAM_ID_MAINNET, PYTH_RECEIVER_PROGRAM_ID},
    state::OracleLimitsConfig,
};
use solana_sdk::{pubkey::Pubkey, signature::Signer};

// ---- the encoders against the fixtures (values of tests/unit/oracle.test.ts) ----

const FIXTURE_T: i64 = 1_718_000_000;

fn key(b: u8) -> Pubkey {
    Pubkey::new_from_array([b; 32])
}

fn btc_pull_fixture() -> PriceUpdateV2 {
    PriceUpdateV2 {
        write_authority: key(7),
        prev_publish_time: FIXTURE_T - 1,
        ema_price: 6_500_000_000_000,
        ema_conf: 2_000_000_000,
        posted_slot: 275_000_123,
        ..PriceUpdateV2::new(feed_id(BTC_FEED_HEX), BTC_PRICE, BTC_CONF, -8, FIXTURE_T)
    }
}

#[test]
fn pull_encoder_reproduces_the_fixtures() {
    let dir = "../../programs/portfolio-margin/src/oracle/fixtures";
    let fixture = |name: &str| std::fs::read(format!("{}/{dir}/{name}.bin", env!("CARGO_MANIFEST_DIR"))).expect("fixture");
    assert_eq!(btc_pull_fixture().encode(), fixture("btc_pull_full"));
    assert_eq!(PriceUpdateV2 { verification: Verification::Partial(5), ..btc_pull_fixture() }.encode(), fixture("btc_pull_partial"));
    let eth = PriceUpdateV2 {
        write_authority: key(8),
        prev_publish_time: FIXTURE_T + 29,
        ema_price: 345_000_000_000,
        ema_conf: 100_000_000,
        posted_slot: 275_000_200,
        ..PriceUpdateV2::new(feed_id(ETH_FEED_HEX), ETH_PRICE, ETH_CONF, -8, FIXTURE_T + 30)
    };
    assert_eq!(eth.encode(), fixture("eth_pull_full"));
    assert_eq!(PriceUpdateV2::new(feed_id(BTC_FEED_HEX), -5, 1, -8, FIXTURE_T).encode(), fixture("pull_negative_price"));
    let expo_min = PriceUpdateV2::new(feed_id(BTC_FEED_HEX), 1_000_000_000_000_000_001, 999_999_999_999, -18, FIXTURE_T);
    assert_eq!(expo_min.encode(), fixture("pull_expo_min"));
}

#[test]
fn legacy_encoder_reproduces_the_fixtures() {
    let dir = "../../programs/portfolio-margin/src/oracle/fixtures";
    let fixture = |name: &str| std::fs::read(format!("{}/{dir}/{name}.bin", env!("CARGO_MANIFEST_DIR"))).expect("fixture");
    let trading = LegacyPrice {
        size: 3312,
        price_type: 1,
        num_quoters: 5,
        last_slot: 275_000_122,
        valid_slot: 275_000_122,
        ema_price: LegacyEma { value: 6_500_000_000_000, numerator: 13_000_000_000_000, denominator: 2 },
        ema_conf: LegacyEma { value: 2_000_000_000, numerator: 4_000_000_000, denominator: 2 },
        min_publishers: 3,
        product_account: key(9),
        next_price_account: key(10),
        prev_slot: 275_000_100,
        prev_price: 6_512_000_000_000,
        prev_conf: 2_300_000_000,
        prev_timestamp: FIXTURE_T - 10,
        aggregate: LegacyAggregate { price: BTC_PRICE, conf: BTC_CONF, status: 1, corporate_action: 0, publish_slot: 275_000_123 },
        ..LegacyPrice::new(0, 0, -8, FIXTURE_T)
    };
    assert_eq!(trading.encode(), fixture("btc_legacy_trading"));
    let halted = LegacyPrice {
        aggregate: LegacyAggregate { price: 15_000_000_000, conf: 7_500_000, status: 2, corporate_action: 0, publish_slot: 275_000_000 },
        ..LegacyPrice::new(0, 0, -8, FIXTURE_T)
    };
    assert_eq!(halted.encode(), fixture("legacy_halted"));
    let expo_max = LegacyPrice { aggregate: LegacyAggregate { publish_slot: 1, ..LegacyPrice::new(10, 0, 6, FIXTURE_T).aggregate }, ..LegacyPrice::new(10, 0, 6, FIXTURE_T) };
    assert_eq!(expo_max.encode(), fixture("legacy_expo_max"));
}

// ---- through the margin check ----

/// The world with the user holding 1,000 USDC, a BTC put spread and a short ETH put: both
/// markets (and their oracles) are read by every margin check.
async fn holding_both() -> MarketWorld {
    let mut m = MarketWorld::new().await;
    m.deposit_usdc(1_000 * USDC).await;
    let margin = m.user.margin_account;
    m.set_positions(&margin, &[(BTC, BTC_PUT_60K, 10_000, 0), (BTC, BTC_PUT_70K, -10_000, 0), (ETH, ETH_PUT_3500, -10_000, 0)]).await;
    let both = m.pairs(&[m.btc, m.eth]);
    m.report(&margin, &both).await;
    m
}

pm_test! {
    async fn an_oracle_owned_by_another_program_is_rejected() {
        let mut m = holding_both().await;
        let both = m.pairs(&[m.btc, m.eth]);
        let (btc_oracle, eth_oracle) = (m.btc.oracle, m.eth.oracle);
        // a copy of the real account under another owner, at the configured address
        put_oracle(&mut m.ctx, &btc_oracle, &Pubkey::new_unique(), btc_update(T0).encode());
        m.margin_check_rejected(&both, PmError::OracleWrongOwner).await;
        // each format's owner is the other's wrong one
        put_oracle(&mut m.ctx, &btc_oracle, &PYTH_LEGACY_PROGRAM_ID_MAINNET, btc_update(T0).encode());
        m.margin_check_rejected(&both, PmError::OracleWrongOwner).await;
        m.put_btc(btc_update(T0));
        put_oracle(&mut m.ctx, &eth_oracle, &PYTH_RECEIVER_PROGRAM_ID, eth_price(T0).encode());
        m.margin_check_rejected(&both, PmError::OracleWrongOwner).await;
    }
}

pm_test! {
    async fn the_owner_programs_are_the_clearinghouses_configuration() {
        let mut m = holding_both().await;
        let both = m.pairs(&[m.btc, m.eth]);
        let (admin, ch) = (m.admin.pubkey(), m.clearinghouse);
        let receiver = Pubkey::new_unique();
        let params = ClearinghouseConfigParams { pyth_receiver_program: Some(receiver), ..Default::default() };
        m.send_admin(update_clearinghouse_config_ix(&admin, &ch, params)).await;
        m.margin_check_rejected(&both, PmError::OracleWrongOwner).await;
        let btc_oracle = m.btc.oracle;
        put_oracle(&mut m.ctx, &btc_oracle, &receiver, btc_update(T0).encode());
        let margin = m.user.margin_account;
        m.report(&margin, &both).await;
    }
}

pm_test! {
    async fn another_markets_oracle_is_rejected() {
        let mut m = holding_both().await;
        let (btc, eth) = (m.btc, m.eth);
        m.margin_check_rejected(&[btc.key, eth.oracle, eth.key, eth.oracle], PmError::OracleWrongAccount).await;
        m.margin_check_rejected(&[btc.key, btc.oracle, eth.key, btc.oracle], PmError::OracleWrongAccount).await;
        // an account with the right data at another address
        let copy = Pubkey::new_unique();
        put_oracle(&mut m.ctx, &copy, &PYTH_RECEIVER_PROGRAM_ID, btc_update(T0).encode());
        m.margin_check_rejected(&[btc.key, copy, eth.key, eth.oracle], PmError::OracleWrongAccount).await;
    }
}

pm_test! {
    async fn a_price_update_of_another_feed_or_partly_verified_is_rejected() {
        let mut m = holding_both().await;
        let both = m.pairs(&[m.btc, m.eth]);
        m.put_btc(PriceUpdateV2 { feed_id: feed_id(ETH_FEED_HEX), ..btc_update(T0) });
        m.margin_check_rejected(&both, PmError::OracleFeedMismatch).await;
        for n in [0, 5, 255] {
            m.put_btc(PriceUpdateV2 { verification: Verification::Partial(n), ..btc_update(T0) });
            m.margin_check_rejected(&both, PmError::OracleUnverified).await;
        }
    }
}

pm_test! {
    async fn malformed_oracle_data_is_rejected() {
        let mut m = holding_both().await;
        let both = m.pairs(&[m.btc, m.eth]);
        let (btc_oracle, eth_oracle) = (m.btc.oracle, m.eth.oracle);
        let mut bad_discriminator = btc_update(T0).encode();
        bad_discriminator[0] ^= 1;
        let mut bad_tag = btc_update(T0).encode();
        bad_tag[40] = 2;
        // cut inside the price (a read past the end), and after it (every field read is present,
        // but not the whole value the receiver writes)
        let short = btc_update(T0).encode()[..100].to_vec();
        let no_posted_slot = btc_update(T0).encode()[..120].to_vec();
        for data in [bad_discriminator, bad_tag, short, no_posted_slot, vec![]] {
            put_oracle(&mut m.ctx, &btc_oracle, &PYTH_RECEIVER_PROGRAM_ID, data);
            m.margin_check_rejected(&both, PmError::OracleInvalidData).await;
        }
        m.put_btc(btc_update(T0));
        for bad in [
            LegacyPrice { magic: 0xa1b2_c3d5, ..eth_price(T0) },
            LegacyPrice { version: 1, ..eth_price(T0) },
            LegacyPrice { account_type: 2, ..eth_price(T0) },
        ] {
            m.put_eth(bad);
            m.margin_check_rejected(&both, PmError::OracleInvalidData).await;
        }
        put_oracle(&mut m.ctx, &eth_oracle, &PYTH_LEGACY_PROGRAM_ID_MAINNET, eth_price(T0).encode()[..239].to_vec());
        m.margin_check_rejected(&both, PmError::OracleInvalidData).await;
    }
}

pm_test! {
    async fn a_legacy_price_that_is_not_trading_is_rejected() {
        let mut m = holding_both().await;
        let both = m.pairs(&[m.btc, m.eth]);
        // unknown, halted, auction, ignored, and Trading with upper bytes set
        for status in [0, 2, 3, 4, 0x0101] {
            let p = eth_price(T0);
            m.put_eth(LegacyPrice { aggregate: LegacyAggregate { status, ..p.aggregate }, ..p });
            m.margin_check_rejected(&both, PmError::OracleNotTrading).await;
        }
    }
}

pm_test! {
    async fn staleness_is_the_markets_margin_limit_to_the_second() {
        let mut m = holding_both().await;
        let both = m.pairs(&[m.btc, m.eth]);
        let margin = m.user.margin_account;
        let max_age = OracleLimitsConfig::DEFAULT.max_age_secs[1] as i64;
        m.set_now(T0 + max_age + 1).await;
        m.margin_check_rejected(&both, PmError::OracleStale).await;
        m.put_btc(btc_update(T0 + 1));
        // ETH is still one second too old
        m.margin_check_rejected(&both, PmError::OracleStale).await;
        m.put_eth(eth_price(T0 + 1));
        m.report(&margin, &both).await;
        m.margin_check_succeeds(&both).await;
        // a publish time ahead of the clock counts as age 0
        m.put_btc(btc_update(T0 + max_age + 3_600));
        m.margin_check_succeeds(&both).await;
    }
}

pm_test! {
    async fn a_zero_or_negative_price_is_rejected() {
        let mut m = holding_both().await;
        let both = m.pairs(&[m.btc, m.eth]);
        for price in [0, -1, i64::MIN] {
            m.put_btc(PriceUpdateV2 { price, ..btc_update(T0) });
            m.margin_check_rejected(&both, PmError::OracleNonPositivePrice).await;
        }
        m.put_btc(btc_update(T0));
        let p = eth_price(T0);
        m.put_eth(LegacyPrice { aggregate: LegacyAggregate { price: -ETH_PRICE, ..p.aggregate }, ..p });
        m.margin_check_rejected(&both, PmError::OracleNonPositivePrice).await;
    }
}

pm_test! {
    async fn a_price_outside_the_supported_range_is_rejected() {
        let mut m = holding_both().await;
        let both = m.pairs(&[m.btc, m.eth]);
        for (price, exponent) in [(1, -19), (1, 7), (99, -8), (11, 6)] {
            m.put_btc(PriceUpdateV2 { price, exponent, ..btc_update(T0) });
            m.margin_check_rejected(&both, PmError::OracleOutOfRange).await;
        }
    }
}

pm_test! {
    async fn confidence_wider_than_the_margin_limit_is_rejected() {
        let mut m = holding_both().await;
        let both = m.pairs(&[m.btc, m.eth]);
        // 65,000.00000000 with a confidence of exactly 1.5% (the margin limit), then one unit more
        // (rounded up to a whole 1e6 unit)
        let price = 6_500_000_000_000;
        let limit = price as u64 * OracleLimitsConfig::DEFAULT.max_conf_ppm[1] as u64 / 1_000_000;
        m.put_btc(PriceUpdateV2 { price, conf: limit, ..btc_update(T0) });
        m.margin_check_succeeds(&both).await;
        m.put_btc(PriceUpdateV2 { price, conf: limit + 1, ..btc_update(T0) });
        m.margin_check_rejected(&both, PmError::OracleConfidenceTooWide).await;
        m.put_btc(btc_update(T0));
        let p = eth_price(T0);
        m.put_eth(LegacyPrice { aggregate: LegacyAggregate { conf: ETH_PRICE as u64 / 10, ..p.aggregate }, ..p });
        m.margin_check_rejected(&both, PmError::OracleConfidenceTooWide).await;
    }
}
