//! The ONE module that holds wide (128-bit) arithmetic.
//!
//! Everything else in the engine works on `i64` values: prices and sizes at 1e6, unitless
//! quantities in Q16.48 binary fixed point (`ONE = 2^48`). The only operations that need more than
//! 64 bits are listed here (64x64->128 products, 128-bit accumulators, the shift or division that
//! brings a product back, and checked narrowing). A build that must avoid `i128` (upstream eBPF,
//! see docs/compute-cost.md) replaces `wide/target.rs` only.
//!
//! Rounding is explicit in every name: `floor` (toward -inf), `ceil` (toward +inf), `trunc`
//! (toward zero, what `/` does). The TypeScript mirror (`app/src/risk/wide.ts`) implements the same
//! functions with bigint and the same rounding.
//!
//! Multiplications and divisions of 128-bit values go through `prim`: native `i128` operators on
//! every target except `bpf`, where upstream LLVM cannot emit the `__multi3`/`__divti3` library
//! calls; there `prim` is [`soft`] (the same results from `u64` operations, each product or
//! quotient one out-of-line call, like compiler-builtins on SBF). `soft` is compiled and tested
//! against the native operators on every target.

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
    prim::imul(a, b)
}

/// Exact unsigned 64x64 -> 128 product.
#[inline]
pub fn umul(a: u64, b: u64) -> u128 {
    prim::umul(a, b)
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
    narrow(prim::div_trunc((a as Wide) << FRAC, b))
}

/// Q48 quotient a/b, truncated, then clamped to [-lim, lim] (no overflow possible).
#[inline]
pub fn div_clamp(a: i64, b: i64, lim: i64) -> Result<i64, Error> {
    if b == 0 {
        return Err(Error::DivByZero);
    }
    let q = prim::div_trunc((a as Wide) << FRAC, b);
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
    narrow(prim::div_floor(wmul(a, b), c))
}

/// ceil(a*b/c) for c > 0.
#[inline]
pub fn mul_div_ceil(a: i64, b: i64, c: i64) -> Result<i64, Error> {
    if c <= 0 {
        return Err(Error::DivByZero);
    }
    narrow(-prim::div_floor(-wmul(a, b), c))
}

/// floor(x / 2^s) of a wide value, narrowed.
#[inline]
pub fn shr_floor(x: Wide, s: u32) -> Result<i64, Error> {
    narrow(prim::ashr(x, s))
}

/// ceil(x / 2^s) of a wide value, narrowed.
#[inline]
pub fn shr_ceil(x: Wide, s: u32) -> Result<i64, Error> {
    narrow(-prim::ashr(-x, s))
}

/// floor(x / d) of a wide value, d > 0, narrowed.
#[inline]
pub fn wdiv_floor(x: Wide, d: i64) -> Result<i64, Error> {
    if d <= 0 {
        return Err(Error::DivByZero);
    }
    narrow(prim::div_floor(x, d))
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
    let mut x: u128 = prim::shl(1, (bits + 1) / 2); // >= sqrt(n)
    loop {
        let y = (x + prim::udiv(n, x)) >> 1;
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
    let a = prim::checked_mul(hi, q as Wide).ok_or(Error::Overflow)?;
    wadd(a, prim::imul(lo as i64, q) >> FRAC)
}

/// x * 2^s as a wide value (s < 128; the bits shifted out are lost, as with `<<`).
#[inline]
pub fn shl_w(x: Wide, s: u32) -> Wide {
    prim::shl(x as u128, s) as Wide
}

/// Wide product a*b (checked), for the greeks (off the on-chain path).
#[inline]
pub fn wmul_w(a: Wide, b: Wide) -> Result<Wide, Error> {
    prim::checked_mul(a, b).ok_or(Error::Overflow)
}

/// Wide quotient a/b truncated toward zero (checked).
#[inline]
pub fn wdiv_w(a: Wide, b: Wide) -> Result<Wide, Error> {
    if b == 0 {
        return Err(Error::DivByZero);
    }
    prim::checked_div(a, b).ok_or(Error::Overflow)
}

/// The target-dependent primitives (the only eBPF-measurement shim of the engine).
mod target;
use target::prim;
pub use target::soft;
