// Quote amounts: decimal strings <-> native integer units. Exact; no floating point touches money.
import BN from "bn.js";
import { QUOTE_DECIMALS, U64_MAX } from "./constants";

export type AmountLike = bigint | BN | number | string;

const DECIMAL_RE = /^(\d*)(?:\.(\d*))?$/;

/**
 * Parses a UI amount ("250", "0.5", "1,000.25", "1_000") into native units at `decimals`.
 * Throws on negative values, more fractional digits than `decimals` (no silent rounding),
 * and values above u64::MAX.
 */
export function parseUiAmount(ui: string, decimals: number = QUOTE_DECIMALS): bigint {
  const s = ui.trim().replace(/[,_]/g, "");
  const m = DECIMAL_RE.exec(s);
  if (!m || (m[1] === "" && !m[2])) {
    throw new RangeError(`invalid amount "${ui}": expected a non-negative decimal number like 250 or 0.5`);
  }
  const whole = m[1] || "0";
  const frac = m[2] ?? "";
  if (frac.length > decimals) {
    throw new RangeError(`invalid amount "${ui}": at most ${decimals} decimal places`);
  }
  const native = BigInt(whole) * 10n ** BigInt(decimals) + BigInt((frac + "0".repeat(decimals)).slice(0, decimals) || "0");
  if (native > U64_MAX) throw new RangeError(`invalid amount "${ui}": exceeds u64::MAX native units`);
  return native;
}

/** `parseUiAmount` for the quote currency (6 decimals). */
export function parseQuoteAmount(ui: string): bigint {
  return parseUiAmount(ui, QUOTE_DECIMALS);
}

export interface FormatOptions {
  /** Keep at least this many fractional digits (default 2); trailing zeros beyond are trimmed. */
  minDecimals?: number;
  /** Group the integer part with commas (default false). */
  grouping?: boolean;
}

/** Formats native units as a decimal string, exactly (e.g. 250_500_000n -> "250.50"). */
export function formatUiAmount(native: AmountLike, decimals: number = QUOTE_DECIMALS, opts: FormatOptions = {}): string {
  const n = toBigInt(native);
  const neg = n < 0n;
  const abs = neg ? -n : n;
  const scale = 10n ** BigInt(decimals);
  let whole = (abs / scale).toString();
  let frac = (abs % scale).toString().padStart(decimals, "0");
  const minDecimals = Math.min(opts.minDecimals ?? 2, decimals);
  while (frac.length > minDecimals && frac.endsWith("0")) frac = frac.slice(0, -1);
  if (opts.grouping) whole = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return (neg ? "-" : "") + whole + (frac.length ? "." + frac : "");
}

/** `formatUiAmount` for the quote currency (6 decimals). */
export function formatQuoteAmount(native: AmountLike, opts?: FormatOptions): string {
  return formatUiAmount(native, QUOTE_DECIMALS, opts);
}

/** Any integer representation -> bigint. Numbers must be safe integers; strings must be integers. */
export function toBigInt(v: AmountLike): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "number") {
    if (!Number.isSafeInteger(v)) throw new RangeError(`${v} is not a safe integer`);
    return BigInt(v);
  }
  if (typeof v === "string") {
    if (!/^-?\d+$/.test(v.trim())) throw new RangeError(`"${v}" is not an integer`);
    return BigInt(v.trim());
  }
  if (BN.isBN(v)) return BigInt(v.toString(10));
  throw new TypeError(`cannot convert ${String(v)} to bigint`);
}

/** Any integer representation -> BN (what Anchor's coder expects for u64/i64). */
export function toBN(v: AmountLike): BN {
  return BN.isBN(v) ? (v as BN) : new BN(toBigInt(v).toString(10));
}

/** Checks that a native amount fits a u64 and returns it as BN. */
export function toU64(v: AmountLike): BN {
  const n = toBigInt(v);
  if (n < 0n || n > U64_MAX) throw new RangeError(`${n} does not fit in a u64`);
  return new BN(n.toString(10));
}
