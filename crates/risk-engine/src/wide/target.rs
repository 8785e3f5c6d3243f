//! The engine's one target-dependent piece: 128-bit multiply and divide. Every target but `bpf`
//! uses the native `i128` operators; the upstream-eBPF measurement build (`npm run bench:cu`,
//! docs/compute-cost.md), whose LLVM backend cannot emit 128-bit library calls, uses `soft`:
//! the same results from `u64` operations, out of line like compiler-builtins on SBF.

/// Native 128-bit multiply and divide (every target but `bpf`).
#[cfg(not(target_arch = "bpf"))]
pub(super) mod prim {
    use crate::wide::Wide;
    #[inline(always)]
    pub fn imul(a: i64, b: i64) -> Wide {
        (a as Wide) * (b as Wide)
    }
    #[inline(always)]
    pub fn umul(a: u64, b: u64) -> u128 {
        (a as u128) * (b as u128)
    }
    /// n / d truncated (d != 0).
    #[inline(always)]
    pub fn div_trunc(n: Wide, d: i64) -> Wide {
        n / (d as Wide)
    }
    /// floor(n / d) (d > 0).
    #[inline(always)]
    pub fn div_floor(n: Wide, d: i64) -> Wide {
        n.div_euclid(d as Wide)
    }
    #[inline(always)]
    pub fn udiv(n: u128, d: u128) -> u128 {
        n / d
    }
    #[inline(always)]
    pub fn checked_mul(a: Wide, b: Wide) -> Option<Wide> {
        a.checked_mul(b)
    }
    #[inline(always)]
    pub fn checked_div(a: Wide, b: Wide) -> Option<Wide> {
        a.checked_div(b)
    }
    #[inline(always)]
    pub fn shl(x: u128, s: u32) -> u128 {
        x << s
    }
    #[inline(always)]
    pub fn ashr(x: Wide, s: u32) -> Wide {
        x >> s
    }
}

/// eBPF build: the portable implementations.
#[cfg(target_arch = "bpf")]
pub(super) mod prim {
    pub use super::soft::{
        ashr, checked_div, checked_mul, div_floor, div_trunc, imul, shl, udiv, umul,
    };
}

/// 128-bit multiply and divide from `u64` operations only (no 128-bit library calls): what the
/// upstream-eBPF build uses instead of the `i128` operators (docs/compute-cost.md). Same
/// results as the native operators for every input they accept (unit-tested below on every target).
/// The core routines are out of line on `bpf` (one call per product or quotient, as the SBF build
/// calls `__multi3`/`__divti3`), and use wrapping arithmetic only where no overflow is possible,
/// so overflow checks add nothing.
#[cfg_attr(not(any(test, target_arch = "bpf")), allow(dead_code))]
pub mod soft {
    use crate::wide::Wide;

    #[inline(always)]
    fn join(hi: u64, lo: u64) -> u128 {
        ((hi as u128) << 64) | lo as u128
    }

    /// x << s for s < 128 (variable 128-bit shifts are library calls too).
    #[inline(always)]
    pub fn shl(x: u128, s: u32) -> u128 {
        let (hi, lo) = ((x >> 64) as u64, x as u64);
        if s == 0 {
            x
        } else if s < 64 {
            join((hi << s) | (lo >> (64 - s)), lo << s)
        } else {
            join(lo << (s - 64), 0)
        }
    }

    /// x >> s (arithmetic) for s < 128.
    #[inline(always)]
    pub fn ashr(x: Wide, s: u32) -> Wide {
        let (hi, lo) = ((x >> 64) as i64, x as u64);
        if s == 0 {
            x
        } else if s < 64 {
            join((hi >> s) as u64, (lo >> s) | ((hi as u64) << (64 - s))) as Wide
        } else {
            join((hi >> 63) as u64, (hi >> (s - 64)) as u64) as Wide
        }
    }

    /// out = [lo, hi] of a * b (32-bit limbs).
    #[cfg_attr(target_arch = "bpf", inline(never))]
    pub fn umul_into(a: u64, b: u64, out: &mut [u64; 2]) {
        const M: u64 = 0xffff_ffff;
        let (a0, a1, b0, b1) = (a & M, a >> 32, b & M, b >> 32);
        let p00 = a0.wrapping_mul(b0);
        let p01 = a0.wrapping_mul(b1);
        let p10 = a1.wrapping_mul(b0);
        let p11 = a1.wrapping_mul(b1);
        // < 3 * 2^32: no overflow
        let mid = (p00 >> 32).wrapping_add(p01 & M).wrapping_add(p10 & M);
        out[0] = (p00 & M) | (mid << 32);
        out[1] = p11
            .wrapping_add(p01 >> 32)
            .wrapping_add(p10 >> 32)
            .wrapping_add(mid >> 32);
    }

    /// Exact unsigned 64x64 -> 128 product.
    #[inline(always)]
    pub fn umul(a: u64, b: u64) -> u128 {
        let mut o = [0u64; 2];
        umul_into(a, b, &mut o);
        join(o[1], o[0])
    }

    /// Exact signed 64x64 -> 128 product.
    #[inline(always)]
    pub fn imul(a: i64, b: i64) -> Wide {
        let mut o = [0u64; 2];
        umul_into(a as u64, b as u64, &mut o);
        let mut hi = o[1];
        if a < 0 {
            hi = hi.wrapping_sub(b as u64);
        }
        if b < 0 {
            hi = hi.wrapping_sub(a as u64);
        }
        join(hi, o[0]) as Wide
    }

    /// (u1:u0) / v for u1 < v: (quotient, remainder). Hacker's Delight `divlu` with 32-bit digits.
    #[inline(always)]
    fn divlu(u1: u64, u0: u64, v: u64) -> (u64, u64) {
        if u1 == 0 {
            return (u0 / v, u0 % v);
        }
        const B: u64 = 1 << 32;
        let s = v.leading_zeros();
        let v = v << s;
        let (vn1, vn0) = (v >> 32, v & (B - 1));
        let un32 = if s == 0 {
            u1
        } else {
            (u1 << s) | (u0 >> (64 - s))
        };
        let un10 = u0 << s;
        let (un1, un0) = (un10 >> 32, un10 & (B - 1));
        let mut q1 = un32 / vn1;
        let mut rhat = un32.wrapping_sub(q1.wrapping_mul(vn1));
        while q1 >= B || q1.wrapping_mul(vn0) > (rhat << 32).wrapping_add(un1) {
            q1 = q1.wrapping_sub(1);
            rhat = rhat.wrapping_add(vn1);
            if rhat >= B {
                break;
            }
        }
        let un21 = (un32 << 32)
            .wrapping_add(un1)
            .wrapping_sub(q1.wrapping_mul(v));
        let mut q0 = un21 / vn1;
        rhat = un21.wrapping_sub(q0.wrapping_mul(vn1));
        while q0 >= B || q0.wrapping_mul(vn0) > (rhat << 32).wrapping_add(un0) {
            q0 = q0.wrapping_sub(1);
            rhat = rhat.wrapping_add(vn1);
            if rhat >= B {
                break;
            }
        }
        let r = (un21 << 32)
            .wrapping_add(un0)
            .wrapping_sub(q0.wrapping_mul(v))
            >> s;
        ((q1 << 32) | q0, r)
    }

    /// n = [lo, hi] becomes n / d (d != 0); returns the remainder.
    #[cfg_attr(target_arch = "bpf", inline(never))]
    pub fn udiv64_into(n: &mut [u64; 2], d: u64) -> u64 {
        let (qh, r) = (n[1] / d, n[1] % d);
        let (ql, r) = divlu(r, n[0], d);
        n[0] = ql;
        n[1] = qh;
        r
    }

    /// n = [lo, hi] becomes n / d for a divisor of more than 64 bits (d = [lo, hi], hi != 0);
    /// returns nothing (the callers only need the quotient). Shift-and-subtract, quotient < 2^64.
    #[cfg_attr(target_arch = "bpf", inline(never))]
    pub fn udiv128_into(n: &mut [u64; 2], d: &[u64; 2]) {
        let nn = join(n[1], n[0]);
        let dd = join(d[1], d[0]);
        let sh = dd.leading_zeros() - nn.leading_zeros().min(dd.leading_zeros());
        let mut r = nn;
        let mut q: u64 = 0;
        let mut i = sh as i32;
        while i >= 0 {
            let t = shl(dd, i as u32);
            q <<= 1;
            if r >= t {
                r -= t;
                q |= 1;
            }
            i -= 1;
        }
        n[0] = q;
        n[1] = 0;
    }

    /// Unsigned 128 / 128 (d != 0).
    #[inline(always)]
    pub fn udiv(n: u128, d: u128) -> u128 {
        let mut a = [n as u64, (n >> 64) as u64];
        let dh = (d >> 64) as u64;
        if dh == 0 {
            udiv64_into(&mut a, d as u64);
        } else {
            udiv128_into(&mut a, &[d as u64, dh]);
        }
        join(a[1], a[0])
    }

    /// |n| / |d| with the remainder flag: (quotient magnitude, remainder != 0).
    #[inline(always)]
    fn udiv_i(n: Wide, d: i64) -> (u128, bool) {
        let un = n.unsigned_abs();
        let mut a = [un as u64, (un >> 64) as u64];
        let r = udiv64_into(&mut a, d.unsigned_abs());
        (join(a[1], a[0]), r != 0)
    }

    /// n / d truncated toward zero (d != 0).
    #[inline(always)]
    pub fn div_trunc(n: Wide, d: i64) -> Wide {
        let (q, _) = udiv_i(n, d);
        if (n < 0) != (d < 0) {
            (q as Wide).wrapping_neg()
        } else {
            q as Wide
        }
    }

    /// floor(n / d) for d > 0.
    #[inline(always)]
    pub fn div_floor(n: Wide, d: i64) -> Wide {
        let (q, rem) = udiv_i(n, d);
        if n < 0 {
            (q as Wide).wrapping_neg() - rem as Wide
        } else {
            q as Wide
        }
    }

    /// Checked signed 128 x 128 product.
    pub fn checked_mul(a: Wide, b: Wide) -> Option<Wide> {
        let (ua, ub) = (a.unsigned_abs(), b.unsigned_abs());
        let (a1, a0, b1, b0) = ((ua >> 64) as u64, ua as u64, (ub >> 64) as u64, ub as u64);
        if a1 != 0 && b1 != 0 {
            return None;
        }
        let p = umul(a0, b0);
        let cross = if a1 != 0 { umul(a1, b0) } else { umul(a0, b1) };
        if cross >> 64 != 0 {
            return None;
        }
        let (hi, carry) = ((p >> 64) as u64).overflowing_add(cross as u64);
        if carry {
            return None;
        }
        let m = join(hi, p as u64);
        if (a < 0) != (b < 0) {
            if m > 1u128 << 127 {
                None
            } else {
                Some((m as Wide).wrapping_neg())
            }
        } else if m > Wide::MAX as u128 {
            None
        } else {
            Some(m as Wide)
        }
    }

    /// Checked signed 128 / 128, truncated (None for d == 0 or MIN / -1).
    pub fn checked_div(n: Wide, d: Wide) -> Option<Wide> {
        if d == 0 {
            return None;
        }
        let q = udiv(n.unsigned_abs(), d.unsigned_abs());
        if (n < 0) != (d < 0) {
            Some((q as Wide).wrapping_neg())
        } else if q > Wide::MAX as u128 {
            None
        } else {
            Some(q as Wide)
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        struct Rng(u64);
        impl Rng {
            fn next(&mut self) -> u64 {
                // xorshift64*
                self.0 ^= self.0 >> 12;
                self.0 ^= self.0 << 25;
                self.0 ^= self.0 >> 27;
                self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
            }
            /// Random value with a random bit length (edge-heavy).
            fn val(&mut self) -> u64 {
                let x = self.next();
                match self.next() % 8 {
                    0 => x >> (self.next() % 64),
                    1 => [
                        0,
                        1,
                        2,
                        u64::MAX,
                        u64::MAX - 1,
                        1 << 63,
                        (1 << 63) - 1,
                        1 << 32,
                        (1 << 32) - 1,
                    ][(x % 9) as usize],
                    _ => x >> (self.next() % 16),
                }
            }
        }

        #[test]
        fn soft_matches_native_i128() {
            let mut r = Rng(0x9e37_79b9_7f4a_7c15);
            for _ in 0..100_000 {
                let (a, b) = (r.val(), r.val());
                assert_eq!(umul(a, b), a as u128 * b as u128);
                let (sa, sb) = (a as i64, b as i64);
                assert_eq!(imul(sa, sb), sa as i128 * sb as i128);
                let n = imul(sa, r.val() as i64) >> (r.next() % 64);
                let d = r.val() as i64;
                if d != 0 && !(n == i128::MIN && d == -1) {
                    assert_eq!(div_trunc(n, d), n / d as i128, "{n} / {d}");
                }
                if d > 0 {
                    assert_eq!(
                        div_floor(n, d),
                        n.div_euclid(d as i128),
                        "{n} div_euclid {d}"
                    );
                }
                let un = ((r.val() as u128) << 64) | r.val() as u128;
                let un = un >> (r.next() % 128);
                let ud = ((r.val() as u128) << (r.next() % 64)) | r.val() as u128;
                if ud != 0 {
                    assert_eq!(udiv(un, ud), un / ud, "{un} / {ud}");
                }
                let sh = (r.next() % 128) as u32;
                assert_eq!(shl(un, sh), un << sh);
                assert_eq!(ashr(n, sh), n >> sh);
                assert_eq!(ashr(-n, sh), (-n) >> sh);
                let (wa, wb) = (n, (r.val() as i64 as i128) >> (r.next() % 64));
                assert_eq!(checked_mul(wa, wb), wa.checked_mul(wb), "{wa} * {wb}");
                let wc = imul(r.val() as i64, r.val() as i64);
                assert_eq!(checked_mul(wc, wb), wc.checked_mul(wb), "{wc} * {wb}");
                assert_eq!(checked_div(wc, wb), wc.checked_div(wb), "{wc} / {wb}");
                assert_eq!(checked_div(wc, n), wc.checked_div(n), "{wc} / {n}");
            }
            for &(a, b) in &[
                (i128::MIN, 1),
                (i128::MIN, -1),
                (i128::MAX, -1),
                (i128::MIN + 1, -1),
                (1 << 64, 1 << 63),
                (-(1 << 64), 1 << 63),
                (1 << 64, -(1 << 63)),
                (1 << 126, 2),
                (-(1 << 126), 2),
            ] {
                assert_eq!(checked_mul(a, b), a.checked_mul(b), "{a} * {b}");
                assert_eq!(checked_div(a, b), a.checked_div(b), "{a} / {b}");
            }
        }
    }
}
