// The `pm` CLI against the same cluster: account create / deposit / show / list / withdraw,
// --json output, and a typed error with exit code 1. On the local node also the market commands
// (market list / show, collateral list), non-quote collateral, margin-checked withdrawals and
// `account risk` against the program's simulate_margin and the SDK mirror, on markets created by
// createTestMarkets; and the bootstrap (migrations/deploy.ts) that sets such markets up.
import { execFile } from "child_process";
import fs from "fs";
import os from "os";
import path from "path";
import { Keypair, PublicKey } from "@solana/web3.js";
import { expect } from "chai";
import {
  DEFAULT_ORACLE_LIMITS,
  DEFAULT_VOL_GUARDS,
  MarketInfo,
  OracleAction,
  OracleSource,
  PortfolioMarginAdmin,
  PortfolioMarginClient,
  ProgramErrorCode,
  clusterTime,
  collateralBalance,
  engineAccount,
  evaluateSnapshot,
  feedIdFromHex,
  snapshotPrices,
} from "../../app/src";
import { FIRST_TAIL_POINT, Kind, MARKET_PARAMS, MarketPrep, N_SCEN, SCENARIOS } from "../../app/src/risk";
import {
  TestMarket,
  createTestMint,
  mintTestTokens,
  setClock,
  testExpiries,
  testStrikes,
  writeMarginAccount,
  writeTestOracle,
} from "../../app/src/testing";
import { bootstrap } from "../../migrations/deploy";
import {
  MarketsWorld,
  ON_LOCALNET,
  World,
  createMarketsWorld,
  createUser,
  createWorld,
  envProvider,
  freshOracles as refreshOracles,
  payerOf,
  usdc,
} from "./helpers";

const PM = path.resolve(__dirname, "..", "..", "app", "bin", "pm.js");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `pm` (bin/pm.js) as `keyFile`'s wallet against the world's node and clearinghouse. */
function pmRunner(get: () => { w: World; keyFile: string }) {
  const pm = (...args: string[]): Promise<Run> =>
    new Promise((resolve) => {
      const { w, keyFile } = get();
      execFile(
        process.execPath,
        [PM, "--url", w.connection.rpcEndpoint, "--keypair", keyFile, "--clearinghouse", w.clearinghouse.toBase58(), ...args],
        { env: { ...process.env, PM_CLEARINGHOUSE: "" } },
        (err, stdout, stderr) =>
          resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) }),
      );
    });
  /** `--json` output of a run that must succeed. */
  const json = async (...args: string[]) => {
    const r = await pm(...args, "--json");
    expect(r.code, r.stderr + r.stdout).to.equal(0);
    return JSON.parse(r.stdout);
  };
  /** `--json` output of a run that must fail with exit code 1. */
  const jsonError = async (...args: string[]) => {
    const r = await pm(...args, "--json");
    expect(r.code, r.stderr + r.stdout).to.equal(1);
    return JSON.parse(r.stdout);
  };
  return { pm, json, jsonError };
}

function writeKeyFile(user: Keypair): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pm-cli-"));
  const keyFile = path.join(dir, "user.json");
  fs.writeFileSync(keyFile, JSON.stringify(Array.from(user.secretKey)));
  return keyFile;
}

describe("e2e: pm CLI", function () {
  this.timeout(120_000);
  let w: World;
  let user: Keypair;
  let keyFile: string;
  const { pm, json } = pmRunner(() => ({ w, keyFile }));

  before(async function () {
    w = await createWorld();
    ({ user } = await createUser(w, usdc("100")));
    keyFile = writeKeyFile(user);
  });

  it("creates, funds, shows and lists a margin account", async function () {
    const created = await json("account", "create", "--index", "3");
    const address = w.client.marginAccountAddress(w.clearinghouse, user.publicKey, 3);
    expect(created.marginAccount).to.equal(address.toBase58());

    const dep = await json("account", "deposit", "12.5", "--index", "3");
    expect(dep.balanceAfter).to.equal("12500000");
    expect(dep.events.map((e: { name: string }) => e.name)).to.deep.equal(["depositEvent"]);

    const wd = await json("account", "withdraw", "2.25", "--index", "3");
    expect(wd.balanceAfter).to.equal("10250000");

    const shown = await json("account", "show", "--index", "3");
    expect(shown.quoteBalance).to.equal("10250000");
    expect(shown.quoteBalanceUi).to.equal("10.25");
    expect(shown.owner).to.equal(user.publicKey.toBase58());

    const listed = await json("account", "list");
    expect(listed.map((a: { address: string }) => a.address)).to.deep.equal([address.toBase58()]);

    const acc = await w.client.fetchMarginAccount(address);
    expect(collateralBalance(acc, w.quoteMint)).to.equal(usdc("10.25"));

    const text = await pm("account", "show", "--index", "3");
    expect(text.code).to.equal(0);
    expect(text.stdout).to.match(/USDC balance:\s+10\.25 USDC/);
  });

  it("prints the typed error and exits 1", async function () {
    const r = await pm("account", "withdraw", "1000", "--index", "3");
    expect(r.code).to.equal(1);
    expect(r.stderr).to.contain("error 6002 InsufficientCollateral");
    const j = await pm("account", "withdraw", "1000", "--index", "3", "--json");
    expect(j.code).to.equal(1);
    expect(JSON.parse(j.stdout).error).to.include({ code: 6002, name: "InsufficientCollateral", source: "program" });
  });

  it("rejects malformed amounts before sending anything", async function () {
    const r = await pm("account", "deposit", "1.0000001", "--index", "3");
    expect(r.code).to.equal(1);
    expect(r.stderr).to.contain("at most 6 decimal places");
  });
});

const Q48 = 2 ** 48;

(ON_LOCALNET ? describe : describe.skip)("e2e (localnet): pm market / collateral / account risk on test markets", function () {
  this.timeout(300_000);
  let w: MarketsWorld;
  let admin: PortfolioMarginAdmin;
  let markets: TestMarket[];
  let wbtc: PublicKey;
  let user: Keypair;
  let keyFile: string;
  let account: PublicKey;
  const { pm, json, jsonError } = pmRunner(() => ({ w, keyFile }));

  const freshOracles = () => refreshOracles(w);

  before(async function () {
    w = await createMarketsWorld();
    ({ operator: admin, markets, wbtc } = w);
    ({ user } = await createUser(w, usdc("50000")));
    await mintTestTokens(w.connection, payerOf(w.provider), wbtc, user.publicKey, 200_000_000n); // 2 wBTC
    keyFile = writeKeyFile(user);
    account = w.client.marginAccountAddress(w.clearinghouse, user.publicKey, 0);
  });

  it("market list: every market with its oracle, price and confidence, status, expiries, instruments and vol age", async function () {
    const now = await freshOracles();
    const list = await json("market", "list");
    expect(list.map((m: { symbol: string }) => m.symbol)).to.deep.equal(["BTC", "ETH", "SOL"]);
    list.forEach((m: any, i: number) => {
      const t = markets[i];
      expect(m).to.include({ marketIndex: t.marketIndex, address: t.address.toBase58(), status: "active", instrumentCount: 34 });
      expect(m.oracle.address).to.equal(t.oracle.address.toBase58());
      expect(m.oracle.format).to.equal(t.spec.source === OracleSource.PythPull ? "PriceUpdateV2" : "legacy");
      // written at spot with 1 bp of confidence, exponent -8: at 1e6 exactly
      const price = BigInt(t.spec.spot) * 1_000_000n;
      expect(m.oracle.price).to.equal(price.toString());
      expect(m.oracle.conf).to.equal((price / 10_000n).toString());
      expect(m.oracle.priceUsd).to.equal(String(t.spec.spot));
      expect(m.oracle.error).to.equal(null);
      for (const [k, a] of ["riskIncreasing", "margin", "liquidation"].entries()) {
        expect(m.oracle.actions[a]).to.deep.equal({ ...DEFAULT_ORACLE_LIMITS[k], ok: true, error: null });
      }
      expect(m.expiries.map((e: { expiry: string }) => e.expiry)).to.deep.equal(t.expiries.map(String));
      expect(m.vol.stale).to.equal(false);
      expect(BigInt(m.vol.ageSecs) >= 0n && BigInt(m.vol.ageSecs) < 3_600n).to.equal(true);
    });

    // a stale price is shown with its status per action class, not an error
    await writeTestOracle(admin, markets[0].oracle, markets[0].spec.spot, now - 60n);
    const [btc] = await json("market", "list");
    expect(btc.oracle.price).to.equal("100000000000");
    expect(BigInt(btc.oracle.ageSecs) >= 60n).to.equal(true);
    expect(btc.oracle.actions.riskIncreasing).to.include({ ok: false, error: "OracleStale" });
    expect(btc.oracle.actions.margin).to.include({ ok: true, error: null });
    expect(btc.oracle.actions.liquidation).to.include({ ok: true, error: null });
    const text = await pm("market", "list");
    expect(text.code, text.stderr).to.equal(0);
    expect(text.stdout).to.match(/#0 BTC\s+active/).and.to.match(/risk-increasing OracleStale · margin ok · liquidation ok/);
    await freshOracles();
  });

  it("market show: parameters with their bounds, oracle limits, vol guards, expiries with smile and basis, instruments", async function () {
    const eth = await json("market", "show", "eth");
    // by index: the same market (ages aside, they move with the clock)
    const ageless = (v: any) => ({ ...v, oracle: { ...v.oracle, ageSecs: 0 }, vol: { ...v.vol, ageSecs: 0 } });
    expect(ageless(await json("market", "show", "1"))).to.deep.equal(ageless(eth));
    const chain = await w.client.fetchMarketInfo(w.clearinghouse, 1);
    expect(eth.symbol).to.equal("ETH");
    expect(eth.params.map((p: { name: string }) => p.name)).to.deep.equal(MARKET_PARAMS.map((p) => p.name));
    eth.params.forEach((p: any, i: number) => {
      const spec = MARKET_PARAMS[i];
      expect(p).to.deep.equal({ name: spec.name, key: spec.key, value: (chain.params as any)[spec.key], min: spec.min, max: spec.max, default: spec.default, tighter: spec.tighter });
    });
    expect(eth.params[0].value).to.equal(180_000);
    expect(eth.volGuards).to.deep.equal(DEFAULT_VOL_GUARDS);
    expect(eth.oracle.actions.margin).to.include(DEFAULT_ORACLE_LIMITS[OracleAction.Margin]);
    expect(eth.expiries).to.have.length(3);
    for (const e of eth.expiries) expect(e).to.include({ atmPpm: "600000", skewPpm: "-100000", curvPpm: "200000", basisPpm: "20000", expired: false });
    expect(eth.instruments).to.have.length(34);
    expect(eth.instruments[0]).to.deep.equal({ index: 0, kind: "perp", expiryIndex: null, expiry: null, strike: null, openInterest: "0" });
    expect(eth.instruments[1]).to.include({ kind: "future", expiryIndex: 0, expiry: String(markets[1].expiries[0]), strike: null });
    const strikes = eth.instruments.filter((i: any) => i.kind === "call" && i.expiryIndex === 2).map((i: any) => i.strike);
    expect(strikes).to.deep.equal(testStrikes(3_500).map(String));

    const r = await pm("market", "show", "DOGE");
    expect(r.code).to.equal(1);
    expect(r.stderr).to.contain('no market "DOGE"').and.to.contain("0 BTC, 1 ETH, 2 SOL");
  });

  it("collateral list: the quote mint at 1.0 and wBTC priced by BTC, with haircuts, cap and vault balance", async function () {
    const list = await json("collateral", "list");
    expect(list).to.have.length(2);
    expect(list[0]).to.deep.include({ mint: w.quoteMint.toBase58(), pricedBy: { kind: "quote", value: "1.0" }, decimals: 6, haircutMmPpm: 0, haircutImPpm: 0, vaultBalance: "0" });
    expect(list[1]).to.deep.include({
      mint: wbtc.toBase58(),
      pricedBy: { kind: "market", marketIndex: 0, symbol: "BTC" },
      decimals: 8,
      haircutMmPpm: 20_000,
      haircutImPpm: 40_000,
      depositCap: "100000000000",
      depositCapUi: "1,000",
      vaultBalance: "0",
    });
    const text = await pm("collateral", "list");
    expect(text.stdout).to.match(/quote, valued at 1\.0/).and.to.match(/market #0 BTC\s+8\s+2%\s+4%\s+1,000\s+0/);
  });

  it("account deposit / withdraw --mint: amounts in the mint's decimals; unlisted mints and extra decimals refused", async function () {
    await freshOracles();
    await json("account", "create");
    const dep = await json("account", "deposit", "1.5", "--mint", wbtc.toBase58());
    expect(dep).to.include({ mint: wbtc.toBase58(), decimals: 8, amount: "150000000", amountUi: "1.50", balanceAfter: "150000000" });
    expect(dep.events.map((e: { name: string }) => e.name)).to.deep.equal(["depositEvent"]);
    expect((await json("account", "deposit", "20000")).balanceAfter).to.equal(usdc("20000").toString());
    const wd = await json("account", "withdraw", "0.25", "--mint", wbtc.toBase58());
    expect(wd).to.include({ amount: "25000000", balanceAfter: "125000000" });
    expect(wd.preview.ok).to.equal(true);
    expect(wd.preview.markets).to.deep.equal([0]); // the wBTC left is priced by BTC
    expect((await json("collateral", "list"))[1].vaultBalance).to.equal("125000000");

    const tooFine = await pm("account", "deposit", "0.000000001", "--mint", wbtc.toBase58());
    expect(tooFine.code).to.equal(1);
    expect(tooFine.stderr).to.contain("at most 8 decimal places");
    const stranger = await createTestMint(w.connection, payerOf(w.provider), { decimals: 8 });
    const unlisted = await pm("account", "deposit", "1", "--mint", stranger.toBase58());
    expect(unlisted.code).to.equal(1);
    expect(unlisted.stderr).to.contain(`mint ${stranger.toBase58()} is not listed as collateral`);
  });

  /** The account's options book: a covered call on 1.25 wBTC, a short ETH put spread, an ETH perp hedge. */
  async function writeBook(): Promise<void> {
    const [btc, eth] = [await w.client.fetchMarketInfo(w.clearinghouse, 0), await w.client.fetchMarketInfo(w.clearinghouse, 1)];
    const pick = (m: MarketInfo, kind: Kind, strike: bigint) => m.instruments.findIndex((i) => i.kind === kind && i.expiryIndex === 1 && i.strike === strike);
    await writeMarginAccount(w.client, account, {
      positions: [
        { marketIndex: 0, instrumentIndex: pick(btc, Kind.Call, 110_000_000_000n), size: -1_250_000n },
        { marketIndex: 1, instrumentIndex: pick(eth, Kind.Put, 3_150_000_000n), size: -10_000_000n },
        { marketIndex: 1, instrumentIndex: pick(eth, Kind.Put, 2_800_000_000n), size: 10_000_000n },
        { marketIndex: 1, instrumentIndex: 0, size: -3_000_000n, costBasis: -10_500_000_000n },
      ],
    });
  }

  it("account risk: the matrix is simulate_margin's scenario P&L, moves are the engine's grid, --check equals the mirror", async function () {
    await writeBook();
    await freshOracles();
    const r = await json("account", "risk", "--check");
    const at = BigInt(r.timestamp);

    // the program's own report at the same clock: every number of the view is the report's
    let report = await w.client.simulateMargin(account);
    for (let n = 0; report.timestamp !== at && n < 5; n++) {
      await setClock(w.connection, at);
      report = await w.client.simulateMargin(account);
    }
    expect(report.timestamp).to.equal(at);
    expect([r.equity, r.mm, r.im, r.scanLoss, r.imFloor].map(BigInt)).to.deep.equal([report.equity, report.mm, report.im, report.scanLoss, report.imFloor]);
    for (const k of ["scanMargin", "nakedShort", "linear", "haircut", "staleVol"] as const) {
      expect([BigInt(r.addOns[k].mm), BigInt(r.addOns[k].im)], k).to.deep.equal([report[k].mm, report[k].im]);
    }
    expect(BigInt(r.freeCollateral)).to.equal(report.equity - report.im);
    expect(r.liquidatable).to.equal(report.equity < report.mm);
    expect(r.health).to.equal("healthy");
    expect(r.markets.map((m: { marketIndex: number }) => m.marketIndex)).to.deep.equal([0, 1]);

    // the grid the engine builds for these markets at this oracle price and confidence
    const snap = await w.client.marginSnapshot(account);
    const at1 = { ...snap, now: at };
    const states = engineAccount(snap.account, snap.clearinghouse, snap.markets, snapshotPrices(at1), at).markets;
    r.markets.forEach((m: any, k: number) => {
      const rm = report.markets[k];
      expect(m.pnl.map(BigInt)).to.deep.equal(rm.pnl);
      expect(m.worstIndex).to.equal(rm.worstIndex);
      const prep = new MarketPrep(states[k]);
      const seen: number[] = [];
      for (const row of m.rows) {
        expect(BigInt(row.shiftQ48), `${m.symbol} point ${row.point}`).to.equal(prep.shiftQ48[row.point]);
        expect(row.movePct).to.equal((Number(prep.shiftQ48[row.point]) * 100) / Q48);
        expect(row.tail).to.equal(row.point >= FIRST_TAIL_POINT);
        for (const [vol, state] of [["down", 2], ["unchanged", 0], ["up", 1]] as const) {
          const cell = row.cells[vol];
          const s = SCENARIOS.findIndex(([j, v]) => j === row.point && v === state);
          if (s < 0) {
            expect(cell, `${m.symbol} ${row.label} ${vol}`).to.equal(null);
            continue;
          }
          expect(cell).to.deep.equal({ scenario: s, pnl: rm.pnl[s].toString(), worst: s === rm.worstIndex, mirror: rm.pnl[s].toString() });
          seen.push(s);
        }
      }
      expect(seen.sort((a, b) => a - b)).to.deep.equal([...Array(N_SCEN).keys()]);
      // rows by move: -50%, -33%, -R ... +R, +50%, +100%; R = price range + conf_mult x conf / spot
      expect(m.rows.map((x: { label: string }) => x.label)).to.deep.equal(
        ["tail 1", "tail 2", "-R", "-3R/4", "-R/2", "-R/4", "0", "+R/4", "+R/2", "+3R/4", "+R", "tail 3", "tail 4"],
      );
      const range = states[k].params.priceRangePpm / 1e4 + (Number(states[k].conf) / Number(states[k].spot)) * 100;
      expect(m.rangePct).to.be.closeTo(range, 1e-6);
      expect(m.rows.map((x: { movePct: number }) => x.movePct)).to.satisfy((xs: number[]) =>
        [-50, -33, -range, (-3 * range) / 4, -range / 2, -range / 4, 0, range / 4, range / 2, (3 * range) / 4, range, 50, 100].every((y, i) => Math.abs(xs[i] - y) < 1e-6),
      );
    });

    // --check: the SDK mirror evaluated at the report's time, integer for integer
    const mirror = evaluateSnapshot(at1);
    expect(r.check).to.include({ equal: true });
    expect(r.check.mismatches).to.deep.equal([]);
    expect([r.check.mirror.im, r.check.mirror.mm, r.check.mirror.equity].map(BigInt)).to.deep.equal([mirror.im, mirror.mm, mirror.equity]);
    expect([BigInt(r.im), BigInt(r.mm)]).to.deep.equal([mirror.im, mirror.mm]);

    const text = await pm("account", "risk", "--check");
    expect(text.code, text.stderr).to.equal(0);
    expect(text.stdout)
      .to.match(/risk matrix BTC \(market #0\): spot 100,000\.00 ± 10\.00, R = ±16\.01%/)
      .and.to.match(/risk matrix ETH \(market #1\)/)
      .and.to.match(/\* worst: /)
      .and.to.contain("SDK mirror: identical to the program");
  });

  it("account risk fails with the program's error when an oracle it needs is stale", async function () {
    const now = await freshOracles();
    await writeTestOracle(admin, markets[1].oracle, markets[1].spec.spot, now - 600n);
    const e = await jsonError("account", "risk");
    expect(e.error).to.include({ name: "OracleStale", source: "program", code: ProgramErrorCode.OracleStale });
    await freshOracles();
  });

  it("account withdraw previews the margin check: refuses InsufficientMargin client-side, --force lets the program refuse, a safe one lands", async function () {
    await writeBook();
    await freshOracles();
    const before = await w.client.fetchMarginAccountInfo(account);
    // all the wBTC: the 1.25 BTC call would be uncovered
    const refused = await jsonError("account", "withdraw", "1.25", "--mint", wbtc.toBase58());
    expect(refused.error).to.deep.include({ code: ProgramErrorCode.InsufficientMargin, name: "InsufficientMargin", source: "client" });
    expect(refused.preview.ok).to.equal(false);
    expect(BigInt(refused.preview.freeCollateral) < 0n).to.equal(true);
    expect(BigInt(refused.preview.equity) - BigInt(refused.preview.im)).to.equal(BigInt(refused.preview.freeCollateral));
    expect(await w.client.fetchMarginAccountInfo(account)).to.deep.equal(before); // nothing was sent
    const text = await pm("account", "withdraw", "1.25", "--mint", wbtc.toBase58());
    expect(text.code).to.equal(1);
    expect(text.stderr).to.match(/preview of withdrawing 1\.25 of .* \(BTC-priced\): free collateral after: -[\d,.]+ USDC/);
    expect(text.stderr).to.contain("error 6054 InsufficientMargin: refused before sending");

    const forced = await jsonError("account", "withdraw", "1.25", "--mint", wbtc.toBase58(), "--force");
    expect(forced.error).to.include({ code: ProgramErrorCode.InsufficientMargin, name: "InsufficientMargin", source: "program" });

    const ok = await json("account", "withdraw", "5000");
    expect(ok.preview.ok).to.equal(true);
    expect(ok.balanceAfter).to.equal(usdc("15000").toString());
    const after = await w.client.simulateMargin(account);
    // the preview was taken a moment earlier: option values move by less than a cent in seconds
    const drift = after.equity - after.im - BigInt(ok.preview.freeCollateral);
    expect(drift < 10_000n && drift > -10_000n, `drift ${drift}`).to.equal(true);
  });
});

(ON_LOCALNET ? describe : describe.skip)("e2e (localnet): bootstrap (migrations/deploy.ts) of markets and collateral", function () {
  this.timeout(300_000);

  it("local: BTC, ETH, SOL with test oracles and wBTC; a re-run reuses everything", async function () {
    const provider = envProvider();
    const index = Math.floor(Math.random() * 0x10000);
    const first = await bootstrap(provider, { index, markets: "local" });
    expect(first.marketSource).to.equal("local");
    expect(first.markets.map((m) => [m.symbol, m.format, m.expiries.length, m.instruments, m.created])).to.deep.equal([
      ["BTC", "PriceUpdateV2", 3, 34, true],
      ["ETH", "legacy", 3, 34, true],
      ["SOL", "PriceUpdateV2", 3, 34, true],
    ]);
    expect(first.collaterals.map((c) => [c.marketIndex, c.decimals, c.created])).to.deep.equal([[null, 6, true], [0, 8, true]]);
    expect(first.collaterals[1].mint.equals(first.wrappedBtc!)).to.equal(true);

    const again = await bootstrap(provider, { index, markets: "local" });
    expect(again.signature).to.equal(undefined);
    expect(again.clearinghouse.equals(first.clearinghouse)).to.equal(true);
    expect(again.markets.map((m) => [m.address.toBase58(), m.instruments, m.created])).to.deep.equal(first.markets.map((m) => [m.address.toBase58(), 34, false]));
    expect(again.wrappedBtc!.equals(first.wrappedBtc!)).to.equal(true);
    expect(again.collaterals.map((c) => c.created)).to.deep.equal([false, false]);
  });

  it("config: a market on a named oracle with expiries and strikes, a collateral mint; a re-run adds nothing", async function () {
    const provider = envProvider();
    const pm = new PortfolioMarginAdmin(new PortfolioMarginClient(provider));
    const now = await clusterTime(provider.connection);
    const oracle = { address: Keypair.generate().publicKey, source: OracleSource.PythPull, feedId: feedIdFromHex("ab".repeat(32)) };
    await writeTestOracle(pm, oracle, 25, now);
    const mint = await createTestMint(provider.connection, payerOf(provider), { decimals: 9 });
    const expiries = testExpiries(now).slice(0, 2);
    const config = {
      markets: [
        {
          symbol: "TST",
          oracle: oracle.address.toBase58(),
          format: "PriceUpdateV2" as const,
          feedId: "0x" + "ab".repeat(32),
          params: { priceRangePpm: 300_000 },
          expiries: expiries.map((e) => ({ expiry: new Date(Number(e) * 1000).toISOString(), atm: 0.8, skew: -0.05, curv: 0.1, basis: 0.01 })),
          strikes: [20, 25, 30],
        },
      ],
      collateral: [{ mint: mint.toBase58(), market: "TST", haircutMm: 0.05, haircutIm: 0.1, depositCap: "1000.5" }],
    };
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pm-bootstrap-")), "markets.json");
    fs.writeFileSync(file, JSON.stringify(config));
    const index = Math.floor(Math.random() * 0x10000);
    const first = await bootstrap(provider, { index, markets: file });
    expect(first.marketSource).to.equal("config");
    expect(first.markets.map((m) => [m.symbol, m.oracle.toBase58(), m.expiries, m.instruments, m.created])).to.deep.equal([
      ["TST", oracle.address.toBase58(), expiries, 1 + 2 * (1 + 3 * 2), true],
    ]);
    const market = await pm.client.fetchMarketInfo(first.clearinghouse, 0);
    expect(market.params.priceRangePpm).to.equal(300_000);
    expect(market.expiries.map((e) => [e.atmPpm, e.skewPpm, e.curvPpm, e.basisPpm])).to.deep.equal([
      [800_000n, -50_000n, 100_000n, 10_000n],
      [800_000n, -50_000n, 100_000n, 10_000n],
    ]);
    const ch = await pm.client.fetchClearinghouseInfo(first.clearinghouse);
    expect(ch.collaterals[1]).to.deep.include({ mint, marketIndex: 0, decimals: 9, haircutMmPpm: 50_000, haircutImPpm: 100_000, depositCap: 1_000_500_000_000n });

    // re-run: same market, expiries, instruments and collateral
    const again = await bootstrap(provider, { index, markets: config });
    expect(again.markets.map((m) => [m.instruments, m.created])).to.deep.equal([[15, false]]);
    expect(again.collaterals.map((c) => c.created)).to.deep.equal([false, false]);
  });
});

(ON_LOCALNET ? describe : describe.skip)("e2e (localnet): pm quote create / show / accept, pm positions", function () {
  this.timeout(300_000);
  let w: MarketsWorld;
  let maker: Keypair;
  let taker: Keypair;
  let makerKey: string;
  let takerKey: string;
  const asMaker = pmRunner(() => ({ w, keyFile: makerKey }));
  const asTaker = pmRunner(() => ({ w, keyFile: takerKey }));

  before(async function () {
    w = await createMarketsWorld();
    ({ user: maker } = await createUser(w, usdc("200000")));
    ({ user: taker } = await createUser(w, usdc("200000")));
    [makerKey, takerKey] = [writeKeyFile(maker), writeKeyFile(taker)];
    for (const run of [asMaker, asTaker]) {
      await run.json("account", "create");
      await run.json("account", "deposit", "200000");
    }
  });

  it("the maker signs a perpetual quote, the taker shows and accepts it; positions show the legs", async function () {
    await refreshOracles(w);
    const created = await asMaker.json("quote", "create", "--taker", taker.publicKey.toBase58(), "--market", "BTC", "--instrument", "0", "--side", "sell", "--size", "0.5", "--price", "100000", "--nonce", "7");
    const encoded: string = created.quote;
    const shown = await asTaker.pm("quote", "show", encoded);
    expect(shown.code, shown.stderr).to.equal(0);
    expect(shown.stdout).to.match(/maker:\s+sells 0\.50 @ 100,000\.00/);
    expect(shown.stdout).to.contain("the program would accept the trade");
    const accepted = await asTaker.json("quote", "accept", encoded);
    expect(accepted.signature).to.be.a("string");
    // the same quote again, by either name of the taker's command: the preview refuses it before
    // sending (nonce spent)
    for (const command of [["quote", "accept"], ["trade"]]) {
      const again = await asTaker.jsonError(...command, encoded);
      expect(again.error).to.include({ name: "QuoteNonceUsed", source: "program" });
    }
    const takerAccount = w.client.marginAccountAddress(w.clearinghouse, taker.publicKey, 0);
    const pos = await asTaker.json("positions", takerAccount.toBase58());
    expect(pos.positions).to.have.length(1);
    expect(pos.positions[0]).to.include({ market: "BTC", size: "500000", costBasis: "50000000000", settlement: "perpetual", fundingOwed: "0" });
    const text = await asMaker.pm("positions");
    expect(text.code, text.stderr).to.equal(0);
    expect(text.stdout).to.match(/BTC\s+perp\s+-0\.50/);
  });
});

(ON_LOCALNET ? describe : describe.skip)("e2e (localnet): pm liquidate, pm insurance deposit / show", function () {
  this.timeout(300_000);
  let w: MarketsWorld;
  let liquidator: Keypair;
  let keyFile: string;
  let maker: Keypair;
  let victim: Keypair;
  let victimAccount: PublicKey;
  const run = pmRunner(() => ({ w, keyFile }));
  const C = 1_000_000n;
  const btcAt = async (usd: number) => {
    const now = await clusterTime(w.connection);
    await setClock(w.connection, now);
    await writeTestOracle(w.operator, w.markets[0].oracle, usd, now);
  };

  before(async function () {
    w = await createMarketsWorld();
    ({ user: liquidator } = await createUser(w, usdc("505000")));
    keyFile = writeKeyFile(liquidator);
    await run.json("account", "create");
    await run.json("account", "deposit", "500000");
    // a victim long 1 BTC perpetual at 100,000 on 20,000 USDC, bought from a maker by RFQ (SDK)
    for (const [who, amount] of [["maker", "1000000"], ["victim", "20000"]] as const) {
      const { user } = await createUser(w, usdc(amount));
      await w.client.createMarginAccount({ clearinghouse: w.clearinghouse, owner: user });
      await w.client.deposit({ clearinghouse: w.clearinghouse, owner: user, amount: usdc(amount) });
      if (who === "maker") maker = user;
      else victim = user;
    }
    victimAccount = w.client.marginAccountAddress(w.clearinghouse, victim.publicKey, 0);
    await refreshOracles(w);
    const { MakerSide, PortfolioMarginTrading } = await import("../../app/src");
    const trading = new PortfolioMarginTrading(w.client);
    const now = await clusterTime(w.connection);
    const quote = { instrumentIndex: 0, makerSide: MakerSide.Sell, size: C, price: 100_000n * C, oracleLimit: 0n, expiresAt: now + 120n, nonce: 1n };
    const encoded = await trading.createSignedQuote({ maker, makerAccount: w.client.marginAccountAddress(w.clearinghouse, maker.publicKey, 0), takerAccount: victimAccount, marketIndex: 0, quote });
    await trading.acceptSignedQuote(encoded, { taker: victim });
  });

  it("a healthy account: nothing to do (exit 0)", async function () {
    const r = await run.json("liquidate", victimAccount.toBase58(), "--dry-run");
    expect(r.plan).to.include({ liquidatable: false, bankrupt: false });
    expect(r.plan.steps).to.deep.equal([]);
    const text = await run.pm("liquidate", victimAccount.toBase58());
    expect(text.code, text.stderr).to.equal(0);
    expect(text.stdout).to.contain("not liquidatable");
  });

  it("--dry-run prints the plan and sends nothing; without it the steps land and the account is back above MM", async function () {
    await btcAt(90_000);
    const dry = await run.json("liquidate", victimAccount.toBase58(), "--dry-run");
    expect(dry.plan).to.include({ liquidatable: true, bankrupt: false });
    expect(dry.plan.steps).to.have.length(1);
    const [leg] = dry.plan.steps[0].legs;
    expect(leg).to.include({ kind: "position", side: "long", marketIndex: 0, instrumentIndex: 0, price: "90000000000" });
    expect(BigInt(leg.amount) > 0n && BigInt(leg.amount) < C).to.equal(true);
    expect(dry.sent).to.deep.equal([]);
    expect((await w.client.fetchMarginAccountInfo(victimAccount)).positions[0].size).to.equal(C);
    const text = await run.pm("liquidate", victimAccount.toBase58(), "--dry-run");
    expect(text.code, text.stderr).to.equal(0);
    expect(text.stdout).to.match(/step 1\/1: 1 leg/).and.to.match(/take long\s+0\.\d+\s+BTC perp\s+@ 90,000\.00/).and.to.match(/fee:\s+[\d,.]+: liquidator/);

    const before = await w.client.simulateMargin(victimAccount);
    const done = await run.json("liquidate", victimAccount.toBase58());
    expect(done.sent).to.have.length(1);
    expect(done.sent[0].kind).to.equal("liquidate");
    const after = await w.client.simulateMargin(victimAccount);
    expect(after.equity >= after.mm).to.equal(true);
    expect(after.equity - after.mm <= (before.mm * 100_000n + 999_999n) / 1_000_000n).to.equal(true);
    expect(BigInt(done.after.equity)).to.equal(after.equity);
    // the liquidator's account holds what the plan said it would take
    const mine = await w.client.fetchMarginAccountInfo(w.client.marginAccountAddress(w.clearinghouse, liquidator.publicKey, 0));
    expect(mine.positions[0]).to.include({ marketIndex: 0, instrumentIndex: 0, size: BigInt(leg.amount) });
  });

  it("insurance deposit / show: the fund's balance and lifetime totals", async function () {
    const d = await run.json("insurance", "deposit", "5000");
    expect(d).to.include({ amount: "5000000000", insuranceBalance: "5000000000" });
    const shown = await run.json("insurance", "show");
    expect(shown).to.include({ balance: "5000000000", deposited: "5000000000", paid: "0", socializedLoss: "0", badDebt: "0", liquidationBufferPpm: 100_000 });
    expect(shown.pendingFees.map((m: { symbol: string }) => m.symbol)).to.deep.equal(["BTC", "ETH", "SOL"]);
    const text = await run.pm("insurance", "show");
    expect(text.code, text.stderr).to.equal(0);
    expect(text.stdout).to.match(/balance:\s+5,000(\.0+)? USDC/);
    const bad = await run.pm("insurance", "deposit", "0.0000001");
    expect(bad.code).to.equal(1);
  });

  it("a bankrupt account: pm liquidate resolves it, the fund pays the deficit", async function () {
    await btcAt(75_000);
    const dry = await run.json("liquidate", victimAccount.toBase58(), "--dry-run");
    expect(dry.plan.bankrupt).to.equal(true);
    expect(dry.plan.resolveBankruptcy.ok).to.equal(true);
    const deficit = BigInt(dry.plan.resolveBankruptcy.deficit);
    expect(deficit > 0n && deficit < 5_000_000_000n, `deficit ${deficit}`).to.equal(true);
    const done = await run.json("liquidate", victimAccount.toBase58());
    expect(done.sent.map((s: { kind: string }) => s.kind)).to.deep.equal(["resolve_bankruptcy"]);
    expect(done.sent[0].events.bankruptcies[0]).to.include({ deficit: String(deficit), insurancePaid: String(deficit) });
    const shown = await run.json("insurance", "show");
    expect(BigInt(shown.balance)).to.equal(5_000_000_000n - deficit);
    expect(BigInt(shown.paid)).to.equal(deficit);
    const a = await w.client.fetchMarginAccountInfo(victimAccount);
    expect([a.positions.length, a.collaterals.length, a.quoteDebt]).to.deep.equal([0, 0, 0n]);
    const text = await run.pm("liquidate", "not-a-key");
    expect(text.code).to.equal(1);
    expect(text.stderr).to.contain("invalid margin account");
  });
});
