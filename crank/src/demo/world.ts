// The replay's world on the local node: the clock at the window's historic time, a clearinghouse
// bootstrapped by migrations/deploy.ts (test USDC, BTC / ETH / SOL markets on test Pyth oracles
// listed around the window's first price, wrapped BTC as collateral), the market maker who takes
// the other side of every RFQ trade, the crank operator's liquidator account and the insurance
// fund's first deposit.
import { AnchorProvider, Wallet } from "@coral-xyz/anchor";
import { Connection, Keypair, PublicKey } from "@solana/web3.js";
import { bootstrap, BootstrapConfig } from "../../../migrations/deploy";
import {
  createTestMint,
  fundAccounts,
  mintTestTokens,
  PYTH_FEED_IDS,
  setClock,
  TestOracle,
  writeTestOracle,
} from "../../../app/src/testing";
import { feedIdFromHex, OracleSource } from "../../../app/src/oracle";
import { clusterTime, PortfolioMarginAdmin, PortfolioMarginClient, PortfolioMarginLiquidation, PortfolioMarginTrading, parseQuoteAmount } from "../sdk";
import { EwmaRealisedVol } from "../vol";
import type { Underlying } from "../data/prices";
import { PriceTrack, priceAt } from "./prices";

export const HOUR = 3600;
const DAY = 86_400;

/** Listing around the first price: strikes as fractions of spot, expiries as days after the start. */
export const STRIKE_MONEYNESS = [0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0, 1.05, 1.1, 1.15, 1.2, 1.3, 1.5];
export const EXPIRY_DAYS = [7, 30, 90];
/** The smile's shape and the futures basis at listing (the EWMA source sets only the ATM vol). */
const SKEW = -0.1;
const CURV = 0.2;
const BASIS = 0.02;

export const BALANCES = {
  /** The market maker's USDC: deep enough to take the other side of the whole population. */
  maker: parseQuoteAmount("100000000"),
  /** The crank operator's liquidator account. */
  liquidator: parseQuoteAmount("20000000"),
  /** The insurance fund's first deposit. */
  insurance: parseQuoteAmount("250000"),
};

export interface DemoMarket {
  symbol: Underlying;
  marketIndex: number;
  address: PublicKey;
  oracle: TestOracle;
  track: PriceTrack;
}

export interface DemoWorld {
  connection: Connection;
  /** The wallet: admin, crank authority, mint authority of both test mints, owner of the liquidator account. */
  admin: Keypair;
  client: PortfolioMarginClient;
  ops: PortfolioMarginAdmin;
  trading: PortfolioMarginTrading;
  liquidation: PortfolioMarginLiquidation;
  clearinghouse: PublicKey;
  quoteMint: PublicKey;
  /** Wrapped BTC (8 decimals), priced by the BTC market; null without a BTC market. */
  wbtc: PublicKey | null;
  insuranceVault: PublicKey;
  markets: DemoMarket[];
  maker: { owner: Keypair; account: PublicKey };
  liquidatorAccount: PublicKey;
  /** The crank's vol source, seeded with the window's history before the bootstrap. */
  volSource: EwmaRealisedVol;
}

/** Three significant digits (strikes people would list). */
export function roundStrike(x: number): number {
  const e = Math.floor(Math.log10(x)) - 2;
  const step = Math.pow(10, e);
  return Number((Math.round(x / step) * step).toPrecision(12));
}

/** The listed strikes (USD) around `spot`, distinct, ascending. */
export function listedStrikes(spot: number): number[] {
  return [...new Set(STRIKE_MONEYNESS.map((m) => roundStrike(spot * m)))].sort((a, b) => a - b);
}

/** Expiries `EXPIRY_DAYS` after `start`, at 08:00 UTC (Deribit's expiry time). */
export function listedExpiries(start: number): number[] {
  return EXPIRY_DAYS.map((d) => Math.floor((start + d * DAY) / DAY) * DAY + 8 * HOUR);
}

const FORMATS: Record<Underlying, OracleSource> = { BTC: OracleSource.PythPull, ETH: OracleSource.PythLegacy, SOL: OracleSource.PythPull };

/** Pins the clock at `t` and publishes `prices` on every oracle at `t`. */
export async function publish(w: Pick<DemoWorld, "connection" | "ops" | "markets">, t: number, prices: Record<string, number>, pinClock = true): Promise<void> {
  if (pinClock) await setClock(w.connection, t);
  await Promise.all(w.markets.map((m) => writeTestOracle(w.ops, m.oracle, prices[m.symbol], BigInt(t))));
}

/** Re-publishes `prices` as of the cluster's clock now (it runs on with wall time between pins). */
export async function republish(w: Pick<DemoWorld, "connection" | "ops" | "markets">, prices: Record<string, number>): Promise<number> {
  const t = Number(await clusterTime(w.connection));
  await publish(w, t, prices, false);
  return t;
}

export interface WorldOptions {
  connection: Connection;
  admin: Keypair;
  tracks: PriceTrack[];
  /** Clearinghouse index under the admin. */
  index: number;
  /** The bootstrap time (the clock is pinned there) and the replay start (listing, expiries). */
  bootAt: number;
  start: number;
  log?: (line: string) => void;
}

/**
 * The EWMA realised-vol source the crank will use, fed every hourly close of the window's data
 * before `until` (as if the crank had been sampling the oracle for the two weeks before).
 */
export function seededVolSource(tracks: PriceTrack[], until: number): EwmaRealisedVol {
  const source = new EwmaRealisedVol();
  for (const tr of tracks) for (const b of tr.list) if (b.t + HOUR <= until) source.observe(tr.symbol, b.t + HOUR, b.close);
  return source;
}

export async function createWorld(o: WorldOptions): Promise<DemoWorld> {
  const log = o.log ?? (() => undefined);
  const { connection, admin } = o;
  const opts = { commitment: "confirmed" as const, preflightCommitment: "confirmed" as const };
  const provider = new AnchorProvider(connection, new Wallet(admin), opts);
  const client = new PortfolioMarginClient(provider);
  const ops = new PortfolioMarginAdmin(client);
  const volSource = seededVolSource(o.tracks, o.bootAt);

  const hasBtc = o.tracks.some((t) => t.symbol === "BTC");
  const wbtc = hasBtc ? await createTestMint(connection, admin, { decimals: 8 }) : null;
  // the oracles are read when a market is added: published at the pinned clock just before
  await setClock(connection, o.bootAt);
  const oracles = new Map<Underlying, TestOracle>();
  for (const tr of o.tracks) {
    const source = FORMATS[tr.symbol];
    const oracle: TestOracle = {
      address: Keypair.generate().publicKey,
      source,
      feedId: source === OracleSource.PythPull ? feedIdFromHex(PYTH_FEED_IDS[tr.symbol]) : new Uint8Array(32),
    };
    await writeTestOracle(ops, oracle, priceAt(tr, o.bootAt), BigInt(o.bootAt));
    oracles.set(tr.symbol, oracle);
  }
  const expiries = listedExpiries(o.start);
  const config: BootstrapConfig = {
    markets: o.tracks.map((tr) => {
      const oracle = oracles.get(tr.symbol)!;
      const est = volSource.estimate(tr.symbol);
      const atm = Math.min(Math.max(est?.vol ?? 0.6, 0.15), 3);
      return {
        symbol: tr.symbol,
        oracle: oracle.address.toBase58(),
        format: oracle.source === OracleSource.PythPull ? "PriceUpdateV2" : "legacy",
        feedId: oracle.source === OracleSource.PythPull ? PYTH_FEED_IDS[tr.symbol] : undefined,
        expiries: expiries.map((expiry) => ({ expiry, atm: Number(atm.toFixed(4)), skew: SKEW, curv: CURV, basis: BASIS })),
        futures: true,
        strikes: listedStrikes(priceAt(tr, o.start)),
      };
    }),
    collateral: wbtc ? [{ mint: wbtc.toBase58(), market: "BTC", haircutMm: 0.02, haircutIm: 0.04, depositCap: "100000" }] : [],
  };
  const boot = await bootstrap(provider, { index: o.index, createTestMint: true, markets: config, log });
  const markets: DemoMarket[] = o.tracks.map((track) => {
    const m = boot.markets.find((x) => x.symbol === track.symbol);
    if (!m) throw new Error(`bootstrap did not create the ${track.symbol} market`);
    return { symbol: track.symbol, marketIndex: m.marketIndex, address: m.address, oracle: oracles.get(track.symbol)!, track };
  });

  // the maker (its own key, one margin account) and the liquidator (the admin's account 0)
  const maker = Keypair.generate();
  await fundAccounts(connection, admin, [maker.publicKey], 5);
  const clearinghouse = boot.clearinghouse;
  for (const [owner, amount] of [
    [maker, BALANCES.maker],
    [admin, BALANCES.liquidator],
  ] as [Keypair, bigint][]) {
    await mintTestTokens(connection, admin, boot.quoteMint, owner.publicKey, amount);
    await client.send(
      [
        await client.createMarginAccountIx({ clearinghouse, owner: owner.publicKey, accountIndex: 0 }),
        await client.depositIx({ clearinghouse, owner: owner.publicKey, amount, accountIndex: 0 }),
      ],
      owner === admin ? [] : [owner],
    );
  }
  const liquidation = new PortfolioMarginLiquidation(client);
  return {
    connection,
    admin,
    client,
    ops,
    trading: new PortfolioMarginTrading(client),
    liquidation,
    clearinghouse,
    quoteMint: boot.quoteMint,
    wbtc,
    insuranceVault: boot.insuranceVault,
    markets,
    maker: { owner: maker, account: client.marginAccountAddress(clearinghouse, maker.publicKey, 0) },
    liquidatorAccount: client.marginAccountAddress(clearinghouse, admin.publicKey, 0),
    volSource,
  };
}

/** The insurance fund's first deposit (the admin's test USDC, `deposit_insurance`). */
export async function seedInsurance(w: DemoWorld, amount = BALANCES.insurance): Promise<void> {
  await mintTestTokens(w.connection, w.admin, w.quoteMint, w.admin.publicKey, amount);
  await w.liquidation.depositInsurance({ clearinghouse: w.clearinghouse, amount });
}

/** Moves every market's fee pool (trading fees, the fund's share of liquidation fees) into the insurance fund. */
export async function sweepFeePools(w: DemoWorld): Promise<bigint> {
  let swept = 0n;
  for (const m of await w.client.allMarkets(w.clearinghouse)) {
    if (m.feePool <= 0n) continue;
    await w.trading.sweepFees({ market: m, amount: m.feePool });
    swept += m.feePool;
  }
  return swept;
}
