//! Shared test helpers: a deterministic PRNG and independent f64 references (libm's erfc/exp/log,
//! textbook Black-76 formulas). Nothing here calls the code under test.
#![allow(dead_code)]

pub struct Rng(pub u64);
impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
    pub fn log_range(&mut self, lo: f64, hi: f64) -> f64 {
        (lo.ln() + (hi.ln() - lo.ln()) * self.unit()).exp()
    }
}

pub const Q: f64 = 281_474_976_710_656.0; // 2^48

pub fn to_q(x: f64) -> i64 {
    (x * Q).round() as i64
}
pub fn from_q(x: i128) -> f64 {
    x as f64 / Q
}

pub fn ncdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)
}
pub fn npdf(x: f64) -> f64 {
    (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// (value, delta, gamma, vega, theta) of Black-76 in f64.
pub fn b76(call: bool, f: f64, k: f64, vol: f64, t: f64, df: f64) -> (f64, f64, f64, f64, f64) {
    if t <= 0.0 || vol <= 0.0 {
        let iv = if call { (f - k).max(0.0) } else { (k - f).max(0.0) };
        let d = if call { if f > k { df } else { 0.0 } } else if k > f { -df } else { 0.0 };
        return (df * iv, d, 0.0, 0.0, 0.0);
    }
    let v = vol * t.sqrt();
    let d1 = (f / k).ln() / v + v / 2.0;
    let d2 = d1 - v;
    let value = if call { df * (f * ncdf(d1) - k * ncdf(d2)) } else { df * (k * ncdf(-d2) - f * ncdf(-d1)) };
    let delta = if call { df * ncdf(d1) } else { -df * ncdf(-d1) };
    let gamma = df * npdf(d1) / (f * v);
    let vega = df * f * npdf(d1) * t.sqrt();
    let r = -df.ln() / t;
    let theta = -df * f * npdf(d1) * vol / (2.0 * t.sqrt()) + r * value;
    (value, delta, gamma, vega, theta)
}

use risk_engine::{Collateral, Kind, MarketParams, MarketState, Position, VolSlice};

pub const NOW: i64 = 1_767_000_000; // 2025-12-29
pub const DAY: i64 = 86_400;
/// Expiries of the test markets (days from NOW).
pub const EXPIRY_DAYS: [i64; 5] = [1, 7, 30, 90, 365];
pub const SPOTS: [u64; 4] = [88_530_000_000, 2_970_000_000, 125_000_000, 180_000];

pub fn market(i: usize) -> MarketState {
    let sym: [&[u8]; 4] = [b"BTC", b"ETH", b"SOL", b"DOGE"];
    let mut m = MarketState::new(SPOTS[i], SPOTS[i] / 2000, MarketParams::default_with_range(risk_engine::default_range_ppm(sym[i])));
    for (j, d) in EXPIRY_DAYS.iter().enumerate() {
        m.push_slice(VolSlice {
            expiry: NOW + d * DAY,
            atm_ppm: [450_000, 600_000, 800_000, 1_000_000][i] + 20_000 * j as i64,
            skew_ppm: -100_000,
            curv_ppm: 300_000,
            basis_ppm: 50_000,
        })
        .unwrap();
    }
    m
}

pub fn markets(n: usize) -> Vec<MarketState> {
    (0..n).map(market).collect()
}

/// Strike as a fraction of spot (ppm) -> 1e6 price.
pub fn strike(mi: usize, ppm: u64) -> u64 {
    (SPOTS[mi] as u128 * ppm as u128 / 1_000_000) as u64
}

pub fn opt(mi: usize, call: bool, slice: u8, k_ppm: u64, size: i64) -> Position {
    Position { market: mi as u8, kind: if call { Kind::Call } else { Kind::Put }, slice, strike: strike(mi, k_ppm), size, cost: 0 }
}
pub fn perp(mi: usize, size: i64) -> Position {
    let cost = ((size as i128 * SPOTS[mi] as i128) / 1_000_000) as i64;
    Position { market: mi as u8, kind: Kind::Perp, slice: 0, strike: 0, size, cost }
}
pub fn fut(mi: usize, slice: u8, size: i64) -> Position {
    let cost = ((size as i128 * SPOTS[mi] as i128) / 1_000_000) as i64;
    Position { market: mi as u8, kind: Kind::Future, slice, strike: 0, size, cost }
}
pub fn usdc(amount: i64) -> Collateral {
    Collateral::quote(amount)
}
