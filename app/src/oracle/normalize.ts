// Pyth `value x 10^exponent` to 1e6, bit-identical to programs/portfolio-margin/src/oracle/normalize.rs
// (both are checked against fixtures/normalize_golden.json): price rounded down, confidence up.
import { U64_MAX } from "../constants";
// The risk engine's own bound ($10M at 1e6), like the program's normalize.rs.
import { MAX_PRICE } from "../risk/black76";
import { ensure } from "./errors";

/** Decimals of every price in the program (1e6). */
export const PRICE_DECIMALS = 6;
/** Supported Pyth exponents: the rescaling shift `exponent + 6` stays in -12..=12. */
export const MIN_EXPONENT = -18;
export const MAX_EXPONENT = 6;

/** `{ price, conf }` at 1e6; OracleNonPositivePrice, then OracleOutOfRange, in the program's order. */
export function to1e6(price: bigint, conf: bigint, exponent: number): { price: bigint; conf: bigint } {
  ensure(price > 0n, "OracleNonPositivePrice");
  ensure(Number.isInteger(exponent) && exponent >= MIN_EXPONENT && exponent <= MAX_EXPONENT, "OracleOutOfRange", `exponent ${exponent}`);
  const shift = exponent + PRICE_DECIMALS;
  const scale = 10n ** BigInt(Math.abs(shift));
  let p: bigint;
  let c: bigint;
  if (shift >= 0) {
    p = price * scale;
    c = conf * scale;
  } else {
    p = price / scale; // positive: truncation is floor
    c = conf / scale + (conf % scale !== 0n ? 1n : 0n);
  }
  ensure(p !== 0n && p <= MAX_PRICE, "OracleOutOfRange", `price ${p} at 1e6`);
  ensure(c <= U64_MAX, "OracleOutOfRange", `confidence ${c} at 1e6`);
  return { price: p, conf: c };
}
