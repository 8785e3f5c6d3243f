// The crash-replay report as one self-contained HTML file: inline CSS and SVG, no script, no
// external fonts or links, so it opens offline and from an e-mail attachment alike.
import { escapeHtml as esc, fmtNumber, fmtPct, fmtTime, imRatio, priceMoves } from "./format";
import { ChartMarker, LineSeries, barChart, lineChart } from "./svg";
import type { ReplayReport } from "./types";

const PALETTE = ["#f7931a", "#627eea", "#14b8a6", "#a855f7", "#ef4444", "#64748b", "#84cc16", "#0ea5e9"];
const LIQ_COLOR = "#dc2626";

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2937;margin:24px auto;max-width:960px;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.meta{color:#6b7280;margin:0 0 16px}
table{border-collapse:collapse;margin:8px 0;font-size:13px}
th,td{padding:3px 8px;border-bottom:1px solid #e5e7eb;text-align:left;white-space:nowrap}
.num{text-align:right}
th{font-weight:600;background:#f9fafb}
.bad{color:#b91c1c;font-weight:600}
svg.chart{display:block;max-width:100%;height:auto;margin:8px 0 4px;background:#fff}
svg .title{font-size:13px;font-weight:600;fill:#111827}
svg .unit{font-weight:400;fill:#6b7280}
svg .tick,svg .legend{font-size:11px;fill:#4b5563}
svg .grid{stroke:#eef0f3}
svg .axis{stroke:#9ca3af}
svg .hover{fill:transparent;stroke:none}
svg .hover:hover{fill:#111827}
svg .marker{fill:${LIQ_COLOR}}
.note{color:#4b5563}
`;

/** A table; columns after the first `textCols` are numbers (right-aligned). */
function table(header: string[], rows: string[][], opts: { textCols?: number; rowClass?: (i: number) => string } = {}): string {
  const textCols = opts.textCols ?? 1;
  const cls = (j: number) => (j >= textCols ? ' class="num"' : "");
  const th = header.map((h, j) => `<th${cls(j)}>${esc(h)}</th>`).join("");
  const trs = rows.map((r, i) => {
    const rc = opts.rowClass?.(i);
    return `<tr${rc ? ` class="${rc}"` : ""}>${r.map((c, j) => `<td${cls(j)}>${esc(c)}</td>`).join("")}</tr>`;
  });
  return `<table><thead><tr>${th}</tr></thead><tbody>${trs.join("")}</tbody></table>`;
}

function priceChart(r: ReplayReport): string {
  const series: LineSeries[] = r.markets.map((m, i) => {
    const base = r.series.map((p) => p.prices[m]).find((x) => Number.isFinite(x) && x > 0);
    return {
      name: m,
      color: PALETTE[i % PALETTE.length],
      points: r.series.map((p) => {
        const px = p.prices[m];
        const y = base !== undefined && Number.isFinite(px) ? (px / base) * 100 : NaN;
        return { t: p.t, y, label: `${m} ${fmtTime(p.t)}: ${fmtNumber(px)} (${fmtNumber(y, 1)} of 100)` };
      }),
    };
  });
  const markers: ChartMarker[] = r.series
    .filter((p) => p.liquidationSteps > 0)
    .map((p) => ({ t: p.t, label: `${fmtTime(p.t)}: ${p.liquidationSteps} liquidation step(s), ${p.accountsBelowMm} account(s) below MM` }));
  return lineChart({ title: "Prices, start = 100", yFormat: (y) => fmtNumber(y, 0), series, markers });
}

function marginChart(r: ReplayReport): string {
  const line = (name: string, color: string, pick: (p: ReplayReport["series"][number]) => number, dashed = false): LineSeries => ({
    name,
    color,
    dashed,
    points: r.series.map((p) => ({ t: p.t, y: pick(p), label: `${name} ${fmtTime(p.t)}: ${fmtNumber(pick(p))} USDC` })),
  });
  return lineChart({
    title: "Total equity against margin",
    unit: "USDC",
    includeZero: true,
    series: [line("equity", "#111827", (p) => p.totalEquity), line("IM", "#2563eb", (p) => p.totalIm, true), line("MM", LIQ_COLOR, (p) => p.totalMm)],
  });
}

function liquidationChart(r: ReplayReport): string {
  return barChart({
    title: "Liquidation steps per hour",
    color: LIQ_COLOR,
    yFormat: (y) => fmtNumber(y, 0),
    bars: r.series.map((p) => ({
      t: p.t,
      y: p.liquidationSteps,
      label: `${fmtTime(p.t)}: ${p.liquidationSteps} step(s), ${p.accountsBelowMm} account(s) below MM`,
    })),
  });
}

function insuranceChart(r: ReplayReport): string {
  return lineChart({
    title: "Insurance fund",
    unit: "USDC",
    height: 200,
    series: [
      {
        name: "insurance fund",
        color: "#059669",
        points: r.series.map((p) => ({ t: p.t, y: p.insuranceFund, label: `${fmtTime(p.t)}: ${fmtNumber(p.insuranceFund)} USDC` })),
      },
    ],
  });
}

function summarySection(r: ReplayReport): string {
  const s = r.summary;
  const int = (x: number) => fmtNumber(x, 0);
  const rows: [string, string, boolean][] = [
    ["hours replayed", int(s.hours), false],
    ["liquidation steps", int(s.liquidationSteps), false],
    ["accounts liquidated", int(s.accountsLiquidated), false],
    ["bankruptcies", int(s.bankruptcies), s.bankruptcies > 0],
    ["insurance fund at start", fmtNumber(s.insuranceStart), false],
    ["insurance fund at end", fmtNumber(s.insuranceEnd), false],
    ["insurance fund change", fmtNumber(s.insuranceEnd - s.insuranceStart), false],
    ["bad debt", fmtNumber(s.badDebt), s.badDebt > 0],
    ["socialized loss", fmtNumber(s.socializedLoss), s.socializedLoss > 0],
    ["vol updates", int(s.volUpdates), false],
    ["funding updates", int(s.fundingUpdates), false],
    ["settlements", int(s.settlements), false],
    ["crank errors", int(s.crankErrors), s.crankErrors > 0],
  ];
  const markets = table(
    ["market", "start", "low", "high", "end", "change"],
    priceMoves(r).map((m) => [m.market, fmtNumber(m.start), fmtNumber(m.low), fmtNumber(m.high), fmtNumber(m.end), fmtPct(m.change)]),
  );
  return (
    `<h2>Summary</h2>${markets}` +
    table(["", "value"], rows.map(([k, v]) => [k, v]), { rowClass: (i) => (rows[i][2] ? "bad" : "") })
  );
}

function strategySection(r: ReplayReport): string {
  const rows = r.strategies.map((s) => [
    s.name,
    fmtNumber(s.accounts, 0),
    fmtNumber(s.portfolioIm),
    fmtNumber(s.perLegIm),
    fmtPct(imRatio(s)),
    fmtNumber(s.liquidated, 0),
    fmtNumber(s.equityStart),
    fmtNumber(s.equityEnd),
    s.equityStart !== 0 ? fmtPct(s.equityEnd / s.equityStart - 1) : "-",
  ]);
  return (
    `<h2>Strategies</h2>` +
    table(["strategy", "accounts", "portfolio IM", "per-leg IM", "PM / leg", "liquidated", "equity start", "equity end", "change"], rows)
  );
}

/** The first liquidations (a long crash can have thousands; the chart shows them all). */
function liquidationSection(r: ReplayReport, limit = 100): string {
  if (r.liquidations.length === 0) return `<h2>Liquidations</h2><p class="note">None.</p>`;
  const rows = r.liquidations
    .slice(0, limit)
    .map((l) => [fmtTime(l.t), l.account, l.strategy, fmtNumber(l.steps, 0), fmtNumber(l.fee), l.bankrupt ? "yes" : ""]);
  const more = r.liquidations.length > limit ? `<p class="note">… and ${r.liquidations.length - limit} more.</p>` : "";
  return (
    `<h2>Liquidations</h2>` +
    table(["time", "account", "strategy", "steps", "fee (USDC)", "bankrupt"], rows, { textCols: 3, rowClass: (i) => (r.liquidations[i].bankrupt ? "bad" : "") }) +
    more
  );
}

const HOW_TO_READ = `
<h2>How to read this</h2>
<ul class="note">
<li><b>Prices</b> are rebased to 100 at the start of the window so markets of different size share one axis; hover a point for the absolute price. Red triangles on the time axis mark hours with liquidations.</li>
<li><b>Equity against margin</b>: while total equity stays above the maintenance margin (MM) the system as a whole is solvent; individual accounts below their own MM are liquidated step by step, which is what the bars count. IM (dashed) is what opening new risk requires.</li>
<li><b>Insurance fund</b> rises with its share of liquidation fees and falls when it pays a bankrupt account's deficit. Bad debt and socialized loss are what it could not cover.</li>
<li><b>Strategies</b>: portfolio IM is what the clearinghouse charges each account as a whole at the start; per-leg IM is the sum of margining every position on its own. PM / leg below 100% is the saving from netting hedged legs; the equity columns show how the strategy fared in the crash.</li>
</ul>`;

export function renderHtmlReport(r: ReplayReport): string {
  const w = r.window;
  const title = `Crash replay: ${w.name}`;
  const body = [
    `<h1>${esc(title)}</h1>`,
    `<p class="meta">${esc(w.start)} → ${esc(w.end)} · ${esc(r.markets.join(", "))} · source: ${esc(w.source)}</p>`,
    summarySection(r),
    `<h2>Charts</h2>`,
    priceChart(r),
    marginChart(r),
    liquidationChart(r),
    insuranceChart(r),
    strategySection(r),
    liquidationSection(r),
    HOW_TO_READ,
    `<p class="note">Money in USDC; ${esc(fmtNumber(r.series.length, 0))} points. Axes abbreviate (1.25M = 1,250,000).</p>`,
  ];
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body.join("\n")}
</body>
</html>
`;
}
