// Output helpers: readable text or --json, and one error path (typed error, exit code 1).
import { Command } from "commander";
import { PublicKey } from "@solana/web3.js";
import BN from "bn.js";
import { ClientErrorCode, parseError, PortfolioMarginError } from "../errors";
import { formatUiAmount } from "../units";

/** JSON.stringify that prints public keys as base58 and bigint/BN as decimal strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_k, v) => {
      if (typeof v === "bigint") return v.toString();
      if (v instanceof PublicKey) return v.toBase58();
      if (BN.isBN(v)) return (v as BN).toString(10);
      if (v && typeof v === "object" && v.type === "Buffer" && Array.isArray(v.data)) return Buffer.from(v.data).toString("hex");
      return v;
    },
    2,
  );
}

export function isJson(cmd: Command): boolean {
  return !!cmd.optsWithGlobals().json;
}

/** Prints `data` as JSON under --json, else the readable lines. */
export function emit(cmd: Command, data: unknown, lines: () => string[]): void {
  if (isJson(cmd)) console.log(toJson(data));
  else for (const l of lines()) console.log(l);
}

/** Aligned "key: value" lines. */
export function table(rows: [string, string][], indent = ""): string[] {
  const w = Math.max(0, ...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${indent}${(k + ":").padEnd(w + 2)}${v}`);
}

/**
 * A refusal with context: `data` joins the error object under --json, `lines` are printed (stderr)
 * before the error line otherwise.
 */
export class CommandError extends Error {
  constructor(readonly error: PortfolioMarginError, readonly data: Record<string, unknown> = {}, readonly lines: string[] = []) {
    super(error.message);
  }
}

/** Reports an error (typed: code, name, message) and exits 1. */
export function fail(cmd: Command, e: unknown): never {
  const context = e instanceof CommandError ? e : undefined;
  const err = parseError(context ? context.error : e);
  if (isJson(cmd)) {
    console.log(toJson({ error: err.toJSON(), ...context?.data }));
  } else if (err.code === ClientErrorCode.Unknown) {
    // Bad input, missing account, unreachable node...
    const unreachable = /fetch failed|ECONNREFUSED|ENOTFOUND|socket hang up/i.test(err.msg);
    console.error(unreachable ? `error: cannot reach the RPC node at ${cmd.optsWithGlobals().url} (${err.msg})` : `error: ${err.msg}`);
  } else {
    for (const l of context?.lines ?? []) console.error(l);
    console.error(`error ${err.code} ${err.name}: ${err.msg}`);
  }
  if (process.env.PM_DEBUG && err.logs) for (const l of err.logs) console.error(`  ${l}`);
  process.exit(1);
}

// ---- number formats (exact: integers in, decimal strings out)

/** Quote units (USDC 1e-6) or prices at 1e6, grouped: 1234500000n -> "1,234.50". */
export function usd(x: bigint): string {
  return formatUiAmount(x, 6, { grouping: true });
}

/** Quote units rounded to cents (half away from zero), grouped: 1234567891n -> "1,234.57". */
export function cents(x: bigint): string {
  const c = (x < 0n ? x - 5_000n : x + 5_000n) / 10_000n;
  return formatUiAmount(c, 2, { grouping: true });
}

/** ppm as a percentage: 15000 -> "1.5%", -330000 -> "-33%". */
export function pctPpm(ppm: number | bigint): string {
  return `${formatUiAmount(BigInt(ppm), 4, { minDecimals: 0 })}%`;
}

/** Unix seconds as ISO 8601 without milliseconds. */
export function isoTime(unix: bigint | number): string {
  return new Date(Number(unix) * 1000).toISOString().replace(".000Z", "Z");
}

/** Seconds as a short duration: 45s, 12m, 3.5h, 2.1d. */
export function duration(secs: bigint | number): string {
  const s = Number(secs);
  const a = Math.abs(s);
  if (a < 120) return `${s}s`;
  if (a < 7_200) return `${+(s / 60).toFixed(1)}m`;
  if (a < 172_800) return `${+(s / 3_600).toFixed(1)}h`;
  return `${+(s / 86_400).toFixed(1)}d`;
}

/** Rows of cells as left-aligned (text) or right-aligned (numbers, `align` "r") columns. */
export function columns(rows: string[][], align: string = "", indent = "  ", gap = 2): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows.map((r) =>
    (indent + r.map((c, i) => (align[i] === "r" ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(" ".repeat(gap))).trimEnd(),
  );
}

/** Wraps an async action so every failure goes through `fail`. */
export function action<A extends unknown[]>(
  fn: (cmd: Command, ...args: A) => Promise<void>,
): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const cmd = args[args.length - 1] as Command;
    try {
      await fn(cmd, ...(args.slice(0, -1) as A));
    } catch (e) {
      fail(cmd, e);
    }
  };
}
