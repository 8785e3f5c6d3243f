// The population: accounts running the reference strategies (crank/src/strategies) on every
// underlying with data, several per strategy at different funding levels, each opened by RFQ
// trades with the market maker at the engine's marks.
import { createAssociatedTokenAccountIdempotentInstruction, createMintToInstruction, getAssociatedTokenAddressSync } from "@solana/spl-token";
import { Keypair, LAMPORTS_PER_SOL, PublicKey, SystemProgram, TransactionInstruction } from "@solana/web3.js";
import { Kind, markValue, MarketState } from "../../../app/src/risk";
import type { MarketBook, MarketView } from "../chain/markets";
import type { Underlying } from "../data/prices";
import { MakerSide, MarketInfo, sendAndConfirmInstructions, TradeQuote } from "../sdk";
import { AccountOptions, fund, Leg, Listing, marginOf, perLegIm, Plan, STRATEGIES, Strategy } from "../strategies";
import { DemoWorld, republish } from "./world";

const UNIT = 1_000_000n;
const DAY = 86_400n;

/** Funding levels: IM multiples from the most fragile to the most cushioned. */
export function imMultiples(n: number): number[] {
  if (n === 1) return [1.1];
  return Array.from({ length: n }, (_, i) => Number((1.1 + ((2.5 - 1.1) * i) / (n - 1)).toFixed(2)));
}
/** Levered longs: leverage on equity, the most levered first when fewer than four are asked. */
export const LEVERAGES = [3, 5, 10, 20];
export function leverages(n: number): number[] {
  if (n <= LEVERAGES.length) return LEVERAGES.slice(LEVERAGES.length - n);
  return Array.from({ length: n }, (_, i) => LEVERAGES[i % LEVERAGES.length]);
}
/** A levered long is opened at the leverage asked for or at this multiple of its IM, whichever needs more equity. */
export const LEVERED_IM_FLOOR = 1.05;

export interface MemberSpec {
  strategy: Strategy;
  symbol: Underlying;
  /** Target equity as a multiple of the plan's IM. */
  imMultiple: number;
  /** Levered longs: notional / equity asked for. */
  leverage?: number;
  /** USD. */
  notional: number;
  /** "1.10xIM", "20x". */
  level: string;
}

export interface Member extends MemberSpec {
  label: string;
  owner: Keypair;
  account: PublicKey;
  plan: Plan;
  /** USDC left deposited after opening (native units). */
  deposit: bigint;
  /** wBTC deposited (native units, 8 decimals). */
  collateral: bigint;
  /** The plan's IM as one portfolio, and the sum of its legs margined alone, at opening (native quote units). */
  portfolioIm: bigint;
  perLegIm: bigint;
  /** Notional / equity at opening. */
  leverageOpened: number;
  /** Legs that could not be opened (the error), if any. */
  failed: string[];
}

/** mulberry32: a small seeded PRNG (notionals are reproducible for a seed). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Whether a strategy holds the underlying as collateral (only BTC has it here: wrapped BTC). */
function needsUnderlying(s: Strategy): boolean {
  const now = 1_700_000_000n;
  const listing: Listing = { now, spot: 100n * UNIT, expiries: [now + 30n * DAY, now + 90n * DAY], strikes: [80n, 90n, 100n, 110n, 120n].map((k) => k * UNIT) };
  return s.build(listing, 1_000n * UNIT).collateral.some((c) => c.asset === "underlying");
}

/**
 * Every strategy on every underlying (those holding the underlying as collateral on BTC only, with
 * wrapped BTC), `perStrategy` accounts each: IM multiples 1.1-2.5, levered longs at 3x-20x.
 */
export function designPopulation(symbols: Underlying[], perStrategy: number, notional: number, seed: number, hasWbtc: boolean): MemberSpec[] {
  const random = rng(seed);
  const out: MemberSpec[] = [];
  for (const strategy of STRATEGIES) {
    const underlying = needsUnderlying(strategy);
    for (const symbol of symbols) {
      if (underlying && !(symbol === "BTC" && hasWbtc)) continue;
      const levered = strategy.leverage !== undefined;
      const levels = levered ? leverages(perStrategy) : imMultiples(perStrategy);
      for (const x of levels) {
        const n = Math.round(notional * (0.75 + 0.5 * random()));
        out.push(
          levered
            ? { strategy, symbol, imMultiple: LEVERED_IM_FLOOR, leverage: x, notional: n, level: `${x}x` }
            : { strategy, symbol, imMultiple: x, notional: n, level: `${x.toFixed(2)}xIM` },
        );
      }
    }
  }
  return out;
}

/** What the strategies see of a market: unexpired expiries, the listed strikes, the ~30-day ATM vol and basis. */
export function listingOf(v: MarketView, now: bigint): Listing {
  const m = v.info;
  const live = m.expiries.filter((e) => e.expiry > now && e.settlementPrice === 0n);
  const strikes = [...new Set(m.instruments.filter((i) => i.kind === Kind.Call || i.kind === Kind.Put).map((i) => i.strike))];
  const target = now + 30n * DAY;
  const near = [...live].sort((a, b) => Number((a.expiry > target ? a.expiry - target : target - a.expiry) - (b.expiry > target ? b.expiry - target : target - b.expiry)))[0];
  return { now, spot: v.state!.spot, expiries: live.map((e) => e.expiry), strikes, atmVolPpm: near?.atmPpm, basisPpm: near?.basisPpm };
}

/** The listed instrument of a leg. */
export function instrumentOf(m: MarketInfo, leg: Leg): number {
  const i = m.instruments.find(
    (x) =>
      x.kind === leg.kind &&
      (leg.kind === Kind.Perp || x.expiry === leg.expiry) &&
      (leg.kind === Kind.Call || leg.kind === Kind.Put ? x.strike === leg.strike : true),
  );
  if (!i) throw new Error(`${m.symbol}: no listed instrument for kind ${leg.kind}, expiry ${leg.expiry}, strike ${leg.strike}`);
  return i.index;
}

/** The engine's mark of one contract, rounded for the side the taker is on (pays up, receives down). */
export function markPrice(m: MarketInfo, state: MarketState, leg: Leg, now: bigint): bigint {
  if (leg.kind === Kind.Perp) return state.spot;
  const slice = m.expiries.findIndex((e) => e.expiry === leg.expiry);
  const v = markValue(state, leg.kind, slice, leg.strike, now);
  return leg.size > 0n ? v.short : v.long;
}

/** Long options first (paid from the deposit), then the short legs, linear hedges last. */
function legOrder(l: Leg): number {
  const option = l.kind === Kind.Call || l.kind === Kind.Put;
  return option ? (l.size > 0n ? 0 : 1) : 2;
}

export interface OpenContext {
  world: DemoWorld;
  book: MarketBook;
  /** The prices every trade re-publishes (the clock runs on with wall time; trades need a 30-second-fresh oracle). */
  prices: Record<string, number>;
  nextNonce: () => bigint;
  log: (line: string) => void;
}

function modelOptions(ctx: OpenContext): AccountOptions {
  const { book, world } = ctx;
  const wbtc = world.wbtc ? book.clearinghouse.collaterals.find((c) => c.mint.equals(world.wbtc!)) : undefined;
  return { global: book.clearinghouse.globalParams, haircutMmPpm: wbtc?.haircutMmPpm, haircutImPpm: wbtc?.haircutImPpm };
}

/** Opens one account: the plan, its USDC (and wBTC) deposit, one RFQ trade per leg with the maker. */
export async function openMember(ctx: OpenContext, spec: MemberSpec): Promise<Member> {
  const { world, book } = ctx;
  const { client, connection, admin, clearinghouse } = world;
  const market = world.markets.find((m) => m.symbol === spec.symbol)!;
  const view = book.byIndex(market.marketIndex)!;
  const state = view.state!;
  const now = book.now;
  const plan = spec.strategy.build(listingOf(view, now), BigInt(Math.round(spec.notional * 1e6)));
  const mopts = modelOptions(ctx);
  const f = fund(plan, state, now, { ...mopts, imMultiple: spec.imMultiple, leverage: spec.leverage });
  const legs = [...plan.legs].sort((a, b) => legOrder(a) - legOrder(b));
  // IM along the way (a short leg before its hedge can need more than the whole book): a temporary
  // top-up, withdrawn after the last leg
  let peak = 0n;
  for (let k = 1; k <= legs.length; k++) {
    const im = marginOf({ legs: legs.slice(0, k), collateral: plan.collateral }, state, now, mopts).im;
    if (im > peak) peak = im;
  }
  const topUp = peak > f.im ? (peak * 103n) / 100n - f.equity : 0n;
  const extra = topUp > 0n ? topUp : 0n;
  // fees: at most 5 bp of each leg's notional (taker fee; an option's is capped below that)
  const fees = legs.reduce((s, l) => s + ((l.size < 0n ? -l.size : l.size) * state.spot * 5n) / (UNIT * 10_000n), 0n) + 1n;
  const usdc = f.deposit + fees + extra;
  const wbtcAmount = plan.collateral.filter((c) => c.asset === "underlying").reduce((s, c) => s + c.amount * 100n, 0n);

  const owner = Keypair.generate();
  const account = client.marginAccountAddress(clearinghouse, owner.publicKey, 0);
  const mintIxs = (mint: PublicKey, amount: bigint): TransactionInstruction[] => {
    const ata = getAssociatedTokenAddressSync(mint, owner.publicKey, true);
    return [createAssociatedTokenAccountIdempotentInstruction(admin.publicKey, ata, owner.publicKey, mint), createMintToInstruction(mint, ata, admin.publicKey, amount)];
  };
  await sendAndConfirmInstructions(
    connection,
    [
      SystemProgram.transfer({ fromPubkey: admin.publicKey, toPubkey: owner.publicKey, lamports: LAMPORTS_PER_SOL / 10 }),
      ...mintIxs(world.quoteMint, usdc),
      ...(wbtcAmount > 0n ? mintIxs(world.wbtc!, wbtcAmount) : []),
    ],
    [admin],
    { commitment: "confirmed" },
  );
  await client.send(
    [
      await client.createMarginAccountIx({ clearinghouse, owner: owner.publicKey, accountIndex: 0 }),
      await client.depositIx({ clearinghouse, owner: owner.publicKey, amount: usdc, accountIndex: 0 }),
      ...(wbtcAmount > 0n ? [await client.depositIx({ clearinghouse, owner: owner.publicKey, amount: wbtcAmount, mint: world.wbtc!, accountIndex: 0 })] : []),
    ],
    [owner],
  );

  const failed: string[] = [];
  for (const leg of legs) {
    try {
      const t = await republish(world, ctx.prices);
      const quote: TradeQuote = {
        instrumentIndex: instrumentOf(view.info, leg),
        makerSide: leg.size > 0n ? MakerSide.Sell : MakerSide.Buy,
        size: leg.size > 0n ? leg.size : -leg.size,
        price: markPrice(view.info, state, leg, now),
        oracleLimit: 0n,
        expiresAt: BigInt(t + 120),
        nonce: ctx.nextNonce(),
      };
      const encoded = await world.trading.createSignedQuote({
        maker: world.maker.owner,
        makerAccount: world.maker.account,
        takerAccount: account,
        marketIndex: market.marketIndex,
        quote,
      });
      await world.trading.acceptSignedQuote(encoded, { taker: owner });
    } catch (e) {
      const msg = (e as Error).message ?? String(e);
      failed.push(msg);
      ctx.log(`  ! ${spec.strategy.name} ${spec.symbol} ${spec.level}: a leg was not opened: ${msg}`);
    }
  }
  let deposit = usdc;
  if (extra > 0n && failed.length === 0) {
    try {
      await republish(world, ctx.prices);
      await client.withdraw({ clearinghouse, owner, amount: extra, accountIndex: 0 });
      deposit -= extra;
    } catch (e) {
      ctx.log(`  ! ${spec.strategy.name} ${spec.symbol} ${spec.level}: the opening top-up stays deposited: ${(e as Error).message}`);
    }
  }
  const equity = Number(deposit - fees) / 1e6 + Number(f.collateralValue) / 1e6;
  return {
    ...spec,
    label: `${spec.strategy.name} ${spec.symbol} ${spec.level}`,
    owner,
    account,
    plan,
    deposit,
    collateral: wbtcAmount,
    portfolioIm: f.im,
    perLegIm: perLegIm(plan, state, now, mopts),
    leverageOpened: equity > 0 ? spec.notional / equity : Infinity,
    failed,
  };
}

/**
 * Opens every member, `concurrency` at a time (the maker's account serialises the trades on chain).
 * One member per underlying goes first, alone: a trade names the markets both sides hold, so
 * trades racing while the maker's set of markets still grows would name a stale set.
 */
export async function openPopulation(ctx: OpenContext, specs: MemberSpec[], concurrency = 4, onOpened?: (m: Member, done: number) => void): Promise<Member[]> {
  const out: Member[] = new Array(specs.length);
  let done = 0;
  const open = async (i: number) => {
    out[i] = await openMember(ctx, specs[i]);
    onOpened?.(out[i], ++done);
  };
  const firsts = [...new Set(specs.map((s) => s.symbol))].map((sym) => specs.findIndex((s) => s.symbol === sym));
  for (const i of firsts) await open(i);
  const rest = specs.map((_, i) => i).filter((i) => !firsts.includes(i));
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, rest.length) }, async () => {
      for (let k = next++; k < rest.length; k = next++) await open(rest[k]);
    }),
  );
  return out;
}
