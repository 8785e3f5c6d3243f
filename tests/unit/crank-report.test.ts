// The crash-replay report: a self-contained HTML page (no external URL, one SVG per chart, every
// text escaped) and the plain-text summary (every strategy, fixed-width columns).
import { expect } from "chai";
import { ReplayReport, escapeHtml, fmtNumber, linePath, niceTicks, renderHtmlReport, summaryTable } from "../../crank/src/report";

const EVIL = `<script>alert("x")</script>`;

function sampleReport(hours = 48): ReplayReport {
  const t0 = Date.parse("2020-03-11T00:00:00Z") / 1000;
  const series = Array.from({ length: hours }, (_, h) => {
    const crash = h < 24 ? 1 - h * 0.015 : 0.64 + (h - 24) * 0.004;
    return {
      t: t0 + h * 3600,
      prices: { BTC: 7_900 * crash, ETH: 195 * crash * 0.95, SOL: 1.2 * crash * 1.05 },
      totalEquity: 5_000_000 * (0.7 + 0.3 * crash),
      totalMm: 1_200_000 * (2 - crash),
      totalIm: 1_500_000 * (2 - crash),
      accountsBelowMm: h > 18 && h < 28 ? 3 : 0,
      liquidationSteps: h > 18 && h < 28 ? h - 17 : 0,
      insuranceFund: 1_000_000 + (h > 18 ? 2_500 : 0) - (h > 26 ? 40_000 : 0),
    };
  });
  return {
    window: { name: "March 2020 <crash> & recovery", start: "2020-03-11", end: "2020-03-13", source: "Binance 1h (CryptoDataDownload)" },
    markets: ["BTC", "ETH", "SOL"],
    series,
    liquidations: [
      { t: t0 + 19 * 3600, account: "Acc1xyz", strategy: "naked short puts", steps: 3, fee: 1_234.5, bankrupt: false },
      { t: t0 + 26 * 3600, account: "Acc2xyz", strategy: EVIL, steps: 5, fee: 99, bankrupt: true },
    ],
    strategies: [
      { name: "covered calls", accounts: 10, portfolioIm: 120_000, perLegIm: 300_000, liquidated: 0, equityStart: 1_000_000, equityEnd: 900_000 },
      { name: "naked short puts", accounts: 5, portfolioIm: 200_000, perLegIm: 200_000, liquidated: 3, equityStart: 500_000, equityEnd: 120_000 },
      { name: EVIL, accounts: 1, portfolioIm: 0, perLegIm: 0, liquidated: 1, equityStart: 10, equityEnd: -5 },
    ],
    summary: {
      hours,
      liquidationSteps: 45,
      accountsLiquidated: 4,
      bankruptcies: 1,
      insuranceStart: 1_000_000,
      insuranceEnd: 962_500,
      badDebt: 0,
      socializedLoss: 1_234.56,
      volUpdates: 96,
      fundingUpdates: 48,
      settlements: 1,
      crankErrors: 0,
    },
  };
}

describe("crank report: HTML", () => {
  const html = renderHtmlReport(sampleReport());

  it("is self-contained: no external URL in any src or href, no script", () => {
    expect(html).to.match(/^<!DOCTYPE html>/);
    expect(html).not.to.match(/\b(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
    expect(html).not.to.match(/@import|url\(/i);
    expect(html).not.to.match(/<script/i);
    expect(html).not.to.match(/<link\b/i);
  });

  it("has one SVG per chart (prices, equity and margin, liquidations, insurance)", () => {
    expect(html.match(/<svg\b/g)).to.have.length(4);
    expect(html.match(/<\/svg>/g)).to.have.length(4);
    for (const title of ["Prices, start = 100", "Total equity against margin", "Liquidation steps per hour", "Insurance fund"]) expect(html).to.include(title);
    // Liquidation markers on the price chart, bars on their own chart.
    expect(html.match(/class="marker"/g)).to.have.length(9);
    expect(html.match(/<rect /g)).to.have.length(9);
    // Hover text carries the absolute price.
    expect(html).to.include(`BTC 2020-03-11 00:00 UTC: ${fmtNumber(7_900)} (100.0 of 100)`);
  });

  it("escapes every text from the report", () => {
    expect(html).to.include("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(html).to.include("March 2020 &lt;crash&gt; &amp; recovery");
    expect(escapeHtml(`<a href='x'>&`)).to.equal("&lt;a href=&#39;x&#39;&gt;&amp;");
  });

  it("has the summary and strategy tables with the PM / per-leg ratio", () => {
    expect(html).to.include(`<td>covered calls</td><td class="num">10</td><td class="num">120,000.00</td><td class="num">300,000.00</td><td class="num">40.0%</td>`);
    expect(html).to.include(`<td>socialized loss</td><td class="num">1,234.56</td>`);
    expect(html).to.include("How to read this");
  });

  it("renders an empty replay without failing", () => {
    const r = sampleReport(0);
    r.liquidations = [];
    r.strategies = [];
    const out = renderHtmlReport(r);
    expect(out.match(/<svg\b/g)).to.have.length(4);
    expect(out).to.include("no data");
  });

  it("chart helpers: round ticks and broken lines", () => {
    expect(niceTicks(0, 97)).to.deep.equal([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(62.3, 100.4)).to.deep.equal([60, 70, 80, 90, 100, 110]);
    expect(linePath([{ x: 0, y: 1 }, { x: 1, y: NaN }, { x: 2, y: 3 }, { x: 3.04, y: 4 }])).to.equal("M0,1M2,3L3,4");
  });
});

describe("crank report: text summary", () => {
  const r = sampleReport();
  const text = summaryTable(r);

  it("lists every strategy with portfolio IM, per-leg IM and their ratio", () => {
    for (const s of r.strategies) expect(text).to.include(s.name);
    const header = text.split("\n").find((l) => l.startsWith("strategy"))!;
    for (const col of ["portfolio IM", "per-leg IM", "PM/leg"]) expect(header).to.include(col);
    const line = text.split("\n").find((l) => l.startsWith("covered calls"))!;
    expect(line).to.match(/120,000\.00\s+300,000\.00\s+40\.0%/);
  });

  it("has fixed-width columns and the liquidation / insurance / bad-debt block", () => {
    const lines = text.split("\n");
    const start = lines.findIndex((l) => l.startsWith("strategy"));
    const table = lines.slice(start, start + 2 + r.strategies.length);
    expect(new Set(table.map((l) => l.length)).size).to.equal(1);
    for (const label of ["liquidation steps", "accounts liquidated", "bankruptcies", "bad debt", "socialized loss", "vol updates", "errors"]) expect(text).to.include(label);
    expect(text).to.match(/change\s+-37,500\.00/);
    expect(text).to.match(/BTC\s+7,900\.00/);
  });
});
