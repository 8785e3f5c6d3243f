//! Every golden portfolio's IM and MM against an f64 implementation of the same margin rules,
//! written independently here from the rules in docs/risk-model.md (textbook Black-76 with libm's
//! erfc; no code of the engine is called but the evaluation under test). The rules include where
//! amounts are rounded (against the account), so the model rounds at the same steps; what is left
//! between the two is the engine's fixed-point approximation.
#[path = "../golden/gen.rs"]
mod gen;
mod common;
use common::b76;
use risk_engine::*;

const DAY: f64 = 86_400.0;

struct Model<'a> {
    g: &'a GlobalParams,
    markets: &'a [MarketState],
    positions: Vec<Position>,
    collateral: &'a [Collateral],
    now: i64,
}

/// f64 margin: (equity, mm, im, pricing bound), or None when the rules reject the input. The
/// pricing bound is what the engine's stated scenario-value accuracy (tests/pricer.rs: within
/// 2e-9 x max(F_s, K) per contract) can add up to in one scenario's P&L (two values per contract).
fn f64_margin(m: &Model) -> Option<(f64, f64, f64, f64)> {
    let mut pricing_bound = 0.0;
    let ppm = |x: u32| x as f64 / 1e6;
    // netting by instrument
    let mut net: Vec<Position> = Vec::new();
    for p in &m.positions {
        let key = |q: &Position| match q.kind {
            Kind::Perp => (q.market, q.kind, 0u8, 0u64),
            Kind::Future => (q.market, q.kind, q.slice, 0),
            _ => (q.market, q.kind, q.slice, q.strike),
        };
        match net.iter_mut().find(|q| key(q) == key(p)) {
            Some(q) => {
                q.size += p.size;
                q.cost += p.cost;
            }
            None => net.push(*p),
        }
    }
    let mut equity = 0.0;
    let (mut hc_mm, mut hc_im) = (0.0, 0.0);
    for c in m.collateral {
        if c.asset == QUOTE {
            equity += c.amount as f64;
            // a haircut applies to what the account holds, never to a quote debt
            let held = c.amount.max(0) as f64;
            hc_mm += (held * ppm(c.haircut_mm_ppm)).ceil();
            hc_im += (held * ppm(c.haircut_im_ppm)).ceil();
        }
    }
    equity -= net.iter().map(|p| p.cost as f64).sum::<f64>();
    let (mut fresh_arrays, mut stale_arrays) = (Vec::new(), Vec::new());
    let (mut naked_mm, mut naked_im, mut lin_mm, mut lin_im) = (0.0, 0.0, 0.0, 0.0);
    for (mi, mk) in m.markets.iter().enumerate() {
        let p = &mk.params;
        let s = mk.spot as f64; // quote units per contract
        let range = ppm(p.price_range_ppm) + ppm(p.conf_mult_ppm) * mk.conf as f64 / mk.spot as f64;
        let tails = p.tail_moves_ppm();
        let shifts: Vec<f64> = (0..13).map(|j| if j < 9 { SPOT_QUARTERS[j] as f64 * range / 4.0 } else { tails[j - 9] as f64 / 1e6 }).collect();
        let weight = |sc: usize| if sc < FIRST_TAIL { 1.0 } else if tails[sc - FIRST_TAIL] == 0 { 0.0 } else { (range / (tails[sc - FIRST_TAIL] as f64 / 1e6).abs()).min(1.0) };
        let coll: f64 = m.collateral.iter().filter(|c| c.asset as usize == mi && c.asset != QUOTE).map(|c| c.amount as f64 / 1e6).sum();
        let (mut fresh, mut stale) = ([0f64; N_SCEN], [0f64; N_SCEN]);
        let (mut sc, mut lc, mut sp, mut lp, mut lin) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for q in net.iter().filter(|q| q.market as usize == mi) {
            let n = q.size as f64 / 1e6;
            let slice = (q.kind != Kind::Perp).then(|| &mk.slices[q.slice as usize]);
            let secs = slice.map(|sl| (sl.expiry - m.now) as f64).unwrap_or(0.0);
            let t = secs.max(0.0) / (365.0 * DAY);
            let fwd = match slice {
                Some(sl) if secs > 0.0 => s * (sl.basis_ppm as f64 / 1e6 * t).exp(),
                _ => s,
            };
            let unit_pnl = |state_vol: &dyn Fn(f64) -> f64, j: usize, value: &dyn Fn(f64, f64) -> f64, base: f64| value(fwd * (1.0 + shifts[j]), state_vol(0.0)) - base;
            let _ = unit_pnl;
            match q.kind {
                Kind::Perp | Kind::Future => {
                    let f = if q.kind == Kind::Perp { s } else { fwd };
                    for (k, &(j, _)) in SCENARIOS.iter().enumerate() {
                        let x = n * f * shifts[j as usize];
                        fresh[k] += x;
                        stale[k] += x;
                    }
                    equity += n * f;
                    lin += n;
                }
                Kind::Call | Kind::Put => {
                    let sl = slice.unwrap();
                    let call = q.kind == Kind::Call;
                    let k_px = q.strike as f64;
                    let kmon = (k_px / fwd).ln().clamp(-8.0, 8.0);
                    let vol = (sl.atm_ppm as f64 + sl.skew_ppm as f64 * kmon + sl.curv_ppm as f64 * kmon * kmon) / 1e6;
                    let vol = vol.clamp(ppm(p.vol_min_ppm), ppm(p.vol_max_ppm));
                    let dte = secs.max(DAY);
                    let reference = p.vol_ref_days as f64 * DAY;
                    let mult = (reference / dte).powf(if dte <= reference { ppm(p.vol_exp_short_ppm) } else { ppm(p.vol_exp_long_ppm) });
                    let state = |st: u8, widen: f64| -> f64 {
                        let mm = mult * widen;
                        let v = match st {
                            0 => vol,
                            1 => (vol * (1.0 + ppm(p.vol_up_coef_ppm) * mm)).max(ppm(p.vol_up_floor_ppm)),
                            _ => vol * (1.0 - ppm(p.vol_down_coef_ppm) * mm).max(ppm(p.vol_down_min_mult_ppm)),
                        };
                        v.clamp(ppm(p.vol_min_ppm), 20.0)
                    };
                    let value = |f: f64, v: f64| if secs <= 0.0 { if call { (f - k_px).max(0.0) } else { (k_px - f).max(0.0) } } else { b76(call, f, k_px, v, t, 1.0).0 };
                    let base = value(fwd, vol);
                    let largest_forward = shifts.iter().fold(1.0f64, |a, &b| a.max(1.0 + b)) * fwd;
                    pricing_bound += n.abs() * 2.0 * 2e-9 * largest_forward.max(k_px);
                    for (k, &(j, st)) in SCENARIOS.iter().enumerate() {
                        let f = fwd * (1.0 + shifts[j as usize]);
                        fresh[k] += n * (value(f, state(st, 1.0)) - base);
                        stale[k] += n * (value(f, state(st, if mk.vol_stale { ppm(p.stale_vol_mult_ppm) } else { 1.0 })) - base);
                    }
                    equity += n * base;
                    let a = n.abs();
                    match (call, n > 0.0) {
                        (true, true) => lc += a,
                        (true, false) => sc += a,
                        (false, true) => lp += a,
                        (false, false) => sp += a,
                    }
                }
            }
        }
        // the rounding rule: one price unit per contract off every scenario, rounded down to a
        // quote unit, then weighted (tails) and rounded down again
        let price_bits = 40u32.saturating_sub(64 - mk.spot.leading_zeros()).min(15);
        let contracts = net.iter().filter(|q| q.market as usize == mi).map(|q| q.size.unsigned_abs() as f64 / 1e6).sum::<f64>() + coll;
        let allowance = contracts / (1u64 << price_bits) as f64;
        for (k, &(j, _)) in SCENARIOS.iter().enumerate() {
            if k == 0 {
                continue;
            }
            let x = coll * s * shifts[j as usize];
            fresh[k] = ((fresh[k] + x - allowance).floor() * weight(k)).floor();
            stale[k] = ((stale[k] + x - allowance).floor() * weight(k)).floor();
        }
        equity += coll * s;
        let delta_one = lin + coll;
        let naked = (sc - lc - delta_one.max(0.0)).max(0.0) + (sp - lp - (-lin).max(0.0)).max(0.0);
        let long_lin = lin.max(0.0);
        let short_lin = (-delta_one).max(0.0);
        let covering = long_lin.min(sc) + short_lin.min(sp);
        let uncovered = (long_lin - sc).max(0.0) + (short_lin - sp).max(0.0);
        // each add-on: notional rounded up, then the charge rounded up
        let charge = |contracts: f64, rate: u32| ((contracts * s).ceil() * ppm(rate)).ceil();
        naked_mm += charge(naked, p.naked_short_mm_ppm);
        naked_im += charge(naked, p.naked_short_im_ppm);
        lin_mm += charge(uncovered, p.linear_mm_ppm) + charge(covering, p.naked_short_mm_ppm);
        lin_im += charge(uncovered, p.linear_im_ppm) + charge(covering, p.naked_short_im_ppm);
        // each collateral entry at its own rates
        for c in m.collateral.iter().filter(|c| c.asset as usize == mi && c.asset != QUOTE) {
            hc_mm += charge(c.amount as f64 / 1e6, c.haircut_mm_ppm);
            hc_im += charge(c.amount as f64 / 1e6, c.haircut_im_ppm);
        }
        fresh_arrays.push(fresh);
        stale_arrays.push(if mk.vol_stale { stale } else { fresh });
    }
    let scan = |arrays: &Vec<[f64; N_SCEN]>| {
        let separate: f64 = arrays.iter().map(|a| -a.iter().cloned().fold(0.0, f64::min)).sum();
        let joint = -(0..N_SCEN).map(|k| arrays.iter().map(|a| a[k]).sum::<f64>()).fold(0.0, f64::min);
        separate - (ppm(m.g.corr_credit_ppm) * (separate - joint).max(0.0)).floor()
    };
    let fresh = scan(&fresh_arrays);
    let in_force = scan(&stale_arrays).max(fresh);
    // margins round up
    let mm = (ppm(m.g.mm_scan_ppm) * in_force).ceil() + naked_mm + lin_mm + hc_mm;
    let im = ((ppm(m.g.im_scan_ppm) * in_force).ceil() + naked_im + lin_im + hc_im).max((ppm(m.g.im_over_mm_min_ppm) * mm).ceil());
    Some((equity, mm, im, pricing_bound))
}

#[test]
fn golden_portfolios_match_an_f64_implementation() {
    let (mut checked, mut worst, mut by_pricing) = (0usize, 0f64, 0usize);
    for (i, c) in gen::margin_cases().iter().enumerate() {
        let account = Account { global: &c.g, markets: &c.ms, positions: &c.ps, collateral: &c.cs, now: c.now };
        let Ok(r) = evaluate(&account) else { continue };
        let model = Model { g: &c.g, markets: &c.ms, positions: c.ps.clone(), collateral: &c.cs, now: c.now };
        let (_equity, mm, im, pricing_bound) = f64_margin(&model).unwrap();
        for (what, got, want, scale) in [("im", r.im as f64, im, c.g.im_scan_ppm as f64 / 1e6), ("mm", r.mm as f64, mm, c.g.mm_scan_ppm as f64 / 1e6)] {
            let err = (got - want).abs();
            let tol = (1e-7 * want.abs()).max(2.0);
            worst = worst.max(err / tol);
            if err > tol {
                // a margin far below the positions' notional: the pricing accuracy itself
                println!("case {i}: {what} {got} vs f64 {want}: {:.1e} relative, within the pricing bound {:.0}", err / want.abs(), scale * pricing_bound);
                assert!(err <= scale * 1.1 * pricing_bound + 2.0, "case {i}: {what} {got} vs f64 {want} (tolerance {tol}, pricing bound {pricing_bound})");
                by_pricing += 1;
            }
        }
        checked += 1;
    }
    println!("{checked} golden portfolios: {} within max(1e-7 relative, 2 quote units) of f64 (worst {worst:.2}x); {by_pricing} margins within the pricing bound only", checked * 2 - by_pricing);
    assert!(checked >= 900);
    // the bound carries only the rare portfolio whose margin is a tiny fraction of its notional
    assert!(by_pricing * 100 <= checked, "{by_pricing} of {checked}");
}
