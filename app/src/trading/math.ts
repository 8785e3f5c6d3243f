// The program's trading arithmetic (programs/portfolio-margin/src/trading/*.rs), integer for
// integer: fills against a cost basis, fees, the funding EMAs and step. Native quote units (1e6)
// and prices at 1e6 throughout.
import type { TradingParamsInfo } from "../accounts";
import { MarginCheckError } from "../health/errors";

const UNIT = 1_000_000n;
const I64_MAX = (1n << 63n) - 1n;
const I64_MIN = -(1n << 63n);

export function toI64(v: bigint): bigint {
  if (v > I64_MAX || v < I64_MIN) throw new MarginCheckError("MathOverflow");
  return v;
}

/** Floor division (Rust's `div_euclid` for a positive divisor). */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

const floorUnit = (v: bigint) => floorDiv(v, UNIT);
const abs = (v: bigint) => (v < 0n ? -v : v);
const sign = (v: bigint) => (v > 0n ? 1n : v < 0n ? -1n : 0n);

/** Quote received for buying `delta` contracts (1e6) at `price` (negative: paid), rounded down. */
export function tradeCash(delta: bigint, price: bigint): bigint {
  return floorUnit(-delta * price);
}

export interface FillPosition {
  size: bigint;
  costBasis: bigint;
}

export interface FillOutcome {
  /** Quote moved into the account (linear: realised P&L; option: the premium). */
  cash: bigint;
  realized: bigint;
  /** The position afterwards. */
  size: bigint;
  costBasis: bigint;
}

/** A fill of `delta` at `price` into a position (programs' `apply_fill`). */
export function applyFill(position: FillPosition, delta: bigint, price: bigint, linear: boolean): FillOutcome {
  if (delta === 0n) throw new MarginCheckError("ZeroAmount");
  const size = position.size;
  const closing = size !== 0n && size > 0n !== delta > 0n ? sign(delta) * (abs(delta) < abs(size) ? abs(delta) : abs(size)) : 0n;
  const opening = delta - closing;
  let cost = position.costBasis;
  let realized = 0n;
  if (closing !== 0n) {
    const closedCost = -floorDiv(-(cost * abs(closing)), abs(size));
    realized = tradeCash(closing, price) - closedCost;
    cost -= closedCost;
  }
  if (opening !== 0n) cost -= tradeCash(opening, price);
  const newSize = size + delta;
  if (newSize === 0n) {
    realized -= cost;
    cost = 0n;
  }
  const premium = linear ? 0n : tradeCash(closing, price) + tradeCash(opening, price);
  return { cash: toI64(linear ? realized : premium), realized: toI64(realized), size: toI64(newSize), costBasis: toI64(cost) };
}

export type Liquidity = "maker" | "taker";

/** The fee of one side (programs' `trade_fee`): negative is a rebate. */
export function tradeFee(params: TradingParamsInfo, liquidity: Liquidity, linear: boolean, size: bigint, price: bigint, spot: bigint): bigint {
  let scaled: bigint;
  if (linear) {
    scaled = size * price * BigInt(liquidity === "maker" ? params.makerFeePpm : params.takerFeePpm);
  } else {
    const rate = BigInt(liquidity === "maker" ? params.optionMakerFeePpm : params.optionTakerFeePpm);
    const cap = size * spot * BigInt(params.optionFeeCapPpm);
    scaled = size * price * rate;
    if (scaled > cap) scaled = cap;
    if (scaled < -cap) scaled = -cap;
  }
  // a fee rounds up, a rebate toward zero: both are -floor(-scaled / 1e12)
  return toI64(-floorDiv(-scaled, 1_000_000_000_000n));
}

/** The EMA moved toward `value` by the elapsed fraction of its window (programs' `ema_update`). */
export function emaUpdate(ema: bigint, value: bigint, elapsed: bigint, window: number): bigint {
  if (ema === 0n || window === 0) return value;
  const w = BigInt(window);
  const weight = elapsed < 0n ? 0n : elapsed > w ? w : elapsed;
  return ema + ((value - ema) * weight) / w; // Rust's `/` truncates toward zero, as BigInt's
}

/** The funding index step and rate (ppm) for `elapsed` seconds (programs' `funding_step`). */
export function fundingStep(markEma: bigint, oracleEma: bigint, elapsed: bigint, params: TradingParamsInfo): { step: bigint; ratePpm: bigint } {
  const bound = (oracleEma * BigInt(params.maxFundingRatePpm)) / UNIT;
  let premium = markEma - oracleEma;
  if (premium > bound) premium = bound;
  if (premium < -bound) premium = -bound;
  const period = BigInt(Math.max(params.fundingPeriodSecs, 1));
  const e = elapsed < 0n ? 0n : elapsed > period ? period : elapsed;
  return { step: toI64((premium * e) / period), ratePpm: toI64(oracleEma === 0n ? 0n : (premium * UNIT) / oracleEma) };
}
