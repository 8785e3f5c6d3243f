// Bit-exact mirror of crates/risk-engine/src/grid.rs: the scenario grid, per-market and
// per-expiry preparation.
import { exp, isqrt, lnInt, lnQ32, mulQ32, mulShr, normalized, Normalized, ppmToQ32, Q32_ONE, ratioQ32, bitLength, floorDiv } from "./fixed";
import { MarketParams, tailMoves, validateMarketParams } from "./params";
import { MAX_PRICE } from "./black76";
import { INV_SQRT_YEAR_Q64 } from "./tables.generated";
import { RiskError } from "./wide";

export const YEAR_SECONDS = 31_536_000n;
export const MAX_SLICES = 8;
export const N_SPOT = 13;
export const N_SCEN = 27;
export const SPOT_QUARTERS = [0n, 1n, -1n, 2n, -2n, 3n, -3n, 4n, -4n];
export const FIRST_TAIL_POINT = 9;
export const FIRST_TAIL = 23;
/** [spot point, vol state (0 unchanged, 1 up, 2 down)] per scenario. */
export const SCENARIOS: [number, number][] = [
  [0, 0], [0, 1], [0, 2],
  [1, 0], [1, 1], [1, 2], [2, 0], [2, 1], [2, 2],
  [3, 0], [3, 1], [3, 2], [4, 0], [4, 1], [4, 2],
  [5, 0], [5, 1], [5, 2], [6, 0], [6, 1], [6, 2],
  [7, 1], [8, 1],
  [9, 1], [10, 1], [11, 1], [12, 1],
];
export const MAX_SCENARIO_VOL_Q32 = 20n * Q32_ONE;
const DAY = 86_400n;
const MAX_EXPIRY_SECONDS = 10n * YEAR_SECONDS;

export interface VolSlice { expiry: bigint; atmPpm: bigint; skewPpm: bigint; curvPpm: bigint; basisPpm: bigint }
export interface MarketState { spot: bigint; conf: bigint; volStale: boolean; slices: VolSlice[]; params: MarketParams }

export interface VolShocks { up: [bigint, bigint]; down: [bigint, bigint] }
export interface SlicePrep {
  expired: boolean; sqrtT: bigint; forwardPx: bigint; lnForward: bigint; forwardAtPx: bigint[];
  forwardAtNorm: Normalized[]; forwardMaxPx: bigint; shocks: VolShocks; atm: bigint; skew: bigint; curv: bigint;
}

/** Fractional bits of a market's price units. */
export const priceBits = (spot: bigint): number => Math.min(Math.max(40 - bitLength(spot), 0), 15);

function ppmToQ48(ppm: bigint): bigint {
  const whole = floorDiv(ppm, 15_625n);
  const rest = ppm - whole * 15_625n;
  return (whole << 42n) + (rest << 42n) / 15_625n;
}
const mulQ48 = (a: bigint, shift: bigint): bigint => mulShr(a, shift, 48n);

export class MarketPrep {
  readonly spot: bigint;
  readonly priceBits: number;
  readonly rangeQ48: bigint;
  readonly shiftQ48: bigint[] = [];
  readonly ln1pShift: bigint[] = [];
  readonly tailWeight: bigint[] = [];
  readonly spotPnl: bigint[] = [];
  readonly volMin: bigint;
  readonly volMax: bigint;
  readonly volUpFloor: bigint;
  readonly stale: boolean;
  private readonly slices: (SlicePrep | undefined)[] = [];

  constructor(readonly m: MarketState) {
    validateMarketParams(m.params);
    if (m.spot <= 0n || m.spot > MAX_PRICE) throw new RiskError("BadPrice");
    if (m.slices.length > MAX_SLICES) throw new RiskError("TooManySlices");
    const p = m.params;
    if (m.conf > m.spot || m.conf * 1_000_000n > m.spot * BigInt(p.maxConfPpm)) throw new RiskError("OracleConfidenceTooWide");
    this.spot = m.spot;
    this.priceBits = priceBits(m.spot);
    this.stale = m.volStale;
    const widening = m.conf === 0n ? 0n : ((ratioQ32(m.conf, m.spot) * BigInt(p.confMultPpm)) / 1_000_000n) << 16n;
    this.rangeQ48 = ppmToQ48(BigInt(p.priceRangePpm)) + widening;
    const quarter = this.rangeQ48 >> 2n;
    const tails = tailMoves(p);
    const spotPx = this.spot << BigInt(this.priceBits);
    const quarterMove = mulQ48(spotPx, quarter);
    for (let j = 0; j < N_SPOT; j++) {
      const shift = j < FIRST_TAIL_POINT ? SPOT_QUARTERS[j] * quarter : ppmToQ48(BigInt(tails[j - FIRST_TAIL_POINT]));
      this.shiftQ48.push(shift);
      this.ln1pShift.push(shift === 0n ? 0n : lnQ32(Q32_ONE + (shift >> 16n)));
      this.spotPnl.push(j < FIRST_TAIL_POINT ? SPOT_QUARTERS[j] * quarterMove : mulQ48(spotPx, shift));
    }
    for (const t of tails) {
      const size = ppmToQ48(BigInt(t));
      const abs = size < 0n ? -size : size;
      this.tailWeight.push(t === 0 ? 0n : this.rangeQ48 >= abs ? Q32_ONE : ratioQ32(this.rangeQ48, abs));
    }
    this.volMin = ppmToQ32(p.volMinPpm);
    this.volMax = ppmToQ32(p.volMaxPpm);
    this.volUpFloor = ppmToQ32(p.volUpFloorPpm);
  }

  ensureSlice(i: number, now: bigint): SlicePrep {
    if (i < 0 || i >= this.m.slices.length) throw new RiskError("BadSliceIndex");
    const have = this.slices[i];
    if (have) return have;
    const prep = slicePrep(this, this.m.slices[i], now);
    this.slices[i] = prep;
    return prep;
  }
}

function sqrtYearsQ32(secs: bigint): bigint {
  const z = BigInt((leading(secs) - 1) & ~1);
  const root = isqrt(secs << z);
  return (root * INV_SQRT_YEAR_Q64) >> (32n + z / 2n);
}
const leading = (x: bigint): number => 64 - bitLength(x);

function slicePrep(mp: MarketPrep, s: VolSlice, now: bigint): SlicePrep {
  const p = mp.m.params;
  const volMax = BigInt(p.volMaxPpm);
  const abs = (x: bigint): bigint => (x < 0n ? -x : x);
  if (s.atmPpm < BigInt(p.volMinPpm) || s.atmPpm > volMax || abs(s.skewPpm) > volMax * 10n || abs(s.curvPpm) > volMax * 10n) {
    throw new RiskError("BadVol");
  }
  if (abs(s.basisPpm) > BigInt(p.basisMaxPpm)) throw new RiskError("BadBasis");
  const secs = s.expiry - now;
  if (secs > MAX_EXPIRY_SECONDS) throw new RiskError("BadTime");
  const expired = secs <= 0n;
  const bits = BigInt(mp.priceBits);
  let sqrtT = 0n;
  let forwardPx: bigint;
  if (expired) forwardPx = mp.spot << bits;
  else {
    sqrtT = sqrtYearsQ32(secs);
    const tQ32 = (secs << 32n) / YEAR_SECONDS;
    const growth = exp(mulQ32(ppmToQ32(s.basisPpm), tQ32));
    forwardPx = (mp.spot * growth) >> (32n - bits);
    if (forwardPx > (1n << 63n) - 1n) throw new RiskError("Overflow");
  }
  if (forwardPx >> bits === 0n || forwardPx >> bits > MAX_PRICE) throw new RiskError("BadPrice");
  const lnForward = lnInt(forwardPx);
  const quarterMove = mulQ48(forwardPx, mp.rangeQ48 >> 2n);
  const forwardAtPx: bigint[] = [];
  const forwardAtNorm: Normalized[] = [];
  let forwardMaxPx = 0n;
  for (let j = 0; j < N_SPOT; j++) {
    const moved = j < FIRST_TAIL_POINT ? SPOT_QUARTERS[j] * quarterMove : mulQ48(forwardPx, mp.shiftQ48[j]);
    let f = forwardPx + moved;
    if (f < 1n) f = 1n;
    forwardAtPx.push(f);
    forwardAtNorm.push(normalized(f));
    if (f > forwardMaxPx) forwardMaxPx = f;
  }
  const out: SlicePrep = {
    expired, sqrtT, forwardPx, lnForward, forwardAtPx, forwardAtNorm, forwardMaxPx,
    shocks: { up: [0n, 0n], down: [0n, 0n] }, atm: 0n, skew: 0n, curv: 0n,
  };
  if (!expired) {
    out.shocks = volShocks(p, secs);
    out.atm = ppmToQ32(s.atmPpm);
    out.skew = ppmToQ32(s.skewPpm);
    out.curv = ppmToQ32(s.curvPpm);
  }
  return out;
}

function volShocks(p: MarketParams, secs: bigint): VolShocks {
  const dte = secs > DAY ? secs : DAY;
  const reference = BigInt(p.volRefDays) * DAY;
  const exponent = dte <= reference ? p.volExpShortPpm : p.volExpLongPpm;
  const logRatio = reference >= dte ? lnQ32((reference << 32n) / dte) : -lnQ32((dte << 32n) / reference);
  const fresh = exp(mulQ32(ppmToQ32(exponent), logRatio));
  const stale = mulQ32(fresh, ppmToQ32(p.staleVolMultPpm));
  const upCoef = ppmToQ32(p.volUpCoefPpm);
  const downCoef = ppmToQ32(p.volDownCoefPpm);
  const downMin = ppmToQ32(p.volDownMinMultPpm);
  const shocks: VolShocks = { up: [0n, 0n], down: [0n, 0n] };
  [fresh, stale].forEach((m, k) => {
    shocks.up[k] = Q32_ONE + mulQ32(upCoef, m);
    const d = Q32_ONE - mulQ32(downCoef, m);
    shocks.down[k] = d > downMin ? d : downMin;
  });
  return shocks;
}
