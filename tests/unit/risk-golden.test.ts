// The TypeScript risk engine must reproduce every Rust golden vector bit for bit
// (crates/risk-engine/golden/vectors.json; regenerated and diffed by `cargo test -p risk-engine`).
import { expect } from "chai";
import fs from "fs";
import path from "path";
import {
  black76, evaluate, Collateral, fixed, GlobalParams, GLOBAL_PARAMS, Kind, MarginResult, MarketParams, MARKET_PARAMS,
  MarketState, markValue, OptionKind, paramsFromValues, Position, RiskArrayCache, RiskError, firstLoosened,
} from "../../app/src/risk";

const FILE = path.resolve(__dirname, "../../crates/risk-engine/golden/vectors.json");
type S = string;
interface MarginVec {
  now: S; global: S[];
  markets: { spot: S; conf: S; stale: boolean; params: S[]; slices: S[][] }[];
  positions: S[][]; collateral: S[][];
  out: { error?: string; equity: S; mm: S; im: S; scan: S[]; addons: S[][]; markets: { pnl: S[]; worst: S; worst_index: S; range_ppm: S; addons: S[][] }[] };
}
/** `risk_engine::mark_value` of an instrument of market `market` of margin case `case`, at its time. */
interface MarkVec { case: S; market: S; kind: S; slice: S; strike: S; out: [S, S] | { error: string } }
const vectors = JSON.parse(fs.readFileSync(FILE, "utf8")) as {
  price: { kind: OptionKind; in: S[]; out: S[] | { error: string } }[];
  kernels: S[][];
  margin: MarginVec[];
  marks: MarkVec[];
};

function account(v: MarginVec) {
  const global = paramsFromValues<GlobalParams>(GLOBAL_PARAMS, v.global);
  const markets: MarketState[] = v.markets.map((m) => ({
    spot: BigInt(m.spot), conf: BigInt(m.conf), volStale: m.stale, params: paramsFromValues<MarketParams>(MARKET_PARAMS, m.params),
    slices: m.slices.map((s) => ({ expiry: BigInt(s[0]), atmPpm: BigInt(s[1]), skewPpm: BigInt(s[2]), curvPpm: BigInt(s[3]), basisPpm: BigInt(s[4]) })),
  }));
  const positions: Position[] = v.positions.map((p) => ({
    market: Number(p[0]), kind: Number(p[1]) as Kind, slice: Number(p[2]), strike: BigInt(p[3]), size: BigInt(p[4]), cost: BigInt(p[5]),
  }));
  const collateral: Collateral[] = v.collateral.map((c) => ({
    asset: Number(c[0]), haircutMmPpm: Number(c[1]), haircutImPpm: Number(c[2]), amount: BigInt(c[3]),
  }));
  return { global, markets, positions, collateral, now: BigInt(v.now) };
}

function flat(r: MarginResult): string[] {
  const ao = (a: { mm: bigint; im: bigint }) => [a.mm, a.im];
  const s = r.scan;
  return [
    r.equity, r.mm, r.im, s.loss, s.lossFresh, s.lossSeparate, s.lossJoint, BigInt(s.worstJointIndex), s.worstJointPnl, r.imFloor,
    ...[r.scanMargin, r.nakedShort, r.linear, r.haircut, r.staleVol].flatMap(ao),
    ...r.markets.flatMap((m) => [...m.pnl, m.worst, BigInt(m.worstIndex), BigInt(m.rangePpm), ...[m.nakedShort, m.linear, m.haircut].flatMap(ao)]),
  ].map(String);
}
function expected(o: MarginVec["out"]): string[] {
  return [o.equity, o.mm, o.im, ...o.scan, ...o.addons.flat(), ...o.markets.flatMap((m) => [...m.pnl, m.worst, m.worst_index, m.range_ppm, ...m.addons.flat()])];
}

function run<T>(f: () => T): T | { error: string } {
  try {
    return f();
  } catch (e) {
    if (e instanceof RiskError) return { error: e.vectorCode };
    throw e;
  }
}

const KERNELS: Record<string, (x: bigint[]) => bigint> = {
  ncdf: ([d]) => fixed.ncdf(d),
  ln_int: ([x]) => fixed.lnInt(x),
  exp: ([x]) => fixed.exp(x),
  isqrt: ([x]) => fixed.isqrt(x),
  ratio_q32: ([n, d]) => fixed.ratioQ32(n, d),
  reciprocal: ([v]) => {
    const [m, s] = fixed.reciprocal(v);
    return (m << 8n) | BigInt(s);
  },
};
const ERROR_OUT = -(1n << 127n);

describe("risk engine TS mirror: golden vectors (bit-exact with Rust)", function () {
  this.timeout(300_000);
  it("has at least 1,000 margin, 300 pricing and 2,000 kernel vectors", () => {
    expect(vectors.margin.length).to.be.at.least(1000);
    expect(vectors.price.length).to.be.at.least(300);
    expect(vectors.kernels.length).to.be.at.least(2000);
  });

  it("computes every Q32 kernel vector bit for bit", () => {
    let bad = 0;
    for (const row of vectors.kernels) {
      const [name, ...rest] = row;
      const values = rest.map(BigInt);
      const want = values[values.length - 1];
      let got: bigint;
      try {
        got = KERNELS[name](values.slice(0, -1));
      } catch (e) {
        if (!(e instanceof RiskError)) throw e;
        got = ERROR_OUT;
      }
      if (got !== want && bad++ < 5) console.error(`kernel ${name}(${values.slice(0, -1)}): ${got} want ${want}`);
    }
    expect(bad, `${bad} kernel vectors differ`).to.equal(0);
  });

  it("prices every precise Black-76 vector bit for bit", () => {
    let bad = 0;
    for (const [i, v] of vectors.price.entries()) {
      const [f, k, vol, t, df] = v.in.map(BigInt);
      const got = run(() => black76(v.kind, f, k, vol, t, df));
      const gotFlat = "error" in got ? got : [got.valueQ, got.value, got.delta, got.gamma, got.vega, got.theta].map(String);
      if (JSON.stringify(gotFlat) !== JSON.stringify(v.out) && bad++ < 3) console.error(`price vector ${i}:`, gotFlat, v.out);
    }
    expect(bad, `${bad} pricing vectors differ`).to.equal(0);
  });

  it("evaluates every margin vector bit for bit (and identically with a shared risk-array cache)", () => {
    let bad = 0;
    let ok = 0;
    for (const [i, v] of vectors.margin.entries()) {
      const acct = account(v);
      const got = run(() => evaluate(acct));
      const want = v.out.error ? { error: v.out.error } : expected(v.out);
      const gotFlat = "error" in got ? got : flat(got);
      if (JSON.stringify(gotFlat) !== JSON.stringify(want)) {
        if (bad++ < 3) console.error(`margin vector ${i}:`, JSON.stringify(gotFlat).slice(0, 600), "\nwant", JSON.stringify(want).slice(0, 600));
        continue;
      }
      if (!("error" in got)) {
        ok++;
        const cached = flat(evaluate(acct, new RiskArrayCache(acct.markets, acct.now)));
        if (JSON.stringify(cached) !== JSON.stringify(want)) bad++;
      }
    }
    expect(bad, `${bad} margin vectors differ`).to.equal(0);
    expect(ok).to.be.at.least(900);
  });

  it("values every mark-value vector (a liquidation's transfer price) bit for bit", () => {
    expect(vectors.marks.length).to.be.at.least(4000);
    const kinds = new Set<string>();
    let [bad, ok] = [0, 0];
    for (const [i, v] of vectors.marks.entries()) {
      const m = account(vectors.margin[Number(v.case)]).markets[Number(v.market)];
      const got = run(() => markValue(m, Number(v.kind) as Kind, Number(v.slice), BigInt(v.strike), BigInt(vectors.margin[Number(v.case)].now)));
      const gotFlat = "error" in got ? got : [String(got.long), String(got.short)];
      if (JSON.stringify(gotFlat) !== JSON.stringify(v.out)) {
        if (bad++ < 3) console.error(`mark vector ${i}:`, gotFlat, v.out);
        continue;
      }
      if (!("error" in got)) {
        ok++;
        kinds.add(v.kind);
        // rounding: long down, short up, at most one unit apart (a perpetual: spot exactly)
        expect(got.short - got.long >= 0n && got.short - got.long <= 1n, `vector ${i}`).to.equal(true);
        if (Number(v.kind) === Kind.Perp) expect(got.long).to.equal(m.spot);
      }
    }
    expect(bad, `${bad} mark-value vectors differ`).to.equal(0);
    expect(ok).to.be.at.least(4000);
    expect([...kinds].sort()).to.deep.equal(["0", "1", "2", "3"]);
  });
});

describe("risk parameters: which changes tighten (the security authority's rule)", () => {
  const base = paramsFromValues<MarketParams>(MARKET_PARAMS, MARKET_PARAMS.map((p) => p.default));
  it("accepts wider shocks, larger charges and a tighter confidence cap", () => {
    const tighter = { ...base, priceRangePpm: base.priceRangePpm + 1, linearImPpm: base.linearImPpm + 5, maxConfPpm: base.maxConfPpm - 1 };
    expect(firstLoosened(MARKET_PARAMS, base, tighter)).to.equal(undefined);
    expect(firstLoosened(MARKET_PARAMS, base, base)).to.equal(undefined);
  });
  it("names the first parameter moved the loose way, or moved at all when neither way is stricter", () => {
    expect(firstLoosened(MARKET_PARAMS, base, { ...base, priceRangePpm: base.priceRangePpm - 1 })).to.equal("price_range_ppm");
    expect(firstLoosened(MARKET_PARAMS, base, { ...base, maxConfPpm: base.maxConfPpm + 1 })).to.equal("max_conf_ppm");
    expect(firstLoosened(MARKET_PARAMS, base, { ...base, tailMove2Ppm: base.tailMove2Ppm - 1 })).to.equal("tail_move_2_ppm");
    const g = paramsFromValues<GlobalParams>(GLOBAL_PARAMS, GLOBAL_PARAMS.map((p) => p.default));
    expect(firstLoosened(GLOBAL_PARAMS, g, { ...g, corrCreditPpm: 1 })).to.equal("corr_credit_ppm");
    expect(firstLoosened(GLOBAL_PARAMS, g, { ...g, imScanPpm: g.imScanPpm + 1 })).to.equal(undefined);
  });
});
