// The plain-text summary printed at the end of the crash-replay demo.
import { fmtNumber, fmtPct, imRatio, priceMoves, textTable } from "./format";
import type { ReplayReport } from "./types";

/** Label/value lines with the values right-aligned in one column. */
function block(title: string, rows: [string, string][]): string {
  const lw = Math.max(...rows.map(([l]) => l.length));
  const vw = Math.max(...rows.map(([, v]) => v.length));
  return [title, ...rows.map(([l, v]) => `  ${l.padEnd(lw)}  ${v.padStart(vw)}`)].join("\n");
}

export function summaryTable(r: ReplayReport): string {
  const s = r.summary;
  const usd = (x: number) => fmtNumber(x, 2);
  const int = (x: number) => fmtNumber(x, 0);
  const title = `Crash replay: ${r.window.name} (${r.window.start} -> ${r.window.end}; ${r.window.source})`;

  const markets = textTable(
    ["market", "start", "low", "high", "end", "change"],
    priceMoves(r).map((m) => [m.market, fmtNumber(m.start), fmtNumber(m.low), fmtNumber(m.high), fmtNumber(m.end), fmtPct(m.change)]),
    ["l", "r", "r", "r", "r", "r"],
  );

  const risk = block("Liquidations", [
    ["hours replayed", int(s.hours)],
    ["liquidation steps", int(s.liquidationSteps)],
    ["accounts liquidated", int(s.accountsLiquidated)],
    ["bankruptcies", int(s.bankruptcies)],
  ]);
  const insurance = block("Insurance fund (USDC)", [
    ["start", usd(s.insuranceStart)],
    ["end", usd(s.insuranceEnd)],
    ["change", usd(s.insuranceEnd - s.insuranceStart)],
    ["bad debt", usd(s.badDebt)],
    ["socialized loss", usd(s.socializedLoss)],
  ]);
  const crank = block("Crank", [
    ["vol updates", int(s.volUpdates)],
    ["funding updates", int(s.fundingUpdates)],
    ["settlements", int(s.settlements)],
    ["errors", int(s.crankErrors)],
  ]);

  const strategies = textTable(
    ["strategy", "accounts", "portfolio IM", "per-leg IM", "PM/leg", "liquidated", "equity start", "equity end", "change"],
    r.strategies.map((st) => [
      st.name,
      int(st.accounts),
      usd(st.portfolioIm),
      usd(st.perLegIm),
      fmtPct(imRatio(st)),
      int(st.liquidated),
      usd(st.equityStart),
      usd(st.equityEnd),
      st.equityStart !== 0 ? fmtPct(st.equityEnd / st.equityStart - 1) : "-",
    ]),
    ["l", "r", "r", "r", "r", "r", "r", "r", "r"],
  );

  return [
    title,
    "",
    markets,
    "",
    risk,
    "",
    insurance,
    "",
    crank,
    "",
    "Strategies (IM at the start; PM/leg = portfolio IM / sum of each leg margined alone)",
    strategies,
    "",
  ].join("\n");
}
