//! The Q32 kernels of the margin path against f64 references (libm), over their whole domains.
mod common;
use common::*;
use risk_engine::fixed::{self, exp, isqrt, ln_int, ratio_q32, reciprocal};

const Q: f64 = 4_294_967_296.0;

#[test]
fn ncdf_within_4e10_everywhere() {
    let mut worst = 0f64;
    let mut r = Rng(11);
    // a dense sweep over [-9, 9] plus random points, including the knots and their midpoints
    let mut points: Vec<i64> = (-9 * 4096..=9 * 4096).map(|i| (i as i64) << 20).collect();
    points.extend((0..200_000).map(|_| (r.range(-9.0, 9.0) * Q) as i64));
    points.extend([i64::MIN + 1, i64::MAX, -(8 << 32), 8 << 32, 0, 1, -1]);
    for &d in &points {
        let got = fixed::ncdf(d) as f64 / Q;
        let want = common::ncdf(d as f64 / Q);
        worst = worst.max((got - want).abs());
    }
    println!("ncdf: max |err| {worst:.3e} over {} points", points.len());
    assert!(worst <= 4e-10, "ncdf error {worst:e}");
}

#[test]
fn ncdf_is_monotone_where_it_grows_by_more_than_an_ulp() {
    // |d| <= 5: N grows by >= n(5) * 2^-16 = 2.3e-11... per step of 2^-16; rounding may not reverse it
    let mut prev = 0u64;
    for i in -(5 << 12)..=(5 << 12) {
        let v = fixed::ncdf((i as i64) << 20);
        assert!(v >= prev, "not monotone at {i}");
        prev = v;
    }
}

#[test]
fn ln_int_within_1e9() {
    let mut worst = 0f64;
    let mut r = Rng(5);
    let mut xs: Vec<u64> = (1..100_000u64).collect();
    xs.extend((0..64).flat_map(|k| [1u64 << k, (1u64 << k).wrapping_sub(1).max(1), (1u64 << k) + 1]));
    xs.extend((0..200_000).map(|_| r.next_u64() >> (r.next_u64() % 64)).filter(|&x| x > 0));
    xs.push(u64::MAX);
    for &x in &xs {
        let got = ln_int(x).unwrap() as f64 / Q;
        let want = (x as f64).ln();
        worst = worst.max((got - want).abs());
    }
    println!("ln_int: max |err| {worst:.3e}");
    assert!(worst <= 1e-9, "{worst:e}");
    assert!(ln_int(0).is_err());
}

#[test]
fn exp_within_1e9_relative() {
    let mut worst = 0f64;
    let mut r = Rng(7);
    for _ in 0..300_000 {
        let x = r.range(-22.0, 21.0);
        let xq = (x * Q) as i64;
        let got = exp(xq).unwrap() as f64 / Q;
        let want = (xq as f64 / Q).exp();
        // floor to Q32: an absolute 2^-32 on top of the relative error
        worst = worst.max(((got - want).abs() - 1.0 / Q).max(0.0) / want);
    }
    println!("exp: max relative err {worst:.3e}");
    assert!(worst <= 1e-9, "{worst:e}");
    assert_eq!(exp(-30 << 32).unwrap(), 0);
    assert!(exp(22 << 32).is_err());
    assert_eq!(exp(0).unwrap(), 1 << 32);
}

#[test]
fn isqrt_exact() {
    let mut r = Rng(3);
    for _ in 0..200_000 {
        let n = r.next_u64() >> (r.next_u64() % 64);
        let s = isqrt(n) as u128;
        assert!(s * s <= n as u128 && (s + 1) * (s + 1) > n as u128, "isqrt({n})");
    }
    for n in [0u64, 1, 2, 3, 4, u64::MAX, u64::MAX - 1, 1 << 62] {
        let s = isqrt(n) as u128;
        assert!(s * s <= n as u128 && (s + 1) * (s + 1) > n as u128, "isqrt({n})");
    }
}

#[test]
fn ratio_within_2e31_relative() {
    let mut r = Rng(9);
    for _ in 0..200_000 {
        let den = 1 + (r.next_u64() >> (r.next_u64() % 63 + 1)) % 40_000_000_000_000;
        let num = 1 + r.next_u64() % den;
        let got = ratio_q32(num, den) as f64 / Q;
        let want = num as f64 / den as f64;
        assert!((got - want).abs() <= want * 2f64.powi(-31) + 1.0 / Q, "{num}/{den}: {got} vs {want}");
    }
}

#[test]
fn reciprocal_mantissa_and_shift() {
    let mut r = Rng(13);
    for _ in 0..100_000 {
        let v = (1i64 << 9) + (r.next_u64() % ((1u64 << 39) - 512)) as i64;
        let (m, s) = reciprocal(v).unwrap();
        assert!(m > 1 << 24 && m <= 1 << 25, "{v}: mantissa {m}");
        let got = m as f64 / 2f64.powi(s as i32);
        let want = Q / v as f64;
        assert!((got / want - 1.0).abs() < 1e-7, "{v}");
    }
    assert!(reciprocal(511).is_err() && reciprocal(1 << 39).is_err());
}


#[test]
fn scenario_sums_match_128_bit_arithmetic() {
    use risk_engine::accumulate::ScenarioSums;
    let mut r = Rng(21);
    'cases: for case in 0..3_000 {
        let mut sums = ScenarioSums::ZERO;
        let mut exact = [0i128; 27];
        let n = 1 + r.next_u64() % 40;
        let price_bits = (r.next_u64() % 16) as u32;
        for _ in 0..n {
            // mostly ordinary, sometimes huge sizes and P&Ls (the 128-bit path)
            let big = r.next_u64() % 8 == 0;
            let size = ((r.next_u64() >> if big { 20 } else { 28 }) as i64) * if r.next_u64() % 2 == 0 { 1 } else { -1 };
            let pnl: [i64; 27] = core::array::from_fn(|_| ((r.next_u64() >> if big { 19 } else { 24 }) as i64) - (1i64 << if big { 44 } else { 39 }));
            let max = pnl.iter().map(|p| p.unsigned_abs()).max().unwrap();
            for s in 0..27 {
                exact[s] += size as i128 * pnl[s] as i128;
            }
            if sums.add(size, &pnl, max).is_err() {
                // only when a sum leaves what hi * 2^21 + lo can hold
                assert!(exact.iter().any(|x| x.unsigned_abs() >= 1 << 83), "case {case}: spurious overflow");
                continue 'cases;
            }
        }
        let allowance = (r.next_u64() % (1 << 40)) as i64;
        sums.subtract_all(allowance).unwrap();
        for s in 0..27 {
            let total = exact[s] - allowance as i128;
            let want = total.div_euclid((1i128 << price_bits) * 1_000_000);
            match sums.quote_floor(s, price_bits) {
                Ok(got) => assert_eq!(got as i128, want, "case {case} s {s}"),
                Err(_) => assert!(want > i64::MAX as i128 / 2 || want < i64::MIN as i128 / 2, "case {case}: overflow on {want}"),
            }
        }
    }
}
