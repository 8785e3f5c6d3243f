// The crank service against the local node, driven tick by tick (loops' runOnce) except where the
// running service itself is under test (/metrics, /healthz, stop). Every expectation is read back
// from chain: the program's simulate_margin for margin, LiquidationEvents and signatures for what
// was liquidated, the market accounts for vol, settlement and funding.
import { Keypair, PublicKey } from "@solana/web3.js";
import { expect } from "chai";
import { spawn, spawnSync } from "child_process";
import fs from "fs";
import http from "http";
import os from "os";
import path from "path";
import pino from "pino";
import { Crank } from "../../crank/src/service";
import { CrankConfigInput, parseConfig } from "../../crank/src/config";
import { Fault, FaultInjector } from "../../crank/src/rpc";
import { EwmaRealisedVol } from "../../crank/src/vol";
import { MakerSide, PortfolioMarginTrading, TradeQuote, fetchTransactionEvents, liquidationEventsOf } from "../../app/src";
import { clusterTime } from "../../app/src/health";
import { Kind } from "../../app/src/risk";
import { mintTestTokens, setClock, writeTestOracle } from "../../app/src/testing";
import { MarketsWorld, ON_LOCALNET, createMarketsWorld, createUser, giveClockBackAfterSuite, usdc } from "./helpers";

const C = 1_000_000n;
const E6 = 1_000_000n;

type Trader = { user: Keypair; account: PublicKey };

/** A seeded PRNG (mulberry32): fault patterns are reproducible. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path }, (res) => {
        let body = "";
        res.on("data", (d) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on("error", reject);
  });
}

(ON_LOCALNET ? describe : describe.skip)("e2e (localnet): the crank", function () {
  this.timeout(600_000);
  giveClockBackAfterSuite(); // settlement runs the clock past an expiry
  const silent = pino({ level: "silent" });

  async function world() {
    const w = await createMarketsWorld();
    let nonce = 1n;
    const trading = new PortfolioMarginTrading(w.client);
    const newTrader = async (amount: bigint, user?: Keypair): Promise<Trader> => {
      if (!user) user = (await createUser(w, amount)).user;
      else await mintTestTokens(w.connection, w.mintAuthority, w.quoteMint, user.publicKey, amount);
      await w.client.createMarginAccount({ clearinghouse: w.clearinghouse, owner: user, accountIndex: 0 });
      await w.client.deposit({ clearinghouse: w.clearinghouse, owner: user, amount, accountIndex: 0 });
      return { user, account: w.client.marginAccountAddress(w.clearinghouse, user.publicKey, 0) };
    };
    const setPrices = async (prices: Record<string, number>, at?: bigint) => {
      const now = at ?? (await clusterTime(w.connection));
      await setClock(w.connection, now);
      for (const m of w.markets) await writeTestOracle(w.operator, m.oracle, prices[m.spec.symbol] ?? m.spec.spot, now);
      return now;
    };
    await setPrices({});
    const maker = await newTrader(usdc("5000000"));
    /** `taker` trades `size` of market 0's instrument `instrumentIndex` with the maker at `price`. */
    const trade = async (taker: Trader, instrumentIndex: number, size: bigint, price: bigint) => {
      const now = await clusterTime(w.connection);
      const quote: TradeQuote = { instrumentIndex, makerSide: size > 0n ? MakerSide.Sell : MakerSide.Buy, size: size > 0n ? size : -size, price, oracleLimit: 0n, expiresAt: now + 120n, nonce: nonce++ };
      const encoded = await trading.createSignedQuote({ maker: maker.user, makerAccount: maker.account, takerAccount: taker.account, marketIndex: 0, quote });
      await trading.acceptSignedQuote(encoded, { taker: taker.user });
    };
    // the crank's operator is the admin (the clearinghouse's crank authority), its liquidator account funded
    const operator = await newTrader(usdc("2000000"), w.admin);
    return { w, maker, newTrader, setPrices, trade, operator };
  }

  function crankFor(w: MarketsWorld, opts: { faults?: FaultInjector; http?: boolean; config?: Partial<CrankConfigInput>; volSource?: EwmaRealisedVol } = {}): Crank {
    const config = parseConfig({
      rpcUrl: w.connection.rpcEndpoint,
      keypair: "(given)",
      clearinghouse: w.clearinghouse.toBase58(),
      http: { enabled: opts.http ?? false, port: 0 },
      retry: { attempts: 4, baseDelayMs: 5, maxDelayMs: 20 },
      rpcTimeoutMs: 10_000,
      accounts: { subscribe: false },
      ...opts.config,
    });
    return new Crank({ config, operator: w.admin, logger: silent, faults: opts.faults, volSource: opts.volSource });
  }

  async function liquidatedBy(w: MarketsWorld, account: PublicKey): Promise<{ steps: number; signatures: string[] }> {
    const sigs = await w.connection.getSignaturesForAddress(account, {}, "confirmed");
    let steps = 0;
    const signatures: string[] = [];
    for (const s of sigs) {
      if (s.err) continue;
      const ev = liquidationEventsOf(await fetchTransactionEvents(w.connection, s.signature, { programId: w.client.programId }));
      const mine = ev.liquidations.filter((l) => l.marginAccount.equals(account));
      if (mine.length) signatures.push(s.signature);
      steps += mine.length;
    }
    return { steps, signatures };
  }

  async function margin(w: MarketsWorld, account: PublicKey) {
    return w.client.simulateMargin(account);
  }

  describe("liquidation loop", () => {
    let s: Awaited<ReturnType<typeof world>>;
    let victims: Trader[];
    let healthy: Trader[];

    before(async () => {
      s = await world();
      // longs of one BTC perpetual at 100,000 with too little (victims) or plenty (healthy) of collateral
      victims = [await s.newTrader(usdc("20000")), await s.newTrader(usdc("21000"))];
      healthy = [await s.newTrader(usdc("60000")), await s.newTrader(usdc("80000"))];
      for (const t of [...victims, ...healthy]) await s.trade(t, 0, C, 100_000n * E6);
    });

    it("finds and liquidates every account below MM within 2 ticks of a price drop, and leaves healthy ones alone", async () => {
      const crank = crankFor(s.w);
      await crank.loops.accounts.runOnce();
      let report = await crank.liquidation.tick();
      expect(report.scan!.belowMm).to.have.length(0, "nothing is below MM before the drop");
      await s.setPrices({ BTC: 90_000 });
      for (const v of victims) {
        const m = await margin(s.w, v.account);
        expect(m.equity < m.mm, "the victim is below MM after the drop (program)").to.equal(true);
      }
      for (const h of healthy) {
        const m = await margin(s.w, h.account);
        expect(m.equity >= m.mm, "the healthy account stays above MM (program)").to.equal(true);
      }
      report = await crank.liquidation.tick();
      expect(report.scan!.belowMm.map((a) => a.address).sort()).to.deep.equal(victims.map((v) => v.account.toBase58()).sort());
      await crank.liquidation.tick(); // a second tick has nothing left to do
      for (const v of victims) {
        const m = await margin(s.w, v.account);
        expect(m.equity >= m.mm, "restored above MM").to.equal(true);
        expect((await liquidatedBy(s.w, v.account)).steps).to.be.greaterThan(0);
      }
      for (const h of healthy) expect((await liquidatedBy(s.w, h.account)).steps).to.equal(0);
      const last = await crank.liquidation.tick();
      expect(last.scan!.belowMm).to.have.length(0);
      expect(last.attempted).to.have.length(0);
      await crank.stop();
    });

    it("refuses to liquidate when its own account would be at or below IM", async () => {
      const crank = crankFor(s.w, { config: { liquidation: { accountIndex: 7 } } });
      await crank.loops.accounts.runOnce();
      await s.setPrices({ BTC: 80_000 });
      const report = await crank.liquidation.tick();
      expect(report.scan!.belowMm.length).to.be.greaterThan(0);
      expect(report.refused).to.match(/does not exist/);
      expect(crank.healthReport().ok).to.equal(false);
      expect(report.attempted).to.have.length(0);
      await crank.stop();
    });
  });

  describe("with injected RPC errors, timeouts, lost responses and a restart", () => {
    it("liquidates every account below MM exactly as needed: none missed, none twice, healthy ones untouched", async () => {
      const s = await world();
      const victims: Trader[] = [];
      for (let i = 0; i < 5; i++) victims.push(await s.newTrader(usdc(String(19_000 + 500 * i))));
      const healthy = [await s.newTrader(usdc("70000")), await s.newTrader(usdc("90000"))];
      for (const t of [...victims, ...healthy]) await s.trade(t, 0, C, 100_000n * E6);
      await s.setPrices({ BTC: 90_000 });

      const random = rng(1234);
      const injected: Record<string, number> = {};
      const faults = (rate: number): FaultInjector => (method) => {
        let f: Fault = null;
        const x = random();
        if (method === "sendTransaction") f = x < 0.5 ? "drop-response" : null;
        else if (x < rate) f = x < rate / 3 ? "timeout" : "error";
        if (f) injected[`${method}:${f}`] = (injected[`${method}:${f}`] ?? 0) + 1;
        return f;
      };
      // first run: faulty RPC, stopped after two ticks (a restart mid-run)
      const first = crankFor(s.w, { faults: faults(0.3) });
      await first.loops.accounts.runOnce();
      for (let i = 0; i < 2; i++) await first.loops.liquidation.runOnce();
      await first.stop();
      // second run: a new process state, still faulty, until nothing is below MM
      const second = crankFor(s.w, { faults: faults(0.15) });
      let ticks = 0;
      for (; ticks < 12; ticks++) {
        await second.loops.accounts.runOnce();
        await second.loops.liquidation.runOnce();
        const below = await Promise.all(victims.map(async (v) => ((m) => m.equity < m.mm)(await margin(s.w, v.account))));
        if (!below.some(Boolean)) break;
      }
      await second.stop();
      expect(Object.keys(injected).length, "faults were injected").to.be.greaterThan(2);
      expect(injected["sendTransaction:drop-response"] ?? 0, "some responses to landed transactions were lost").to.be.greaterThan(0);
      expect(ticks, "the restarted crank finished within its tick budget").to.be.below(12);

      const landed = async (c: Crank) => (await c.metrics.liquidationsLanded.get()).values.reduce((n, v) => n + v.value, 0);
      const failedReasons = async (c: Crank) => (await c.metrics.liquidationsFailed.get()).values.map((v) => String(v.labels.reason));
      let onChainSteps = 0;
      for (const v of victims) {
        const m = await margin(s.w, v.account);
        expect(m.equity >= m.mm, "none missed: every victim ends above MM").to.equal(true);
        const { steps } = await liquidatedBy(s.w, v.account);
        expect(steps).to.be.greaterThan(0);
        onChainSteps += steps;
      }
      for (const h of healthy) expect((await liquidatedBy(s.w, h.account)).steps, "healthy accounts untouched").to.equal(0);
      // none twice: every liquidation that landed is one the cranks knew landed (a lost response was
      // looked up, not re-sent), and the program never had to refuse a step as already healthy
      expect((await landed(first)) + (await landed(second))).to.equal(onChainSteps);
      const reasons = [...(await failedReasons(first)), ...(await failedReasons(second))];
      expect(reasons).to.not.include("AccountNotLiquidatable");
      expect(reasons).to.not.include("OverLiquidation");
      const rpcErrors = (await first.metrics.rpcErrors.get()).values.reduce((n, v) => n + v.value, 0);
      expect(rpcErrors, "RPC errors are counted").to.be.greaterThan(0);
    });
  });

  describe("vol refresh", () => {
    it("sends only updates the program accepts, moving ATM toward realised vol; a non-authority key sends nothing", async () => {
      const s = await world();
      const source = new EwmaRealisedVol({ minSamples: 5, minSpacingSecs: 60, halfLifeSecs: 3_600 });
      const crank = crankFor(s.w, { volSource: source, config: { vol: { thresholdPpm: 10_000 } } });
      const before = await s.w.client.fetchMarketInfo(s.w.clearinghouse, 0);
      const sequences = async () => Promise.all([0, 1, 2].map(async (i) => (await s.w.client.fetchMarketInfo(s.w.clearinghouse, i)).volSequence));
      const sequencesBefore = await sequences();
      let t = await clusterTime(s.w.connection);
      let btc = 100_000;
      const random = rng(99);
      let sent = 0;
      let landed = 0;
      for (let i = 0; i < 16; i++) {
        t += 120n;
        // a wild path: ~4% moves every 2 minutes (realised vol far above the listed 50%)
        btc *= Math.exp((random() < 0.5 ? -1 : 1) * 0.04);
        await s.setPrices({ BTC: btc }, t);
        const r = await crank.vol.tick();
        sent += r.sent;
        landed += r.landed;
      }
      const after = await s.w.client.fetchMarketInfo(s.w.clearinghouse, 0);
      expect(sent).to.be.greaterThan(0);
      expect(landed, "every update sent was accepted").to.equal(sent);
      // every market's sequence moved once per update that landed on it (BTC among them)
      const sequencesAfter = await sequences();
      expect(sequencesAfter.reduce((n, q, i) => n + (q - sequencesBefore[i]), 0n)).to.equal(BigInt(landed));
      expect(after.volSequence > before.volSequence).to.equal(true);
      for (let i = 0; i < after.expiries.length; i++) expect(after.expiries[i].atmPpm > before.expiries[i].atmPpm, "ATM moved up toward realised vol").to.equal(true);
      const failed = (await crank.metrics.volUpdates.get()).values.filter((v) => String(v.labels.result).startsWith("failed"));
      expect(failed).to.have.length(0);

      // another key: plans, never sends
      const other = new Crank({
        config: parseConfig({ rpcUrl: s.w.connection.rpcEndpoint, keypair: "(given)", clearinghouse: s.w.clearinghouse.toBase58(), http: { enabled: false } }),
        operator: s.maker.user,
        logger: silent,
        volSource: source,
      });
      t += 600n;
      await s.setPrices({ BTC: btc * 1.2 }, t);
      const r = await other.vol.tick();
      expect(r.sent).to.equal(0);
      expect((await s.w.client.fetchMarketInfo(s.w.clearinghouse, 0)).volSequence).to.equal(after.volSequence);
      await crank.stop();
      await other.stop();
    });
  });

  describe("settlement and funding", () => {
    it("settles an expired expiry and the positions in it, and updates funding once the interval has passed", async () => {
      const s = await world();
      const taker = await s.newTrader(usdc("50000"));
      const market = await s.w.client.fetchMarketInfo(s.w.clearinghouse, 0);
      const call = market.instruments.find((i) => i.kind === Kind.Call && i.expiryIndex === 0 && i.strike === 90_000n * E6)!;
      await s.trade(taker, call.index, C, 12_000n * E6);
      await s.trade(taker, 0, -C, 100_000n * E6); // and a perp, for funding
      const crank = crankFor(s.w);
      await crank.loops.accounts.runOnce();
      // past the first expiry (and every funding interval), prices fresh at the new time
      const after = market.expiries[0].expiry + 3_600n;
      await s.setPrices({ BTC: 110_000 }, after);
      await crank.loops.funding.runOnce();
      await crank.loops.settlement.runOnce();
      const m = await s.w.client.fetchMarketInfo(s.w.clearinghouse, 0);
      expect(m.expiries[0].settlementPrice).to.equal(110_000n * E6);
      expect(m.expiries[1].settlementPrice).to.equal(0n);
      expect(m.fundingUpdatedAt).to.equal(after);
      for (const other of [1, 2]) expect((await s.w.client.fetchMarketInfo(s.w.clearinghouse, other)).fundingUpdatedAt).to.equal(after);
      const account = await s.w.client.fetchMarginAccountInfo(taker.account);
      expect(account.positions.some((p) => p.marketIndex === 0 && p.instrumentIndex === call.index && p.size !== 0n), "the expired call is settled into cash").to.equal(false);
      expect(account.positions.some((p) => p.marketIndex === 0 && p.instrumentIndex === 0 && p.size !== 0n), "the perpetual stays").to.equal(true);
      const settled = (await crank.metrics.settlements.get()).values;
      // the first expiry of each of the three markets (listed at the same time)
      expect(settled.find((v) => v.labels.kind === "expiry" && v.labels.result === "landed")?.value).to.equal(3);
      for (const other of [1, 2]) expect((await s.w.client.fetchMarketInfo(s.w.clearinghouse, other)).expiries[0].settlementPrice).to.not.equal(0n);
      expect(settled.find((v) => v.labels.kind === "positions" && v.labels.result === "landed")!.value).to.be.at.least(2);
      // a second pass has nothing to do
      await crank.loops.funding.runOnce();
      await crank.loops.settlement.runOnce();
      expect((await crank.metrics.fundingUpdates.get()).values.reduce((n, v) => n + v.value, 0)).to.equal(3);
      await crank.stop();
    });
  });

  describe("npm run crank (the process)", () => {
    const script = path.join(__dirname, "..", "..", "scripts", "crank.js");

    it("exits 2 naming the bad field on an invalid config", () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pm-crank-"));
      const file = path.join(dir, "bad.json");
      fs.writeFileSync(file, JSON.stringify({ rpcUrl: "http://127.0.0.1:1", keypair: "k.json", clearinghouse: "nope" }));
      const r = spawnSync(process.execPath, [script, "--config", file], { encoding: "utf8" });
      expect(r.status).to.equal(2);
      expect(r.stderr).to.include("clearinghouse");
    });

    it("starts from a config file, serves /healthz, logs JSON and exits 0 on SIGTERM", async () => {
      const s = await world();
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pm-crank-"));
      const keypair = path.join(dir, "operator.json");
      fs.writeFileSync(keypair, JSON.stringify(Array.from(s.w.admin.secretKey)));
      const file = path.join(dir, "crank.json");
      fs.writeFileSync(file, JSON.stringify({ rpcUrl: "http://127.0.0.1:1", keypair, clearinghouse: s.w.clearinghouse.toBase58(), http: { port: 0 } }));
      // --rpc overrides the file's (unreachable) URL; the port comes from the log
      const child = spawn(process.execPath, [script, "--config", file, "--rpc", s.w.connection.rpcEndpoint], { stdio: ["ignore", "pipe", "pipe"] });
      const lines: any[] = [];
      let port = 0;
      child.stdout.setEncoding("utf8");
      let buf = "";
      child.stdout.on("data", (d: string) => {
        buf += d;
        for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
          const line = JSON.parse(buf.slice(0, i));
          buf = buf.slice(i + 1);
          lines.push(line);
          if (line.port) port = line.port;
        }
      });
      const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
      for (let i = 0; i < 300 && !lines.some((l) => l.msg === "crank started"); i++) await new Promise((r) => setTimeout(r, 100));
      expect(port).to.be.greaterThan(0);
      let health = await get(port, "/healthz");
      for (let i = 0; i < 50 && health.status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 200));
        health = await get(port, "/healthz");
      }
      expect(health.status, health.body).to.equal(200);
      child.kill("SIGTERM");
      expect(await exited).to.equal(0);
      expect(lines.some((l) => l.msg === "crank stopped")).to.equal(true);
      expect(lines.every((l) => typeof l.level === "number" && typeof l.time === "string")).to.equal(true);
    });
  });

  describe("the running service", () => {
    it("answers /metrics and /healthz, keeps new accounts current by subscription, and stops gracefully", async () => {
      const s = await world();
      const crank = crankFor(s.w, {
        http: true,
        config: { accounts: { subscribe: true, relistIntervalMs: 600_000 }, liquidation: { intervalMs: 200 }, settlement: { intervalMs: 500 }, funding: { intervalMs: 500 }, vol: { intervalMs: 500 } },
      });
      await crank.start();
      const port = crank.statusPort!;
      const tracked = crank.ctx.tracker.accounts.size;
      const fresh = await s.newTrader(usdc("1000"));
      for (let i = 0; i < 50 && !crank.ctx.tracker.accounts.has(fresh.account.toBase58()); i++) await new Promise((r) => setTimeout(r, 100));
      expect(crank.ctx.tracker.accounts.has(fresh.account.toBase58()), "a new account arrives by subscription, before any re-list").to.equal(true);
      expect(crank.ctx.tracker.accounts.size).to.equal(tracked + 1);
      await new Promise((r) => setTimeout(r, 1_500));
      const metrics = await get(port, "/metrics");
      expect(metrics.status).to.equal(200);
      for (const name of ["pm_crank_accounts_tracked", "pm_crank_scan_duration_seconds", "pm_crank_liquidations_sent_total", "pm_crank_oracle_age_seconds", "pm_crank_vol_updates_total", "pm_crank_rpc_errors_total"])
        expect(metrics.body).to.include(name);
      expect(metrics.body).to.match(/pm_crank_accounts_tracked \d+/);
      expect(metrics.body).to.match(/pm_crank_oracle_age_seconds\{market="BTC"\}/);
      const health = await get(port, "/healthz");
      expect(health.status, health.body).to.equal(200);
      expect(JSON.parse(health.body).ok).to.equal(true);
      await crank.stop();
      let refused = false;
      await get(port, "/healthz").catch(() => (refused = true));
      expect(refused, "the server is closed after stop").to.equal(true);
    });
  });
});
