// The crank's vol refresh, offline: the EWMA realised-vol source on a synthetic GBM path of known
// sigma sampled at uneven times; the Deribit smile fit on chains generated from a known smile
// (both file formats) and on the committed sample; and planVolUpdate against an independent
// transcription, written out here, of the program's checks in update_vol_params.rs and
// VolGuards::check_bounds / check_change.
import { expect } from "chai";
import { existsSync, readFileSync } from "fs";
import * as path from "path";
import type { MarketInfo } from "../../app/src";
import {
  DeribitChainSource,
  EwmaRealisedVol,
  VolPlanMarket,
  VolSlice,
  YEAR_SECS,
  chainFormat,
  fitChain,
  interpolateSlice,
  parseCsv,
  parseDeribitChain,
  planVolUpdate,
} from "../../crank/src/vol";

/** Seeded uniform [0, 1) (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function normal(u: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

const flat = (atm: bigint): VolSlice => ({ atmPpm: atm, skewPpm: -100_000n, curvPpm: 300_000n, basisPpm: 20_000n });

describe("crank vol: EWMA realised vol", () => {
  /** Feeds a GBM path of annual vol `sigma`, spacings drawn by `gap`; returns the source. */
  function gbm(sigma: number, n: number, gap: (u: () => number) => number, seed: number, src = new EwmaRealisedVol({ halfLifeSecs: 30 * 86_400, minSpacingSecs: 0 })) {
    const u = rng(seed);
    let t = 1_600_000_000;
    let p = 10_000;
    src.observe("BTC", t, p);
    for (let i = 0; i < n; i++) {
      const dt = gap(u);
      const yrs = dt / YEAR_SECS;
      p *= Math.exp(-0.5 * sigma * sigma * yrs + sigma * Math.sqrt(yrs) * normal(u));
      t += dt;
      src.observe("BTC", t, p);
    }
    return { src, t, p };
  }

  it("recovers sigma from irregularly spaced samples (minutes mixed with hours)", () => {
    for (const [sigma, seed] of [[0.8, 1], [0.35, 2], [1.5, 3]] as const) {
      // Half the gaps one minute, half up to 12 hours: a per-sample average would be far off.
      const { src } = gbm(sigma, 6_000, (u) => (u() < 0.5 ? 60 : 600 + u() * 12 * 3600), seed);
      const est = src.estimate("BTC")!;
      expect(est.samples).to.equal(6_000);
      expect(Math.abs(est.vol / sigma - 1), `sigma ${sigma}: ${est.vol}`).to.be.below(0.1);
    }
  });

  it("ignores duplicates and out-of-order readings", () => {
    const a = gbm(0.6, 500, (u) => 60 + u() * 3600, 7).src.estimate("BTC")!;
    // Same path, every reading fed twice and followed by a stale one from the past.
    const src = new EwmaRealisedVol({ halfLifeSecs: 30 * 86_400, minSpacingSecs: 0 });
    const twice = { observe: (s: string, t: number, p: number) => (src.observe(s, t, p), src.observe(s, t, p * 1.1), src.observe(s, t - 30, p * 0.9)) };
    gbm(0.6, 500, (u) => 60 + u() * 3600, 7, twice as unknown as EwmaRealisedVol);
    expect(src.estimate("BTC")!.vol).to.equal(a.vol);
    expect(src.estimate("BTC")!.samples).to.equal(500);
  });

  it("gives the floor for constant prices, keeps skew, curvature and basis, needs min samples", () => {
    const src = new EwmaRealisedVol({ floorVol: 0.2, minSamples: 10, minSpacingSecs: 0 });
    const req = (now: number) => ({ symbol: "ETH", spot: 2000, now, expiries: [now + 86_400 * 7, now + 86_400 * 30], current: [flat(500_000n), flat(600_000n)] });
    for (let i = 0; i < 10; i++) {
      src.observe("ETH", 1_000 + i * 60, 2000);
      expect(src.slices(req(1_000 + i * 60))).to.equal(null);
    }
    src.observe("ETH", 1_600, 2000);
    const out = src.slices(req(1_600))!;
    expect(out).to.deep.equal([flat(200_000n), flat(200_000n)]);
    expect(src.slices({ ...req(1_600), symbol: "SOL" })).to.equal(null);
  });

  it("applies a term multiplier and the cap", () => {
    const { src, t } = gbm(0.5, 2_000, () => 3600, 11, new EwmaRealisedVol({ termMultiplier: (y) => 1 + y, capVol: 0.9 }));
    const vol = src.estimate("BTC")!.vol;
    const out = src.slices({ symbol: "BTC", spot: 1, now: t, expiries: [t, t + YEAR_SECS / 2, t + 2 * YEAR_SECS], current: [] })!;
    expect(Number(out[0].atmPpm)).to.be.closeTo(vol * 1e6, 1);
    expect(Number(out[1].atmPpm)).to.be.closeTo(Math.min(vol * 1.5, 0.9) * 1e6, 1);
    expect(out[2].atmPpm).to.equal(900_000n);
    expect(out[2].skewPpm).to.equal(0n); // no current slice: nothing to keep
  });

  it("skips readings closer than minSpacingSecs, without losing the interval", () => {
    const src = new EwmaRealisedVol({ minSpacingSecs: 60 });
    src.observe("X", 0, 100);
    src.observe("X", 30, 150); // skipped
    src.observe("X", 60, 110);
    const est = src.estimate("X")!;
    expect(est.samples).to.equal(1);
    expect(est.vol).to.be.closeTo(Math.sqrt((Math.log(1.1) ** 2 / 60) * YEAR_SECS), 1e-12);
  });
});

describe("crank vol: Deribit chain fit", () => {
  const SNAP = Date.parse("2025-12-30T12:00:00Z") / 1000;
  const smile = (T: number) => ({ atm: 0.5 + 0.1 * T, skew: -0.2 + 0.1 * T, curv: 0.8 - 0.5 * T, basis: 0.04 + 0.02 * T });
  const iso = (t: number) => new Date(t * 1000).toISOString();
  const MATURITIES = [14, 45, 120, 300].map((d) => SNAP + d * 86_400);
  const INDEX = 90_000;

  /** Rows (call and put per strike) from the known smile, plus junk the fit must drop. */
  function chainRows() {
    const rows: { expiry: number; strike: number; type: "call" | "put"; forward: number; iv: number }[] = [];
    for (const expiry of MATURITIES) {
      const T = (expiry - SNAP) / YEAR_SECS;
      const s = smile(T);
      const forward = INDEX * Math.exp(s.basis * T);
      for (let K = 40_000; K <= 200_000; K += 2_500) {
        const k = Math.log(K / forward);
        const inside = Math.abs(k) <= Math.min(0.7, 2.5 * s.atm * Math.sqrt(T));
        // Beyond the fit window the "quotes" are wrong on purpose: they must not be used.
        const iv = inside ? s.atm + s.skew * k + s.curv * k * k : 3;
        for (const type of ["call", "put"] as const) rows.push({ expiry, strike: K, type, forward, iv });
      }
      rows.push({ expiry, strike: 90_000, type: "call", forward, iv: 0 }); // no IV
      rows.push({ expiry, strike: 92_500, type: "put", forward, iv: 9 }); // absurd IV
    }
    // An expiry in two hours: skipped (its basis would be noise over a tiny T).
    rows.push(...[85_000, 90_000, 95_000].map((strike) => ({ expiry: SNAP + 7200, strike, type: "call" as const, forward: INDEX * 1.001, iv: 0.4 })));
    return rows;
  }

  function instrumentCsv(): string {
    const head = "timestamp,instrument_name,underlying_index,expiration_timestamp,option_type,strike,underlying_price,index_price,mark_price,mark_iv";
    const lines = chainRows().map((r) => `${iso(SNAP)},BTC-X-${r.strike}-${r.type[0].toUpperCase()},SYN,${iso(r.expiry)},${r.type},${r.strike},${r.forward},${INDEX},0,${r.iv * 100}`);
    return [head, ...lines].join("\r\n") + "\r\n";
  }

  function analyticsCsv(currency = "BTC"): string {
    const head = "timestamp,instrument_name,underlying,option_type,strike,expiry_datetime,time_to_maturity,futures_price,implied_volatility,currency,index_price";
    const lines = chainRows().map(
      (r) => `${iso(SNAP)},${currency}-X-${r.strike}-${r.type[0].toUpperCase()},${r.forward},${r.type},${r.strike},${iso(r.expiry)},${(r.expiry - SNAP) / YEAR_SECS},${r.forward},${r.iv},${currency},${INDEX}`,
    );
    return [head, ...lines].join("\n");
  }

  it("reads CSV with quotes, doubled quotes and CRLF", () => {
    expect(parseCsv('a,"b,c","d ""e"""\r\n1,,3\n\n')).to.deep.equal([["a", "b,c", 'd "e"'], ["1", "", "3"]]);
  });

  for (const [format, csv] of [["instrument", instrumentCsv], ["analytics", analyticsCsv]] as const) {
    it(`recovers atm/skew/curv/basis from a ${format}-format chain`, () => {
      const quotes = parseDeribitChain(csv());
      expect(chainFormat(csv().split(/\r?\n/)[0].split(","))).to.equal(format);
      const fitted = fitChain(quotes);
      expect(fitted.map((f) => f.expiry)).to.deep.equal(MATURITIES);
      for (const f of fitted) {
        const s = smile(f.years);
        expect(f.currency).to.equal("BTC");
        expect(f.atm).to.be.closeTo(s.atm, 1e-9);
        expect(f.skew).to.be.closeTo(s.skew, 1e-8);
        expect(f.curv).to.be.closeTo(s.curv, 1e-7);
        expect(f.basis).to.be.closeTo(s.basis, 1e-9);
        expect(f.rmse).to.be.below(1e-9);
      }
    });
  }

  it("interpolates in total variance (ATM) and linearly in T (shape, basis), flat outside", () => {
    const src = new DeribitChainSource(analyticsCsv());
    const fitted = src.fittedFor("btc".toUpperCase());
    const [a, b] = fitted;
    const now = 2_000_000_000; // any clock: maturities are times to expiry
    const tMid = (a.years + b.years) / 2;
    const expiries = [now + 3600, now + Math.round(tMid * YEAR_SECS), now + 5 * YEAR_SECS, now - 10];
    const out = src.slices({ symbol: "BTC", spot: INDEX, now, expiries, current: [] })!;
    const first = fitted[0];
    const last = fitted[fitted.length - 1];
    expect(Number(out[0].atmPpm)).to.be.closeTo(first.atm * 1e6, 0.5);
    expect(Number(out[0].curvPpm)).to.be.closeTo(first.curv * 1e6, 0.5);
    expect(Number(out[3].atmPpm)).to.be.closeTo(first.atm * 1e6, 0.5); // already expired: nearest
    expect(Number(out[2].atmPpm)).to.be.closeTo(last.atm * 1e6, 0.5);
    expect(Number(out[2].basisPpm)).to.be.closeTo(last.basis * 1e6, 0.5);
    const T = (expiries[1] - now) / YEAR_SECS;
    const u = (T - a.years) / (b.years - a.years);
    const w = (1 - u) * a.atm ** 2 * a.years + u * b.atm ** 2 * b.years;
    expect(Number(out[1].atmPpm)).to.be.closeTo(Math.sqrt(w / T) * 1e6, 0.5);
    expect(Number(out[1].skewPpm)).to.be.closeTo((a.skew + u * (b.skew - a.skew)) * 1e6, 0.5);
    expect(Number(out[1].basisPpm)).to.be.closeTo((a.basis + u * (b.basis - a.basis)) * 1e6, 0.5);
    expect(interpolateSlice(fitted, a.years).atm).to.equal(a.atm);
    expect(src.slices({ symbol: "ETH", spot: 1, now, expiries, current: [] })).to.equal(null);
  });

  it("rejects an unknown header", () => {
    expect(() => parseDeribitChain("instrument_name,strike,foo\nBTC-1,1,2\n")).to.throw(/unknown option chain format/);
  });

  it("fits the committed sample chain (analytics format), BTC and ETH", () => {
    const file = path.join(__dirname, "../../data/market/deribit_btc_eth_option_chain_20251230.csv");
    // Without the committed sample, a generated chain in its format stands in.
    const text = existsSync(file) ? readFileSync(file, "utf8") : analyticsCsv("BTC") + "\n" + analyticsCsv("ETH").split("\n").slice(1).join("\n");
    const quotes = parseDeribitChain(text);
    expect(quotes.length).to.be.greaterThan(100);
    expect(quotes.every((q) => Number.isFinite(q.expiry) && Number.isFinite(q.snapshot) && q.strike > 0)).to.equal(true);
    const src = new DeribitChainSource(text);
    for (const sym of ["BTC", "ETH"]) {
      const fitted = src.fittedFor(sym);
      expect(fitted.length, sym).to.be.at.least(4);
      for (const f of fitted) {
        expect(f.atm, `${sym} ${f.expiry}`).to.be.within(0.2, 1.5);
        expect(Math.abs(f.basis)).to.be.below(0.5);
        expect(f.rmse).to.be.below(0.01); // a quadratic fits the listed smiles to a vol point
      }
      const now = fitted[0].expiry - Math.round(fitted[0].years * YEAR_SECS);
      const out = src.slices({ symbol: sym, spot: fitted[0].index, now, expiries: [now + 7 * 86_400, now + 30 * 86_400, now + 90 * 86_400], current: [] })!;
      expect(out).to.have.length(3);
      for (const s of out) expect(Number(s.atmPpm)).to.be.within(200_000, 1_500_000);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// planVolUpdate against the program's rules, transcribed independently from
// update_vol_params.rs / VolGuards::check_bounds / VolGuards::check_change (and the engine's
// BadVol bound of |skew|, |curv| <= 10 x vol_max, which would otherwise fail every margin check).

type Market = VolPlanMarket & { volGuards: VolPlanMarket["volGuards"] & { maxAgeSecs: number } };
type Update = { expiry: bigint; slice: VolSlice };

const abs = (x: bigint) => (x < 0n ? -x : x);

/** Why the program (or the engine afterwards) would refuse this update, or null if it accepts. */
function programRefusal(m: Market, now: number, sequence: bigint, slices: Update[]): string | null {
  if (!(sequence > m.volSequence) || sequence >= 1n << 64n) return "VolSequenceNotIncreasing";
  if (!(BigInt(now) - m.volUpdatedAt >= BigInt(m.volGuards.minIntervalSecs))) return "VolUpdateTooSoon";
  if (slices.length !== m.expiries.length) return "VolSliceMismatch";
  const g = m.volGuards;
  const p = m.params;
  for (let i = 0; i < slices.length; i++) {
    const { expiry, slice: s } = slices[i];
    const old = m.expiries[i];
    if (expiry !== old.expiry) return "VolSliceMismatch";
    const inBounds =
      s.atmPpm >= BigInt(p.volMinPpm) &&
      s.atmPpm <= BigInt(p.volMaxPpm) &&
      abs(s.skewPpm) <= BigInt(g.maxSkewPpm) &&
      abs(s.curvPpm) <= BigInt(g.maxCurvPpm) &&
      abs(s.basisPpm) <= BigInt(p.basisMaxPpm);
    if (!inBounds) return "VolOutOfBounds";
    const atmLimit = (abs(old.atmPpm) * BigInt(g.maxAtmChangePpm)) / 1_000_000n;
    const shape = BigInt(g.maxShapeChangePpm);
    const withinChange =
      abs(s.atmPpm - old.atmPpm) <= atmLimit &&
      abs(s.skewPpm - old.skewPpm) <= shape &&
      abs(s.curvPpm - old.curvPpm) <= shape &&
      abs(s.basisPpm - old.basisPpm) <= shape;
    if (!withinChange) return "VolChangeTooLarge";
    const engine = 10n * BigInt(p.volMaxPpm);
    if (abs(s.skewPpm) > engine || abs(s.curvPpm) > engine) return "BadVol (engine)";
  }
  return null;
}

const FIELDS = ["atmPpm", "skewPpm", "curvPpm", "basisPpm"] as const;

/** Bounds and one-update step of a field, from the rules above. */
function fieldRule(m: Market, old: VolPlanMarket["expiries"][number], f: (typeof FIELDS)[number]) {
  const g = m.volGuards;
  const p = m.params;
  const sym = (x: bigint): [bigint, bigint] => [-x, x];
  const min = (a: bigint, b: bigint) => (a < b ? a : b);
  const engine = 10n * BigInt(p.volMaxPpm);
  const [lo, hi] =
    f === "atmPpm"
      ? [BigInt(p.volMinPpm), BigInt(p.volMaxPpm)]
      : f === "skewPpm"
        ? sym(min(BigInt(g.maxSkewPpm), engine))
        : f === "curvPpm"
          ? sym(min(BigInt(g.maxCurvPpm), engine))
          : sym(BigInt(p.basisMaxPpm));
  const step = f === "atmPpm" ? (abs(old.atmPpm) * BigInt(g.maxAtmChangePpm)) / 1_000_000n : BigInt(g.maxShapeChangePpm);
  return { lo, hi, step, reachLo: old[f] - step, reachHi: old[f] + step };
}

function randomMarket(u: () => number): { market: Market; target: VolSlice[]; now: number; threshold: number } {
  const int = (a: number, b: number) => a + Math.floor(u() * (b - a + 1));
  const pick = <T>(xs: T[]) => xs[Math.floor(u() * xs.length)];
  const volMin = pick([1_000, 10_000, int(1_000, 300_000)]);
  const volMax = Math.max(volMin + 1, pick([5_000_000, 10_000, int(10_000, 10_000_000)]));
  const basisMax = pick([1_000_000, 0, int(0, 1_000_000)]);
  const maxSkew = pick([2_000_000, 0, int(0, 5_000_000)]);
  const maxCurv = pick([5_000_000, int(0, 20_000_000)]);
  const guards = {
    minIntervalSecs: pick([10, 0, int(0, 600)]),
    maxAgeSecs: int(600, 7 * 86_400),
    maxAtmChangePpm: pick([250_000, 0, 1_000_000, int(0, 1_000_000)]),
    maxShapeChangePpm: pick([200_000, 0, int(0, 5_000_000)]),
    maxSkewPpm: maxSkew,
    maxCurvPpm: maxCurv,
  };
  // A stored value: usually within bounds, sometimes outside (bounds tightened after listing).
  const stored = (lo: number, hi: number) => BigInt(u() < 0.85 ? int(lo, hi) : u() < 0.5 ? int(Math.max(0, lo - 2_000_000), lo) : int(hi, hi + 2_000_000));
  const symStored = (b: number) => (u() < 0.5 ? 1n : -1n) * stored(0, b);
  const n = u() < 0.05 ? 0 : int(1, 8);
  const t0 = 1_700_000_000;
  const expiries = Array.from({ length: n }, (_, i) => ({
    expiry: BigInt(t0 + (i + 1) * 86_400 * 7),
    atmPpm: stored(volMin, volMax),
    skewPpm: symStored(maxSkew),
    curvPpm: symStored(maxCurv),
    basisPpm: symStored(basisMax),
  }));
  const near = (x: bigint, spread: number) => x + BigInt(Math.round((u() * 2 - 1) * spread));
  const target = expiries.map((e) => ({
    atmPpm: u() < 0.1 ? BigInt(int(-1_000_000, 20_000_000)) : near(e.atmPpm, pick([0, 1_000, 50_000, 500_000, 3_000_000])),
    skewPpm: u() < 0.5 ? e.skewPpm : near(e.skewPpm, pick([0, 500, 100_000, 3_000_000])),
    curvPpm: u() < 0.5 ? e.curvPpm : near(e.curvPpm, pick([0, 500, 100_000, 30_000_000])),
    basisPpm: u() < 0.5 ? e.basisPpm : near(e.basisPpm, pick([0, 500, 100_000, 2_000_000])),
  }));
  if (u() < 0.03) target.pop(); // a source that answered for the wrong listing
  const updatedAt = t0 - int(0, 10_000);
  const market: Market = {
    volSequence: BigInt(pick([0, int(1, 1_000_000)])),
    volUpdatedAt: BigInt(updatedAt),
    volGuards: guards,
    params: { volMinPpm: volMin, volMaxPpm: volMax, basisMaxPpm: basisMax },
    expiries,
  };
  const now = updatedAt + pick([int(-100, guards.minIntervalSecs * 2 + 1), guards.minIntervalSecs, int(0, guards.maxAgeSecs)]);
  return { market, target, now, threshold: pick([0, 1_000, 10_000, int(0, 200_000)]) };
}

describe("crank vol: planVolUpdate", () => {
  it("a decoded MarketInfo is a VolPlanMarket", () => {
    const accepts = (_: VolPlanMarket) => true;
    expect(accepts(null as unknown as MarketInfo)).to.equal(true); // compile-time check
  });

  it("worked example: the ATM step uses the program's integer floor", () => {
    const market: Market = {
      volSequence: 41n,
      volUpdatedAt: 1_000n,
      volGuards: { minIntervalSecs: 10, maxAgeSecs: 3_600, maxAtmChangePpm: 250_000, maxShapeChangePpm: 200_000, maxSkewPpm: 2_000_000, maxCurvPpm: 5_000_000 },
      params: { volMinPpm: 10_000, volMaxPpm: 5_000_000, basisMaxPpm: 1_000_000 },
      expiries: [{ expiry: 5_000n, atmPpm: 333_333n, skewPpm: 0n, curvPpm: 4_900_000n, basisPpm: -50_000n }],
    };
    const target = [{ atmPpm: 1_000_000n, skewPpm: -50_000n, curvPpm: 38_000_000n, basisPpm: 0n }];
    expect(planVolUpdate({ market, target, now: 1_009, thresholdPpm: 0 })).to.deep.equal({ action: "skip", reason: "too-soon", retryAt: 1_010 });
    const plan = planVolUpdate({ market, target, now: 1_010, thresholdPpm: 10_000 });
    expect(plan).to.deep.equal({
      action: "send",
      sequence: 42n,
      // 333,333 x 0.25 = 83,333.25 -> 83,333; curvature capped at max_curv; skew and basis reach the target.
      slices: [{ expiry: 5_000n, slice: { atmPpm: 416_666n, skewPpm: -50_000n, curvPpm: 5_000_000n, basisPpm: 0n } }],
      clamped: true,
      trigger: "change",
    });
    // Within the threshold (1% of the ATM, 0.01 absolute for the rest): nothing to send...
    const near = [{ atmPpm: 336_000n, skewPpm: 9_000n, curvPpm: 4_900_000n, basisPpm: -45_000n }];
    expect(planVolUpdate({ market, target: near, now: 1_010, thresholdPpm: 10_000 })).to.deep.equal({ action: "skip", reason: "below-threshold" });
    // ... until the slices are half their max age old: then they are refreshed.
    const refresh = planVolUpdate({ market, target: near, now: 1_000 + 1_800, thresholdPpm: 10_000 });
    expect(refresh).to.include({ action: "send", trigger: "refresh", clamped: false });
  });

  it("property: every send is accepted by the program's rules, moves toward the target, and skips are for their reasons", () => {
    const u = rng(20_240_521);
    const counts: Record<string, number> = {};
    for (let iter = 0; iter < 5_000; iter++) {
      const { market: m, target, now, threshold } = randomMarket(u);
      const plan = planVolUpdate({ market: m, target, now, thresholdPpm: threshold });
      const key = plan.action === "send" ? `send:${plan.trigger}` : plan.reason;
      counts[key] = (counts[key] ?? 0) + 1;
      // The case is appended to a failure's message (built only then: 5,000 cases).
      const ctx = () => JSON.stringify({ iter, m, target, now, threshold, plan }, (_, v) => (typeof v === "bigint" ? v.toString() : v));
      const check = (ok: boolean, what: string) => {
        if (!ok) expect.fail(what);
      };
      try {
        const tooSoon = now - Number(m.volUpdatedAt) < m.volGuards.minIntervalSecs;
        const infeasible = m.expiries.flatMap((e) =>
          FIELDS.filter((f) => {
            const r = fieldRule(m, e, f);
            return r.reachHi < r.lo || r.reachLo > r.hi;
          }).map((f) => ({ expiry: e.expiry, field: f })),
        );

        if (m.expiries.length === 0) {
          expect(plan).to.deep.include({ action: "skip", reason: "no-expiries" });
          continue;
        }
        if (target.length !== m.expiries.length) {
          expect(plan).to.deep.include({ action: "skip", reason: "target-mismatch" });
          continue;
        }
        if (tooSoon) {
          expect(plan).to.deep.equal({ action: "skip", reason: "too-soon", retryAt: Number(m.volUpdatedAt) + m.volGuards.minIntervalSecs });
          continue;
        }
        if (infeasible.length > 0) {
          // No slice can pass both checks for this value, so nothing may be sent.
          expect(plan.action).to.equal("skip");
          if (plan.action === "skip" && plan.reason === "unreachable-bounds") {
            expect(infeasible).to.deep.include({ expiry: plan.expiry, field: plan.field });
          } else expect.fail("expected unreachable-bounds");
          continue;
        }
        expect(plan.action === "send" || plan.reason === "below-threshold").to.equal(true);

        // What a send would contain, computed with no threshold; then the threshold decision.
        const full = planVolUpdate({ market: m, target, now, thresholdPpm: 0, refreshAfterSecs: 0 });
        if (full.action !== "send") return expect.fail("expected a send");
        const refusal = programRefusal(m, now, full.sequence, full.slices);
        check(refusal === null, `program refuses: ${refusal}`);
        expect(full.sequence).to.equal(m.volSequence + 1n);
        expect(full.slices.map((s) => s.expiry)).to.deep.equal(m.expiries.map((e) => e.expiry));

        let above = false;
        let clamped = false;
        m.expiries.forEach((old, i) => {
          for (const f of FIELDS) {
            const r = fieldRule(m, old, f);
            const next = full.slices[i].slice[f];
            const want = target[i][f];
            // Toward the target: no farther from the target clamped to bounds than the old value...
            const wantIn = want < r.lo ? r.lo : want > r.hi ? r.hi : want;
            check(abs(next - wantIn) <= abs(old[f] - wantIn), `${f} moved away from the target`);
            // ... and as near the target as the rules allow: the target, or the limit in its direction.
            if (next !== want) {
              clamped = true;
              const edge = want > next ? (r.hi < r.reachHi ? r.hi : r.reachHi) : r.lo > r.reachLo ? r.lo : r.reachLo;
              check(next === edge, `${f}: ${next} is not the reachable value nearest the target (${edge})`);
            }
            const diff = abs(next - old[f]);
            if (f === "atmPpm" ? diff * 1_000_000n > BigInt(threshold) * abs(old[f]) : diff > BigInt(threshold)) above = true;
          }
        });
        check(full.clamped === clamped, "clamped flag");
        const aging = now - Number(m.volUpdatedAt) >= Math.floor(m.volGuards.maxAgeSecs / 2);
        if (above || aging) {
          expect(plan).to.deep.equal({ ...full, trigger: above ? "change" : "refresh" });
        } else {
          expect(plan).to.deep.equal({ action: "skip", reason: "below-threshold" });
        }
      } catch (e) {
        if (e instanceof Error) e.message += `\n${ctx()}`;
        throw e;
      }
    }
    for (const k of ["send:change", "send:refresh", "below-threshold", "too-soon", "no-expiries", "target-mismatch", "unreachable-bounds"]) {
      expect(counts[k] ?? 0, `${k}: ${JSON.stringify(counts)}`).to.be.greaterThan(20);
    }
  });

  it("never sends past the last sequence number", () => {
    const market: Market = {
      volSequence: (1n << 64n) - 1n,
      volUpdatedAt: 0n,
      volGuards: { minIntervalSecs: 0, maxAgeSecs: 3_600, maxAtmChangePpm: 250_000, maxShapeChangePpm: 200_000, maxSkewPpm: 2_000_000, maxCurvPpm: 5_000_000 },
      params: { volMinPpm: 10_000, volMaxPpm: 5_000_000, basisMaxPpm: 1_000_000 },
      expiries: [{ expiry: 5_000n, atmPpm: 500_000n, skewPpm: 0n, curvPpm: 0n, basisPpm: 0n }],
    };
    expect(planVolUpdate({ market, target: [flat(600_000n)], now: 100, thresholdPpm: 0 })).to.deep.include({ action: "skip", reason: "sequence-exhausted" });
  });
});
