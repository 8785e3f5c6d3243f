// Number, time and text formatting shared by the HTML and plain-text reports. Done by hand, not
// with Intl, so the output is the same on every machine (and in snapshot tests).
import type { ReplayReport } from "./types";

/** Text safe inside HTML elements and quoted attributes. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** 1234567.891 -> "1,234,567.89" (`decimals` places); "-" for a non-finite value. */
export function fmtNumber(x: number, decimals = 2): string {
  if (!Number.isFinite(x)) return "-";
  const [int, frac] = Math.abs(x).toFixed(decimals).split(".");
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const negative = x < 0 && Number(Math.abs(x).toFixed(decimals)) !== 0;
  return (negative ? "-" : "") + grouped + (frac ? "." + frac : "");
}

/** Money for axes: 1.25M, 350k, 12.5. */
export function fmtCompact(x: number): string {
  if (!Number.isFinite(x)) return "-";
  const a = Math.abs(x);
  const trim = (s: string) => s.replace(/\.0+$/, "").replace(/(\.\d*?)0+$/, "$1");
  if (a >= 1e9) return trim((x / 1e9).toFixed(2)) + "B";
  if (a >= 1e6) return trim((x / 1e6).toFixed(2)) + "M";
  if (a >= 1e4) return trim((x / 1e3).toFixed(1)) + "k";
  if (a >= 100) return trim(x.toFixed(0));
  return trim(x.toFixed(a >= 1 ? 2 : 4));
}

/** A ratio as a percentage: 0.4231 -> "42.3%". */
export function fmtPct(x: number, decimals = 1): string {
  return Number.isFinite(x) ? `${(x * 100).toFixed(decimals)}%` : "-";
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Unix seconds as "2020-03-12 10:00 UTC". */
export function fmtTime(t: number): string {
  if (!Number.isFinite(t)) return "-";
  return new Date(t * 1000).toISOString().slice(0, 16).replace("T", " ") + " UTC";
}

/** A short axis label: "Mar 12" at day steps, "Mar 12 10h" below. */
export function fmtAxisTime(t: number, withHour: boolean): string {
  const d = new Date(t * 1000);
  const day = `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}`;
  return withHour ? `${day} ${String(d.getUTCHours()).padStart(2, "0")}h` : day;
}

/** Portfolio IM over per-leg IM (below 1: what netting saves); NaN when per-leg is 0. */
export function imRatio(s: { portfolioIm: number; perLegIm: number }): number {
  return s.perLegIm > 0 ? s.portfolioIm / s.perLegIm : NaN;
}

/** Each market's first and last price, low and change, from the series. */
export function priceMoves(r: ReplayReport): { market: string; start: number; end: number; low: number; high: number; change: number }[] {
  return r.markets.map((market) => {
    const ps = r.series.map((p) => p.prices[market]).filter((x): x is number => Number.isFinite(x));
    const start = ps.length ? ps[0] : NaN;
    const end = ps.length ? ps[ps.length - 1] : NaN;
    return {
      market,
      start,
      end,
      low: ps.length ? Math.min(...ps) : NaN,
      high: ps.length ? Math.max(...ps) : NaN,
      change: start > 0 ? end / start - 1 : NaN,
    };
  });
}

export type Align = "l" | "r";

/** Fixed-width columns: each as wide as its widest cell, separated by two spaces. */
export function textTable(header: string[], rows: string[][], align: Align[]): string {
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => (r[j] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, j) => (align[j] === "r" ? c.padStart(widths[j]) : c.padEnd(widths[j])))
      .join("  ")
      .trimEnd();
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  return [line(header), rule, ...rows.map(line)].join("\n");
}
