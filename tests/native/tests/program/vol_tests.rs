//! update_vol_params: the crank's vol slices, rate-limited, bounded, all expiries at once.

use crate::support::*;
use anchor_lang::error::ErrorCode as AnchorError;
use portfolio_margin::{
    errors::PmError,
    events::VolParamsUpdated,
    instructions::{AddOnReport, VolSliceUpdate},
    state::*,
};
use risk_engine::MarketParams;
use solana_sdk::{
    instruction::Instruction,
    signature::{Keypair, Signer},
};

const MIN_INTERVAL: i64 = VolGuards::DEFAULT.min_interval_secs as i64;

/// The world with the crank authority handed out, the clock at the first allowed update.
async fn cranked() -> (MarketWorld, Keypair) {
    let mut m = MarketWorld::new().await;
    let (_, crank) = m.hand_out_authorities().await;
    m.warp(T0 + MIN_INTERVAL).await;
    (m, crank)
}

/// BTC's listed slices with `edit` applied to the one at `at`.
fn btc_slices(at: usize, edit: impl Fn(&mut VolSliceParams)) -> Vec<VolSliceUpdate> {
    BTC_EXPIRIES
        .iter()
        .zip(BTC_SLICES)
        .enumerate()
        .map(|(i, (&expiry, mut slice))| {
            if i == at {
                edit(&mut slice);
            }
            VolSliceUpdate { expiry, slice }
        })
        .collect()
}

fn btc_update_ix(m: &MarketWorld, crank: &Keypair, sequence: u64, slices: Vec<VolSliceUpdate>) -> Instruction {
    update_vol_params_ix(&crank.pubkey(), &m.clearinghouse, &m.btc.key, sequence, slices)
}

async fn vol_rejected<E: Into<u32> + Copy + std::fmt::Debug>(m: &mut MarketWorld, crank: &Keypair, sequence: u64, slices: Vec<VolSliceUpdate>, expected: E) {
    let ix = btc_update_ix(m, crank, sequence, slices);
    let watch = [m.clearinghouse, m.btc.key];
    assert_rejected(&mut m.ctx, &[ix], &[crank], &watch, expected).await;
}

async fn btc_market(m: &mut MarketWorld) -> Market {
    let key = m.btc.key;
    load_zc(&mut m.ctx, &key).await
}

pm_test! {
    async fn the_crank_replaces_every_slice_and_the_update_is_recorded() {
        let (mut m, crank) = cranked().await;
        let slices = vec![
            VolSliceUpdate { expiry: BTC_EXPIRIES[0], slice: VolSliceParams { atm_ppm: 650_000, skew_ppm: -150_000, curv_ppm: 250_000, basis_ppm: 60_000 } },
            VolSliceUpdate { expiry: BTC_EXPIRIES[1], slice: VolSliceParams { atm_ppm: 500_000, skew_ppm: 0, curv_ppm: 50_000, basis_ppm: -10_000 } },
        ];
        let ix = btc_update_ix(&m, &crank, 7, slices.clone());
        let logs = send_ok(&mut m.ctx, &[ix], &[&crank]).await;
        let e = &events::<VolParamsUpdated>(&logs)[0];
        assert_eq!((e.market, e.sequence, e.num_slices, e.timestamp), (m.btc.key, 7, 2, T0 + MIN_INTERVAL));
        let market = btc_market(&mut m).await;
        assert_eq!((market.vol_sequence, market.vol_updated_at), (7, T0 + MIN_INTERVAL));
        for (listed, update) in market.expiries.iter().zip(&slices) {
            let s = update.slice;
            assert_eq!((listed.expiry, listed.atm_ppm, listed.skew_ppm, listed.curv_ppm, listed.basis_ppm), (update.expiry, s.atm_ppm, s.skew_ppm, s.curv_ppm, s.basis_ppm));
        }
        // ETH is untouched.
        let eth_key = m.eth.key;
        let eth: Market = load_zc(&mut m.ctx, &eth_key).await;
        assert_eq!((eth.vol_sequence, eth.vol_updated_at, eth.expiries[0].atm_ppm), (0, T0, ETH_SLICES[0].atm_ppm));
    }
}

pm_test! {
    async fn only_the_crank_authority_posts_vols() {
        let (mut m, crank) = cranked().await;
        let (admin, security) = (m.admin.insecure_clone(), Keypair::new());
        for stranger in [&admin, &security] {
            vol_rejected(&mut m, stranger, 1, btc_slices(9, |_| ()), PmError::NotCrankAuthority).await;
        }
        let ix = unsigned(btc_update_ix(&m, &crank, 1, btc_slices(9, |_| ())), &crank.pubkey());
        let watch = [m.clearinghouse, m.btc.key];
        assert_rejected(&mut m.ctx, &[ix], &[], &watch, AnchorError::AccountNotSigner).await;
        // The crank of another clearinghouse's market: the market must be this clearinghouse's.
        let (ch, btc) = (m.clearinghouse, m.btc.key);
        let (other, other_market) = m.other_clearinghouse().await;
        let ix = update_vol_params_ix(&admin.pubkey(), &other, &btc, 1, btc_slices(9, |_| ()));
        assert_rejected(&mut m.ctx, &[ix], &[&admin], &[btc], PmError::WrongMarket).await;
        let ix = update_vol_params_ix(&crank.pubkey(), &ch, &other_market, 1, vec![]);
        assert_rejected(&mut m.ctx, &[ix], &[&crank], &[other_market], PmError::WrongMarket).await;
    }
}

pm_test! {
    async fn the_sequence_must_increase_and_updates_keep_the_minimum_interval() {
        let mut m = MarketWorld::new().await;
        let (_, crank) = m.hand_out_authorities().await;
        // Listing counts as an update.
        m.warp(T0 + MIN_INTERVAL - 1).await;
        vol_rejected(&mut m, &crank, 1, btc_slices(9, |_| ()), PmError::VolUpdateTooSoon).await;
        m.warp(T0 + MIN_INTERVAL).await;
        let ix = btc_update_ix(&m, &crank, 5, btc_slices(9, |_| ()));
        send_ok(&mut m.ctx, &[ix], &[&crank]).await;
        m.warp(T0 + 2 * MIN_INTERVAL - 1).await;
        vol_rejected(&mut m, &crank, 6, btc_slices(9, |_| ()), PmError::VolUpdateTooSoon).await;
        m.warp(T0 + 2 * MIN_INTERVAL).await;
        for sequence in [0, 4, 5] {
            vol_rejected(&mut m, &crank, sequence, btc_slices(9, |_| ()), PmError::VolSequenceNotIncreasing).await;
        }
        let ix = btc_update_ix(&m, &crank, u64::MAX, btc_slices(9, |_| ()));
        send_ok(&mut m.ctx, &[ix], &[&crank]).await;
        let market = btc_market(&mut m).await;
        assert_eq!((market.vol_sequence, market.vol_updated_at), (u64::MAX, T0 + 2 * MIN_INTERVAL));
    }
}

pm_test! {
    async fn a_change_beyond_the_per_update_maximum_is_rejected() {
        let (mut m, crank) = cranked().await;
        let g = VolGuards::DEFAULT;
        let atm = BTC_SLICES[1].atm_ppm;
        let atm_step = atm * g.max_atm_change_ppm as i64 / 1_000_000; // 25% of the old ATM
        let shape = g.max_shape_change_ppm as i64;
        let too_far: [(&str, Box<dyn Fn(&mut VolSliceParams)>); 6] = [
            ("atm up", Box::new(move |s| s.atm_ppm += atm_step + 1)),
            ("atm down", Box::new(move |s| s.atm_ppm -= atm_step + 1)),
            ("skew", Box::new(move |s| s.skew_ppm += shape + 1)),
            ("curv", Box::new(move |s| s.curv_ppm -= shape + 1)),
            ("basis up", Box::new(move |s| s.basis_ppm += shape + 1)),
            ("basis down", Box::new(move |s| s.basis_ppm -= shape + 1)),
        ];
        for (what, edit) in &too_far {
            println!("change too large: {what}");
            vol_rejected(&mut m, &crank, 1, btc_slices(1, |s| edit(s)), PmError::VolChangeTooLarge).await;
        }
        // Every one exactly at its maximum, at once.
        let slices = btc_slices(1, |s| {
            s.atm_ppm += atm_step;
            s.skew_ppm += shape;
            s.curv_ppm -= shape;
            s.basis_ppm -= shape;
        });
        let ix = btc_update_ix(&m, &crank, 1, slices);
        send_ok(&mut m.ctx, &[ix], &[&crank]).await;
    }
}

pm_test! {
    async fn a_value_outside_its_absolute_bounds_is_rejected() {
        let (mut m, crank) = cranked().await;
        let (admin, ch, btc) = (m.admin.pubkey(), m.clearinghouse, m.btc.key);
        // Generous change limits and narrow bounds, so that only the bounds can refuse.
        let guards = VolGuardsParams { max_atm_change_ppm: 1_000_000, max_shape_change_ppm: 5_000_000, max_skew_ppm: 300_000, max_curv_ppm: 400_000, ..default_vol_guards() };
        m.send_admin(update_market_config_ix(&admin, &ch, &btc, default_oracle_limits(), guards)).await;
        let mut params = MarketParams::default_with_range(160_000).fields();
        params[MarketParams::index_of("vol_min_ppm").unwrap()] = 100_000;
        params[MarketParams::index_of("vol_max_ppm").unwrap()] = 1_000_000;
        params[MarketParams::index_of("basis_max_ppm").unwrap()] = 200_000;
        m.send_admin(update_market_params_ix(&admin, &ch, &btc, params)).await;
        let out: [Box<dyn Fn(&mut VolSliceParams)>; 8] = [
            Box::new(|s| s.atm_ppm = 99_999),
            Box::new(|s| s.atm_ppm = 1_000_001),
            Box::new(|s| s.skew_ppm = 300_001),
            Box::new(|s| s.skew_ppm = -300_001),
            Box::new(|s| s.curv_ppm = 400_001),
            Box::new(|s| s.curv_ppm = -400_001),
            Box::new(|s| s.basis_ppm = 200_001),
            Box::new(|s| s.basis_ppm = -200_001),
        ];
        for edit in &out {
            vol_rejected(&mut m, &crank, 1, btc_slices(0, |s| edit(s)), PmError::VolOutOfBounds).await;
        }
        let at_bounds = btc_slices(0, |s| *s = VolSliceParams { atm_ppm: 1_000_000, skew_ppm: -300_000, curv_ppm: 400_000, basis_ppm: -200_000 });
        let ix = btc_update_ix(&m, &crank, 1, at_bounds);
        send_ok(&mut m.ctx, &[ix], &[&crank]).await;
    }
}

pm_test! {
    async fn the_update_must_give_one_slice_per_listed_expiry_in_order() {
        let (mut m, crank) = cranked().await;
        let listed = btc_slices(9, |_| ());
        let swapped = vec![listed[1], listed[0]];
        let renamed = vec![listed[0], VolSliceUpdate { expiry: listed[1].expiry + 1, ..listed[1] }];
        for slices in [vec![], vec![listed[0]], [listed.clone(), vec![listed[1]]].concat(), swapped, renamed] {
            vol_rejected(&mut m, &crank, 1, slices, PmError::VolSliceMismatch).await;
        }
    }
}

pm_test! {
    async fn stale_vols_show_up_as_a_stale_vol_add_on() {
        let (mut m, crank) = cranked().await;
        let margin = m.user.margin_account;
        m.deposit_usdc(1_000 * USDC).await;
        // a short straddle: vega risk in the vol-up scenarios that stale vols widen
        m.set_positions(&margin, &[(BTC, BTC_CALL_65K_1, -20_000, 0), (BTC, BTC_PUT_65K_1, -20_000, 0)]).await;
        let btc = m.pairs(&[m.btc]);
        let max_age = VolGuards::DEFAULT.max_age_secs as i64;
        // Listed at T0: fresh up to T0 + max_age.
        m.warp(T0 + max_age).await;
        let fresh = m.report(&margin, &btc).await;
        assert_eq!(fresh.stale_vol, AddOnReport::default());
        m.warp(T0 + max_age + 1).await;
        let stale = m.report(&margin, &btc).await;
        assert!(stale.stale_vol.mm > 0 && stale.stale_vol.im > 0, "{stale:?}");
        // A fresh update (the same slices) at the same time clears it, and nothing else changes.
        let ix = btc_update_ix(&m, &crank, 1, btc_slices(9, |_| ()));
        send_ok(&mut m.ctx, &[ix], &[&crank]).await;
        let again = m.report(&margin, &btc).await;
        assert_eq!(again.stale_vol, AddOnReport::default());
        assert_eq!((again.equity, again.scan_margin, again.naked_short, again.linear, again.haircut), (stale.equity, stale.scan_margin, stale.naked_short, stale.linear, stale.haircut));
        assert_eq!(stale.mm, again.mm + stale.stale_vol.mm);
        assert_eq!(stale.im - stale.im_floor, again.im - again.im_floor + stale.stale_vol.im);
        assert!(stale.scan_loss > again.scan_loss);
    }
}
