// The program's liquidation arithmetic (programs/portfolio-margin/src/trading/liquidation.rs and
// the step rules of instructions/liquidate.rs), integer for integer: a step's fee (a share of the
// maintenance margin it releases) and its split, the over-liquidation buffer, and the
// socialised-loss index step. Fees and charges round up (against the account paying them), the
// insurance share up too.
import type { TradingParamsInfo } from "../accounts";
import { MarginCheckError } from "../health/errors";
import type { MarginResult } from "../risk";

const UNIT = 1_000_000n;
const PPM = 1_000_000n;
const U64_MAX = (1n << 64n) - 1n;
const I64_MAX = (1n << 63n) - 1n;

/** `a x b / d` rounded up, refused (MathOverflow) beyond u64 as the program's `mul_div_ceil`. */
function mulDivCeil(a: bigint, b: bigint, d: bigint): bigint {
  const q = (a * b + d - 1n) / d;
  if (q > U64_MAX) throw new MarginCheckError("MathOverflow");
  return q;
}

/** A liquidation step's fee and who gets it (native quote units). */
export interface LiquidationFeeSplit {
  total: bigint;
  liquidator: bigint;
  insurance: bigint;
}

/**
 * The fee of a step that released `releasedMm` of maintenance margin (MM before the step less MM
 * after its legs): the market's `liquidationFeePpm` of it, rounded up, split by its insurance share
 * (rounded up too) (programs' `liquidation_fee`). The liquidated account pays `total`; the
 * liquidator gets `liquidator`, the fee market's pool (the insurance fund once swept) `insurance`.
 */
export function liquidationFee(releasedMm: bigint, params: Pick<TradingParamsInfo, "liquidationFeePpm" | "insuranceSharePpm">): LiquidationFeeSplit {
  const total = mulDivCeil(releasedMm, BigInt(params.liquidationFeePpm), PPM);
  let insurance = mulDivCeil(total, BigInt(params.insuranceSharePpm), PPM);
  if (insurance > total) insurance = total;
  return { total, liquidator: total - insurance, insurance };
}

/** How far above MM a liquidation step may leave equity: ceil(max(MM before, 0) x buffer ppm / 1e6). */
export function liquidationBuffer(mmBefore: bigint, bufferPpm: number): bigint {
  const mm = mmBefore > 0n ? mmBefore : 0n;
  return (mm * BigInt(bufferPpm) + PPM - 1n) / PPM;
}

/** MM - equity (> 0: below maintenance margin by this much). */
export function shortfall(r: Pick<MarginResult, "equity" | "mm">): bigint {
  return r.mm - r.equity;
}

/** Which of the step rules of `liquidate` a before/after pair breaks (null: none). */
export function liquidationStepViolation(
  before: Pick<MarginResult, "equity" | "mm">,
  after: Pick<MarginResult, "equity" | "mm">,
  bufferPpm: number,
): "LiquidationNotReducingRisk" | "OverLiquidation" | null {
  if (after.mm >= before.mm || shortfall(after) >= shortfall(before)) return "LiquidationNotReducingRisk";
  if (-shortfall(after) > liquidationBuffer(before.mm, bufferPpm)) return "OverLiquidation";
  return null;
}

/**
 * The loss-index step that charges `loss` to `openInterest` long perpetual contracts and as many
 * short ones, rounded up (programs' `loss_index_step`).
 */
export function lossIndexStep(loss: bigint, openInterest: bigint): bigint {
  if (openInterest <= 0n) throw new MarginCheckError("MathOverflow");
  const step = mulDivCeil(loss, UNIT, 2n * openInterest);
  if (step > I64_MAX) throw new MarginCheckError("MathOverflow");
  return step;
}

/** Highest socialised loss one bankruptcy may charge a perpetual contract, ppm of the oracle EMA (programs' `MAX_SOCIALIZED_LOSS_PPM`). */
export const MAX_SOCIALIZED_LOSS_PPM = 5_000n;

/**
 * What a market's perpetual holders bear of `loss` (programs' `socialization`): the loss-index
 * step and the amount it covers, at most `MAX_SOCIALIZED_LOSS_PPM` of `oracleEma` per contract;
 * the rest (all of it with nothing open) is bad debt.
 */
export function socialization(loss: bigint, openInterest: bigint, oracleEma: bigint): { step: bigint; socialized: bigint } {
  if (loss === 0n || openInterest === 0n) return { step: 0n, socialized: 0n };
  const cap = (oracleEma * MAX_SOCIALIZED_LOSS_PPM) / 1_000_000n;
  const step = lossIndexStep(loss, openInterest);
  if (step <= cap) return { step, socialized: loss };
  const covered = (cap * 2n * openInterest) / UNIT;
  return { step: cap, socialized: covered < loss ? covered : loss };
}
