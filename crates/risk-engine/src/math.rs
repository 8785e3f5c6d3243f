//! Fixed-point transcendental functions on Q16.48 (`ONE = 2^48`), integer only.
//!
//! Documented maximum errors (measured by `tests/accuracy.rs` against f64 `libm`; the bound
//! below is the design bound, the measured numbers are in the crate README):
//! - `ln_u64(x)`: |err| <= 3e-14 for every x in 1..=u64::MAX (atanh series, 10 terms, |s| <= 0.172).
//! - `exp_q(x)`: relative err <= 2e-14 for x in [0, 10.39]; absolute err <= 3 ulp (1.1e-14) below 0.
//!   Inputs below -34 return 0 (e^-34 < 1 ulp); inputs above ln(32768) overflow (error).
//! - `sqrt_q(x)`: exact floor of the Q48 square root (in `wide`): |err| < 1 ulp (3.6e-15).
//! - `ncdf(x)`: |err| <= 2e-14 absolute on the whole line (Hart 1968 / West 2005 rational form,
//!   itself 1e-16 in f64, plus Q48 rounding); `ncdf(x) + ncdf(-x) == ONE` exactly.
//! - `npdf(x)`: |err| <= 1e-14 absolute.

use crate::wide::{div, mul, ONE};
use crate::Error;

/// ln 2 in Q48.
pub const LN2: i64 = 195_103_586_505_167;
/// ln 2 beyond Q48: the next 24 bits (k ln2 = k LN2 + (k LN2_LO) >> 24 stays exact to < 1 ulp).
pub const LN2_LO: i64 = 7_973_834;
/// k ln 2 in Q48 for |k| < 2^30, floor.
#[inline]
pub fn k_ln2(k: i64) -> i64 {
    k * LN2 + ((k * LN2_LO) >> 24)
}
/// sqrt(2) in Q48.
pub const SQRT2: i64 = 398_065_729_532_861;
/// 1/sqrt(2 pi) in Q48.
pub const INV_SQRT2PI: i64 = 112_292_269_084_889;
/// sqrt(2 pi) in Q48.
pub const SQRT2PI: i64 = 705_553_135_224_033;
/// ln(1e6) in Q48 (turns ln of a 1e6-scaled integer into ln of its value).
pub const LN_1E6: i64 = 3_888_720_512_548_816;

/// Natural log of a positive integer, in Q48.
pub fn ln_u64(x: u64) -> Result<i64, Error> {
    if x == 0 {
        return Err(Error::Domain);
    }
    // x = m * 2^k with m in [sqrt(2)/2, sqrt(2)), m in Q48.
    let mut k = 63 - x.leading_zeros() as i64;
    let mut m = norm(x, k);
    if m >= SQRT2 {
        k += 1;
        m = norm(x, k);
    }
    // ln m = 2 atanh(s), s = (m-1)/(m+1), |s| <= 0.1716.
    let s = div(m - ONE, m + ONE)?;
    let s2 = mul(s, s)?;
    let mut p: i64 = ONE / 21;
    let mut i: i64 = 9;
    while i >= 0 {
        p = ONE / (2 * i + 1) + mul(s2, p)?;
        i -= 1;
    }
    Ok(k_ln2(k) + 2 * mul(s, p)?)
}

/// x / 2^k as Q48 (k = bit position), truncated.
#[inline]
fn norm(x: u64, k: i64) -> i64 {
    if k >= 48 {
        (x >> (k - 48)) as i64
    } else {
        (x << (48 - k)) as i64
    }
}

/// ln of a Q48 value > 0.
pub fn ln_q(x: i64) -> Result<i64, Error> {
    if x <= 0 {
        return Err(Error::Domain);
    }
    Ok(ln_u64(x as u64)? - k_ln2(48))
}

/// e^x = p * 2^k with p = e^r in Q48, x = k ln2 + r, |r| <= ln2/2 (shared by `exp_q` and
/// `exp_split`).
#[inline(always)]
fn exp_reduced(x: i64) -> Result<(i64, i64), Error> {
    let k = (x + LN2 / 2).div_euclid(LN2);
    let r = x - k_ln2(k);
    // e^r by Taylor to r^13/13! (Horner): p = 1 + r/1 (1 + r/2 (1 + ... (1 + r/13)))
    let mut p = ONE;
    let mut i: i64 = 13;
    while i >= 1 {
        p = ONE + mul(r, p)? / i;
        i -= 1;
    }
    Ok((p, k))
}

/// e^x for x in Q48. Returns 0 below -34; overflow error above ~10.397.
pub fn exp_q(x: i64) -> Result<i64, Error> {
    if x < -34 * ONE {
        return Ok(0);
    }
    if x > 10 * ONE + 111_795_440_405_285 {
        // > ln(32767): the result would not fit Q16.48
        return Err(Error::Overflow);
    }
    let (p, k) = exp_reduced(x)?;
    if k >= 0 {
        let v = crate::wide::shl_w(p as i128, k as u32);
        if v > i64::MAX as i128 {
            return Err(Error::Overflow);
        }
        Ok(v as i64)
    } else {
        Ok(p >> ((-k) as u32))
    }
}

/// e^x for x <= 0 as (p, s) with e^x = p * 2^-s, p in Q48 around [0.7, 1.42]: keeps relative
/// precision far below 1 ulp (used for the greeks' densities).
pub fn exp_split(x: i64) -> Result<(i64, u32), Error> {
    if x > 0 {
        return Err(Error::Domain);
    }
    let (p, k) = exp_reduced(x)?;
    Ok((p, (-k) as u32))
}

/// x^y = e^(y ln x) for x > 0 (Q48).
pub fn pow_q(x: i64, y: i64) -> Result<i64, Error> {
    exp_q(mul(y, ln_q(x)?)?)
}

// Hart (1968) 5666 rational approximation of the normal tail, coefficients divided by 1024 so
// that the Horner sums fit Q16.48 (the ratio is unchanged).
const HP: [i64; 7] = [
    9_692_881_259,
    192_519_830_813,
    1_752_061_389_447,
    9_321_897_646_098,
    30_808_121_058_701,
    60_806_730_302_746,
    60_530_002_946_448,
];
const HQ: [i64; 8] = [
    24_296_004_000,
    482_594_115_106,
    4_415_687_509_749,
    23_854_106_031_014,
    81_518_959_978_976,
    175_188_935_168_188,
    218_205_370_238_138,
    121_060_005_892_896,
];
/// 7.07106781186547 in Q48 (switch to the continued fraction).
const HART_SPLIT: i64 = 1_990_328_647_664_302;
/// Beyond 8.5 the tail is below 1e-17 (< 1 ulp): return 0.
const TAIL_CUT: i64 = 8 * ONE + ONE / 2;
/// 0.65 in Q48.
const C065: i64 = 182_958_734_861_926;

/// Upper tail Q(a) = 1 - N(a) for a >= 0, Q48.
fn normal_tail(a: i64) -> Result<i64, Error> {
    if a >= TAIL_CUT {
        return Ok(0);
    }
    let e = exp_q(-(mul(a, a)? >> 1))?;
    if a < HART_SPLIT {
        let mut n = HP[0];
        for c in &HP[1..] {
            n = mul(n, a)? + c;
        }
        let mut d = HQ[0];
        for c in &HQ[1..] {
            d = mul(d, a)? + c;
        }
        mul(e, div(n, d)?)
    } else {
        let mut b = a + C065;
        b = a + div(4 * ONE, b)?;
        b = a + div(3 * ONE, b)?;
        b = a + div(2 * ONE, b)?;
        b = a + div(ONE, b)?;
        div(e, mul(b, SQRT2PI)?)
    }
}

/// Standard normal CDF N(x), Q48 in [0, ONE]. N(x) + N(-x) == ONE exactly.
pub fn ncdf(x: i64) -> Result<i64, Error> {
    if x >= 0 {
        Ok(ONE - normal_tail(x)?)
    } else {
        normal_tail(x.checked_neg().ok_or(Error::Overflow)?)
    }
}

/// Standard normal density n(x), Q48.
pub fn npdf(x: i64) -> Result<i64, Error> {
    let a = x.checked_abs().ok_or(Error::Overflow)?;
    if a >= 9 * ONE {
        return Ok(0);
    }
    mul(exp_q(-(mul(a, a)? >> 1))?, INV_SQRT2PI)
}
