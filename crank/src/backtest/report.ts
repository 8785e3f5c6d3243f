// Summary rows of backtest runs, checked against the targets, as a text table and CSV.
import { StrategyRun } from "./coverage";

/** Targets (docs/backtest.md): MM covers >= 99.5% of 1-hour losses for every strategy; hedged
 * strategies need at most half the per-leg IM (median). */
export const TARGET_COVERAGE_1H = 0.995;
export const TARGET_IM_RATIO = 0.5;

/** The q-quantile (0..1) of `xs` by linear interpolation between order statistics. */
export function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (pos - lo);
}

export interface Row {
  strategy: string;
  underlying: string;
  hedged: boolean;
  windows1h: number; covered1h: number;
  windows24h: number; covered24h: number;
  windowsDaily: number; coveredDaily: number;
  worst1h: number; worst1hT: number;
  worst24h: number; worst24hT: number;
  imRatioP10: number; imRatioMedian: number; imRatioP90: number;
  mmOverNotional: number; imOverNotional: number;
  meets1h: boolean;
  /** undefined: no IM target for an unhedged strategy */
  meetsIm?: boolean;
}

const stat = (run: StrategyRun | undefined, horizon: number) => run?.horizons.find((h) => h.horizon === horizon);

/** One row per strategy and underlying from the hourly run (1h, 24h) and the daily run (24h). */
export function summarise(hourly: StrategyRun[], daily: StrategyRun[], hedged: (strategy: string) => boolean): Row[] {
  return hourly.map((h) => {
    const d = daily.find((x) => x.strategy === h.strategy && x.symbol === h.symbol);
    const [s1, s24, sd] = [stat(h, 3_600), stat(h, 86_400), stat(d, 86_400)];
    const row: Row = {
      strategy: h.strategy, underlying: h.symbol, hedged: hedged(h.strategy),
      windows1h: s1?.windows ?? 0, covered1h: s1?.covered ?? 0,
      windows24h: s24?.windows ?? 0, covered24h: s24?.covered ?? 0,
      windowsDaily: sd?.windows ?? 0, coveredDaily: sd?.covered ?? 0,
      worst1h: s1?.worstLossOverMm ?? NaN, worst1hT: s1?.worstT ?? 0,
      worst24h: s24?.worstLossOverMm ?? NaN, worst24hT: s24?.worstT ?? 0,
      imRatioP10: quantile(h.imRatios, 0.1), imRatioMedian: quantile(h.imRatios, 0.5), imRatioP90: quantile(h.imRatios, 0.9),
      mmOverNotional: quantile(h.mmOverNotional, 0.5), imOverNotional: quantile(h.imOverNotional, 0.5),
      meets1h: false,
    };
    row.meets1h = row.windows1h > 0 && row.covered1h / row.windows1h >= TARGET_COVERAGE_1H;
    if (row.hedged) row.meetsIm = row.imRatioMedian <= TARGET_IM_RATIO;
    return row;
  });
}

const pct = (n: number, d: number, digits = 2): string => (d ? `${((100 * n) / d).toFixed(digits)}%` : "-");
const day = (t: number): string => new Date(t * 1000).toISOString().slice(0, 13).replace("T", " ") + "h";

/** A markdown table (what docs/backtest.md shows). */
export function formatTable(rows: Row[]): string[] {
  const out = [
    "| strategy | underlying | 1h windows | 1h coverage | 24h windows | 24h coverage | 24h coverage (daily data) | worst 1h loss / MM (start, UTC) | IM / per-leg IM: median [p10, p90] | median MM, IM (% notional) | targets |",
    "|---|---|---:|---:|---:|---:|---:|---|---|---:|---|",
  ];
  for (const r of rows) {
    const targets = [`1h ${r.meets1h ? "ok" : "MISSED"}`, r.meetsIm === undefined ? "IM n/a (unhedged)" : `IM ${r.meetsIm ? "ok" : "MISSED"}`].join(", ");
    out.push(
      `| ${r.strategy} | ${r.underlying} | ${r.windows1h} | ${pct(r.covered1h, r.windows1h)} | ${r.windows24h} | ${pct(r.covered24h, r.windows24h)} | ` +
        `${pct(r.coveredDaily, r.windowsDaily)} (${r.windowsDaily}) | ${r.worst1h.toFixed(2)} (${day(r.worst1hT)}) | ` +
        `${r.imRatioMedian.toFixed(3)} [${r.imRatioP10.toFixed(3)}, ${r.imRatioP90.toFixed(3)}] | ${(100 * r.mmOverNotional).toFixed(1)}, ${(100 * r.imOverNotional).toFixed(1)} | ${targets} |`,
    );
  }
  return out;
}

const CSV_FIELDS: (keyof Row)[] = [
  "strategy", "underlying", "hedged", "windows1h", "covered1h", "windows24h", "covered24h", "windowsDaily", "coveredDaily", "worst1h", "worst1hT",
  "worst24h", "worst24hT", "imRatioP10", "imRatioMedian", "imRatioP90", "mmOverNotional", "imOverNotional", "meets1h", "meetsIm",
];

export function rowsToCsv(rows: Row[]): string {
  const cell = (r: Row, k: keyof Row): string => {
    const v = r[k];
    if (k === "worst1hT" || k === "worst24hT") return new Date((v as number) * 1000).toISOString();
    return v === undefined ? "" : String(v);
  };
  return [CSV_FIELDS.join(","), ...rows.map((r) => CSV_FIELDS.map((k) => cell(r, k)).join(","))].join("\n") + "\n";
}

/** Every window whose loss exceeded the MM held at its start. */
export function breachesToCsv(runs: { data: string; runs: StrategyRun[] }[]): string {
  const lines = ["strategy,underlying,data,start_utc,horizon_h,loss_usd,mm_usd,loss_over_mm,spot,spot_after,move,vol,vol_after"];
  for (const { data, runs: rs } of runs)
    for (const r of rs)
      for (const h of r.horizons)
        for (const b of h.breaches)
          lines.push(
            [r.strategy, r.symbol, data, new Date(b.t * 1000).toISOString(), b.horizon / 3600, b.loss.toFixed(2), b.mm.toFixed(2), (b.loss / b.mm).toFixed(4),
              b.spot, b.spotAfter, (b.spotAfter / b.spot - 1).toFixed(4), b.vol.toFixed(4), b.volAfter.toFixed(4)].join(","),
          );
  return lines.join("\n") + "\n";
}
