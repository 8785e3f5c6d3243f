// Everything a margin check reads, fetched in one go, and the checks the program would run on it:
// `evaluateSnapshot` predicts `simulate_margin`, `previewWithdraw` predicts `withdraw`.
import { Connection, PublicKey, SYSVAR_CLOCK_PUBKEY, SystemProgram } from "@solana/web3.js";
import type { ClearinghouseInfo, MarginAccountInfo, MarketInfo } from "../accounts";
import { OracleAction } from "../accounts";
import { OracleAccount, OracleSource, readPrice } from "../oracle";
import { evaluate, MarginResult } from "../risk";
import { MarginCheckError } from "./errors";
import { engineAccount } from "./inputs";
import { collateralOf, marketsHeld } from "./markets";

export interface MarginSnapshot {
  account: MarginAccountInfo;
  clearinghouse: ClearinghouseInfo;
  /** The account's markets, ascending (the order of the remaining accounts). */
  markets: MarketInfo[];
  /** Their oracle accounts as fetched, same order. */
  oracles: OracleAccount[];
  /** The cluster's unix time (Clock sysvar) when fetched. */
  now: bigint;
}

/** What a snapshot needs from a client (kept structural so this module has no client import). */
export interface SnapshotSource {
  connection: Connection;
  fetchMarginAccountInfo(address: PublicKey): Promise<MarginAccountInfo>;
  fetchClearinghouseInfo(address: PublicKey): Promise<ClearinghouseInfo>;
  fetchMarketInfo(clearinghouse: PublicKey, marketIndex: number): Promise<MarketInfo>;
}

/** The cluster's unix time from the Clock sysvar (what the program's `Clock::get()` reads). */
export async function clusterTime(connection: Connection): Promise<bigint> {
  const info = await connection.getAccountInfo(SYSVAR_CLOCK_PUBKEY);
  if (!info) throw new Error("Clock sysvar not found");
  return Buffer.from(info.data).readBigInt64LE(32);
}

export async function fetchMarginSnapshot(src: SnapshotSource, marginAccount: PublicKey): Promise<MarginSnapshot> {
  const account = await src.fetchMarginAccountInfo(marginAccount);
  const clearinghouse = await src.fetchClearinghouseInfo(account.clearinghouse);
  return snapshotOf(src, account, clearinghouse);
}

/** A snapshot of `account` as it would be (e.g. after a hypothetical change), with fresh markets. */
export async function snapshotOf(src: SnapshotSource, account: MarginAccountInfo, clearinghouse: ClearinghouseInfo): Promise<MarginSnapshot> {
  const indices = marketsHeld(account, clearinghouse);
  const markets = await Promise.all(indices.map((i) => src.fetchMarketInfo(account.clearinghouse, i)));
  const infos = await src.connection.getMultipleAccountsInfo(markets.map((m) => m.oracle));
  const oracles = markets.map((m, i) => ({
    address: m.oracle,
    owner: infos[i]?.owner ?? SystemProgram.programId,
    data: infos[i]?.data ?? new Uint8Array(),
  }));
  return { account, clearinghouse, markets, oracles, now: await clusterTime(src.connection) };
}

/** The engine's result for the snapshot, oracles read with `action`'s limits (as the program would). */
export function evaluateSnapshot(s: MarginSnapshot, action: OracleAction = OracleAction.Margin): MarginResult {
  const prices = s.markets.map((m, i) =>
    readPrice(
      s.oracles[i],
      {
        source: m.oracleSource,
        address: m.oracle,
        feedId: m.feedId,
        ownerProgram: m.oracleSource === OracleSource.PythPull ? s.clearinghouse.pythReceiverProgram : s.clearinghouse.pythOracleProgram,
      },
      m.oracleLimits[action],
      s.now,
    ),
  );
  return evaluate(engineAccount(s.account, s.clearinghouse, s.markets, prices, s.now));
}

export interface WithdrawPreview {
  /** The markets the withdrawal's margin check reads (its remaining accounts, in order). */
  markets: MarketInfo[];
  /** The account after the withdrawal, evaluated. */
  after: MarginResult;
  /** Whether the program would accept it (equity >= IM afterwards). */
  ok: boolean;
  /** Equity - IM afterwards (quote units): the margin still free. */
  freeCollateral: bigint;
}

/**
 * What a withdrawal of `amount` (native units of `mint`) would leave, checked as the program checks
 * it. Throws MarginCheckError for what the program rejects before the margin check (unlisted mint,
 * balance too small).
 */
export function previewWithdraw(s: MarginSnapshot, mint: PublicKey, amount: bigint): WithdrawPreview {
  collateralOf(s.clearinghouse, mint);
  const held = s.account.collaterals.find((c) => c.mint.equals(mint))?.amount ?? 0n;
  if (amount <= 0n) throw new MarginCheckError("ZeroAmount");
  if (amount > held) throw new MarginCheckError("InsufficientCollateral", `holds ${held}`);
  const collaterals = s.account.collaterals
    .map((c) => (c.mint.equals(mint) ? { ...c, amount: c.amount - amount } : c))
    .filter((c) => c.amount > 0n);
  const account = { ...s.account, collaterals };
  // the program checks the account after the debit: a market whose collateral is withdrawn in full
  // is no longer read (a withdrawal never adds one)
  const kept = new Set(marketsHeld(account, s.clearinghouse));
  const markets = s.markets.filter((m) => kept.has(m.marketIndex));
  const oracles = s.oracles.filter((_, i) => kept.has(s.markets[i].marketIndex));
  const after = evaluateSnapshot({ ...s, account, markets, oracles }, OracleAction.Margin);
  return { markets, after, ok: after.equity >= after.im, freeCollateral: after.equity - after.im };
}
