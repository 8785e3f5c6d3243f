// Bit-exact mirror of crates/risk-engine/src/wide.rs (bigint). Same rounding in every function:
// floor = toward -inf (BigInt >> and floorDiv), trunc = toward zero (BigInt /).

/** An engine error: `code` is the Rust `Error` variant; `param` names the parameter of a
 * `ParamOutOfBounds` / `GlobalParamOutOfBounds`. */
export class RiskError extends Error {
  constructor(public readonly code: string, public readonly param?: string, detail?: string) {
    super(`risk engine error: ${code}${param ? ` (${param})` : ""}${detail ? `: ${detail}` : ""}`);
  }
  /** The error as the golden vectors spell it (the Rust variant, with the parameter's name). */
  get vectorCode(): string {
    return this.param ? `${this.code}(${this.param})` : this.code;
  }
}

export const FRAC = 48n;
export const ONE = 1n << FRAC;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;
const I128_MIN = -(1n << 127n);
const I128_MAX = (1n << 127n) - 1n;

export function narrow(x: bigint): bigint {
  if (x > I64_MAX || x < I64_MIN) throw new RiskError("Overflow");
  return x;
}
function w(x: bigint): bigint {
  if (x > I128_MAX || x < I128_MIN) throw new RiskError("Overflow");
  return x;
}
/** floor(a / b) for b > 0 */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}
export const wmul = (a: bigint, b: bigint): bigint => a * b;
export const wadd = (a: bigint, b: bigint): bigint => w(a + b);
export const mul = (a: bigint, b: bigint): bigint => narrow((a * b) >> FRAC);
export const mulCeil = (a: bigint, b: bigint): bigint => narrow(-((-(a * b)) >> FRAC));
export function div(a: bigint, b: bigint): bigint {
  if (b === 0n) throw new RiskError("DivByZero");
  return narrow((a << FRAC) / b);
}
export function divClamp(a: bigint, b: bigint, lim: bigint): bigint {
  if (b === 0n) throw new RiskError("DivByZero");
  const q = (a << FRAC) / b;
  return q > lim ? lim : q < -lim ? -lim : q;
}
export function mulDivFloor(a: bigint, b: bigint, c: bigint): bigint {
  if (c <= 0n) throw new RiskError("DivByZero");
  return narrow(floorDiv(a * b, c));
}
export function mulDivCeil(a: bigint, b: bigint, c: bigint): bigint {
  if (c <= 0n) throw new RiskError("DivByZero");
  return narrow(-floorDiv(-(a * b), c));
}
export const shrFloor = (x: bigint, s: bigint): bigint => narrow(x >> s);
export const shrCeil = (x: bigint, s: bigint): bigint => narrow(-((-x) >> s));
export function wdivFloor(x: bigint, d: bigint): bigint {
  if (d <= 0n) throw new RiskError("DivByZero");
  return narrow(floorDiv(x, d));
}
export function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}
export function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  const bits = bitLength(n);
  let x = 1n << BigInt(Math.floor((bits + 1) / 2));
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}
export function sqrtQ(x: bigint): bigint {
  if (x < 0n) throw new RiskError("Domain");
  return narrow(isqrt(x << FRAC));
}
export function wmulQ(x: bigint, q: bigint): bigint {
  const hi = x >> FRAC;
  const lo = x - (hi << FRAC);
  return w(w(hi * q) + ((lo * q) >> FRAC));
}
export const wmulW = (a: bigint, b: bigint): bigint => w(a * b);
export function wdivW(a: bigint, b: bigint): bigint {
  if (b === 0n) throw new RiskError("DivByZero");
  return w(a / b);
}
