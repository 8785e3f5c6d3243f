// An account as the page shows it: the program's own simulate_margin report and, evaluated on the
// same account state at the report's timestamp, the SDK mirror's result; both read so that they
// see the same accounts (re-read when the account, a market or an oracle moved meanwhile).
import {
  engineAccount,
  estimateLiquidationPrice,
  LiquidationEstimate,
  MarginReport,
  MarginSnapshot,
  marginRemainingAccounts,
  OracleAction,
  PortfolioMarginClient,
  snapshotPrices,
} from "@portfolio-margin/sdk";
import { evaluate, MarginResult } from "@portfolio-margin/sdk/risk";
import { PublicKey } from "@solana/web3.js";
import { Mismatch, compareWithMirror } from "./compare";
import { PositionRow, positionRows } from "./positions";

export interface AccountState {
  snapshot: MarginSnapshot;
  /** The program's simulate_margin. */
  report: MarginReport;
  /** The SDK mirror at the report's timestamp (null when it could not evaluate: see mirrorError). */
  mirror: MarginResult | null;
  mirrorError: string | null;
  mismatches: Mismatch[];
  positions: PositionRow[];
  /** The spot of the largest leg's market at which equity = MM (null without positions). */
  liquidation: LiquidationEstimate | null;
}

function stateKey(s: MarginSnapshot): string {
  const acc = s.account;
  const b64 = (d: Uint8Array) => btoa(String.fromCharCode(...d));
  return JSON.stringify([
    acc.positions.map((p) => [p.marketIndex, p.instrumentIndex, String(p.size), String(p.costBasis)]),
    acc.collaterals.map((c) => [c.mint.toBase58(), String(c.amount)]),
    String(acc.quoteDebt),
    s.markets.map((m) => [m.marketIndex, String(m.fundingIndex), String(m.volSequence)]),
    s.oracles.map((o) => b64(o.data)),
  ]);
}

export async function loadAccountState(client: PortfolioMarginClient, address: PublicKey, attempts = 3): Promise<AccountState> {
  let snapshot: MarginSnapshot;
  let report: MarginReport;
  for (let n = 1; ; n++) {
    const before = await client.marginSnapshot(address);
    report = await client.simulateMargin(address, marginRemainingAccounts(before.markets));
    snapshot = await client.marginSnapshot(address);
    if (stateKey(before) === stateKey(snapshot) || n >= attempts) break;
  }
  const at = { ...snapshot, now: report.timestamp };
  let mirror: MarginResult | null = null;
  let mirrorError: string | null = null;
  try {
    mirror = evaluate(engineAccount(at.account, at.clearinghouse, at.markets, snapshotPrices(at, OracleAction.Margin), at.now));
  } catch (e) {
    mirrorError = (e as Error).message;
  }
  let liquidation: LiquidationEstimate | null = null;
  try {
    liquidation = estimateLiquidationPrice(at);
  } catch {
    liquidation = null; // e.g. a stale oracle: the report says what the program thinks
  }
  return {
    snapshot: at,
    report,
    mirror,
    mirrorError,
    mismatches: mirror ? compareWithMirror(report, mirror) : [],
    positions: positionRows(at),
    liquidation,
  };
}
