//! Benchmark driver for `npm run bench` (scripts/bench.js runs it under callgrind).
//! `risk-bench <engine|precise> <legs> <underlyings> <iterations>`: builds a reference portfolio and
//! evaluates it `iterations` times; the script subtracts a 0-iteration run to get the instructions
//! of one evaluation. `precise` prices every (leg x scenario) with the precise Q16.48 Black-76 of
//! `pm price` (ln, one division and two rational normal CDFs each, 128-bit products): the cost the
//! margin path's Q32 kernels avoid.
use risk_engine::black76::{value_q48, OptionKind};
use risk_engine::math::ln_u64;
use risk_engine::pricer::{OptionPrep, OptionSpec};
use risk_engine::*;
use std::hint::black_box;

const NOW: i64 = reference::REF_NOW;

/// Scanning loss with every option scenario priced by the precise Black-76 (no add-ons).
fn precise(ms: &[MarketState], ps: &[Position], now: i64) -> Result<i64, Error> {
    let mut total = 0i64;
    for (mi, m) in ms.iter().enumerate() {
        let mut mp = MarketPrep::EMPTY;
        mp.init(m)?;
        let mut pnl = [0i128; N_SCEN];
        for pos in ps.iter().filter(|x| x.market as usize == mi) {
            let (call, per_contract): (bool, [i128; N_SCEN]) = match pos.kind {
                Kind::Perp => (true, core::array::from_fn(|s| mp.spot_pnl[SCENARIOS[s].0 as usize] as i128)),
                Kind::Future => {
                    let sl = *mp.ensure_slice(m, pos.slice as usize, now)?;
                    (true, core::array::from_fn(|s| (sl.forward_at_px[SCENARIOS[s].0 as usize] - sl.forward_px) as i128))
                }
                Kind::Call | Kind::Put => {
                    let sl = *mp.ensure_slice(m, pos.slice as usize, now)?;
                    let mut op = OptionPrep::EMPTY;
                    let call = pos.kind == Kind::Call;
                    op.init(&mp, &sl, &OptionSpec { call, strike: pos.strike, stale: false })?;
                    let kind = if call { OptionKind::Call } else { OptionKind::Put };
                    let k = (pos.strike << mp.price_bits) as i64;
                    let value = |j: usize, state: usize| -> Result<i128, Error> {
                        let f = sl.forward_at_px[j];
                        let lnfk = ln_u64(f as u64)? - ln_u64(k as u64)?;
                        let v = (op.vols[state].v_q32 as i128) << 16;
                        Ok(value_q48(kind, f, k, lnfk, v as i64)? >> 48)
                    };
                    let base = value(0, 0)?;
                    let mut out = [0i128; N_SCEN];
                    for (s, &(j, state)) in SCENARIOS.iter().enumerate() {
                        out[s] = value(j as usize, state as usize)? - base;
                    }
                    (call, out)
                }
            };
            let _ = call;
            for s in 0..N_SCEN {
                pnl[s] += pos.size as i128 * per_contract[s];
            }
        }
        let weighted = |s: usize, x: i128| if s >= FIRST_TAIL { (x * mp.tail_weight_q32[s - FIRST_TAIL] as i128) >> 32 } else { x };
        let worst = pnl.iter().enumerate().map(|(s, &x)| weighted(s, (x >> mp.price_bits) / 1_000_000)).min().unwrap_or(0) as i64;
        total += (-worst).max(0);
    }
    Ok(total)
}

fn main() {
    let a: Vec<String> = std::env::args().collect();
    if a.len() < 5 {
        eprintln!("usage: risk-bench <engine|precise> <legs> <underlyings> <iterations>");
        std::process::exit(2);
    }
    let (legs, unds, iters): (usize, usize, usize) = (a[2].parse().unwrap(), a[3].parse().unwrap(), a[4].parse().unwrap());
    // the shared reference portfolios (crates/risk-engine/src/reference.rs, also used by tools/bpf-bench)
    let r = reference::Reference::new(legs, unds).unwrap();
    let (ms, ps, cs) = (r.markets().to_vec(), r.positions().to_vec(), r.collateral().to_vec());
    let g = GlobalParams::default();
    let account = Account { global: &g, markets: &ms, positions: &ps, collateral: &cs, now: NOW };
    let mut acc = 0i64;
    for _ in 0..iters {
        match a[1].as_str() {
            "engine" => acc = acc.wrapping_add(evaluate(black_box(&account)).unwrap().im),
            _ => acc = acc.wrapping_add(precise(black_box(&ms), black_box(&ps), black_box(NOW)).unwrap()),
        }
    }
    let r = evaluate(&account).unwrap();
    println!("{} legs={} unds={} iters={} im={} scan={} precise_scan={} acc={}", a[1], legs, unds, iters, r.im, r.scan.loss, precise(&ms, &ps, NOW).unwrap(), acc);
}
