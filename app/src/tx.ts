// Build, sign, send and confirm one legacy transaction with a freshly fetched blockhash.
// (web3.js's Connection.sendTransaction reuses a blockhash for up to 30 s, which is only safe
// while the cluster's slot rate is a real validator's.)
import {
  Commitment,
  ConfirmOptions,
  Connection,
  PublicKey,
  Signer,
  Transaction,
  TransactionInstruction,
  TransactionSignature,
} from "@solana/web3.js";
import { utils } from "@coral-xyz/anchor";
import { PROGRAM_ID } from "./constants";
import { parseError } from "./errors";

export interface SendTxOptions extends ConfirmOptions {
  /** Fee payer; defaults to the first signer. */
  feePayer?: PublicKey;
  /** Signs last (e.g. a wallet adapter); called after the extra signers have signed. */
  signTransaction?: (tx: Transaction) => Promise<Transaction>;
  /** Program whose IDL errors `parseError` should use. */
  programId?: PublicKey;
  /**
   * Called with the transaction's signature once it is signed, before it is sent: a caller that
   * loses the response (a timeout) can still ask the cluster whether it landed.
   */
  onSigned?: (signature: TransactionSignature) => void;
}

/**
 * Sends `instructions` in one transaction and waits for `commitment` (default "confirmed").
 * Every failure, including a client-side missing signature, is thrown as a PortfolioMarginError.
 */
export async function sendAndConfirmInstructions(
  connection: Connection,
  instructions: TransactionInstruction[],
  signers: Signer[],
  opts: SendTxOptions = {},
): Promise<TransactionSignature> {
  const commitment: Commitment = opts.commitment ?? "confirmed";
  const programId = opts.programId ?? PROGRAM_ID;
  try {
    const feePayer = opts.feePayer ?? signers[0]?.publicKey;
    if (!feePayer) throw new Error("sendAndConfirmInstructions: no fee payer");
    const { blockhash, lastValidBlockHeight } = await connection.getLatestBlockhash(opts.preflightCommitment ?? commitment);
    let tx = new Transaction({ feePayer, blockhash, lastValidBlockHeight }).add(...instructions);
    const seen = new Set<string>();
    const unique = signers.filter((s) => {
      const k = s.publicKey.toBase58();
      return seen.has(k) ? false : (seen.add(k), true);
    });
    if (unique.length) tx.partialSign(...unique);
    if (opts.signTransaction) tx = await opts.signTransaction(tx);
    return await sendAndConfirmRaw(connection, tx, { ...opts, commitment, programId, blockhash, lastValidBlockHeight });
  } catch (e) {
    throw parseError(e, programId);
  }
}

/**
 * Sends a transaction every required signer has already signed (e.g. a taker completing a maker's
 * signed quote: its blockhash is the maker's) and waits for `commitment`. Failures are thrown as
 * PortfolioMarginError.
 */
export async function sendAndConfirmSignedTransaction(connection: Connection, tx: Transaction, opts: SendTxOptions = {}): Promise<TransactionSignature> {
  const programId = opts.programId ?? PROGRAM_ID;
  try {
    const commitment: Commitment = opts.commitment ?? "confirmed";
    const blockhash = tx.recentBlockhash;
    if (!blockhash) throw new Error("transaction has no recent blockhash");
    const lastValidBlockHeight = tx.lastValidBlockHeight ?? (await connection.getBlockHeight(commitment)) + 150;
    return await sendAndConfirmRaw(connection, tx, { ...opts, commitment, programId, blockhash, lastValidBlockHeight });
  } catch (e) {
    throw parseError(e, programId);
  }
}

async function sendAndConfirmRaw(
  connection: Connection,
  tx: Transaction,
  opts: SendTxOptions & { commitment: Commitment; programId: PublicKey; blockhash: string; lastValidBlockHeight: number },
): Promise<TransactionSignature> {
  const { commitment, programId, blockhash, lastValidBlockHeight } = opts;
  if (opts.onSigned && tx.signature) opts.onSigned(utils.bytes.bs58.encode(tx.signature));
  const signature = await connection.sendRawTransaction(tx.serialize(), {
    skipPreflight: opts.skipPreflight,
    preflightCommitment: opts.preflightCommitment ?? commitment,
    maxRetries: opts.maxRetries,
  });
  const res = await connection.confirmTransaction({ signature, blockhash, lastValidBlockHeight }, commitment);
  if (res.value.err) {
    const landed = await connection
      .getTransaction(signature, { commitment: "confirmed", maxSupportedTransactionVersion: 0 })
      .catch(() => null);
    throw parseError({ err: res.value.err, logs: landed?.meta?.logMessages ?? undefined, signature }, programId);
  }
  return signature;
}
