// Sending one crank transaction and knowing what happened to it. A program error is final (the
// state said no: re-plan from fresh state). A lost response is not: the signature is known
// before sending, so the cluster is asked whether it landed before anything is re-sent.
import { Connection, Signer, TransactionInstruction } from "@solana/web3.js";
import { PortfolioMarginError, sendAndConfirmInstructions } from "./sdk";
import { computeBudgetIxs, FeeOptions, sleep } from "./rpc";

export type SendOutcome =
  | { status: "landed"; signature: string }
  | { status: "failed"; signature: string | null; error: PortfolioMarginError | Error; reason: string }
  | { status: "unknown"; signature: string | null; error: Error };

/** Program, Anchor, token, system and runtime errors come from executing the transaction. */
export function isExecutionError(e: unknown): e is PortfolioMarginError {
  return e instanceof PortfolioMarginError && e.source !== "client";
}

export function reasonOf(e: unknown): string {
  if (e instanceof PortfolioMarginError) return e.name;
  return (e as Error)?.name ?? "Error";
}

async function landed(connection: Connection, signature: string, polls: number, delayMs: number): Promise<boolean | null> {
  for (let i = 0; i < polls; i++) {
    try {
      const st = (await connection.getSignatureStatuses([signature], { searchTransactionHistory: true })).value[0];
      if (st && !st.err && (st.confirmationStatus === "confirmed" || st.confirmationStatus === "finalized")) return true;
      if (st?.err) return false;
    } catch {
      // the status query itself failed: try again
    }
    await sleep(delayMs);
  }
  return null;
}

export async function sendTracked(
  connection: Connection,
  ixs: TransactionInstruction[],
  signers: Signer[],
  fees: FeeOptions,
  opts: { statusPolls?: number; statusDelayMs?: number } = {},
): Promise<SendOutcome> {
  let signature: string | null = null;
  try {
    signature = await sendAndConfirmInstructions(connection, [...computeBudgetIxs(fees), ...ixs], signers, {
      commitment: "confirmed",
      preflightCommitment: "confirmed",
      onSigned: (s) => (signature = s),
    });
    return { status: "landed", signature };
  } catch (e) {
    if (isExecutionError(e)) return { status: "failed", signature, error: e, reason: e.name };
    if (signature) {
      const l = await landed(connection, signature, opts.statusPolls ?? 5, opts.statusDelayMs ?? 200);
      if (l === true) return { status: "landed", signature };
      if (l === false) return { status: "failed", signature, error: e as Error, reason: reasonOf(e) };
    }
    return { status: "unknown", signature, error: e as Error };
  }
}
