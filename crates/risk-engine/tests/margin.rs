//! Margin: properties (proptest, >= 1,000 cases each by default; PROPTEST_CASES overrides) and
//! hand-checked cases.
mod common;
use common::*;
use proptest::prelude::*;
use risk_engine::*;

fn eval_with(g: &GlobalParams, ms: &[MarketState], ps: &[Position], cs: &[Collateral]) -> MarginResult {
    evaluate(&Account { global: g, markets: ms, positions: ps, collateral: cs, now: NOW }).unwrap()
}

fn eval(ms: &[MarketState], ps: &[Position], cs: &[Collateral]) -> MarginResult {
    eval_with(&GlobalParams::default(), ms, ps, cs)
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
        c.push(Collateral::underlying(0, btc));
    }
    c
}

/// Premium of `size` contracts of one option at mark, as the buyer pays it (rounded up).
fn premium(ms: &[MarketState], o: Position) -> i64 {
    let r = eval(ms, &[Position { size: -o.size.abs(), ..o }], &[]);
    -r.equity // a short's value is rounded up in equity
}

/// Equity - IM of an account that sold `ps` at mark (the premium is in its collateral).
fn free_after_selling(ms: &[MarketState], ps: &[Position]) -> i64 {
    let r = eval(ms, ps, &[]);
    let received: i64 = ps.iter().map(|p| premium(ms, *p)).sum();
    r.equity + received - r.im
}

/// What comparisons between two evaluations can differ by without a change of risk: two quote
/// units, one per contract (the rounding allowance) and the pricer's accuracy (2e-9 of the
/// strike, for the two values compared, per contract; see tests/pricer.rs).
fn tolerance(o: &Position, size: i64) -> i64 {
    let contracts = (size.abs() + 999_999) / 1_000_000;
    2 + contracts * (1 + (4e-9 * o.strike as f64) as i64 + 1)
}

/// A long underlying (`units` of collateral or a long perp) alone, and with a short call on `frac`%
/// of it.
fn with_and_without_covered_call(slice: u8, kppm: u64, units: i64, frac: i64, collateral: bool) -> (MarginResult, MarginResult) {
    let ms = markets(1);
    let calls = (units * frac / 100).max(1);
    let (mut ps, cs) = if collateral { (vec![], vec![Collateral::underlying(0, units)]) } else { (vec![perp(0, units)], vec![]) };
    let alone = eval(&ms, &ps, &cs);
    ps.push(opt(0, true, slice, kppm, -calls));
    (alone, eval(&ms, &ps, &cs))
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(1000)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), max_global_rejects: 100_000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn im_ge_mm_ge_0(l in legs(16), btc in 0i64..5_000_000, usd in 0i64..1_000_000) {
        let ms = markets(3);
        let r = eval(&ms, &build(&l), &colls(btc, usd));
        prop_assert!(r.mm >= 0);
        prop_assert!(r.im >= r.mm);
        prop_assert!(r.scan.loss >= 0);
        for m in &r.markets[..3] { prop_assert!(m.worst <= 0); prop_assert_eq!(m.pnl[0], 0); }
    }

    /// The buffer between a fresh position and liquidation: IM >= 1.1 x MM whenever MM > 0.
    #[test]
    fn im_at_least_1_1_mm(l in legs(16), btc in 0i64..5_000_000) {
        let ms = markets(3);
        let r = eval(&ms, &build(&l), &colls(btc, 0));
        prop_assert!(r.im as i128 * 10 >= r.mm as i128 * 11, "IM {} MM {}", r.im, r.mm);
    }

    #[test]
    fn flat_portfolio_needs_zero_margin(l in legs(16)) {
        let ms = markets(3);
        let mut ps = build(&l);
        let neg: Vec<Position> = ps.iter().map(|p| Position { size: -p.size, cost: -p.cost, ..*p }).collect();
        ps.extend(neg);
        let r = eval(&ms, &ps, &[]);
        prop_assert_eq!((r.im, r.mm, r.equity, r.scan.loss), (0, 0, 0, 0));
    }

    #[test]
    fn subadditive(a in legs(16), b in legs(16), btc_a in 0i64..3_000_000, btc_b in 0i64..3_000_000) {
        let ms = markets(3);
        let (pa, pb) = (build(&a), build(&b));
        let ra = eval(&ms, &pa, &colls(btc_a, 1000));
        let rb = eval(&ms, &pb, &colls(btc_b, 1000));
        let pab: Vec<Position> = pa.iter().chain(pb.iter()).copied().collect();
        let rab = eval(&ms, &pab, &colls(btc_a + btc_b, 2000));
        // within a few quote units of rounding
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

    /// Covered call = short call + long perp on the same underlying, ITM to ATM strikes.
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
        prop_assert!((rk.scan.loss - k * r1.scan.loss).abs() <= tol, "{} vs {}*{}", rk.scan.loss, k, r1.scan.loss);
    }

    /// A long underlying (BTC collateral or a long perp) plus a short call on at most the same
    /// size needs no more IM than the underlying alone, for ITM and ATM strikes at every expiry.
    /// (Far-OTM calls can add real risk: see `otm_covered_call_extra_is_the_scan_not_a_charge`.)
    #[test]
    fn covered_call_needs_no_more_than_the_underlying(slice in 0u8..5, kppm in 500_000u64..=1_000_000,
                                                      units in 1i64..5_000_000, frac in 1i64..=100, collateral in any::<bool>()) {
        let (alone, covered) = with_and_without_covered_call(slice, kppm, units, frac, collateral);
        prop_assert!(covered.im <= alone.im, "covered {} alone {}", covered.im, alone.im);
        prop_assert!(covered.mm <= alone.mm);
    }

    /// For any strike: the add-ons of a covered call are never above the underlying's own; what a
    /// far-OTM covered call may add is scan loss (a crash with a vol spike raises the call).
    #[test]
    fn otm_covered_call_extra_is_the_scan_not_a_charge(slice in 0u8..5, kppm in 500_000u64..2_000_000,
                                                        units in 1i64..5_000_000, frac in 1i64..=100, collateral in any::<bool>()) {
        let (alone, covered) = with_and_without_covered_call(slice, kppm, units, frac, collateral);
        let add_ons = |r: &MarginResult| r.naked_short.im + r.linear.im + r.haircut.im;
        prop_assert!(add_ons(&covered) <= add_ons(&alone));
        prop_assert!(covered.im - alone.im <= (covered.scan.loss - alone.scan.loss).max(0) + 2);
    }

    /// A long option can lose at most its premium: buying one never raises IM by more.
    #[test]
    fn buying_an_option_raises_im_by_at_most_its_premium(l in legs(12), slice in 0u8..5, kppm in 300_000u64..3_000_000,
                                                          mi in 0usize..3, call in any::<bool>(), n in 1i64..50_000) {
        let ms = markets(3);
        let mut ps = build(&l);
        let before = eval(&ms, &ps, &[]);
        let o = opt(mi, call, slice, kppm, n * 1_000);
        ps.push(o);
        let after = eval(&ms, &ps, &[]);
        // to the pricer's accuracy and rounding
        let rounding = tolerance(&o, n * 1_000);
        prop_assert!(after.im - before.im <= premium(&ms, o) + rounding, "IM +{} premium {}", after.im - before.im, premium(&ms, o));
    }

    /// Selling a second option never frees collateral unless it hedges the first by more than its
    /// own naked-short charge: a short strangle leaves less free collateral than either leg alone
    /// whenever each leg gains less than its naked charge in the other leg's worst scenario (most
    /// strangles; near the money, over 30-90 days, a short put's decay in the rally that hurts the
    /// short call is a real partial hedge, which the scan credits: docs/risk-model.md).
    #[test]
    fn short_strangle_leaves_less_free_collateral(slice in 0u8..5, put_k in 500_000u64..=1_000_000, call_k in 1_000_000u64..2_000_000, n in 1i64..5_000) {
        let ms = markets(1);
        let size = n * 1_000;
        let (c, p) = (opt(0, true, slice, call_k, -size), opt(0, false, slice, put_k, -size));
        let (call, put) = (eval(&ms, &[c], &[]), eval(&ms, &[p], &[]));
        let put_in_calls_worst = put.markets[0].pnl[call.markets[0].worst_index as usize];
        let call_in_puts_worst = call.markets[0].pnl[put.markets[0].worst_index as usize];
        prop_assume!(put_in_calls_worst < put.naked_short.im && call_in_puts_worst < call.naked_short.im);
        let both = free_after_selling(&ms, &[c, p]);
        prop_assert!(both < free_after_selling(&ms, &[c]), "strangle {} call {}", both, free_after_selling(&ms, &[c]));
        prop_assert!(both < free_after_selling(&ms, &[p]));
    }

    /// Whatever the strikes: a strangle needs at least each leg's IM less what the other leg gains
    /// in that leg's worst scenario, plus the other leg's naked-short charge.
    #[test]
    fn short_strangle_im_is_bounded_by_the_legs_hedge(slice in 0u8..5, put_k in 500_000u64..=1_000_000, call_k in 1_000_000u64..2_000_000, n in 1i64..5_000) {
        let ms = markets(1);
        let size = n * 1_000;
        let (c, p) = (opt(0, true, slice, call_k, -size), opt(0, false, slice, put_k, -size));
        let (call, put, both) = (eval(&ms, &[c], &[]), eval(&ms, &[p], &[]), eval(&ms, &[c, p], &[]));
        let hedge = put.markets[0].pnl[call.markets[0].worst_index as usize].max(0);
        prop_assert!(both.im >= call.im - hedge + put.naked_short.im - 2, "{} {} {} {}", both.im, call.im, hedge, put.naked_short.im);
    }

    /// Higher vol: a short option's free collateral falls.
    #[test]
    fn short_option_free_collateral_falls_as_vol_rises(slice in 0u8..5, kppm in 500_000u64..2_000_000, call in any::<bool>(),
                                                       vol in 100_000i64..2_000_000, bump in 10_000i64..500_000, n in 1i64..5_000) {
        let mut lo = markets(1);
        for s in lo[0].slices.iter_mut() { s.atm_ppm = vol; }
        let mut hi = lo.clone();
        for s in hi[0].slices.iter_mut() { s.atm_ppm = vol + bump; }
        let o = opt(0, call, slice, kppm, -n * 1_000);
        // same collateral in both worlds: the premium received at the lower vol
        let c = vec![usdc(premium(&lo, o))];
        let (a, b) = (eval(&lo, &[o], &c), eval(&hi, &[o], &c));
        // (to the pricer's accuracy and rounding)
        prop_assert!(b.equity - b.im <= a.equity - a.im + tolerance(&o, n * 1_000), "vol up: free {} -> {}", a.equity - a.im, b.equity - b.im);
    }
}

#[test]
fn scenario_count_and_grid() {
    assert_eq!(SCENARIOS.len(), 27);
    let inner = SCENARIOS.iter().filter(|s| s.0 < 7).count();
    assert_eq!(inner, 21);
    assert!(SCENARIOS[21..].iter().all(|s| s.1 == 1));
}

#[test]
fn long_perp_scan_is_range_times_notional() {
    // 1 BTC long perp: the worst move is -R = -16% (the tails are weighted R/|move|, so equal);
    // the oracle confidence (spot/2000) widens R by conf/spot
    let ms = markets(1);
    let r = eval(&ms, &[perp(0, 1_000_000)], &[]);
    let expect = 88_530.0 * (0.16 + 1.0 / 2000.0);
    assert!((r.scan.loss as f64 / 1e6 - expect).abs() < 1e-3, "{} vs {expect}", r.scan.loss);
    assert!((r.markets[0].range_ppm as i64 - 160_500).abs() <= 1);
    // linear liquidation cost 1.5% / 2.5% of notional
    assert!((r.linear.mm - (88_530_000_000i64 * 15) / 1000).abs() <= 2, "{:?}", r.linear);
    assert!((r.linear.im - (88_530_000_000i64 * 25) / 1000).abs() <= 2);
    assert_eq!(r.equity, 0);
    assert_eq!(r.mm, r.scan_margin.mm + r.linear.mm);
}

#[test]
fn short_call_scan_matches_f64_reprice() {
    // Naked short 30-day ATM call: recompute the worst scenario independently in f64.
    let mut ms = markets(1);
    ms[0].conf = 0;
    let m = &ms[0];
    let r = eval(&ms, &[opt(0, true, 2, 1_000_000, -1_000_000)], &[]);
    let s = m.spot as f64 / 1e6;
    let t = (30 * DAY) as f64 / 31_536_000.0;
    let f = s * (0.05f64 * t).exp();
    let k = strike(0, 1_000_000) as f64 / 1e6;
    let km = (k / f).ln();
    let sig = 0.49 - 0.1 * km + 0.3 * km * km;
    let up = (sig * 1.5).max(0.45); // DTE = 30d: m = 1
    let base = b76(true, f, k, sig, t, 1.0).0;
    let at_r = b76(true, f * 1.16, k, up, t, 1.0).0 - base;
    let tail = (b76(true, f * 2.0, k, up, t, 1.0).0 - base) * 0.16;
    let worst = at_r.max(tail);
    assert!((r.scan.loss as f64 / 1e6 - worst).abs() < 0.02, "{} vs {}", r.scan.loss as f64 / 1e6, worst);
    assert!(r.naked_short.mm > 0 && r.naked_short.im > r.naked_short.mm);
}

/// The examples, tried as a user would (spot 100,000, 29-day expiry, vol 50%).
fn user_market() -> Vec<MarketState> {
    let mut m = MarketState::new(100_000_000_000, 0, MarketParams::default());
    m.push_slice(VolSlice { expiry: NOW + 29 * DAY, atm_ppm: 500_000, skew_ppm: 0, curv_ppm: 0, basis_ppm: 0 }).unwrap();
    vec![m]
}

#[test]
fn one_btc_of_collateral_needs_at_most_22_percent() {
    let ms = user_market();
    let r = eval(&ms, &[], &[Collateral::underlying(0, 1_000_000)]);
    println!("1 BTC collateral: IM {} MM {}", r.im, r.mm);
    assert!(r.im <= 22_000_000_000, "IM {}", r.im);
    // the scan (16%) plus the liquidation-cost haircut (4%), once each (to rounding)
    assert!((r.im - (16_000_000_000 + 4_000_000_000)).abs() <= 2, "{}", r.im);
}

#[test]
fn hedged_btc_collateral_needs_at_most_5_percent() {
    let ms = user_market();
    let r = eval(&ms, &[Position { cost: 100_000_000_000, ..perp(0, -1_000_000) }], &[Collateral::underlying(0, 1_000_000)]);
    println!("1 BTC collateral + short perp: IM {} MM {}", r.im, r.mm);
    assert!(r.im <= 5_000_000_000, "IM {}", r.im);
    assert!(r.scan.loss <= 1);
}

#[test]
fn selling_a_covered_call_lowers_im() {
    let ms = user_market();
    let coll = [Collateral::underlying(0, 1_000_000)];
    let alone = eval(&ms, &[], &coll);
    let call = Position { market: 0, kind: Kind::Call, slice: 0, strike: 110_000_000_000, size: -1_000_000, cost: 0 };
    let covered = eval(&ms, &[call], &coll);
    println!("1 BTC + short 110k call: IM {} (alone {})", covered.im, alone.im);
    assert!(covered.im < alone.im, "{} vs {}", covered.im, alone.im);
    assert_eq!(covered.naked_short, AddOn::default());
}

#[test]
fn collateral_moves_with_its_underlying_and_haircut() {
    let mut ms = markets(1);
    ms[0].conf = 0;
    let r = eval(&ms, &[], &[Collateral::underlying(0, 2_000_000)]);
    assert_eq!(r.equity, 2 * 88_530_000_000);
    assert!((r.scan.loss as f64 / 1e6 - 2.0 * 88_530.0 * 0.16).abs() < 1e-3);
    assert_eq!(r.haircut.mm, 2 * 88_530_000_000 / 50);
    let r2 = eval(&ms, &[perp(0, -2_000_000)], &[Collateral::underlying(0, 2_000_000)]);
    assert!(r2.scan.loss <= 1, "{}", r2.scan.loss);
    assert_eq!(r2.linear, AddOn::default());
}

#[test]
fn collateral_haircuts_are_per_entry_and_bounded() {
    let mut ms = markets(1);
    ms[0].conf = 0;
    let liquid = Collateral { haircut_mm_ppm: 10_000, haircut_im_ppm: 20_000, ..Collateral::underlying(0, 1_000_000) };
    let illiquid = Collateral { haircut_mm_ppm: 50_000, haircut_im_ppm: 80_000, ..Collateral::underlying(0, 1_000_000) };
    let both = eval(&ms, &[], &[liquid, illiquid]);
    // 1 BTC at 88,530 each: 1% + 5% (MM), 2% + 8% (IM); the scan sees 2 BTC either way
    assert_eq!(both.haircut, AddOn { mm: 885_300_000 + 4_426_500_000, im: 1_770_600_000 + 7_082_400_000 });
    assert_eq!(both.scan, eval(&ms, &[], &[Collateral::underlying(0, 2_000_000)]).scan);
    // a haircut on quote collateral (a second stablecoin) applies to its amount
    let stable = Collateral { haircut_mm_ppm: 5_000, haircut_im_ppm: 10_000, ..Collateral::quote(1_000_000_000) };
    assert_eq!(eval(&ms, &[], &[stable]).haircut, AddOn { mm: 5_000_000, im: 10_000_000 });
    let g = GlobalParams::default();
    let ev = |c: Collateral| evaluate(&Account { global: &g, markets: &ms, positions: &[], collateral: &[c], now: NOW });
    assert_eq!(ev(Collateral { haircut_mm_ppm: 30_000, ..liquid }), Err(Error::BadHaircut));
    assert_eq!(ev(Collateral { haircut_mm_ppm: 0, haircut_im_ppm: MAX_HAIRCUT_PPM + 1, ..liquid }), Err(Error::BadHaircut));
    assert!(ev(Collateral { haircut_mm_ppm: MAX_HAIRCUT_PPM, haircut_im_ppm: MAX_HAIRCUT_PPM, ..liquid }).is_ok());
    assert_eq!(ev(Collateral { amount: -1, ..liquid }), Err(Error::BadSize));
    assert_eq!(ev(Collateral { amount: MAX_SIZE + 1, ..liquid }), Err(Error::BadSize));
    // quote collateral only adds to equity: it may exceed the underlyings' size bound, up to its own
    assert_eq!(ev(Collateral::quote(MAX_QUOTE_COLLATERAL)).map(|r| r.equity), Ok(MAX_QUOTE_COLLATERAL));
    assert_eq!(ev(Collateral::quote(MAX_QUOTE_COLLATERAL + 1)), Err(Error::BadSize));
    // a quote debt (negative) lowers equity in full, and a haircut never shrinks it
    let debt = Collateral { haircut_mm_ppm: 5_000, haircut_im_ppm: 10_000, ..Collateral::quote(-1_000_000_000) };
    let owed = ev(debt).unwrap();
    assert_eq!((owed.equity, owed.haircut), (-1_000_000_000, AddOn::default()));
    assert_eq!(ev(Collateral::quote(-MAX_QUOTE_COLLATERAL)).map(|r| r.equity), Ok(-MAX_QUOTE_COLLATERAL));
    assert_eq!(ev(Collateral::quote(-MAX_QUOTE_COLLATERAL - 1)), Err(Error::BadSize));
}

#[test]
fn tightening_is_judged_field_by_field() {
    let p = MarketParams::default();
    assert_eq!(p.first_loosened(&p), None);
    let wider = MarketParams { price_range_ppm: p.price_range_ppm + 1, naked_short_im_ppm: p.naked_short_im_ppm + 1, max_conf_ppm: p.max_conf_ppm - 1, ..p };
    assert_eq!(p.first_loosened(&wider), None);
    let idx = |n: &str| MarketParams::index_of(n).unwrap();
    assert_eq!(wider.first_loosened(&p), Some(idx("price_range_ppm")));
    assert_eq!(p.first_loosened(&MarketParams { max_conf_ppm: p.max_conf_ppm + 1, ..p }), Some(idx("max_conf_ppm")));
    // neither direction is stricter for a tail move: any change is refused
    assert_eq!(p.first_loosened(&MarketParams { tail_move_1_ppm: p.tail_move_1_ppm - 1, ..p }), Some(idx("tail_move_1_ppm")));
    let g = GlobalParams::default();
    assert_eq!(g.first_loosened(&GlobalParams { im_scan_ppm: 1_100_000, ..g }), None);
    assert_eq!(g.first_loosened(&GlobalParams { corr_credit_ppm: 1, ..g }), GlobalParams::index_of("corr_credit_ppm"));
    assert_eq!(MarketParams::TIGHTER.len(), MarketParams::LEN);
    assert_eq!(GlobalParams::TIGHTER.len(), GlobalParams::LEN);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    /// Raising a "higher is stricter" charge, or the scan range, never lowers IM (the directions the
    /// security authority may move them in).
    #[test]
    fn tightening_charges_never_lowers_im(l in legs(8), btc in 0i64..3_000_000, bump in 1u32..20_000) {
        let ms = markets(3);
        let ps = build(&l);
        let base = eval(&ms, &ps, &colls(btc, 0));
        let mut tighter = ms.clone();
        for m in tighter.iter_mut() {
            m.params.naked_short_mm_ppm += bump;
            m.params.naked_short_im_ppm += bump;
            m.params.linear_mm_ppm += bump;
            m.params.linear_im_ppm += bump;
            prop_assert_eq!(ms[0].params.first_loosened(&m.params), None);
        }
        let after = eval(&tighter, &ps, &colls(btc, 0));
        prop_assert!(after.im >= base.im && after.mm >= base.mm, "{} {} / {} {}", base.im, after.im, base.mm, after.mm);
    }
}

#[test]
fn correlation_credit_and_stale_vol() {
    let ms = markets(2);
    let ps = [perp(0, 1_000_000), perp(1, -29_000_000)];
    let g0 = GlobalParams::default();
    let g1 = GlobalParams { corr_credit_ppm: 500_000, ..g0 };
    let r0 = eval_with(&g0, &ms, &ps, &[]);
    let r1 = eval_with(&g1, &ms, &ps, &[]);
    assert!(r1.scan.loss < r0.scan.loss);
    assert_eq!(r0.scan.loss, r0.scan.loss_separate);
    assert!(r1.scan.loss >= r0.scan.loss_joint);
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
    let ev = |ms: &[MarketState], ps: &[Position]| evaluate(&Account { global: &g, markets: ms, positions: ps, collateral: &[], now: NOW });
    assert_eq!(ev(&ms, &[perp(1, 1)]), Err(Error::BadMarketIndex));
    assert_eq!(ev(&ms, &[opt(0, true, 7, 1_000_000, 1)]), Err(Error::BadSliceIndex));
    assert_eq!(ev(&ms, &[perp(0, i64::MAX)]), Err(Error::BadSize));
    assert_eq!(ev(&ms, &vec![perp(0, 1); 33]), Err(Error::TooManyPositions));
    let mut wide_conf = markets(1);
    wide_conf[0].conf = wide_conf[0].spot / 10;
    assert_eq!(ev(&wide_conf, &[]), Err(Error::OracleConfidenceTooWide));
    wide_conf[0].conf = u64::MAX;
    assert_eq!(ev(&wide_conf, &[]), Err(Error::OracleConfidenceTooWide));
    let mut bad = markets(1);
    bad[0].params.price_range_ppm = 5;
    assert_eq!(ev(&bad, &[]), Err(Error::ParamOutOfBounds(0)));
    assert_eq!(param_name(Error::ParamOutOfBounds(0)), Some("price_range_ppm"));
}

#[test]
fn parameters_are_validated_by_name() {
    assert!(validate_market_params(&MarketParams::default()).is_ok());
    assert!(validate_global_params(&GlobalParams::default()).is_ok());
    let mut p = MarketParams::default();
    p.linear_im_ppm = p.linear_mm_ppm - 1;
    assert_eq!(param_name(validate_market_params(&p).unwrap_err()), Some("linear_im_ppm"));
    p = MarketParams::default();
    p.tail_move_1_ppm = -100_000; // smaller than R
    assert_eq!(param_name(validate_market_params(&p).unwrap_err()), Some("tail_move_1_ppm"));
    p = MarketParams::default();
    p.naked_short_im_ppm = p.linear_im_ppm + 1;
    assert_eq!(param_name(validate_market_params(&p).unwrap_err()), Some("linear_im_ppm"));
    let g = GlobalParams { mm_scan_ppm: 900_000, im_scan_ppm: 800_000, ..GlobalParams::default() };
    assert_eq!(param_name(validate_global_params(&g).unwrap_err()), Some("im_scan_ppm"));
    // every name in the ordering tables is a real field; every bound is ordered; defaults validate
    for (a, b) in MARKET_PARAM_ORDER {
        assert!(MarketParams::index_of(a).is_some() && MarketParams::index_of(b).is_some());
    }
    for (a, b) in GLOBAL_PARAM_ORDER {
        assert!(GlobalParams::index_of(a).is_some() && GlobalParams::index_of(b).is_some());
    }
    assert!(MarketParams::BOUNDS.iter().chain(GlobalParams::BOUNDS).all(|(lo, hi)| lo <= hi));
    assert_eq!(MarketParams::NAMES.len(), MarketParams::BOUNDS.len());
}

#[test]
fn capacities() {
    assert_eq!((MAX_POSITIONS, MAX_COLLATERALS, MAX_MARKETS, MAX_SLICES, N_SCEN), (32, 8, 4, 8, 27));
    let ms = markets(4);
    let mut ps = Vec::new();
    for i in 0..32 {
        ps.push(opt(i % 4, i % 2 == 0, (i % 5) as u8, 700_000 + 20_000 * i as u64, if i % 3 == 0 { -1_000_000 } else { 2_000_000 }));
    }
    let cs: Vec<Collateral> = (0..8).map(|i| if i < 4 { Collateral::underlying(i as u8, 1_000_000) } else { usdc(1_000_000_000) }).collect();
    let r = eval(&ms, &ps, &cs);
    assert!(r.im > r.mm && r.mm > 0);
    let mut too_many = cs.clone();
    too_many.push(usdc(1));
    let g = GlobalParams::default();
    assert_eq!(evaluate(&Account { global: &g, markets: &ms, positions: &ps, collateral: &too_many, now: NOW }), Err(Error::TooManyCollaterals));
    let five = markets(4).into_iter().chain(markets(1)).collect::<Vec<_>>();
    assert_eq!(evaluate(&Account { global: &g, markets: &five, positions: &[], collateral: &[], now: NOW }), Err(Error::TooManyMarkets));
}

#[test]
fn memory_footprint_fits_sbf_limits() {
    // heap: the workspace the program boxes; frames are measured by `npm run bench:cu`
    assert!(std::mem::size_of::<Workspace>() <= 16 * 1024, "{}", std::mem::size_of::<Workspace>());
    let mut ws = Box::new(Workspace::new());
    let ms = markets(2);
    let g = GlobalParams::default();
    let ps = [perp(0, 1_000_000), opt(1, true, 1, 1_000_000, -1_000_000)];
    evaluate_into(&mut ws, &Account { global: &g, markets: &ms, positions: &ps, collateral: &[], now: NOW }).unwrap();
    assert_eq!(ws.out, eval(&ms, &ps, &[]));
    println!("Workspace {} bytes, MarketPrep {}", std::mem::size_of::<Workspace>(), std::mem::size_of::<MarketPrep>());
}

proptest! {
    /// A liquidation's mark: the perpetual at spot, a future at its forward, an option at
    /// textbook Black-76 (f64) with the slice's smile, within the pricer's stated accuracy; long
    /// rounded down, short up, one unit apart at most.
    #[test]
    fn mark_values_match_an_f64_reference(mi in 0usize..3, kind in 0u8..4, slice in 0u8..5, k_ppm in 500_000u64..2_000_000) {
        let m = market(mi);
        let mut ws = Workspace::new();
        let kind = [Kind::Perp, Kind::Future, Kind::Call, Kind::Put][kind as usize];
        let strike = strike(mi, k_ppm);
        let (long, short) = mark_value(&mut ws, &m, kind, slice, strike, NOW).unwrap();
        prop_assert!(long <= short && short - long <= 1);
        let s = m.spot as f64;
        let sl = &m.slices[slice as usize];
        let t = (sl.expiry - NOW) as f64 / (365.0 * DAY as f64);
        let fwd = s * (sl.basis_ppm as f64 / 1e6 * t).exp();
        let expected = match kind {
            Kind::Perp => s,
            Kind::Future => fwd,
            _ => {
                let p = &m.params;
                let kmon = (strike as f64 / fwd).ln().clamp(-8.0, 8.0);
                let vol = (sl.atm_ppm as f64 + sl.skew_ppm as f64 * kmon + sl.curv_ppm as f64 * kmon * kmon) / 1e6;
                let vol = vol.clamp(p.vol_min_ppm as f64 / 1e6, p.vol_max_ppm as f64 / 1e6);
                b76(kind == Kind::Call, fwd, strike as f64, vol, t, 1.0).0
            }
        };
        let bound = 1e-8 * fwd.max(strike as f64) + 2.0;
        prop_assert!((long as f64 - expected).abs() <= bound, "{:?} K={} long {} vs {}", kind, strike, long, expected);
    }
}
