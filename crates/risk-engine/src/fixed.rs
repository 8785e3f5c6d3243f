//! Q32 kernels of the margin path: native 64-bit integer arithmetic only (no `i128`), so that
//! each costs tens of instructions on SBF. Unitless values are Q32 (`Q32_ONE = 2^32`).
//!
//! Every product below is annotated with the range that keeps it inside 64 bits; the ranges are
//! established by the callers' checks (documented at each function) and exercised by the tests.
//! Products and sums are written `wrapping_*` for that reason: with overflow checks on (the
//! program's release profile) a checked 64-bit multiply is compiled as a 128-bit one on BPF
//! targets, and every checked add costs several instructions, which is exactly the cost this
//! module exists to avoid. A wrong range would show as a wrong value, which the tests check
//! against f64 over the whole domain and the golden vectors check against the TypeScript mirror.
//! Accuracy (checked against f64 in `tests/fixed.rs`):
//! - [`ncdf`]: |err| <= 4e-10 (degree-3 Taylor expansion around knots 1/64 apart on [-8, 8],
//!   from the committed table in `tables.rs`);
//! - [`ln_int`]: |err| <= 1e-9; [`exp`]: relative err <= 1e-9; [`isqrt`]: exact floor.

use crate::tables::{BIT_LENGTH_BYTE, EXP2_FRAC_Q62, INV_KNOTS_Q29, LN2_Q32, LN2_Q56, LN_KNOTS_Q32, NCDF_Q32};
use crate::Error;

/// Number of fractional bits.
pub const FRAC: u32 = 32;
/// 1.0 in Q32.
pub const Q32_ONE: i64 = 1 << FRAC;
/// Spacing of the normal-tail table: 1/64 (2^26 in Q32).
const KNOT_SHIFT: u32 = 26;
/// Half a Q32 ulp (round to nearest).
const HALF: i64 = 1 << (FRAC - 1);
/// Beyond 8 the normal tail is below 2^-32: N(x) is 0 or 1 in Q32.
pub const NCDF_CUT: i64 = 8 << FRAC;

/// Number of significant bits of `x` (0 for 0): three halving steps and a byte table. BPF has
/// no count-leading-zeros instruction; the compiler's expansion of `leading_zeros` costs twice
/// as much.
#[inline]
pub fn bit_length(x: u64) -> u32 {
    let (mut x, mut n) = (x, 0u32);
    for half in [32u32, 16, 8] {
        if x >> half != 0 {
            x >>= half;
            n += half;
        }
    }
    n + BIT_LENGTH_BYTE[(x & 0xff) as usize] as u32
}

/// Leading zero bits of `x` (64 for 0).
#[inline]
pub fn leading_zeros(x: u64) -> u32 {
    64 - bit_length(x)
}

/// ppm -> Q32, floor. |ppm| <= 2^31 keeps the product below 2^63.
#[inline]
pub fn ppm_to_q32(ppm: i64) -> i64 {
    (ppm << FRAC).div_euclid(1_000_000)
}

/// The 128-bit product of two u64 as (high, low) words, from 32-bit halves in native 64-bit
/// operations (no library call).
#[inline(always)]
fn umul_wide(x: u64, y: u64) -> (u64, u64) {
    let (x1, x0, y1, y0) = (x >> 32, x & 0xffff_ffff, y >> 32, y & 0xffff_ffff);
    let low = x0.wrapping_mul(y0);
    let (mid, mid_carry) = x1.wrapping_mul(y0).overflowing_add(x0.wrapping_mul(y1));
    let (lo, lo_carry) = low.overflowing_add(mid << 32);
    let hi = x1.wrapping_mul(y1).wrapping_add(mid >> 32).wrapping_add((mid_carry as u64) << 32).wrapping_add(lo_carry as u64);
    (hi, lo)
}

/// floor(x * y / 2^shift) for unsigned x, y and shift in 1..=63; `Overflow` above 2^63 - 1.
#[inline]
pub fn umul_shr(x: u64, y: u64, shift: u32) -> Result<i64, Error> {
    let (hi, lo) = umul_wide(x, y);
    if hi >> shift != 0 {
        return Err(Error::Overflow);
    }
    let quotient = (hi << (64 - shift)) | (lo >> shift);
    if quotient >= 1 << 63 {
        return Err(Error::Overflow);
    }
    Ok(quotient as i64)
}

/// floor(a * b / 2^shift) for shift in 1..=63, exact; `Overflow` if it does not fit i64.
pub fn mul_shr(a: i64, b: i64, shift: u32) -> Result<i64, Error> {
    let (hi, lo) = umul_wide(a.unsigned_abs(), b.unsigned_abs());
    // |a b| = hi 2^64 + lo; quotient and whether a remainder is left
    if hi >> shift != 0 {
        return Err(Error::Overflow);
    }
    let quotient = (hi << (64 - shift)) | (lo >> shift);
    let rest = lo & ((1u64 << shift) - 1) != 0;
    if (a < 0) != (b < 0) {
        // floor of a negative value: -(quotient + 1) when a remainder is left
        let magnitude = quotient.checked_add(rest as u64).ok_or(Error::Overflow)?;
        if magnitude > 1 << 63 {
            return Err(Error::Overflow);
        }
        Ok((magnitude as i64).wrapping_neg())
    } else if quotient >= 1 << 63 {
        Err(Error::Overflow)
    } else {
        Ok(quotient as i64)
    }
}

/// floor(a * b / 2^32) (set-up code: per market, expiry or option, never per scenario).
#[inline]
pub fn mul_q32(a: i64, b: i64) -> Result<i64, Error> {
    mul_shr(a, b, FRAC)
}

/// a * b / c rounded up (`ceil`) or down, for 0 < c with b * c < 2^64: a = q c + r, so
/// a b / c = q b + r b / c with r b < c b. Unsigned 64-bit divisions only; `Overflow` when the
/// result does not fit 63 bits.
pub fn mul_div_u64(a: u64, b: u64, c: u64, ceil: bool) -> Result<i64, Error> {
    let (q, r) = (a / c, a % c);
    let rb = r.wrapping_mul(b);
    let rest = rb / c + (ceil && rb % c != 0) as u64;
    if b != 0 && q > (i64::MAX as u64) / b {
        return Err(Error::Overflow);
    }
    let v = q.wrapping_mul(b).checked_add(rest).ok_or(Error::Overflow)?;
    if v > i64::MAX as u64 {
        return Err(Error::Overflow);
    }
    Ok(v as i64)
}

/// ceil(amount * ppm / 1e6) for amount >= 0 (negative amounts count as 0).
#[inline]
pub fn ppm_of_ceil(amount: i64, ppm: u32) -> Result<i64, Error> {
    mul_div_u64(amount.max(0) as u64, ppm as u64, 1_000_000, true)
}

/// Standard normal CDF N(d) in Q32, for d in Q32 (any i64). Within 4e-10 of N; not clamped to
/// [0, 1] inside (+-8) (callers clamp the option values it makes).
///
/// |d| >= 8: 0 or 1. Otherwise N is expanded to 3rd order around the midpoint x0 of d's 1/64-wide
/// interval: N(x0 + t) = c0 + c1 t + c2 t^2 + c3 t^3, |t| <= 1/128 (truncation < 1e-10), every
/// Horner product below 2^32 * 2^25. (Midpoints of 1024 intervals: the index is a mask, so the
/// table access needs no bounds check.)
#[inline(always)]
pub fn ncdf(d: i64) -> u64 {
    let a = d.wrapping_add(NCDF_CUT);
    if a as u64 >= 2 * NCDF_CUT as u64 {
        // |d| >= 8 (one unsigned comparison for both sides)
        return if d < 0 { 0 } else { Q32_ONE as u64 };
    }
    // a in [0, 2^36): interval a >> 26, offset from its midpoint in [-2^25, 2^25)
    let knot = ((a >> KNOT_SHIFT) & 1023) as usize;
    let t = (a & ((1 << KNOT_SHIFT) - 1)) - (1 << (KNOT_SHIFT - 1));
    let c = &NCDF_Q32[knot];
    // |c_k| < 2^32, |p| < 2^33: every product < 2^58, every sum < 2^34
    let mut p = c[2].wrapping_add(c[3].wrapping_mul(t) >> FRAC);
    p = c[1].wrapping_add(p.wrapping_mul(t) >> FRAC);
    c[0].wrapping_add(p.wrapping_mul(t).wrapping_add(HALF) >> FRAC) as u64
}

/// ln(x) in Q32 for an integer x >= 1 (ln of a Q-scaled value: subtract `k * ln 2`).
///
/// x = 2^k * m, m in [1, 2); m is located between knots c_i = 1 + (2i + 1)/128 (64 knots), and
/// ln m = ln c_i + ln(1 + u), u = (m - c_i)/c_i, |u| <= 1/129, by a 4-term series (error < 6e-12).
pub fn ln_int(x: u64) -> Result<i64, Error> {
    if x == 0 {
        return Err(Error::Domain);
    }
    let zeros = leading_zeros(x);
    let k = 63 - zeros as i64;
    let fraction = (x << zeros) - (1 << 63); // m - 1 in Q63, [0, 2^63)
    let knot = (fraction >> 57) as usize; // 6 bits after the leading one
    let dx = fraction as i64 - (((2 * knot + 1) as i64) << 56); // m - c_i in Q63, |dx| <= 2^56
    // Q40 (|dx| <= 2^33) x Q29 (< 2^29) = Q69 < 2^62 -> Q32
    let u = (dx >> 23).wrapping_mul(INV_KNOTS_Q29[knot]) >> 37;
    // ln(1 + u) = u (1 - u/2 + u^2/3 - u^3/4); |u| <= 2^25, |p| <= 2^33
    let mut p = -(Q32_ONE / 4);
    p = Q32_ONE / 3 + (u.wrapping_mul(p) >> FRAC);
    p = -(Q32_ONE / 2) + (u.wrapping_mul(p) >> FRAC);
    p = Q32_ONE + (u.wrapping_mul(p) >> FRAC);
    let ln1p = u.wrapping_mul(p) >> FRAC;
    Ok(k_ln2(k).wrapping_add(LN_KNOTS_Q32[knot]).wrapping_add(ln1p)) // each below 2^35
}

/// ln of a Q32 value x > 0, in Q32.
pub fn ln_q32(x: i64) -> Result<i64, Error> {
    if x <= 0 {
        return Err(Error::Domain);
    }
    Ok(ln_int(x as u64)? - 32 * LN2_Q32)
}

/// k * ln 2 in Q32 (floor), |k| <= 64: exact to 2^-24 ulp through the Q56 constant
/// (|k * LN2_Q56| < 2^62).
#[inline]
fn k_ln2(k: i64) -> i64 {
    k.wrapping_mul(LN2_Q56) >> 24
}

/// e^x for x in Q32, as floor(e^x * 2^32). 0 below -23; `Overflow` above 21 (e^21 < 2^31).
///
/// x = k ln2 + j ln2/32 + r, r in [0, ln2/32): e^x = 2^k * 2^(j/32) * e^r, 2^(j/32) from the table
/// (Q62), e^r by a 5-term series (error < 2e-13), the product through one 64x64 split.
pub fn exp(x: i64) -> Result<u64, Error> {
    if x < -23 * Q32_ONE {
        return Ok(0);
    }
    if x > 21 * Q32_ONE {
        return Err(Error::Overflow);
    }
    // k = floor(x / ln2) from an unsigned division of a non-negative shifted value
    let k = ((x + 34 * LN2_Q32) as u64 / LN2_Q32 as u64) as i64 - 34;
    let r = (x - k_ln2(k)).max(0);
    let j = (((r as u64) << 5) / LN2_Q32 as u64).min(31) as usize; // r < 2^32
    let r2 = (r - ((j as i64).wrapping_mul(LN2_Q56) >> 29)).max(0); // [0, ln2/32] < 2^27
    // e^r2 - 1 = r2 (1 + r2/2 (1 + r2/3 (1 + r2/4 (1 + r2/5)))); all terms >= 0, products
    // < 2^27 * 2^33 (unsigned: no signed division on SBF)
    let r2 = r2 as u64;
    let one = Q32_ONE as u64;
    let mut p = one + r2 / 5;
    p = one + (r2.wrapping_mul(p) >> FRAC) / 4;
    p = one + (r2.wrapping_mul(p) >> FRAC) / 3;
    p = one + (r2.wrapping_mul(p) >> FRAC) / 2;
    let em1 = r2.wrapping_mul(p) >> FRAC; // < 2^26.5
    // 2^(j/32) (1 + em1) in Q62: T + T*em1/2^32 with T split at 2^31 (T < 2^63: < 2^59.5 each)
    let t = EXP2_FRAC_Q62[j];
    let v = t + ((t >> 31).wrapping_mul(em1) >> 1) + ((t & 0x7fff_ffff).wrapping_mul(em1) >> 32);
    // Q62 * 2^k -> Q32; k in [-34, 30]
    let shift = 30 - k;
    Ok(if shift >= 64 { 0 } else { v >> shift })
}

/// floor(sqrt(n)) for any u64 (Newton's method on u64 divisions).
pub fn isqrt(n: u64) -> u64 {
    if n < 2 {
        return n;
    }
    let mut x = 1u64 << bit_length(n).div_ceil(2); // >= sqrt(n)
    loop {
        let y = (x + n / x) >> 1;
        if y >= x {
            return x;
        }
        x = y;
    }
}

/// num/den in Q32 (floor-ish) for 0 < num <= den: den is normalised so its top 32 bits are the
/// divisor, so the quotient is exact to 2^-31 relative.
#[inline]
pub fn ratio_q32(num: u64, den: u64) -> u64 {
    let z = leading_zeros(den);
    let den_top = (den << z) >> 32; // [2^31, 2^32)
    (((num << z) / den_top).min(Q32_ONE as u64 - 1)) as u64
}

/// A positive integer as its top 32 bits, its leading zeros and the reciprocal of its top:
/// x ~ top 2^(32 - lz), top in [2^31, 2^32), inv = floor(2^63 / top) in (2^31, 2^32].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Normalized {
    pub top: u64,
    pub lz: u32,
    pub inv: u64,
}

impl Normalized {
    pub const ZERO: Normalized = Normalized { top: 0, lz: 0, inv: 0 };

    /// x > 0.
    pub fn new(x: u64) -> Normalized {
        let lz = leading_zeros(x);
        let top = (x << lz) >> 32;
        Normalized { top, lz, inv: (1u64 << 63) / top }
    }
}

/// small/large in Q32 for 0 < small <= large, from their normalized forms (one multiply, no
/// division): (s_top / l_top) 2^(l_lz - s_lz) = s_top l_inv 2^(l_lz - s_lz - 63). Exact to
/// 2^-30 relative; at most 2^32 - 1.
#[inline(always)]
pub fn ratio_normalized(small: &Normalized, large: &Normalized) -> u64 {
    // small <= large, so small.lz >= large.lz
    let shift = 31u32.wrapping_add(small.lz).wrapping_sub(large.lz);
    if shift > 63 {
        return 0;
    }
    ((small.top.wrapping_mul(large.inv)) >> shift).min(Q32_ONE as u64 - 1) // < 2^64
}

/// 1/v as a mantissa and shift: `d * (1/v) == (d * mantissa) >> shift` for d in Q32, with
/// mantissa in (2^24, 2^25]. v in Q32 must be in [2^9, 2^39).
pub fn reciprocal(v: i64) -> Result<(i64, u32), Error> {
    if !(1 << 9..1 << 39).contains(&v) {
        return Err(Error::BadVol);
    }
    let n = bit_length(v as u64); // 10..=39
    let mantissa = ((1u64 << (24 + n)) / v as u64) as i64;
    Ok((mantissa, n - 8))
}
