//! The ONE module that holds wide (128-bit) arithmetic.
//!
//! Everything else in the engine works on `i64` values: prices and sizes at 1e6, unitless
//! quantities in Q16.48 binary fixed point (`ONE = 2^48`). The only operations that need more than
//! 64 bits are listed here (64x64->128 products, 128-bit accumulators, the shift or division that
//! brings a product back, and checked narrowing). A build that must avoid `i128` (upstream eBPF,
//! see notes/bpf-measurement.md) replaces this file only.
//!
//! Rounding is explicit in every name: `floor` (toward -inf), `ceil` (toward +inf), `trunc`
//! (toward zero, what `/` does). The TypeScript mirror (`app/src/risk/wide.ts`) implements the same
//! functions with bigint and the same rounding.

use crate::Error;

/// Number of fractional bits of the unitless fixed-point format.
pub const FRAC: u32 = 48;
/// 1.0 in Q16.48.
pub const ONE: i64 = 1 << FRAC;

/// Wide accumulator type (sums of size x value products).
pub type Wide = i128;

/// Checked narrowing of a wide value to i64.
#[inline]
pub fn narrow(x: Wide) -> Result<i64, Error> {
    if x > i64::MAX as Wide || x < i64::MIN as Wide {
        Err(Error::Overflow)
    } else {
        Ok(x as i64)
    }
}

/// Exact 64x64 -> 128 product.
#[inline]
pub fn wmul(a: i64, b: i64) -> Wide {
    (a as Wide) * (b as Wide)
}

/// Checked 128-bit addition.
#[inline]
pub fn wadd(a: Wide, b: Wide) -> Result<Wide, Error> {
    a.checked_add(b).ok_or(Error::Overflow)
}

/// Q48 product, rounded toward -inf: floor(a*b / 2^48).
#[inline]
pub fn mul(a: i64, b: i64) -> Result<i64, Error> {
    narrow(wmul(a, b) >> FRAC)
}

/// Q48 product, rounded toward +inf.
#[inline]
pub fn mul_ceil(a: i64, b: i64) -> Result<i64, Error> {
    narrow(-((-wmul(a, b)) >> FRAC))
}

/// Q48 quotient a/b, truncated toward zero. b != 0.
#[inline]
pub fn div(a: i64, b: i64) -> Result<i64, Error> {
    if b == 0 {
        return Err(Error::DivByZero);
    }
    narrow(((a as Wide) << FRAC) / (b as Wide))
}

/// Q48 quotient a/b, truncated, then clamped to [-lim, lim] (no overflow possible).
#[inline]
pub fn div_clamp(a: i64, b: i64, lim: i64) -> Result<i64, Error> {
    if b == 0 {
        return Err(Error::DivByZero);
    }
    let q = ((a as Wide) << FRAC) / (b as Wide);
    Ok(if q > lim as Wide {
        lim
    } else if q < -(lim as Wide) {
        -lim
    } else {
        q as i64
    })
}

/// floor(a*b/c) for c > 0.
#[inline]
pub fn mul_div_floor(a: i64, b: i64, c: i64) -> Result<i64, Error> {
    if c <= 0 {
        return Err(Error::DivByZero);
    }
    narrow(wmul(a, b).div_euclid(c as Wide))
}

/// ceil(a*b/c) for c > 0.
#[inline]
pub fn mul_div_ceil(a: i64, b: i64, c: i64) -> Result<i64, Error> {
    if c <= 0 {
        return Err(Error::DivByZero);
    }
    narrow(-((-wmul(a, b)).div_euclid(c as Wide)))
}

/// floor(x / 2^s) of a wide value, narrowed.
#[inline]
pub fn shr_floor(x: Wide, s: u32) -> Result<i64, Error> {
    narrow(x >> s)
}

/// ceil(x / 2^s) of a wide value, narrowed.
#[inline]
pub fn shr_ceil(x: Wide, s: u32) -> Result<i64, Error> {
    narrow(-((-x) >> s))
}

/// floor(x / d) of a wide value, d > 0, narrowed.
#[inline]
pub fn wdiv_floor(x: Wide, d: i64) -> Result<i64, Error> {
    if d <= 0 {
        return Err(Error::DivByZero);
    }
    narrow(x.div_euclid(d as Wide))
}

/// Q48 square root of a non-negative Q48 value, rounded down: floor(sqrt(x * 2^48)).
pub fn sqrt_q(x: i64) -> Result<i64, Error> {
    if x < 0 {
        return Err(Error::Domain);
    }
    narrow(isqrt((x as u128) << FRAC) as Wide)
}

/// floor(sqrt(n)) by Newton's method from an over-estimate (same steps in the TS mirror).
pub fn isqrt(n: u128) -> u128 {
    if n < 2 {
        return n;
    }
    let bits = 128 - n.leading_zeros();
    let mut x: u128 = 1u128 << ((bits + 1) / 2); // >= sqrt(n)
    loop {
        let y = (x + n / x) >> 1;
        if y >= x {
            return x;
        }
        x = y;
    }
}

/// floor(x * q / 2^48) for a wide x and a Q48 q, exact (x split into 2^48 limbs).
pub fn wmul_q(x: Wide, q: i64) -> Result<Wide, Error> {
    let hi = x >> FRAC; // floor
    let lo = x - (hi << FRAC); // in [0, 2^48)
    let a = hi.checked_mul(q as Wide).ok_or(Error::Overflow)?;
    wadd(a, (lo * q as Wide) >> FRAC)
}

/// Wide product a*b (checked), for the greeks (off the on-chain path).
#[inline]
pub fn wmul_w(a: Wide, b: Wide) -> Result<Wide, Error> {
    a.checked_mul(b).ok_or(Error::Overflow)
}

/// Wide quotient a/b truncated toward zero (checked).
#[inline]
pub fn wdiv_w(a: Wide, b: Wide) -> Result<Wide, Error> {
    if b == 0 {
        return Err(Error::DivByZero);
    }
    a.checked_div(b).ok_or(Error::Overflow)
}
