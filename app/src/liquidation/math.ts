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
