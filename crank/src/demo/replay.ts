// The replay: the world at the window's historic time, a warm-up, the population opened at the
// start, then hour by hour: the clock, the oracles (through the hour's low when it was a wick, then
// the close), and the crank in-process (vol, funding, settlement, liquidation), with the
// population's margin, the liquidations and the insurance fund recorded after every hour.
import { Connection, Keypair } from "@solana/web3.js";
import pino from "pino";
import { parseConfig } from "../config";
import { fundingTick } from "../loops/funding";
import { settlementTick } from "../loops/settlement";
import { ReplayReport } from "../report";
import { Crank } from "../service";
import { clearinghouseAddresses } from "../sdk";
import { loadMarketBook } from "../chain/markets";
import { STRATEGIES } from "../strategies";
import type { DemoOptions } from "./args";
import { iso } from "./args";
import { LiquidationLedger, LiquidationRecord, Measure, measure } from "./accounting";
import { populationLines, px, quote, usd } from "./output";
import { designPopulation, Member, openPopulation } from "./population";
import { loadTracks, lowOf, PriceTrack, priceAt } from "./prices";
import { createWorld, DemoWorld, HOUR, publish, seedInsurance, sweepFeePools } from "./world";

/** An hour's low counts as a wick (replayed before the close) when it is this far below both the previous close and the close. */
export const WICK = 0.01;
/** Liquidation ticks per price at most (each ends when nothing more landed). */
const LIQUIDATION_ROUNDS = 4;

export interface ReplayEnv {
  connection: Connection;
  /** The wallet: admin of the new clearinghouse, crank operator, mint authority. */
  admin: Keypair;
}

export interface ReplayResult {
  report: ReplayReport;
  world: DemoWorld;
  members: Member[];
  records: LiquidationRecord[];
  /** The crank's warnings and errors (pino JSON lines), and the replay's own caught errors. */
  errors: string[];
  seconds: { total: number; setup: number; replay: number };
}

const DAY = 86_400;
const day = (t: number) => new Date(t * 1000).toISOString().slice(0, 10);
const pricesAt = (tracks: PriceTrack[], t: number): Record<string, number> => Object.fromEntries(tracks.map((tr) => [tr.symbol, priceAt(tr, t)]));

async function freshIndex(connection: Connection, admin: Keypair): Promise<number> {
  for (;;) {
    const index = Math.floor(Math.random() * 0x10000);
    const { clearinghouse } = clearinghouseAddresses(admin.publicKey, index);
    if (!(await connection.getAccountInfo(clearinghouse))) return index;
  }
}

export async function runReplay(o: DemoOptions, env: ReplayEnv, log: (line: string) => void = () => undefined): Promise<ReplayResult> {
  const t0 = Date.now();
  const { connection, admin } = env;
  const tracks = loadTracks(o.window, o.dataDir);
  const symbols = tracks.map((t) => t.symbol);
  const start = o.from;
  const end = start + o.hours * HOUR;
  const bootAt = start - o.warmupHours * HOUR;

  // ---- the world, at the window's historic time
  log(`clock -> ${iso(bootAt)} (${o.warmupHours} h before the start); bootstrap: test USDC, ${symbols.join(", ")} markets${symbols.includes("BTC") ? ", wrapped BTC" : ""}`);
  const world = await createWorld({ connection, admin, tracks, index: await freshIndex(connection, admin), bootAt, start });
  const book0 = await loadMarketBook(world.client, world.clearinghouse);
  for (const v of book0.markets) {
    const m = v.info;
    const strikes = [...new Set(m.instruments.filter((i) => i.strike > 0n).map((i) => Number(i.strike) / 1e6))];
    log(
      `  #${m.marketIndex} ${m.symbol.padEnd(3)} spot ${px(Number(v.status.price?.price ?? 0n) / 1e6)}, ATM vol ${(Number(m.expiries[0].atmPpm) / 1e4).toFixed(0)}% ` +
        `(EWMA of the prior hourly closes), expiries ${m.expiries.map((e) => day(Number(e.expiry))).join(" ")}, ` +
        `strikes ${px(Math.min(...strikes))}-${px(Math.max(...strikes))} (${strikes.length}), ${m.instruments.length} instruments`,
    );
  }
  log(`  clearinghouse ${world.clearinghouse.toBase58()}; maker ${usd(quote(100_000_000_000_000n))} USDC; liquidator (crank operator) account ${world.liquidatorAccount.toBase58()}`);

  // ---- the crank, in-process, driven tick by tick; its warnings are kept, not printed
  const errors: string[] = [];
  const logger = pino({ level: "warn" }, { write: (line: string) => void errors.push(line.trim()) });
  const crank = new Crank({
    config: parseConfig({
      rpcUrl: connection.rpcEndpoint,
      keypair: "(given)",
      clearinghouse: world.clearinghouse.toBase58(),
      http: { enabled: false, port: 0 },
      retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 },
      rpcTimeoutMs: 30_000,
      accounts: { subscribe: false },
    }),
    operator: admin,
    logger,
    volSource: world.volSource,
  });
  let thrown = 0;
  /** Wall time per step (PM_DEMO_PROFILE=1 prints it). */
  const profile = new Map<string, number>();
  const guard = async <T>(what: string, f: () => Promise<T>): Promise<T | undefined> => {
    const started = performance.now();
    try {
      return await f();
    } catch (e) {
      thrown++;
      errors.push(JSON.stringify({ level: 50, msg: `${what} threw`, err: (e as Error)?.message ?? String(e) }));
      return undefined;
    } finally {
      profile.set(what, (profile.get(what) ?? 0) + performance.now() - started);
    }
  };
  const totals = { vol: 0, funding: 0, settlements: 0, failedSends: 0, refusals: 0 };
  const volTick = async (count: boolean) => {
    const r = await guard("vol tick", () => crank.vol.tick());
    if (!r) return;
    if (count) totals.vol += r.landed;
    totals.failedSends += r.sent - r.landed;
  };
  const fundingStep = async (count: boolean) => {
    const r = await guard("funding tick", () => fundingTick(crank.ctx));
    if (!r) return;
    if (count) totals.funding += r.updated;
    totals.failedSends += r.failed;
  };

  // ---- warm-up: oracles and vol on chain before there are accounts
  for (let t = bootAt + HOUR; t <= start; t += HOUR) {
    await publish(world, t, pricesAt(tracks, t));
    await volTick(false);
    await fundingStep(false);
  }
  const warm = await loadMarketBook(world.client, world.clearinghouse);
  log(`warm-up: ${o.warmupHours} hourly closes on chain; ATM vols now ${warm.markets.map((v) => `${v.info.symbol} ${(Number(v.info.expiries[0].atmPpm) / 1e4).toFixed(0)}%`).join(", ")}`);

  // ---- the population, opened at the start's prices by RFQ with the maker
  const specs = designPopulation(symbols, o.accountsPerStrategy, o.notional, o.seed, world.wbtc !== null);
  log(`opening ${specs.length} accounts at ${iso(start)} (RFQ trades with the maker at the engine's marks) ...`);
  let nonce = 0n;
  const prices0 = pricesAt(tracks, start);
  const members = await openPopulation(
    { world, book: warm, prices: prices0, nextNonce: () => ++nonce, log },
    specs,
    4,
  );
  for (const l of populationLines(members)) log(`  ${l}`);
  const openFailures = members.filter((m) => m.failed.length).length;
  if (openFailures) log(`  ${openFailures} account(s) could not open every leg (above)`);
  await seedInsurance(world);
  await sweepFeePools(world);
  const ledger = new LiquidationLedger(world);
  await ledger.mark(members.map((m) => m.account));
  const byAccount = new Map(members.map((m) => [m.account.toBase58(), m]));
  await guard("account listing", () => crank.ctx.tracker.relist());
  const first = await measure(world, members);
  log(
    `population: ${members.length} accounts, equity ${usd(quote(first.totalEquity))}, IM ${usd(quote(first.totalIm))}, MM ${usd(quote(first.totalMm))}; ` +
      `insurance fund ${usd(quote(first.insurance))} (deposit + opening fees swept)`,
  );
  const tSetup = Date.now();

  // ---- the replay
  const series: ReplayReport["series"] = [];
  const point = (t: number, m: Measure, belowMm: Set<string>, steps: number) =>
    series.push({
      t,
      prices: m.prices,
      totalEquity: quote(m.totalEquity),
      totalMm: quote(m.totalMm),
      totalIm: quote(m.totalIm),
      accountsBelowMm: new Set([...belowMm, ...m.belowMm]).size,
      liquidationSteps: steps,
      insuranceFund: quote(m.insurance),
    });
  point(start, first, new Set(), 0);
  const records: LiquidationRecord[] = [];
  const liquidated = new Set<string>();
  let dayBelow = new Set<string>();

  /** Liquidation ticks until nothing more lands; the population accounts found below MM and every account attempted. */
  const liquidate = async (below: Set<string>, attempted: Set<string>) => {
    for (let round = 0; round < LIQUIDATION_ROUNDS; round++) {
      // the crank re-reads each account it liquidates; its own account changes too
      if (round === 0 && attempted.size === 0) await guard("account listing", () => crank.ctx.tracker.relist());
      else await guard("account listing", () => crank.ctx.tracker.refresh(world.liquidatorAccount));
      const r = await guard("liquidation tick", () => crank.liquidation.tick());
      if (!r) return;
      for (const a of r.scan?.belowMm ?? []) if (byAccount.has(a.address)) below.add(a.address);
      for (const a of r.attempted) attempted.add(a);
      if (r.refused) {
        totals.refusals++;
        errors.push(JSON.stringify({ level: 40, msg: "liquidation refused", reason: r.refused }));
      }
      if (r.stepsLanded + r.resolutions === 0) return;
    }
  };

  let last = first;
  for (let h = 1; h <= o.hours; h++) {
    const t = start + h * HOUR;
    const below = new Set<string>();
    const attempted = new Set<string>();
    const close = pricesAt(tracks, t);
    if (o.lows) {
      const prev = pricesAt(tracks, t - HOUR);
      const lows: Record<string, number> = {};
      let wick = false;
      for (const tr of tracks) {
        const floor = Math.min(prev[tr.symbol], close[tr.symbol]);
        const low = lowOf(tr, t);
        lows[tr.symbol] = low !== null && low < floor ? low : floor;
        if (low !== null && low < floor * (1 - WICK)) wick = true;
      }
      if (wick) {
        await guard("publish", () => publish(world, t - HOUR / 2, lows));
        await liquidate(below, attempted);
      }
    }
    await guard("publish", () => publish(world, t, close));
    await volTick(true);
    await fundingStep(true);
    const s = await guard("settlement tick", () => settlementTick(crank.ctx));
    if (s) {
      totals.settlements += s.expiriesSettled + s.accountsSettled;
      totals.failedSends += s.failed;
      if (s.expiriesSettled) log(`  ${iso(t)}: ${s.expiriesSettled} expir${s.expiriesSettled === 1 ? "y" : "ies"} settled, ${s.accountsSettled} account(s) settled`);
    }
    await liquidate(below, attempted);
    // liquidation fees are the only fees of the replay (no trades): sweep when there were some
    if (attempted.size) await guard("fee sweep", () => sweepFeePools(world));
    const recs = (await guard("liquidation events", () => ledger.collect(attempted, t))) ?? [];
    records.push(...recs);
    for (const r of recs) liquidated.add(r.account);
    const m = (await guard("measure", () => measure(world, members))) ?? last;
    last = m;
    point(t, m, below, recs.reduce((n, r) => n + r.steps, 0));
    for (const a of below) dayBelow.add(a);
    if ((t - start) % DAY === 0 || h === o.hours) {
      const steps = records.reduce((n, r) => n + r.steps, 0);
      const bankrupt = records.filter((r) => r.bankrupt).length;
      log(
        `${day(t - 1)}  ${symbols.map((sym) => `${sym} ${px(close[sym])}`).join("  ")}  | below MM ${String(dayBelow.size).padStart(2)}` +
          ` | liquidations ${steps} steps, ${liquidated.size} accounts${bankrupt ? `, ${bankrupt} bankrupt` : ""} | fund ${usd(quote(m.insurance))}` +
          ` | ${Math.round((Date.now() - t0) / 1000)} s`,
      );
      dayBelow = new Set();
    }
  }
  const tEnd = Date.now();
  if (process.env.PM_DEMO_PROFILE === "1") for (const [k, v] of profile) log(`profile ${k}: ${(v / 1000).toFixed(1)} s`);
  const liquidationFailures = (await crank.metrics.liquidationsFailed.get()).values.reduce((n, v) => n + v.value, 0);
  await crank.stop();

  // ---- the report
  const label = (a: string) => byAccount.get(a)?.label ?? (a === world.maker.account.toBase58() ? "market maker" : "other");
  const ch = last.clearinghouse;
  const strategies: ReplayReport["strategies"] = STRATEGIES.map((st) => {
    const ms = members.filter((m) => m.strategy.name === st.name);
    const eq = (x: Measure) => ms.reduce((s, m) => s + quote(x.accounts.get(m.account.toBase58())?.equity ?? 0n), 0);
    return {
      name: st.name,
      accounts: ms.length,
      portfolioIm: ms.reduce((s, m) => s + quote(m.portfolioIm), 0),
      perLegIm: ms.reduce((s, m) => s + quote(m.perLegIm), 0),
      liquidated: ms.filter((m) => liquidated.has(m.account.toBase58())).length,
      equityStart: eq(first),
      equityEnd: eq(last),
    };
  }).filter((s) => s.accounts > 0);
  const report: ReplayReport = {
    window: {
      name: o.window,
      start: iso(start),
      end: iso(end),
      source: tracks.map((tr) => `${tr.symbol}: ${tr.venue}`).join("; ") + (o.lows ? "; hourly closes, wicks (lows ≥1% below) replayed mid-hour" : "; hourly closes"),
    },
    markets: symbols,
    series,
    liquidations: records.map((r) => ({ t: r.t, account: r.account, strategy: label(r.account), steps: r.steps, fee: quote(r.fee), bankrupt: r.bankrupt })),
    strategies,
    summary: {
      hours: o.hours,
      liquidationSteps: records.reduce((n, r) => n + r.steps, 0),
      accountsLiquidated: [...liquidated].filter((a) => byAccount.has(a)).length,
      bankruptcies: records.filter((r) => r.bankrupt).length,
      insuranceStart: quote(first.insurance),
      insuranceEnd: quote(last.insurance),
      badDebt: quote(ch.badDebt),
      socializedLoss: quote(ch.socializedLoss),
      volUpdates: totals.vol,
      fundingUpdates: totals.funding,
      settlements: totals.settlements,
      crankErrors: thrown + totals.failedSends + totals.refusals + liquidationFailures,
    },
  };
  return {
    report,
    world,
    members,
    records,
    errors,
    seconds: { total: (tEnd - t0) / 1000, setup: (tSetup - t0) / 1000, replay: (tEnd - tSetup) / 1000 },
  };
}
