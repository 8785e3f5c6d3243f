//! Parameter and status changes: the admin within the hard bounds, the security authority only
//! tightening, anyone else refused; every change emits its event with the old and new values.

use crate::support::*;
use anchor_lang::error::ErrorCode as AnchorError;
use portfolio_margin::{
    errors::PmError,
    events::{
        ClearinghouseConfigUpdated, CollateralUpdated, GlobalParamsUpdated, MarketConfigUpdated, MarketParamsUpdated,
        MarketStatusUpdated,
    },
    instructions::ClearinghouseConfigParams,
    state::*,
};
use risk_engine::{GlobalParams, MarketParams, Tighter};
use solana_sdk::{instruction::Instruction, pubkey::Pubkey, signature::{Keypair, Signer}};

/// A step that moves a parameter a little without leaving its bounds.
fn step(old: i64) -> i64 {
    if old.abs() >= 1_000 { 1_000 } else { 1 }
}

/// `old` moved one step in a direction the security authority may not take (for a `Never`
/// field, either direction that stays in bounds).
fn loosened(old: i64, tighter: Tighter, (_, hi): (i64, i64)) -> i64 {
    match tighter {
        Tighter::Higher => old - step(old),
        Tighter::Lower => old + step(old),
        Tighter::Never if old + step(old) <= hi => old + step(old),
        Tighter::Never => old - step(old),
    }
}

/// `old` moved one step the stricter way (`Never` fields unchanged).
fn tightened(old: i64, tighter: Tighter, (lo, hi): (i64, i64)) -> i64 {
    let new = match tighter {
        Tighter::Higher => old + step(old),
        Tighter::Lower => old - step(old),
        Tighter::Never => old,
    };
    new.clamp(lo, hi)
}

fn market_params_valid(fields: &[i64; MarketParams::LEN]) -> bool {
    let mut p = MarketParams::DEFAULTS;
    fields.iter().enumerate().all(|(i, &v)| p.set_field(i, v).is_ok()) && risk_engine::validate_market_params(&p).is_ok()
}

fn global_params_valid(fields: &[i64; GlobalParams::LEN]) -> bool {
    let mut p = GlobalParams::DEFAULTS;
    fields.iter().enumerate().all(|(i, &v)| p.set_field(i, v).is_ok()) && risk_engine::validate_global_params(&p).is_ok()
}

/// Sends `ix` signed by `signer`, rejected with `expected`; the clearinghouse and `market` unchanged.
async fn rejected<E: Into<u32> + Copy + std::fmt::Debug>(m: &mut MarketWorld, ix: Instruction, signer: &Keypair, expected: E) -> Sent {
    let watch = [m.clearinghouse, m.btc.key, m.eth.key];
    assert_rejected(&mut m.ctx, &[ix], &[signer], &watch, expected).await
}

async fn stored_market_params(m: &mut MarketWorld) -> [i64; MarketParams::LEN] {
    let key = m.btc.key;
    load_zc::<Market>(&mut m.ctx, &key).await.params
}

/// The world with the security and crank authorities handed out: (world, security authority,
/// clearinghouse, BTC market).
async fn with_security() -> (MarketWorld, Keypair, Pubkey, Pubkey) {
    let mut m = MarketWorld::new().await;
    let (security, _) = m.hand_out_authorities().await;
    let (ch, btc) = (m.clearinghouse, m.btc.key);
    (m, security, ch, btc)
}

// ---- update_market_params ----

pm_test! {
    async fn the_admin_may_set_market_params_within_bounds() {
        let mut m = MarketWorld::new().await;
        let (admin, ch, btc) = (m.admin.insecure_clone(), m.clearinghouse, m.btc.key);
        let old = stored_market_params(&mut m).await;
        let mut new = old;
        let name = |n: &str| MarketParams::index_of(n).unwrap();
        new[name("price_range_ppm")] = 100_000; // looser
        new[name("linear_im_ppm")] = 20_000; // looser
        new[name("vol_max_ppm")] = 4_000_000; // no direction
        let logs = m.send_admin(update_market_params_ix(&admin.pubkey(), &ch, &btc, new)).await;
        let e = &events::<MarketParamsUpdated>(&logs)[0];
        assert_eq!((e.market, e.signer), (btc, admin.pubkey()));
        assert_eq!((e.old.as_slice(), e.new.as_slice()), (&old[..], &new[..]));
        assert_eq!(stored_market_params(&mut m).await, new);

        // Out of bounds, by type, by ordering: named in the log.
        let cases = [("price_range_ppm", 9_999), ("price_range_ppm", 500_001), ("linear_im_ppm", 14_999), ("vol_up_coef_ppm", -1), ("max_conf_ppm", 100_001)];
        for (field, value) in cases {
            let mut bad = new;
            bad[name(field)] = value;
            let sent = rejected(&mut m, update_market_params_ix(&admin.pubkey(), &ch, &btc, bad), &admin, PmError::InvalidMarketParams).await;
            assert!(logged(&sent, &format!("parameter {field} out of bounds")), "{field}: {:#?}", sent.logs);
        }
        // An engine confidence cap below the market's liquidation oracle limit (20,000 ppm).
        let mut narrow = new;
        narrow[name("max_conf_ppm")] = 19_999;
        rejected(&mut m, update_market_params_ix(&admin.pubkey(), &ch, &btc, narrow), &admin, PmError::InvalidOracleLimits).await;
    }
}

pm_test! {
    async fn the_security_authority_may_tighten_market_params() {
        let (mut m, security, ch, btc) = with_security().await;
        let old = stored_market_params(&mut m).await;
        let mut new = old;
        for (i, v) in new.iter_mut().enumerate() {
            // (max_conf_ppm stays: below the oracle limits it is refused, see above)
            if MarketParams::NAMES[i] != "max_conf_ppm" {
                *v = tightened(old[i], MarketParams::TIGHTER[i], MarketParams::BOUNDS[i]);
            }
        }
        assert!(market_params_valid(&new) && new != old);
        let logs = send_ok(&mut m.ctx, &[update_market_params_ix(&security.pubkey(), &ch, &btc, new)], &[&security]).await;
        let e = &events::<MarketParamsUpdated>(&logs)[0];
        assert_eq!((e.market, e.signer, e.old.as_slice(), e.new.as_slice()), (btc, security.pubkey(), &old[..], &new[..]));
        assert_eq!(stored_market_params(&mut m).await, new);
        // Unchanged is not looser.
        send_ok(&mut m.ctx, &[update_market_params_ix(&security.pubkey(), &ch, &btc, new)], &[&security]).await;
    }
}

pm_test! {
    async fn the_security_authority_may_loosen_no_market_param() {
        let (mut m, security, ch, btc) = with_security().await;
        let old = stored_market_params(&mut m).await;
        for i in 0..MarketParams::LEN {
            let mut new = old;
            new[i] = loosened(old[i], MarketParams::TIGHTER[i], MarketParams::BOUNDS[i]);
            let name = MarketParams::NAMES[i];
            assert!(market_params_valid(&new), "{name}: the loosened set must be valid, or the test proves nothing");
            let sent = rejected(&mut m, update_market_params_ix(&security.pubkey(), &ch, &btc, new), &security, PmError::LooseningBySecurity).await;
            assert!(logged(&sent, &format!("{name} would loosen")), "{name}: {:#?}", sent.logs);
        }
        // The admin may make each of those changes.
        let mut new = old;
        new[0] = loosened(old[0], MarketParams::TIGHTER[0], MarketParams::BOUNDS[0]);
        m.send_admin(update_market_params_ix(&m.w.admin.pubkey(), &ch, &btc, new)).await;
    }
}

pm_test! {
    async fn market_params_need_the_admin_or_the_security_authority_of_the_markets_clearinghouse() {
        let mut m = MarketWorld::new().await;
        let (security, crank) = m.hand_out_authorities().await;
        let (ch, btc) = (m.clearinghouse, m.btc.key);
        let params = stored_market_params(&mut m).await;
        for stranger in [Keypair::new(), crank] {
            rejected(&mut m, update_market_params_ix(&stranger.pubkey(), &ch, &btc, params), &stranger, PmError::NotAdminOrSecurity).await;
            rejected(&mut m, set_market_status_ix(&stranger.pubkey(), &ch, &btc, 2), &stranger, PmError::NotAdminOrSecurity).await;
        }
        let ix = unsigned(update_market_params_ix(&security.pubkey(), &ch, &btc, params), &security.pubkey());
        assert_rejected(&mut m.ctx, &[ix], &[], &[ch, btc], AnchorError::AccountNotSigner).await;
        // The admin's other clearinghouse, where the same admin is admin, cannot reach this market.
        let (other, other_market) = m.other_clearinghouse().await;
        let admin = m.admin.insecure_clone();
        for (clearinghouse, market) in [(other, btc), (ch, other_market)] {
            rejected(&mut m, update_market_params_ix(&admin.pubkey(), &clearinghouse, &market, params), &admin, PmError::WrongMarket).await;
            rejected(&mut m, set_market_status_ix(&admin.pubkey(), &clearinghouse, &market, 2), &admin, PmError::WrongMarket).await;
            let ix = update_market_config_ix(&admin.pubkey(), &clearinghouse, &market, default_oracle_limits(), default_vol_guards());
            rejected(&mut m, ix, &admin, PmError::WrongMarket).await;
        }
    }
}

// ---- update_global_params ----

async fn stored_global_params(m: &mut MarketWorld) -> [i64; GlobalParams::LEN] {
    let ch = m.clearinghouse;
    load_zc::<Clearinghouse>(&mut m.ctx, &ch).await.global_params
}

pm_test! {
    async fn global_params_the_admin_within_bounds_the_security_authority_tighter_only() {
        let mut m = MarketWorld::new().await;
        let (security, crank) = m.hand_out_authorities().await;
        let (admin, ch) = (m.admin.insecure_clone(), m.clearinghouse);
        let old = stored_global_params(&mut m).await;
        assert_eq!(old, GlobalParams::DEFAULTS.fields());
        let name = |n: &str| GlobalParams::index_of(n).unwrap();

        // admin: a correlation credit (looser)
        let mut new = old;
        new[name("corr_credit_ppm")] = 500_000;
        let logs = m.send_admin(update_global_params_ix(&admin.pubkey(), &ch, new)).await;
        let e = &events::<GlobalParamsUpdated>(&logs)[0];
        assert_eq!((e.clearinghouse, e.signer, e.old.as_slice(), e.new.as_slice()), (ch, admin.pubkey(), &old[..], &new[..]));
        assert_eq!(stored_global_params(&mut m).await, new);

        // admin: out of bounds, by type, by ordering
        for (field, value) in [("mm_scan_ppm", 499_999), ("im_over_mm_min_ppm", 2_000_001), ("corr_credit_ppm", -1), ("im_scan_ppm", 799_999)] {
            let mut bad = new;
            bad[name(field)] = value;
            let sent = rejected(&mut m, update_global_params_ix(&admin.pubkey(), &ch, bad), &admin, PmError::InvalidGlobalParams).await;
            assert!(logged(&sent, &format!("parameter {field} out of bounds")), "{field}: {:#?}", sent.logs);
        }

        // security: every loosening refused, named in the log
        let current = new;
        for i in 0..GlobalParams::LEN {
            let mut looser = current;
            looser[i] = loosened(current[i], GlobalParams::TIGHTER[i], GlobalParams::BOUNDS[i]);
            assert!(global_params_valid(&looser), "{}", GlobalParams::NAMES[i]);
            let sent = rejected(&mut m, update_global_params_ix(&security.pubkey(), &ch, looser), &security, PmError::LooseningBySecurity).await;
            assert!(logged(&sent, &format!("{} would loosen", GlobalParams::NAMES[i])), "{:#?}", sent.logs);
        }
        // security: all tighter at once
        let mut tighter = current;
        for i in 0..GlobalParams::LEN {
            tighter[i] = tightened(current[i], GlobalParams::TIGHTER[i], GlobalParams::BOUNDS[i]);
        }
        assert!(global_params_valid(&tighter));
        let logs = send_ok(&mut m.ctx, &[update_global_params_ix(&security.pubkey(), &ch, tighter)], &[&security]).await;
        let e = &events::<GlobalParamsUpdated>(&logs)[0];
        assert_eq!((e.signer, e.old.as_slice(), e.new.as_slice()), (security.pubkey(), &current[..], &tighter[..]));
        // security: out of bounds is still out of bounds
        let mut beyond = tighter;
        beyond[name("mm_scan_ppm")] = 1_000_001;
        rejected(&mut m, update_global_params_ix(&security.pubkey(), &ch, beyond), &security, PmError::InvalidGlobalParams).await;
        // anyone else
        for stranger in [Keypair::new(), crank] {
            rejected(&mut m, update_global_params_ix(&stranger.pubkey(), &ch, tighter), &stranger, PmError::NotAdminOrSecurity).await;
        }
    }
}

// ---- set_market_status ----

async fn status(m: &mut MarketWorld) -> u8 {
    let key = m.btc.key;
    load_zc::<Market>(&mut m.ctx, &key).await.status
}

pm_test! {
    async fn the_admin_may_set_any_status_the_security_authority_only_a_stricter_one() {
        let mut m = MarketWorld::new().await;
        let (security, _) = m.hand_out_authorities().await;
        let (admin, ch, btc) = (m.admin.insecure_clone(), m.clearinghouse, m.btc.key);
        let (active, reduce_only, paused) = (MarketStatus::Active as u8, MarketStatus::ReduceOnly as u8, MarketStatus::Paused as u8);
        for (signer, from, to) in [(&admin, active, paused), (&admin, paused, active), (&security, active, reduce_only), (&security, reduce_only, paused), (&security, paused, paused)] {
            let logs = send_ok(&mut m.ctx, &[set_market_status_ix(&signer.pubkey(), &ch, &btc, to)], &[signer]).await;
            let e = &events::<MarketStatusUpdated>(&logs)[0];
            assert_eq!((e.market, e.signer, e.old_status, e.new_status), (btc, signer.pubkey(), from, to));
            assert_eq!(status(&mut m).await, to);
        }
        // Paused: the security authority may not un-pause, nor relax to reduce-only.
        for to in [active, reduce_only] {
            let sent = rejected(&mut m, set_market_status_ix(&security.pubkey(), &ch, &btc, to), &security, PmError::LooseningBySecurity).await;
            assert!(logged(&sent, "would loosen"), "{:#?}", sent.logs);
        }
        m.send_admin(set_market_status_ix(&admin.pubkey(), &ch, &btc, reduce_only)).await;
        rejected(&mut m, set_market_status_ix(&security.pubkey(), &ch, &btc, active), &security, PmError::LooseningBySecurity).await;
        for bad in [3, 255] {
            rejected(&mut m, set_market_status_ix(&admin.pubkey(), &ch, &btc, bad), &admin, PmError::InvalidMarketStatus).await;
        }
    }
}

// ---- update_collateral ----

async fn wbtc_config(m: &mut MarketWorld) -> CollateralConfig {
    let ch = m.clearinghouse;
    let wbtc = m.wbtc;
    *load_zc::<Clearinghouse>(&mut m.ctx, &ch).await.collaterals.iter().find(|c| c.mint == wbtc).unwrap()
}

pm_test! {
    async fn collateral_haircuts_and_caps_admin_within_bounds_security_tighter_only() {
        let mut m = MarketWorld::new().await;
        let (security, crank) = m.hand_out_authorities().await;
        let (admin, ch, wbtc) = (m.admin.insecure_clone(), m.clearinghouse, m.wbtc);
        let (mm, im, cap) = (WBTC_HAIRCUT_MM, WBTC_HAIRCUT_IM, WBTC_CAP);

        // admin: lower haircuts, higher cap
        let logs = m.send_admin(update_collateral_ix(&admin.pubkey(), &ch, &wbtc, 10_000, 20_000, 2 * cap)).await;
        let e = &events::<CollateralUpdated>(&logs)[0];
        assert_eq!((e.clearinghouse, e.mint, e.signer), (ch, wbtc, admin.pubkey()));
        assert_eq!((e.old_haircut_mm_ppm, e.new_haircut_mm_ppm, e.old_haircut_im_ppm, e.new_haircut_im_ppm), (mm, 10_000, im, 20_000));
        assert_eq!((e.old_deposit_cap, e.new_deposit_cap), (cap, 2 * cap));
        let c = wbtc_config(&mut m).await;
        assert_eq!((c.haircut_mm_ppm, c.haircut_im_ppm, c.deposit_cap, c.market_index, c.decimals), (10_000, 20_000, 2 * cap, BTC, WBTC_DECIMALS));

        // admin: out of bounds
        for (mm, im) in [(30_001, 30_000), (0, 950_001)] {
            rejected(&mut m, update_collateral_ix(&admin.pubkey(), &ch, &wbtc, mm, im, cap), &admin, PmError::InvalidHaircut).await;
        }
        rejected(&mut m, update_collateral_ix(&admin.pubkey(), &ch, &Pubkey::new_unique(), mm, im, cap), &admin, PmError::CollateralNotListed).await;

        // security: higher haircuts and a lower cap
        let logs = send_ok(&mut m.ctx, &[update_collateral_ix(&security.pubkey(), &ch, &wbtc, 15_000, 30_000, cap)], &[&security]).await;
        let e = &events::<CollateralUpdated>(&logs)[0];
        assert_eq!((e.signer, e.old_haircut_mm_ppm, e.new_haircut_mm_ppm, e.old_deposit_cap, e.new_deposit_cap), (security.pubkey(), 10_000, 15_000, 2 * cap, cap));
        // security: each loosening refused
        for (mm, im, new_cap) in [(14_999, 30_000, cap), (15_000, 29_999, cap), (15_000, 30_000, cap + 1)] {
            let ix = update_collateral_ix(&security.pubkey(), &ch, &wbtc, mm, im, new_cap);
            rejected(&mut m, ix, &security, PmError::LooseningBySecurity).await;
        }
        // security: beyond the haircut bound is still refused
        rejected(&mut m, update_collateral_ix(&security.pubkey(), &ch, &wbtc, 15_000, 950_001, cap), &security, PmError::InvalidHaircut).await;
        // anyone else
        for stranger in [Keypair::new(), crank] {
            rejected(&mut m, update_collateral_ix(&stranger.pubkey(), &ch, &wbtc, 50_000, 60_000, 0), &stranger, PmError::NotAdminOrSecurity).await;
        }
        let c = wbtc_config(&mut m).await;
        assert_eq!((c.haircut_mm_ppm, c.haircut_im_ppm, c.deposit_cap), (15_000, 30_000, cap));
    }
}

// ---- update_clearinghouse_config ----

pm_test! {
    async fn only_the_admin_hands_out_authorities_and_oracle_owners() {
        let mut m = MarketWorld::new().await;
        let (admin, ch) = (m.admin.insecure_clone(), m.clearinghouse);
        let before: Clearinghouse = load_zc(&mut m.ctx, &ch).await;
        assert_eq!((before.security_authority, before.crank_authority), (admin.pubkey(), admin.pubkey()));
        let (security, crank, receiver, legacy) = (Keypair::new(), Keypair::new(), Pubkey::new_unique(), Pubkey::new_unique());
        let params = ClearinghouseConfigParams {
            security_authority: Some(security.pubkey()),
            crank_authority: Some(crank.pubkey()),
            pyth_receiver_program: Some(receiver),
            pyth_oracle_program: Some(legacy),
            liquidation_buffer_ppm: Some(250_000),
        };
        assert_eq!(before.liquidation_buffer_ppm, DEFAULT_LIQUIDATION_BUFFER_PPM);
        let logs = m.send_admin(update_clearinghouse_config_ix(&admin.pubkey(), &ch, params)).await;
        let e = &events::<ClearinghouseConfigUpdated>(&logs)[0];
        assert_eq!(e.clearinghouse, ch);
        assert_eq!((e.old_security_authority, e.new_security_authority), (admin.pubkey(), security.pubkey()));
        assert_eq!((e.old_crank_authority, e.new_crank_authority), (admin.pubkey(), crank.pubkey()));
        assert_eq!((e.old_pyth_receiver_program, e.new_pyth_receiver_program), (before.pyth_receiver_program, receiver));
        assert_eq!((e.old_pyth_oracle_program, e.new_pyth_oracle_program), (before.pyth_oracle_program, legacy));
        assert_eq!((e.old_liquidation_buffer_ppm, e.new_liquidation_buffer_ppm), (DEFAULT_LIQUIDATION_BUFFER_PPM, 250_000));
        let after: Clearinghouse = load_zc(&mut m.ctx, &ch).await;
        assert_eq!((after.security_authority, after.crank_authority, after.pyth_receiver_program, after.pyth_oracle_program), (security.pubkey(), crank.pubkey(), receiver, legacy));

        // `None` keeps a value.
        let logs = m.send_admin(update_clearinghouse_config_ix(&admin.pubkey(), &ch, ClearinghouseConfigParams::default())).await;
        let e = &events::<ClearinghouseConfigUpdated>(&logs)[0];
        assert_eq!((e.new_security_authority, e.new_crank_authority), (security.pubkey(), crank.pubkey()));
        assert_eq!(load_zc::<Clearinghouse>(&mut m.ctx, &ch).await.security_authority, security.pubkey());
        assert_eq!(load_zc::<Clearinghouse>(&mut m.ctx, &ch).await.liquidation_buffer_ppm, 250_000);
        // a buffer above 100% of MM is refused, nothing changed
        let too_wide = ClearinghouseConfigParams { liquidation_buffer_ppm: Some(MAX_LIQUIDATION_BUFFER_PPM + 1), ..ClearinghouseConfigParams::default() };
        assert_rejected(&mut m.ctx, &[update_clearinghouse_config_ix(&admin.pubkey(), &ch, too_wide)], &[&admin], &[ch], PmError::InvalidLiquidationBuffer).await;

        // Not the security authority, the crank or anyone else; and not unsigned.
        let grab = ClearinghouseConfigParams { security_authority: Some(Keypair::new().pubkey()), ..Default::default() };
        for stranger in [security, crank, Keypair::new()] {
            rejected(&mut m, update_clearinghouse_config_ix(&stranger.pubkey(), &ch, grab), &stranger, PmError::NotAdmin).await;
        }
        let ix = unsigned(update_clearinghouse_config_ix(&admin.pubkey(), &ch, grab), &admin.pubkey());
        assert_rejected(&mut m.ctx, &[ix], &[], &[ch], AnchorError::AccountNotSigner).await;
    }
}

// ---- update_market_config ----

pm_test! {
    async fn only_the_admin_sets_oracle_limits_and_vol_guards_within_bounds() {
        let mut m = MarketWorld::new().await;
        let (security, _) = m.hand_out_authorities().await;
        let (admin, ch, btc) = (m.admin.insecure_clone(), m.clearinghouse, m.btc.key);
        let limits = OracleLimitsParams { max_age_secs: [20, 60, 300], max_conf_ppm: [5_000, 10_000, 15_000] };
        let guards = VolGuardsParams { min_interval_secs: 30, max_age_secs: 900, ..default_vol_guards() };
        let logs = m.send_admin(update_market_config_ix(&admin.pubkey(), &ch, &btc, limits, guards)).await;
        let e = &events::<MarketConfigUpdated>(&logs)[0];
        let (dl, dg) = (OracleLimitsConfig::DEFAULT, VolGuards::DEFAULT);
        assert_eq!(e.market, btc);
        assert_eq!((e.old_oracle_max_age_secs, e.new_oracle_max_age_secs), (dl.max_age_secs, limits.max_age_secs));
        assert_eq!((e.old_oracle_max_conf_ppm, e.new_oracle_max_conf_ppm), (dl.max_conf_ppm, limits.max_conf_ppm));
        assert_eq!((e.old_vol_guards, e.new_vol_guards), (dg.values(), [30, 900, dg.max_atm_change_ppm, dg.max_shape_change_ppm, dg.max_skew_ppm, dg.max_curv_ppm]));
        let market: Market = load_zc(&mut m.ctx, &btc).await;
        assert_eq!((market.oracle_limits.max_age_secs, market.vol_guards.max_age_secs), (limits.max_age_secs, 900));

        rejected(&mut m, update_market_config_ix(&security.pubkey(), &ch, &btc, limits, guards), &security, PmError::NotAdmin).await;
        let bad_limits = OracleLimitsParams { max_age_secs: [61, 60, 300], ..limits };
        rejected(&mut m, update_market_config_ix(&admin.pubkey(), &ch, &btc, bad_limits, guards), &admin, PmError::InvalidOracleLimits).await;
        let wide = OracleLimitsParams { max_conf_ppm: [5_000, 10_000, 20_001], ..limits };
        rejected(&mut m, update_market_config_ix(&admin.pubkey(), &ch, &btc, wide, guards), &admin, PmError::InvalidOracleLimits).await;
        let bad_guards = VolGuardsParams { min_interval_secs: 901, ..guards };
        rejected(&mut m, update_market_config_ix(&admin.pubkey(), &ch, &btc, limits, bad_guards), &admin, PmError::InvalidVolGuards).await;
    }
}
