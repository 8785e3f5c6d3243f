// The crank's health scan: which accounts are below maintenance margin, for many accounts per tick.
//
// Instruments are priced once per tick (exact risk arrays, shared through a RiskArrayCache); each
// account is then accumulated in float64 with an error bound. Where the float64 margin is within
// that bound of the liquidation threshold (equity = MM), the account is re-evaluated with the
// exact engine, so every decision is the exact engine's (tests/unit/risk-scan.test.ts checks it on
// 100,000 accounts, including ones within one quote unit of MM).
import { FIRST_TAIL, MarketState, N_SCEN, SCENARIOS } from "./grid";
import { Account, canonical, Collateral, evaluate, instrumentKey, Kind, MarginResult, Position, QUOTE, RiskArrayCache } from "./margin";
import { GlobalParams } from "./params";

/** An instrument of the tick, in float64: unit P&L per scenario in quote units per contract. */
interface Instrument {
  market: number;
  kind: Kind;
  pnl: Float64Array;
  pnlStale: Float64Array;
  /** value per contract in quote units (long: rounded down, short: rounded up, as the engine) */
  valueLong: number;
  valueShort: number;
  /** max |pnl| (the error bound's scale) */
  maxAbs: number;
}

/** An account prepared for scanning: instrument indices and sizes in contracts. */
export interface CompiledAccount {
  account: Account;
  instrument: Int32Array;
  contracts: Float64Array;
  /** quote collateral and the sum of costs (quote units), collateral per market (units) */
  quote: number;
  cost: number;
  collateral: Float64Array;
  /** haircut rates weighted by amount: per market in units x ppm, quote in quote units (MM, IM) */
  haircutMm: Float64Array;
  haircutIm: Float64Array;
  quoteHaircut: [number, number];
}

export interface Health {
  /** equity < MM (the exact engine's decision) */
  liquidatable: boolean;
  /** equity - MM and equity - IM in quote units (float64 estimates, or exact when `exact`) */
  excessOverMm: number;
  excessOverIm: number;
  /** decided by the exact engine (the estimate was too close to call) */
  exact: boolean;
  result?: MarginResult;
}

export class HealthScanner {
  cache: RiskArrayCache;
  private readonly instruments: Instrument[] = [];
  /** the canonical position each instrument was priced from (to re-price it next tick) */
  private readonly instrumentPositions: Position[] = [];
  private readonly index = new Map<string, number>();
  private spotPnl: Float64Array[] = [];
  private tailWeight: number[][] = [];
  private priceUnit: number[] = [];
  /** exact re-evaluations so far */
  exactCount = 0;

  constructor(readonly global: GlobalParams, public markets: MarketState[], public now: bigint) {
    this.cache = new RiskArrayCache(markets, now);
    this.prepareMarkets();
  }

  /**
   * A new tick: new prices, vols and time for the same markets (same instruments listed at the
   * same indices). Every instrument seen so far is re-priced; compiled accounts stay valid, so a
   * tick costs the instruments' pricing plus the scan, not a recompile of every account.
   */
  reprice(markets: MarketState[], now: bigint): void {
    if (markets.length !== this.markets.length) throw new Error("HealthScanner.reprice: the market count changed (recompile instead)");
    this.markets = markets;
    this.now = now;
    this.cache = new RiskArrayCache(markets, now);
    this.prepareMarkets();
    this.instrumentPositions.forEach((c, i) => (this.instruments[i] = this.price(c)));
  }

  private anyStale = false;

  private prepareMarkets(): void {
    this.anyStale = this.markets.some((m) => m.volStale);
    this.spotPnl = this.markets.map((_, mi) => {
      const mp = this.cache.prep(mi);
      return Float64Array.from(SCENARIOS.map(([j]) => Number(mp.spotPnl[j]) / 2 ** mp.priceBits));
    });
    this.tailWeight = this.markets.map((_, mi) => this.cache.prep(mi).tailWeight.map((w) => Number(w) / 2 ** 32));
    this.priceUnit = this.markets.map((_, mi) => 2 ** -this.cache.prep(mi).priceBits);
  }

  private price(c: Position): Instrument {
    const ra = this.cache.array(c);
    const scale = 2 ** -ra.priceBits;
    const mp = this.cache.prep(c.market);
    const bits = BigInt(ra.priceBits);
    const value = c.kind === Kind.Perp ? [mp.spot, mp.spot] : [ra.valuePx >> bits, (ra.valuePx + (1n << bits) - 1n) >> bits];
    const pnl = Float64Array.from(ra.pnl, (x) => Number(x) * scale);
    const pnlStale = Float64Array.from(ra.pnlStale, (x) => Number(x) * scale);
    let maxAbs = 0;
    for (let s = 0; s < N_SCEN; s++) maxAbs = Math.max(maxAbs, Math.abs(pnl[s]), Math.abs(pnlStale[s]));
    return { market: c.market, kind: c.kind, pnl, pnlStale, valueLong: Number(value[0]), valueShort: Number(value[1]), maxAbs };
  }

  private instrumentIndex(p: Position): number {
    const c = canonical(p);
    const key = instrumentKey(c);
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.instruments.length;
      this.instruments.push(this.price(c));
      this.instrumentPositions.push(c);
      this.index.set(key, i);
    }
    return i;
  }

  /** Prepare an account for repeated scans (instrument lookups done once). */
  compile(account: Account): CompiledAccount {
    const n = account.positions.length;
    const instrument = new Int32Array(n);
    const contracts = new Float64Array(n);
    let cost = 0;
    account.positions.forEach((p, k) => {
      instrument[k] = this.instrumentIndex(p);
      contracts[k] = Number(p.size) / 1e6;
      cost += Number(p.cost);
    });
    const collateral = new Float64Array(this.markets.length);
    const haircutMm = new Float64Array(this.markets.length);
    const haircutIm = new Float64Array(this.markets.length);
    const quoteHaircut: [number, number] = [0, 0];
    let quote = 0;
    for (const c of account.collateral as Collateral[]) {
      const amount = Number(c.amount);
      if (c.asset === QUOTE) {
        quote += amount;
        quoteHaircut[0] += (amount * c.haircutMmPpm) / 1e6;
        quoteHaircut[1] += (amount * c.haircutImPpm) / 1e6;
      } else {
        collateral[c.asset] += amount / 1e6;
        haircutMm[c.asset] += (amount / 1e6) * c.haircutMmPpm;
        haircutIm[c.asset] += (amount / 1e6) * c.haircutImPpm;
      }
    }
    return { account, instrument, contracts, quote, cost, collateral, haircutMm, haircutIm, quoteHaircut };
  }

  private readonly freshRows: Float64Array[] = [];
  private readonly staleRows: Float64Array[] = [];
  private readonly inForceRows: Float64Array[] = [];
  /** Rows of N_SCEN per market, allocated once per scanner. */
  private rows(list: Float64Array[], n: number): Float64Array[] {
    while (list.length < n) list.push(new Float64Array(N_SCEN));
    return list;
  }

  /** The account's health this tick. */
  health(c: CompiledAccount): Health {
    const g = this.global;
    const nm = this.markets.length;
    // scratch rows reused across accounts (a tick scans 100,000 of them: no per-account garbage)
    const fresh = this.rows(this.freshRows, nm);
    const staleRows = this.rows(this.staleRows, nm);
    // per market: the stale rows when its vol is stale, else the fresh ones
    const inForce = this.inForceRows;
    inForce.length = nm;
    let equity = c.quote - c.cost;
    let addMm = c.quoteHaircut[0];
    let addIm = c.quoteHaircut[1];
    let magnitude = Math.abs(c.quote) + Math.abs(c.cost);
    let legs = 0;
    for (let mi = 0; mi < nm; mi++) {
      const m = this.markets[mi];
      const p = m.params;
      const stale = m.volStale;
      const acc = fresh[mi].fill(0);
      const accStale = stale ? staleRows[mi].fill(0) : acc;
      inForce[mi] = accStale;
      let allowance = 0;
      let shortCalls = 0, longCalls = 0, shortPuts = 0, longPuts = 0, linear = 0;
      for (let k = 0; k < c.instrument.length; k++) {
        const ins = this.instruments[c.instrument[k]];
        if (ins.market !== mi) continue;
        const q = c.contracts[k];
        if (q === 0) continue;
        legs++;
        const pnl = ins.pnl;
        for (let s = 1; s < N_SCEN; s++) acc[s] += q * pnl[s];
        if (stale) for (let s = 1; s < N_SCEN; s++) accStale[s] += q * ins.pnlStale[s];
        const a = Math.abs(q);
        allowance += a;
        magnitude += a * ins.maxAbs + a * Math.max(ins.valueLong, ins.valueShort);
        equity += q * (q > 0 ? ins.valueLong : ins.valueShort);
        if (ins.kind === Kind.Call) q > 0 ? (longCalls += a) : (shortCalls += a);
        else if (ins.kind === Kind.Put) q > 0 ? (longPuts += a) : (shortPuts += a);
        else linear += q;
      }
      const coll = c.collateral[mi];
      if (coll > 0) {
        const sp = this.spotPnl[mi];
        for (let s = 1; s < N_SCEN; s++) acc[s] += coll * sp[s];
        if (stale) for (let s = 1; s < N_SCEN; s++) accStale[s] += coll * sp[s];
        allowance += coll;
        const spot = Number(m.spot);
        equity += coll * spot;
        magnitude += coll * spot * 4;
      }
      const reduce = (a: Float64Array): Float64Array => {
        const unit = allowance * this.priceUnit[mi];
        for (let s = 1; s < N_SCEN; s++) {
          a[s] -= unit;
          if (s >= FIRST_TAIL) a[s] *= this.tailWeight[mi][s - FIRST_TAIL];
        }
        return a;
      };
      reduce(acc);
      if (stale) reduce(accStale);
      // add-ons (exposures are exact in float64: contracts below 2^53 x 1e-6)
      const spot = Number(m.spot);
      const deltaOne = linear + coll;
      const naked = Math.max(shortCalls - longCalls - Math.max(deltaOne, 0), 0) + Math.max(shortPuts - longPuts - Math.max(-linear, 0), 0);
      const longLinear = Math.max(linear, 0);
      const shortLinear = Math.max(-deltaOne, 0);
      const covering = Math.min(longLinear, shortCalls) + Math.min(shortLinear, shortPuts);
      const uncovered = Math.max(longLinear - shortCalls, 0) + Math.max(shortLinear - shortPuts, 0);
      addMm += spot * (naked * p.nakedShortMmPpm + uncovered * p.linearMmPpm + covering * p.nakedShortMmPpm + c.haircutMm[mi]) / 1e6;
      addIm += spot * (naked * p.nakedShortImPpm + uncovered * p.linearImPpm + covering * p.nakedShortImPpm + c.haircutIm[mi]) / 1e6;
    }
    const scan = (arrays: Float64Array[]): number => {
      let separate = 0;
      for (let mi = 0; mi < nm; mi++) {
        const a = arrays[mi];
        let w = 0;
        for (let s = 1; s < N_SCEN; s++) if (a[s] < w) w = a[s];
        separate -= w;
      }
      let joint = 0;
      for (let s = 1; s < N_SCEN; s++) {
        let t = 0;
        for (let mi = 0; mi < nm; mi++) t += arrays[mi][s];
        if (t < joint) joint = t;
      }
      return separate - (g.corrCreditPpm / 1e6) * Math.max(separate + joint, 0);
    };
    const freshLoss = scan(fresh);
    const loss = this.anyStale ? Math.max(scan(inForce), freshLoss) : freshLoss;
    const mm = (g.mmScanPpm / 1e6) * loss + addMm;
    const im = Math.max((g.imScanPpm / 1e6) * loss + addIm, (g.imOverMmMinPpm / 1e6) * mm);
    // the engine rounds every scenario, tail weight, add-on and margin against the account (a few
    // quote units each) and float64 sums lose at most ~1e-15 of their terms: far inside this bound
    const bound = 1e-12 * magnitude + 16 * (legs + nm * N_SCEN) + 64;
    const excessOverMm = equity - mm;
    if (Math.abs(excessOverMm) > bound) return { liquidatable: excessOverMm < 0, excessOverMm, excessOverIm: equity - im, exact: false };
    this.exactCount++;
    // the account as of this tick (compiled accounts outlive a reprice)
    const r = evaluate({ ...c.account, markets: this.markets, now: this.now }, this.cache);
    return { liquidatable: r.equity < r.mm, excessOverMm: Number(r.equity - r.mm), excessOverIm: Number(r.equity - r.im), exact: true, result: r };
  }
}

export type { Account };
