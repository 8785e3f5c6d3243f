//! Black-76 at every scenario of the grid, the cost that dominates a margin check.
//!
//! Everything that does not change across scenarios is computed once per option by
//! [`OptionPrep::new`]: ln(F_s/K) at each spot point (ln F - ln K + ln(1 + shift), with ln(1 + shift)
//! a per-market constant), the ratio of the smaller to the larger of F_s and K with the larger as the
//! unit of value, and per vol state v = sigma sqrt(T), v/2 and 1/v as a 25-bit mantissa and a shift.
//! What remains per (option x scenario) is [`OptionPrep::value_px`]: one multiply for d1, two table
//! normal CDFs, two products and the scaling back to quote units, all in 64-bit integers.
//!
//! Accuracy: value within 2e-9 * max(F_s, K) + 2^-7 quote units of f64 Black-76 (`tests/pricer.rs`
//! checks 1e-8 * max(F_s, K) + 1 unit over 100,000 random options at every scenario). Errors in
//! d1 move d1 and d2 together, which changes F N(d1) - K N(d2) only to second order, so ln and 1/v
//! need far less precision than N and the ratio; see docs/risk-model.md.

use crate::fixed::{ln_int, mul_q32, ncdf, ratio_normalized, reciprocal, umul_shr, Normalized, Q32_ONE};
use crate::grid::{MarketPrep, SlicePrep, MAX_SCENARIO_VOL_Q32, N_SPOT};
use crate::{Error, MAX_PRICE};

/// Vol states priced: unchanged, up, down, and up/down with stale (widened) shocks.
pub const N_VOL_STATES: usize = 5;
/// Index of the stale variant of a vol state (unchanged has none).
pub const fn stale_state(state: usize) -> usize {
    if state == 0 {
        0
    } else {
        state + 2
    }
}
/// The smile is evaluated at log-moneyness within ±8.
const MAX_SMILE_MONEYNESS: i64 = 8 * Q32_ONE;
/// Units of value (price units, < 2^59) are split at 2^29 so that both halves times a Q32 weight
/// fit 64 bits.
const SCALE_SPLIT: u32 = 29;

/// What a spot point contributes. With unit = max(F_s, K) and ratio = min(F_s, K)/max(F_s, K)
/// (Q32), a call is worth unit x (coef_n1 N(d1) - coef_n2 N(d2)) with (coef_n1, coef_n2) =
/// (1, ratio) when F_s >= K and (ratio, 1) otherwise, at least its intrinsic value `lower` (the
/// upper no-arbitrage bound, coef_n1, holds by construction as N <= 1 to a few 2^-32); a put is
/// the call less `put_offset` = (F_s - K)/unit (parity). "1" is stored as 2^32 - 1 so that every
/// product of a coefficient and N fits 64 bits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SpotTerms {
    pub log_moneyness_q32: i64,
    pub coef_n1: u64,
    pub coef_n2: u64,
    pub lower: i64,
    /// 0 for a call.
    pub put_offset: i64,
    pub unit_hi: u64,
    pub unit_lo: u64,
    /// Value at expiry, price units.
    pub intrinsic_px: i64,
}

/// What a vol state contributes: v = sigma sqrt(T) (Q32), v/2, and 1/v = mantissa * 2^-shift.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VolTerms {
    pub v_q32: i64,
    pub half_v_q32: i64,
    pub inv_mantissa: i64,
    pub inv_shift: u32,
}

/// The option to prepare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OptionSpec {
    pub call: bool,
    /// Strike at 1e6.
    pub strike: u64,
    /// Also prepare the stale (widened) vol states.
    pub stale: bool,
}

/// One option's scenario-independent terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OptionPrep {
    pub call: bool,
    pub expired: bool,
    /// Strike in price units.
    pub strike_px: i64,
    /// Smile vol at the base forward, Q32 (0 when expired).
    pub vol_q32: i64,
    /// max(F_s, K) over the spot points, price units: no scenario value is above it.
    pub max_value_px: u64,
    pub spots: [SpotTerms; N_SPOT],
    pub vols: [VolTerms; N_VOL_STATES],
}

impl OptionPrep {
    /// All zero (filled by [`OptionPrep::init`] before use).
    pub const EMPTY: OptionPrep = OptionPrep {
        call: false,
        expired: false,
        strike_px: 0,
        vol_q32: 0,
        max_value_px: 0,
        spots: [SpotTerms { log_moneyness_q32: 0, coef_n1: 0, coef_n2: 0, lower: 0, put_offset: 0, unit_hi: 0, unit_lo: 0, intrinsic_px: 0 }; N_SPOT],
        vols: [VolTerms { v_q32: 0, half_v_q32: 0, inv_mantissa: 0, inv_shift: 0 }; N_VOL_STATES],
    };

    /// Prepare the option `spec` on the prepared expiry `slice` of market `mp`, in place.
    pub fn init(&mut self, mp: &MarketPrep, slice: &SlicePrep, spec: &OptionSpec) -> Result<(), Error> {
        let (call, strike, stale) = (spec.call, spec.strike, spec.stale);
        if strike == 0 || strike > MAX_PRICE {
            return Err(Error::BadPrice);
        }
        self.call = call;
        self.expired = slice.expired;
        // strike <= 2^43.2, price_bits <= 15: < 2^59
        self.strike_px = (strike << mp.price_bits) as i64;
        let log_fk = slice.ln_forward_q32 - ln_int(self.strike_px as u64)?;
        let one = Q32_ONE as u64;
        let strike_px = self.strike_px;
        let strike_norm = Normalized::new(strike_px as u64);
        let put_sign = if call { 0 } else { -1i64 }; // put_offset = put_sign & offset
        self.max_value_px = (strike_px as u64).max(slice.forward_max_px as u64);
        for (j, terms) in self.spots.iter_mut().enumerate() {
            let forward = slice.forward_at_px[j];
            // prices in [1, 2^59]: |ln(F_s/K)| <= 41, so |log_moneyness| < 2^37.5 (no clamp needed)
            terms.log_moneyness_q32 = log_fk.wrapping_add(mp.ln1p_shift_q32[j]);
            if forward >= strike_px {
                let ratio = ratio_normalized(&strike_norm, &slice.forward_at_norm[j]); // K / F_s
                let complement = (one - ratio) as i64; // (F_s - K) / F_s
                terms.coef_n1 = one - 1;
                terms.coef_n2 = ratio;
                terms.lower = complement;
                terms.put_offset = put_sign & complement;
                terms.unit_hi = (forward as u64) >> SCALE_SPLIT;
                terms.unit_lo = (forward as u64) & ((1 << SCALE_SPLIT) - 1);
            } else {
                let ratio = ratio_normalized(&slice.forward_at_norm[j], &strike_norm); // F_s / K
                terms.coef_n1 = ratio;
                terms.coef_n2 = one - 1;
                terms.lower = 0;
                terms.put_offset = put_sign & (ratio as i64 - one as i64);
                terms.unit_hi = (strike_px as u64) >> SCALE_SPLIT;
                terms.unit_lo = (strike_px as u64) & ((1 << SCALE_SPLIT) - 1);
            }
        }
        if self.expired {
            for (terms, &forward) in self.spots.iter_mut().zip(slice.forward_at_px.iter()) {
                terms.intrinsic_px = (if call { forward.wrapping_sub(strike_px) } else { strike_px.wrapping_sub(forward) }).max(0);
            }
            self.vol_q32 = 0;
            return Ok(());
        }
        // smile at the base forward (sticky strike): atm + skew k + curv k^2, k = ln(K/F)
        let k = (-log_fk).clamp(-MAX_SMILE_MONEYNESS, MAX_SMILE_MONEYNESS);
        let k_squared = umul_shr(k.unsigned_abs(), k.unsigned_abs(), 32)?;
        let smile = slice.atm_q32 + mul_q32(slice.skew_q32, k)? + mul_q32(slice.curv_q32, k_squared)?;
        let vol = smile.clamp(mp.vol_min_q32, mp.vol_max_q32);
        self.vol_q32 = vol;
        let shocks = &slice.shocks;
        // vols and multipliers are positive: unsigned products
        let mut state_vols = [vol; N_VOL_STATES];
        let variants = if stale { 2 } else { 1 };
        for w in 0..variants {
            state_vols[1 + 2 * w] = umul_shr(vol as u64, shocks.up_q32[w] as u64, 32)?.max(mp.vol_up_floor_q32);
            state_vols[2 + 2 * w] = umul_shr(vol as u64, shocks.down_q32[w] as u64, 32)?;
        }
        for (terms, &sigma) in self.vols.iter_mut().zip(state_vols.iter()).take(1 + 2 * variants) {
            let sigma = sigma.clamp(mp.vol_min_q32, MAX_SCENARIO_VOL_Q32);
            let v = umul_shr(sigma as u64, slice.sqrt_t_q32 as u64, 32)?;
            let (inv_mantissa, inv_shift) = reciprocal(v)?;
            *terms = VolTerms { v_q32: v, half_v_q32: v >> 1, inv_mantissa, inv_shift };
        }
        Ok(())
    }

    /// The largest value any scenario can have: max(F_s, K) over the spot points, price units.
    pub fn max_value_px(&self) -> u64 {
        self.max_value_px
    }

    /// Value of one contract at spot point `j` and vol state `state` (see [`stale_state`]), in
    /// the market's price units (floor of the fixed-point result); never negative.
    #[inline(always)]
    pub fn value_px(&self, j: usize, state: usize) -> i64 {
        let s = &self.spots[j];
        if self.expired {
            s.intrinsic_px
        } else {
            value_at(s, &self.vols[state])
        }
    }
}

/// Black-76 value of one contract (price units) from a spot point's and a vol state's terms,
/// clamped to the no-arbitrage bounds [intrinsic, F_s] (call) and [intrinsic, K] (put).
#[inline(always)]
pub fn value_at(s: &SpotTerms, vt: &VolTerms) -> i64 {
    // |log_moneyness| <= 2^37, mantissa <= 2^25: product < 2^62; |d1| < 2^61, v < 2^39
    let d1 = (s.log_moneyness_q32.wrapping_mul(vt.inv_mantissa) >> (vt.inv_shift & 63)).wrapping_add(vt.half_v_q32);
    let n1 = ncdf(d1);
    let n2 = ncdf(d1.wrapping_sub(vt.v_q32));
    // coefficients < 2^32, N < 2^32 + 2^3: products < 2^64
    let call = ((s.coef_n1.wrapping_mul(n1) >> 32) as i64).wrapping_sub((s.coef_n2.wrapping_mul(n2) >> 32) as i64);
    // weight in [0, 2^32]
    let weight = (call.max(s.lower).wrapping_sub(s.put_offset)) as u64;
    // unit * weight / 2^32: unit_hi < 2^30, unit_lo < 2^29
    ((s.unit_hi.wrapping_mul(weight) >> 3).wrapping_add(s.unit_lo.wrapping_mul(weight) >> 32)) as i64
}

impl OptionPrep {
    /// Every scenario's value less `base`, in [`SCENARIOS`](crate::grid::SCENARIOS) order, into
    /// `out`, with the vol states `states` (fresh: [0, 1, 2]; stale: [0, 3, 4]). Spot points
    /// outermost, so each point's terms are loaded once. Values are in [0, 2^59]: differences fit.
    #[inline(always)]
    pub fn scenario_pnl(&self, states: [usize; 3], base: i64, out: &mut [i64; crate::grid::N_SCEN]) {
        if self.expired {
            for (o, &(j, _)) in out.iter_mut().zip(crate::grid::SCENARIOS.iter()) {
                *o = self.spots[j as usize].intrinsic_px.wrapping_sub(base);
            }
            return;
        }
        let [unchanged, up, down] = [&self.vols[states[0]], &self.vols[states[1]], &self.vols[states[2]]];
        out[0] = 0;
        out[1] = value_at(&self.spots[0], up).wrapping_sub(base);
        out[2] = value_at(&self.spots[0], down).wrapping_sub(base);
        for j in 1..7 {
            let spot = &self.spots[j];
            out[3 * j] = value_at(spot, unchanged).wrapping_sub(base);
            out[3 * j + 1] = value_at(spot, up).wrapping_sub(base);
            out[3 * j + 2] = value_at(spot, down).wrapping_sub(base);
        }
        for j in 7..13 {
            out[j + 14] = value_at(&self.spots[j], up).wrapping_sub(base);
        }
    }
}
