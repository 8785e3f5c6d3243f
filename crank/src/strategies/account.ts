// A plan as the engine margins it: an account on one market (index 0), its IM / MM, the margin an
// isolated (per-position) system would charge for the same legs, and the USDC deposit that funds it.
import {
  Account, Collateral, DEFAULT_GLOBAL, DEFAULT_HAIRCUT_IM_PPM, DEFAULT_HAIRCUT_MM_PPM, evaluate, GlobalParams, Kind, MarginResult,
  MarketPrep, MarketState, Position, QUOTE, RiskArrayCache,
} from "../../../app/src/risk";
import { CollateralLeg, Leg, Plan } from "./types";

const UNIT = 1_000_000n;
const ceilDiv = (a: bigint, b: bigint): bigint => (a > 0n ? (a + b - 1n) / b : a / b);

export interface AccountOptions {
  global?: GlobalParams;
  /** Haircuts (ppm) of the underlying when held as collateral. Default: the engine's 2% / 4%. */
  haircutMmPpm?: number;
  haircutImPpm?: number;
  /** USDC in the account (1e6). Default 0. */
  quote?: bigint;
  /** Shared risk arrays of `market` at `now` (many plans on one market). */
  cache?: RiskArrayCache;
}

/** The market's slice of an expiry (perps: 0). */
function sliceOf(market: MarketState, leg: Leg): number {
  if (leg.kind === Kind.Perp) return 0;
  const i = market.slices.findIndex((s) => s.expiry === leg.expiry);
  if (i < 0) throw new Error(`expiry ${leg.expiry} is not listed in the market`);
  return i;
}

/** Engine positions of the legs, entered at the model's mark: perps at spot, futures at the forward;
 * an option's premium moves through collateral when it trades, so its engine cost is 0. */
export function positionsOf(legs: Leg[], market: MarketState, now: bigint, prep?: MarketPrep): Position[] {
  const mp = prep ?? new MarketPrep(market);
  return legs.map((leg) => {
    const slice = sliceOf(market, leg);
    let cost = 0n;
    if (leg.kind === Kind.Perp) cost = ceilDiv(leg.size * market.spot, UNIT);
    else if (leg.kind === Kind.Future) cost = ceilDiv(leg.size * (mp.ensureSlice(slice, now).forwardPx >> BigInt(mp.priceBits)), UNIT);
    return { market: 0, kind: leg.kind, slice, strike: leg.kind === Kind.Call || leg.kind === Kind.Put ? leg.strike : 0n, size: leg.size, cost };
  });
}

export function collateralOf(collateral: CollateralLeg[], opts: AccountOptions = {}): Collateral[] {
  const out: Collateral[] = collateral.map((c) =>
    c.asset === "quote"
      ? { asset: QUOTE, haircutMmPpm: 0, haircutImPpm: 0, amount: c.amount }
      : { asset: 0, haircutMmPpm: opts.haircutMmPpm ?? DEFAULT_HAIRCUT_MM_PPM, haircutImPpm: opts.haircutImPpm ?? DEFAULT_HAIRCUT_IM_PPM, amount: c.amount },
  );
  if (opts.quote) out.push({ asset: QUOTE, haircutMmPpm: 0, haircutImPpm: 0, amount: opts.quote });
  return out;
}

export function accountOf(plan: Pick<Plan, "legs" | "collateral">, market: MarketState, now: bigint, opts: AccountOptions = {}): Account {
  return {
    global: opts.global ?? DEFAULT_GLOBAL,
    markets: [market],
    now,
    positions: positionsOf(plan.legs, market, now, opts.cache?.prep(0)),
    collateral: collateralOf(plan.collateral, opts),
  };
}

/** The engine's evaluation of the plan as one portfolio. */
export function marginOf(plan: Pick<Plan, "legs" | "collateral">, market: MarketState, now: bigint, opts: AccountOptions = {}): MarginResult {
  return evaluate(accountOf(plan, market, now, opts), opts.cache);
}

/**
 * Per-leg (isolated) IM: the sum over legs of the IM of an account holding that leg alone, each
 * collateral entry of the underlying counting as its own leg (price risk and haircut); USDC needs
 * none. What a per-position margin system charges for the same book.
 */
export function perLegIm(plan: Pick<Plan, "legs" | "collateral">, market: MarketState, now: bigint, opts: AccountOptions = {}): bigint {
  let total = 0n;
  for (const leg of plan.legs) total += marginOf({ legs: [leg], collateral: [] }, market, now, opts).im;
  for (const c of plan.collateral) if (c.asset === "underlying") total += marginOf({ legs: [], collateral: [c] }, market, now, opts).im;
  return total;
}

export interface Funding {
  im: bigint;
  mm: bigint;
  /** USDC to deposit (1e6). */
  deposit: bigint;
  /** Net option premium received at the model's marks (negative: paid), 1e6. */
  premium: bigint;
  /** Value of the underlying collateral at spot, 1e6. */
  collateralValue: bigint;
  /** The account's equity right after opening at the model's marks (deposit + collateral). */
  equity: bigint;
  /** Notional / equity. */
  leverage: number;
}

/**
 * The USDC deposit that funds `plan` at `imMultiple` x its IM (default 1.5): trades at the model's
 * marks leave equity unchanged, so the deposit plus the underlying collateral's value must reach the
 * target. With `leverage` (a levered strategy's own definition) the target is at least
 * notional / leverage. The deposit also covers any net premium paid, so the USDC balance never
 * goes negative.
 */
export function fund(plan: Plan, market: MarketState, now: bigint, opts: AccountOptions & { imMultiple?: number; leverage?: number } = {}): Funding {
  const r = marginOf(plan, market, now, opts);
  let target = ceilDiv(r.im * BigInt(Math.round((opts.imMultiple ?? 1.5) * 1e6)), UNIT);
  if (opts.leverage) {
    const levered = ceilDiv(plan.notional * UNIT, BigInt(Math.round(opts.leverage * 1e6)));
    if (levered > target) target = levered;
  }
  const collateralValue = plan.collateral.filter((c) => c.asset === "underlying").reduce((s, c) => s + (c.amount * market.spot) / UNIT, 0n);
  // net premium at the engine's marks: minus the equity of the options alone (their engine cost is 0)
  const options = plan.legs.filter((l) => l.kind === Kind.Call || l.kind === Kind.Put);
  const premium = options.length ? -marginOf({ legs: options, collateral: [] }, market, now, { ...opts, quote: undefined }).equity : 0n;
  let deposit = target - collateralValue;
  if (deposit < -premium) deposit = -premium;
  if (deposit < 0n) deposit = 0n;
  const equity = deposit + collateralValue;
  return { im: r.im, mm: r.mm, deposit, premium, collateralValue, equity, leverage: equity > 0n ? Number(plan.notional) / Number(equity) : Infinity };
}
