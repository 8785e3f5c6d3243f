// What `trade` would do, from fetched accounts: the program's checks in its order, the touch
// (funding into perpetual bases, settled expiries swept), the fill, fees, and both sides' margin
// before and after from the TS mirror, with the reason the program would refuse.
import { PublicKey } from "@solana/web3.js";
import {
  ClearinghouseInfo,
  MarginAccountInfo,
  MarketInfo,
  MarketStatus,
  OracleAction,
  PositionInfo,
  quoteBalance,
  quoteNonceAvailable,
  volStale,
} from "../accounts";
import { PortfolioMarginError } from "../errors";
import { engineAccount, MarginCheckError, marketsHeld, oracleSpecOf, perpOwed, settlementCash } from "../health";
import { OracleAccount, OracleError, OraclePrice, readPrice } from "../oracle";
import { evaluate, Kind, MarginResult, MAX_MARKETS, MAX_POSITIONS, MAX_PRICE, MAX_SIZE, RiskError } from "../risk";
import { applyFill, toI64, tradeFee } from "./math";
import { positionSlot, withPosition } from "./position";
import { MakerSide, programError, TradeQuote } from "./quote";

/** Positions settled on touch per account in one trade (programs' MAX_SETTLE_ON_TRADE). */
export const MAX_SETTLE_ON_TRADE = 4;
/** Markets one trade may load (programs' MAX_TRADE_MARKETS). */
export const MAX_TRADE_MARKETS = 2 * MAX_MARKETS;

/** Everything `trade` reads. */
export interface TradeSnapshot {
  clearinghouse: ClearinghouseInfo;
  maker: MarginAccountInfo;
  taker: MarginAccountInfo;
  /** The traded market's index. */
  marketIndex: number;
  /** Every market either account holds and the traded one, ascending (the remaining accounts). */
  markets: MarketInfo[];
  /** Their oracle accounts, same order. */
  oracles: OracleAccount[];
  now: bigint;
}

/** The markets of a trade: the union of both accounts' markets and the traded one, ascending. */
export function tradeMarketIndices(maker: MarginAccountInfo, taker: MarginAccountInfo, ch: ClearinghouseInfo, marketIndex: number): number[] {
  const set = new Set([...marketsHeld(maker, ch), ...marketsHeld(taker, ch), marketIndex]);
  if (set.size > MAX_TRADE_MARKETS) throw new MarginCheckError("TooManyMarkets", `${set.size} markets`);
  return [...set].sort((a, b) => a - b);
}

export interface SidePreview {
  /** The account before the trade (after the touch), evaluated; null if the mirror could not. */
  before: MarginResult | null;
  /** After the fill; null when the preview stopped before it. */
  after: MarginResult | null;
  /** The traded instrument's position before and after (size, cost basis). */
  sizeBefore: bigint;
  sizeAfter: bigint;
  costBasisAfter: bigint;
  /** Fee charged (negative: a rebate) and quote moved by the fill (premium or realised P&L). */
  fee: bigint;
  cash: bigint;
  quoteBalanceBefore: bigint;
  quoteBalanceAfter: bigint;
  /** Accepted below IM (or without strict oracle/vol validity) as a risk-reducing trade. */
  riskReducing: boolean;
}

export interface TradePreview {
  /** Whether the program would accept the trade. */
  ok: boolean;
  /** Why it would not: the program's error (name and code), or null. */
  error: PortfolioMarginError | null;
  /** The traded market's oracle price (margin-class limits), when read. */
  spot: bigint | null;
  maker: SidePreview;
  taker: SidePreview;
  /** The accounts as the program would leave them (when ok). */
  makerAfter: MarginAccountInfo | null;
  takerAfter: MarginAccountInfo | null;
}

function emptySide(a: MarginAccountInfo, quoteMint: PublicKey): SidePreview {
  const q = quoteBalance(a, quoteMint);
  return { before: null, after: null, sizeBefore: 0n, sizeAfter: 0n, costBasisAfter: 0n, fee: 0n, cash: 0n, quoteBalanceBefore: q, quoteBalanceAfter: q, riskReducing: false };
}

/** A caught error as the program's error (name and code), rethrowing what is not a refusal. */
export function asProgramError(e: unknown): PortfolioMarginError {
  if (e instanceof PortfolioMarginError) return e;
  if (e instanceof MarginCheckError || e instanceof OracleError) return programError(e.code, e.message);
  if (e instanceof RiskError) {
    const name = { Overflow: "MathOverflow", OracleConfidenceTooWide: "OracleConfidenceTooWide", TooManyMarkets: "TooManyMarkets", BadHaircut: "InvalidHaircut" }[e.code];
    return programError(name ?? "RiskEngine", e.message);
  }
  throw e;
}

/** Adds `delta` to the quote balance (a credit repays debt first; a debit past the deposit is debt). */
export function addQuote(a: MarginAccountInfo, quoteMint: PublicKey, delta: bigint): MarginAccountInfo {
  const balance = quoteBalance(a, quoteMint) + delta;
  const others = a.collaterals.filter((c) => !c.mint.equals(quoteMint));
  const slot = a.collaterals.findIndex((c) => c.mint.equals(quoteMint));
  let collaterals = others;
  if (balance > 0n) {
    // the program frees the slot and claims the first free one: order is irrelevant to the engine
    collaterals = [...a.collaterals];
    if (slot >= 0) collaterals[slot] = { mint: quoteMint, amount: balance };
    else collaterals.push({ mint: quoteMint, amount: balance });
  }
  return { ...a, collaterals, quoteDebt: balance < 0n ? -balance : 0n };
}

/**
 * The touch: funding and socialised loss owed into every perpetual of `market`, snapshots moved
 * to the indices (programs' `accrue_funding`).
 */
export function accrueFunding(a: MarginAccountInfo, market: MarketInfo): MarginAccountInfo {
  const positions = a.positions.map((p) =>
    p.marketIndex === market.marketIndex && p.instrumentIndex === 0 && p.size !== 0n
      ? { ...p, costBasis: toI64(p.costBasis + perpOwed(p, market)), fundingSnapshot: market.fundingIndex, lossSnapshot: market.lossIndex }
      : p,
  );
  return { ...a, positions };
}

/** Sweeps up to `max` positions of `market` in settled expiries into quote (programs' `settle_expired`). */
export function settleExpired(a: MarginAccountInfo, market: MarketInfo, quoteMint: PublicKey, max: number): { account: MarginAccountInfo; settled: { position: PositionInfo; cash: bigint }[] } {
  const settled: { position: PositionInfo; cash: bigint }[] = [];
  let account = a;
  for (const p of a.positions) {
    if (settled.length >= max) break;
    if (p.size === 0n || p.marketIndex !== market.marketIndex) continue;
    const ins = market.instruments[p.instrumentIndex];
    if (!ins) throw new MarginCheckError("UnknownInstrument");
    const price = market.expiries[ins.expiryIndex]?.settlementPrice ?? 0n;
    if (ins.kind === Kind.Perp || price === 0n) continue;
    const cash = settlementCash(ins.kind, ins.strike, p.size, p.costBasis, price);
    account = addQuote(account, quoteMint, cash);
    account = { ...account, positions: account.positions.filter((x) => x !== p) };
    settled.push({ position: p, cash });
  }
  return { account, settled };
}

function pricesFor(s: TradeSnapshot, indices: number[], action: OracleAction): { markets: MarketInfo[]; prices: OraclePrice[] } {
  const markets = indices.map((i) => {
    const m = s.markets.find((x) => x.marketIndex === i);
    if (!m) throw new MarginCheckError("MissingMarketAccount", `market ${i}`);
    return m;
  });
  const prices = markets.map((m) => readPrice(s.oracles[s.markets.indexOf(m)], oracleSpecOf(m, s.clearinghouse), m.oracleLimits[action], s.now));
  return { markets, prices };
}

/** The account evaluated as the program's `Evaluation::run` does (its own markets, margin-class prices). */
export function evaluateAccount(s: TradeSnapshot, a: MarginAccountInfo): MarginResult {
  const { markets, prices } = pricesFor(s, marketsHeld(a, s.clearinghouse), OracleAction.Margin);
  return evaluate(engineAccount(a, s.clearinghouse, markets, prices, s.now));
}

/** Risk-increasing oracle limits and fresh vols for every market the account holds (programs' `strict_validity`). */
function strictValidity(s: TradeSnapshot, a: MarginAccountInfo): void {
  const indices = marketsHeld(a, s.clearinghouse);
  pricesFor(s, indices, OracleAction.RiskIncreasing);
  for (const i of indices) {
    const m = s.markets.find((x) => x.marketIndex === i)!;
    if (volStale(m, s.now)) throw new MarginCheckError("VolStale", m.symbol);
  }
}

/**
 * What `trade` would do with `quote` between `s.maker` (owner `makerOwner`) and `s.taker`.
 * Never throws for a refusal: `ok` is false and `error` names the program's error.
 */
export function previewTrade(s: TradeSnapshot, quote: TradeQuote, owners?: { maker: PublicKey; taker: PublicKey }): TradePreview {
  const qm = s.clearinghouse.quoteMint;
  const out: TradePreview = { ok: false, error: null, spot: null, maker: emptySide(s.maker, qm), taker: emptySide(s.taker, qm), makerAfter: null, takerAfter: null };
  try {
    run(s, quote, owners, out);
    out.ok = true;
  } catch (e) {
    out.error = asProgramError(e);
  }
  return out;
}

function refuse(name: string, detail?: string): never {
  throw programError(name, detail);
}

function run(s: TradeSnapshot, quote: TradeQuote, owners: { maker: PublicKey; taker: PublicKey } | undefined, out: TradePreview): void {
  const qm = s.clearinghouse.quoteMint;
  if (s.maker.address.equals(s.taker.address)) refuse("SelfTrade");
  const makerOwner = owners?.maker ?? s.maker.owner;
  const takerOwner = owners?.taker ?? s.taker.owner;
  if (!makerOwner.equals(s.maker.owner) || !takerOwner.equals(s.taker.owner)) refuse("NotAccountOwner");
  if (makerOwner.equals(takerOwner)) refuse("SelfTrade");
  if (s.now > quote.expiresAt) refuse("QuoteExpired", `expired at ${quote.expiresAt}, now ${s.now}`);
  if (quote.makerSide !== MakerSide.Buy && quote.makerSide !== MakerSide.Sell) refuse("InvalidSide");
  if (quote.size <= 0n || quote.size > MAX_SIZE) refuse("PositionTooLarge");
  if (quote.price <= 0n || quote.price > MAX_PRICE) refuse("InvalidTradePrice");
  const makerDelta = quote.makerSide === MakerSide.Buy ? quote.size : -quote.size;

  const market = s.markets.find((m) => m.marketIndex === s.marketIndex);
  if (!market) refuse("MissingMarketAccount", `market ${s.marketIndex}`);
  if (market.status === MarketStatus.Paused) refuse("MarketPaused");
  const ins = market.instruments[quote.instrumentIndex];
  if (!ins) refuse("UnknownInstrument", `#${quote.instrumentIndex}`);
  if (ins.kind !== Kind.Perp && market.expiries[ins.expiryIndex].expiry <= s.now) refuse("InstrumentExpired");
  const linear = ins.kind === Kind.Perp || ins.kind === Kind.Future;

  const indices = tradeMarketIndices(s.maker, s.taker, s.clearinghouse, s.marketIndex);
  if (indices.join() !== s.markets.map((m) => m.marketIndex).join()) refuse("RemainingAccountsMismatch");
  const loaded = pricesFor(s, indices, OracleAction.Margin);
  const spot = loaded.prices[indices.indexOf(s.marketIndex)].price;
  out.spot = spot;
  if (quote.oracleLimit !== 0n) {
    const longDelta = makerDelta > 0n !== (ins.kind === Kind.Put);
    if (longDelta ? spot < quote.oracleLimit : spot > quote.oracleLimit) refuse("QuoteOracleLimit", `oracle ${spot}, limit ${quote.oracleLimit}`);
  }

  // touch (funding for every loaded market, settled expiries of the traded market swept)
  const touch = (a: MarginAccountInfo) => {
    for (const m of loaded.markets) a = accrueFunding(a, m);
    return settleExpired(a, market, qm, MAX_SETTLE_ON_TRADE).account;
  };
  const before = { maker: touch(s.maker), taker: touch(s.taker) };

  const fill = (a: MarginAccountInfo, delta: bigint, liquidity: "maker" | "taker", side: SidePreview): MarginAccountInfo => {
    const slot = positionSlot(a.positions, market, quote.instrumentIndex);
    if (!slot.existing && a.positions.length >= MAX_POSITIONS) refuse("PositionSlotsFull");
    const { position } = slot;
    const r = applyFill(position, delta, quote.price, linear);
    const abs = (x: bigint) => (x < 0n ? -x : x);
    if (abs(r.size) > MAX_SIZE) refuse("PositionTooLarge");
    if (market.status === MarketStatus.ReduceOnly && !(abs(r.size) < abs(position.size) && (r.size === 0n || r.size > 0n === position.size > 0n))) refuse("MarketReduceOnly");
    const fee = tradeFee(market.trading, liquidity, linear, quote.size, quote.price, spot);
    const next = { ...position, size: r.size, costBasis: r.costBasis };
    Object.assign(side, { sizeBefore: position.size, sizeAfter: r.size, costBasisAfter: r.costBasis, fee, cash: r.cash, quoteBalanceBefore: quoteBalance(a, qm) });
    const after = addQuote({ ...a, positions: withPosition(a.positions, slot, next), realizedPnl: a.realizedPnl + r.realized }, qm, r.cash - fee);
    side.quoteBalanceAfter = quoteBalance(after, qm);
    return after;
  };
  const makerAfter = fill(before.maker, makerDelta, "maker", out.maker);
  const takerAfter = fill(before.taker, -makerDelta, "taker", out.taker);
  if (!quoteNonceAvailable(s.maker, quote.nonce)) refuse("QuoteNonceUsed", `nonce ${quote.nonce}`);

  // margin of each side, maker first (as the program)
  for (const [side, pre, post] of [
    [out.maker, before.maker, makerAfter],
    [out.taker, before.taker, takerAfter],
  ] as const) {
    side.after = evaluateAccount(s, post);
    let beforeError: unknown = null;
    try {
      side.before = evaluateAccount(s, pre); // for display; the program needs it only below
    } catch (e) {
      beforeError = e;
    }
    const r = side.after;
    let strict: unknown = null;
    try {
      strictValidity(s, post);
    } catch (e) {
      strict = e;
    }
    if (r.equity >= r.im && strict === null) continue;
    if (beforeError !== null) throw beforeError;
    const p = side.before!;
    if (r.im < p.im && r.equity - r.im >= p.equity - p.im) {
      side.riskReducing = true;
      continue;
    }
    if (r.equity < r.im) refuse("InsufficientMargin", `equity ${r.equity} < initial margin ${r.im} (maintenance ${r.mm})`);
    throw strict;
  }
  out.makerAfter = makerAfter;
  out.takerAfter = takerAfter;
}
