// Bit-exact mirror of crates/risk-engine/src/pricer.rs: Black-76 at every scenario of the grid.
import { lnInt, mulQ32, ncdf, normalized, Q32_ONE, ratioNormalized, reciprocal, umulShr } from "./fixed";
import { MAX_PRICE } from "./black76";
import { MarketPrep, MAX_SCENARIO_VOL_Q32, N_SCEN, N_SPOT, SCENARIOS, SlicePrep } from "./grid";
import { RiskError } from "./wide";

const SCALE_SPLIT = 29n;
const MAX_SMILE_MONEYNESS = 8n * Q32_ONE;
const ONE = Q32_ONE;

export interface SpotTerms {
  logMoneyness: bigint; coefN1: bigint; coefN2: bigint; lower: bigint; putOffset: bigint; unitHi: bigint; unitLo: bigint;
  intrinsicPx: bigint;
}
export interface VolTerms { v: bigint; halfV: bigint; invMantissa: bigint; invShift: bigint }

const clamp = (x: bigint, lo: bigint, hi: bigint): bigint => (x < lo ? lo : x > hi ? hi : x);
const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);

/** The stale variant of a vol state (unchanged has none). */
export const staleState = (state: number): number => (state === 0 ? 0 : state + 2);

export class OptionPrep {
  readonly call: boolean;
  readonly expired: boolean;
  readonly strikePx: bigint;
  readonly volQ32: bigint = 0n;
  readonly maxValuePx: bigint;
  readonly spots: SpotTerms[] = [];
  readonly vols: VolTerms[] = [];

  constructor(mp: MarketPrep, slice: SlicePrep, call: boolean, strike: bigint, stale: boolean) {
    if (strike <= 0n || strike > MAX_PRICE) throw new RiskError("BadPrice");
    this.call = call;
    this.expired = slice.expired;
    this.strikePx = strike << BigInt(mp.priceBits);
    const logFk = slice.lnForward - lnInt(this.strikePx);
    const strikePx = this.strikePx;
    const strikeNorm = normalized(strikePx);
    this.maxValuePx = max(strikePx, slice.forwardMaxPx);
    for (let j = 0; j < N_SPOT; j++) {
      const forward = slice.forwardAtPx[j];
      const logMoneyness = logFk + mp.ln1pShift[j];
      let t: SpotTerms;
      if (forward >= strikePx) {
        const ratio = ratioNormalized(strikeNorm, slice.forwardAtNorm[j]);
        const complement = ONE - ratio;
        t = {
          logMoneyness, coefN1: ONE - 1n, coefN2: ratio, lower: complement, putOffset: call ? 0n : complement,
          unitHi: forward >> SCALE_SPLIT, unitLo: forward & ((1n << SCALE_SPLIT) - 1n), intrinsicPx: 0n,
        };
      } else {
        const ratio = ratioNormalized(slice.forwardAtNorm[j], strikeNorm);
        t = {
          logMoneyness, coefN1: ratio, coefN2: ONE - 1n, lower: 0n, putOffset: call ? 0n : ratio - ONE,
          unitHi: strikePx >> SCALE_SPLIT, unitLo: strikePx & ((1n << SCALE_SPLIT) - 1n), intrinsicPx: 0n,
        };
      }
      this.spots.push(t);
    }
    if (this.expired) {
      this.spots.forEach((t, j) => {
        const f = slice.forwardAtPx[j];
        t.intrinsicPx = max(call ? f - strikePx : strikePx - f, 0n);
      });
      return;
    }
    const k = clamp(-logFk, -MAX_SMILE_MONEYNESS, MAX_SMILE_MONEYNESS);
    const kAbs = k < 0n ? -k : k;
    const kSquared = umulShr(kAbs, kAbs, 32n);
    const smile = slice.atm + mulQ32(slice.skew, k) + mulQ32(slice.curv, kSquared);
    const vol = clamp(smile, mp.volMin, mp.volMax);
    this.volQ32 = vol;
    const variants = stale ? 2 : 1;
    const stateVols = [vol, vol, vol, vol, vol];
    for (let w = 0; w < variants; w++) {
      stateVols[1 + 2 * w] = max(umulShr(vol, slice.shocks.up[w], 32n), mp.volUpFloor);
      stateVols[2 + 2 * w] = umulShr(vol, slice.shocks.down[w], 32n);
    }
    for (let i = 0; i < 1 + 2 * variants; i++) {
      const sigma = clamp(stateVols[i], mp.volMin, MAX_SCENARIO_VOL_Q32);
      const v = umulShr(sigma, slice.sqrtT, 32n);
      const [invMantissa, invShift] = reciprocal(v);
      this.vols[i] = { v, halfV: v >> 1n, invMantissa, invShift: BigInt(invShift) };
    }
  }

  valuePx(j: number, state: number): bigint {
    const s = this.spots[j];
    return this.expired ? s.intrinsicPx : valueAt(s, this.vols[state]);
  }

  /** Every scenario's value less `base`, in SCENARIOS order, with vol states `states`. */
  scenarioPnl(states: [number, number, number], base: bigint): bigint[] {
    if (this.expired) return SCENARIOS.map(([j]) => this.spots[j].intrinsicPx - base);
    const out: bigint[] = new Array(N_SCEN).fill(0n);
    SCENARIOS.forEach(([j, st], s) => {
      if (s > 0) out[s] = valueAt(this.spots[j], this.vols[states[st]]) - base;
    });
    return out;
  }
}

/** Black-76 value of one contract (price units) from a spot point's and a vol state's terms. */
export function valueAt(s: SpotTerms, vt: VolTerms): bigint {
  const d1 = ((s.logMoneyness * vt.invMantissa) >> vt.invShift) + vt.halfV;
  const n1 = ncdf(d1);
  const n2 = ncdf(d1 - vt.v);
  const call = ((s.coefN1 * n1) >> 32n) - ((s.coefN2 * n2) >> 32n);
  const weight = max(call, s.lower) - s.putOffset;
  return ((s.unitHi * weight) >> 3n) + ((s.unitLo * weight) >> 32n);
}
