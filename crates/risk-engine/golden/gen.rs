//! Golden-vector generator shared by the `risk-golden` binary (writes `golden/vectors.json`) and
//! the `golden` test (regenerates in memory and compares byte for byte). Deterministic: its own
//! splitmix64 PRNG, integers only, JSON written by hand (every integer as a decimal string).
use risk_engine::*;
use std::fmt::Write;

pub const N_MARGIN: usize = 1000;
pub const N_PRICE: usize = 300;
pub const SEED: u64 = 0x5eed_2026;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// uniform in [lo, hi]
    fn int(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % ((hi - lo) as u64 + 1)) as i64
    }
    fn chance(&mut self, pct: u64) -> bool {
        self.next() % 100 < pct
    }
    /// log-uniform-ish integer in [lo, hi] (lo >= 1)
    fn logint(&mut self, lo: i64, hi: i64) -> i64 {
        let bits_lo = 64 - (lo as u64).leading_zeros() as i64;
        let bits_hi = 64 - (hi as u64).leading_zeros() as i64;
        let b = self.int(bits_lo, bits_hi);
        let x = self.int(1i64 << (b - 1), ((1i128 << b) - 1).min(i64::MAX as i128) as i64);
        x.clamp(lo, hi)
    }
}

const NOW0: i64 = 1_767_000_000;
const DAY: i64 = 86_400;

fn rand_params(r: &mut Rng, base: MarketParams) -> MarketParams {
    let mut p = base;
    if r.chance(60) {
        return p;
    }
    p.price_range_ppm = r.int(50_000, 400_000) as u32;
    let rg = p.price_range_ppm as i64;
    for t in p.tail_moves_ppm.iter_mut() {
        *t = match r.int(0, 3) {
            0 => 0,
            1 => -(r.int(rg, 900_000) as i32),
            _ => r.int(rg, 3_000_000) as i32,
        };
    }
    p.vol_up_coef_ppm = r.int(0, 2_000_000) as u32;
    p.vol_down_coef_ppm = r.int(0, 900_000) as u32;
    p.vol_down_min_mult_ppm = r.int(50_000, 1_000_000) as u32;
    p.vol_exp_short_ppm = r.int(0, 1_000_000) as u32;
    p.vol_exp_long_ppm = r.int(0, 1_000_000) as u32;
    p.vol_ref_days = r.int(1, 365) as u32;
    p.vol_up_floor_ppm = r.int(0, 3_000_000) as u32;
    p.stale_vol_mult_ppm = r.int(1_000_000, 4_000_000) as u32;
    p.naked_short_mm_ppm = r.int(0, 100_000) as u32;
    p.naked_short_im_ppm = r.int(p.naked_short_mm_ppm as i64, 200_000) as u32;
    p.perp_mm_ppm = r.int(0, 200_000) as u32;
    p.perp_im_ppm = r.int(p.perp_mm_ppm as i64, 300_000) as u32;
    p.haircut_mm_ppm = r.int(0, 900_000) as u32;
    p.haircut_im_ppm = r.int(p.haircut_mm_ppm as i64, 950_000) as u32;
    p.conf_mm_mult_ppm = r.int(0, 10_000_000) as u32;
    p.conf_im_mult_ppm = r.int(p.conf_mm_mult_ppm as i64, 10_000_000) as u32;
    p
}

pub struct Case {
    pub now: i64,
    pub g: GlobalParams,
    pub ms: Vec<MarketState>,
    pub ps: Vec<Position>,
    pub cs: Vec<Collateral>,
}

fn rand_case(r: &mut Rng) -> Case {
    let now = NOW0 + r.int(0, 365 * DAY);
    let g = if r.chance(50) {
        GlobalParams::default()
    } else {
        let mm = r.int(500_000, 1_000_000);
        GlobalParams { mm_scan_ppm: mm as u32, im_scan_ppm: r.int(mm, 2_000_000) as u32, corr_credit_ppm: r.int(0, 900_000) as u32 }
    };
    let nm = r.int(1, 4) as usize;
    let mut ms = Vec::new();
    for _ in 0..nm {
        let spot = r.logint(10_000, 200_000_000_000) as u64; // 0.01 .. 200k USD
        let base = MarketParams::default_with_range([160_000, 180_000, 230_000][r.int(0, 2) as usize]);
        let params = rand_params(r, base);
        let conf_cap = spot as i128 * params.max_conf_ppm as i128 / 1_000_000;
        let conf = if r.chance(2) { (conf_cap + 1 + r.int(0, 1000) as i128) as u64 } else { (conf_cap * r.int(0, 100) as i128 / 100) as u64 };
        let mut m = MarketState::new(spot, conf, params);
        m.vol_stale = r.chance(15);
        let ns = r.int(1, 8);
        for _ in 0..ns {
            let expiry = match r.int(0, 9) {
                0 => now - r.int(0, 5 * DAY),
                1 => now + r.int(1, 3600),
                _ => now + r.logint(3600, 3 * 365 * DAY),
            };
            let vmin = m.params.vol_min_ppm as i64;
            m.push_slice(VolSlice {
                expiry,
                atm_ppm: r.logint(vmin, 3_000_000),
                skew_ppm: r.int(-500_000, 500_000),
                curv_ppm: r.int(-200_000, 2_000_000),
                basis_ppm: r.int(-(m.params.basis_max_ppm as i64), m.params.basis_max_ppm as i64) / if r.chance(50) { 10 } else { 1 },
            })
            .unwrap();
        }
        ms.push(m);
    }
    let np = r.int(0, 32) as usize;
    let mut ps = Vec::new();
    for _ in 0..np {
        let mi = r.int(0, nm as i64 - 1) as usize;
        let m = &ms[mi];
        let kind = [Kind::Perp, Kind::Future, Kind::Call, Kind::Put][r.int(0, 3) as usize];
        let strike = ((m.spot as i128 * r.int(200_000, 5_000_000) as i128) / 1_000_000).max(1) as u64;
        let size = r.logint(1, 1_000_000_000) * if r.chance(50) { -1 } else { 1 };
        let cost = ((size as i128 * m.spot as i128 * r.int(800, 1200) as i128) / 1_000_000_000) as i64;
        ps.push(Position { market: mi as u8, kind, slice: r.int(0, m.n_slices as i64 - 1) as u8, strike, size, cost });
        if r.chance(10) {
            // duplicate instrument (netting)
            let mut d = *ps.last().unwrap();
            d.size = -d.size / r.int(1, 3);
            ps.push(d);
        }
    }
    ps.truncate(32);
    let nc = r.int(0, 8) as usize;
    let mut cs = Vec::new();
    for _ in 0..nc {
        let asset = if r.chance(40) { QUOTE } else { r.int(0, nm as i64 - 1) as u8 };
        cs.push(Collateral { asset, amount: r.logint(1, 1_000_000_000_000) });
    }
    Case { now, g, ms, ps, cs }
}

fn arr<I: IntoIterator<Item = i128>>(it: I) -> String {
    let v: Vec<String> = it.into_iter().map(|x| format!("\"{x}\"")).collect();
    format!("[{}]", v.join(","))
}

fn addon(a: &AddOn) -> String {
    arr([a.mm as i128, a.im as i128])
}

pub fn case_json(c: &Case) -> String {
    let mut s = String::new();
    write!(s, "{{\"now\":\"{}\",\"global\":{},\"markets\":[", c.now, arr([c.g.mm_scan_ppm as i128, c.g.im_scan_ppm as i128, c.g.corr_credit_ppm as i128])).unwrap();
    for (i, m) in c.ms.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        let sl: Vec<String> = m.slices[..m.n_slices as usize]
            .iter()
            .map(|v| arr([v.expiry as i128, v.atm_ppm as i128, v.skew_ppm as i128, v.curv_ppm as i128, v.basis_ppm as i128]))
            .collect();
        write!(
            s,
            "{{\"spot\":\"{}\",\"conf\":\"{}\",\"stale\":{},\"params\":{},\"slices\":[{}]}}",
            m.spot,
            m.conf,
            m.vol_stale,
            arr(m.params.fields().iter().map(|&x| x as i128)),
            sl.join(",")
        )
        .unwrap();
    }
    let ps: Vec<String> = c
        .ps
        .iter()
        .map(|p| arr([p.market as i128, p.kind as u8 as i128, p.slice as i128, p.strike as i128, p.size as i128, p.cost as i128]))
        .collect();
    let cs: Vec<String> = c.cs.iter().map(|x| arr([x.asset as i128, x.amount as i128])).collect();
    write!(s, "],\"positions\":[{}],\"collateral\":[{}],\"out\":", ps.join(","), cs.join(",")).unwrap();
    match evaluate(&c.g, &c.ms, &c.ps, &c.cs, c.now) {
        Err(e) => write!(s, "{{\"error\":\"{:?}\"}}", e).unwrap(),
        Ok(r) => {
            write!(
                s,
                "{{\"equity\":\"{}\",\"mm\":\"{}\",\"im\":\"{}\",\"scan\":{},\"addons\":[{}],\"markets\":[",
                r.equity,
                r.mm,
                r.im,
                arr([r.scan_loss, r.scan_loss_fresh, r.scan_loss_separate, r.scan_loss_joint, r.worst_joint_index as i64, r.worst_joint_pnl].map(|x| x as i128)),
                [&r.scan_margin, &r.naked_short, &r.perp_notional, &r.haircut, &r.oracle_conf, &r.stale_vol].map(addon).join(",")
            )
            .unwrap();
            for (i, m) in r.markets[..r.n_markets as usize].iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                write!(
                    s,
                    "{{\"pnl\":{},\"worst\":\"{}\",\"worst_index\":\"{}\",\"addons\":[{}]}}",
                    arr(m.pnl.iter().map(|&x| x as i128)),
                    m.worst,
                    m.worst_index,
                    [&m.naked_short, &m.perp_notional, &m.haircut, &m.oracle_conf].map(addon).join(",")
                )
                .unwrap();
            }
            s.push_str("]}");
        }
    }
    s.push('}');
    s
}

fn price_json(r: &mut Rng) -> String {
    let f = r.logint(1, 100_000_000_000_000) as u64;
    let k = r.logint(1, 100_000_000_000_000) as u64;
    let vol = r.logint(1, 20 * wide::ONE);
    let t = if r.chance(5) { -r.int(0, wide::ONE) } else { r.logint(1, 10 * wide::ONE) };
    let df = if r.chance(40) { wide::ONE } else { r.int(wide::ONE / 2, wide::ONE) };
    let kind = if r.chance(50) { OptionKind::Call } else { OptionKind::Put };
    let mut s = format!(
        "{{\"kind\":\"{}\",\"in\":{},\"out\":",
        if kind == OptionKind::Call { "call" } else { "put" },
        arr([f as i128, k as i128, vol as i128, t as i128, df as i128])
    );
    match black76(kind, f, k, vol, t, df) {
        Err(e) => write!(s, "{{\"error\":\"{:?}\"}}", e).unwrap(),
        Ok(g) => write!(s, "{}", arr([g.value_q, g.value as i128, g.delta, g.gamma, g.vega, g.theta])).unwrap(),
    }
    s.push('}');
    s
}

/// The whole vectors file.
pub fn generate() -> String {
    let mut r = Rng(SEED);
    let mut out = String::new();
    writeln!(out, "{{\"generator\":\"crates/risk-engine/golden/gen.rs (npm run golden)\",\"seed\":\"{SEED}\",").unwrap();
    out.push_str("\"price\":[\n");
    for i in 0..N_PRICE {
        out.push_str(&price_json(&mut r));
        out.push_str(if i + 1 < N_PRICE { ",\n" } else { "\n" });
    }
    out.push_str("],\n\"margin\":[\n");
    for i in 0..N_MARGIN {
        let c = rand_case(&mut r);
        out.push_str(&case_json(&c));
        out.push_str(if i + 1 < N_MARGIN { ",\n" } else { "\n" });
    }
    out.push_str("]}\n");
    out
}
