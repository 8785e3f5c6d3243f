//! Risk slides and margin (DESIGN.md §3).
//!
//! Compute layout (what the program pays for):
//! - per market, once: R, the 13 spot shifts and their `ln(1 + shift)`, tail weights;
//! - per used expiry slice, once: T, sqrt(T), forward `S e^(bT)`, `ln F`, the vol-shock
//!   multipliers `m = (ref/DTE)^p` (fresh and stale);
//! - per netted instrument, once: `ln K`, smile vol, `sigma*sqrt(T)` for the three vol states, then its
//!   risk array (27 unit values, one Black-76 per scenario: one division and two normal CDFs,
//!   no `ln`, no `pow`);
//! - per scenario, the inner loop only accumulates `size x unit value` into a 128-bit sum.
//!
//! Money: unit values are quote units x 2^16 per contract (Q16); scenario accumulators are
//! quote x 1e6 x 2^16 (size at 1e6 times Q16 value), reduced once per scenario with `floor`,
//! minus an allowance of one Q16 ulp per contract for the rounding of the unit values, so every
//! P&L is rounded against the account. Margin amounts round up, equity rounds down.

use crate::black76::{value_q48, OptionKind};
use crate::math::{exp_q, ln_q, ln_u64};
use crate::params::{validate_global_params, validate_market_params, GlobalParams, MarketParams};
use crate::wide::{
    mul, mul_div_ceil, mul_div_floor, shr_ceil, shr_floor, wadd, wdiv_floor, wmul, Wide, FRAC, ONE,
};
use crate::{Error, MAX_PRICE, MAX_SIZE, PRICE_PRECISION, YEAR_SECONDS};

pub const MAX_POSITIONS: usize = 32;
pub const MAX_COLLATERALS: usize = 8;
pub const MAX_MARKETS: usize = 4;
pub const MAX_SLICES: usize = 8;
/// Spot points per underlying: 0, ±R/4, ±R/2, ±3R/4, ±R, 4 tails.
pub const N_SPOT: usize = 13;
/// Scenarios per underlying: 7 inner points x 3 vol states + ±R (vol up) + 4 tails (vol up).
pub const N_SCEN: usize = 27;
/// Collateral asset id of the quote stablecoin (USDC); other ids are market indices.
pub const QUOTE: u8 = 255;
const DAY: i64 = 86_400;
/// Largest accepted |cost| of a position (quote units).
pub const MAX_COST: i64 = 1_000_000_000_000_000_000;
/// Q16 -> accumulator divisor: size precision x 2^16.
const ACC_DIV: i64 = PRICE_PRECISION << 16;

/// Spot point j as a multiple of R/4 (j < 9); j >= 9 are the tails.
pub const SPOT_QUARTERS: [i64; 9] = [0, 1, -1, 2, -2, 3, -3, 4, -4];
/// (spot point, vol state) of each scenario; vol state 0 = unchanged, 1 = up, 2 = down.
pub const SCENARIOS: [(u8, u8); N_SCEN] = [
    (0, 0), (0, 1), (0, 2),
    (1, 0), (1, 1), (1, 2), (2, 0), (2, 1), (2, 2),
    (3, 0), (3, 1), (3, 2), (4, 0), (4, 1), (4, 2),
    (5, 0), (5, 1), (5, 2), (6, 0), (6, 1), (6, 2),
    (7, 1), (8, 1),
    (9, 1), (10, 1), (11, 1), (12, 1),
];
/// Scenarios at +R/4 and -R/4 with vol unchanged (portfolio delta for the oracle add-on).
const S_UP_Q: usize = 3;
const S_DN_Q: usize = 6;
const FIRST_TAIL: usize = 23;

/// One expiry's vol slice and basis, as posted by the crank. Vols/skew/curvature/basis in ppm:
/// vol(k) = atm + skew k + curv k^2 with k = ln(K/F); F = S e^(basis T).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct VolSlice {
    pub expiry: i64,
    pub atm_ppm: i64,
    pub skew_ppm: i64,
    pub curv_ppm: i64,
    pub basis_ppm: i64,
}

/// One underlying's market state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
pub struct MarketState {
    /// Oracle price and confidence at 1e6.
    pub spot: u64,
    pub conf: u64,
    /// Vol slices older than the max age: shocks widen (stale-vol add-on).
    pub vol_stale: bool,
    pub n_slices: u8,
    pub slices: [VolSlice; MAX_SLICES],
    pub params: MarketParams,
}

impl MarketState {
    pub fn new(spot: u64, conf: u64, params: MarketParams) -> Self {
        MarketState { spot, conf, vol_stale: false, n_slices: 0, slices: [VolSlice::default(); MAX_SLICES], params }
    }
    pub fn push_slice(&mut self, s: VolSlice) -> Result<u8, Error> {
        if self.n_slices as usize >= MAX_SLICES {
            return Err(Error::TooManySlices);
        }
        self.slices[self.n_slices as usize] = s;
        self.n_slices += 1;
        Ok(self.n_slices - 1)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum Kind {
    Perp = 0,
    Future = 1,
    Call = 2,
    Put = 3,
}

/// A position: `size` signed at 1e6 contracts (1 contract = 1 unit of the underlying); `cost` is the
/// quote amount paid for the linear exposure (size x entry price for perps/futures, incl. funding
/// owed; 0 for options, whose premium moved through collateral). Equity counts value - cost.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
pub struct Position {
    pub market: u8,
    pub kind: Kind,
    /// Expiry slice index (futures and options; ignored for perps).
    pub slice: u8,
    /// Strike at 1e6 (options; ignored otherwise).
    pub strike: u64,
    pub size: i64,
    pub cost: i64,
}

impl Position {
    fn key(&self) -> (u8, Kind, u8, u64) {
        match self.kind {
            Kind::Perp => (self.market, self.kind, 0, 0),
            Kind::Future => (self.market, self.kind, self.slice, 0),
            _ => (self.market, self.kind, self.slice, self.strike),
        }
    }
}

/// Collateral: `asset` is [`QUOTE`] (USDC, amount in quote units) or a market index (amount at 1e6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
pub struct Collateral {
    pub asset: u8,
    pub amount: i64,
}

/// An itemised add-on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AddOn {
    pub mm: i64,
    pub im: i64,
}

impl AddOn {
    fn add(&mut self, o: AddOn) -> Result<(), Error> {
        self.mm = self.mm.checked_add(o.mm).ok_or(Error::Overflow)?;
        self.im = self.im.checked_add(o.im).ok_or(Error::Overflow)?;
        Ok(())
    }
}

/// Per-underlying output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MarketResult {
    /// Scenario P&L in quote units (rounded down; tails already weighted), with the shocks in force
    /// (stale-widened when the market's vols are stale).
    pub pnl: [i64; N_SCEN],
    pub worst: i64,
    pub worst_index: u8,
    pub naked_short: AddOn,
    pub perp_notional: AddOn,
    pub haircut: AddOn,
    pub oracle_conf: AddOn,
}

/// Full evaluation output. All amounts in quote units (USDC 1e6).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MarginResult {
    /// Collateral value + mark-to-market of positions, rounded down.
    pub equity: i64,
    pub mm: i64,
    pub im: i64,
    /// Scanning loss after the correlation credit (with the shocks in force).
    pub scan_loss: i64,
    /// Scanning loss with fresh-vol shocks (equals scan_loss when no market is stale).
    pub scan_loss_fresh: i64,
    /// Sum of per-underlying losses and the aligned joint loss (inputs of the credit).
    pub scan_loss_separate: i64,
    pub scan_loss_joint: i64,
    /// Scenario index with the worst aligned joint P&L.
    pub worst_joint_index: u8,
    pub worst_joint_pnl: i64,
    /// mm_scan * scan_loss_fresh, im_scan * scan_loss_fresh (rounded up).
    pub scan_margin: AddOn,
    pub naked_short: AddOn,
    pub perp_notional: AddOn,
    pub haircut: AddOn,
    pub oracle_conf: AddOn,
    pub stale_vol: AddOn,
    pub n_markets: u8,
    pub markets: [MarketResult; MAX_MARKETS],
}

/// Per-expiry precomputation.
#[derive(Clone, Copy, Debug, Default)]
pub struct SlicePrep {
    pub ready: bool,
    /// Years to expiry (Q48, 0 when expired), its square root.
    pub t: i64,
    pub sqrt_t: i64,
    /// Forward price (1e6, floor), its ln, and Q16 floor/ceil.
    pub fwd: i64,
    pub ln_f: i64,
    pub fwd_q16_floor: i64,
    pub fwd_q16_ceil: i64,
    /// Vol multipliers [fresh, stale].
    pub up_mult: [i64; 2],
    pub down_mult: [i64; 2],
    pub atm: i64,
    pub skew: i64,
    pub curv: i64,
}

impl SlicePrep {
    /// Not ready (= `Default`, usable in consts).
    pub const EMPTY: SlicePrep = SlicePrep {
        ready: false,
        t: 0,
        sqrt_t: 0,
        fwd: 0,
        ln_f: 0,
        fwd_q16_floor: 0,
        fwd_q16_ceil: 0,
        up_mult: [0; 2],
        down_mult: [0; 2],
        atm: 0,
        skew: 0,
        curv: 0,
    };
}

/// Per-market precomputation.
#[derive(Clone, Copy, Debug)]
pub struct MarketPrep {
    pub spot: i64,
    pub range: i64,
    pub shift: [i64; N_SPOT],
    pub ln1p: [i64; N_SPOT],
    pub tail_w: [i64; 4],
    pub vol_min: i64,
    pub vol_max: i64,
    pub up_floor: i64,
    pub slices: [SlicePrep; MAX_SLICES],
}

/// ppm -> Q48 (floor).
#[inline]
pub fn ppm_q(x: i64) -> Result<i64, Error> {
    mul_div_floor(x, ONE, 1_000_000)
}

impl MarketPrep {
    /// All zero, no slice ready (filled by [`MarketPrep::init`]).
    pub const EMPTY: MarketPrep = MarketPrep {
        spot: 0,
        range: 0,
        shift: [0; N_SPOT],
        ln1p: [0; N_SPOT],
        tail_w: [0; 4],
        vol_min: 0,
        vol_max: 0,
        up_floor: 0,
        slices: [SlicePrep::EMPTY; MAX_SLICES],
    };

    /// Validates the market state and precomputes the per-market values.
    pub fn new(m: &MarketState) -> Result<Self, Error> {
        let mut mp = MarketPrep::EMPTY;
        mp.init(m)?;
        Ok(mp)
    }

    /// [`MarketPrep::new`] in place (the program's `ws.prep` on the heap): a by-value `MarketPrep`
    /// (1.2 KB, plus its `Result` copy) would sit in the caller's stack frame (SBF: 4 KB).
    /// On error `self` is partly written and must not be used (no slice is left ready).
    pub fn init(&mut self, m: &MarketState) -> Result<(), Error> {
        self.slices = [SlicePrep::EMPTY; MAX_SLICES];
        validate_market_params(&m.params)?;
        if m.spot == 0 || m.spot > MAX_PRICE {
            return Err(Error::BadPrice);
        }
        if m.n_slices as usize > MAX_SLICES {
            return Err(Error::TooManySlices);
        }
        if crate::wide::umul(m.conf, 1_000_000) > crate::wide::umul(m.spot, m.params.max_conf_ppm as u64) {
            return Err(Error::OracleConfidenceTooWide);
        }
        let p = &m.params;
        let range = ppm_q(p.price_range_ppm as i64)?;
        self.spot = m.spot as i64;
        self.range = range;
        self.tail_w = [0; 4];
        for j in 0..N_SPOT {
            let shift = if j < 9 {
                crate::wide::imul64(SPOT_QUARTERS[j], range) / 4
            } else {
                ppm_q(p.tail_moves_ppm[j - 9] as i64)?
            };
            self.shift[j] = shift;
            self.ln1p[j] = if shift == 0 { 0 } else { ln_q(ONE + shift)? };
            if j >= 9 && shift != 0 {
                self.tail_w[j - 9] = crate::wide::div(range, shift.abs())?;
            }
        }
        self.vol_min = ppm_q(p.vol_min_ppm as i64)?;
        self.vol_max = ppm_q(p.vol_max_ppm as i64)?;
        self.up_floor = ppm_q(p.vol_up_floor_ppm as i64)?;
        Ok(())
    }

    /// Precompute slice `i` (idempotent).
    pub fn ensure_slice(&mut self, m: &MarketState, i: usize, now: i64) -> Result<(), Error> {
        if i >= m.n_slices as usize {
            return Err(Error::BadSliceIndex);
        }
        if self.slices[i].ready {
            return Ok(());
        }
        let p = &m.params;
        let s = &m.slices[i];
        let lim = p.vol_max_ppm as i64;
        if s.atm_ppm < p.vol_min_ppm as i64 || s.atm_ppm > lim || s.skew_ppm.abs() > 10 * lim || s.curv_ppm.abs() > 10 * lim {
            return Err(Error::BadVol);
        }
        if s.basis_ppm.abs() > p.basis_max_ppm as i64 {
            return Err(Error::BadBasis);
        }
        let secs = s.expiry.checked_sub(now).ok_or(Error::BadTime)?;
        if secs > 10 * YEAR_SECONDS {
            return Err(Error::BadTime);
        }
        let t = if secs > 0 { mul_div_floor(secs, ONE, YEAR_SECONDS)? } else { 0 };
        let sqrt_t = crate::wide::sqrt_q(t)?;
        // forward = S e^(b T)
        let growth = if t > 0 { exp_q(mul(ppm_q(s.basis_ppm)?, t)?)? } else { ONE };
        let fw = wmul(self.spot, growth);
        let fwd = shr_floor(fw, FRAC)?;
        if fwd <= 0 || fwd as u64 > MAX_PRICE {
            return Err(Error::BadPrice);
        }
        // m = (ref / max(DTE, 1d))^p
        let dte = if secs > DAY { secs } else { DAY };
        let reference = p.vol_ref_days as i64 * DAY;
        let pe = if dte <= reference { p.vol_exp_short_ppm } else { p.vol_exp_long_ppm };
        let lr = ln_u64(reference as u64)? - ln_u64(dte as u64)?;
        let mfresh = exp_q(mul(ppm_q(pe as i64)?, lr)?)?;
        let mstale = mul(mfresh, ppm_q(p.stale_vol_mult_ppm as i64)?)?;
        let upc = ppm_q(p.vol_up_coef_ppm as i64)?;
        let dnc = ppm_q(p.vol_down_coef_ppm as i64)?;
        let dmin = ppm_q(p.vol_down_min_mult_ppm as i64)?;
        let mut up_mult = [0i64; 2];
        let mut down_mult = [0i64; 2];
        for (k, mm) in [mfresh, mstale].iter().enumerate() {
            up_mult[k] = ONE + mul(upc, *mm)?;
            down_mult[k] = (ONE - mul(dnc, *mm)?).max(dmin);
        }
        self.slices[i] = SlicePrep {
            ready: true,
            t,
            sqrt_t,
            fwd,
            ln_f: ln_u64(fwd as u64)?,
            fwd_q16_floor: shr_floor(fw, 32)?,
            fwd_q16_ceil: shr_ceil(fw, 32)?,
            up_mult,
            down_mult,
            atm: ppm_q(s.atm_ppm)?,
            skew: ppm_q(s.skew_ppm)?,
            curv: ppm_q(s.curv_ppm)?,
        };
        Ok(())
    }
}

/// One instrument's risk arrays: unit P&L per scenario (quote Q16 per contract, fresh and stale
/// shocks) and its base value (quote x 2^48 per contract).
#[derive(Clone, Copy, Debug)]
pub struct RiskArray {
    pub pnl: [i64; N_SCEN],
    pub pnl_stale: [i64; N_SCEN],
    pub base_q48: Wide,
}

/// Compute an instrument's risk array. `stale` also fills `pnl_stale` (else it equals `pnl`).
/// The slice (if any) must have been prepared with [`MarketPrep::ensure_slice`].
// (Inlined in the upstream-eBPF measurement build: eBPF passes at most 5 arguments, in registers,
// the result pointer being one. Its one caller would inline it anyway.)
#[cfg_attr(target_arch = "bpf", inline(always))]
pub fn risk_array(mp: &MarketPrep, kind: Kind, slice: usize, strike: u64, stale: bool) -> Result<RiskArray, Error> {
    let mut ra = RiskArray { pnl: [0; N_SCEN], pnl_stale: [0; N_SCEN], base_q48: 0 };
    match kind {
        Kind::Perp | Kind::Future => {
            let px = if kind == Kind::Perp {
                mp.spot
            } else {
                let sp = mp.slices.get(slice).ok_or(Error::BadSliceIndex)?;
                if !sp.ready {
                    return Err(Error::BadSliceIndex);
                }
                sp.fwd
            };
            ra.base_q48 = (px as Wide) << FRAC;
            for (s, &(j, _)) in SCENARIOS.iter().enumerate() {
                ra.pnl[s] = shr_floor(wmul(px, mp.shift[j as usize]), 32)?;
            }
            ra.pnl_stale = ra.pnl;
        }
        Kind::Call | Kind::Put => {
            if strike == 0 || strike > MAX_PRICE {
                return Err(Error::BadPrice);
            }
            let sp = mp.slices.get(slice).ok_or(Error::BadSliceIndex)?;
            if !sp.ready {
                return Err(Error::BadSliceIndex);
            }
            let ok = if kind == Kind::Call { OptionKind::Call } else { OptionKind::Put };
            let k = strike as i64;
            // Expired: settle on spot, intrinsic value.
            let f = if sp.t > 0 { sp.fwd } else { mp.spot };
            let lnfk = if sp.t > 0 { sp.ln_f - ln_u64(strike)? } else { 0 };
            // smile vol at base, k = ln(K/F); sticky strike under the scenarios
            let km = -lnfk;
            let sig = (sp.atm + mul(sp.skew, km)? + mul(sp.curv, mul(km, km)?)?).clamp(mp.vol_min, mp.vol_max);
            let nv = if stale { 2 } else { 1 };
            // v[fresh/stale][vol state]
            let mut v = [[0i64; 3]; 2];
            for w in 0..nv {
                let up = mul(sig, sp.up_mult[w])?.max(mp.up_floor);
                let dn = mul(sig, sp.down_mult[w])?;
                v[w] = [mul(sig, sp.sqrt_t)?, mul(up, sp.sqrt_t)?, mul(dn, sp.sqrt_t)?];
            }
            let base = value_q48(ok, f, k, lnfk, v[0][0])?;
            ra.base_q48 = base;
            let b16 = shr_floor(base, 32)?;
            for (s, &(j, vs)) in SCENARIOS.iter().enumerate() {
                let j = j as usize;
                let vs = vs as usize;
                let fs = f + shr_floor(wmul(f, mp.shift[j]), FRAC)?;
                let l = lnfk + mp.ln1p[j];
                ra.pnl[s] = if s == 0 { 0 } else { shr_floor(value_q48(ok, fs, k, l, v[0][vs])?, 32)? - b16 };
                ra.pnl_stale[s] = if !stale || vs == 0 {
                    ra.pnl[s]
                } else {
                    shr_floor(value_q48(ok, fs, k, l, v[1][vs])?, 32)? - b16
                };
            }
        }
    }
    Ok(ra)
}

/// Net positions per instrument (sizes and costs summed; zero sizes kept for their cost).
pub fn net_positions(positions: &[Position], out: &mut [Position; MAX_POSITIONS]) -> Result<usize, Error> {
    if positions.len() > MAX_POSITIONS {
        return Err(Error::TooManyPositions);
    }
    let mut n = 0usize;
    for p in positions {
        if p.size.unsigned_abs() > MAX_SIZE as u64 || p.cost.unsigned_abs() > MAX_COST as u64 {
            return Err(Error::BadSize);
        }
        let key = p.key();
        let mut found = false;
        for q in out[..n].iter_mut() {
            if q.key() == key {
                q.size = q.size.checked_add(p.size).ok_or(Error::Overflow)?;
                q.cost = q.cost.checked_add(p.cost).ok_or(Error::Overflow)?;
                found = true;
                break;
            }
        }
        if !found {
            let mut c = *p;
            let (m, kd, sl, st) = key;
            c.market = m;
            c.kind = kd;
            c.slice = sl;
            c.strike = st;
            out[n] = c;
            n += 1;
        }
    }
    Ok(n)
}

/// Scan loss after the correlation credit: sep - floor(c (sep - joint)) (rounded up).
fn credited(sep: i64, joint: i64, c_ppm: u32) -> Result<i64, Error> {
    let d = sep.checked_sub(joint).ok_or(Error::Overflow)?.max(0);
    sep.checked_sub(mul_div_floor(d, c_ppm as i64, 1_000_000)?).ok_or(Error::Overflow)
}

#[inline]
fn frac_ceil(x: i64, ppm: u32) -> Result<i64, Error> {
    mul_div_ceil(x, ppm as i64, 1_000_000)
}

/// Scenario P&L in quote units from accumulator sums: floor((a - allow) / ACC_DIV), tails weighted.
// (inline(always): `allow` takes two registers, six in all; eBPF passes at most five.)
#[inline(always)]
fn reduce(a: &[Wide; N_SCEN], allow: Wide, tail_w: &[i64; 4], r: &mut [i64; N_SCEN]) -> Result<(), Error> {
    r[0] = 0;
    for s in 1..N_SCEN {
        let mut x = wdiv_floor(a[s] - allow, ACC_DIV)?;
        if s >= FIRST_TAIL {
            x = mul(x, tail_w[s - FIRST_TAIL])?;
        }
        r[s] = x;
    }
    Ok(())
}

/// One underlying: risk arrays of its netted instruments accumulated by size, collateral, scenario
/// P&L and add-ons into `ws.out.markets[mi]`; returns its equity contribution (accumulator units).
#[cfg_attr(not(target_arch = "bpf"), inline(never))]
#[cfg_attr(target_arch = "bpf", inline(always))]
fn eval_market(ws: &mut Workspace, mi: usize, m: &MarketState, n: usize, ca: i64, now: i64) -> Result<Wide, Error> {
    ws.prep.init(m)?;
    let mp = &mut ws.prep;
    let stale = m.vol_stale;
    let mut eq: Wide = 0;
    let mut acc = [0 as Wide; N_SCEN];
    let mut acc_s = [0 as Wide; N_SCEN];
    let mut allow: Wide = 0;
    let (mut sc, mut lc, mut sp, mut lp) = (0i64, 0i64, 0i64, 0i64);
    for p in ws.net[..n].iter().filter(|p| p.market as usize == mi) {
        if p.kind != Kind::Perp {
            mp.ensure_slice(m, p.slice as usize, now)?;
        }
        if p.size == 0 {
            continue;
        }
        let ra = risk_array(mp, p.kind, p.slice as usize, p.strike, stale)?;
        for s in 0..N_SCEN {
            acc[s] = wadd(acc[s], wmul(p.size, ra.pnl[s]))?;
        }
        if stale {
            for s in 0..N_SCEN {
                acc_s[s] = wadd(acc_s[s], wmul(p.size, ra.pnl_stale[s]))?;
            }
        }
        allow += p.size.unsigned_abs() as Wide;
        // equity: value rounded down for longs, up for shorts
        let unit = match p.kind {
            Kind::Perp => mp.spot << 16,
            Kind::Future => {
                let sl = &mp.slices[p.slice as usize];
                if p.size > 0 { sl.fwd_q16_floor } else { sl.fwd_q16_ceil }
            }
            _ => {
                if p.size > 0 { shr_floor(ra.base_q48, 32)? } else { shr_ceil(ra.base_q48, 32)? }
            }
        };
        eq = wadd(eq, wmul(p.size, unit))?;
        let a = p.size.abs();
        match (p.kind, p.size > 0) {
            (Kind::Call, true) => lc += a,
            (Kind::Call, false) => sc += a,
            (Kind::Put, true) => lp += a,
            (Kind::Put, false) => sp += a,
            _ => {}
        }
    }
    // positions-only P&L at ±R/4 (delta of the positions, for the delta-one notional charge)
    let pos_dpnl = wdiv_floor(acc[S_UP_Q] - allow, ACC_DIV)?
        .checked_sub(wdiv_floor(acc[S_DN_Q] - allow, ACC_DIV)?)
        .ok_or(Error::Overflow)?
        .abs();
    // collateral of this underlying moves with it
    if ca > 0 {
        eq = wadd(eq, wmul(ca, mp.spot << 16))?;
        allow += ca as Wide;
        for (s, &(j, _)) in SCENARIOS.iter().enumerate() {
            let u = shr_floor(wmul(mp.spot, mp.shift[j as usize]), 32)?;
            acc[s] = wadd(acc[s], wmul(ca, u))?;
            acc_s[s] = wadd(acc_s[s], wmul(ca, u))?;
        }
    }
    // reduced straight into ws.fresh / ws.out: 27-entry arrays by value would add to this frame
    reduce(&acc, allow, &mp.tail_w, &mut ws.fresh[mi])?;
    let mr = &mut ws.out.markets[mi];
    if stale {
        reduce(&acc_s, allow, &mp.tail_w, &mut mr.pnl)?;
    } else {
        mr.pnl = ws.fresh[mi];
    }
    let used = &mr.pnl;
    let (mut wi, mut wv) = (0usize, 0i64);
    for (s, &x) in used.iter().enumerate() {
        if x < wv {
            wv = x;
            wi = s;
        }
    }
    mr.worst = wv;
    mr.worst_index = wi as u8;
    let p = &m.params;
    // uncovered shorts: short calls beyond long calls, short puts beyond long puts (per
    // underlying). Counting delta-one cover too would break subadditivity (netting linear
    // positions across accounts can uncover shorts), so it is not done.
    let naked = (sc - lc).max(0) + (sp - lp).max(0);
    let naked_n = mul_div_ceil(naked, mp.spot, PRICE_PRECISION)?;
    mr.naked_short = AddOn { mm: frac_ceil(naked_n, p.naked_short_mm_ppm)?, im: frac_ceil(naked_n, p.naked_short_im_ppm)? };
    // delta-one notional charge: |net delta of the positions| x spot, delta from the ±R/4 slide
    // (perps, futures and options net against each other; collateral has its haircut instead)
    let half = shr_floor(wmul(mp.spot, mp.range), FRAC + 1)?.max(1);
    let lin_n = mul_div_ceil(pos_dpnl, mp.spot, half)?;
    mr.perp_notional = AddOn { mm: frac_ceil(lin_n, p.perp_mm_ppm)?, im: frac_ceil(lin_n, p.perp_im_ppm)? };
    let cv = mul_div_ceil(ca, mp.spot, PRICE_PRECISION)?;
    mr.haircut = AddOn { mm: frac_ceil(cv, p.haircut_mm_ppm)?, im: frac_ceil(cv, p.haircut_im_ppm)? };
    // oracle confidence: conf x |portfolio delta|, delta from the ±R/4 scenarios
    let dpnl = mr.pnl[S_UP_Q].checked_sub(mr.pnl[S_DN_Q]).ok_or(Error::Overflow)?.abs();
    let c = mul_div_ceil(dpnl, m.conf as i64, half)?;
    mr.oracle_conf = AddOn { mm: frac_ceil(c, p.conf_mm_mult_ppm)?, im: frac_ceil(c, p.conf_im_mult_ppm)? };
    let out = &mut ws.out;
    let mr = &out.markets[mi];
    out.naked_short.add(mr.naked_short)?;
    out.perp_notional.add(mr.perp_notional)?;
    out.haircut.add(mr.haircut)?;
    out.oracle_conf.add(mr.oracle_conf)?;
    Ok(eq)
}

/// `eval_market` in a stack frame of its own. eBPF passes at most 5 arguments (in registers), so
/// the upstream-eBPF measurement build packs four of them (SBF would pass them on the stack).
#[cfg(not(target_arch = "bpf"))]
#[inline(always)]
fn eval_market_call(ws: &mut Workspace, mi: usize, m: &MarketState, n: usize, ca: i64, now: i64) -> Result<Wide, Error> {
    eval_market(ws, mi, m, n, ca, now)
}
#[cfg(target_arch = "bpf")]
#[inline(always)]
fn eval_market_call(ws: &mut Workspace, mi: usize, m: &MarketState, n: usize, ca: i64, now: i64) -> Result<Wide, Error> {
    eval_market_packed(ws, m, &(mi, n, ca, now))
}
#[cfg(target_arch = "bpf")]
#[inline(never)]
fn eval_market_packed(ws: &mut Workspace, m: &MarketState, a: &(usize, usize, i64, i64)) -> Result<Wide, Error> {
    eval_market(ws, a.0, m, a.1, a.2, a.3)
}

/// Scratch space and output of one evaluation (4.4 KB): the program allocates it once on the heap
/// (`Box<Workspace>`, well inside the 32 KB heap) so that the market precomputation and the outputs
/// stay off the stack (SBF frames are 4 KB; the largest measured frame is 2,136 bytes, README).
#[derive(Clone, Copy, Debug)]
pub struct Workspace {
    pub net: [Position; MAX_POSITIONS],
    pub prep: MarketPrep,
    pub fresh: [[i64; N_SCEN]; MAX_MARKETS],
    pub out: MarginResult,
}

impl Workspace {
    pub fn new() -> Self {
        Workspace {
            net: [Position { market: 0, kind: Kind::Perp, slice: 0, strike: 0, size: 0, cost: 0 }; MAX_POSITIONS],
            prep: MarketPrep::EMPTY,
            fresh: [[0; N_SCEN]; MAX_MARKETS],
            out: MarginResult::default(),
        }
    }
}

impl Default for Workspace {
    fn default() -> Self {
        Self::new()
    }
}

/// Evaluate an account: equity, scenario P&L, MM, IM and itemised add-ons (convenience wrapper;
/// the program calls [`evaluate_into`] with a heap-allocated [`Workspace`]).
pub fn evaluate(
    g: &GlobalParams,
    markets: &[MarketState],
    positions: &[Position],
    collateral: &[Collateral],
    now: i64,
) -> Result<MarginResult, Error> {
    let mut ws = Workspace::new();
    evaluate_into(&mut ws, g, markets, positions, collateral, now)?;
    Ok(ws.out)
}

/// Evaluate an account into `ws.out`. `markets[i]` is market index i; positions and collateral
/// refer to it.
pub fn evaluate_into(
    ws: &mut Workspace,
    g: &GlobalParams,
    markets: &[MarketState],
    positions: &[Position],
    collateral: &[Collateral],
    now: i64,
) -> Result<(), Error> {
    validate_global_params(g)?;
    if markets.len() > MAX_MARKETS {
        return Err(Error::TooManyMarkets);
    }
    if collateral.len() > MAX_COLLATERALS {
        return Err(Error::TooManyCollaterals);
    }
    let n = net_positions(positions, &mut ws.net)?;
    ws.out = MarginResult { n_markets: markets.len() as u8, ..Default::default() };
    let mut eq: Wide = 0;
    let mut coll_amt = [0i64; MAX_MARKETS];
    for c in collateral {
        if c.amount < 0 || c.amount > MAX_SIZE {
            return Err(Error::BadSize);
        }
        if c.asset == QUOTE {
            eq = wadd(eq, wmul(c.amount, ACC_DIV))?;
        } else if (c.asset as usize) < markets.len() {
            let a = &mut coll_amt[c.asset as usize];
            *a = a.checked_add(c.amount).ok_or(Error::Overflow)?;
        } else {
            return Err(Error::BadMarketIndex);
        }
    }
    for p in &ws.net[..n] {
        if p.market as usize >= markets.len() {
            return Err(Error::BadMarketIndex);
        }
        eq = wadd(eq, -wmul(p.cost, ACC_DIV))?;
    }
    let mut any_stale = false;
    for (mi, m) in markets.iter().enumerate() {
        any_stale |= m.vol_stale;
        eq = wadd(eq, eval_market_call(ws, mi, m, n, coll_amt[mi], now)?)?;
    }
    let out = &mut ws.out;
    let fresh = &ws.fresh;
    out.equity = wdiv_floor(eq, ACC_DIV)?;
    // aggregation
    let nm = markets.len();
    let scan = |arrs: &dyn Fn(usize) -> [i64; N_SCEN]| -> Result<(i64, i64, i64, usize, i64), Error> {
        let mut sep: i64 = 0;
        let mut joint = [0i64; N_SCEN];
        for mi in 0..nm {
            let a = arrs(mi);
            let mut w = 0i64;
            for s in 0..N_SCEN {
                w = w.min(a[s]);
                joint[s] = joint[s].checked_add(a[s]).ok_or(Error::Overflow)?;
            }
            sep = sep.checked_sub(w).ok_or(Error::Overflow)?;
        }
        let (mut ji, mut jv) = (0usize, 0i64);
        for (s, &x) in joint.iter().enumerate() {
            if x < jv {
                jv = x;
                ji = s;
            }
        }
        let jl = jv.checked_neg().ok_or(Error::Overflow)?;
        Ok((credited(sep, jl, g.corr_credit_ppm)?, sep, jl, ji, jv))
    };
    let (scan_f, _, _, _, _) = scan(&|mi| fresh[mi])?;
    let mk = out.markets;
    let (scan_u, sep, jl, ji, jv) = scan(&|mi| mk[mi].pnl)?;
    let scan_u = if any_stale { scan_u.max(scan_f) } else { scan_f };
    out.scan_loss = scan_u;
    out.scan_loss_fresh = scan_f;
    out.scan_loss_separate = sep;
    out.scan_loss_joint = jl;
    out.worst_joint_index = ji as u8;
    out.worst_joint_pnl = jv;
    out.scan_margin = AddOn { mm: frac_ceil(scan_f, g.mm_scan_ppm)?, im: frac_ceil(scan_f, g.im_scan_ppm)? };
    out.stale_vol = AddOn {
        mm: frac_ceil(scan_u, g.mm_scan_ppm)? - out.scan_margin.mm,
        im: frac_ceil(scan_u, g.im_scan_ppm)? - out.scan_margin.im,
    };
    let mut tot = out.scan_margin;
    for a in [out.stale_vol, out.naked_short, out.perp_notional, out.haircut, out.oracle_conf] {
        tot.add(a)?;
    }
    out.mm = tot.mm;
    out.im = tot.im;
    Ok(())
}
