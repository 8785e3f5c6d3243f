// The vocabulary of the reference strategies: what is listed (the input), what to hold (the output).
import { Kind } from "../../../app/src/risk";

/** What a market lists at `now`, as the strategies see it. Prices and strikes at 1e6. */
export interface Listing {
  /** Unix seconds. */
  now: bigint;
  spot: bigint;
  /** Listed expiries, unix seconds (any order). */
  expiries: bigint[];
  /** Listed strikes at 1e6 (any order; the same for every expiry). */
  strikes: bigint[];
  /** ATM vol (ppm) and futures basis (ppm per year), for strategies that size a delta hedge.
   * Defaults 500,000 (50%) and 0. */
  atmVolPpm?: bigint;
  basisPpm?: bigint;
}

/** One position to open. `size` at 1e6 = one contract of the underlying, negative = short. */
export interface Leg {
  kind: Kind;
  /** Unix seconds; 0 for a perpetual. */
  expiry: bigint;
  /** At 1e6; 0 for a perpetual or a future. */
  strike: bigint;
  size: bigint;
}

/** Collateral to deposit besides the USDC that funds the margin: amounts at 1e6 (USDC or units of the underlying). */
export interface CollateralLeg {
  asset: "quote" | "underlying";
  amount: bigint;
}

export interface Plan {
  strategy: string;
  /** The USD notional (1e6) the plan was sized for. */
  notional: bigint;
  legs: Leg[];
  collateral: CollateralLeg[];
}

export interface Strategy {
  /** Short identifier (CSV, CLI, demo). */
  name: string;
  /** What it holds and why, one line. */
  description: string;
  /** Hedged strategies are expected to need at most half of the per-leg IM (docs/backtest.md). */
  hedged: boolean;
  /** Deposit at least notional / leverage (a levered position's defining equity), when set. */
  leverage?: number;
  /** The legs and collateral for `notional` USD (1e6) of underlying exposure on `listing`. */
  build(listing: Listing, notional: bigint): Plan;
}
