//! Accuracy of the fixed-point math and Black-76 against independent f64 references.
//! Run with `--nocapture` to see the measured maxima (recorded in the crate README).
mod common;
use common::*;
use risk_engine::math::{exp_q, ln_q, ln_u64, ncdf, npdf};
use risk_engine::wide::{sqrt_q, ONE};
use risk_engine::{black76, OptionKind};

#[test]
fn ln_exp_sqrt_ncdf_max_errors() {
    let mut rng = Rng(1);
    let mut e_ln: f64 = 0.0;
    for _ in 0..20_000 {
        let x = rng.next_u64() >> (rng.next_u64() % 64);
        if x == 0 {
            continue;
        }
        let got = from_q(ln_u64(x).unwrap() as i128);
        e_ln = e_ln.max((got - (x as f64).ln()).abs());
    }
    for x in 1..2000u64 {
        e_ln = e_ln.max((from_q(ln_u64(x).unwrap() as i128) - (x as f64).ln()).abs());
    }
    let mut e_exp_rel: f64 = 0.0;
    let mut e_exp_abs: f64 = 0.0;
    for _ in 0..20_000 {
        let xq = to_q(rng.range(-40.0, 10.3));
        let x = from_q(xq as i128);
        let got = from_q(exp_q(xq).unwrap() as i128);
        let r = x.exp();
        if x >= 0.0 {
            e_exp_rel = e_exp_rel.max(((got - r) / r).abs());
        } else {
            e_exp_abs = e_exp_abs.max((got - r).abs());
        }
    }
    let mut e_sqrt: f64 = 0.0;
    for _ in 0..20_000 {
        let xq = (rng.next_u64() >> (1 + rng.next_u64() % 63)) as i64;
        let got = from_q(sqrt_q(xq).unwrap() as i128);
        let r = from_q(xq as i128).sqrt();
        e_sqrt = e_sqrt.max((got - r).abs() - 2.3e-16 * r);
    }
    let mut e_cdf: f64 = 0.0;
    let mut e_pdf: f64 = 0.0;
    for i in -12_000..=12_000i64 {
        let xq = i * (ONE / 1000) + (rng.next_u64() % 1000) as i64;
        let x = from_q(xq as i128);
        let n = ncdf(xq).unwrap();
        e_cdf = e_cdf.max((from_q(n as i128) - common::ncdf(x)).abs());
        assert_eq!(n + ncdf(-xq).unwrap(), ONE, "symmetry at {x}");
        e_pdf = e_pdf.max((from_q(npdf(xq).unwrap() as i128) - common::npdf(x)).abs());
    }
    // ln of a Q48 value
    let l = from_q(ln_q(ONE / 3).unwrap() as i128);
    assert!((l - from_q((ONE / 3) as i128).ln()).abs() < 3e-14, "{l}");
    println!("max |err| ln_u64 {e_ln:.3e}  exp rel(x>=0) {e_exp_rel:.3e} abs(x<0) {e_exp_abs:.3e}  sqrt (beyond f64 rounding) {e_sqrt:.3e}  ncdf {e_cdf:.3e}  npdf {e_pdf:.3e}");
    assert!(e_ln <= 3e-14, "ln {e_ln}");
    assert!(e_exp_rel <= 2e-14, "exp {e_exp_rel}");
    assert!(e_exp_abs <= 1.1e-14, "exp abs {e_exp_abs}");
    assert!(e_sqrt <= 3.6e-15, "sqrt {e_sqrt}");
    assert!(e_cdf <= 2e-14, "ncdf {e_cdf}");
    assert!(e_pdf <= 1e-14, "npdf {e_pdf}");
    assert!(exp_q(11 * ONE).is_err());
    assert!(ln_u64(0).is_err());
}

fn greek_ok(got: f64, r: f64) -> bool {
    (got - r).abs() <= (1e-6 * r.abs()).max(1e-9)
}

#[test]
fn black76_accuracy_parity_and_expiry() {
    let mut rng = Rng(7);
    let (mut worst_val, mut worst_g) = (0.0f64, [0.0f64; 4]);
    let (mut worst_units, mut worst_rel_q) = (0.0f64, 0.0f64);
    let n = 30_000;
    for i in 0..n {
        let f_usd = rng.log_range(0.5, 500_000.0);
        let f = (f_usd * 1e6).round() as u64;
        let k = ((f as f64) / rng.log_range(0.2, 5.0)).round().max(1.0) as u64;
        let volq = to_q(rng.log_range(0.01, 5.0));
        let tq = to_q(rng.log_range(60.0 / 31_536_000.0, 3.0));
        let dfq = if i % 3 == 0 { ONE } else { to_q((-rng.range(0.0, 0.2) * from_q(tq as i128)).exp()) };
        let (fx, kx) = (f as f64 / 1e6, k as f64 / 1e6);
        let (vol, t, df) = (from_q(volq as i128), from_q(tq as i128), from_q(dfq as i128));
        for call in [true, false] {
            let kind = if call { OptionKind::Call } else { OptionKind::Put };
            let g = black76(kind, f, k, volq, tq, dfq).unwrap();
            let r = b76(call, fx, kx, vol, t, df);
            // value within 1e-8 F + one quote unit (1e-6 USD)
            let err = (g.value as f64 / 1e6 - r.0).abs();
            let excess = (err - 1e-6).max(0.0) / fx;
            worst_val = worst_val.max(excess);
            worst_units = worst_units.max(err * 1e6);
            worst_rel_q = worst_rel_q.max((from_q(g.value_q) / 1e6 - r.0).abs() / fx);
            assert!(err <= 1e-8 * fx + 1e-6, "value {call} F={fx} K={kx} vol={vol} t={t}: {} vs {}", g.value as f64 / 1e6, r.0);
            let gs = [from_q(g.delta), from_q(g.gamma), from_q(g.vega), from_q(g.theta)];
            let rs = [r.1, r.2, r.3, r.4];
            for j in 0..4 {
                let e = (gs[j] - rs[j]).abs() / rs[j].abs().max(1e-3);
                worst_g[j] = worst_g[j].max(if (gs[j] - rs[j]).abs() <= 1e-9 { 0.0 } else { e });
                assert!(greek_ok(gs[j], rs[j]), "greek {j} {call} F={fx} K={kx} vol={vol} t={t} df={df}: {} vs {}", gs[j], rs[j]);
            }
        }
        // put-call parity: C - P = df (F - K), exact up to the final rounding
        let c = black76(OptionKind::Call, f, k, volq, tq, dfq).unwrap();
        let p = black76(OptionKind::Put, f, k, volq, tq, dfq).unwrap();
        let fk = ((f as i128) - (k as i128)) << 48;
        if dfq == ONE {
            assert_eq!(c.value_q - p.value_q, fk, "parity q48 F={f} K={k}");
        }
        let lhs = c.value - p.value;
        let rhs = risk_engine::wide::wmul_q(fk, dfq).unwrap() >> 48;
        assert!((lhs as i128 - rhs).abs() <= 1, "parity F={f} K={k}: {lhs} vs {rhs}");
    }
    println!(
        "black76 over {n} x 2: max |value err| {worst_units:.3} quote units (floored value), unrounded |err|/F {worst_rel_q:.3e}, (|err| - 1 unit)/F {worst_val:.3e}; max rel err delta {:.3e} gamma {:.3e} vega {:.3e} theta {:.3e}",
        worst_g[0], worst_g[1], worst_g[2], worst_g[3]
    );
}

#[test]
fn intrinsic_at_and_after_expiry() {
    for t in [0i64, -ONE, -1] {
        for (f, k) in [(100_000_000u64, 90_000_000u64), (90_000_000, 100_000_000), (5, 5)] {
            let c = black76(OptionKind::Call, f, k, ONE / 2, t, ONE).unwrap();
            let p = black76(OptionKind::Put, f, k, ONE / 2, t, ONE).unwrap();
            assert_eq!(c.value, (f as i64 - k as i64).max(0));
            assert_eq!(p.value, (k as i64 - f as i64).max(0));
            assert_eq!((c.gamma, c.vega, c.theta), (0, 0, 0));
        }
    }
    // published value: Hull's Black-76 example (F=20, K=20, r=9%, T=4/12, vol=25%): put 1.1166
    let df = to_q((-0.09f64 * 4.0 / 12.0).exp());
    let p = black76(OptionKind::Put, 20_000_000, 20_000_000, to_q(0.25), to_q(4.0 / 12.0), df).unwrap();
    assert!((p.value as f64 / 1e6 - 1.1166).abs() < 6e-5, "{}", p.value);
    // bad input is an error, not a panic
    assert!(black76(OptionKind::Call, 0, 1, ONE, ONE, ONE).is_err());
    assert!(black76(OptionKind::Call, 1, 1, -1, ONE, ONE).is_err());
    assert!(black76(OptionKind::Call, 1, 1, ONE, ONE, 0).is_err());
}
