// What-if: hypothetical legs filled into the account (at the given prices, fees left out) and the
// result evaluated by the SDK mirror, as the program would evaluate the account afterwards.
import {
  addQuote,
  applyFill,
  asProgramError,
  evaluateSnapshot,
  MarginAccountInfo,
  MarginSnapshot,
  marketsHeld,
  OracleAction,
  PortfolioMarginError,
  positionSlot,
  programError,
  withPosition,
} from "@portfolio-margin/sdk";
import { Kind, MarginResult, MAX_POSITIONS } from "@portfolio-margin/sdk/risk";
import { marketByIndex, MarketsData } from "./markets";

export interface Leg {
  id: number;
  marketIndex: number;
  instrumentIndex: number;
  /** Signed contracts at 1e6 (> 0 buys). */
  size: bigint;
  /** Per contract at 1e6: the perpetual/future price or the option premium. */
  price: bigint;
}

export interface WhatIfOutcome {
  /** The evaluation time (the account report's timestamp). */
  now: bigint;
  after: MarginResult | null;
  /** The account's markets and state afterwards (for the matrices). */
  snapshot: MarginSnapshot | null;
  error: PortfolioMarginError | null;
}

/** The account with `legs` filled at their prices: linear P&L realised as cash, option premium paid or received. */
export function applyLegs(s: MarginSnapshot, d: MarketsData, legs: Leg[]): MarginAccountInfo {
  let account: MarginAccountInfo = s.account;
  for (const leg of legs) {
    const { market } = marketByIndex(d, leg.marketIndex);
    const ins = market.instruments[leg.instrumentIndex];
    const linear = ins.kind === Kind.Perp || ins.kind === Kind.Future;
    const slot = positionSlot(account.positions, market, leg.instrumentIndex);
    const r = applyFill(slot.position, leg.size, leg.price, linear);
    const positions = withPosition(account.positions, slot, { ...slot.position, size: r.size, costBasis: r.costBasis });
    account = addQuote({ ...account, positions }, s.clearinghouse.quoteMint, r.cash);
  }
  return account;
}

/** The account after `legs`, evaluated (margin-class oracle limits) at the snapshot's time. */
export function evaluateWhatIf(s: MarginSnapshot, d: MarketsData, legs: Leg[]): WhatIfOutcome {
  try {
    const account = applyLegs(s, d, legs);
    if (account.positions.length > MAX_POSITIONS) throw programError("PositionSlotsFull", `${account.positions.length} positions`);
    const indices = marketsHeld(account, s.clearinghouse);
    // markets the account holds keep the snapshot's reads; a new one comes from the markets list
    const pick = (i: number) => {
      const k = s.markets.findIndex((m) => m.marketIndex === i);
      return k >= 0 ? { market: s.markets[k], oracle: s.oracles[k] } : marketByIndex(d, i);
    };
    const picked = indices.map(pick);
    const snapshot: MarginSnapshot = { ...s, account, markets: picked.map((p) => p.market), oracles: picked.map((p) => p.oracle) };
    return { now: s.now, after: evaluateSnapshot(snapshot, OracleAction.Margin), snapshot, error: null };
  } catch (e) {
    let error: PortfolioMarginError;
    try {
      error = asProgramError(e);
    } catch {
      error = new PortfolioMarginError({ code: -1, name: "WhatIfFailed", msg: (e as Error).message, source: "client" });
    }
    return { now: s.now, after: null, snapshot: null, error };
  }
}
