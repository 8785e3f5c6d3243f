// Bit-exact mirror of crates/risk-engine/src/{risk_array,accumulate,margin}.rs: an account's
// equity, MM and IM. Sums are exact bigints here; where the Rust limbs would overflow, the same
// error is raised.
import { floorDiv, mulDivU64, mulQ32, ppmOfCeil, Q32_ONE } from "./fixed";
import { FIRST_TAIL, MarketPrep, MarketState, N_SCEN, N_SPOT, SCENARIOS, SlicePrep } from "./grid";
import { GlobalParams, MAX_HAIRCUT_PPM, validateGlobalParams } from "./params";
import { OptionPrep, staleState } from "./pricer";
import { RiskError } from "./wide";

export const MAX_POSITIONS = 32;
export const MAX_COLLATERALS = 8;
export const MAX_MARKETS = 4;
export const QUOTE = 255;
export const MAX_SIZE = 10_000_000_000_000n;
/** Largest quote collateral amount (quote units, $1B): quote collateral only adds to equity. */
export const MAX_QUOTE_COLLATERAL = 1_000_000_000_000_000n;
export const MAX_COST = 1_000_000_000_000_000_000n;
const UNIT = 1_000_000n;
const I64_MAX = (1n << 63n) - 1n;
const I64_MIN = -(1n << 63n);

export enum Kind { Perp = 0, Future = 1, Call = 2, Put = 3 }
export interface Position { market: number; kind: Kind; slice: number; strike: bigint; size: bigint; cost: bigint }
/**
 * `asset`: QUOTE or a market index; amount in quote units (QUOTE) or at 1e6. Haircuts (ppm, MM <= IM <=
 * MAX_HAIRCUT_PPM) are the collateral's own liquidation cost: its price risk is in the scan.
 */
export interface Collateral { asset: number; haircutMmPpm: number; haircutImPpm: number; amount: bigint }
export interface Account { global: GlobalParams; markets: MarketState[]; positions: Position[]; collateral: Collateral[]; now: bigint }
export interface AddOn { mm: bigint; im: bigint }
export interface MarketResult {
  pnl: bigint[]; worst: bigint; worstIndex: number; rangePpm: number; nakedShort: AddOn; linear: AddOn; haircut: AddOn;
}
export interface ScanResult { loss: bigint; lossFresh: bigint; lossSeparate: bigint; lossJoint: bigint; worstJointIndex: number; worstJointPnl: bigint }
export interface MarginResult {
  equity: bigint; mm: bigint; im: bigint; scan: ScanResult; scanMargin: AddOn; nakedShort: AddOn; linear: AddOn;
  haircut: AddOn; staleVol: AddOn; imFloor: bigint; markets: MarketResult[];
}

/** An instrument's unit P&L per scenario (price units per contract, tails unweighted). */
export interface RiskArray { pnl: bigint[]; pnlStale: bigint[]; valuePx: bigint; priceBits: number }

const abs = (x: bigint): bigint => (x < 0n ? -x : x);
const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);
function i64(x: bigint): bigint {
  if (x > I64_MAX || x < I64_MIN) throw new RiskError("Overflow");
  return x;
}

export function optionRiskArray(op: OptionPrep, stale: boolean, priceBits: number): RiskArray {
  const base = op.valuePx(0, 0);
  const pnl = op.scenarioPnl([0, 1, 2], base);
  const pnlStale = stale ? op.scenarioPnl([0, staleState(1), staleState(2)], base) : pnl;
  return { pnl, pnlStale, valuePx: base, priceBits };
}
export function linearRiskArray(spotPnl: bigint[], priceBits: number): RiskArray {
  const pnl = SCENARIOS.map(([j]) => spotPnl[j]);
  return { pnl, pnlStale: pnl, valuePx: 0n, priceBits };
}
export const futureSpotPnl = (slice: SlicePrep): bigint[] => slice.forwardAtPx.map((f) => f - slice.forwardPx);

/** The instrument of a position in its canonical form (perps no expiry, only options a strike). */
export function canonical(p: Position): Position {
  const slice = p.kind === Kind.Perp ? 0 : p.slice;
  const strike = p.kind === Kind.Perp || p.kind === Kind.Future ? 0n : p.strike;
  return { ...p, slice, strike };
}
export const instrumentKey = (p: Position): string => `${p.market}:${p.kind}:${p.slice}:${p.strike}`;

export function netPositions(positions: Position[]): Position[] {
  if (positions.length > MAX_POSITIONS) throw new RiskError("TooManyPositions");
  const out: Position[] = [];
  for (const p of positions) {
    if (abs(p.size) > MAX_SIZE || abs(p.cost) > MAX_COST) throw new RiskError("BadSize");
    const c = canonical(p);
    const q = out.find((o) => o.market === c.market && o.kind === c.kind && o.slice === c.slice && o.strike === c.strike);
    if (q) {
      q.size = i64(q.size + p.size);
      q.cost = i64(q.cost + p.cost);
    } else out.push({ ...c });
  }
  return out;
}

/** Exact scenario sums with the overflow rule of the Rust limbs (hi = floor(total / 2^21) in i64). */
class ScenarioSums {
  readonly total: bigint[] = new Array(N_SCEN).fill(0n);
  add(size: bigint, pnl: bigint[]): void {
    for (let s = 0; s < N_SCEN; s++) {
      if ((size * pnl[s]) >> 21n > I64_MAX || (size * pnl[s]) >> 21n < I64_MIN) throw new RiskError("Overflow");
      this.total[s] += size * pnl[s];
      i64(this.total[s] >> 21n);
    }
  }
  subtractAll(amount: bigint): void {
    for (let s = 0; s < N_SCEN; s++) {
      this.total[s] -= amount;
      i64(this.total[s] >> 21n);
    }
  }
  quoteFloor(s: number, priceBits: number): bigint {
    const total = this.total[s];
    const l = 21n - BigInt(priceBits);
    const hi = total >> 21n;
    if (abs(hi) >= 1n << (62n - l)) {
      const shift = 15n - BigInt(priceBits);
      const a = floorDiv(hi, 15_625n);
      if (abs(a) >= 1n << (62n - shift)) throw new RiskError("Overflow");
    }
    return i64(floorDiv(total, (1n << BigInt(priceBits)) * UNIT));
  }
}

interface Exposure { shortCalls: bigint; longCalls: bigint; shortPuts: bigint; longPuts: bigint; linear: bigint; collateral: bigint }

function addOnOf(amount: bigint, mmPpm: number, imPpm: number): AddOn {
  return { mm: ppmOfCeil(amount, mmPpm), im: ppmOfCeil(amount, imPpm) };
}
const sum = (a: AddOn, b: AddOn): AddOn => ({ mm: i64(a.mm + b.mm), im: i64(a.im + b.im) });
const ZERO: AddOn = { mm: 0n, im: 0n };

function addOns(e: Exposure, m: MarketState): { nakedShort: AddOn; linear: AddOn } {
  const p = m.params;
  const deltaOne = e.linear + e.collateral;
  const nakedCalls = max(e.shortCalls - e.longCalls - max(deltaOne, 0n), 0n);
  const nakedPuts = max(e.shortPuts - e.longPuts - max(-e.linear, 0n), 0n);
  const longLinear = max(e.linear, 0n);
  const shortLinear = max(-deltaOne, 0n);
  const covering = min(longLinear, e.shortCalls) + min(shortLinear, e.shortPuts);
  const uncovered = max(longLinear - e.shortCalls, 0n) + max(shortLinear - e.shortPuts, 0n);
  const notional = (contracts: bigint): bigint => mulDivU64(max(contracts, 0n), m.spot, UNIT, true);
  return {
    nakedShort: addOnOf(notional(nakedCalls + nakedPuts), p.nakedShortMmPpm, p.nakedShortImPpm),
    linear: sum(addOnOf(notional(uncovered), p.linearMmPpm, p.linearImPpm), addOnOf(notional(covering), p.nakedShortMmPpm, p.nakedShortImPpm)),
  };
}

/** Haircuts of market `index`'s collateral: each entry's value at spot (rounded up) x its own rates. */
function haircuts(collateral: Collateral[], index: number, spot: bigint): AddOn {
  let total = ZERO;
  for (const c of collateral) {
    if (c.asset !== index) continue;
    total = sum(total, addOnOf(mulDivU64(c.amount, spot, UNIT, true), c.haircutMmPpm, c.haircutImPpm));
  }
  return total;
}

function validateCollateral(c: Collateral): void {
  // quote may be negative (a debt secured by the portfolio); underlyings may not
  const [min, max] = c.asset === QUOTE ? [-MAX_QUOTE_COLLATERAL, MAX_QUOTE_COLLATERAL] : [0n, MAX_SIZE];
  if (c.amount < min || c.amount > max) throw new RiskError("BadSize");
  if (c.haircutMmPpm > c.haircutImPpm || c.haircutImPpm > MAX_HAIRCUT_PPM) throw new RiskError("BadHaircut");
}

function reduce(sums: ScenarioSums, mp: MarketPrep): bigint[] {
  const out: bigint[] = new Array(N_SCEN).fill(0n);
  for (let s = 1; s < N_SCEN; s++) {
    const pnl = sums.quoteFloor(s, mp.priceBits);
    out[s] = s >= FIRST_TAIL ? mulQ32(pnl, mp.tailWeight[s - FIRST_TAIL]) : pnl;
  }
  return out;
}

function worstScenario(pnl: bigint[]): [number, bigint] {
  let [index, worst] = [0, 0n];
  pnl.forEach((x, s) => {
    if (x < worst) [index, worst] = [s, x];
  });
  return [index, worst];
}

function scanLoss(arrays: bigint[][], creditPpm: number): ScanResult {
  let separate = 0n;
  for (const a of arrays) separate = i64(separate - worstScenario(a)[1]);
  let [jointIndex, jointPnl] = [0, 0n];
  for (let s = 1; s < N_SCEN; s++) {
    let total = 0n;
    for (const a of arrays) total = i64(total + a[s]);
    if (total < jointPnl) [jointIndex, jointPnl] = [s, total];
  }
  const jointLoss = -jointPnl;
  const spread = max(i64(separate - jointLoss), 0n);
  const loss = i64(separate - mulDivU64(spread, BigInt(creditPpm), UNIT, false));
  return { loss, lossFresh: loss, lossSeparate: separate, lossJoint: jointLoss, worstJointIndex: jointIndex, worstJointPnl: jointPnl };
}

/** Risk arrays and preparations shared across accounts evaluated against the same market states
 * (the crank's case: each instrument is priced once per tick, whatever the number of accounts). */
export class RiskArrayCache {
  private readonly preps = new Map<number, MarketPrep>();
  private readonly arrays = new Map<string, RiskArray>();
  constructor(readonly markets: MarketState[], readonly now: bigint) {}
  prep(mi: number): MarketPrep {
    let p = this.preps.get(mi);
    if (!p) {
      p = new MarketPrep(this.markets[mi]);
      this.preps.set(mi, p);
    }
    return p;
  }
  /** The risk array of the (canonical) instrument of `p`. */
  array(p: Position): RiskArray {
    const key = instrumentKey(p);
    let a = this.arrays.get(key);
    if (!a) {
      a = instrumentArray(this.prep(p.market), p, this.now);
      this.arrays.set(key, a);
    }
    return a;
  }
}

/** The risk array of the instrument of `p` (canonical) on its prepared market. */
export function instrumentArray(mp: MarketPrep, p: Position, now: bigint): RiskArray {
  switch (p.kind) {
    case Kind.Perp:
      return linearRiskArray(mp.spotPnl, mp.priceBits);
    case Kind.Future: {
      const slice = mp.ensureSlice(p.slice, now);
      return { ...linearRiskArray(futureSpotPnl(slice), mp.priceBits), valuePx: slice.forwardPx };
    }
    default: {
      const slice = mp.ensureSlice(p.slice, now);
      const op = new OptionPrep(mp, slice, p.kind === Kind.Call, p.strike, mp.stale);
      return optionRiskArray(op, mp.stale, mp.priceBits);
    }
  }
}

/** Value of one contract in quote units, rounded against the holder (long down, short up). */
function unitValue(mp: MarketPrep, p: Position, ra: RiskArray): bigint {
  if (p.kind === Kind.Perp) return mp.spot;
  const bits = BigInt(mp.priceBits);
  const v = ra.valuePx;
  return p.size > 0n ? v >> bits : (v + (1n << bits) - 1n) >> bits;
}

/** One contract's value in quote units: `long` rounded down, `short` rounded up. */
export interface MarkValue { long: bigint; short: bigint }

/**
 * One contract's value of an instrument of market `m` at its spot and vols (quote units per
 * contract, long rounded down, short rounded up): the mark at which a liquidation transfers a
 * position. Mirror of `risk_engine::mark_value`: perpetual = spot, future = forward, option = the
 * engine's model value; the market is validated as an evaluation validates it.
 */
export function markValue(m: MarketState, kind: Kind, slice: number, strike: bigint, now: bigint): MarkValue {
  const mp = new MarketPrep(m);
  const contract: Position = { market: 0, kind, slice, strike, size: UNIT, cost: 0n };
  const ra = instrumentArray(mp, contract, now);
  if (kind === Kind.Perp) return { long: mp.spot, short: mp.spot };
  const bits = BigInt(mp.priceBits);
  return { long: ra.valuePx >> bits, short: (ra.valuePx + (1n << bits) - 1n) >> bits };
}

/** Evaluate an account (the TypeScript mirror of `risk_engine::evaluate`). */
export function evaluate(account: Account, cache?: RiskArrayCache): MarginResult {
  const { global: g, markets, collateral, now } = account;
  validateGlobalParams(g);
  if (markets.length > MAX_MARKETS) throw new RiskError("TooManyMarkets");
  if (collateral.length > MAX_COLLATERALS) throw new RiskError("TooManyCollaterals");
  const net = netPositions(account.positions);
  let equity = 0n;
  const byMarket = markets.map(() => 0n);
  let [naked, linear, haircut] = [ZERO, ZERO, ZERO];
  for (const c of collateral) {
    validateCollateral(c);
    if (c.asset === QUOTE) {
      equity += c.amount * UNIT;
      // a haircut lowers what an asset is worth; a debt is owed in full
      haircut = sum(haircut, addOnOf(c.amount > 0n ? c.amount : 0n, c.haircutMmPpm, c.haircutImPpm));
    } else if (c.asset < markets.length) byMarket[c.asset] = i64(byMarket[c.asset] + c.amount);
    else throw new RiskError("BadMarketIndex");
  }
  for (const p of net) {
    if (p.market >= markets.length) throw new RiskError("BadMarketIndex");
    equity -= p.cost * UNIT;
  }
  const fresh: bigint[][] = [];
  const results: MarketResult[] = [];
  markets.forEach((m, mi) => {
    const mp = cache ? cache.prep(mi) : new MarketPrep(m);
    const stale = m.volStale;
    const sums = new ScenarioSums();
    const sumsStale = new ScenarioSums();
    const coll = byMarket[mi];
    let allowance = coll;
    const e: Exposure = { shortCalls: 0n, longCalls: 0n, shortPuts: 0n, longPuts: 0n, linear: 0n, collateral: coll };
    for (const p of net) {
      if (p.market !== mi) continue;
      const ra = cache ? cache.array(p) : instrumentArray(mp, p, now);
      if (p.size === 0n) continue;
      sums.add(p.size, ra.pnl);
      if (stale) sumsStale.add(p.size, ra.pnlStale);
      allowance = i64(allowance + abs(p.size));
      const value = p.kind === Kind.Future ? unitValue(mp, p, ra) : unitValue(mp, p, ra);
      equity += p.size * value;
      const a = abs(p.size);
      if (p.kind === Kind.Call) p.size > 0n ? (e.longCalls += a) : (e.shortCalls += a);
      else if (p.kind === Kind.Put) p.size > 0n ? (e.longPuts += a) : (e.shortPuts += a);
      else e.linear = i64(e.linear + p.size);
    }
    if (coll > 0n) {
      const ra = linearRiskArray(mp.spotPnl, mp.priceBits);
      sums.add(coll, ra.pnl);
      if (stale) sumsStale.add(coll, ra.pnl);
      equity += coll * mp.spot;
    }
    sums.subtractAll(allowance);
    fresh[mi] = reduce(sums, mp);
    let pnl = fresh[mi];
    if (stale) {
      sumsStale.subtractAll(allowance);
      pnl = reduce(sumsStale, mp);
    }
    const [worstIndex, worst] = worstScenario(pnl);
    const adds = { ...addOns(e, m), haircut: haircuts(collateral, mi, m.spot) };
    naked = sum(naked, adds.nakedShort);
    linear = sum(linear, adds.linear);
    haircut = sum(haircut, adds.haircut);
    const rangePpm = Number((((mp.rangeQ48 >> 16n) * 1_000_000n) >> 32n));
    results.push({ pnl, worst, worstIndex, rangePpm, ...adds });
  });
  const equityQuote = i64(floorDiv(equity, UNIT));
  const freshScan = scanLoss(fresh, g.corrCreditPpm);
  let inForce = freshScan;
  if (markets.some((m) => m.volStale)) {
    inForce = scanLoss(results.map((r) => r.pnl), g.corrCreditPpm);
    inForce.loss = max(inForce.loss, freshScan.loss);
  }
  const scan: ScanResult = { ...inForce, lossFresh: freshScan.loss };
  const scanMargin = addOnOf(freshScan.loss, g.mmScanPpm, g.imScanPpm);
  const widened = addOnOf(inForce.loss, g.mmScanPpm, g.imScanPpm);
  const staleVol = { mm: widened.mm - scanMargin.mm, im: widened.im - scanMargin.im };
  let total = scanMargin;
  for (const a of [staleVol, naked, linear, haircut]) total = sum(total, a);
  const floor = ppmOfCeil(total.mm, g.imOverMmMinPpm);
  return {
    equity: equityQuote, mm: total.mm, im: max(total.im, floor), scan, scanMargin, nakedShort: naked, linear, haircut, staleVol,
    imFloor: max(floor - total.im, 0n), markets: results,
  };
}

export { N_SPOT, Q32_ONE };
