//! Black-76 on a forward, in fixed point.
//!
//! Units: forward and strike are prices at 1e6 (`PRICE_PRECISION`); `vol` (annualised, 1.0 = 100%),
//! `t` (years of 365 days) and the discount factor `df` are Q48. A contract is 1 unit of the
//! underlying, so a contract's value is a price: `value_q` is quote units x 2^48 per contract
//! (exact products of integers; no rounding until the caller rounds against the account).

use crate::math::{exp_split, ln_q, ln_u64, ncdf, INV_SQRT2PI};
use crate::wide::{self, div_clamp, mul, sqrt_q, wmul, wmul_q, wmul_w, wdiv_w, Wide, FRAC, ONE};
use crate::{Error, MAX_PRICE, PRICE_PRECISION};

/// |d1| is clamped to 40 (N(40) == 1 in Q48).
pub const D_LIM: i64 = 40 * ONE;
/// Highest accepted vol for pricing: 2000%.
pub const MAX_VOL_Q: i64 = 20 * ONE;
/// Longest accepted time: 10 years.
pub const MAX_T_Q: i64 = 10 * ONE;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptionKind {
    Call,
    Put,
}

/// Undiscounted value of one contract (quote units x 2^48). `lnfk` = ln(F/K) in Q48, `v` = vol*sqrt(T)
/// in Q48 (v <= 0 means expired or zero vol: intrinsic value). Result clamped to [0, F] (call) or
/// [0, K] (put); call - put == (F - K) * 2^48 exactly.
// (Inlined in the upstream-eBPF measurement build: eBPF passes at most 5 arguments, in registers.)
#[cfg_attr(target_arch = "bpf", inline(always))]
pub fn value_q48(kind: OptionKind, f: i64, k: i64, lnfk: i64, v: i64) -> Result<Wide, Error> {
    if v <= 0 {
        return Ok(intrinsic(kind, f, k));
    }
    let d1 = div_clamp(lnfk, v, D_LIM)? + (v >> 1);
    let d2 = d1 - v;
    let n1 = ncdf(d1)?;
    let n2 = ncdf(d2)?;
    // call clamped to its no-arbitrage bounds [max(F-K, 0), F]; put by parity (exact in integers:
    // K(1-N2) - F(1-N1) == call - (F-K) since ncdf(-x) == ONE - ncdf(x)).
    let fk = ((f - k) as Wide) << FRAC;
    let call = (wmul(f, n1) - wmul(k, n2)).clamp(fk.max(0), (f as Wide) << FRAC);
    Ok(match kind {
        OptionKind::Call => call,
        OptionKind::Put => call - fk,
    })
}

/// Intrinsic value (quote units x 2^48 per contract).
#[inline]
pub fn intrinsic(kind: OptionKind, f: i64, k: i64) -> Wide {
    let x = match kind {
        OptionKind::Call => f - k,
        OptionKind::Put => k - f,
    };
    if x > 0 {
        (x as Wide) << FRAC
    } else {
        0
    }
}

/// Value and greeks of one contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Greeks {
    /// Discounted value, quote units x 2^48.
    pub value_q: Wide,
    /// Discounted value in quote units, rounded down.
    pub value: i64,
    /// dV/dF, Q48 (unitless).
    pub delta: Wide,
    /// d2V/dF2 per 1 quote currency unit (1 USD) of forward, Q48.
    pub gamma: Wide,
    /// dV/dvol in USD per 1.00 (100 vol points), Q48.
    pub vega: Wide,
    /// dV/dt in USD per year of time passing (calendar decay, usually negative), Q48.
    pub theta: Wide,
}

/// Black-76 value and greeks. `f`, `k`: 1e6 prices; `vol`, `t`, `df`: Q48.
/// At or after expiry (`t <= 0`) or with zero vol: intrinsic value, delta 0/1, other greeks 0.
pub fn black76(kind: OptionKind, f: u64, k: u64, vol: i64, t: i64, df: i64) -> Result<Greeks, Error> {
    if f == 0 || k == 0 || f > MAX_PRICE || k > MAX_PRICE {
        return Err(Error::BadPrice);
    }
    if !(0..=MAX_VOL_Q).contains(&vol) {
        return Err(Error::BadVol);
    }
    if t > MAX_T_Q {
        return Err(Error::BadTime);
    }
    if df <= 0 || df > ONE {
        return Err(Error::BadDiscount);
    }
    let (fi, ki) = (f as i64, k as i64);
    let sqrt_t = if t > 0 { sqrt_q(t)? } else { 0 };
    let v = if t > 0 { mul(vol, sqrt_t)? } else { 0 };
    if v <= 0 {
        let iv = wmul_q(intrinsic(kind, fi, ki), df)?;
        let itm = match kind {
            OptionKind::Call => fi > ki,
            OptionKind::Put => ki > fi,
        };
        let delta = if !itm {
            0
        } else if kind == OptionKind::Call {
            df as Wide
        } else {
            -(df as Wide)
        };
        return Ok(Greeks { value_q: iv, value: wide::shr_floor(iv, FRAC)?, delta, gamma: 0, vega: 0, theta: 0 });
    }
    let lnfk = ln_u64(f)? - ln_u64(k)?;
    let raw = value_q48(kind, fi, ki, lnfk, v)?;
    let value_q = if df == ONE { raw } else { wmul_q(raw, df)? };
    let d1 = div_clamp(lnfk, v, D_LIM)? + (v >> 1);
    let n1c = ncdf(d1)?;
    let delta = match kind {
        OptionKind::Call => mul(df, n1c)? as Wide,
        OptionKind::Put => mul(df, n1c - ONE)? as Wide,
    };
    // df * n(d1) = dm * 2^-sh (mantissa/exponent: relative precision kept in the tails)
    let (em, sh) = exp_split(-(wide::wmul(d1, d1) >> (FRAC + 1)).min(4000 * ONE as Wide) as i64)?;
    let dm = mul(mul(em, INV_SQRT2PI)?, df)? as Wide;
    let down = |x: Wide| -> Wide { if sh >= 127 { 0 } else { x >> sh } };
    let pp = PRICE_PRECISION as Wide;
    // gamma = df n(d1) / (F v), F in USD
    let gamma = down(wdiv_w(wmul_w(dm * pp, 1 << FRAC)?, wmul(fi, v))?);
    // F * df * n(d1) in USD, Q48 (before the 2^-sh)
    let fdn = wmul_w(fi as Wide, dm)? / pp;
    let vega = down(wmul_w(fdn, sqrt_t as Wide)? >> FRAC);
    let mut theta = -down(wdiv_w(wmul_w(fdn, vol as Wide)?, 2 * sqrt_t as Wide)?);
    if df != ONE {
        // + r V with r = -ln(df)/T
        // r = -ln(df)/T = u g / T with u = 1 - df exact and g = -ln(df)/u (series near df = 1)
        let u = ONE - df;
        let g = if u >= ONE / 1000 {
            wide::div(-ln_q(df)?, u)?
        } else {
            // 1 + u/2 + u^2/3 + u^3/4 + u^4/5
            let mut g = ONE / 5;
            for d in [4i64, 3, 2, 1] {
                g = ONE / d + mul(u, g)?;
            }
            g
        };
        let vg = wmul_q(value_q / pp, g)?;
        theta += wdiv_w(wmul_w(vg, u as Wide)?, t as Wide)?;
    }
    Ok(Greeks { value_q, value: wide::shr_floor(value_q, FRAC)?, delta, gamma, vega, theta })
}
