// Oracle reads as the program does them, for views that need more than `evaluateSnapshot`'s
// result: the spec a market's oracle is checked against, the validated prices of a snapshot, and
// a market's oracle read under every action class's limits at once (a stale price still shows).
import type { ClearinghouseInfo, MarketInfo } from "../accounts";
import { OracleAction } from "../accounts";
import { OracleAccount, OracleError, OraclePrice, OracleSource, OracleSpec, readPrice } from "../oracle";
import type { MarginSnapshot } from "./snapshot";

/** What the program checks a market's oracle account against (its `oracle_spec`). */
export function oracleSpecOf(m: MarketInfo, ch: ClearinghouseInfo): OracleSpec {
  return {
    source: m.oracleSource,
    address: m.oracle,
    feedId: m.feedId,
    ownerProgram: m.oracleSource === OracleSource.PythPull ? ch.pythReceiverProgram : ch.pythOracleProgram,
  };
}

/** The snapshot's oracle prices under `action`'s limits, in market order (throws like `readPrice`). */
export function snapshotPrices(s: MarginSnapshot, action: OracleAction = OracleAction.Margin): OraclePrice[] {
  return s.markets.map((m, i) => readPrice(s.oracles[i], oracleSpecOf(m, s.clearinghouse), m.oracleLimits[action], s.now));
}

/** Limits that accept any age and confidence: the account and format checks only. */
const NO_LIMITS = { maxAgeSecs: Number.MAX_SAFE_INTEGER, maxConfPpm: Number.MAX_SAFE_INTEGER };

export interface OracleActionStatus {
  action: OracleAction;
  /** Null when the price is usable for this action class, else the program's error name. */
  error: string | null;
}

export interface OracleStatus {
  /** The price as read without age or confidence limits; null when even that fails. */
  price: OraclePrice | null;
  /** Why the price could not be read at all (wrong owner, feed mismatch, not trading, ...). */
  error: string | null;
  /** Seconds since the price was published (0 for a future publish time). */
  ageSecs: bigint | null;
  /** Per action class, in `OracleAction` order: would the program accept the price? */
  actions: OracleActionStatus[];
}

function errorName(e: unknown): string {
  if (e instanceof OracleError) return e.code;
  throw e;
}

/** A market's oracle read at `now` under each action class's limits, without failing on any of them. */
export function oracleStatus(m: MarketInfo, ch: ClearinghouseInfo, account: OracleAccount, now: bigint): OracleStatus {
  const spec = oracleSpecOf(m, ch);
  let price: OraclePrice | null = null;
  let error: string | null = null;
  try {
    price = readPrice(account, spec, NO_LIMITS, now);
  } catch (e) {
    error = errorName(e);
  }
  const actions = [OracleAction.RiskIncreasing, OracleAction.Margin, OracleAction.Liquidation].map((action) => {
    try {
      readPrice(account, spec, m.oracleLimits[action], now);
      return { action, error: null };
    } catch (e) {
      return { action, error: errorName(e) };
    }
  });
  const age = price ? now - price.publishTime : null;
  return { price, error, ageSecs: age === null ? null : age < 0n ? 0n : age, actions };
}
