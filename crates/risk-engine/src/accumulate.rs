//! Exact sums of size x unit P&L per scenario in 64-bit limbs.
//!
//! A product of a size (1e6 base units, up to 2^44) and a unit P&L (price units, up to 2^59) needs
//! up to 103 bits. Each sum is kept as `hi * 2^21 + lo` with `lo` in [0, 2^21): the size is split
//! the same way (size = size_hi * 2^21 + size_lo). For ordinary positions (|size_hi| < 2^15, i.e.
//! below ~68,000 contracts, and |unit P&L| < 2^42: three times spot in price units, see
//! `grid::price_bits`) both partial products fit 63 bits, the contribution to `hi` is below 2^58,
//! and even 40 of them cannot overflow it: no 128-bit multiply and no overflow check per scenario.
//! Anything larger takes a checked 128-bit path with the same result, and from then on every add
//! to the same sums is checked. The sum is in price units x 1e6; [`ScenarioSums::quote_floor`]
//! divides it back to quote units.

use crate::grid::N_SCEN;
use crate::risk_array::UnitPnl;
use crate::wide::{self, Wide};
use crate::Error;

const LIMB: u32 = 21;
const MASK: i64 = (1 << LIMB) - 1;
/// Largest |size_hi| and |unit P&L| of the 64-bit path.
const FAST_SIZE_HI: i64 = 1 << 15;
pub const FAST_PNL: u64 = 1 << 42;
/// Most fast adds between checks (positions, collateral and the allowance).
const FAST_ADDS: u32 = 40;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScenarioSums {
    pub hi: [i64; N_SCEN],
    pub lo: [i64; N_SCEN],
    /// Fast adds so far; `FAST_ADDS` or more (or any 128-bit add) makes every later add checked.
    pub fast_adds: u32,
}

impl ScenarioSums {
    pub const ZERO: ScenarioSums = ScenarioSums { hi: [0; N_SCEN], lo: [0; N_SCEN], fast_adds: 0 };

    /// Adds `size x pnl[s]` to every scenario s; `max_abs_pnl` bounds |pnl[s]|.
    #[inline(always)]
    pub fn add(&mut self, size: i64, pnl: &UnitPnl, max_abs_pnl: u64) -> Result<(), Error> {
        let size_hi = size >> LIMB;
        let size_lo = size & MASK;
        if size_hi.unsigned_abs() >= FAST_SIZE_HI as u64 || max_abs_pnl >= FAST_PNL || self.fast_adds >= FAST_ADDS {
            return self.add_wide(size, pnl);
        }
        self.fast_adds += 1;
        for s in 0..N_SCEN {
            // |size_lo * pnl| < 2^21 * 2^42, |size_hi * pnl| < 2^15 * 2^42: the new `hi` is
            // within FAST_ADDS x 2^58 < 2^63 of 0
            let lo = self.lo[s].wrapping_add(size_lo.wrapping_mul(pnl[s]));
            let carry = size_hi.wrapping_mul(pnl[s]).wrapping_add(lo >> LIMB);
            self.hi[s] = self.hi[s].wrapping_add(carry);
            self.lo[s] = lo & MASK;
        }
        Ok(())
    }

    /// The same sum through 128-bit products (very large positions or prices).
    #[cold]
    fn add_wide(&mut self, size: i64, pnl: &UnitPnl) -> Result<(), Error> {
        self.fast_adds = FAST_ADDS;
        for s in 0..N_SCEN {
            let product: Wide = wide::wadd(wide::wmul(size, pnl[s]), self.lo[s] as Wide)?;
            let carry = wide::shr_floor(product, LIMB)?;
            self.hi[s] = self.hi[s].checked_add(carry).ok_or(Error::Overflow)?;
            self.lo[s] = (product as i64) & MASK;
        }
        Ok(())
    }

    /// Subtracts `amount` (quote units x 1e6, >= 0) from every scenario.
    pub fn subtract_all(&mut self, amount: i64) -> Result<(), Error> {
        for s in 0..N_SCEN {
            let lo = self.lo[s] - (amount & MASK);
            self.hi[s] = self.hi[s].checked_sub((amount >> LIMB) - (lo >> LIMB)).ok_or(Error::Overflow)?;
            self.lo[s] = lo & MASK;
        }
        Ok(())
    }

    /// Scenario `s` in quote units, rounded down: floor((hi * 2^21 + lo) / (2^price_bits * 1e6)).
    /// With L = 21 - price_bits (>= 6) that is floor((hi * 2^L + lo') / 1e6), lo' = lo >> price_bits:
    /// one division when that numerator fits 62 bits; otherwise as hi = 15625 a + b:
    /// hi * 2^L / 1e6 = a * 2^(L-6) + b * 2^L / 1e6.
    #[inline]
    pub fn quote_floor(&self, s: usize, price_bits: u32) -> Result<i64, Error> {
        let l = LIMB - price_bits;
        let hi = self.hi[s];
        if hi.unsigned_abs() < 1u64 << (62 - l) {
            // |numerator| < 2^62: biased by 1e6 2^43 > 2^62 it is non-negative and below 2^64
            const BIAS: u64 = 1_000_000 << 43;
            let numerator = (hi << l).wrapping_add(self.lo[s] >> price_bits);
            return Ok(((numerator as u64).wrapping_add(BIAS) / 1_000_000) as i64 - (1 << 43));
        }
        self.quote_floor_large(s, price_bits)
    }

    #[cold]
    fn quote_floor_large(&self, s: usize, price_bits: u32) -> Result<i64, Error> {
        let shift = LIMB - price_bits - 6;
        let hi = self.hi[s];
        let a = floor_div(hi, 15_625); // |a| < 2^50
        let b = hi.wrapping_sub(a.wrapping_mul(15_625));
        if a.unsigned_abs() >= 1 << (62 - shift) {
            return Err(Error::Overflow);
        }
        let whole = a << shift;
        // b in [0, 15625) and lo in [0, 2^21): a non-negative numerator below 2^36
        whole.checked_add((((b << (shift + 6)) + (self.lo[s] >> price_bits)) as u64 / 1_000_000) as i64).ok_or(Error::Overflow)
    }
}

/// floor(x / d) for d > 0 with unsigned divisions only (SBF has no signed division).
fn floor_div(x: i64, d: u64) -> i64 {
    if x >= 0 {
        (x as u64 / d) as i64
    } else {
        (((x.unsigned_abs() + d - 1) / d) as i64).wrapping_neg()
    }
}
