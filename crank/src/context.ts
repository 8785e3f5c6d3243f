// What every loop shares: configuration, the clients, the operator's key, logs, metrics, the
// account tracker, and one way to send a transaction (fees, retries, outcome metrics).
import { Connection, Keypair, PublicKey, Signer, TransactionInstruction } from "@solana/web3.js";
import type { AccountTracker } from "./chain/accounts";
import type { CrankConfig } from "./config";
import type { Logger } from "./log";
import type { CrankMetrics } from "./metrics";
import type { PortfolioMarginAdmin, PortfolioMarginClient, PortfolioMarginLiquidation, PortfolioMarginTrading } from "./sdk";
import { sendTracked, SendOutcome } from "./tx";

export interface CrankContext {
  config: CrankConfig;
  connection: Connection;
  client: PortfolioMarginClient;
  liquidation: PortfolioMarginLiquidation;
  trading: PortfolioMarginTrading;
  admin: PortfolioMarginAdmin;
  operator: Keypair;
  clearinghouse: PublicKey;
  log: Logger;
  metrics: CrankMetrics;
  tracker: AccountTracker;
  /** Resolves after `ms` unless the crank is stopping (then at once). */
  stopping(): boolean;
}

/** One transaction with the configured compute-unit limit and priority fee, signed by the operator. */
export function send(ctx: CrankContext, ixs: TransactionInstruction[], extraSigners: Signer[] = []): Promise<SendOutcome> {
  return sendTracked(ctx.connection, ixs, [ctx.operator, ...extraSigners], ctx.config.fees);
}
