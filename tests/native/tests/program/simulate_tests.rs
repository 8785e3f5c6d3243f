//! simulate_margin agrees with the risk engine: for hand-built accounts, every field of the
//! returned `MarginReport` equals `risk_engine::evaluate` on inputs built here from what the test
//! wrote (oracle prices normalised by hand, the listed slices and instruments, positions, balances
//! in engine units), never from the program's own conversion.

use crate::support::*;
use portfolio_margin::{
    instructions::{AddOnReport, InstrumentSpec, MarginReport, MarketScenarios},
    state::{MarginAccount, VolGuards, VolSliceParams},
};
use risk_engine::{evaluate, Account, AddOn, Collateral, GlobalParams, Kind, MarginResult, MarketParams, MarketState, Position as EnginePosition, VolSlice};
use solana_sdk::signature::Signer;

/// One position as the test writes it: market, instrument index, size, cost basis, funding snapshot.
#[derive(Clone, Copy)]
struct Held {
    market: u16,
    instrument: u16,
    size: i64,
    cost_basis: i64,
    funding_snapshot: i64,
}

fn held(market: u16, instrument: u16, size: i64, cost_basis: i64) -> Held {
    Held { market, instrument, size, cost_basis, funding_snapshot: 0 }
}

/// An account to evaluate, and the market state the test set.
struct Case {
    positions: Vec<Held>,
    usdc: u64,
    wbtc: u64,
    now: i64,
    /// Cumulative funding index per market (BTC, ETH).
    funding_index: [i64; 2],
    global: GlobalParams,
}

impl Case {
    fn new(positions: Vec<Held>, usdc: u64, wbtc: u64) -> Self {
        Case { positions, usdc, wbtc, now: T0, funding_index: [0, 0], global: GlobalParams::DEFAULTS }
    }

    /// The markets the account holds, ascending.
    fn markets(&self) -> Vec<u16> {
        let mut v: Vec<u16> = self.positions.iter().map(|p| p.market).collect();
        if self.wbtc > 0 {
            v.push(BTC);
        }
        v.sort();
        v.dedup();
        v
    }
}

/// (kind, expiry index, strike) of a listed instrument, from the listing constants.
fn instrument(market: u16, index: u16) -> (Kind, u8, u64) {
    if index == PERP {
        return (Kind::Perp, 0, 0);
    }
    let specs: &[InstrumentSpec] = if market == BTC { &BTC_INSTRUMENTS } else { &ETH_INSTRUMENTS };
    let s = specs[index as usize - 1];
    let kind = match s.kind {
        FUTURE => Kind::Future,
        CALL => Kind::Call,
        PUT => Kind::Put,
        k => panic!("kind {k}"),
    };
    (kind, s.expiry_index, s.strike)
}

fn engine_market(market: u16, now: i64) -> MarketState {
    let (spot, conf, range, expiries, slices): (u64, u64, u32, &[i64], &[VolSliceParams]) = if market == BTC {
        (BTC_SPOT_1E6, BTC_CONF_1E6, 160_000, &BTC_EXPIRIES, &BTC_SLICES)
    } else {
        (ETH_SPOT_1E6, ETH_CONF_1E6, 180_000, &ETH_EXPIRIES, &ETH_SLICES)
    };
    let mut state = MarketState::new(spot, conf, MarketParams::default_with_range(range));
    for (&expiry, s) in expiries.iter().zip(slices) {
        state.push_slice(VolSlice { expiry, atm_ppm: s.atm_ppm, skew_ppm: s.skew_ppm, curv_ppm: s.curv_ppm, basis_ppm: s.basis_ppm }).unwrap();
    }
    // listed at T0, never updated since
    state.vol_stale = now - T0 > VolGuards::DEFAULT.max_age_secs as i64;
    state
}

/// size x funding index change / 1e6, rounded up (against the account).
fn funding_owed(size: i64, index: i64, snapshot: i64) -> i64 {
    let product = size as i128 * (index - snapshot) as i128;
    (product.div_euclid(1_000_000) + i128::from(product.rem_euclid(1_000_000) != 0)) as i64
}

fn engine_result(case: &Case) -> MarginResult {
    let held_markets = case.markets();
    let local = |market: u16| held_markets.iter().position(|&m| m == market).unwrap() as u8;
    let markets: Vec<MarketState> = held_markets.iter().map(|&m| engine_market(m, case.now)).collect();
    let positions: Vec<EnginePosition> = case
        .positions
        .iter()
        .map(|p| {
            let (kind, slice, strike) = instrument(p.market, p.instrument);
            let cost = match kind {
                Kind::Perp => p.cost_basis + funding_owed(p.size, case.funding_index[p.market as usize], p.funding_snapshot),
                Kind::Future => p.cost_basis,
                Kind::Call | Kind::Put => 0,
            };
            EnginePosition { market: local(p.market), kind, slice, strike, size: p.size, cost }
        })
        .collect();
    let mut collateral = vec![];
    if case.usdc > 0 {
        collateral.push(Collateral::quote(case.usdc as i64));
    }
    if case.wbtc > 0 {
        // 8 decimals to 1e6 units: two digits dropped
        collateral.push(Collateral { asset: local(BTC), haircut_mm_ppm: WBTC_HAIRCUT_MM, haircut_im_ppm: WBTC_HAIRCUT_IM, amount: (case.wbtc / 100) as i64 });
    }
    let account = Account { global: &case.global, markets: &markets, positions: &positions, collateral: &collateral, now: case.now };
    evaluate(&account).expect("engine evaluates")
}

fn report_of(r: &MarginResult, markets: &[u16], now: i64) -> MarginReport {
    let add_on = |a: AddOn| AddOnReport { mm: a.mm, im: a.im };
    MarginReport {
        timestamp: now,
        equity: r.equity,
        mm: r.mm,
        im: r.im,
        scan_loss: r.scan.loss,
        scan_margin: add_on(r.scan_margin),
        naked_short: add_on(r.naked_short),
        linear: add_on(r.linear),
        haircut: add_on(r.haircut),
        stale_vol: add_on(r.stale_vol),
        im_floor: r.im_floor,
        worst_joint_index: r.scan.worst_joint_index,
        markets: markets
            .iter()
            .zip(&r.markets)
            .map(|(&market_index, m)| MarketScenarios { market_index, worst_index: m.worst_index, pnl: m.pnl })
            .collect(),
    }
}

/// Writes `case` into the world's user account (and markets, clearinghouse, clock), simulates,
/// and compares every field with the engine's evaluation. Returns the report.
async fn agrees(m: &mut MarketWorld, case: &Case) -> MarginReport {
    if case.now != m.now {
        m.warp(case.now).await;
    }
    let (margin, usdc, wbtc) = (m.user.margin_account, m.mint, m.wbtc);
    let positions = case.positions.clone();
    edit_margin_account(&mut m.ctx, &margin, |a: &mut MarginAccount| {
        a.positions = Default::default();
        for (slot, p) in a.positions.iter_mut().zip(&positions) {
            slot.market_index = p.market;
            slot.instrument_index = p.instrument;
            slot.size = p.size;
            slot.cost_basis = p.cost_basis;
            slot.funding_snapshot = p.funding_snapshot;
        }
        a.collaterals = Default::default();
    })
    .await;
    // wBTC first, so the account's collateral slots are not in the engine's order
    if case.wbtc > 0 {
        m.set_collateral(&margin, &wbtc, case.wbtc).await;
    }
    if case.usdc > 0 {
        m.set_collateral(&margin, &usdc, case.usdc).await;
    }
    for (market, index) in [(m.btc.key, 0), (m.eth.key, 1)] {
        let funding = case.funding_index[index];
        edit_account(&mut m.ctx, &market, |mk: &mut portfolio_margin::state::Market| mk.funding_index = funding).await;
    }
    let (admin, ch) = (m.admin.pubkey(), m.clearinghouse);
    let stored: portfolio_margin::state::Clearinghouse = load_zc(&mut m.ctx, &ch).await;
    if stored.global_params != case.global.fields() {
        m.send_admin(update_global_params_ix(&admin, &ch, case.global.fields())).await;
    }
    let held = case.markets();
    let refs: Vec<MarketRef> = held.iter().map(|&i| *[m.btc, m.eth].iter().find(|r| r.index == i).unwrap()).collect();
    let remaining = m.pairs(&refs);
    let report = m.report(&margin, &remaining).await;
    let expected = report_of(&engine_result(case), &held, case.now);
    assert_eq!(report, expected);
    report
}

pm_test! {
    async fn btc_options_with_usdc() {
        let mut m = MarketWorld::new().await;
        let case = Case::new(
            vec![held(BTC, BTC_CALL_70K, -150_000, 0), held(BTC, BTC_PUT_60K, 100_000, 0), held(BTC, BTC_CALL_65K_1, -50_000, 0), held(BTC, BTC_PUT_65K_1, -70_000, 0)],
            5_000 * USDC,
            0,
        );
        let r = agrees(&mut m, &case).await;
        assert!(r.naked_short.im > 0 && r.scan_loss > 0 && r.linear == AddOnReport::default(), "{r:?}");
    }
}

pm_test! {
    async fn btc_futures_perp_and_wbtc() {
        let mut m = MarketWorld::new().await;
        let case = Case::new(
            vec![
                held(BTC, BTC_FUT_0, 300_000, 19_600 * USDC as i64),
                held(BTC, PERP, -800_000, -51_840 * USDC as i64),
                held(BTC, BTC_FUT_1, -100_000, -6_550 * USDC as i64),
                held(BTC, BTC_CALL_60K, -200_000, 0),
            ],
            2_000 * USDC,
            40_000_123, // 0.40000123 wBTC
        );
        let r = agrees(&mut m, &case).await;
        // net short 0.2 BTC after the collateral: a linear charge, and the calls are uncovered
        assert!(r.haircut.im > 0 && r.linear.im > 0 && r.naked_short.im > 0, "{r:?}");
    }
}

pm_test! {
    async fn two_markets_with_both_collaterals() {
        let mut m = MarketWorld::new().await;
        let case = Case::new(
            vec![
                held(ETH, PERP, -2_000_000, -6_900 * USDC as i64),
                held(BTC, BTC_PUT_70K, -100_000, 0),
                held(ETH, ETH_CALL_3500, 3_000_000, 0),
                held(ETH, ETH_FUT_0, 500_000, 1_740 * USDC as i64),
                held(BTC, BTC_CALL_60K, 50_000, 0),
                held(ETH, ETH_PUT_3500, -1_000_000, 0),
            ],
            3_000 * USDC,
            25_000_000,
        );
        let r = agrees(&mut m, &case).await;
        assert_eq!(r.markets.iter().map(|s| s.market_index).collect::<Vec<_>>(), vec![BTC, ETH]);
        // With a correlation credit the joint scenario matters.
        let credit = Case { global: GlobalParams { corr_credit_ppm: 600_000, ..GlobalParams::DEFAULTS }, ..case };
        let with_credit = agrees(&mut m, &credit).await;
        assert!(with_credit.scan_loss <= r.scan_loss);
    }
}

pm_test! {
    async fn a_perpetual_with_funding_owed_and_a_position_split_over_slots() {
        let mut m = MarketWorld::new().await;
        let case = Case {
            funding_index: [1_234_567, -7_654_321],
            ..Case::new(
                vec![
                    Held { funding_snapshot: 1_000_001, ..held(BTC, PERP, 1_500_001, 97_000 * USDC as i64) },
                    Held { funding_snapshot: -2_000_000, ..held(ETH, PERP, -3_333_333, -11_400 * USDC as i64) },
                    // the same instrument in two slots nets in the engine
                    held(BTC, BTC_PUT_60K, -10_000, 0),
                    held(BTC, BTC_PUT_60K, -15_000, 0),
                ],
                100_000 * USDC,
                0,
            )
        };
        agrees(&mut m, &case).await;
    }
}

pm_test! {
    async fn stale_vols_and_an_expired_expiry() {
        let mut m = MarketWorld::new().await;
        let positions = vec![held(BTC, BTC_CALL_65K_1, -100_000, 0), held(BTC, BTC_PUT_60K, -100_000, 0), held(ETH, ETH_PUT_3500, -1_000_000, 0)];
        let max_age = VolGuards::DEFAULT.max_age_secs as i64;
        // fresh at the max age, stale one second later
        let fresh = agrees(&mut m, &Case { now: T0 + max_age, ..Case::new(positions.clone(), 10_000 * USDC, 10_000_000) }).await;
        assert_eq!(fresh.stale_vol, AddOnReport::default());
        let stale = agrees(&mut m, &Case { now: T0 + max_age + 1, ..Case::new(positions.clone(), 10_000 * USDC, 10_000_000) }).await;
        assert!(stale.stale_vol.im > 0, "{stale:?}");
        // past BTC's first expiry: its options are worth their intrinsic value
        agrees(&mut m, &Case { now: BTC_EXPIRIES[0] + 60, ..Case::new(positions, 10_000 * USDC, 10_000_000) }).await;
    }
}
