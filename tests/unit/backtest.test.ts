// The margin backtest's pieces: the price loader on the committed data, the reference strategies'
// structures, netting (portfolio IM never above per-leg IM), the EWMA vol, and the coverage count
// on hand-made price paths whose answer is worked out here without the backtest's code.
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { Kind } from "../../app/src/risk";
import { Bar, DAILY, DEFAULT_DATA_DIR, HOURLY, loadDaily, loadHourly, loadSeries, loadWindow, Series, UNDERLYINGS, unix, windows } from "../../crank/src/data/prices";
import { defaultRunConfig, ewmaVols, listMarket, runBacktest, DEFAULT_EWMA } from "../../crank/src/backtest";
import {
  basisTrade, bullPutSpread, coveredCall, fund, hedgedStraddle, ironCondor, leveredPerpLong, marginOf, nakedShortPut, perLegIm, Plan, STRATEGIES,
} from "../../crank/src/strategies";

const HOUR = 3_600;
const DAY = 86_400;

function checkSeries(bars: Bar[], from: number, to: number, step: number): void {
  expect(bars.length).to.be.greaterThan(0);
  expect(bars[0].t).to.be.at.least(from);
  expect(bars[bars.length - 1].t).to.be.below(to);
  // plain loops (hundreds of thousands of rows): collect what is wrong, expect none
  const bad: string[] = [];
  for (let i = 0; i < bars.length; i++) {
    const b = bars[i];
    if (!(b.close > 0)) bad.push(`close ${b.close} at ${b.t}`);
    if (b.t % step !== 0) bad.push(`off-grid time ${b.t}`);
    if (i && b.t <= bars[i - 1].t) bad.push(`not ascending at ${b.t}`);
    if (b.high !== undefined && !(b.high >= b.close && b.close >= b.low!)) bad.push(`high/low around close at ${b.t}`);
  }
  expect(bad.slice(0, 5)).to.deep.equal([]);
}

describe("backtest: market data loader", () => {
  it("reads every committed hourly and daily series, ascending, within 2019-10 .. 2025", () => {
    for (const u of UNDERLYINGS) {
      const h = loadHourly(u);
      checkSeries(h, unix("2019-12-01"), unix("2026-01-01"), HOUR);
      expect(h[h.length - 1].t, `${u} hourly runs to the end of 2025`).to.equal(unix("2025-12-31T23:00:00Z"));
      // at most a few outage gaps: over 95% of the hours between the first and last bar are present
      expect(h.length).to.be.greaterThan(0.95 * ((h[h.length - 1].t - h[0].t) / HOUR));
      const d = loadDaily(u);
      checkSeries(d, unix("2019-10-01"), unix("2026-01-01"), DAY);
      expect(d[d.length - 1].t).to.equal(unix("2025-12-31"));
    }
    expect(loadHourly("SOL")[0].t).to.equal(unix("2020-10-23T08:00:00Z"));
    expect(loadDaily("SOL")[0].t).to.equal(unix("2020-08-11"));
  });

  it("filters by [from, to) and knows the March 2020 crash", () => {
    const bars = loadHourly("BTC", { from: "2020-03-12T09:00:00Z", to: "2020-03-12T11:00:00Z" });
    expect(bars.map((b) => b.t)).to.deep.equal([unix("2020-03-12T09:00:00Z"), unix("2020-03-12T10:00:00Z")]);
    // Binance BTC/USDT: 7354.21 -> 6014.90, the -18% hour
    expect(bars.map((b) => b.close)).to.deep.equal([7354.21, 6014.9]);
  });

  it("reads every crash window with high >= close >= low, covering the window from its warm-up", () => {
    for (const w of Object.values(windows)) {
      expect(w.to - w.from).to.be.within(12 * DAY, 18 * DAY);
      for (const u of UNDERLYINGS) {
        if (!w.series[u]) {
          expect(() => loadWindow(w.name, u)).to.throw(/no SOL data/);
          continue;
        }
        const bars = loadWindow(w.name, u);
        checkSeries(bars, w.warmupFrom, w.to, HOUR);
        expect(bars[0].t).to.equal(w.warmupFrom);
        expect(bars[bars.length - 1].t).to.equal(w.to - HOUR);
        expect(bars.every((b) => b.high !== undefined && b.low !== undefined)).to.equal(true);
        // the window's closes agree with the long hourly series where both come from the same file
        const sameSource = HOURLY[u].segments.find((s) => s.file === w.series[u]!.segments[0].file && s.from <= w.from && s.to >= w.to);
        if (sameSource) {
          const long = new Map(loadHourly(u, { from: w.from, to: w.to }).map((b) => [b.t, b.close]));
          for (const b of bars.filter((x) => x.t >= w.from)) expect(long.get(b.t)).to.equal(b.close);
        }
      }
    }
    expect(Object.keys(windows.mar2020.series)).to.deep.equal(["BTC", "ETH"]);
  });

  it("has the Deribit chains the risk engine's repricing test reads", () => {
    for (const f of ["deribit_btc_eth_option_chain_20251230.csv", "deribit_btc_eth_option_chain_20260822.csv"]) {
      const header = fs.readFileSync(path.join(DEFAULT_DATA_DIR, f), "utf8").split("\n")[0].split(",");
      for (const c of ["option_type", "strike", "time_to_maturity", "mark_price", "futures_price", "implied_volatility", "instrument_name"]) expect(header).to.include(c);
    }
  });

  it("stitches original files by segment when the committed file is absent, and prefers the committed file", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pm-prices-"));
    try {
      fs.writeFileSync(path.join(dir, "a.csv"), "timestamp_utc,open,high,low,close\n2020-01-01T00:00:00Z,1,2,0.5,1.5\n2020-01-01T01:00:00Z,1,2,0.5,1.6\n2020-01-01T02:00:00Z,1,2,0.5,1.7\n");
      fs.writeFileSync(path.join(dir, "b.csv.gz"), zlib.gzipSync("date,close\n2020-01-01,9\n2020-01-02,10\n"));
      const series: Series = {
        file: "joined.csv.gz",
        segments: [
          { file: "a.csv", from: unix("2020-01-01T01:00:00Z"), to: unix("2020-01-01T03:00:00Z"), venue: "test" },
          { file: "b.csv.gz", from: unix("2020-01-02"), to: unix("2020-01-03"), venue: "test" },
        ],
      };
      expect(loadSeries(series, { dataDir: dir }).map((b) => [b.t, b.close])).to.deep.equal([
        [unix("2020-01-01T01:00:00Z"), 1.6], [unix("2020-01-01T02:00:00Z"), 1.7], [unix("2020-01-02"), 10],
      ]);
      expect(loadSeries(series, { dataDir: dir, to: "2020-01-01T02:00:00Z" }).length).to.equal(1);
      fs.writeFileSync(path.join(dir, "joined.csv.gz"), zlib.gzipSync("timestamp_utc,close\n2020-01-05T00:00:00Z,42\n"));
      expect(loadSeries(series, { dataDir: dir }).map((b) => b.close)).to.deep.equal([42]);
      expect(() => loadSeries({ file: "none.csv", segments: [{ file: "missing.csv", from: 0, to: 1, venue: "" }] }, { dataDir: dir })).to.throw(/missing\.csv/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("names committed files that exist for every series", () => {
    const files = [...Object.values(HOURLY), ...Object.values(DAILY), ...Object.values(windows).flatMap((w) => Object.values(w.series))].map((s) => s!.file);
    for (const f of files) expect(fs.existsSync(path.join(DEFAULT_DATA_DIR, f)), f).to.equal(true);
  });
});

// A sample market: BTC at 88,530, ATM vol 50%, expiries 7/30/90 days, strikes every 2.5%.
const NOW = BigInt(unix("2025-12-30T17:00:00Z"));
const SPOT = 88_530_000_000n;
const NOTIONAL = 100_000_000_000n; // $100,000
const sample = () => listMarket("BTC", SPOT, 0.5, NOW);

const options = (p: Plan) => p.legs.filter((l) => l.kind === Kind.Call || l.kind === Kind.Put);
const daysOut = (e: bigint) => Number(e - NOW) / DAY;
/** Standard normal CDF (Zelen & Severo 26.2.17, |error| < 7.5e-8). */
function normCdf(x: number): number {
  const t = 1 / (1 + 0.2316419 * Math.abs(x));
  const poly = t * (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
  const tail = Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI) * poly;
  return x >= 0 ? 1 - tail : tail;
}

describe("backtest: reference strategies", () => {
  const { listing } = sample();
  const q = (NOTIONAL * 1_000_000n) / SPOT; // contracts for $100k

  it("covered call: short one 30d call above spot against the same amount of underlying collateral", () => {
    const p = coveredCall.build(listing, NOTIONAL);
    expect(p.legs).to.have.length(1);
    const [c] = p.legs;
    expect(c.kind).to.equal(Kind.Call);
    expect(c.size).to.equal(-q);
    expect(Number(c.strike) / Number(SPOT)).to.be.within(1.09, 1.11);
    expect(daysOut(c.expiry)).to.equal(30);
    expect(p.collateral).to.deep.equal([{ asset: "underlying", amount: q }]);
  });

  it("bull put spread: short the higher-strike put, long the lower, same expiry", () => {
    const p = bullPutSpread.build(listing, NOTIONAL);
    expect(p.legs.map((l) => l.kind)).to.deep.equal([Kind.Put, Kind.Put]);
    const short = p.legs.find((l) => l.size < 0n)!;
    const long = p.legs.find((l) => l.size > 0n)!;
    expect(short.size).to.equal(-q);
    expect(long.size).to.equal(q);
    expect(short.strike > long.strike && short.strike < SPOT).to.equal(true);
    expect(short.expiry).to.equal(long.expiry);
  });

  it("short iron condor: 4 options, long put < short put < spot < short call < long call, same expiry", () => {
    const p = ironCondor.build(listing, NOTIONAL);
    expect(p.legs).to.have.length(4);
    expect(p.collateral).to.have.length(0);
    const legs = [...p.legs].sort((a, b) => (a.strike < b.strike ? -1 : 1));
    expect(legs.map((l) => l.kind)).to.deep.equal([Kind.Put, Kind.Put, Kind.Call, Kind.Call]);
    expect(legs.map((l) => l.size)).to.deep.equal([q, -q, -q, q]);
    expect(legs[1].strike < SPOT && legs[2].strike > SPOT).to.equal(true);
    expect(new Set(legs.map((l) => l.strike)).size).to.equal(4);
    expect(new Set(legs.map((l) => l.expiry)).size).to.equal(1);
  });

  it("delta-hedged short straddle: short call and put at one strike, a perp offsetting their delta", () => {
    const p = hedgedStraddle.build(listing, NOTIONAL);
    const [call, put] = options(p);
    expect([call.kind, put.kind]).to.deep.equal([Kind.Call, Kind.Put]);
    expect(call.strike).to.equal(put.strike);
    expect([call.size, put.size]).to.deep.equal([-q, -q]);
    const perps = p.legs.filter((l) => l.kind === Kind.Perp);
    expect(perps).to.have.length(1);
    // Black-76 on the forward: short straddle delta = -(2 N(d1) - 1) e^(bT) per contract; the perp is its negative
    const T = 30 / 365;
    const F = Number(SPOT) * Math.exp(0.02 * T);
    const d1 = (Math.log(F / Number(call.strike)) + 0.5 * 0.25 * T) / (0.5 * Math.sqrt(T));
    const hedge = Number(q) * (2 * normCdf(d1) - 1) * Math.exp(0.02 * T);
    expect(Number(perps[0].size)).to.be.closeTo(hedge, Math.abs(hedge) * 1e-3 + 2);
  });

  it("levered perp long, basis trade, naked short put", () => {
    expect(leveredPerpLong.build(listing, NOTIONAL).legs).to.deep.equal([{ kind: Kind.Perp, expiry: 0n, strike: 0n, size: q }]);
    const b = basisTrade.build(listing, NOTIONAL);
    expect(b.legs).to.have.length(1);
    expect(b.legs[0].kind).to.equal(Kind.Future);
    expect(b.legs[0].size).to.equal(-q);
    expect(daysOut(b.legs[0].expiry)).to.equal(90);
    expect(b.collateral).to.deep.equal([{ asset: "underlying", amount: q }]);
    const n = nakedShortPut.build(listing, NOTIONAL);
    expect(n.legs).to.have.length(1);
    expect(n.legs[0].kind).to.equal(Kind.Put);
    expect(n.legs[0].size).to.equal(-q);
    expect(Number(n.legs[0].strike) / Number(SPOT)).to.be.within(0.89, 0.91);
  });

  it("per-leg IM >= portfolio IM for every strategy (the engine nets, never adds), and single legs are unchanged", () => {
    for (const m of [sample(), listMarket("SOL", 150_000_000n, 1.2, NOW), listMarket("ETH", 2_970_000_000n, 0.25, NOW)]) {
      for (const s of STRATEGIES) {
        const p = s.build(m.listing, NOTIONAL);
        const whole = marginOf(p, m.market, NOW).im;
        const legs = perLegIm(p, m.market, NOW);
        expect(whole > 0n, s.name).to.equal(true);
        expect(legs >= whole, `${s.name}: per-leg ${legs} < portfolio ${whole}`).to.equal(true);
        if (p.legs.length + p.collateral.length === 1) expect(legs).to.equal(whole);
      }
    }
  });

  it("funds a plan at the chosen multiple of IM, counting the underlying collateral and the levered strategy's equity", () => {
    const { market } = sample();
    const nakedPut = nakedShortPut.build(listing, NOTIONAL);
    const f = fund(nakedPut, market, NOW, { imMultiple: 2 });
    expect(f.deposit).to.equal(2n * f.im);
    expect(f.premium > 0n).to.equal(true); // a short put receives premium
    const cc = fund(coveredCall.build(listing, NOTIONAL), market, NOW);
    expect(cc.collateralValue).to.equal((q * SPOT) / 1_000_000n);
    expect(cc.deposit).to.equal(0n); // the underlying alone is worth more than 1.5 x IM
    const lev = fund(leveredPerpLong.build(listing, NOTIONAL), market, NOW, { imMultiple: 1, leverage: 5 });
    expect(lev.deposit).to.equal(NOTIONAL / 5n); // 20% of notional is above the BTC perp's IM (18.5%)
    expect(lev.leverage).to.be.closeTo(5, 1e-9);
  });
});

describe("backtest: vol and coverage", () => {
  it("EWMA vol of a path with constant squared returns is that return's annualised size", () => {
    const r = 0.01;
    const bars: Bar[] = Array.from({ length: 400 }, (_, i) => ({ t: i * HOUR, close: 100 * Math.exp(i % 2 ? r : 0) }));
    for (const v of ewmaVols(bars).slice(1)) expect(v).to.be.closeTo(r * Math.sqrt(8_760), 1e-9);
    const flat = ewmaVols(bars.map((b) => ({ ...b, close: 100 })));
    expect(flat.every((v) => v === DEFAULT_EWMA.floor)).to.equal(true);
  });

  // A perp long: MM = 0.8 x 16% scan + 1.5% linear = 14.3% of notional. Prices sit at 100 except a
  // -30% hour and, later, a +30% hour (a gain) and small wiggles; only windows whose loss is far
  // beyond 14.3% can fail, so the count needs no exact MM.
  const path = (): Bar[] => {
    const prices: number[] = [];
    for (let i = 0; i < 60; i++) prices.push(i <= 10 ? 100 + (i % 3) * 0.5 : i <= 30 ? 70 : 91);
    return prices.map((close, i) => ({ t: unix("2024-01-01") + i * HOUR, close }));
  };
  const cfg = { ...defaultRunConfig("BTC"), warmupSecs: 0, horizons: [HOUR, 24 * HOUR] };
  /** Windows of `bars` whose perp-long loss is above `threshold` of the start's notional, counted here. */
  function expected(bars: Bar[], h: number, threshold: number): { windows: number; failed: number } {
    const at = new Map(bars.map((b) => [b.t, b.close]));
    let [windows, failed] = [0, 0];
    for (const b of bars) {
      const later = at.get(b.t + h);
      if (later === undefined) continue;
      windows++;
      if ((b.close - later) / b.close > threshold) failed++;
    }
    return { windows, failed };
  }

  it("a perp long's MM is 14.3% of notional (the threshold the path is built around)", () => {
    const m = listMarket("BTC", 100_000_000n, 0.5, NOW);
    const p = leveredPerpLong.build(m.listing, NOTIONAL);
    const mm = Number(marginOf(p, m.market, NOW).mm) / 1e6;
    expect(mm / 100_000).to.be.within(0.142, 0.144);
  });

  it("counts exactly the windows whose loss exceeds MM: (n-1)/n at 1 hour", () => {
    const bars = path();
    const [run] = runBacktest(bars, [leveredPerpLong], cfg);
    const [h1, h24] = run.horizons;
    const n = bars.length - 1;
    expect(h1.windows).to.equal(n);
    expect(h1.covered).to.equal(n - 1);
    expect(h1.breaches.map((b) => b.t)).to.deep.equal([bars[11].t - HOUR]);
    const drop = (bars[10].close - bars[11].close) / bars[10].close;
    expect(h1.worstLossOverMm).to.be.within(drop / 0.144, drop / 0.142);
    const e24 = expected(bars, 24 * HOUR, 0.2);
    expect(e24.failed).to.be.greaterThan(0);
    expect(h24.windows).to.equal(e24.windows);
    expect(h24.windows - h24.covered).to.equal(e24.failed);
    // a sanity bound: no window between 10% and 20% loss exists on this path, so the count is MM-independent
    expect(expected(bars, 24 * HOUR, 0.1).failed).to.equal(e24.failed);
  });

  it("skips windows without a bar exactly h later (gaps are missing rows), and starts every `stride` bars", () => {
    const bars = path().filter((_, i) => i !== 40);
    const [run] = runBacktest(bars, [leveredPerpLong], cfg);
    expect(run.horizons[0].windows).to.equal(expected(bars, HOUR, 0).windows);
    expect(run.horizons[0].windows).to.equal(bars.length - 2); // the last bar and the one before the gap
    const [strided] = runBacktest(path(), [leveredPerpLong], { ...cfg, stride: 7 });
    expect(strided.horizons[0].windows).to.equal(9); // starts 0, 7, ..., 56 (each with a bar 1 h later)
    expect(strided.horizons[0].covered).to.equal(9); // the drop (start 10) is not sampled
  });

  it("a short option book's loss is repriced with the new vol: a vol spike alone costs a short straddle", () => {
    // 30 flat hours, then big alternating moves that end where they started: spot back at 100, vol up
    const bars: Bar[] = Array.from({ length: 60 }, (_, i) => ({ t: i * HOUR, close: i < 40 ? 100 : i % 2 ? 110 : 100 }));
    const [run] = runBacktest(bars, [hedgedStraddle], { ...cfg, horizons: [20 * HOUR] });
    const start = run.horizons[0];
    expect(start.windows).to.equal(40);
    // the start at hour 38 ends at hour 58 (spot 100 again, vol far above the floor): a loss
    expect(start.worstLossOverMm).to.be.greaterThan(0);
  });
});
