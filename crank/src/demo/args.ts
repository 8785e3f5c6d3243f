// The crash-replay demo's options and their command-line flags (`npm run demo -- --help`).
import * as path from "path";
import { DEFAULT_DATA_DIR, unix, WindowName, windows } from "../data/prices";

export interface DemoOptions {
  window: WindowName;
  /** Folder with the committed price files (or the original file set). */
  dataDir: string;
  /** Replay start, unix seconds on the hour (default: the window's start). */
  from: number;
  /** Hours replayed (default: to the window's end). */
  hours: number;
  /** Seeds the accounts' notionals (the clearinghouse index is random: a fresh one on any node). */
  seed: number;
  /** Accounts per strategy and underlying, at different funding levels. */
  accountsPerStrategy: number;
  /** Hours replayed on chain before `from` (oracles and vol only, no accounts yet). */
  warmupHours: number;
  /** Walk through an hour's low before its close when the low is a wick (see replay.ts). */
  lows: boolean;
  /** USD notional of an account, before the seeded ±25%. */
  notional: number;
  /** Where report-<window>.html / .json go. */
  outDir: string;
}

export const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");
export const DEFAULT_OUT_DIR = path.join(REPO_ROOT, "target", "demo");

export const USAGE = `npm run demo -- [options]

Replays a historical crash hour by hour on the local node: a clearinghouse with BTC, ETH and SOL
markets, a population of accounts running the reference strategies, the crank (vol, funding,
settlement, liquidation) driven in-process, and a report (text summary + HTML).

  --window may2021|nov2022|mar2020   the crash (default may2021)
  --data-dir DIR                     price files (default data/market)
  --from ISO                         replay start inside the window (default: the window's start)
  --hours N                          replay only N hours (default: to the window's end)
  --seed N                           seed of the accounts' notionals (default 1)
  --accounts-per-strategy N          accounts per strategy and underlying (default 4)
  --warmup-hours N                   hours replayed on chain before the start (default 24)
  --notional USD                     notional per account before the ±25% jitter (default 100000)
  --closes-only                      write only hourly closes (default: also walk through wicks)
  --out DIR                          report folder (default target/demo)
`;

export function defaultOptions(window: WindowName = "may2021"): DemoOptions {
  const w = windows[window];
  return {
    window,
    dataDir: DEFAULT_DATA_DIR,
    from: w.from,
    hours: (w.to - w.from) / 3600,
    seed: 1,
    accountsPerStrategy: 4,
    warmupHours: 24,
    lows: true,
    notional: 100_000,
    outDir: DEFAULT_OUT_DIR,
  };
}

export class UsageError extends Error {}

/** Options from flags; `null` for --help. Checks ranges against the window. */
export function parseArgs(argv: string[]): DemoOptions | null {
  const raw: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--help" || a === "-h") return null;
    if (!a.startsWith("--")) throw new UsageError(`unexpected argument ${a}`);
    const eq = a.indexOf("=");
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (name === "closes-only") {
      raw[name] = true;
      continue;
    }
    const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    raw[name] = value;
  }
  const known = ["window", "data-dir", "from", "hours", "seed", "accounts-per-strategy", "warmup-hours", "notional", "closes-only", "out"];
  for (const k of Object.keys(raw)) if (!known.includes(k)) throw new UsageError(`unknown option --${k}`);
  const win = (raw.window as string | undefined) ?? "may2021";
  if (!(win in windows)) throw new UsageError(`--window: one of ${Object.keys(windows).join(", ")}, not ${win}`);
  const o = defaultOptions(win as WindowName);
  const int = (k: string, min: number, max: number): number | undefined => {
    if (raw[k] === undefined) return undefined;
    const n = Number(raw[k]);
    if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${k}: an integer in [${min}, ${max}], not ${raw[k]}`);
    return n;
  };
  if (raw["data-dir"]) o.dataDir = path.resolve(raw["data-dir"] as string);
  if (raw.out) o.outDir = path.resolve(raw.out as string);
  o.seed = int("seed", 0, 2 ** 31 - 1) ?? o.seed;
  o.accountsPerStrategy = int("accounts-per-strategy", 1, 8) ?? o.accountsPerStrategy;
  o.warmupHours = int("warmup-hours", 1, 24 * 13) ?? o.warmupHours;
  o.lows = raw["closes-only"] !== true;
  if (raw.notional !== undefined) {
    const n = Number(raw.notional);
    if (!(n >= 1_000 && n <= 10_000_000)) throw new UsageError(`--notional: USD between 1,000 and 10,000,000, not ${raw.notional}`);
    o.notional = n;
  }
  const w = windows[o.window];
  if (raw.from !== undefined) {
    let t: number;
    try {
      t = unix(raw.from as string);
    } catch {
      throw new UsageError(`--from: not an ISO time: ${raw.from}`);
    }
    if (t % 3600 !== 0) throw new UsageError(`--from: must be on the hour (${raw.from})`);
    if (t < w.from || t >= w.to) throw new UsageError(`--from: ${raw.from} is outside the ${o.window} window [${iso(w.from)}, ${iso(w.to)})`);
    o.from = t;
  }
  const maxHours = (w.to - o.from) / 3600;
  o.hours = int("hours", 1, 100_000) ?? maxHours;
  if (o.hours > maxHours) o.hours = maxHours;
  if (o.from - o.warmupHours * 3600 < w.warmupFrom + 3600) throw new UsageError(`--warmup-hours: the ${o.window} data start ${iso(w.warmupFrom)}`);
  return o;
}

export const iso = (t: number): string => new Date(t * 1000).toISOString().replace(":00.000Z", "Z");
