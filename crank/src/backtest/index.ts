// `npm run backtest`: the reference strategies margined by the engine over 2020-2025 prices.
// Options: --data-dir DIR (committed files or the original file set), --stride N (hours between
// hourly starts, default 3), --per-leg-every N (per-leg IM at every N-th start, default 8),
// --symbols BTC,ETH,SOL, --from / --to (ISO, start times), --out DIR (default target/backtest).
// Method and results: docs/backtest.md.
import * as fs from "fs";
import * as path from "path";
import { DEFAULT_DATA_DIR, loadDaily, loadHourly, Underlying, UNDERLYINGS, unix } from "../data/prices";
import { STRATEGIES } from "../strategies";
import { defaultRunConfig, runBacktest, StrategyRun } from "./coverage";
import { DEFAULT_MARKET } from "./market";
import { breachesToCsv, formatTable, Row, rowsToCsv, summarise, TARGET_COVERAGE_1H, TARGET_IM_RATIO } from "./report";
import { DEFAULT_EWMA } from "./vol";

export * from "./coverage";
export * from "./market";
export * from "./marks";
export * from "./report";
export * from "./vol";

export interface BacktestOptions {
  dataDir: string;
  strideHours: number;
  perLegEvery: number;
  symbols: Underlying[];
  from: string;
  to: string;
  outDir: string;
}

const REPO = path.resolve(__dirname, "..", "..", "..");

export function parseArgs(argv: string[]): BacktestOptions {
  const o: BacktestOptions = {
    dataDir: DEFAULT_DATA_DIR, strideHours: 3, perLegEvery: 8, symbols: [...UNDERLYINGS], from: "2020-01-01", to: "2026-01-01",
    outDir: path.join(REPO, "target", "backtest"),
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    const need = (): string => {
      if (value === undefined) throw new Error(`${flag} needs a value`);
      i++;
      return value;
    };
    const positive = (x: string): number => {
      const n = Number(x);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${flag}: expected a positive integer, got ${x}`);
      return n;
    };
    if (flag === "--data-dir") o.dataDir = path.resolve(need());
    else if (flag === "--stride") o.strideHours = positive(need());
    else if (flag === "--per-leg-every") o.perLegEvery = positive(need());
    else if (flag === "--symbols") o.symbols = need().split(",").map((s) => s.trim().toUpperCase() as Underlying);
    else if (flag === "--from") o.from = need();
    else if (flag === "--to") o.to = need();
    else if (flag === "--out") o.outDir = path.resolve(need());
    else throw new Error(`unknown option ${flag} (see crank/src/backtest/index.ts)`);
  }
  for (const s of o.symbols) if (!UNDERLYINGS.includes(s)) throw new Error(`--symbols: ${s} is not one of ${UNDERLYINGS.join(", ")}`);
  return o;
}

export interface BacktestResult { rows: Row[]; hourly: StrategyRun[]; daily: StrategyRun[]; seconds: number }

export function backtest(o: BacktestOptions, log: (line: string) => void = () => {}): BacktestResult {
  const t0 = Date.now();
  const [startFrom, startTo] = [unix(o.from), unix(o.to)];
  const hourly: StrategyRun[] = [];
  const daily: StrategyRun[] = [];
  for (const u of o.symbols) {
    // the files start before `from` (vol warm-up); every start lies in [from, to)
    const h = loadHourly(u, { dataDir: o.dataDir, to: startTo + 86_400 });
    const cfgH = { ...defaultRunConfig(u), stride: o.strideHours, perLegEvery: o.perLegEvery, startFrom, startTo };
    hourly.push(...runBacktest(h, STRATEGIES, cfgH));
    log(`backtest: ${u} hourly, ${h.length} bars, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    const d = loadDaily(u, { dataDir: o.dataDir, to: startTo + 86_400 });
    const cfgD = { ...defaultRunConfig(u), horizons: [86_400], perLegEvery: 1_000_000, startFrom, startTo, ewma: { ...DEFAULT_EWMA, seedReturns: 30 }, warmupSecs: 60 * 86_400 };
    daily.push(...runBacktest(d, STRATEGIES, cfgD));
  }
  const hedged = (name: string) => STRATEGIES.find((s) => s.name === name)?.hedged ?? false;
  const order = (r: StrategyRun) => STRATEGIES.findIndex((s) => s.name === r.strategy) * 10 + o.symbols.indexOf(r.symbol as Underlying);
  const rows = summarise([...hourly].sort((a, b) => order(a) - order(b)), daily, hedged);
  return { rows, hourly, daily, seconds: (Date.now() - t0) / 1000 };
}

export function main(argv: string[]): number {
  const o = parseArgs(argv);
  const r = backtest(o, (l) => console.error(l));
  fs.mkdirSync(o.outDir, { recursive: true });
  fs.writeFileSync(path.join(o.outDir, "backtest.csv"), rowsToCsv(r.rows));
  fs.writeFileSync(path.join(o.outDir, "breaches.csv"), breachesToCsv([{ data: "1h", runs: r.hourly }, { data: "1d", runs: r.daily }]));
  const m = DEFAULT_MARKET;
  console.log(
    [
      `Margin backtest, ${o.from} to ${o.to} (start times), ${o.symbols.join(", ")}; hourly starts every ${o.strideHours} h, daily starts every day.`,
      `Vol: EWMA of log returns, lambda ${DEFAULT_EWMA.lambdaPerDay}/day, floor ${DEFAULT_EWMA.floor * 100}%; smile skew ${m.skew}, basis ${m.basis * 100}%/y; expiries ${m.tenorsDays.join("/")}d from each start.`,
      `Targets: MM covers >= ${TARGET_COVERAGE_1H * 100}% of 1h losses (every strategy); hedged strategies' median IM <= ${TARGET_IM_RATIO * 100}% of per-leg IM.`,
      "",
      ...formatTable(r.rows),
      "",
      `Wrote ${path.relative(process.cwd(), path.join(o.outDir, "backtest.csv"))} and breaches.csv (${r.seconds.toFixed(0)} s).`,
    ].join("\n"),
  );
  const missed = r.rows.filter((x) => !x.meets1h || x.meetsIm === false);
  if (missed.length) console.log(`Targets missed: ${missed.map((x) => `${x.strategy}/${x.underlying}${x.meets1h ? "" : " (1h coverage)"}${x.meetsIm === false ? " (IM ratio)" : ""}`).join("; ")}`);
  return 0;
}
