//! The margin path's Black-76 (Q32 kernels) at every scenario of the grid against an independent
//! f64 Black-76: every value within 1e-8 * max(F_s, K) + 1 quote unit, over 100,000 random options
//! (S/K 0.2-5, vol 1-500%, T 1 minute - 3 years, forwards 0.5-500,000 USD, random basis).
mod common;
use common::*;
use risk_engine::pricer::{stale_state, OptionPrep, OptionSpec};
use risk_engine::*;

/// f64 reference of one option at one scenario: the scenario forward and vol are recomputed here
/// from the market's parameters (not read from the engine), then priced with textbook Black-76.
struct Reference {
    forward: f64,
    t: f64,
    shifts: [f64; 13],
    up: [f64; 2],
    down: [f64; 2],
}

fn reference(m: &MarketState, secs: i64) -> Reference {
    let p = &m.params;
    let s = m.spot as f64 / 1e6;
    let t = secs as f64 / YEAR_SECONDS as f64;
    let basis = m.slices[0].basis_ppm as f64 / 1e6;
    let r = p.price_range_ppm as f64 / 1e6 + (p.conf_mult_ppm as f64 / 1e6) * m.conf as f64 / m.spot as f64;
    let tails = p.tail_moves_ppm();
    let mut shifts = [0f64; 13];
    for j in 0..13 {
        shifts[j] = if j < 9 { SPOT_QUARTERS[j] as f64 * r / 4.0 } else { tails[j - 9] as f64 / 1e6 };
    }
    let dte = (secs as f64).max(86_400.0);
    let reference = p.vol_ref_days as f64 * 86_400.0;
    let pe = if dte <= reference { p.vol_exp_short_ppm } else { p.vol_exp_long_ppm } as f64 / 1e6;
    let mf = (reference / dte).powf(pe);
    let (mut up, mut down) = ([0f64; 2], [0f64; 2]);
    for (k, mm) in [mf, mf * p.stale_vol_mult_ppm as f64 / 1e6].into_iter().enumerate() {
        up[k] = 1.0 + p.vol_up_coef_ppm as f64 / 1e6 * mm;
        down[k] = (1.0 - p.vol_down_coef_ppm as f64 / 1e6 * mm).max(p.vol_down_min_mult_ppm as f64 / 1e6);
    }
    Reference { forward: s * (basis * t).exp(), t, shifts, up, down }
}

#[test]
fn every_scenario_value_within_1e8_of_f64_black76() {
    let mut r = Rng(0x5ca1_ab1e);
    let now = NOW;
    let (mut worst_rel, mut cases, mut values) = (0f64, 0usize, 0usize);
    let mut worst_case = String::new();
    while cases < 100_000 {
        let spot_usd = r.log_range(0.5, 500_000.0);
        let spot = (spot_usd * 1e6).round() as u64;
        let secs = r.log_range(60.0, 3.0 * YEAR_SECONDS as f64).round() as i64;
        let vol = r.log_range(0.01, 5.0);
        let mut params = MarketParams::default_with_range((r.range(0.05, 0.33) * 1e6) as u32);
        params.vol_min_ppm = 10_000;
        let mut m = MarketState::new(spot, 0, params);
        if r.unit() < 0.3 {
            m.conf = (spot as f64 * r.range(0.0, 0.02)) as u64;
        }
        let basis = if r.unit() < 0.5 { 0 } else { (r.range(-0.3, 0.3) * 1e6) as i64 };
        m.push_slice(VolSlice { expiry: now + secs, atm_ppm: (vol * 1e6).round() as i64, skew_ppm: 0, curv_ppm: 0, basis_ppm: basis }).unwrap();
        let rf = reference(&m, secs);
        let k_usd = rf.forward / r.log_range(0.2, 5.0);
        let strike = (k_usd * 1e6).round().max(1.0) as u64;
        let k = strike as f64 / 1e6;
        let stale = r.unit() < 0.2;
        let mut mp = MarketPrep::EMPTY;
        mp.init(&m).unwrap();
        mp.ensure_slice(&m, 0, now).unwrap();
        let slice = mp.slices[0];
        let call = r.unit() < 0.5;
        let mut op = OptionPrep::EMPTY;
        op.init(&mp, &slice, &OptionSpec { call, strike, stale }).unwrap();
        let sigma = atm_vol(&m);
        for j in 0..13 {
            let f = rf.forward * (1.0 + rf.shifts[j]);
            for state in 0..5 {
                if state >= 3 && !stale {
                    continue;
                }
                let w = if state >= 3 { 1 } else { 0 };
                let s = match state {
                    0 => sigma,
                    1 | 3 => (sigma * rf.up[w]).max(0.45),
                    _ => sigma * rf.down[w],
                }
                .clamp(0.01, 20.0);
                let want = b76(call, f, k, s, rf.t, 1.0).0 * 1e6; // quote units
                let got = op.value_px(j, state) as f64 / (1u64 << mp.price_bits) as f64;
                let tol = 1e-8 * f.max(k) * 1e6 + 1.0;
                let rel = (got - want).abs() / tol;
                if rel > worst_rel {
                    worst_rel = rel;
                    worst_case = format!("call={call} F={f} K={k} vol={s} T={} j={j} state={state}: got {got} want {want}", rf.t);
                }
                values += 1;
            }
        }
        let _ = stale_state(1);
        cases += 1;
    }
    println!("{cases} options, {values} scenario values: worst |err| = {worst_rel:.3} x (1e-8 max(F,K) + 1 unit) [{worst_case}]");
    assert!(worst_rel <= 1.0, "{worst_case}");
}

/// The smile with skew = curv = 0 is the ATM vol, clamped.
fn atm_vol(m: &MarketState) -> f64 {
    (m.slices[0].atm_ppm as f64 / 1e6).clamp(m.params.vol_min_ppm as f64 / 1e6, m.params.vol_max_ppm as f64 / 1e6)
}

#[test]
fn expired_options_are_worth_intrinsic_on_spot() {
    let mut m = MarketState::new(100_000_000_000, 0, MarketParams::default());
    m.push_slice(VolSlice { expiry: NOW - 10, atm_ppm: 500_000, skew_ppm: 0, curv_ppm: 0, basis_ppm: 200_000 }).unwrap();
    let mut mp = MarketPrep::EMPTY;
    mp.init(&m).unwrap();
    mp.ensure_slice(&m, 0, NOW).unwrap();
    let mut op = OptionPrep::EMPTY;
    op.init(&mp, &mp.slices[0], &OptionSpec { call: true, strike: 90_000_000_000, stale: false }).unwrap();
    let bits = mp.price_bits;
    assert_eq!(op.value_px(0, 0), 10_000_000_000 << bits);
    // spot point 7 is +R (16%): scenario prices are exact to one quote unit
    assert!((op.value_px(7, 1) - ((116_000_000_000 - 90_000_000_000) << bits)).abs() <= 1 << bits);
    op.init(&mp, &mp.slices[0], &OptionSpec { call: false, strike: 90_000_000_000, stale: false }).unwrap();
    assert_eq!(op.value_px(0, 0), 0);
}

#[test]
fn put_call_parity_within_two_quote_units() {
    let mut r = Rng(77);
    for _ in 0..20_000 {
        let spot = (r.log_range(1.0, 200_000.0) * 1e6) as u64;
        let mut m = MarketState::new(spot, 0, MarketParams::default());
        m.push_slice(VolSlice { expiry: NOW + (r.log_range(3600.0, 1e8)) as i64, atm_ppm: (r.log_range(0.05, 3.0) * 1e6) as i64, skew_ppm: 0, curv_ppm: 0, basis_ppm: 0 }).unwrap();
        let strike = (spot as f64 * r.log_range(0.3, 3.0)) as u64;
        let mut mp = MarketPrep::EMPTY;
        mp.init(&m).unwrap();
        mp.ensure_slice(&m, 0, NOW).unwrap();
        let (mut c, mut p) = (OptionPrep::EMPTY, OptionPrep::EMPTY);
        c.init(&mp, &mp.slices[0], &OptionSpec { call: true, strike, stale: false }).unwrap();
        p.init(&mp, &mp.slices[0], &OptionSpec { call: false, strike, stale: false }).unwrap();
        for j in 0..13 {
            let unit = (1u64 << mp.price_bits) as f64;
            let fwd = (mp.slices[0].forward_at_px[j] as f64 / unit) as i64;
            let diff = (c.value_px(j, 1) - p.value_px(j, 1)) as f64 / unit;
            // the ratio min(F,K)/max(F,K) is exact to 2^-31 relative
            let tol = 2.0 + 1e-9 * (fwd.max(strike as i64)) as f64;
            assert!((diff - (fwd - strike as i64) as f64).abs() <= tol, "{diff} vs {}", fwd - strike as i64);
        }
    }
}
