// Bit-exact mirror of crates/risk-engine/src/engine.rs (same scenario grid, same rounding).
// Off-chain extra: RiskArrayCache shares per-instrument risk arrays across accounts (the crank).
import { MAX_PRICE, OptionKind, PRICE_PRECISION, valueQ48 } from "./black76";
import { expQ, lnQ, lnU64 } from "./math";
import { GlobalParams, MarketParams, validateGlobalParams, validateMarketParams } from "./params";
import {
  FRAC, ONE, RiskError, div, floorDiv, mul, mulDivCeil, mulDivFloor, narrow, shrCeil, shrFloor, sqrtQ, wadd,
  wdivFloor, wmul,
} from "./wide";

export const MAX_POSITIONS = 32;
export const MAX_COLLATERALS = 8;
export const MAX_MARKETS = 4;
export const MAX_SLICES = 8;
export const N_SPOT = 13;
export const N_SCEN = 27;
export const QUOTE = 255;
export const MAX_SIZE = 10_000_000_000_000n;
export const MAX_COST = 1_000_000_000_000_000_000n;
export const YEAR_SECONDS = 31_536_000n;
const DAY = 86_400n;
const ACC_DIV = PRICE_PRECISION << 16n;
export const SPOT_QUARTERS = [0n, 1n, -1n, 2n, -2n, 3n, -3n, 4n, -4n];
/** [spot point, vol state (0 unchanged, 1 up, 2 down)] per scenario */
export const SCENARIOS: [number, number][] = [
  [0, 0], [0, 1], [0, 2],
  [1, 0], [1, 1], [1, 2], [2, 0], [2, 1], [2, 2],
  [3, 0], [3, 1], [3, 2], [4, 0], [4, 1], [4, 2],
  [5, 0], [5, 1], [5, 2], [6, 0], [6, 1], [6, 2],
  [7, 1], [8, 1],
  [9, 1], [10, 1], [11, 1], [12, 1],
];
const S_UP_Q = 3;
const S_DN_Q = 6;
const FIRST_TAIL = 23;

export enum Kind { Perp = 0, Future = 1, Call = 2, Put = 3 }

export interface VolSlice { expiry: bigint; atmPpm: bigint; skewPpm: bigint; curvPpm: bigint; basisPpm: bigint }
export interface MarketState { spot: bigint; conf: bigint; volStale: boolean; slices: VolSlice[]; params: MarketParams }
export interface Position { market: number; kind: Kind; slice: number; strike: bigint; size: bigint; cost: bigint }
export interface Collateral { asset: number; amount: bigint }
export interface AddOn { mm: bigint; im: bigint }
export interface MarketResult {
  pnl: bigint[]; worst: bigint; worstIndex: number;
  nakedShort: AddOn; perpNotional: AddOn; haircut: AddOn; oracleConf: AddOn;
}
export interface MarginResult {
  equity: bigint; mm: bigint; im: bigint;
  scanLoss: bigint; scanLossFresh: bigint; scanLossSeparate: bigint; scanLossJoint: bigint;
  worstJointIndex: number; worstJointPnl: bigint;
  scanMargin: AddOn; nakedShort: AddOn; perpNotional: AddOn; haircut: AddOn; oracleConf: AddOn; staleVol: AddOn;
  markets: MarketResult[];
}

const maxB = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const minB = (a: bigint, b: bigint): bigint => (a < b ? a : b);
const absB = (a: bigint): bigint => (a < 0n ? -a : a);
const clampB = (x: bigint, lo: bigint, hi: bigint): bigint => (x < lo ? lo : x > hi ? hi : x);
const I64_MAX = (1n << 63n) - 1n;
const chk = (x: bigint): bigint => narrow(x);

export const ppmQ = (x: bigint | number): bigint => mulDivFloor(BigInt(x), ONE, 1_000_000n);

export interface SlicePrep {
  t: bigint; sqrtT: bigint; fwd: bigint; lnF: bigint; fwdQ16Floor: bigint; fwdQ16Ceil: bigint;
  upMult: [bigint, bigint]; downMult: [bigint, bigint]; atm: bigint; skew: bigint; curv: bigint;
}

export class MarketPrep {
  spot: bigint; range: bigint; shift: bigint[] = []; ln1p: bigint[] = []; tailW: bigint[] = [0n, 0n, 0n, 0n];
  volMin: bigint; volMax: bigint; upFloor: bigint; slices: (SlicePrep | undefined)[] = [];

  constructor(readonly m: MarketState) {
    validateMarketParams(m.params);
    if (m.spot <= 0n || m.spot > MAX_PRICE) throw new RiskError("BadPrice");
    if (m.slices.length > MAX_SLICES) throw new RiskError("TooManySlices");
    if (m.conf * 1_000_000n > m.spot * BigInt(m.params[24])) throw new RiskError("OracleConfidenceTooWide");
    const p = m.params;
    this.spot = m.spot;
    this.range = ppmQ(p[0]);
    for (let j = 0; j < N_SPOT; j++) {
      const s = j < 9 ? (SPOT_QUARTERS[j] * this.range) / 4n : ppmQ(p[1 + j - 9]);
      this.shift.push(s);
      this.ln1p.push(s === 0n ? 0n : lnQ(ONE + s));
      if (j >= 9 && s !== 0n) this.tailW[j - 9] = div(this.range, absB(s));
    }
    this.volMin = ppmQ(p[13]);
    this.volMax = ppmQ(p[14]);
    this.upFloor = ppmQ(p[11]);
  }

  ensureSlice(i: number, now: bigint): SlicePrep {
    const m = this.m;
    if (i >= m.slices.length || i < 0) throw new RiskError("BadSliceIndex");
    const have = this.slices[i];
    if (have) return have;
    const p = m.params;
    const s = m.slices[i];
    const lim = BigInt(p[14]);
    if (s.atmPpm < BigInt(p[13]) || s.atmPpm > lim || absB(s.skewPpm) > 10n * lim || absB(s.curvPpm) > 10n * lim) {
      throw new RiskError("BadVol");
    }
    if (absB(s.basisPpm) > BigInt(p[15])) throw new RiskError("BadBasis");
    const secs = s.expiry - now;
    if (secs > 10n * YEAR_SECONDS) throw new RiskError("BadTime");
    const t = secs > 0n ? mulDivFloor(secs, ONE, YEAR_SECONDS) : 0n;
    const sqrtT = sqrtQ(t);
    const growth = t > 0n ? expQ(mul(ppmQ(s.basisPpm), t)) : ONE;
    const fw = wmul(this.spot, growth);
    const fwd = shrFloor(fw, FRAC);
    if (fwd <= 0n || fwd > MAX_PRICE) throw new RiskError("BadPrice");
    const dte = secs > DAY ? secs : DAY;
    const reference = BigInt(p[10]) * DAY;
    const pe = dte <= reference ? p[8] : p[9];
    const lr = lnU64(reference) - lnU64(dte);
    const mfresh = expQ(mul(ppmQ(pe), lr));
    const mstale = mul(mfresh, ppmQ(p[12]));
    const upc = ppmQ(p[5]);
    const dnc = ppmQ(p[6]);
    const dmin = ppmQ(p[7]);
    const upMult: [bigint, bigint] = [0n, 0n];
    const downMult: [bigint, bigint] = [0n, 0n];
    [mfresh, mstale].forEach((mm, k) => {
      upMult[k] = ONE + mul(upc, mm);
      downMult[k] = maxB(ONE - mul(dnc, mm), dmin);
    });
    const sp: SlicePrep = {
      t, sqrtT, fwd, lnF: lnU64(fwd), fwdQ16Floor: shrFloor(fw, 32n), fwdQ16Ceil: shrCeil(fw, 32n),
      upMult, downMult, atm: ppmQ(s.atmPpm), skew: ppmQ(s.skewPpm), curv: ppmQ(s.curvPpm),
    };
    this.slices[i] = sp;
    return sp;
  }
}

export interface RiskArray { pnl: bigint[]; pnlStale: bigint[]; baseQ48: bigint }

export function riskArray(mp: MarketPrep, kind: Kind, slice: number, strike: bigint, stale: boolean): RiskArray {
  const pnl: bigint[] = new Array(N_SCEN).fill(0n);
  if (kind === Kind.Perp || kind === Kind.Future) {
    let px: bigint;
    if (kind === Kind.Perp) px = mp.spot;
    else {
      const sp = mp.slices[slice];
      if (!sp) throw new RiskError("BadSliceIndex");
      px = sp.fwd;
    }
    SCENARIOS.forEach(([j], s) => (pnl[s] = shrFloor(wmul(px, mp.shift[j]), 32n)));
    return { pnl, pnlStale: pnl, baseQ48: px << FRAC };
  }
  if (strike <= 0n || strike > MAX_PRICE) throw new RiskError("BadPrice");
  const sp = mp.slices[slice];
  if (!sp) throw new RiskError("BadSliceIndex");
  const ok: OptionKind = kind === Kind.Call ? "call" : "put";
  const k = strike;
  const f = sp.t > 0n ? sp.fwd : mp.spot;
  const lnfk = sp.t > 0n ? sp.lnF - lnU64(strike) : 0n;
  const km = -lnfk;
  const sig = clampB(sp.atm + mul(sp.skew, km) + mul(sp.curv, mul(km, km)), mp.volMin, mp.volMax);
  const v: bigint[][] = [[0n, 0n, 0n], [0n, 0n, 0n]];
  for (let w = 0; w < (stale ? 2 : 1); w++) {
    const up = maxB(mul(sig, sp.upMult[w]), mp.upFloor);
    const dn = mul(sig, sp.downMult[w]);
    v[w] = [mul(sig, sp.sqrtT), mul(up, sp.sqrtT), mul(dn, sp.sqrtT)];
  }
  const base = valueQ48(ok, f, k, lnfk, v[0][0]);
  const b16 = shrFloor(base, 32n);
  const pnlStale: bigint[] = new Array(N_SCEN).fill(0n);
  SCENARIOS.forEach(([j, vs], s) => {
    const fs = f + shrFloor(wmul(f, mp.shift[j]), FRAC);
    const l = lnfk + mp.ln1p[j];
    pnl[s] = s === 0 ? 0n : shrFloor(valueQ48(ok, fs, k, l, v[0][vs]), 32n) - b16;
    pnlStale[s] = !stale || vs === 0 ? pnl[s] : shrFloor(valueQ48(ok, fs, k, l, v[1][vs]), 32n) - b16;
  });
  return { pnl, pnlStale, baseQ48: base };
}

function key(p: Position): string {
  if (p.kind === Kind.Perp) return `${p.market}:0:0:0`;
  if (p.kind === Kind.Future) return `${p.market}:1:${p.slice}:0`;
  return `${p.market}:${p.kind}:${p.slice}:${p.strike}`;
}

export function netPositions(positions: Position[]): Position[] {
  if (positions.length > MAX_POSITIONS) throw new RiskError("TooManyPositions");
  const out: Position[] = [];
  for (const p of positions) {
    if (absB(p.size) > MAX_SIZE || absB(p.cost) > MAX_COST) throw new RiskError("BadSize");
    const slice = p.kind === Kind.Perp ? 0 : p.slice;
    const strike = p.kind === Kind.Perp || p.kind === Kind.Future ? 0n : p.strike;
    let q: Position | undefined;
    for (const o of out) {
      if (o.market === p.market && o.kind === p.kind && o.slice === slice && o.strike === strike) {
        q = o;
        break;
      }
    }
    if (q) {
      q.size = chk(q.size + p.size);
      q.cost = chk(q.cost + p.cost);
    } else out.push({ market: p.market, kind: p.kind, slice, strike, size: p.size, cost: p.cost });
  }
  return out;
}

function credited(sep: bigint, joint: bigint, cPpm: number): bigint {
  const d = maxB(chk(sep - joint), 0n);
  return chk(sep - mulDivFloor(d, BigInt(cPpm), 1_000_000n));
}
const fracCeil = (x: bigint, ppm: number): bigint => mulDivCeil(x, BigInt(ppm), 1_000_000n);
const addOn = (a: AddOn, b: AddOn): AddOn => ({ mm: chk(a.mm + b.mm), im: chk(a.im + b.im) });
const ZERO: AddOn = { mm: 0n, im: 0n };

/** Optional cache of risk arrays shared across accounts evaluated against the same market states. */
export class RiskArrayCache {
  private preps = new Map<number, MarketPrep>();
  private arrays = new Map<string, RiskArray>();
  constructor(readonly markets: MarketState[], readonly now: bigint) {}
  prep(mi: number): MarketPrep {
    let p = this.preps.get(mi);
    if (!p) {
      p = new MarketPrep(this.markets[mi]);
      this.preps.set(mi, p);
    }
    return p;
  }
  get(mi: number, p: Position, compute: () => RiskArray): RiskArray {
    const kk = `${mi}|${key(p)}`;
    let a = this.arrays.get(kk);
    if (!a) {
      a = compute();
      this.arrays.set(kk, a);
    }
    return a;
  }
}

export function evaluate(
  g: GlobalParams, markets: MarketState[], positions: Position[], collateral: Collateral[], now: bigint,
  cache?: RiskArrayCache,
): MarginResult {
  validateGlobalParams(g);
  if (markets.length > MAX_MARKETS) throw new RiskError("TooManyMarkets");
  if (collateral.length > MAX_COLLATERALS) throw new RiskError("TooManyCollaterals");
  const net = netPositions(positions);
  let eq = 0n;
  const collAmt = [0n, 0n, 0n, 0n];
  for (const c of collateral) {
    if (c.amount < 0n || c.amount > MAX_SIZE) throw new RiskError("BadSize");
    if (c.asset === QUOTE) eq = wadd(eq, wmul(c.amount, ACC_DIV));
    else if (c.asset < markets.length) collAmt[c.asset] = chk(collAmt[c.asset] + c.amount);
    else throw new RiskError("BadMarketIndex");
  }
  for (const p of net) {
    if (p.market >= markets.length) throw new RiskError("BadMarketIndex");
    eq = wadd(eq, -wmul(p.cost, ACC_DIV));
  }
  const fresh: bigint[][] = [];
  const mres: MarketResult[] = [];
  let anyStale = false;
  let tNaked = ZERO, tPerp = ZERO, tHair = ZERO, tConf = ZERO;
  markets.forEach((m, mi) => {
    const mp = cache ? cache.prep(mi) : new MarketPrep(m);
    const stale = m.volStale;
    anyStale = anyStale || stale;
    const acc: bigint[] = new Array(N_SCEN).fill(0n);
    const accS: bigint[] = new Array(N_SCEN).fill(0n);
    let allow = 0n;
    let sc = 0n, lc = 0n, sp = 0n, lp = 0n;
    for (const p of net) {
      if (p.market !== mi) continue;
      if (p.kind !== Kind.Perp) mp.ensureSlice(p.slice, now);
      if (p.size === 0n) continue;
      const compute = (): RiskArray => riskArray(mp, p.kind, p.slice, p.strike, stale);
      const ra = cache ? cache.get(mi, p, compute) : compute();
      for (let s = 0; s < N_SCEN; s++) acc[s] = wadd(acc[s], p.size * ra.pnl[s]);
      if (stale) for (let s = 0; s < N_SCEN; s++) accS[s] = wadd(accS[s], p.size * ra.pnlStale[s]);
      allow += absB(p.size);
      let unit: bigint;
      if (p.kind === Kind.Perp) unit = mp.spot << 16n;
      else if (p.kind === Kind.Future) {
        const sl = mp.slices[p.slice]!;
        unit = p.size > 0n ? sl.fwdQ16Floor : sl.fwdQ16Ceil;
      } else unit = p.size > 0n ? shrFloor(ra.baseQ48, 32n) : shrCeil(ra.baseQ48, 32n);
      eq = wadd(eq, p.size * unit);
      const a = absB(p.size);
      if (p.kind === Kind.Call) { if (p.size > 0n) lc += a; else sc += a; }
      else if (p.kind === Kind.Put) { if (p.size > 0n) lp += a; else sp += a; }
    }
    const posDpnl = absB(chk(wdivFloor(acc[S_UP_Q] - allow, ACC_DIV) - wdivFloor(acc[S_DN_Q] - allow, ACC_DIV)));
    const ca = collAmt[mi];
    if (ca > 0n) {
      eq = wadd(eq, ca * (mp.spot << 16n));
      allow += ca;
      SCENARIOS.forEach(([j], s) => {
        const u = shrFloor(wmul(mp.spot, mp.shift[j]), 32n);
        acc[s] = wadd(acc[s], ca * u);
        accS[s] = wadd(accS[s], ca * u);
      });
    }
    const reduce = (a: bigint[]): bigint[] => {
      const r: bigint[] = new Array(N_SCEN).fill(0n);
      for (let s = 1; s < N_SCEN; s++) {
        let x = wdivFloor(a[s] - allow, ACC_DIV);
        if (s >= FIRST_TAIL) x = mul(x, mp.tailW[s - FIRST_TAIL]);
        r[s] = x;
      }
      return r;
    };
    fresh[mi] = reduce(acc);
    const used = stale ? reduce(accS) : fresh[mi];
    let wi = 0, wv = 0n;
    used.forEach((x, s) => { if (x < wv) { wv = x; wi = s; } });
    const p = m.params;
    const naked = maxB(sc - lc, 0n) + maxB(sp - lp, 0n);
    const nakedN = mulDivCeil(naked, mp.spot, PRICE_PRECISION);
    const half = maxB(shrFloor(wmul(mp.spot, mp.range), FRAC + 1n), 1n);
    const linN = mulDivCeil(posDpnl, mp.spot, half);
    const cv = mulDivCeil(ca, mp.spot, PRICE_PRECISION);
    const dpnl = absB(chk(used[S_UP_Q] - used[S_DN_Q]));
    const c = mulDivCeil(dpnl, m.conf, half);
    const r: MarketResult = {
      pnl: used, worst: wv, worstIndex: wi,
      nakedShort: { mm: fracCeil(nakedN, p[16]), im: fracCeil(nakedN, p[17]) },
      perpNotional: { mm: fracCeil(linN, p[18]), im: fracCeil(linN, p[19]) },
      haircut: { mm: fracCeil(cv, p[20]), im: fracCeil(cv, p[21]) },
      oracleConf: { mm: fracCeil(c, p[22]), im: fracCeil(c, p[23]) },
    };
    tNaked = addOn(tNaked, r.nakedShort);
    tPerp = addOn(tPerp, r.perpNotional);
    tHair = addOn(tHair, r.haircut);
    tConf = addOn(tConf, r.oracleConf);
    mres.push(r);
  });
  const equity = wdivFloor(eq, ACC_DIV);
  const scan = (arrs: bigint[][]): [bigint, bigint, bigint, number, bigint] => {
    let sep = 0n;
    const joint: bigint[] = new Array(N_SCEN).fill(0n);
    for (const a of arrs) {
      let wv = 0n;
      for (let s = 0; s < N_SCEN; s++) {
        wv = minB(wv, a[s]);
        joint[s] = chk(joint[s] + a[s]);
      }
      sep = chk(sep - wv);
    }
    let ji = 0, jv = 0n;
    joint.forEach((x, s) => { if (x < jv) { jv = x; ji = s; } });
    const jl = chk(-jv);
    return [credited(sep, jl, g[2]), sep, jl, ji, jv];
  };
  const [scanF] = scan(fresh);
  const [scanU0, sep, jl, ji, jv] = scan(mres.map((r) => r.pnl));
  const scanU = anyStale ? maxB(scanU0, scanF) : scanF;
  const scanMargin = { mm: fracCeil(scanF, g[0]), im: fracCeil(scanF, g[1]) };
  const staleVol = { mm: fracCeil(scanU, g[0]) - scanMargin.mm, im: fracCeil(scanU, g[1]) - scanMargin.im };
  let tot = scanMargin;
  for (const a of [staleVol, tNaked, tPerp, tHair, tConf]) tot = addOn(tot, a);
  void I64_MAX;
  return {
    equity, mm: tot.mm, im: tot.im, scanLoss: scanU, scanLossFresh: scanF, scanLossSeparate: sep, scanLossJoint: jl,
    worstJointIndex: ji, worstJointPnl: jv, scanMargin, nakedShort: tNaked, perpNotional: tPerp, haircut: tHair,
    oracleConf: tConf, staleVol, markets: mres,
  };
}
