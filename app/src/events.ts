// Program events (emit!) decoded from transaction logs with Anchor's EventParser.
import { BorshCoder, EventParser, IdlEvents } from "@coral-xyz/anchor";
import { convertIdlToCamelCase } from "@coral-xyz/anchor/dist/cjs/idl";
import { Commitment, Connection, PublicKey, TransactionSignature } from "@solana/web3.js";
import { PROGRAM_ID } from "./constants";
import { IDL, PortfolioMargin } from "./idl";

type Events = IdlEvents<PortfolioMargin>;
export type DepositEvent = Events["depositEvent"];
export type WithdrawEvent = Events["withdrawEvent"];

/** A decoded event; names and fields are camelCase as everywhere in Anchor's TS client ("depositEvent", balanceAfter). */
export type PortfolioMarginEvent =
  | { name: "depositEvent"; data: DepositEvent }
  | { name: "withdrawEvent"; data: WithdrawEvent }
  | { name: string; data: Record<string, unknown> };

// Same camelCase conversion `new Program(...)` applies, so decoded data matches IdlEvents<PortfolioMargin>.
const coder = new BorshCoder(convertIdlToCamelCase(IDL));

/** Decodes every event the program emitted in a transaction's logs (CPI'd programs are skipped). */
export function parseEvents(logs: readonly string[], programId: PublicKey = PROGRAM_ID): PortfolioMarginEvent[] {
  const parser = new EventParser(programId, coder);
  return [...parser.parseLogs([...logs], false)].map((ev) => ({ name: ev.name, data: ev.data })) as PortfolioMarginEvent[];
}

export interface FetchEventsOptions {
  commitment?: Extract<Commitment, "confirmed" | "finalized">;
  programId?: PublicKey;
  /** How long to keep polling while the node has not indexed the transaction yet (ms, default 10s). */
  timeoutMs?: number;
}

/** Fetches a transaction with `getTransaction` and returns the events decoded from its logs. */
export async function fetchTransactionEvents(
  connection: Connection,
  signature: TransactionSignature,
  opts: FetchEventsOptions = {},
): Promise<PortfolioMarginEvent[]> {
  const logs = await fetchTransactionLogs(connection, signature, opts);
  return parseEvents(logs, opts.programId ?? PROGRAM_ID);
}

/** The log messages of a landed transaction (polls until the node returns it). */
export async function fetchTransactionLogs(
  connection: Connection,
  signature: TransactionSignature,
  opts: Omit<FetchEventsOptions, "programId"> = {},
): Promise<string[]> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  for (;;) {
    const tx = await connection.getTransaction(signature, {
      commitment: opts.commitment ?? "confirmed",
      maxSupportedTransactionVersion: 0,
    });
    if (tx) {
      if (!tx.meta) throw new Error(`transaction ${signature} has no metadata`);
      return tx.meta.logMessages ?? [];
    }
    if (Date.now() > deadline) throw new Error(`transaction ${signature} not found`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Type guards for the decoded events. */
export function isDepositEvent(e: PortfolioMarginEvent): e is { name: "depositEvent"; data: DepositEvent } {
  return e.name === "depositEvent";
}
export function isWithdrawEvent(e: PortfolioMarginEvent): e is { name: "withdrawEvent"; data: WithdrawEvent } {
  return e.name === "withdrawEvent";
}
