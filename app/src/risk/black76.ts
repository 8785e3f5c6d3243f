// Bit-exact mirror of crates/risk-engine/src/black76.rs.
import { INV_SQRT2PI, expSplit, lnQ, lnU64, ncdf } from "./math";
import { FRAC, ONE, RiskError, div, divClamp, mul, shrFloor, sqrtQ, wdivW, wmul, wmulQ, wmulW } from "./wide";

export type OptionKind = "call" | "put";
export const PRICE_PRECISION = 1_000_000n;
export const MAX_PRICE = 10_000_000_000_000n;
export const D_LIM = 40n * ONE;
export const MAX_VOL_Q = 20n * ONE;
export const MAX_T_Q = 10n * ONE;

const clamp = (x: bigint, lo: bigint, hi: bigint): bigint => (x < lo ? lo : x > hi ? hi : x);

export function intrinsic(kind: OptionKind, f: bigint, k: bigint): bigint {
  const x = kind === "call" ? f - k : k - f;
  return x > 0n ? x << FRAC : 0n;
}

/** Undiscounted value of one contract, quote units x 2^48. */
export function valueQ48(kind: OptionKind, f: bigint, k: bigint, lnfk: bigint, v: bigint): bigint {
  if (v <= 0n) return intrinsic(kind, f, k);
  const d1 = divClamp(lnfk, v, D_LIM) + (v >> 1n);
  const d2 = d1 - v;
  const n1 = ncdf(d1);
  const n2 = ncdf(d2);
  const fk = (f - k) << FRAC;
  const call = clamp(wmul(f, n1) - wmul(k, n2), fk > 0n ? fk : 0n, f << FRAC);
  return kind === "call" ? call : call - fk;
}

export interface Greeks {
  valueQ: bigint;
  value: bigint;
  delta: bigint;
  gamma: bigint;
  vega: bigint;
  theta: bigint;
}

export function black76(kind: OptionKind, f: bigint, k: bigint, vol: bigint, t: bigint, df: bigint): Greeks {
  if (f <= 0n || k <= 0n || f > MAX_PRICE || k > MAX_PRICE) throw new RiskError("BadPrice");
  if (vol < 0n || vol > MAX_VOL_Q) throw new RiskError("BadVol");
  if (t > MAX_T_Q) throw new RiskError("BadTime");
  if (df <= 0n || df > ONE) throw new RiskError("BadDiscount");
  const sqrtT = t > 0n ? sqrtQ(t) : 0n;
  const v = t > 0n ? mul(vol, sqrtT) : 0n;
  if (v <= 0n) {
    const iv = wmulQ(intrinsic(kind, f, k), df);
    const itm = kind === "call" ? f > k : k > f;
    const delta = !itm ? 0n : kind === "call" ? df : -df;
    return { valueQ: iv, value: shrFloor(iv, FRAC), delta, gamma: 0n, vega: 0n, theta: 0n };
  }
  const lnfk = lnU64(f) - lnU64(k);
  const raw = valueQ48(kind, f, k, lnfk, v);
  const valueQ = df === ONE ? raw : wmulQ(raw, df);
  const d1 = divClamp(lnfk, v, D_LIM) + (v >> 1n);
  const n1c = ncdf(d1);
  const delta = kind === "call" ? mul(df, n1c) : mul(df, n1c - ONE);
  let x = (d1 * d1) >> (FRAC + 1n);
  if (x > 4000n * ONE) x = 4000n * ONE;
  const [em, sh] = expSplit(-x);
  const dm = mul(mul(em, INV_SQRT2PI), df);
  const down = (y: bigint): bigint => (sh >= 127n ? 0n : y >> sh);
  const pp = PRICE_PRECISION;
  const gamma = down(wdivW(wmulW(dm * pp, ONE), wmul(f, v)));
  const fdn = wmulW(f, dm) / pp;
  const vega = down(wmulW(fdn, sqrtT) >> FRAC);
  let theta = -down(wdivW(wmulW(fdn, vol), 2n * sqrtT));
  if (df !== ONE) {
    const u = ONE - df;
    let g: bigint;
    if (u >= ONE / 1000n) {
      g = div(-lnQ(df), u);
    } else {
      g = ONE / 5n;
      for (const d of [4n, 3n, 2n, 1n]) g = ONE / d + mul(u, g);
    }
    const vg = wmulQ(valueQ / pp, g);
    theta += wdivW(wmulW(vg, u), t);
  }
  return { valueQ, value: shrFloor(valueQ, FRAC), delta, gamma, vega, theta };
}
