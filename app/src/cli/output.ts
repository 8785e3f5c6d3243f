// Output helpers: readable text or --json, and one error path (typed error, exit code 1).
import { Command } from "commander";
import { PublicKey } from "@solana/web3.js";
import BN from "bn.js";
import { ClientErrorCode, parseError } from "../errors";

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

/** Reports an error (typed: code, name, message) and exits 1. */
export function fail(cmd: Command, e: unknown): never {
  const err = parseError(e);
  if (isJson(cmd)) {
    console.log(toJson({ error: err.toJSON() }));
  } else if (err.code === ClientErrorCode.Unknown) {
    // Bad input, missing account, unreachable node...
    const unreachable = /fetch failed|ECONNREFUSED|ENOTFOUND|socket hang up/i.test(err.msg);
    console.error(unreachable ? `error: cannot reach the RPC node at ${cmd.optsWithGlobals().url} (${err.msg})` : `error: ${err.msg}`);
  } else {
    console.error(`error ${err.code} ${err.name}: ${err.msg}`);
  }
  if (process.env.PM_DEBUG && err.logs) for (const l of err.logs) console.error(`  ${l}`);
  process.exit(1);
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
