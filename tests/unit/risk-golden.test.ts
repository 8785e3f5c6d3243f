// The TypeScript risk engine must reproduce every Rust golden vector bit for bit
// (crates/risk-engine/golden/vectors.json; regenerated and diffed by `cargo test -p risk-engine`).
import { expect } from "chai";
import fs from "fs";
import path from "path";
import {
  black76, evaluate, Collateral, GlobalParams, Kind, MarginResult, MarketState, Position, RiskError, OptionKind,
  RiskArrayCache,
} from "../../app/src/risk";

const FILE = path.resolve(__dirname, "../../crates/risk-engine/golden/vectors.json");
type S = string;
interface MarginVec {
  now: S; global: S[];
  markets: { spot: S; conf: S; stale: boolean; params: S[]; slices: S[][] }[];
  positions: S[][]; collateral: S[][];
  out: { error?: string; equity: S; mm: S; im: S; scan: S[]; addons: S[][]; markets: { pnl: S[]; worst: S; worst_index: S; addons: S[][] }[] };
}
const vectors = JSON.parse(fs.readFileSync(FILE, "utf8")) as { price: { kind: OptionKind; in: S[]; out: S[] | { error: string } }[]; margin: MarginVec[] };

function inputs(v: MarginVec): [GlobalParams, MarketState[], Position[], Collateral[], bigint] {
  const g = v.global.map(Number) as GlobalParams;
  const ms: MarketState[] = v.markets.map((m) => ({
    spot: BigInt(m.spot), conf: BigInt(m.conf), volStale: m.stale, params: m.params.map(Number),
    slices: m.slices.map((s) => ({ expiry: BigInt(s[0]), atmPpm: BigInt(s[1]), skewPpm: BigInt(s[2]), curvPpm: BigInt(s[3]), basisPpm: BigInt(s[4]) })),
  }));
  const ps: Position[] = v.positions.map((p) => ({
    market: Number(p[0]), kind: Number(p[1]) as Kind, slice: Number(p[2]), strike: BigInt(p[3]), size: BigInt(p[4]), cost: BigInt(p[5]),
  }));
  const cs: Collateral[] = v.collateral.map((c) => ({ asset: Number(c[0]), amount: BigInt(c[1]) }));
  return [g, ms, ps, cs, BigInt(v.now)];
}

function flat(r: MarginResult): string[] {
  const ao = (a: { mm: bigint; im: bigint }) => [a.mm, a.im];
  return [
    r.equity, r.mm, r.im, r.scanLoss, r.scanLossFresh, r.scanLossSeparate, r.scanLossJoint, BigInt(r.worstJointIndex), r.worstJointPnl,
    ...[r.scanMargin, r.nakedShort, r.perpNotional, r.haircut, r.oracleConf, r.staleVol].flatMap(ao),
    ...r.markets.flatMap((m) => [...m.pnl, m.worst, BigInt(m.worstIndex), ...[m.nakedShort, m.perpNotional, m.haircut, m.oracleConf].flatMap(ao)]),
  ].map(String);
}
function expected(o: MarginVec["out"]): string[] {
  return [
    o.equity, o.mm, o.im, ...o.scan, ...o.addons.flat(),
    ...o.markets.flatMap((m) => [...m.pnl, m.worst, m.worst_index, ...m.addons.flat()]),
  ];
}

function run<T>(f: () => T): T | { error: string } {
  try {
    return f();
  } catch (e) {
    if (e instanceof RiskError) return { error: e.code };
    throw e;
  }
}

describe("risk engine TS mirror: golden vectors (bit-exact with Rust)", function () {
  this.timeout(120_000);
  it("has at least 1,000 margin vectors and 300 pricing vectors", () => {
    expect(vectors.margin.length).to.be.at.least(1000);
    expect(vectors.price.length).to.be.at.least(300);
  });

  it("prices every Black-76 vector bit for bit", () => {
    let bad = 0;
    for (const [i, v] of vectors.price.entries()) {
      const [f, k, vol, t, df] = v.in.map(BigInt);
      const got = run(() => black76(v.kind, f, k, vol, t, df));
      const gotFlat = "error" in got ? got : [got.valueQ, got.value, got.delta, got.gamma, got.vega, got.theta].map(String);
      if (JSON.stringify(gotFlat) !== JSON.stringify(v.out)) {
        if (bad++ < 3) console.error(`price vector ${i}:`, gotFlat, v.out);
      }
    }
    expect(bad, `${bad} pricing vectors differ`).to.equal(0);
  });

  it("evaluates every margin vector bit for bit (and identically with a shared risk-array cache)", () => {
    let bad = 0;
    let ok = 0;
    for (const [i, v] of vectors.margin.entries()) {
      const [g, ms, ps, cs, now] = inputs(v);
      const got = run(() => evaluate(g, ms, ps, cs, now));
      const want = v.out.error ? { error: v.out.error } : expected(v.out);
      const gotFlat = "error" in got ? got : flat(got);
      if (JSON.stringify(gotFlat) !== JSON.stringify(want)) {
        if (bad++ < 3) console.error(`margin vector ${i}:`, JSON.stringify(gotFlat).slice(0, 400), "\nwant", JSON.stringify(want).slice(0, 400));
        continue;
      }
      if (!("error" in got)) {
        ok++;
        const cached = flat(evaluate(g, ms, ps, cs, now, new RiskArrayCache(ms, now)));
        if (JSON.stringify(cached) !== JSON.stringify(want)) bad++;
      }
    }
    expect(bad, `${bad} margin vectors differ`).to.equal(0);
    expect(ok).to.be.at.least(900);
  });
});
