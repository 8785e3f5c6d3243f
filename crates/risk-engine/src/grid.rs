//! The scenario grid and everything computed once per market and once per expiry before any
//! option is priced (docs/risk-model.md, "Scenarios").
//!
//! 27 scenarios per underlying: spot points 0, ±R/4, ±R/2, ±3R/4 with vol {unchanged, up, down}
//! (21), ±R with vol up (2), four tails with vol up (4), tail P&L weighted R/|move|. R is the
//! market's price range widened by the oracle confidence (R_eff = R + conf_mult * conf / spot).

use crate::fixed::{exp, isqrt, ln_int, ln_q32, mul_q32, ppm_to_q32, ratio_q32, Normalized, FRAC, Q32_ONE};
use crate::params::{validate_market_params, MarketParams};
use crate::tables::INV_SQRT_YEAR_Q64;
use crate::wide;
use crate::{Error, MAX_PRICE, MAX_SLICES, YEAR_SECONDS};

/// Spot points per underlying: 0, ±R/4, ±R/2, ±3R/4, ±R, 4 tails.
pub const N_SPOT: usize = 13;
/// Scenarios per underlying.
pub const N_SCEN: usize = 27;
/// Spot point j (< 9) as a multiple of R/4; j >= 9 are the tails.
pub const SPOT_QUARTERS: [i64; 9] = [0, 1, -1, 2, -2, 3, -3, 4, -4];
/// First tail spot point.
pub const FIRST_TAIL_POINT: usize = 9;
/// Vol states of a scenario.
pub const VOL_UNCHANGED: u8 = 0;
pub const VOL_UP: u8 = 1;
pub const VOL_DOWN: u8 = 2;
/// (spot point, vol state) of each scenario.
pub const SCENARIOS: [(u8, u8); N_SCEN] = [
    (0, 0), (0, 1), (0, 2),
    (1, 0), (1, 1), (1, 2), (2, 0), (2, 1), (2, 2),
    (3, 0), (3, 1), (3, 2), (4, 0), (4, 1), (4, 2),
    (5, 0), (5, 1), (5, 2), (6, 0), (6, 1), (6, 2),
    (7, 1), (8, 1),
    (9, 1), (10, 1), (11, 1), (12, 1),
];
/// First tail scenario (its P&L is weighted R/|move|).
pub const FIRST_TAIL: usize = 23;
/// Highest shocked vol (2000%): keeps vol * sqrt(T) inside the pricer's range.
pub const MAX_SCENARIO_VOL_Q32: i64 = 20 * Q32_ONE;
const DAY: i64 = 86_400;
/// Longest accepted time to expiry: 10 years.
pub const MAX_EXPIRY_SECONDS: i64 = 10 * YEAR_SECONDS;

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
    /// Vol slices older than the max age: vol shocks widen (stale-vol add-on).
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

/// Vol-shock multipliers of one expiry: index 0 with fresh vols, 1 with stale (widened) shocks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VolShocks {
    pub up_q32: [i64; 2],
    pub down_q32: [i64; 2],
}

/// Per-expiry precomputation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SlicePrep {
    pub ready: bool,
    /// At or after expiry: options are worth their intrinsic value on spot.
    pub expired: bool,
    pub sqrt_t_q32: i64,
    /// Forward in price units (floor) and its ln (`ln_int` of that integer, Q32).
    pub forward_px: i64,
    pub ln_forward_q32: i64,
    /// Forward at each spot point, price units: F + floor(F * shift_j), and its normalized form
    /// (options' ratios of strike to forward without a division each).
    pub forward_at_px: [i64; N_SPOT],
    pub forward_at_norm: [Normalized; N_SPOT],
    /// The largest of them.
    pub forward_max_px: i64,
    pub shocks: VolShocks,
    /// Smile coefficients in Q32.
    pub atm_q32: i64,
    pub skew_q32: i64,
    pub curv_q32: i64,
}

/// Per-market precomputation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MarketPrep {
    pub spot: i64,
    /// Fractional bits of this market's price units (2^-bits quote units): as many as keep
    /// 4 x spot below 2^42, at most 15 (see [`price_bits`]).
    pub price_bits: u32,
    /// Scan range after the oracle-confidence widening, Q48.
    pub range_q48: i64,
    /// Price shift of each spot point (Q48 fraction of spot: scenario prices exact to a quote unit)
    /// and ln(1 + shift) (Q32).
    pub shift_q48: [i64; N_SPOT],
    pub ln1p_shift_q32: [i64; N_SPOT],
    /// Tail weights R_eff/|move| (Q32, at most 1; 0 for a disabled tail).
    pub tail_weight_q32: [i64; 4],
    /// P&L of one unit of the underlying itself at each spot point, price units: floor(spot * shift).
    pub spot_pnl: [i64; N_SPOT],
    pub vol_min_q32: i64,
    pub vol_max_q32: i64,
    pub vol_up_floor_q32: i64,
    pub stale: bool,
    pub slices: [SlicePrep; MAX_SLICES],
}

const EMPTY_SLICE: SlicePrep = SlicePrep {
    ready: false,
    expired: false,
    sqrt_t_q32: 0,
    forward_px: 0,
    ln_forward_q32: 0,
    forward_at_px: [0; N_SPOT],
    forward_at_norm: [Normalized::ZERO; N_SPOT],
    forward_max_px: 0,
    shocks: VolShocks { up_q32: [0; 2], down_q32: [0; 2] },
    atm_q32: 0,
    skew_q32: 0,
    curv_q32: 0,
};

impl MarketPrep {
    /// All zero, no slice ready (filled by [`MarketPrep::init`]).
    pub const EMPTY: MarketPrep = MarketPrep {
        spot: 0,
        price_bits: 0,
        range_q48: 0,
        shift_q48: [0; N_SPOT],
        ln1p_shift_q32: [0; N_SPOT],
        tail_weight_q32: [0; 4],
        spot_pnl: [0; N_SPOT],
        vol_min_q32: 0,
        vol_max_q32: 0,
        vol_up_floor_q32: 0,
        stale: false,
        slices: [EMPTY_SLICE; MAX_SLICES],
    };

    /// Validates the market state and precomputes the per-market values, in place (the program
    /// keeps this in its heap workspace: a by-value `MarketPrep` would crowd a 4 KB SBF frame).
    /// On error `self` must not be used.
    pub fn init(&mut self, m: &MarketState) -> Result<(), Error> {
        validate_market_params(&m.params)?;
        if m.spot == 0 || m.spot > MAX_PRICE {
            return Err(Error::BadPrice);
        }
        if m.n_slices as usize > MAX_SLICES {
            return Err(Error::TooManySlices);
        }
        let p = &m.params;
        // conf <= max_conf * spot (conf <= spot < 2^44: products < 2^64)
        if m.conf > m.spot || m.conf.wrapping_mul(1_000_000) > m.spot.wrapping_mul(p.max_conf_ppm as u64) {
            return Err(Error::OracleConfidenceTooWide);
        }
        for s in self.slices.iter_mut() {
            s.ready = false;
        }
        self.spot = m.spot as i64;
        self.price_bits = price_bits(m.spot);
        self.stale = m.vol_stale;
        // R_eff = R + conf_mult * conf/spot; conf/spot <= 10% (Q32 < 2^29) x conf_mult ppm (< 2^22)
        let widening_q48 = if m.conf == 0 { 0 } else { (ratio_q32(m.conf, m.spot).wrapping_mul(p.conf_mult_ppm as u64) / 1_000_000) << 16 };
        self.range_q48 = ppm_to_q48(p.price_range_ppm as i64) + widening_q48 as i64;
        let quarter = self.range_q48 >> 2;
        let tails = p.tail_moves_ppm();
        // inner points move by whole multiples of one quarter-range move (one product)
        let spot_px = self.spot << self.price_bits;
        let spot_quarter_move = mul_q48(spot_px, quarter)?;
        for j in 0..N_SPOT {
            // |quarter| < 2^48, |SPOT_QUARTERS| <= 4
            let shift = if j < FIRST_TAIL_POINT { SPOT_QUARTERS[j].wrapping_mul(quarter) } else { ppm_to_q48(tails[j - FIRST_TAIL_POINT] as i64) };
            self.shift_q48[j] = shift;
            self.ln1p_shift_q32[j] = if shift == 0 { 0 } else { ln_q32(Q32_ONE + (shift >> 16))? };
            self.spot_pnl[j] = if j < FIRST_TAIL_POINT { SPOT_QUARTERS[j].wrapping_mul(spot_quarter_move) } else { mul_q48(spot_px, shift)? };
        }
        for (w, &t) in self.tail_weight_q32.iter_mut().zip(tails.iter()) {
            let size = ppm_to_q48(t as i64).unsigned_abs();
            *w = if t == 0 {
                0
            } else if self.range_q48 as u64 >= size {
                Q32_ONE
            } else {
                ratio_q32(self.range_q48 as u64, size) as i64
            };
        }
        self.vol_min_q32 = ppm_to_q32(p.vol_min_ppm as i64);
        self.vol_max_q32 = ppm_to_q32(p.vol_max_ppm as i64);
        self.vol_up_floor_q32 = ppm_to_q32(p.vol_up_floor_ppm as i64);
        Ok(())
    }

    /// Precompute slice `i` (idempotent).
    pub fn ensure_slice(&mut self, m: &MarketState, i: usize, now: i64) -> Result<&SlicePrep, Error> {
        if i >= m.n_slices as usize {
            return Err(Error::BadSliceIndex);
        }
        if !self.slices[i].ready {
            let market = MarketTerms { spot: self.spot, price_bits: self.price_bits, range_q48: self.range_q48, shift_q48: self.shift_q48 };
            // in place: a SlicePrep is large, and a copy costs as much as filling it
            slice_prep(&market, m, &SliceCall { index: i, now }, &mut self.slices[i])?;
        }
        Ok(&self.slices[i])
    }
}

/// Fractional bits of a market's price units: unit P&Ls of linear positions (at most 3 x spot)
/// stay below 2^42, the 64-bit accumulation path (`accumulate.rs`); strikes up to `MAX_PRICE`
/// and forwards up to e^10 x spot stay below 2^59, the pricer's range. Cheap underlyings get finer
/// units so that rounding per contract stays negligible against their margin.
pub fn price_bits(spot: u64) -> u32 {
    40u32.saturating_sub(crate::fixed::bit_length(spot)).min(15)
}

/// ppm -> Q48, floor, for |ppm| < 2^21 (every fraction parameter): ppm 2^48 / 1e6 =
/// ppm 2^42 / 15625, split at 15625 so that both products stay in 64 bits.
fn ppm_to_q48(ppm: i64) -> i64 {
    let (whole, rest) = (ppm.div_euclid(15_625), ppm.rem_euclid(15_625));
    (whole << 42) + (rest << 42) / 15_625
}

/// floor(a * shift / 2^48): a price times a Q48 fraction (set-up only).
fn mul_q48(a: i64, shift_q48: i64) -> Result<i64, Error> {
    crate::fixed::mul_shr(a, shift_q48, 48)
}

/// sqrt(secs / year) in Q32, to 2^-31 relative: sqrt(secs) from a normalised u64 isqrt.
fn sqrt_years_q32(secs: i64) -> Result<i64, Error> {
    let s = secs as u64; // 1..=10y < 2^29
    let z = (s.leading_zeros() - 1) & !1; // even shift to [2^62, 2^64)
    let root = isqrt(s << z); // sqrt(s) * 2^(z/2), in [2^31, 2^32)
    // sqrt(s) / sqrt(year) * 2^32 = root * INV_SQRT_YEAR_Q64 / 2^(32 + z/2)
    wide::shr_floor(wide::umul(root, INV_SQRT_YEAR_Q64) as i128, 32 + z / 2)
}

/// What an expiry's preparation needs from its market's.
struct MarketTerms {
    spot: i64,
    price_bits: u32,
    range_q48: i64,
    shift_q48: [i64; N_SPOT],
}

/// Which slice, and when.
struct SliceCall {
    index: usize,
    now: i64,
}

/// Per-expiry precomputation into `out` (called once per used slice and evaluation). On error
/// `out` is left not ready.
fn slice_prep(mp: &MarketTerms, m: &MarketState, call: &SliceCall, out: &mut SlicePrep) -> Result<(), Error> {
    let (s, now) = (&m.slices[call.index], call.now);
    let p = &m.params;
    let vol_max = p.vol_max_ppm as i64;
    if s.atm_ppm < p.vol_min_ppm as i64 || s.atm_ppm > vol_max || s.skew_ppm.abs() > vol_max.wrapping_mul(10) || s.curv_ppm.abs() > vol_max.wrapping_mul(10) {
        return Err(Error::BadVol);
    }
    if s.basis_ppm.abs() > p.basis_max_ppm as i64 {
        return Err(Error::BadBasis);
    }
    let secs = s.expiry.checked_sub(now).ok_or(Error::BadTime)?;
    if secs > MAX_EXPIRY_SECONDS {
        return Err(Error::BadTime);
    }
    out.expired = secs <= 0;
    out.forward_max_px = 0;
    out.forward_px = if out.expired {
        mp.spot << mp.price_bits
    } else {
        out.sqrt_t_q32 = sqrt_years_q32(secs)?;
        // growth e^(b T); |b T| <= 20, T in Q32 < 2^36
        let t_q32 = (((secs as u64) << FRAC) / YEAR_SECONDS as u64) as i64;
        let growth = exp(mul_q32(ppm_to_q32(s.basis_ppm), t_q32)?)?;
        wide::shr_floor(wide::umul(mp.spot as u64, growth) as i128, FRAC - mp.price_bits)?
    };
    if out.forward_px >> mp.price_bits == 0 || (out.forward_px >> mp.price_bits) as u64 > MAX_PRICE {
        return Err(Error::BadPrice);
    }
    out.ln_forward_q32 = ln_int(out.forward_px as u64)?;
    // F_s = F + q x (one quarter-range move of F) at the inner points, F (1 + tail) at the tails;
    // forward <= 2^59, quarter move <= 2^57.3: |q x move| < 2^60
    let quarter_move = mul_q48(out.forward_px, mp.range_q48 >> 2)?;
    for j in 0..N_SPOT {
        let moved = if j < FIRST_TAIL_POINT { SPOT_QUARTERS[j].wrapping_mul(quarter_move) } else { mul_q48(out.forward_px, mp.shift_q48[j])? };
        // shifts >= -90%: 0 only for a forward below a tenth of a price unit; kept >= 1
        out.forward_at_px[j] = out.forward_px.wrapping_add(moved).max(1);
        out.forward_at_norm[j] = Normalized::new(out.forward_at_px[j] as u64);
        out.forward_max_px = out.forward_max_px.max(out.forward_at_px[j]);
    }
    if !out.expired {
        out.shocks = vol_shocks(p, secs)?;
        out.atm_q32 = ppm_to_q32(s.atm_ppm);
        out.skew_q32 = ppm_to_q32(s.skew_ppm);
        out.curv_q32 = ppm_to_q32(s.curv_ppm);
    }
    out.ready = true;
    Ok(())
}

/// Vol-shock multipliers: up 1 + up_coef * m, down max(1 - down_coef * m, down_min),
/// m = (ref / max(DTE, 1 day))^p; stale: m * stale_mult.
fn vol_shocks(p: &MarketParams, secs: i64) -> Result<VolShocks, Error> {
    let dte = secs.max(DAY);
    let reference = (p.vol_ref_days as i64).wrapping_mul(DAY); // <= 365 days
    let exponent = if dte <= reference { p.vol_exp_short_ppm } else { p.vol_exp_long_ppm };
    // ln(ref / DTE) from one ln of a ratio >= 1 (both below 2^29 seconds: shifted < 2^61)
    let log_ratio = if reference >= dte {
        ln_q32((((reference as u64) << FRAC) / dte as u64) as i64)?
    } else {
        -ln_q32((((dte as u64) << FRAC) / reference as u64) as i64)?
    };
    let fresh = exp(mul_q32(ppm_to_q32(exponent as i64), log_ratio)?)? as i64;
    let stale = mul_q32(fresh, ppm_to_q32(p.stale_vol_mult_ppm as i64))?;
    let up_coef = ppm_to_q32(p.vol_up_coef_ppm as i64);
    let down_coef = ppm_to_q32(p.vol_down_coef_ppm as i64);
    let down_min = ppm_to_q32(p.vol_down_min_mult_ppm as i64);
    let mut shocks = VolShocks::default();
    for (k, m) in [fresh, stale].into_iter().enumerate() {
        shocks.up_q32[k] = Q32_ONE + mul_q32(up_coef, m)?;
        shocks.down_q32[k] = (Q32_ONE - mul_q32(down_coef, m)?).max(down_min);
    }
    Ok(shocks)
}
