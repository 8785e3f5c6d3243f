// The crank's RPC connection: every HTTP request gets a timeout and is counted by method when it
// fails (pm_crank_rpc_errors_total); tests inject faults at the same point. Plus retry with
// exponential backoff and jitter, and sending with a compute-unit limit and priority fee.
import {
  ComputeBudgetProgram,
  Connection,
  ConnectionConfig,
  Signer,
  TransactionInstruction,
  TransactionSignature,
} from "@solana/web3.js";
import { sendAndConfirmInstructions } from "./sdk";
import type { CrankMetrics } from "./metrics";

/** What a fault injector may do to one request (tests only). */
export type Fault = "error" | "timeout" | "drop-response" | null;
export type FaultInjector = (method: string) => Fault;

export class RpcTimeoutError extends Error {
  constructor(method: string, ms: number) {
    super(`RPC ${method} timed out after ${ms} ms`);
    this.name = "RpcTimeoutError";
  }
}

function methodsOf(body: unknown): string {
  try {
    const j = JSON.parse(String(body));
    return Array.isArray(j) ? j.map((x) => x.method).join(",") : j.method ?? "unknown";
  } catch {
    return "unknown";
  }
}

export interface CrankConnectionOptions {
  rpcUrl: string;
  wsUrl?: string;
  commitment: ConnectionConfig["commitment"];
  timeoutMs: number;
  metrics: CrankMetrics;
  faults?: FaultInjector;
}

export function createConnection(o: CrankConnectionOptions): Connection {
  const fetchWithTimeout = async (input: any, init?: any): Promise<any> => {
    const method = methodsOf(init?.body);
    const fault = o.faults?.(method) ?? null;
    try {
      if (fault === "error") throw new Error(`injected RPC failure (${method})`);
      if (fault === "timeout") {
        await new Promise((r) => setTimeout(r, Math.min(o.timeoutMs, 200)));
        throw new RpcTimeoutError(method, o.timeoutMs);
      }
      const ctrl = new AbortController();
      const timer = setTimeout(() => ctrl.abort(), o.timeoutMs);
      let res: Response;
      try {
        res = await fetch(input, { ...init, signal: ctrl.signal });
      } catch (e) {
        if (ctrl.signal.aborted) throw new RpcTimeoutError(method, o.timeoutMs);
        throw e;
      } finally {
        clearTimeout(timer);
      }
      if (fault === "drop-response") {
        // the node did the work (a transaction may have landed); the caller never hears back
        await res.arrayBuffer();
        throw new RpcTimeoutError(method, o.timeoutMs);
      }
      if (!res.ok) o.metrics.rpcErrors.inc({ method });
      return res;
    } catch (e) {
      o.metrics.rpcErrors.inc({ method });
      throw e;
    }
  };
  return new Connection(o.rpcUrl, { commitment: o.commitment, wsEndpoint: o.wsUrl, fetch: fetchWithTimeout as any, disableRetryOnRateLimit: true });
}

export interface RetryOptions {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Backoff before attempt `n` (1-based retries): exponential, capped, with full jitter. */
export function backoffDelay(n: number, o: RetryOptions, random = Math.random): number {
  const cap = Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** (n - 1));
  return Math.round(cap / 2 + (random() * cap) / 2);
}

/**
 * Runs `fn` up to `attempts` times while `retryable(error)` says so. Program errors (a refused
 * instruction) are never retried by callers: the state changed, they re-plan instead.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, o: RetryOptions, retryable: (e: unknown) => boolean): Promise<T> {
  let last: unknown;
  for (let attempt = 1; attempt <= o.attempts; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      last = e;
      if (attempt === o.attempts || !retryable(e)) throw e;
      await sleep(backoffDelay(attempt, o));
    }
  }
  throw last;
}

export interface FeeOptions {
  computeUnitLimit: number;
  priorityFeeMicroLamports: number;
}

/** The compute-budget instructions every crank transaction starts with. */
export function computeBudgetIxs(f: FeeOptions): TransactionInstruction[] {
  const ixs = [ComputeBudgetProgram.setComputeUnitLimit({ units: f.computeUnitLimit })];
  if (f.priorityFeeMicroLamports > 0) ixs.push(ComputeBudgetProgram.setComputeUnitPrice({ microLamports: f.priorityFeeMicroLamports }));
  return ixs;
}

export async function sendWithFees(
  connection: Connection,
  ixs: TransactionInstruction[],
  signers: Signer[],
  fees: FeeOptions,
  commitment: ConnectionConfig["commitment"] = "confirmed",
): Promise<TransactionSignature> {
  return sendAndConfirmInstructions(connection, [...computeBudgetIxs(fees), ...ixs], signers, { commitment: commitment as any, preflightCommitment: commitment as any });
}
