// Historical prices for the backtest and the crash-replay demo, read from CSV files (plain or
// gzip) in `data/market/` of this repository.
//
// Every series is described once here: the committed (derived) file, and the original files it was
// cut from, as time segments. `loadHourly` / `loadDaily` / `loadWindow` read the committed file when
// the data directory has it, otherwise they stitch the segments from the original files; so
// `--data-dir` may point at this repository's `data/market/` or at a folder holding the full
// original file set (names as in data/market/SOURCES.md), with the same result over the same range.
//
// Times are unix seconds at the bar's open (UTC). Ranges are [from, to): `from` inclusive, `to`
// exclusive. Gaps (exchange outages) are simply missing rows: nothing is filled or interpolated, so
// a caller that needs the bar exactly h seconds later must look it up and skip the window when it
// is absent.
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";

export type Underlying = "BTC" | "ETH" | "SOL";
export const UNDERLYINGS: Underlying[] = ["BTC", "ETH", "SOL"];

export interface Bar {
  /** Bar open time, unix seconds (UTC). */
  t: number;
  close: number;
  high?: number;
  low?: number;
}

/** A time range of one original file that a series takes its rows from. */
export interface Segment {
  /** Original file name (see data/market/SOURCES.md). */
  file: string;
  /** [from, to), unix seconds. */
  from: number;
  to: number;
  /** What the prices are (exchange, spot or perpetual). */
  venue: string;
}

export interface Series {
  /** The committed file in data/market/ holding exactly the segments' rows. */
  file: string;
  segments: Segment[];
}

/** Unix seconds of an ISO-8601 time (a date alone is UTC midnight). */
export const unix = (iso: string): number => {
  const ms = Date.parse(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
  if (Number.isNaN(ms)) throw new Error(`not an ISO-8601 time: ${iso}`);
  return ms / 1000;
};
const iso = (t: number): string => new Date(t * 1000).toISOString().replace(".000Z", "Z");

const BINANCE_SPOT = (pair: string) => `Binance spot ${pair}`;
const BINANCE_PERP = (pair: string) => `Binance USDT-M perpetual ${pair} (perp, not spot)`;
const CRYPTOCOMPARE = (pair: string) => `CryptoCompare CCCAGG ${pair} (cross-exchange aggregate)`;
const seg = (file: string, from: string, to: string, venue: string): Segment => ({ file, from: unix(from), to: unix(to), venue });

/** First bar the committed series hold (a warm-up for the vol estimate before 2020) and the end. */
export const HOURLY_FROM = "2019-12-01";
export const DAILY_FROM = "2019-10-01";
export const SERIES_TO = "2026-01-01";

/**
 * Hourly closes, 2020-2025 (+ warm-up), one venue at a time: Binance spot where the repository has
 * it, then the Binance perpetual (ETH, SOL in 2021, where no spot file exists) and CryptoCompare.
 */
export const HOURLY: Record<Underlying, Series> = {
  BTC: {
    file: "btc_close_1h_2020_2025.csv.gz",
    segments: [
      seg("btc_usdt_1h_binance_2017_2021.csv", HOURLY_FROM, "2020-10-07T18:00:00Z", BINANCE_SPOT("BTC/USDT")),
      seg("btc_usdt_1h_binance_2020_2025.csv", "2020-10-07T18:00:00Z", "2025-10-06T18:00:00Z", BINANCE_SPOT("BTC/USDT")),
      seg("btc_usd_1h_cryptocompare_2022_2026.csv", "2025-10-06T18:00:00Z", SERIES_TO, CRYPTOCOMPARE("BTC/USD")),
    ],
  },
  ETH: {
    file: "eth_close_1h_2020_2025.csv.gz",
    segments: [
      seg("eth_usdt_1h_binance_2017_2021.csv", HOURLY_FROM, "2021-06-10T01:00:00Z", BINANCE_SPOT("ETH/USDT")),
      seg("eth_usdt_perp_1h_binance_futures_2020_2024.csv", "2021-06-10T01:00:00Z", "2022-01-01", BINANCE_PERP("ETHUSDT")),
      seg("eth_usd_1h_cryptocompare_2022_2026.csv", "2022-01-01", SERIES_TO, CRYPTOCOMPARE("ETH/USD")),
    ],
  },
  SOL: {
    file: "sol_close_1h_2020_2025.csv.gz",
    segments: [
      seg("sol_usdt_perp_1h_binance_futures_2020_2024.csv", "2020-10-23T08:00:00Z", "2022-01-01", BINANCE_PERP("SOLUSDT")),
      seg("sol_usd_1h_cryptocompare_2022_2026.csv", "2022-01-01", SERIES_TO, CRYPTOCOMPARE("SOL/USD")),
    ],
  },
};

/** Daily closes (UTC days), Binance spot. SOL starts at its listing, 2020-08-11. */
export const DAILY: Record<Underlying, Series> = {
  BTC: { file: "btc_close_1d_2020_2025.csv.gz", segments: [seg("btc_usdt_daily_binance.csv", DAILY_FROM, SERIES_TO, BINANCE_SPOT("BTC/USDT"))] },
  ETH: { file: "eth_close_1d_2020_2025.csv.gz", segments: [seg("eth_usdt_daily_binance.csv", DAILY_FROM, SERIES_TO, BINANCE_SPOT("ETH/USDT"))] },
  SOL: { file: "sol_close_1d_2020_2025.csv.gz", segments: [seg("sol_usdt_daily_binance.csv", "2020-08-11", SERIES_TO, BINANCE_SPOT("SOL/USDT"))] },
};

export type WindowName = "mar2020" | "may2021" | "nov2022";

export interface CrashWindow {
  name: WindowName;
  description: string;
  /** The crash window itself, [from, to). */
  from: number;
  to: number;
  /** Start of the committed data: two weeks before `from`, to warm up a vol estimate. */
  warmupFrom: number;
  /** Hourly high/low/close per underlying (SOL has no hourly data in March 2020). */
  series: Partial<Record<Underlying, Series>>;
}

function crash(name: WindowName, description: string, from: string, toInclusiveDay: string, files: Partial<Record<Underlying, [string, string]>>): CrashWindow {
  const f = unix(from);
  const to = unix(toInclusiveDay) + 86_400;
  const warmupFrom = f - 14 * 86_400;
  const series: Partial<Record<Underlying, Series>> = {};
  for (const [u, [original, venue]] of Object.entries(files) as [Underlying, [string, string]][]) {
    const derived = `${name}_${original.replace(/_20\d\d_20\d\d\.csv$/, ".csv")}`;
    series[u] = { file: derived, segments: [{ file: original, from: warmupFrom, to, venue }] };
  }
  return { name, description, from: f, to, warmupFrom, series };
}

export const windows: Record<WindowName, CrashWindow> = {
  mar2020: crash("mar2020", "COVID crash: BTC -39% on 12 March 2020 (BTC and ETH only: no hourly SOL data exists then)", "2020-03-05", "2020-03-20", {
    BTC: ["btc_usdt_1h_binance_2017_2021.csv", BINANCE_SPOT("BTC/USDT")],
    ETH: ["eth_usdt_1h_binance_2017_2021.csv", BINANCE_SPOT("ETH/USDT")],
  }),
  may2021: crash("may2021", "China mining ban / leverage flush: 19 May 2021", "2021-05-10", "2021-05-26", {
    BTC: ["btc_usdt_1h_binance_2017_2021.csv", BINANCE_SPOT("BTC/USDT")],
    ETH: ["eth_usdt_1h_binance_2017_2021.csv", BINANCE_SPOT("ETH/USDT")],
    SOL: ["sol_usdt_perp_1h_binance_futures_2020_2024.csv", BINANCE_PERP("SOLUSDT")],
  }),
  nov2022: crash("nov2022", "FTX collapse: 8-10 November 2022 (SOL -60%)", "2022-11-04", "2022-11-16", {
    BTC: ["btc_usd_1h_cryptocompare_2022_2026.csv", CRYPTOCOMPARE("BTC/USD")],
    ETH: ["eth_usd_1h_cryptocompare_2022_2026.csv", CRYPTOCOMPARE("ETH/USD")],
    SOL: ["sol_usd_1h_cryptocompare_2022_2026.csv", CRYPTOCOMPARE("SOL/USD")],
  }),
};

/** `<repo>/data/market`. */
export const DEFAULT_DATA_DIR = path.resolve(__dirname, "..", "..", "..", "data", "market");

export type TimeLike = number | string | Date;
export interface LoadOptions {
  /** Inclusive start (unix seconds, ISO string or Date). Default: the series' first bar. */
  from?: TimeLike;
  /** Exclusive end. Default: after the series' last bar. */
  to?: TimeLike;
  /** Folder with the committed files or the original file set. Default `<repo>/data/market`. */
  dataDir?: string;
  /** Read the original files even where the committed file is present (rebuilding it). */
  originals?: boolean;
}

const toUnix = (x: TimeLike): number => (typeof x === "number" ? x : typeof x === "string" ? unix(x) : x.getTime() / 1000);

const parsed = new Map<string, Bar[]>();

/**
 * Rows of a price CSV (plain, or gzip when the name ends in .gz), ascending in time. The time column
 * is `timestamp_utc` (ISO-8601) or `date` (a UTC day); `close` is required, `high` / `low` are read
 * when present. Parsed files are kept in memory (they are read-only inputs).
 */
export function readBars(file: string): Bar[] {
  const have = parsed.get(file);
  if (have) return have;
  const raw = fs.readFileSync(file);
  const text = (file.endsWith(".gz") ? zlib.gunzipSync(raw) : raw).toString("utf8");
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  const header = lines[0].split(",");
  const col = (name: string): number => header.indexOf(name);
  const ct = col("timestamp_utc") >= 0 ? col("timestamp_utc") : col("date");
  const [cc, ch, cl] = [col("close"), col("high"), col("low")];
  if (ct < 0 || cc < 0) throw new Error(`${file}: expected a timestamp_utc or date column and a close column`);
  const bars: Bar[] = [];
  for (let i = 1; i < lines.length; i++) {
    const c = lines[i].split(",");
    const close = Number(c[cc]);
    if (!(close > 0)) throw new Error(`${file}:${i + 1}: bad close ${JSON.stringify(c[cc])}`);
    const bar: Bar = { t: unix(c[ct]), close };
    if (ch >= 0) bar.high = Number(c[ch]);
    if (cl >= 0) bar.low = Number(c[cl]);
    if (bars.length && bar.t <= bars[bars.length - 1].t) throw new Error(`${file}:${i + 1}: time not ascending`);
    bars.push(bar);
  }
  parsed.set(file, bars);
  return bars;
}

/** A series' bars in [from, to): its committed file if present in `dataDir`, else its segments' originals. */
export function loadSeries(series: Series, opts: LoadOptions = {}): Bar[] {
  const dir = opts.dataDir ?? DEFAULT_DATA_DIR;
  const from = opts.from === undefined ? -Infinity : toUnix(opts.from);
  const to = opts.to === undefined ? Infinity : toUnix(opts.to);
  const inRange = (b: Bar) => b.t >= from && b.t < to;
  const committed = path.join(dir, series.file);
  if (!opts.originals && fs.existsSync(committed)) return readBars(committed).filter(inRange);
  const missing = series.segments.map((s) => s.file).filter((f) => !fs.existsSync(path.join(dir, f)));
  if (missing.length) throw new Error(`price data: neither ${series.file} nor the original ${missing.join(", ")} in ${dir}`);
  const out: Bar[] = [];
  for (const s of series.segments) {
    if (s.to <= from || s.from >= to) continue;
    for (const b of readBars(path.join(dir, s.file))) if (b.t >= s.from && b.t < s.to && inRange(b)) out.push(b);
  }
  return out;
}

/** Hourly bars (close only in the committed files), 2019-12 (warm-up) to 2025; SOL from 2020-10-23. */
export const loadHourly = (u: Underlying, opts: LoadOptions = {}): Bar[] => loadSeries(HOURLY[u], opts);
/** Daily bars (close only in the committed files), 2019-10 (warm-up) to 2025; SOL from 2020-08-11. */
export const loadDaily = (u: Underlying, opts: LoadOptions = {}): Bar[] => loadSeries(DAILY[u], opts);

/** Hourly high/low/close of a crash window, from its warm-up start to its end unless `from`/`to` say otherwise. */
export function loadWindow(name: WindowName, u: Underlying, opts: LoadOptions = {}): Bar[] {
  const w = windows[name];
  const series = w.series[u];
  if (!series) throw new Error(`crash window ${name} has no ${u} data (${w.description})`);
  return loadSeries(series, { from: w.warmupFrom, to: w.to, ...opts });
}

/** Bars as CSV text (the committed files' format): `timestamp_utc,close` or with high/low. */
export function barsToCsv(bars: Bar[], withHighLow: boolean, daily = false): string {
  const time = (t: number) => (daily ? iso(t).slice(0, 10) : iso(t));
  const head = `${daily ? "date" : "timestamp_utc"},${withHighLow ? "high,low,close" : "close"}`;
  const rows = bars.map((b) => (withHighLow ? `${time(b.t)},${b.high},${b.low},${b.close}` : `${time(b.t)},${b.close}`));
  return [head, ...rows].join("\n") + "\n";
}
