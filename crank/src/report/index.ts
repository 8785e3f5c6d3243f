// The crash-replay report, pure: its data shape, an HTML page and a plain-text summary.
export * from "./types";
export { renderHtmlReport } from "./html";
export { summaryTable } from "./table";
export { escapeHtml, fmtNumber, fmtPct, fmtTime, imRatio, priceMoves, textTable } from "./format";
export { barChart, lineChart, linePath, niceTicks, timeTicks } from "./svg";
