// Bit-exact mirror of crates/risk-engine/src/fixed.rs: the Q32 kernels of the margin path. The
// Rust code writes its products `wrapping_*` where the ranges keep them inside 64 bits; here
// they are exact bigint operations, which is the same thing on every input the engine accepts.
import { BIT_LENGTH_BYTE, EXP2_FRAC_Q62, INV_KNOTS_Q29, LN2_Q32, LN2_Q56, LN_KNOTS_Q32, NCDF_Q32 } from "./tables.generated";
import { RiskError } from "./wide";

export const FRAC32 = 32n;
export const Q32_ONE = 1n << 32n;
const KNOT_SHIFT = 26n;
const HALF = 1n << 31n;
export const NCDF_CUT = 8n << 32n;
const U64 = (1n << 64n) - 1n;
const I64_MAX = (1n << 63n) - 1n;

export function bitLength(x: bigint): number {
  let n = 0;
  for (const half of [32n, 16n, 8n]) {
    if (x >> half !== 0n) {
      x >>= half;
      n += Number(half);
    }
  }
  return n + Number(BIT_LENGTH_BYTE[Number(x & 0xffn)]);
}
export const leadingZeros = (x: bigint): number => 64 - bitLength(x);

/** ppm -> Q32, floor (bigint >> and floor division agree for a positive divisor). */
export const ppmToQ32 = (ppm: bigint | number): bigint => floorDiv(BigInt(ppm) << 32n, 1_000_000n);

export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && (a < 0n) !== (b < 0n) ? q - 1n : q;
}

/** floor(a * b / 2^shift), Overflow outside i64. */
export function mulShr(a: bigint, b: bigint, shift: bigint): bigint {
  const v = (a * b) >> shift;
  if (v > I64_MAX || v < -(1n << 63n)) throw new RiskError("Overflow");
  return v;
}
export const mulQ32 = (a: bigint, b: bigint): bigint => mulShr(a, b, 32n);
export function umulShr(x: bigint, y: bigint, shift: bigint): bigint {
  const v = (x * y) >> shift;
  if (v > I64_MAX) throw new RiskError("Overflow");
  return v;
}

/** a * b / c rounded up or down (a, b >= 0, c > 0), Overflow above i64. */
export function mulDivU64(a: bigint, b: bigint, c: bigint, ceil: boolean): bigint {
  const n = a * b;
  let v = n / c;
  if (ceil && n % c !== 0n) v += 1n;
  if (v > I64_MAX) throw new RiskError("Overflow");
  return v;
}
export const ppmOfCeil = (amount: bigint, ppm: number): bigint => mulDivU64(amount > 0n ? amount : 0n, BigInt(ppm), 1_000_000n, true);

/** N(d) in Q32 (d in Q32): table of cubic expansions at the midpoints of [-8, 8] cut in 1024. */
export function ncdf(d: bigint): bigint {
  const a = d + NCDF_CUT;
  if (a < 0n || a >= 2n * NCDF_CUT) return d < 0n ? 0n : Q32_ONE;
  const knot = Number((a >> KNOT_SHIFT) & 1023n);
  const t = (a & ((1n << KNOT_SHIFT) - 1n)) - (1n << (KNOT_SHIFT - 1n));
  const c = NCDF_Q32[knot];
  let p = c[2] + ((c[3] * t) >> FRAC32);
  p = c[1] + ((p * t) >> FRAC32);
  return c[0] + ((p * t + HALF) >> FRAC32);
}

const kLn2 = (k: bigint): bigint => (k * LN2_Q56) >> 24n;

/** ln(x) in Q32 for an integer x >= 1. */
export function lnInt(x: bigint): bigint {
  if (x <= 0n) throw new RiskError("Domain");
  const zeros = BigInt(leadingZeros(x));
  const k = 63n - zeros;
  const fraction = ((x << zeros) & U64) - (1n << 63n);
  const knot = Number(fraction >> 57n);
  const dx = fraction - (BigInt(2 * knot + 1) << 56n);
  const u = ((dx >> 23n) * INV_KNOTS_Q29[knot]) >> 37n;
  let p = -(Q32_ONE / 4n);
  p = Q32_ONE / 3n + ((u * p) >> FRAC32);
  p = -(Q32_ONE / 2n) + ((u * p) >> FRAC32);
  p = Q32_ONE + ((u * p) >> FRAC32);
  const ln1p = (u * p) >> FRAC32;
  return kLn2(k) + LN_KNOTS_Q32[knot] + ln1p;
}
export function lnQ32(x: bigint): bigint {
  if (x <= 0n) throw new RiskError("Domain");
  return lnInt(x) - 32n * LN2_Q32;
}

/** floor(e^x 2^32) for x in Q32. */
export function exp(x: bigint): bigint {
  if (x < -23n * Q32_ONE) return 0n;
  if (x > 21n * Q32_ONE) throw new RiskError("Overflow");
  const k = (x + 34n * LN2_Q32) / LN2_Q32 - 34n;
  let r = x - kLn2(k);
  if (r < 0n) r = 0n;
  let j = (r << 5n) / LN2_Q32;
  if (j > 31n) j = 31n;
  let r2 = r - ((j * LN2_Q56) >> 29n);
  if (r2 < 0n) r2 = 0n;
  let p = Q32_ONE + r2 / 5n;
  p = Q32_ONE + ((r2 * p) >> FRAC32) / 4n;
  p = Q32_ONE + ((r2 * p) >> FRAC32) / 3n;
  p = Q32_ONE + ((r2 * p) >> FRAC32) / 2n;
  const em1 = (r2 * p) >> FRAC32;
  const t = EXP2_FRAC_Q62[Number(j)];
  const v = t + (((t >> 31n) * em1) >> 1n) + (((t & 0x7fff_ffffn) * em1) >> 32n);
  const shift = 30n - k;
  return shift >= 64n ? 0n : v >> shift;
}

export function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt(Math.ceil(bitLength(n) / 2));
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/** num/den in Q32 for 0 < num <= den. */
export function ratioQ32(num: bigint, den: bigint): bigint {
  const z = BigInt(leadingZeros(den));
  const top = ((den << z) & U64) >> 32n;
  const q = ((num << z) & U64) / top;
  return q < Q32_ONE - 1n ? q : Q32_ONE - 1n;
}

export interface Normalized { top: bigint; lz: number; inv: bigint }
export function normalized(x: bigint): Normalized {
  const lz = leadingZeros(x);
  const top = ((x << BigInt(lz)) & U64) >> 32n;
  return { top, lz, inv: (1n << 63n) / top };
}
export function ratioNormalized(small: Normalized, large: Normalized): bigint {
  const shift = 31 + small.lz - large.lz;
  if (shift > 63) return 0n;
  const q = (small.top * large.inv) >> BigInt(shift);
  return q < Q32_ONE - 1n ? q : Q32_ONE - 1n;
}

/** 1/v as [mantissa, shift] for v in [2^9, 2^39). */
export function reciprocal(v: bigint): [bigint, number] {
  if (v < 1n << 9n || v >= 1n << 39n) throw new RiskError("BadVol");
  const n = bitLength(v);
  return [(1n << BigInt(24 + n)) / v, n - 8];
}
