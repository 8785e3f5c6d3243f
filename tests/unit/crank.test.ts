// The crank's pure parts: configuration validation and precedence, retry/backoff, and the health
// scan across ticks (a scanner re-priced to new markets decides exactly what the exact engine
// decides on those markets, for accounts compiled before the re-price).
import { expect } from "chai";
import fs from "fs";
import os from "os";
import path from "path";
import { ConfigError, loadConfig, parseConfig } from "../../crank/src/config";
import { backoffDelay, withRetry } from "../../crank/src/rpc";
import { DEFAULT_GLOBAL, evaluate, HealthScanner, MarketState, QUOTE } from "../../app/src/risk";
import { accounts, markets, NOW } from "../lib/population";

const BASE = { rpcUrl: "http://127.0.0.1:8899", keypair: "/tmp/k.json", clearinghouse: "11111111111111111111111111111111" };

describe("crank: configuration", () => {
  it("fills every default from a minimal file", () => {
    const c = parseConfig(BASE);
    expect(c.liquidation).to.include({ enabled: true, intervalMs: 1_000, accountIndex: 0 });
    expect(c.vol.source).to.equal("ewma");
    expect(c.http.port).to.equal(9464);
    expect(c.fees.computeUnitLimit).to.equal(1_400_000);
  });

  it("crank/config.example.json is valid (with a real clearinghouse filled in)", () => {
    const raw = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "crank", "config.example.json"), "utf8"));
    const c = parseConfig({ ...raw, clearinghouse: BASE.clearinghouse });
    expect(c.vol.ewma.halfLifeSecs).to.equal(raw.vol.ewma.halfLifeSecs);
    expect(() => parseConfig(raw)).to.throw(ConfigError, /clearinghouse/);
  });

  it("rejects bad values with every offending field named", () => {
    let err: unknown;
    try {
      parseConfig({ ...BASE, rpcUrl: "not a url", liquidation: { intervalMs: 1 }, fees: { computeUnitLimit: 2_000_000 }, vol: { source: "deribit" } });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(ConfigError);
    const msg = (err as Error).message;
    for (const field of ["rpcUrl", "liquidation.intervalMs", "fees.computeUnitLimit", "vol.deribit.file"]) expect(msg).to.include(field);
  });

  it("file < environment < flags", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pm-crank-"));
    const file = path.join(dir, "crank.json");
    fs.writeFileSync(file, JSON.stringify({ ...BASE, http: { port: 1000 } }));
    expect(loadConfig(file, {}, {}).http.port).to.equal(1000);
    expect(loadConfig(file, {}, { PM_CRANK_HTTP_PORT: "2000" }).http.port).to.equal(2000);
    expect(loadConfig(file, { port: 3000 }, { PM_CRANK_HTTP_PORT: "2000" }).http.port).to.equal(3000);
    expect(loadConfig(file, {}, { PM_CRANK_RPC: "http://10.0.0.1:8899" }).rpcUrl).to.equal("http://10.0.0.1:8899");
    expect(() => loadConfig(path.join(dir, "missing.json"))).to.throw(ConfigError, /cannot read/);
    fs.writeFileSync(file, "{ nope");
    expect(() => loadConfig(file)).to.throw(ConfigError, /not valid JSON/);
  });
});

describe("crank: retry", () => {
  const o = { attempts: 4, baseDelayMs: 100, maxDelayMs: 1_000 };
  it("backs off exponentially with jitter, capped", () => {
    for (let n = 1; n <= 8; n++) {
      const cap = Math.min(1_000, 100 * 2 ** (n - 1));
      expect(backoffDelay(n, o, () => 0)).to.equal(cap / 2);
      expect(backoffDelay(n, o, () => 0.999999)).to.be.at.most(cap);
    }
  });
  it("retries what is retryable, up to the attempt limit, and nothing else", async () => {
    const fast = { ...o, baseDelayMs: 1, maxDelayMs: 2 };
    let calls = 0;
    const flaky = () => (++calls < 3 ? Promise.reject(new Error("transport")) : Promise.resolve("ok"));
    expect(await withRetry(flaky, fast, () => true)).to.equal("ok");
    expect(calls).to.equal(3);
    calls = 0;
    await withRetry(() => (calls++, Promise.reject(new Error("refused"))), fast, () => false).catch(() => {});
    expect(calls).to.equal(1);
    calls = 0;
    await withRetry(() => (calls++, Promise.reject(new Error("down"))), fast, () => true).catch(() => {});
    expect(calls).to.equal(4);
  });
});

describe("crank: health scan across ticks (HealthScanner.reprice)", function () {
  this.timeout(120_000);
  /** The population's markets after a move of `shift` (ppm of spot) and a vol change. */
  const moved = (shift: number, volPpm: bigint): MarketState[] =>
    markets().map((m) => ({
      ...m,
      spot: (m.spot * BigInt(1_000_000 + shift)) / 1_000_000n,
      slices: m.slices.map((s) => ({ ...s, atmPpm: s.atmPpm + volPpm })),
    }));

  it("accounts compiled at one tick are judged at the next exactly as the exact engine judges them there", () => {
    const population = accounts(3_000, 5, 0n);
    const first = markets();
    const scanner = new HealthScanner(DEFAULT_GLOBAL, first, NOW);
    // collateral placing each account near its MM at the second tick's prices, on both sides
    const second = moved(-60_000, 80_000n);
    const later = NOW + 3_600n;
    const placed = population.map((a, i) => {
      const at = evaluate({ ...a, markets: second, now: later });
      const offset = BigInt((i % 7) - 3) * (i % 2 ? 1n : 1_000_000n);
      const usdc = at.mm - at.equity + offset;
      return { ...a, collateral: usdc > 0n ? [{ asset: QUOTE, haircutMmPpm: 0, haircutImPpm: 0, amount: usdc }] : [] };
    });
    const compiled = placed.map((a) => scanner.compile(a));
    scanner.reprice(second, later);
    let disagree = 0;
    let liquidatable = 0;
    for (const [i, c] of compiled.entries()) {
      const exact = evaluate({ ...placed[i], markets: second, now: later });
      const h = scanner.health(c);
      if (h.liquidatable !== exact.equity < exact.mm) disagree++;
      if (h.liquidatable) liquidatable++;
      if (h.exact) expect(BigInt(h.excessOverMm)).to.equal(exact.equity - exact.mm);
    }
    expect(disagree).to.equal(0);
    expect(liquidatable).to.be.greaterThan(300);
    expect(liquidatable).to.be.lessThan(2_700);
    expect(scanner.exactCount).to.be.greaterThan(100);
  });

  it("refuses a re-price to a different number of markets", () => {
    const scanner = new HealthScanner(DEFAULT_GLOBAL, markets(), NOW);
    expect(() => scanner.reprice(markets().slice(0, 1), NOW)).to.throw(/market count/);
  });
});

describe("crank: HealthBook", function () {
  this.timeout(120_000);
  // synthetic markets and accounts as the crank holds them (crank/bench/scan.ts)
  const { syntheticAccounts, syntheticBook, syntheticMarketInfo } = require("../../crank/bench/scan") as typeof import("../../crank/bench/scan");
  const { HealthBook } = require("../../crank/src/health") as typeof import("../../crank/src/health");
  const { SPOTS } = require("../lib/population") as typeof import("../lib/population");

  it("a funding / loss index move re-costs perpetuals to exactly what a full recompile gives", () => {
    const accounts = syntheticAccounts(2_000, 3);
    let infos = markets().map((m, i) => syntheticMarketInfo(m, i));
    const kept = new HealthBook();
    kept.scan(accounts, syntheticBook(infos, SPOTS, NOW));
    // funding moved on market 0, socialised loss on market 1; spots down 4% (some accounts cross MM)
    infos = [{ ...infos[0], fundingIndex: 5_000_000_000n }, { ...infos[1], lossIndex: 150_000_000n }];
    const spots = SPOTS.map((s) => (s * 96n) / 100n);
    const after = kept.scan(accounts, syntheticBook(infos, spots, NOW + 60n));
    expect(kept.recosted, "accounts holding a perpetual of a moved market").to.be.greaterThan(150);
    expect(after.compiled).to.equal(0);
    const fresh = new HealthBook().scan(accounts, syntheticBook(infos, spots, NOW + 60n));
    expect(fresh.compiled).to.be.greaterThan(1_900);
    expect(after.belowMm.map((a) => a.address).sort()).to.deep.equal(fresh.belowMm.map((a) => a.address).sort());
    expect(after.belowMm.length).to.be.greaterThan(0);
    // and against the exact engine, account by account
    const exactBelow = [...accounts.values()].filter((t) => {
      const r = require("../../app/src/health").engineAccount(t.info, syntheticBook(infos, spots, NOW + 60n).clearinghouse, infos.filter((m) => t.info.positions.some((p) => p.marketIndex === m.marketIndex)), infos.filter((m) => t.info.positions.some((p) => p.marketIndex === m.marketIndex)).map((m) => ({ price: spots[m.marketIndex], conf: spots[m.marketIndex] / 2000n, publishTime: NOW + 60n })), NOW + 60n);
      const e = evaluate(r);
      return e.equity < e.mm;
    });
    expect(after.belowMm.length).to.equal(exactBelow.length);
  });
});
