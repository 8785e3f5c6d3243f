// Any failure as the SDK's typed error, in plain words: what happened, who said so, and the
// program's own error name and code for reference.
import { parseError, PortfolioMarginError } from "@portfolio-margin/sdk";
import { WalletError } from "@solana/wallet-adapter-base";

/** Plain words for the refusals a user meets most; the program's message is used otherwise. */
const PLAIN: Record<string, string> = {
  InsufficientMargin: "the account's equity would fall below its initial margin",
  InsufficientCollateral: "the account does not hold that much of this collateral",
  InsufficientFunds: "the wallet's token account does not hold that much",
  OracleStale: "the price feed is too old for this action; wait for a fresh price",
  OracleConfidenceTooWide: "the price feed's confidence interval is too wide for this action",
  VolStale: "the market's volatility surface is stale; new risk is refused until the crank updates it",
  QuoteExpired: "the quote has expired",
  QuoteNonceUsed: "the quote was already filled or cancelled",
  QuoteOracleLimit: "the price moved past the maker's oracle limit",
  SelfTrade: "maker and taker are the same",
  InstrumentExpired: "the instrument has expired",
  MarketPaused: "the market is paused",
  MarketReduceOnly: "the market is reduce-only: only trades that shrink both positions",
  TooManyMarkets: "an account can hold at most 4 markets",
  PositionSlotsFull: "an account can hold at most 32 positions",
  InvalidQuote: "this is not a valid signed quote",
  MissingSignature: "a required signature is missing",
  AccountNotInitialized: "the margin account does not exist yet",
  Timeout: "the transaction was not confirmed in time",
};

/** A refusal the SDK's preview predicted: nothing was sent. */
export class PredictedRefusal extends Error {
  constructor(readonly error: PortfolioMarginError) {
    super(error.message);
  }
}

export interface Explained {
  /** One sentence for the user. */
  text: string;
  /** The typed error behind it. */
  error: PortfolioMarginError;
  /** Who refused: "program" (on chain), "SDK preview" (predicted, not sent), "wallet", "client", ... */
  source: string;
}

export function toTypedError(e: unknown): PortfolioMarginError {
  if (e instanceof PortfolioMarginError) return e;
  if (e instanceof WalletError) {
    return new PortfolioMarginError({ code: -1, name: e.name || "WalletError", msg: e.message || "the wallet refused", source: "client", cause: e });
  }
  return parseError(e);
}

export function explain(e: unknown): Explained {
  const predicted = e instanceof PredictedRefusal;
  const error = predicted ? e.error : toTypedError(e);
  const plain = PLAIN[error.name];
  const source = predicted ? "SDK preview, not sent" : e instanceof WalletError ? "wallet" : error.source;
  const text = plain ? `${plain[0].toUpperCase()}${plain.slice(1)}.` : error.msg;
  return { text, error, source };
}
