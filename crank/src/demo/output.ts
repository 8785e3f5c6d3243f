// What the replay prints while it runs and what it leaves behind: the report's JSON and HTML.
import * as fs from "fs";
import * as path from "path";
import { fmtNumber, renderHtmlReport, ReplayReport } from "../report";
import type { Member } from "./population";

export const usd = (x: number, decimals = 0): string => fmtNumber(x, decimals);
export const quote = (x: bigint): number => Number(x) / 1e6;

/** A price with about four significant digits. */
export function px(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return "-";
  return fmtNumber(x, x >= 1_000 ? 0 : x >= 10 ? 2 : 3);
}

/** One line per strategy and underlying: accounts, funding levels, notional, IM next to per-leg IM. */
export function populationLines(members: Member[]): string[] {
  const groups = new Map<string, Member[]>();
  for (const m of members) {
    const k = `${m.strategy.name} ${m.symbol}`;
    groups.set(k, [...(groups.get(k) ?? []), m]);
  }
  const rows = [...groups.entries()].map(([k, ms]) => {
    const notional = ms.reduce((s, m) => s + m.notional, 0);
    const im = ms.reduce((s, m) => s + quote(m.portfolioIm), 0);
    const perLeg = ms.reduce((s, m) => s + quote(m.perLegIm), 0);
    const levels = ms.map((m) => (m.leverage ? `${m.level}->${m.leverageOpened.toFixed(1)}x` : m.level)).join(" ");
    return [k, String(ms.length), usd(notional), usd(im), usd(perLeg), levels];
  });
  const head = ["strategy", "n", "notional", "IM", "per-leg IM", "funding levels (levered longs: asked -> opened)"];
  const w = head.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const line = (r: string[]) => r.map((c, j) => (j >= 1 && j <= 4 ? c.padStart(w[j]) : c.padEnd(w[j]))).join("  ").trimEnd();
  return [line(head), ...rows.map(line)];
}

export function writeReport(report: ReplayReport, outDir: string): { html: string; json: string } {
  fs.mkdirSync(outDir, { recursive: true });
  const html = path.join(outDir, `report-${report.window.name}.html`);
  const json = path.join(outDir, `report-${report.window.name}.json`);
  fs.writeFileSync(html, renderHtmlReport(report));
  fs.writeFileSync(json, JSON.stringify(report, null, 2) + "\n");
  return { html, json };
}
