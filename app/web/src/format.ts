// Display of the SDK's integers: quote amounts (USDC 1e-6), prices and sizes (1e6), percentages.
import { formatQuoteAmount, formatUiAmount } from "@portfolio-margin/sdk";

/** Quote units as USD with cents: 12,345.67 (rounded toward zero to the cent). */
export function usd(x: bigint): string {
  return formatQuoteAmount((x / 10_000n) * 10_000n, { grouping: true, minDecimals: 2 });
}

/** A 1e6-scaled size or price, as few decimals as needed. */
export function units6(x: bigint): string {
  return formatUiAmount(x, 6, { grouping: true, minDecimals: 0 });
}

export function pct(x: number, digits = 2): string {
  if (!Number.isFinite(x)) return "-";
  return `${x > 0 ? "+" : ""}${x.toFixed(digits)}%`;
}

export function shortKey(k: { toBase58(): string } | string): string {
  const s = typeof k === "string" ? k : k.toBase58();
  return `${s.slice(0, 4)}…${s.slice(-4)}`;
}

export function isoDay(unix: bigint): string {
  return new Date(Number(unix) * 1000).toISOString().slice(0, 10);
}
