// What `liquidate` and `resolve_bankruptcy` would do, from fetched accounts: the program's checks
// in its order (programs/portfolio-margin/src/instructions/{liquidate,resolve_bankruptcy}.rs), the
// touch (funding and socialised loss into perpetual bases), each leg at the engine's mark
// (`markValue`) or the oracle, the step's fee (a share of the MM its legs release) and its split,
// and the margin of both accounts before and after, from the TS mirror. Never throws for a
// refusal: `ok` is false and `error` names the program's error.
import { PublicKey } from "@solana/web3.js";
import BN from "bn.js";
import { ClearinghouseInfo, MarginAccountInfo, MarketInfo, OracleAction, PositionInfo } from "../accounts";
import { PortfolioMarginError } from "../errors";
import { engineAccount, MarginCheckError, marketsHeld, marketState, oracleSpecOf, toEngineUnits } from "../health";
import { OracleAccount, OraclePrice, readPrice } from "../oracle";
import { evaluate, Kind, MarginResult, markValue, MAX_COLLATERALS, MAX_MARKETS, MAX_POSITIONS, MAX_SIZE } from "../risk";
import { accrueFunding, addQuote, asProgramError, settleExpired } from "../trading/preview";
import { applyFill, toI64 } from "../trading/math";
import { programError } from "../trading/quote";
import { liquidationBuffer, liquidationFee, LiquidationFeeSplit, liquidationStepViolation, socialization } from "./math";

/** Legs one `liquidate` takes at most (programs' MAX_LIQUIDATION_LEGS). */
export const MAX_LIQUIDATION_LEGS = 4;
/** Markets one liquidation may load: both accounts' (programs' MAX_TRADE_MARKETS). */
export const MAX_LIQUIDATION_MARKETS = 2 * MAX_MARKETS;
/** The program's default `TradingParams` fee terms (a step with no fee market uses them). */
export const DEFAULT_LIQUIDATION_FEE_PPM = 150_000;
export const DEFAULT_INSURANCE_SHARE_PPM = 250_000;

export enum LiquidationLegKind {
  /** A position: `marketIndex`/`instrumentIndex`, `amount` contracts at 1e6. */
  Position = 0,
  /** Non-quote collateral: `mint`, `amount` in the mint's native units. */
  Collateral = 1,
}

/** What a liquidator takes over in one leg (programs' `LiquidationLeg`). */
export interface LiquidationLeg {
  kind: LiquidationLegKind;
  marketIndex: number;
  instrumentIndex: number;
  mint: PublicKey;
  amount: bigint;
}

export function positionLeg(marketIndex: number, instrumentIndex: number, amount: bigint): LiquidationLeg {
  return { kind: LiquidationLegKind.Position, marketIndex, instrumentIndex, mint: PublicKey.default, amount };
}
export function collateralLeg(mint: PublicKey, amount: bigint): LiquidationLeg {
  return { kind: LiquidationLegKind.Collateral, marketIndex: 0, instrumentIndex: 0, mint, amount };
}
/** The instruction argument (Anchor's camelCase, BN amounts). */
export function liquidationLegArg(leg: LiquidationLeg) {
  return { kind: leg.kind, marketIndex: leg.marketIndex, instrumentIndex: leg.instrumentIndex, mint: leg.mint, amount: new BN(leg.amount.toString()) };
}

/** Everything `liquidate` / `resolve_bankruptcy` read. */
export interface LiquidationSnapshot {
  clearinghouse: ClearinghouseInfo;
  /** The account liquidated. */
  account: MarginAccountInfo;
  /** The liquidator's (resolver's) margin account; null or absent: not known yet (its margin is not checked). */
  liquidator?: MarginAccountInfo | null;
  /** Every market either account holds, ascending (the remaining accounts), with more allowed. */
  markets: MarketInfo[];
  /** Their oracle accounts, same order. */
  oracles: OracleAccount[];
  now: bigint;
  /** The insurance vault's balance (bankruptcy previews; without it the fund is assumed to cover the deficit). */
  insuranceBalance?: bigint;
}

export interface SimulationOptions {
  /**
   * What-if spots (market index -> price at 1e6) instead of the oracles (confidence kept). The
   * program reads the oracles: a plan made at other prices is for inspection only.
   */
  spots?: ReadonlyMap<number, bigint> | Record<number, bigint>;
}

/** One leg as the program carries it out (the `LiquidationLegEvent`'s numbers). */
export interface LegOutcome {
  leg: LiquidationLeg;
  /** The leg's market (a stablecoin leg: the first loaded market; null: none loaded). */
  marketIndex: number | null;
  /** Position legs: contracts, signed as the liquidated position; collateral legs: native units. */
  size: bigint;
  /** Per contract (the engine's mark) or per whole token (the oracle; a stablecoin 1.0), 1e6. */
  price: bigint;
  /** Quote the account received (> 0) or paid (< 0) for the leg (fees are per step). */
  cash: bigint;
  /** Underlying notional moved (quote units): |size| x spot, or the collateral's value. */
  notional: bigint;
}

/** A market's pools and open interest as the instruction leaves them. */
export interface MarketChange {
  marketIndex: number;
  feePool: bigint;
  pnlPool: bigint;
  /** Open interest by instrument index, for the instruments that changed. */
  openInterest: Map<number, bigint>;
  lossIndex: bigint;
}

/** What `liquidate(legs)` would do. */
export interface LiquidationPreview {
  ok: boolean;
  error: PortfolioMarginError | null;
  legs: LegOutcome[];
  /** The account after the touch, before the legs (null: could not be evaluated). */
  before: MarginResult | null;
  after: MarginResult | null;
  /** ceil(MM before x liquidation_buffer_ppm / 1e6): how far above MM the step may leave equity. */
  buffer: bigint | null;
  liquidatorAfter: MarginResult | null;
  /** Both accounts as the program would leave them (null when it refuses earlier). */
  accountAfter: MarginAccountInfo | null;
  liquidatorAccountAfter: MarginAccountInfo | null;
  /** MM before - MM after the legs (before the fee). */
  released: bigint;
  /** The step's fee (the `LiquidationEvent`'s fee, liquidator and insurance parts). */
  fee: LiquidationFeeSplit;
  /** The market whose rates and fee pool the fee used (the first leg's); null: none. */
  feeMarket: number | null;
  /** The markets of the remaining accounts (both accounts' before the step), ascending. */
  remainingMarkets: number[];
  markets: MarketChange[];
}

/** What `resolve_bankruptcy` would do. */
export interface BankruptcyPreview {
  ok: boolean;
  error: PortfolioMarginError | null;
  /** The account after the touch and expiry settlement. */
  before: MarginResult | null;
  /** The positions the resolver takes over (all of them, at mark). */
  legs: LegOutcome[];
  /** MM released by the takeover; the resolver's fee is the liquidator's part of a step fee on it. */
  released: bigint;
  resolverFee: bigint;
  /** Quote owed once every position is taken over. */
  deficit: bigint;
  insurancePaid: bigint;
  /** null when the snapshot has no insurance balance. */
  insuranceBalanceAfter: bigint | null;
  socialized: bigint;
  badDebt: bigint;
  socializationMarket: number | null;
  /** The socialisation market's loss index after (null: unknown market). */
  lossIndexAfter: bigint | null;
  resolverAfter: MarginResult | null;
  accountAfter: MarginAccountInfo | null;
  resolverAccountAfter: MarginAccountInfo | null;
  remainingMarkets: number[];
}

// ---------------------------------------------------------------------------------------------

const abs = (x: bigint) => (x < 0n ? -x : x);

function refuse(name: string, detail?: string): never {
  throw programError(name, detail);
}

/** An empty margin account (a liquidator not known yet). */
export function emptyMarginAccount(clearinghouse: PublicKey, owner: PublicKey = PublicKey.default, address: PublicKey = PublicKey.default): MarginAccountInfo {
  return {
    address, clearinghouse, owner, accountIndex: 0, collaterals: [], positions: [], quoteDebt: 0n, quoteNonceFloor: 0n, quoteNonceBitmap: 0n,
    realizedPnl: 0n, totalDeposited: 0n, totalWithdrawn: 0n,
  };
}

/** The union of both accounts' markets, ascending (the liquidation's remaining accounts). */
export function liquidationMarketIndices(account: MarginAccountInfo, liquidator: MarginAccountInfo | null | undefined, ch: ClearinghouseInfo): number[] {
  const set = new Set([...marketsHeld(account, ch), ...(liquidator ? marketsHeld(liquidator, ch) : [])]);
  if (set.size > MAX_LIQUIDATION_MARKETS) throw new MarginCheckError("TooManyMarkets", `${set.size} markets`);
  return [...set].sort((a, b) => a - b);
}

/** Markets and validated prices of one instruction, by market index. */
export class LoadedMarkets {
  readonly byIndex = new Map<number, { market: MarketInfo; price: OraclePrice }>();
  constructor(readonly s: LiquidationSnapshot, readonly indices: number[], action: OracleAction, opts: SimulationOptions = {}) {
    const spots = opts.spots instanceof Map ? opts.spots : new Map(Object.entries(opts.spots ?? {}).map(([k, v]) => [Number(k), v as bigint]));
    for (const i of indices) {
      const at = s.markets.findIndex((m) => m.marketIndex === i);
      if (at < 0) refuse("MissingMarketAccount", `market ${i}`);
      const market = s.markets[at];
      let price = readPrice(s.oracles[at], oracleSpecOf(market, s.clearinghouse), market.oracleLimits[action], s.now);
      const spot = spots.get(i);
      if (spot !== undefined) price = { ...price, price: spot };
      this.byIndex.set(i, { market, price });
    }
  }
  get(marketIndex: number) {
    const m = this.byIndex.get(marketIndex);
    if (!m) refuse("MissingMarketAccount", `market ${marketIndex}`);
    return m;
  }
  /** The same markets and prices with `market`'s account state replaced (a pool or index moved). */
  withMarket(market: MarketInfo): LoadedMarkets {
    const copy: LoadedMarkets = Object.create(LoadedMarkets.prototype);
    Object.assign(copy, { s: this.s, indices: this.indices, byIndex: new Map(this.byIndex) });
    const current = this.byIndex.get(market.marketIndex);
    if (current) copy.byIndex.set(market.marketIndex, { ...current, market });
    return copy;
  }

  /** The account evaluated as the program's `Evaluation::run` does (its own markets, these prices). */
  evaluate(a: MarginAccountInfo): MarginResult {
    const own = marketsHeld(a, this.s.clearinghouse).map((i) => this.get(i));
    return evaluate(engineAccount(a, this.s.clearinghouse, own.map((m) => m.market), own.map((m) => m.price), this.s.now));
  }
}

/** Mutable pools of the markets an instruction writes. */
class Pools {
  readonly changes = new Map<number, MarketChange>();
  of(m: MarketInfo): MarketChange {
    let c = this.changes.get(m.marketIndex);
    if (!c) {
      c = { marketIndex: m.marketIndex, feePool: m.feePool, pnlPool: m.pnlPool, openInterest: new Map(), lossIndex: m.lossIndex };
      this.changes.set(m.marketIndex, c);
    }
    return c;
  }
  openInterest(m: MarketInfo, instrumentIndex: number): bigint {
    return this.changes.get(m.marketIndex)?.openInterest.get(instrumentIndex) ?? m.instruments[instrumentIndex]?.openInterest ?? 0n;
  }
  setOpenInterest(m: MarketInfo, instrumentIndex: number, oi: bigint): void {
    this.of(m).openInterest.set(instrumentIndex, oi);
  }
  list(): MarketChange[] {
    return [...this.changes.values()].sort((a, b) => a.marketIndex - b.marketIndex);
  }
}

/** Open interest (long contracts) after one account's size went old -> new (programs' `updated_open_interest`). */
export function updatedOpenInterest(openInterest: bigint, oldSize: bigint, newSize: bigint): bigint {
  const v = openInterest + (newSize > 0n ? newSize : 0n) - (oldSize > 0n ? oldSize : 0n);
  return v < 0n ? 0n : v;
}

/** A fill into `a`'s position in the instrument (a free slot claimed for a new one), as `fill_position`. */
function fillPosition(a: MarginAccountInfo, market: MarketInfo, instrumentIndex: number, kind: Kind, delta: bigint, price: bigint) {
  const existing = a.positions.find((p) => p.size !== 0n && p.marketIndex === market.marketIndex && p.instrumentIndex === instrumentIndex);
  if (!existing && a.positions.length >= MAX_POSITIONS) refuse("PositionSlotsFull");
  const position: PositionInfo = existing ?? {
    marketIndex: market.marketIndex,
    instrumentIndex,
    size: 0n,
    costBasis: 0n,
    fundingSnapshot: kind === Kind.Perp ? market.fundingIndex : 0n,
    lossSnapshot: kind === Kind.Perp ? market.lossIndex : 0n,
  };
  const r = applyFill(position, delta, price, kind === Kind.Perp || kind === Kind.Future);
  if (abs(r.size) > MAX_SIZE) refuse("PositionTooLarge");
  const next = { ...position, size: r.size, costBasis: r.costBasis };
  const positions = (existing ? a.positions.map((p) => (p === existing ? next : p)) : [...a.positions, next]).filter((p) => p.size !== 0n);
  return { account: { ...a, positions, realizedPnl: a.realizedPnl + r.realized }, cash: r.cash, oldSize: position.size, newSize: r.size };
}

function debitCollateral(a: MarginAccountInfo, mint: PublicKey, amount: bigint): MarginAccountInfo {
  return { ...a, collaterals: a.collaterals.map((c) => (c.mint.equals(mint) ? { ...c, amount: c.amount - amount } : c)).filter((c) => c.amount > 0n) };
}
function creditCollateral(a: MarginAccountInfo, mint: PublicKey, amount: bigint): MarginAccountInfo {
  const has = a.collaterals.some((c) => c.mint.equals(mint));
  if (!has && a.collaterals.length >= MAX_COLLATERALS) refuse("CollateralSlotsFull");
  const collaterals = has ? a.collaterals.map((c) => (c.mint.equals(mint) ? { ...c, amount: c.amount + amount } : c)) : [...a.collaterals, { mint, amount }];
  return { ...a, collaterals };
}

/** Whether `a` has a slot for `mint` while one stays free for the quote balance (programs' `has_collateral_slot_for`). */
export function hasCollateralSlotFor(a: MarginAccountInfo, mint: PublicKey, quoteMint: PublicKey): boolean {
  const used = (m: PublicKey) => a.collaterals.some((c) => c.mint.equals(m));
  if (used(mint)) return true;
  const reserve = !mint.equals(quoteMint) && !used(quoteMint) ? 1 : 0;
  return a.collaterals.length + reserve < MAX_COLLATERALS;
}

interface Parties {
  account: MarginAccountInfo;
  liquidator: MarginAccountInfo;
}

/** The touch of both accounts: funding and socialised loss into perpetual bases, for every loaded market. */
function touch(p: Parties, loaded: LoadedMarkets): Parties {
  let { account, liquidator } = p;
  for (const { market } of loaded.byIndex.values()) {
    account = accrueFunding(account, market);
    liquidator = accrueFunding(liquidator, market);
  }
  return { account, liquidator };
}

/** `take_position`: `leg.amount` of the account's position to the liquidator at the mark (fees are per step). */
function takePosition(loaded: LoadedMarkets, needed: number[], leg: LiquidationLeg, p: Parties, pools: Pools, marks: MarkCache): { parties: Parties; outcome: LegOutcome } {
  const ch = loaded.s.clearinghouse;
  const now = loaded.s.now;
  if (!needed.includes(leg.marketIndex)) refuse("InvalidLiquidationLeg", `market ${leg.marketIndex} is not the account's`);
  const position = p.account.positions.find((x) => x.size !== 0n && x.marketIndex === leg.marketIndex && x.instrumentIndex === leg.instrumentIndex);
  if (!position) refuse("InvalidLiquidationLeg", `no position in ${leg.marketIndex}/${leg.instrumentIndex}`);
  const size = position.size;
  if (leg.amount <= 0n || leg.amount > abs(size)) refuse("InvalidLiquidationLeg", `amount ${leg.amount} of ${abs(size)}`);
  const { market, price: oracle } = loaded.get(leg.marketIndex);
  const ins = market.instruments[leg.instrumentIndex];
  if (!ins) refuse("UnknownInstrument", `#${leg.instrumentIndex}`);
  if (ins.kind !== Kind.Perp && market.expiries[ins.expiryIndex].expiry <= now) refuse("InstrumentExpired");
  const mark = marks.get(loaded, market, oracle, ins.kind, ins.expiryIndex, ins.strike);
  const price = size > 0n ? mark.long : mark.short;
  if (price < 0n) refuse("MathOverflow");
  const taken = size > 0n ? leg.amount : -leg.amount;
  const a = fillPosition(p.account, market, leg.instrumentIndex, ins.kind, -taken, price);
  const l = fillPosition(p.liquidator, market, leg.instrumentIndex, ins.kind, taken, price);
  const account = addQuote(a.account, ch.quoteMint, a.cash);
  const liquidator = addQuote(l.account, ch.quoteMint, l.cash);
  const pool = pools.of(market);
  pool.pnlPool = toI64(pool.pnlPool - (a.cash + l.cash));
  const oi = updatedOpenInterest(updatedOpenInterest(pools.openInterest(market, leg.instrumentIndex), a.oldSize, a.newSize), l.oldSize, l.newSize);
  pools.setOpenInterest(market, leg.instrumentIndex, oi);
  const notional = (leg.amount * oracle.price) / 1_000_000n;
  return { parties: { account, liquidator }, outcome: { leg, marketIndex: market.marketIndex, size: taken, price, cash: a.cash, notional } };
}

/** `take_collateral`: `leg.amount` of a non-quote collateral to the liquidator at the oracle price (a stablecoin 1.0), paid in quote. */
function takeCollateral(loaded: LoadedMarkets, leg: LiquidationLeg, p: Parties): { parties: Parties; outcome: LegOutcome } {
  const ch = loaded.s.clearinghouse;
  const qm = ch.quoteMint;
  if (leg.mint.equals(qm) || leg.mint.equals(PublicKey.default)) refuse("InvalidLiquidationLeg", "not a non-quote collateral");
  const config = ch.collaterals.find((c) => c.mint.equals(leg.mint));
  if (!config) refuse("InvalidLiquidationLeg", `mint ${leg.mint.toBase58()} is not listed`);
  const balance = p.account.collaterals.find((c) => c.mint.equals(leg.mint))?.amount ?? 0n;
  if (leg.amount <= 0n || leg.amount > balance) refuse("InvalidLiquidationLeg", `amount ${leg.amount} of ${balance}`);
  if (!hasCollateralSlotFor(p.liquidator, leg.mint, qm)) refuse("CollateralSlotsFull");
  let price: bigint;
  let marketIndex: number | null;
  if (config.marketIndex === null) {
    price = 1_000_000n;
    marketIndex = loaded.indices.length ? loaded.indices[0] : null;
  } else {
    const m = loaded.get(config.marketIndex);
    price = m.price.price;
    marketIndex = config.marketIndex;
  }
  // what the account's margin loses: its balance's engine units (1e6 per token, rounded down)
  // before less after, x price, rounded down
  const units = toEngineUnits(balance, config.decimals) - toEngineUnits(balance - leg.amount, config.decimals);
  const value = toI64((units * price) / 1_000_000n);
  let account = debitCollateral(p.account, leg.mint, leg.amount);
  account = addQuote(account, qm, value);
  let liquidator = creditCollateral(p.liquidator, leg.mint, leg.amount);
  liquidator = addQuote(liquidator, qm, -value);
  return { parties: { account, liquidator }, outcome: { leg, marketIndex, size: leg.amount, price, cash: value, notional: value } };
}

/**
 * `charge_step_fee`: the fee on `released` at the fee market's rates (none: the defaults, all to
 * the liquidator), `liquidatorPartOnly` for a bankruptcy (the account pays only the liquidator's part).
 */
function chargeStepFee(loaded: LoadedMarkets, released: bigint, feeMarket: number | null, p: Parties, pools: Pools, liquidatorPartOnly: boolean): { parties: Parties; fee: LiquidationFeeSplit } {
  const qm = loaded.s.clearinghouse.quoteMint;
  const market = feeMarket === null ? null : loaded.get(feeMarket).market;
  let fee: LiquidationFeeSplit;
  if (market) fee = liquidationFee(released, market.trading);
  else {
    const f = liquidationFee(released, { liquidationFeePpm: DEFAULT_LIQUIDATION_FEE_PPM, insuranceSharePpm: DEFAULT_INSURANCE_SHARE_PPM });
    fee = { total: f.total, liquidator: f.total, insurance: 0n };
  }
  if (liquidatorPartOnly) fee = { total: fee.liquidator, liquidator: fee.liquidator, insurance: 0n };
  const account = addQuote(p.account, qm, -toI64(fee.total));
  const liquidator = addQuote(p.liquidator, qm, toI64(fee.liquidator));
  if (market && fee.insurance > 0n) pools.of(market).feePool += fee.insurance;
  return { parties: { account, liquidator }, fee };
}

/** Marks per instrument, computed once per snapshot (they depend on the market state only). */
export class MarkCache {
  private readonly cache = new Map<string, { long: bigint; short: bigint }>();
  get(loaded: LoadedMarkets, market: MarketInfo, price: OraclePrice, kind: Kind, slice: number, strike: bigint) {
    const key = `${market.marketIndex}:${kind}:${slice}:${strike}:${price.price}:${price.conf}`;
    let v = this.cache.get(key);
    if (!v) {
      v = markValue(marketState(market, price, loaded.s.now), kind, slice, strike, loaded.s.now);
      this.cache.set(key, v);
    }
    return v;
  }
}

function checkLegCount(legs: LiquidationLeg[]): void {
  if (legs.length === 0 || legs.length > MAX_LIQUIDATION_LEGS) refuse("InvalidLiquidationLeg", `${legs.length} legs`);
}

/** Internal entry points shared with the planner (a prepared snapshot, marks cached). */
export class LiquidationSimulator {
  readonly loaded: LoadedMarkets;
  readonly marks = new MarkCache();
  readonly liquidatorKnown: boolean;
  /** Both accounts after the touch. */
  readonly touched: Parties;
  readonly remainingMarkets: number[];

  constructor(readonly s: LiquidationSnapshot, readonly opts: SimulationOptions = {}) {
    this.liquidatorKnown = !!s.liquidator;
    const liquidator = s.liquidator ?? emptyMarginAccount(s.clearinghouse.address);
    this.remainingMarkets = liquidationMarketIndices(s.account, s.liquidator, s.clearinghouse);
    this.loaded = new LoadedMarkets(s, this.remainingMarkets, OracleAction.Liquidation, opts);
    this.touched = touch({ account: s.account, liquidator }, this.loaded);
  }

  /** The account (after the touch) evaluated. */
  before(): MarginResult {
    return this.loaded.evaluate(this.touched.account);
  }

  /**
   * The legs applied and the step's fee charged, as the program does before its step rules: both
   * accounts, the leg outcomes, MM after the legs and the fee. Throws the program's error for a
   * leg it refuses, and LiquidationNotReducingRisk when the legs do not lower MM.
   */
  apply(legs: LiquidationLeg[], parties: Parties = this.touched, before: MarginResult = this.before()) {
    const pools = new Pools();
    const needed = marketsHeld(parties.account, this.s.clearinghouse);
    const outcomes: LegOutcome[] = [];
    let p = parties;
    let feeMarket: number | null = null;
    for (const leg of legs) {
      const r =
        leg.kind === LiquidationLegKind.Position
          ? takePosition(this.loaded, needed, leg, p, pools, this.marks)
          : leg.kind === LiquidationLegKind.Collateral
            ? takeCollateral(this.loaded, leg, p)
            : refuse("InvalidLiquidationLeg", `kind ${leg.kind}`);
      p = r.parties;
      outcomes.push(r.outcome);
      if (feeMarket === null) feeMarket = r.outcome.marketIndex;
    }
    const legsMm = this.loaded.evaluate(p.account).mm;
    if (legsMm >= before.mm) refuse("LiquidationNotReducingRisk", `MM ${before.mm} -> ${legsMm}`);
    const released = before.mm - legsMm;
    const charged = chargeStepFee(this.loaded, released, feeMarket, p, pools, false);
    return { parties: charged.parties, outcomes, released, fee: charged.fee, feeMarket, pools };
  }

  /** What `liquidate(legs)` would do (see `simulateLiquidation`). */
  liquidate(legs: LiquidationLeg[], opts: { checkLiquidator?: boolean } = {}): LiquidationPreview {
    const out: LiquidationPreview = {
      ok: false, error: null, legs: [], before: null, after: null, buffer: null, liquidatorAfter: null, accountAfter: null,
      liquidatorAccountAfter: null, released: 0n, fee: { total: 0n, liquidator: 0n, insurance: 0n }, feeMarket: null,
      remainingMarkets: this.remainingMarkets, markets: [],
    };
    try {
      if (this.s.liquidator && this.s.liquidator.owner.equals(this.s.account.owner)) refuse("SelfLiquidation");
      checkLegCount(legs);
      const before = this.before();
      out.before = before;
      if (before.equity >= before.mm) refuse("AccountNotLiquidatable", `equity ${before.equity} >= MM ${before.mm}`);
      const r = this.apply(legs, this.touched, before);
      Object.assign(out, { legs: r.outcomes, released: r.released, fee: r.fee, feeMarket: r.feeMarket, markets: r.pools.list() });
      out.accountAfter = r.parties.account;
      out.liquidatorAccountAfter = r.parties.liquidator;
      const after = this.loaded.evaluate(r.parties.account);
      out.after = after;
      out.buffer = liquidationBuffer(before.mm, this.s.clearinghouse.liquidationBufferPpm);
      const violation = liquidationStepViolation(before, after, this.s.clearinghouse.liquidationBufferPpm);
      if (violation) refuse(violation, `MM ${before.mm} -> ${after.mm}, equity ${before.equity} -> ${after.equity}, buffer ${out.buffer}`);
      if (this.liquidatorKnown && opts.checkLiquidator !== false) {
        const l = this.loaded.evaluate(r.parties.liquidator);
        out.liquidatorAfter = l;
        if (l.equity < l.im) refuse("LiquidatorInsufficientMargin", `equity ${l.equity} < initial margin ${l.im}`);
      }
      out.ok = true;
    } catch (e) {
      out.error = asProgramError(e);
    }
    return out;
  }

  /** What `resolve_bankruptcy` would do (see `simulateBankruptcy`). */
  resolve(opts: { socializationMarket?: MarketInfo | null; checkLiquidator?: boolean } = {}): BankruptcyPreview {
    const s = this.s;
    const qm = s.clearinghouse.quoteMint;
    const out: BankruptcyPreview = {
      ok: false, error: null, before: null, legs: [], released: 0n, resolverFee: 0n, deficit: 0n, insurancePaid: 0n, insuranceBalanceAfter: null,
      socialized: 0n, badDebt: 0n, socializationMarket: null, lossIndexAfter: null, resolverAfter: null, accountAfter: null,
      resolverAccountAfter: null, remainingMarkets: this.remainingMarkets,
    };
    try {
      if (s.liquidator && s.liquidator.owner.equals(s.account.owner)) refuse("SelfLiquidation");
      // positions of settled expiries turn into quote first (they are not taken over)
      let account = this.touched.account;
      for (const { market } of this.loaded.byIndex.values()) account = settleExpired(account, market, qm, MAX_POSITIONS).account;
      const expected = defaultSocializationMarket(s, account);
      const social = opts.socializationMarket === undefined ? expected : opts.socializationMarket;
      if (marketsHeld(account, s.clearinghouse).length > 0 && social?.marketIndex !== expected?.marketIndex) refuse("WrongSocializationMarket");
      const before = this.loaded.evaluate(account);
      out.before = before;
      if (before.equity >= 0n) refuse("AccountNotBankrupt", `equity ${before.equity}`);
      if (account.collaterals.some((c) => c.amount !== 0n && !c.mint.equals(qm))) refuse("BankruptcyCollateralLeft");
      const legs = account.positions.filter((p) => p.size !== 0n).map((p) => positionLeg(p.marketIndex, p.instrumentIndex, abs(p.size)));
      const pools = new Pools();
      // one by one, in slot order, all at the market states before (as the program)
      let parties: Parties = { account, liquidator: this.touched.liquidator };
      const needed = marketsHeld(account, s.clearinghouse);
      let feeMarket: number | null = null;
      for (const leg of legs) {
        const r = takePosition(this.loaded, needed, leg, parties, pools, this.marks);
        parties = r.parties;
        out.legs.push(r.outcome);
        if (feeMarket === null) feeMarket = r.outcome.marketIndex;
      }
      if (legs.length > 0) {
        const mm = this.loaded.evaluate(parties.account).mm;
        out.released = before.mm > mm ? before.mm - mm : 0n;
        const charged = chargeStepFee(this.loaded, out.released, feeMarket, parties, pools, true);
        parties = charged.parties;
        out.resolverFee = charged.fee.liquidator;
      }
      const deficit = parties.account.quoteDebt;
      out.deficit = deficit;
      const balance = s.insuranceBalance;
      const paid = balance === undefined ? deficit : deficit < balance ? deficit : balance;
      out.insurancePaid = paid;
      out.insuranceBalanceAfter = balance === undefined ? null : balance - paid;
      const uncovered = deficit - paid;
      // socialised only to the account's own market (capped per contract); the rest is bad debt
      let loaded = this.loaded;
      if (social) {
        out.socializationMarket = social.marketIndex;
        const own = marketsHeld(account, s.clearinghouse).length > 0;
        const { step, socialized } = own ? socialization(uncovered, pools.openInterest(social, 0), social.oracleEma) : { step: 0n, socialized: 0n };
        out.socialized = socialized;
        out.badDebt = uncovered - socialized;
        out.lossIndexAfter = toI64(social.lossIndex + step);
        loaded = loaded.withMarket({ ...social, lossIndex: out.lossIndexAfter });
      }
      if (legs.length > 0 && this.liquidatorKnown && opts.checkLiquidator !== false) {
        // the resolver carries what it took, its share of the socialised loss included
        const l = loaded.evaluate(parties.liquidator);
        out.resolverAfter = l;
        if (l.equity < l.im) refuse("LiquidatorInsufficientMargin", `equity ${l.equity} < initial margin ${l.im}`);
      }
      out.accountAfter = addQuote(parties.account, qm, deficit);
      out.resolverAccountAfter = parties.liquidator;
      out.ok = true;
    } catch (e) {
      out.error = asProgramError(e);
    }
    return out;
  }
}

/**
 * The market a bankruptcy's uncovered loss is charged to (programs' `socialization_market`): of the
 * markets `account` holds, the one whose perpetual carries the most open interest by value (long
 * contracts x oracle EMA; ties: the lowest index). An account holding no market may name any (here:
 * the snapshot's largest perpetual open interest by value); null with no market at all.
 */
export function defaultSocializationMarket(s: LiquidationSnapshot, account: MarginAccountInfo = s.account): MarketInfo | null {
  const own = new Set(marketsHeld(account, s.clearinghouse));
  const candidates = own.size > 0 ? s.markets.filter((m) => own.has(m.marketIndex)) : s.markets;
  let best: { weight: bigint; market: MarketInfo } | null = null;
  for (const market of [...candidates].sort((a, b) => a.marketIndex - b.marketIndex)) {
    const weight = (market.instruments[0]?.openInterest ?? 0n) * market.oracleEma;
    if (!best || weight > best.weight) best = { weight, market };
  }
  return best?.market ?? null;
}

/** What `liquidate(legs)` would do with the snapshot's accounts (never throws for a refusal). */
export function simulateLiquidation(s: LiquidationSnapshot, legs: LiquidationLeg[], opts: SimulationOptions = {}): LiquidationPreview {
  let sim: LiquidationSimulator;
  try {
    sim = new LiquidationSimulator(s, opts);
  } catch (e) {
    return {
      ok: false, error: asProgramError(e), legs: [], before: null, after: null, buffer: null, liquidatorAfter: null, accountAfter: null,
      liquidatorAccountAfter: null, released: 0n, fee: { total: 0n, liquidator: 0n, insurance: 0n }, feeMarket: null, remainingMarkets: [], markets: [],
    };
  }
  return sim.liquidate(legs);
}

/** What `resolve_bankruptcy` would do with the snapshot's accounts (never throws for a refusal). */
export function simulateBankruptcy(s: LiquidationSnapshot, opts: SimulationOptions & { socializationMarket?: MarketInfo | null } = {}): BankruptcyPreview {
  try {
    return new LiquidationSimulator(s, opts).resolve(opts);
  } catch (e) {
    return {
      ok: false, error: asProgramError(e), before: null, legs: [], released: 0n, resolverFee: 0n, deficit: 0n, insurancePaid: 0n, insuranceBalanceAfter: null,
      socialized: 0n, badDebt: 0n, socializationMarket: null, lossIndexAfter: null, resolverAfter: null, accountAfter: null,
      resolverAccountAfter: null, remainingMarkets: [],
    };
  }
}

export type { Parties as LiquidationParties };
