//! Benchmark driver for `npm run bench` (scripts/bench.js runs it under callgrind).
//! `risk-bench <engine|naive> <legs> <underlyings> <iterations>`: builds a reference portfolio and
//! evaluates it `iterations` times; the script subtracts a 0-iteration run to get the instructions
//! of one evaluation. `naive` is Black-76 from scratch per leg per scenario (forward, T, sqrt(T),
//! vol-shock power, smile and ln(F/K) recomputed every time; no netting, no risk arrays).
use risk_engine::black76::{value_q48, OptionKind};
use risk_engine::math::{exp_q, ln_u64};
use risk_engine::wide::{mul, shr_floor, wmul, FRAC, ONE};
use risk_engine::*;
use std::hint::black_box;

const NOW: i64 = reference::REF_NOW;
const DAY: i64 = 86_400;

/// The naive evaluation: scanning loss only (no add-ons), everything recomputed per leg and scenario.
fn naive(ms: &[MarketState], ps: &[Position], now: i64) -> Result<i64, Error> {
    let mut total = 0i64;
    for (mi, m) in ms.iter().enumerate() {
        let p = &m.params;
        let range = ppm_q(p.price_range_ppm as i64)?;
        let mut pnl = [0i128; N_SCEN];
        for pos in ps.iter().filter(|x| x.market as usize == mi) {
            for (s, &(j, vs)) in SCENARIOS.iter().enumerate() {
                let j = j as usize;
                let shift = if j < 9 { SPOT_QUARTERS[j] * range / 4 } else { ppm_q(p.tail_moves_ppm[j - 9] as i64)? };
                let spot = m.spot as i64;
                let s_s = spot + shr_floor(wmul(spot, shift), FRAC)?;
                let (v0, v1) = match pos.kind {
                    Kind::Perp => (spot, s_s),
                    _ => {
                        let sl = &m.slices[pos.slice as usize];
                        let secs = sl.expiry - now;
                        let t = wide::mul_div_floor(secs, ONE, YEAR_SECONDS)?;
                        let g = exp_q(mul(ppm_q(sl.basis_ppm)?, t)?)?;
                        let f0 = shr_floor(wmul(spot, g), FRAC)?;
                        let f1 = shr_floor(wmul(s_s, g), FRAC)?;
                        if pos.kind == Kind::Future {
                            (f0, f1)
                        } else {
                            let sqrt_t = wide::sqrt_q(t)?;
                            let dte = secs.max(DAY);
                            let reference = p.vol_ref_days as i64 * DAY;
                            let pe = if dte <= reference { p.vol_exp_short_ppm } else { p.vol_exp_long_ppm };
                            let m_ = exp_q(mul(ppm_q(pe as i64)?, ln_u64(reference as u64)? - ln_u64(dte as u64)?)?)?;
                            let km = ln_u64(pos.strike)? - ln_u64(f0 as u64)?;
                            let sig = (ppm_q(sl.atm_ppm)? + mul(ppm_q(sl.skew_ppm)?, km)? + mul(ppm_q(sl.curv_ppm)?, mul(km, km)?)?)
                                .clamp(ppm_q(p.vol_min_ppm as i64)?, ppm_q(p.vol_max_ppm as i64)?);
                            let vol = match vs {
                                0 => sig,
                                1 => mul(sig, ONE + mul(ppm_q(p.vol_up_coef_ppm as i64)?, m_)?)?.max(ppm_q(p.vol_up_floor_ppm as i64)?),
                                _ => mul(sig, (ONE - mul(ppm_q(p.vol_down_coef_ppm as i64)?, m_)?).max(ppm_q(p.vol_down_min_mult_ppm as i64)?))?,
                            };
                            let ok = if pos.kind == Kind::Call { OptionKind::Call } else { OptionKind::Put };
                            let k = pos.strike as i64;
                            let base = value_q48(ok, f0, k, ln_u64(f0 as u64)? - ln_u64(pos.strike)?, mul(sig, sqrt_t)?)?;
                            let scen = value_q48(ok, f1, k, ln_u64(f1 as u64)? - ln_u64(pos.strike)?, mul(vol, sqrt_t)?)?;
                            ((base >> 32) as i64, (scen >> 32) as i64)
                        }
                    }
                };
                let d = if matches!(pos.kind, Kind::Call | Kind::Put) { v1 - v0 } else { (v1 - v0) << 16 };
                pnl[s] += pos.size as i128 * d as i128;
            }
        }
        let mut worst = 0i64;
        for (s, x) in pnl.iter().enumerate() {
            let mut v = ((x >> 16) / 1_000_000) as i64;
            if s >= 23 {
                let t = ppm_q(p.tail_moves_ppm[s - 23] as i64)?;
                v = if t == 0 { 0 } else { mul(v, wide::div(range, t.abs())?)? };
            }
            worst = worst.min(v);
        }
        total += (-worst).max(0) as i64;
    }
    Ok(total)
}

fn main() {
    let a: Vec<String> = std::env::args().collect();
    if a.len() < 5 {
        eprintln!("usage: risk-bench <engine|naive> <legs> <underlyings> <iterations>");
        std::process::exit(2);
    }
    let (legs, unds, iters): (usize, usize, usize) = (a[2].parse().unwrap(), a[3].parse().unwrap(), a[4].parse().unwrap());
    // the shared reference portfolios (crates/risk-engine/src/reference.rs, also used by tools/bpf-bench)
    let r = reference::Reference::new(legs, unds).unwrap();
    let (ms, ps, cs) = (r.markets().to_vec(), r.positions().to_vec(), r.collateral().to_vec());
    let g = GlobalParams::default();
    let mut acc = 0i64;
    for _ in 0..iters {
        match a[1].as_str() {
            "engine" => {
                let r = evaluate(black_box(&g), black_box(&ms), black_box(&ps), black_box(&cs), black_box(NOW)).unwrap();
                acc = acc.wrapping_add(r.im);
            }
            _ => acc = acc.wrapping_add(naive(black_box(&ms), black_box(&ps), black_box(NOW)).unwrap()),
        }
    }
    let r = evaluate(&g, &ms, &ps, &cs, NOW).unwrap();
    println!("{} legs={} unds={} iters={} im={} scan={} naive_scan={} acc={}", a[1], legs, unds, iters, r.im, r.scan_loss, naive(&ms, &ps, NOW).unwrap(), acc);
}
