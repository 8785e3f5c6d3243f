//! add_market, add_expiry and list_instruments.

use crate::support::{self, *};
use anchor_lang::error::ErrorCode as AnchorError;
use portfolio_margin::{
    errors::PmError,
    events::{ExpiryAdded, InstrumentsListed, MarketAdded},
    instructions::{AddMarketParams, InstrumentSpec},
    oracle::PYTH_LEGACY_PROGRAM_ID_MAINNET,
    state::*,
};
use risk_engine::{MarketParams, MAX_EXPIRY_SECONDS, MAX_PRICE};
use solana_sdk::{pubkey::Pubkey, signature::{Keypair, Signer}};

// ---- add_market ----

/// Sends add_market for the BTC market address with `params` (signed by the admin) and asserts
/// `expected`, with the clearinghouse, the market address, the oracle and the admin untouched.
async fn add_btc_rejected<E: Into<u32> + Copy + std::fmt::Debug>(m: &mut MarketWorld, params: AddMarketParams, expected: E) -> Sent {
    let admin = m.admin.insecure_clone();
    let ix = add_market_ix(&admin.pubkey(), &m.clearinghouse, &m.btc.key, &m.btc.oracle, params);
    let watch = [m.clearinghouse, m.btc.key, m.btc.oracle, admin.pubkey()];
    assert_rejected(&mut m.ctx, &[ix], &[&admin], &watch, expected).await
}

pm_test! {
    async fn add_market_lists_the_market_with_its_perpetual_and_emits_an_event() {
        let mut m = MarketWorld::without_markets().await;
        let (admin, ch, btc, eth) = (m.admin.pubkey(), m.clearinghouse, m.btc, m.eth);
        let logs = m.send_admin(add_market_ix(&admin, &ch, &btc.key, &btc.oracle, btc_params())).await;
        let events: Vec<MarketAdded> = events(&logs);
        assert_eq!(events.len(), 1);
        let e = &events[0];
        assert_eq!((e.clearinghouse, e.market, e.market_index, e.symbol.as_str()), (ch, btc.key, 0, "BTC"));
        assert_eq!((e.oracle, e.oracle_source, e.spot), (btc.oracle, 0, BTC_SPOT_1E6));

        let acc = account(&mut m.ctx, &btc.key).await.unwrap();
        assert_eq!((acc.owner, acc.data.len()), (portfolio_margin::ID, Market::SPACE));
        let market: Market = load_zc(&mut m.ctx, &btc.key).await;
        assert_eq!((market.clearinghouse, market.oracle, market.feed_id), (ch, btc.oracle, feed_id(BTC_FEED_HEX)));
        assert_eq!(&market.symbol, b"BTC\0\0\0\0\0");
        assert_eq!(market.params, MarketParams::default_with_range(160_000).fields());
        assert_eq!(market.oracle_limits, OracleLimitsConfig::DEFAULT);
        assert_eq!(market.vol_guards, VolGuards::DEFAULT);
        assert_eq!((market.vol_sequence, market.vol_updated_at, market.funding_index, market.funding_updated_at), (0, T0, 0, T0));
        assert_eq!((market.market_index, market.oracle_source, market.status, market.num_expiries), (0, 0, MarketStatus::Active as u8, 0));
        assert_eq!(market.bump, Pubkey::find_program_address(&[MARKET_SEED, ch.as_ref(), &0u16.to_le_bytes()], &portfolio_margin::ID).1);
        assert_eq!(market.num_instruments, 1);
        let perp = market.instruments[PERP_INSTRUMENT as usize];
        assert_eq!((perp.kind, perp.strike, perp.expiry_index, perp.open_interest), (0, 0, 0, 0));

        // The second market, on a legacy account, is index 1.
        let logs = m.send_admin(add_market_ix(&admin, &ch, &eth.key, &eth.oracle, eth_params())).await;
        let e = &support::events::<MarketAdded>(&logs)[0];
        assert_eq!((e.market, e.market_index, e.symbol.as_str(), e.oracle_source, e.spot), (eth.key, 1, "ETH", 1, ETH_SPOT_1E6));
        let market: Market = load_zc(&mut m.ctx, &eth.key).await;
        assert_eq!((market.market_index, market.oracle_source, market.oracle), (1, 1, eth.oracle));
        let clearinghouse: Clearinghouse = load_zc(&mut m.ctx, &ch).await;
        assert_eq!(clearinghouse.num_markets, 2);
    }
}

pm_test! {
    async fn add_market_needs_the_admin_and_its_signature() {
        let mut m = MarketWorld::without_markets().await;
        let (ch, btc) = (m.clearinghouse, m.btc);
        let attacker = Keypair::new();
        fund(&mut m.ctx, &attacker.pubkey()).await;
        let ix = add_market_ix(&attacker.pubkey(), &ch, &btc.key, &btc.oracle, btc_params());
        assert_rejected(&mut m.ctx, &[ix], &[&attacker], &[ch, btc.key, attacker.pubkey()], PmError::NotAdmin).await;

        let admin = m.admin.pubkey();
        let ix = unsigned(add_market_ix(&admin, &ch, &btc.key, &btc.oracle, btc_params()), &admin);
        assert_rejected(&mut m.ctx, &[ix], &[], &[ch, btc.key, admin], AnchorError::AccountNotSigner).await;
    }
}

pm_test! {
    async fn add_market_at_another_address_than_the_next_market_pda_is_rejected() {
        let mut m = MarketWorld::without_markets().await;
        let (admin, ch, btc) = (m.admin.insecure_clone(), m.clearinghouse, m.btc);
        for wrong in [market_pda(&ch, 1), Pubkey::new_unique()] {
            let ix = add_market_ix(&admin.pubkey(), &ch, &wrong, &btc.oracle, btc_params());
            assert_rejected(&mut m.ctx, &[ix], &[&admin], &[ch, wrong, admin.pubkey()], AnchorError::ConstraintSeeds).await;
        }
    }
}

pm_test! {
    async fn add_market_checks_the_oracle_owner_format_and_feed() {
        let mut m = MarketWorld::without_markets().await;
        // A BTC update owned by another program.
        let oracle = m.btc.oracle;
        put_oracle(&mut m.ctx, &oracle, &Pubkey::new_unique(), btc_update(T0).encode());
        add_btc_rejected(&mut m, btc_params(), PmError::OracleWrongOwner).await;
        // Owned by the legacy program, which is the wrong owner for a pull market.
        put_oracle(&mut m.ctx, &oracle, &PYTH_LEGACY_PROGRAM_ID_MAINNET, btc_update(T0).encode());
        add_btc_rejected(&mut m, btc_params(), PmError::OracleWrongOwner).await;
        // A legacy market pointing at a PriceUpdateV2 (right owner for its format, wrong format).
        put_oracle(&mut m.ctx, &oracle, &PYTH_LEGACY_PROGRAM_ID_MAINNET, btc_update(T0).encode());
        add_btc_rejected(&mut m, market_params("BTC", 1, [0; 32], 160_000), PmError::OracleInvalidData).await;
        // An unknown oracle source.
        m.put_btc(btc_update(T0));
        add_btc_rejected(&mut m, market_params("BTC", 2, feed_id(BTC_FEED_HEX), 160_000), PmError::OracleInvalidData).await;
        // The right account for another feed id.
        add_btc_rejected(&mut m, market_params("BTC", 0, feed_id(ETH_FEED_HEX), 160_000), PmError::OracleFeedMismatch).await;
        // Partial verification.
        m.put_btc(PriceUpdateV2 { verification: Verification::Partial(5), ..btc_update(T0) });
        add_btc_rejected(&mut m, btc_params(), PmError::OracleUnverified).await;
    }
}

pm_test! {
    async fn add_market_refuses_a_stale_or_non_positive_oracle() {
        let mut m = MarketWorld::without_markets().await;
        let margin_age = OracleLimitsConfig::DEFAULT.max_age_secs[1] as i64;
        m.put_btc(btc_update(T0 - margin_age - 1));
        add_btc_rejected(&mut m, btc_params(), PmError::OracleStale).await;
        for price in [0, -5] {
            m.put_btc(PriceUpdateV2 { price, ..btc_update(T0) });
            add_btc_rejected(&mut m, btc_params(), PmError::OracleNonPositivePrice).await;
        }
        // conf above the margin action's 1.5%
        m.put_btc(PriceUpdateV2 { conf: (BTC_PRICE as u64) * 15 / 1000 + 1, ..btc_update(T0) });
        add_btc_rejected(&mut m, btc_params(), PmError::OracleConfidenceTooWide).await;
        // A legacy market whose account is not Trading.
        let eth = m.eth;
        let admin = m.admin.insecure_clone();
        m.put_eth(LegacyPrice { aggregate: LegacyAggregate { status: 2, ..eth_price(T0).aggregate }, ..eth_price(T0) });
        let (ch, btc) = (m.clearinghouse, m.btc);
        let ix = add_market_ix(&admin.pubkey(), &ch, &btc.key, &eth.oracle, eth_params());
        assert_rejected(&mut m.ctx, &[ix], &[&admin], &[ch, btc.key], PmError::OracleNotTrading).await;
        // Exactly at the margin age it lists.
        m.put_btc(btc_update(T0 - margin_age));
        m.send_admin(add_market_ix(&admin.pubkey(), &ch, &btc.key, &btc.oracle, btc_params())).await;
    }
}

pm_test! {
    async fn add_market_rejects_parameters_out_of_bounds_and_names_them() {
        let mut m = MarketWorld::without_markets().await;
        let name = |n: &str| MarketParams::index_of(n).unwrap();
        let cases: Vec<(&str, i64)> = vec![
            ("price_range_ppm", 9_999),              // below its bound
            ("price_range_ppm", 500_001),            // above
            ("naked_short_im_ppm", 2_999),           // below naked_short_mm_ppm (ordering)
            ("tail_move_1_ppm", -100_000),           // |tail| below the price range
            ("vol_ref_days", -1),                    // not a u32
            ("tail_move_2_ppm", i64::from(i32::MAX) + 1), // not an i32
        ];
        for (field, value) in cases {
            let mut p = btc_params();
            p.params[name(field)] = value;
            let sent = add_btc_rejected(&mut m, p, PmError::InvalidMarketParams).await;
            assert!(logged(&sent, &format!("parameter {field} out of bounds")), "{field}: {:#?}", sent.logs);
        }
    }
}

pm_test! {
    async fn add_market_rejects_invalid_oracle_limits() {
        let mut m = MarketWorld::without_markets().await;
        let d = default_oracle_limits();
        let cases = [
            ([200, 120, 600], d.max_conf_ppm),                   // risk-increasing looser than margin
            ([30, 700, 600], d.max_conf_ppm),                    // margin looser than liquidation
            ([0, 120, 600], d.max_conf_ppm),                     // zero max age
            ([30, 120, MAX_ORACLE_AGE_SECS + 1], d.max_conf_ppm), // beyond the hard bound
            (d.max_age_secs, [16_000, 15_000, 20_000]),          // confidence not monotone
            (d.max_age_secs, [10_000, 21_000, 20_000]),
            (d.max_age_secs, [10_000, 15_000, 20_001]),          // beyond the engine's max_conf_ppm
        ];
        for (max_age_secs, max_conf_ppm) in cases {
            let mut p = btc_params();
            p.oracle_limits = OracleLimitsParams { max_age_secs, max_conf_ppm };
            add_btc_rejected(&mut m, p, PmError::InvalidOracleLimits).await;
        }
        // The widest confidence the engine allows is also the hard bound.
        let mut p = btc_params();
        p.params[MarketParams::index_of("max_conf_ppm").unwrap()] = 100_000;
        p.oracle_limits.max_conf_ppm = [10_000, 15_000, MAX_ORACLE_CONF_PPM + 1];
        add_btc_rejected(&mut m, p, PmError::InvalidOracleLimits).await;
        let mut p = btc_params();
        p.params[MarketParams::index_of("max_conf_ppm").unwrap()] = 100_000;
        p.oracle_limits.max_conf_ppm = [10_000, 15_000, MAX_ORACLE_CONF_PPM];
        let (admin, ch, btc) = (m.admin.pubkey(), m.clearinghouse, m.btc);
        m.send_admin(add_market_ix(&admin, &ch, &btc.key, &btc.oracle, p)).await;
    }
}

pm_test! {
    async fn add_market_rejects_invalid_vol_guards() {
        let mut m = MarketWorld::without_markets().await;
        let d = default_vol_guards();
        let cases = [
            VolGuardsParams { max_age_secs: 0, min_interval_secs: 0, ..d },
            VolGuardsParams { max_age_secs: 7 * 86_400 + 1, ..d },
            VolGuardsParams { min_interval_secs: d.max_age_secs + 1, ..d },
            VolGuardsParams { max_atm_change_ppm: 1_000_001, ..d },
            VolGuardsParams { max_shape_change_ppm: 5_000_001, ..d },
            VolGuardsParams { max_skew_ppm: 5_000_001, ..d },
            VolGuardsParams { max_curv_ppm: 20_000_001, ..d },
        ];
        for guards in cases {
            let mut p = btc_params();
            p.vol_guards = guards;
            add_btc_rejected(&mut m, p, PmError::InvalidVolGuards).await;
        }
    }
}

pm_test! {
    async fn add_market_rejects_bad_symbols() {
        let mut m = MarketWorld::without_markets().await;
        for symbol in ["", "TOOLONGSY", "B-C", "BTC/USD", "ÉTH"] {
            let mut p = btc_params();
            p.symbol = symbol.into();
            add_btc_rejected(&mut m, p, PmError::InvalidSymbol).await;
        }
        let mut p = btc_params();
        p.symbol = "wBTC2024".into(); // 8 letters and digits
        let (admin, ch, btc) = (m.admin.pubkey(), m.clearinghouse, m.btc);
        m.send_admin(add_market_ix(&admin, &ch, &btc.key, &btc.oracle, p)).await;
    }
}

pm_test! {
    async fn add_market_beyond_the_clearinghouse_capacity_is_rejected() {
        let mut m = MarketWorld::without_markets().await;
        let ch = m.clearinghouse;
        edit_account(&mut m.ctx, &ch, |c: &mut Clearinghouse| c.num_markets = MAX_MARKETS_PER_CLEARINGHOUSE).await;
        let admin = m.admin.insecure_clone();
        let market = market_pda(&ch, MAX_MARKETS_PER_CLEARINGHOUSE);
        let ix = add_market_ix(&admin.pubkey(), &ch, &market, &m.btc.oracle, btc_params());
        assert_rejected(&mut m.ctx, &[ix], &[&admin], &[ch, market, admin.pubkey()], PmError::MarketCapacityFull).await;
    }
}

// ---- add_expiry ----

/// add_expiry on `market` signed by the admin, rejected with `expected`, market unchanged.
async fn add_expiry_rejected(m: &mut MarketWorld, market: Pubkey, expiry: i64, slice: VolSliceParams, expected: PmError) {
    let admin = m.admin.insecure_clone();
    let ix = add_expiry_ix(&admin.pubkey(), &m.clearinghouse, &market, expiry, slice);
    let watch = [m.clearinghouse, market];
    assert_rejected(&mut m.ctx, &[ix], &[&admin], &watch, expected).await;
}

pm_test! {
    async fn add_expiry_and_list_instruments_record_them_and_emit_events() {
        let mut m = MarketWorld::new().await;
        // The world's listings.
        let btc_key = m.btc.key;
        let btc: Market = load_zc(&mut m.ctx, &btc_key).await;
        assert_eq!((btc.num_expiries, btc.num_instruments), (2, 1 + BTC_INSTRUMENTS.len() as u16));
        for (i, (expiry, slice)) in BTC_EXPIRIES.iter().zip(&BTC_SLICES).enumerate() {
            let e = btc.expiries[i];
            assert_eq!((e.expiry, e.atm_ppm, e.skew_ppm, e.curv_ppm, e.basis_ppm, e.settlement_price), (*expiry, slice.atm_ppm, slice.skew_ppm, slice.curv_ppm, slice.basis_ppm, 0));
        }
        for (i, spec) in BTC_INSTRUMENTS.iter().enumerate() {
            let inst = btc.instruments[i + 1];
            assert_eq!((inst.kind, inst.expiry_index, inst.strike, inst.open_interest), (spec.kind, spec.expiry_index, spec.strike, 0));
        }

        let (admin, ch, eth) = (m.admin.pubkey(), m.clearinghouse, m.eth.key);
        let slice = VolSliceParams { atm_ppm: 650_000, skew_ppm: 10_000, curv_ppm: 0, basis_ppm: -20_000 };
        let logs = m.send_admin(add_expiry_ix(&admin, &ch, &eth, T0 + 60 * DAY, slice)).await;
        let e = &events::<ExpiryAdded>(&logs)[0];
        assert_eq!((e.market, e.expiry_index, e.expiry), (eth, 1, T0 + 60 * DAY));
        let specs = vec![InstrumentSpec { kind: FUTURE, expiry_index: 1, strike: 0 }, InstrumentSpec { kind: PUT, expiry_index: 1, strike: 3_000 * STRIKE }];
        let logs = m.send_admin(list_instruments_ix(&admin, &ch, &eth, specs)).await;
        let e = &events::<InstrumentsListed>(&logs)[0];
        assert_eq!((e.market, e.first_index, e.count), (eth, 4, 2));
        let market: Market = load_zc(&mut m.ctx, &eth).await;
        assert_eq!((market.num_expiries, market.num_instruments), (2, 6));
        let ex = market.expiries[1];
        assert_eq!((ex.expiry, ex.atm_ppm, ex.skew_ppm, ex.curv_ppm, ex.basis_ppm), (T0 + 60 * DAY, 650_000, 10_000, 0, -20_000));
        assert_eq!((market.instruments[4].kind, market.instruments[4].expiry_index, market.instruments[4].strike), (FUTURE, 1, 0));
        assert_eq!((market.instruments[5].kind, market.instruments[5].expiry_index, market.instruments[5].strike), (PUT, 1, 3_000 * STRIKE));
        // listing does not touch the vol update record
        assert_eq!((market.vol_sequence, market.vol_updated_at), (0, T0));
    }
}

pm_test! {
    async fn add_expiry_must_be_ahead_by_the_lead_time_and_within_ten_years() {
        let mut m = MarketWorld::new().await;
        let eth = m.eth.key;
        let slice = ETH_SLICES[0];
        for expiry in [T0 - 1, T0, T0 + MIN_EXPIRY_LEAD_SECS - 1, T0 + MAX_EXPIRY_SECONDS + 1, i64::MIN, i64::MAX] {
            add_expiry_rejected(&mut m, eth, expiry, slice, PmError::InvalidExpiry).await;
        }
        let (admin, ch) = (m.admin.pubkey(), m.clearinghouse);
        m.send_admin(add_expiry_ix(&admin, &ch, &eth, T0 + MIN_EXPIRY_LEAD_SECS, slice)).await;
        m.send_admin(add_expiry_ix(&admin, &ch, &eth, T0 + MAX_EXPIRY_SECONDS, slice)).await;
    }
}

pm_test! {
    async fn add_expiry_rejects_a_duplicate_a_ninth_and_a_slice_out_of_bounds() {
        let mut m = MarketWorld::new().await;
        let btc = m.btc.key;
        add_expiry_rejected(&mut m, btc, BTC_EXPIRIES[1], BTC_SLICES[1], PmError::DuplicateExpiry).await;
        add_expiry_rejected(&mut m, btc, T0 + 90 * DAY, VolSliceParams { atm_ppm: 0, ..BTC_SLICES[0] }, PmError::VolOutOfBounds).await;
        add_expiry_rejected(&mut m, btc, T0 + 90 * DAY, VolSliceParams { skew_ppm: 2_000_001, ..BTC_SLICES[0] }, PmError::VolOutOfBounds).await;
        let (admin, ch) = (m.admin.pubkey(), m.clearinghouse);
        for i in 2..MAX_EXPIRIES as i64 {
            m.send_admin(add_expiry_ix(&admin, &ch, &btc, T0 + (30 + i) * DAY, BTC_SLICES[0])).await;
        }
        add_expiry_rejected(&mut m, btc, T0 + 200 * DAY, BTC_SLICES[0], PmError::ExpiryCapacityFull).await;
    }
}

pm_test! {
    async fn add_expiry_and_list_instruments_need_the_admin_and_its_own_market() {
        let mut m = MarketWorld::new().await;
        let (ch, btc) = (m.clearinghouse, m.btc.key);
        let attacker = Keypair::new();
        let spec = vec![InstrumentSpec { kind: CALL, expiry_index: 1, strike: 80_000 * STRIKE }];
        let ixs = [
            add_expiry_ix(&attacker.pubkey(), &ch, &btc, T0 + 90 * DAY, BTC_SLICES[0]),
            list_instruments_ix(&attacker.pubkey(), &ch, &btc, spec.clone()),
        ];
        for ix in ixs {
            assert_rejected(&mut m.ctx, &[ix], &[&attacker], &[ch, btc], PmError::NotAdmin).await;
        }
        let admin = m.admin.insecure_clone();
        let unsigned_ix = unsigned(list_instruments_ix(&admin.pubkey(), &ch, &btc, spec.clone()), &admin.pubkey());
        assert_rejected(&mut m.ctx, &[unsigned_ix], &[], &[ch, btc], AnchorError::AccountNotSigner).await;
        // The admin's other clearinghouse, with this clearinghouse's market.
        let (other, other_market) = m.other_clearinghouse().await;
        let ixs = [
            add_expiry_ix(&admin.pubkey(), &other, &btc, T0 + 90 * DAY, BTC_SLICES[0]),
            list_instruments_ix(&admin.pubkey(), &other, &btc, spec.clone()),
            add_expiry_ix(&admin.pubkey(), &ch, &other_market, T0 + 90 * DAY, BTC_SLICES[0]),
        ];
        for ix in ixs {
            assert_rejected(&mut m.ctx, &[ix], &[&admin], &[ch, btc, other, other_market], PmError::WrongMarket).await;
        }
    }
}

// ---- list_instruments ----

async fn list_rejected(m: &mut MarketWorld, market: Pubkey, specs: Vec<InstrumentSpec>, expected: PmError) {
    let admin = m.admin.insecure_clone();
    let ix = list_instruments_ix(&admin.pubkey(), &m.clearinghouse, &market, specs);
    let watch = [m.clearinghouse, market];
    assert_rejected(&mut m.ctx, &[ix], &[&admin], &watch, expected).await;
}

fn spec(kind: u8, expiry_index: u8, strike: u64) -> InstrumentSpec {
    InstrumentSpec { kind, expiry_index, strike }
}

pm_test! {
    async fn list_instruments_rejects_invalid_kinds_and_strikes() {
        let mut m = MarketWorld::new().await;
        let btc = m.btc.key;
        for bad in [
            spec(CALL, 1, 0),             // option without a strike
            spec(PUT, 1, 0),
            spec(CALL, 1, MAX_PRICE + 1), // beyond the engine's price range
            spec(FUTURE, 1, 65_000 * STRIKE), // future with a strike
            spec(0, 1, 0),                // a second perpetual
            spec(4, 1, STRIKE),           // unknown kind
        ] {
            list_rejected(&mut m, btc, vec![bad], PmError::InvalidInstrument).await;
        }
        let (admin, ch) = (m.admin.pubkey(), m.clearinghouse);
        m.send_admin(list_instruments_ix(&admin, &ch, &btc, vec![spec(CALL, 1, MAX_PRICE), spec(PUT, 1, 1)])).await;
    }
}

pm_test! {
    async fn list_instruments_rejects_unknown_expiries_and_duplicates() {
        let mut m = MarketWorld::new().await;
        let (btc, eth) = (m.btc.key, m.eth.key);
        list_rejected(&mut m, eth, vec![spec(FUTURE, 1, 0)], PmError::UnknownExpiry).await;
        list_rejected(&mut m, eth, vec![spec(CALL, 255, STRIKE)], PmError::UnknownExpiry).await;
        // already listed
        list_rejected(&mut m, btc, vec![spec(FUTURE, 0, 0)], PmError::DuplicateInstrument).await;
        list_rejected(&mut m, btc, vec![spec(PUT, 1, 65_000 * STRIKE)], PmError::DuplicateInstrument).await;
        // twice in one batch
        let twice = vec![spec(CALL, 1, 90_000 * STRIKE), spec(CALL, 1, 90_000 * STRIKE)];
        list_rejected(&mut m, btc, twice, PmError::DuplicateInstrument).await;
        // same strike, other kind or expiry: not duplicates
        let (admin, ch) = (m.admin.pubkey(), m.clearinghouse);
        m.send_admin(list_instruments_ix(&admin, &ch, &btc, vec![spec(CALL, 1, 60_000 * STRIKE), spec(PUT, 1, 70_000 * STRIKE)])).await;
    }
}

pm_test! {
    async fn list_instruments_of_an_expired_expiry_is_rejected() {
        let mut m = MarketWorld::new().await;
        let btc = m.btc.key;
        m.warp(BTC_EXPIRIES[0] - 1).await;
        let (admin, ch) = (m.admin.pubkey(), m.clearinghouse);
        m.send_admin(list_instruments_ix(&admin, &ch, &btc, vec![spec(CALL, 0, 61_000 * STRIKE)])).await;
        m.warp(BTC_EXPIRIES[0]).await;
        list_rejected(&mut m, btc, vec![spec(CALL, 0, 62_000 * STRIKE)], PmError::InstrumentExpired).await;
        m.warp(BTC_EXPIRIES[0] + DAY).await;
        list_rejected(&mut m, btc, vec![spec(PUT, 0, 61_000 * STRIKE)], PmError::InstrumentExpired).await;
        // the other expiry still lists
        m.send_admin(list_instruments_ix(&admin, &ch, &btc, vec![spec(CALL, 1, 61_000 * STRIKE)])).await;
    }
}

pm_test! {
    async fn list_instruments_is_all_or_nothing() {
        let mut m = MarketWorld::new().await;
        let btc = m.btc.key;
        for bad in [spec(CALL, 1, 0), spec(CALL, 7, STRIKE), spec(FUTURE, 1, 0)] {
            let batch = vec![spec(CALL, 1, 80_000 * STRIKE), spec(PUT, 1, 80_000 * STRIKE), bad];
            let expected = match bad.expiry_index {
                7 => PmError::UnknownExpiry,
                _ if bad.kind == FUTURE => PmError::DuplicateInstrument,
                _ => PmError::InvalidInstrument,
            };
            list_rejected(&mut m, btc, batch, expected).await;
        }
    }
}

pm_test! {
    async fn a_market_lists_at_most_256_instruments_including_the_perpetual() {
        let mut m = MarketWorld::new().await;
        let (admin, ch, btc) = (m.admin.pubkey(), m.clearinghouse, m.btc.key);
        let listed = 1 + BTC_INSTRUMENTS.len();
        let calls = |from: usize, n: usize| (from..from + n).map(|i| spec(CALL, 1, (i as u64 + 1) * 100 * STRIKE)).collect::<Vec<_>>();
        let free = MAX_INSTRUMENTS - listed;
        // One more than fits, in one batch: nothing is listed.
        let mut next = 0;
        while next + 70 < free {
            m.send_admin(list_instruments_ix(&admin, &ch, &btc, calls(next, 70))).await;
            next += 70;
        }
        let rest = free - next;
        list_rejected(&mut m, btc, calls(next, rest + 1), PmError::InstrumentCapacityFull).await;
        m.send_admin(list_instruments_ix(&admin, &ch, &btc, calls(next, rest))).await;
        let market: Market = load_zc(&mut m.ctx, &btc).await;
        assert_eq!(market.num_instruments as usize, MAX_INSTRUMENTS);
        list_rejected(&mut m, btc, calls(free, 1), PmError::InstrumentCapacityFull).await;
    }
}
