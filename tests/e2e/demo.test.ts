// The crash-replay demo (crank/src/demo), run programmatically on a short slice of May 2021 across
// the 19 May crash with one account per strategy, then checked against the chain independently of
// the demo's own bookkeeping: the program's LiquidationEvents / BankruptcyResolved per account, the
// program's simulate_margin after the run, the insurance vault's token balance, the HTML file.
import { getAccount } from "@solana/spl-token";
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { fetchTransactionEvents, liquidationEventsOf } from "../../app/src";
import { clusterTime } from "../../app/src/health";
import { unix } from "../../crank/src/data/prices";
import { DemoOptions, defaultOptions, priceAt, publish, ReplayResult, runReplay, writeReport } from "../../crank/src/demo";
import { ON_LOCALNET, envProvider, giveClockBackAfterSuite, payerOf } from "./helpers";

(ON_LOCALNET ? describe : describe.skip)("e2e (localnet): the crash-replay demo", function () {
  this.timeout(1_800_000);
  giveClockBackAfterSuite(); // the replay runs the clock in May 2021
  const provider = envProvider();
  const connection = provider.connection;
  let r: ReplayResult;
  let files: { html: string; json: string };
  let opts: DemoOptions;

  before(async () => {
    opts = {
      ...defaultOptions("may2021"),
      from: unix("2021-05-18T18:00:00Z"),
      hours: 42,
      accountsPerStrategy: 1,
      warmupHours: 12,
      outDir: fs.mkdtempSync(path.join(os.tmpdir(), "pm-demo-")),
    };
    r = await runReplay(opts, { connection, admin: payerOf(provider) });
    files = writeReport(r.report, opts.outDir);
  });

  it("replays every hour and liquidates in the crash", () => {
    const s = r.report.summary;
    expect(r.report.series).to.have.length(opts.hours + 1);
    expect(s.hours).to.equal(opts.hours);
    expect(r.members.length).to.equal(17, "7 strategies on BTC, 5 on ETH and SOL (covered call and basis trade need wrapped BTC)");
    expect(r.members.filter((m) => m.failed.length), "every leg opened").to.have.length(0);
    expect(s.liquidationSteps, "the 19 May crash liquidates someone").to.be.greaterThan(0);
    expect(s.volUpdates).to.be.greaterThan(0);
    expect(s.fundingUpdates).to.be.greaterThan(0);
    expect(r.report.series.reduce((n, p) => n + p.liquidationSteps, 0)).to.equal(s.liquidationSteps);
  });

  it("every liquidation in the report is the program's LiquidationEvents for that account, and none is missing", async () => {
    const onChain = new Map<string, { steps: number; fee: bigint; bankrupt: boolean }>();
    for (const m of r.members) {
      const key = m.account.toBase58();
      const acc = { steps: 0, fee: 0n, bankrupt: false };
      for (const s of await connection.getSignaturesForAddress(m.account, {}, "confirmed")) {
        if (s.err) continue;
        const ev = liquidationEventsOf(await fetchTransactionEvents(connection, s.signature, { programId: r.world.client.programId }));
        for (const l of ev.liquidations.filter((x) => x.marginAccount.equals(m.account))) {
          acc.steps++;
          acc.fee += l.fee;
        }
        if (ev.bankruptcies.some((b) => b.marginAccount.equals(m.account))) acc.bankrupt = true;
      }
      if (acc.steps || acc.bankrupt) onChain.set(key, acc);
    }
    const reported = new Map<string, { steps: number; fee: number; bankrupt: boolean }>();
    for (const l of r.report.liquidations) {
      const x = reported.get(l.account) ?? { steps: 0, fee: 0, bankrupt: false };
      reported.set(l.account, { steps: x.steps + l.steps, fee: x.fee + l.fee, bankrupt: x.bankrupt || l.bankrupt });
      const m = r.members.find((mm) => mm.account.toBase58() === l.account);
      expect(m, `${l.account} is a population account`).to.not.equal(undefined);
      expect(l.strategy).to.equal(m!.label);
    }
    expect([...reported.keys()].sort()).to.deep.equal([...onChain.keys()].sort());
    for (const [a, x] of reported) {
      const c = onChain.get(a)!;
      expect(x.steps, a).to.equal(c.steps);
      expect(x.bankrupt, a).to.equal(c.bankrupt);
      expect(Math.round(x.fee * 1e6), a).to.equal(Number(c.fee));
    }
    expect(r.report.summary.accountsLiquidated).to.equal(reported.size);
  });

  it("leaves no population account below MM (the program's simulate_margin) unless it was resolved as bankrupt", async () => {
    const t = Number(await clusterTime(connection));
    const last = opts.from + opts.hours * 3600;
    // the last hour's prices, published again as of now (simulate_margin reads the margin-class oracle)
    await publish(r.world, t, Object.fromEntries(r.world.markets.map((m) => [m.symbol, priceAt(m.track, last)])), false);
    const bankrupt = new Set(r.report.liquidations.filter((l) => l.bankrupt).map((l) => l.account));
    for (const m of r.members) {
      if (bankrupt.has(m.account.toBase58())) continue;
      const s = await r.world.client.simulateMargin(m.account);
      expect(s.equity >= s.mm, `${m.label}: equity ${s.equity} < MM ${s.mm}`).to.equal(true);
    }
  });

  it("reports the insurance vault's token balance", async () => {
    const vault = (await getAccount(connection, r.world.insuranceVault, "confirmed")).amount;
    expect(Math.round(r.report.summary.insuranceEnd * 1e6)).to.equal(Number(vault));
    expect(Math.round(r.report.series[r.report.series.length - 1].insuranceFund * 1e6)).to.equal(Number(vault));
    const ch = await r.world.client.fetchClearinghouseInfo(r.world.clearinghouse);
    expect(Math.round(r.report.summary.badDebt * 1e6)).to.equal(Number(ch.badDebt));
    expect(Math.round(r.report.summary.socializedLoss * 1e6)).to.equal(Number(ch.socializedLoss));
  });

  it("writes a self-contained HTML report with one <svg> per chart, and its JSON", () => {
    expect(fs.existsSync(files.html)).to.equal(true);
    const html = fs.readFileSync(files.html, "utf8");
    const charts = ["Prices, start = 100", "Total equity against margin", "Liquidation steps per hour", "Insurance fund"];
    expect((html.match(/<svg\b/g) ?? []).length).to.equal(charts.length);
    for (const c of charts) expect(html).to.include(`aria-label="${c}"`);
    expect(html).to.not.match(/<script|https?:\/\/(?!www\.w3\.org)/);
    expect(JSON.parse(fs.readFileSync(files.json, "utf8"))).to.deep.equal(JSON.parse(JSON.stringify(r.report)));
  });

  it("margins each strategy as one portfolio at or below the sum of its legs margined alone", () => {
    expect(r.report.strategies.length).to.equal(7);
    for (const s of r.report.strategies) {
      expect(s.portfolioIm, s.name).to.be.greaterThan(0);
      expect(s.portfolioIm, s.name).to.be.at.most(s.perLegIm);
    }
  });
});
