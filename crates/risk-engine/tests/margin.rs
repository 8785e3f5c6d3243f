//! Risk slides and margin: properties (proptest) and hand-checked cases.
mod common;
use common::*;
use proptest::prelude::*;
use risk_engine::*;

fn eval(ms: &[MarketState], ps: &[Position], cs: &[Collateral]) -> MarginResult {
    evaluate(&GlobalParams::default(), ms, ps, cs, NOW).unwrap()
}

/// Random legs: (market, kind 0..4, slice, strike ppm of spot, size in 1e-3 contracts).
fn legs(max: usize) -> impl Strategy<Value = Vec<(usize, u8, u8, u64, i64)>> {
    prop::collection::vec((0usize..3, 0u8..4, 0u8..5, 600_000u64..1_600_000, -50_000i64..50_000), 1..=max)
}

fn build(l: &[(usize, u8, u8, u64, i64)]) -> Vec<Position> {
    l.iter()
        .map(|&(mi, kind, slice, kppm, sz)| {
            let size = sz * 1_000; // 1e-3 contracts -> 1e6 base units
            match kind {
                0 => perp(mi, size),
                1 => fut(mi, slice, size),
                2 => opt(mi, true, slice, kppm, size),
                _ => opt(mi, false, slice, kppm, size),
            }
        })
        .collect()
}

fn colls(btc: i64, usd: i64) -> Vec<Collateral> {
    let mut c = vec![usdc(usd * 1_000_000)];
    if btc > 0 {
        c.push(Collateral { asset: 0, amount: btc });
    }
    c
}

proptest! {
    #![proptest_config(ProptestConfig { cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn im_ge_mm_ge_0(l in legs(16), btc in 0i64..5_000_000, usd in 0i64..1_000_000) {
        let ms = markets(3);
        let r = eval(&ms, &build(&l), &colls(btc, usd));
        prop_assert!(r.mm >= 0);
        prop_assert!(r.im >= r.mm);
        prop_assert!(r.scan_loss >= 0);
        for m in &r.markets[..3] { prop_assert!(m.worst <= 0); prop_assert_eq!(m.pnl[0], 0); }
    }

    #[test]
    fn flat_portfolio_needs_zero_margin(l in legs(16)) {
        let ms = markets(3);
        let mut ps = build(&l);
        let neg: Vec<Position> = ps.iter().map(|p| Position { size: -p.size, cost: -p.cost, ..*p }).collect();
        ps.extend(neg);
        let r = eval(&ms, &ps, &[]);
        prop_assert_eq!((r.im, r.mm, r.equity, r.scan_loss), (0, 0, 0, 0));
    }

    #[test]
    fn subadditive(a in legs(16), b in legs(16), btc_a in 0i64..3_000_000, btc_b in 0i64..3_000_000) {
        let ms = markets(3);
        let (pa, pb) = (build(&a), build(&b));
        let ca = colls(btc_a, 1000);
        let cb = colls(btc_b, 1000);
        let ra = eval(&ms, &pa, &ca);
        let rb = eval(&ms, &pb, &cb);
        let pab: Vec<Position> = pa.iter().chain(pb.iter()).copied().collect();
        let cab = colls(btc_a + btc_b, 2000);
        let rab = eval(&ms, &pab, &cab);
        // scanning loss exactly subadditive; add-ons within a few quote units of rounding
        prop_assert!(rab.scan_loss <= ra.scan_loss + rb.scan_loss);
        prop_assert!(rab.im <= ra.im + rb.im + 4, "IM {} > {} + {}", rab.im, ra.im, rb.im);
        prop_assert!(rab.mm <= ra.mm + rb.mm + 4, "MM {} > {} + {}", rab.mm, ra.mm, rb.mm);
    }

    #[test]
    fn single_leg_monotone_in_size(leg in legs(1), k1 in 1i64..50, k2 in 1i64..50) {
        let ms = markets(3);
        let p = build(&leg)[0];
        prop_assume!(p.size != 0);
        let (lo, hi) = (k1.min(k2), k1.max(k2));
        let small = Position { size: p.size * lo, cost: p.cost * lo, ..p };
        let big = Position { size: p.size * hi, cost: p.cost * hi, ..p };
        let (rs, rb) = (eval(&ms, &[small], &[]), eval(&ms, &[big], &[]));
        prop_assert!(rs.im <= rb.im && rs.mm <= rb.mm, "{} {} / {} {}", rs.im, rs.mm, rb.im, rb.mm);
    }

    /// Covered call = short call + long perp on the same underlying, ITM to ATM strikes (K <= S).
    /// For OTM strikes whose premium is below the OTM distance (K - S), the design's tail weighting
    /// R/|move| makes the covered call's -50% tail (a short put) weigh as much as the naked call's
    /// +100% tail, so the two can tie or cross: see the README.
    #[test]
    fn covered_call_needs_less_than_naked(slice in 0u8..5, kppm in 700_000u64..=1_000_000, n in 1i64..20) {
        let ms = markets(1);
        let size = n * 100_000;
        let naked = eval(&ms, &[opt(0, true, slice, kppm, -size)], &[]);
        let covered = eval(&ms, &[opt(0, true, slice, kppm, -size), perp(0, size)], &[]);
        prop_assert!(covered.im < naked.im, "covered {} naked {}", covered.im, naked.im);
        prop_assert!(covered.mm < naked.mm);
    }

    #[test]
    fn hedge_offsetting_worst_lowers_margin(slice in 0u8..5, kppm in 950_000u64..1_050_000, q in 1i64..50, frac in 1i64..=10) {
        let ms = markets(1);
        let long = perp(0, q * 100_000);
        let before = eval(&ms, &[long], &[]);
        // the hedge (a long put) gains in the account's worst scenario
        let hedge = opt(0, false, slice, kppm, q * 100_000 * frac / 10);
        let alone = eval(&ms, &[hedge], &[]);
        prop_assert!(alone.markets[0].pnl[before.markets[0].worst_index as usize] > 0);
        let after = eval(&ms, &[long, hedge], &[]);
        prop_assert!(after.im < before.im, "after {} before {}", after.im, before.im);
        prop_assert!(after.mm < before.mm);
    }

    #[test]
    fn scaling_scales_scan_loss(l in legs(12), k in 2i64..20) {
        let ms = markets(3);
        let ps = build(&l);
        let scaled: Vec<Position> = ps.iter().map(|p| Position { size: p.size * k, cost: p.cost * k, ..*p }).collect();
        let (r1, rk) = (eval(&ms, &ps, &[]), eval(&ms, &scaled, &[]));
        let tol = (2 * k + 2) * 3;
        prop_assert!((rk.scan_loss - k * r1.scan_loss).abs() <= tol, "{} vs {}*{}", rk.scan_loss, k, r1.scan_loss);
    }
}

#[test]
fn scenario_count_and_grid() {
    assert_eq!(SCENARIOS.len(), 27);
    // 7 inner points x 3 vol states + ±R with vol up + 4 tails with vol up
    let inner = SCENARIOS.iter().filter(|s| s.0 < 7).count();
    assert_eq!(inner, 21);
    assert!(SCENARIOS[21..].iter().all(|s| s.1 == 1));
}

#[test]
fn long_perp_scan_is_range_times_notional() {
    // 1 BTC long perp: the worst move is -R = -16% (the tails are weighted R/|move|, so equal).
    let ms = markets(1);
    let r = eval(&ms, &[perp(0, 1_000_000)], &[]);
    let expect = 88_530.0 * 0.16;
    assert!((r.scan_loss as f64 / 1e6 - expect).abs() < 1e-3, "{}", r.scan_loss);
    // perp charge 1.5% / 2.5% of notional
    assert!((r.perp_notional.mm - (88_530_000_000i64 * 15) / 1000).abs() <= 2, "{:?}", r.perp_notional);
    assert!((r.perp_notional.im - (88_530_000_000i64 * 25) / 1000).abs() <= 2);
    // oracle add-on: conf (spot/2000) x delta 1
    assert!((r.oracle_conf.mm as f64 / 1e6 - 88_530.0 / 2000.0).abs() < 0.01, "{}", r.oracle_conf.mm);
    // equity: entry at spot -> 0
    assert_eq!(r.equity, 0);
    assert_eq!(r.mm, r.scan_margin.mm + r.perp_notional.mm + r.oracle_conf.mm);
}

#[test]
fn short_call_scan_matches_f64_reprice() {
    // Naked short 30-day ATM call: recompute the worst scenario independently in f64.
    let ms = markets(1);
    let m = &ms[0];
    let r = eval(&ms, &[opt(0, true, 2, 1_000_000, -1_000_000)], &[]);
    let s = m.spot as f64 / 1e6;
    let t = (30 * DAY) as f64 / 31_536_000.0;
    let f = s * (0.05f64 * t).exp();
    let k = strike(0, 1_000_000) as f64 / 1e6;
    let km = (k / f).ln();
    let sig = 0.49 - 0.1 * km + 0.3 * km * km;
    let mfac: f64 = 1.0; // DTE = 30d: m = 1
    let up = (sig * (1.0 + 0.5 * mfac)).max(0.45);
    let base = b76(true, f, k, sig, t, 1.0).0;
    // +R with vol up and the +100% tail (weight 0.16)
    let at_r = b76(true, f * 1.16, k, up, t, 1.0).0 - base;
    let tail = (b76(true, f * 2.0, k, up, t, 1.0).0 - base) * 0.16;
    let worst = at_r.max(tail);
    assert!((r.scan_loss as f64 / 1e6 - worst).abs() < 0.02, "{} vs {}", r.scan_loss as f64 / 1e6, worst);
    assert!(r.naked_short.mm > 0 && r.naked_short.im > r.naked_short.mm);
}

#[test]
fn collateral_moves_with_its_underlying_and_haircut() {
    let ms = markets(1);
    let r = eval(&ms, &[], &[Collateral { asset: 0, amount: 2_000_000 }]);
    assert_eq!(r.equity, 2 * 88_530_000_000);
    assert!((r.scan_loss as f64 / 1e6 - 2.0 * 88_530.0 * 0.16).abs() < 1e-3);
    assert_eq!(r.haircut.mm, 2 * 88_530_000_000 / 10);
    // a short perp against BTC collateral removes the scan loss
    let r2 = eval(&ms, &[perp(0, -2_000_000)], &[Collateral { asset: 0, amount: 2_000_000 }]);
    assert!(r2.scan_loss <= 1, "{}", r2.scan_loss);
}

#[test]
fn correlation_credit_and_stale_vol() {
    let ms = markets(2);
    let ps = [perp(0, 1_000_000), perp(1, -29_000_000)]; // long BTC, short ~ same notional ETH
    let g0 = GlobalParams::default();
    let g1 = GlobalParams { corr_credit_ppm: 500_000, ..g0 };
    let r0 = evaluate(&g0, &ms, &ps, &[], NOW).unwrap();
    let r1 = evaluate(&g1, &ms, &ps, &[], NOW).unwrap();
    assert!(r1.scan_loss < r0.scan_loss);
    assert_eq!(r0.scan_loss, r0.scan_loss_separate);
    assert!(r1.scan_loss >= r0.scan_loss_joint);
    // stale vols widen the vol shocks: itemised add-on > 0 for a short straddle
    let mut st = markets(1);
    let ps = [opt(0, true, 1, 1_000_000, -1_000_000), opt(0, false, 1, 1_000_000, -1_000_000)];
    let fresh = eval(&st, &ps, &[]);
    st[0].vol_stale = true;
    let stale = eval(&st, &ps, &[]);
    assert_eq!(fresh.stale_vol, AddOn::default());
    assert!(stale.stale_vol.im > 0 && stale.im == fresh.im + stale.stale_vol.im, "{:?}", stale.stale_vol);
}

#[test]
fn bad_input_is_an_error() {
    let ms = markets(1);
    let g = GlobalParams::default();
    assert_eq!(evaluate(&g, &ms, &[perp(1, 1)], &[], NOW), Err(Error::BadMarketIndex));
    assert_eq!(evaluate(&g, &ms, &[opt(0, true, 7, 1_000_000, 1)], &[], NOW), Err(Error::BadSliceIndex));
    assert_eq!(evaluate(&g, &ms, &[perp(0, i64::MAX)], &[], NOW), Err(Error::BadSize));
    let many = vec![perp(0, 1); 33];
    assert_eq!(evaluate(&g, &ms, &many, &[], NOW), Err(Error::TooManyPositions));
    let mut wide_conf = markets(1);
    wide_conf[0].conf = wide_conf[0].spot / 10;
    assert_eq!(evaluate(&g, &wide_conf, &[], &[], NOW), Err(Error::OracleConfidenceTooWide));
    let mut bad = markets(1);
    bad[0].params.price_range_ppm = 5;
    assert_eq!(evaluate(&g, &bad, &[], &[], NOW), Err(Error::ParamOutOfBounds(0)));
    assert!(validate_market_params(&MarketParams::default()).is_ok());
    let mut p = MarketParams::default();
    p.perp_im_ppm = p.perp_mm_ppm - 1;
    assert_eq!(validate_market_params(&p), Err(Error::ParamOutOfBounds(19)));
    p = MarketParams::default();
    p.tail_moves_ppm[0] = -100_000; // smaller than R
    assert_eq!(validate_market_params(&p), Err(Error::ParamOutOfBounds(1)));
    assert!(validate_global_params(&GlobalParams { mm_scan_ppm: 900_000, im_scan_ppm: 800_000, corr_credit_ppm: 0 }).is_err());
}

#[test]
fn capacities() {
    assert_eq!((MAX_POSITIONS, MAX_COLLATERALS, MAX_MARKETS, MAX_SLICES, N_SCEN), (32, 8, 4, 8, 27));
    // full capacity evaluates
    let ms = markets(4);
    let mut ps = Vec::new();
    for i in 0..32 {
        ps.push(opt(i % 4, i % 2 == 0, (i % 5) as u8, 700_000 + 20_000 * i as u64, if i % 3 == 0 { -1_000_000 } else { 2_000_000 }));
    }
    let cs: Vec<Collateral> = (0..8).map(|i| if i < 4 { Collateral { asset: i as u8, amount: 1_000_000 } } else { usdc(1_000_000_000) }).collect();
    let r = eval(&ms, &ps, &cs);
    assert!(r.im > r.mm && r.mm > 0);
}

#[test]
fn memory_footprint_fits_sbf_limits() {
    // heap: the workspace the program boxes; stack: the inputs are borrowed, MarketPrep is built in
    // place in the workspace, frames hold at most two 27-entry accumulators and one risk array
    // (frame sizes are measured by `npm run bench:cu`)
    assert!(std::mem::size_of::<Workspace>() <= 8 * 1024, "{}", std::mem::size_of::<Workspace>());
    assert!(std::mem::size_of::<MarketPrep>() <= 1280);
    assert!(std::mem::size_of::<RiskArray>() <= 512);
    assert!(std::mem::size_of::<MarketState>() <= 512);
    let mut ws = Box::new(Workspace::new());
    let ms = markets(2);
    evaluate_into(&mut ws, &GlobalParams::default(), &ms, &[perp(0, 1_000_000), opt(1, true, 1, 1_000_000, -1_000_000)], &[], NOW).unwrap();
    assert_eq!(ws.out, eval(&ms, &[perp(0, 1_000_000), opt(1, true, 1, 1_000_000, -1_000_000)], &[]));
    println!("sizes: Workspace {} MarketPrep {} RiskArray {} MarketState {}", std::mem::size_of::<Workspace>(), std::mem::size_of::<MarketPrep>(), std::mem::size_of::<RiskArray>(), std::mem::size_of::<MarketState>());
}
