// RFQ quotes: the `trade` instruction's argument, and the signed quote a maker shares (a base64
// transaction the maker has partially signed; the taker decodes it, inspects it, signs and sends).
import { BorshInstructionCoder } from "@coral-xyz/anchor";
import { PublicKey, Transaction, TransactionInstruction } from "@solana/web3.js";
import BN from "bn.js";
import { PROGRAM_ID } from "../constants";
import { ClientErrorCode, PortfolioMarginError } from "../errors";
import { IDL, PROGRAM_ERRORS } from "../idl";

export enum MakerSide {
  /** The maker buys (the taker sells). */
  Buy = 0,
  /** The maker sells (the taker buys). */
  Sell = 1,
}

/** A maker's quote (programs' `TradeQuote`). */
export interface TradeQuote {
  instrumentIndex: number;
  makerSide: MakerSide;
  /** Contracts at 1e6. */
  size: bigint;
  /** Per contract at 1e6: the perpetual or future price, or the option premium. */
  price: bigint;
  /** 0: none; else the oracle must be >= it for a fill giving the maker positive delta, <= otherwise. */
  oracleLimit: bigint;
  /** Unix seconds after which the quote is void. */
  expiresAt: bigint;
  /** Spent on the maker's margin account. */
  nonce: bigint;
}

const bn = (x: bigint) => new BN(x.toString());
const big = (x: BN | number) => BigInt(x.toString());

export function quoteArg(q: TradeQuote) {
  return {
    instrumentIndex: q.instrumentIndex,
    makerSide: q.makerSide,
    size: bn(q.size),
    price: bn(q.price),
    oracleLimit: bn(q.oracleLimit),
    expiresAt: bn(q.expiresAt),
    nonce: bn(q.nonce),
  };
}

/** A client-side error about a quote (a malformed or tampered signed quote). */
export function quoteError(msg: string, cause?: unknown): PortfolioMarginError {
  return new PortfolioMarginError({ code: ClientErrorCode.InvalidQuote, name: "InvalidQuote", msg, source: "client", cause });
}

/** A refusal named as the program's error (code from the IDL), for previews and client checks. */
export function programError(name: string, detail?: string): PortfolioMarginError {
  for (const [code, e] of PROGRAM_ERRORS) {
    if (e.name === name) return new PortfolioMarginError({ code, name, msg: detail ? `${e.msg}: ${detail}` : e.msg, source: "program" });
  }
  return new PortfolioMarginError({ code: ClientErrorCode.Unknown, name, msg: detail ?? name, source: "client" });
}

/** The `trade` instruction's accounts, by name. */
export interface TradeAccounts {
  maker: PublicKey;
  taker: PublicKey;
  clearinghouse: PublicKey;
  market: PublicKey;
  makerAccount: PublicKey;
  takerAccount: PublicKey;
  /** `[market, oracle]` pairs, ascending market index. */
  remaining: PublicKey[];
}

const ACCOUNT_ORDER = ["maker", "taker", "clearinghouse", "market", "makerAccount", "takerAccount"] as const;

/** A signed quote, decoded: the quote, the accounts it binds, and who has signed. */
export interface DecodedQuote {
  quote: TradeQuote;
  accounts: TradeAccounts;
  /** The transaction (maker signed); the taker signs it and sends. */
  transaction: Transaction;
  feePayer: PublicKey;
  recentBlockhash: string;
  /** Whether the maker's signature verifies over this exact message. */
  makerSigned: boolean;
}

let coder: BorshInstructionCoder | null = null;
function instructionCoder(): BorshInstructionCoder {
  coder ??= new BorshInstructionCoder(IDL as never);
  return coder;
}

/** Decodes a `trade` instruction (null if it is not one). */
export function decodeTradeInstruction(ix: TransactionInstruction): { quote: TradeQuote; accounts: TradeAccounts } | null {
  const decoded = instructionCoder().decode(Buffer.from(ix.data));
  if (!decoded || decoded.name !== "trade") return null;
  const q = (decoded.data as { quote: Record<string, BN | number> }).quote;
  const field = (camel: string, snake: string) => q[camel] ?? q[snake];
  const quote: TradeQuote = {
    instrumentIndex: Number(field("instrumentIndex", "instrument_index")),
    makerSide: Number(field("makerSide", "maker_side")) as MakerSide,
    size: big(field("size", "size")),
    price: big(field("price", "price")),
    oracleLimit: big(field("oracleLimit", "oracle_limit")),
    expiresAt: big(field("expiresAt", "expires_at")),
    nonce: big(field("nonce", "nonce")),
  };
  if (ix.keys.length < ACCOUNT_ORDER.length || (ix.keys.length - ACCOUNT_ORDER.length) % 2 !== 0) return null;
  const named = Object.fromEntries(ACCOUNT_ORDER.map((k, i) => [k, ix.keys[i].pubkey])) as Omit<TradeAccounts, "remaining">;
  return { quote, accounts: { ...named, remaining: ix.keys.slice(ACCOUNT_ORDER.length).map((k) => k.pubkey) } };
}

/** The string a maker shares: the partially signed transaction, base64. */
export function serializeSignedQuote(tx: Transaction): string {
  return tx.serialize({ requireAllSignatures: false, verifySignatures: false }).toString("base64");
}

/**
 * Decodes a signed quote string. Throws PortfolioMarginError "InvalidQuote" unless it is one
 * transaction whose only instruction is this program's `trade`, fee payer the taker.
 */
export function deserializeSignedQuote(encoded: string, programId: PublicKey = PROGRAM_ID): DecodedQuote {
  let transaction: Transaction;
  try {
    transaction = Transaction.from(Buffer.from(encoded.trim(), "base64"));
  } catch (e) {
    throw quoteError("not a serialised transaction", e);
  }
  const ixs = transaction.instructions;
  if (ixs.length !== 1 || !ixs[0].programId.equals(programId)) throw quoteError("expected exactly one portfolio-margin instruction");
  let decoded: ReturnType<typeof decodeTradeInstruction>;
  try {
    decoded = decodeTradeInstruction(ixs[0]);
  } catch (e) {
    throw quoteError("instruction data does not decode", e);
  }
  if (!decoded) throw quoteError("not a trade instruction");
  const feePayer = transaction.feePayer;
  if (!feePayer || !feePayer.equals(decoded.accounts.taker)) throw quoteError("the fee payer is not the taker");
  if (!transaction.recentBlockhash) throw quoteError("no recent blockhash");
  const makerSig = transaction.signatures.find((s) => s.publicKey.equals(decoded!.accounts.maker));
  // verifySignatures(false): every signature present verifies over this exact message
  const makerSigned = !!makerSig?.signature && transaction.verifySignatures(false);
  return { ...decoded, transaction, feePayer, recentBlockhash: transaction.recentBlockhash, makerSigned };
}

/** The quote as a maker/taker would read it (UI units). */
export function describeQuote(q: TradeQuote): Record<string, string> {
  return {
    instrument: String(q.instrumentIndex),
    makerSide: q.makerSide === MakerSide.Buy ? "buy" : "sell",
    size: (Number(q.size) / 1e6).toString(),
    price: (Number(q.price) / 1e6).toString(),
    oracleLimit: q.oracleLimit === 0n ? "none" : (Number(q.oracleLimit) / 1e6).toString(),
    expiresAt: new Date(Number(q.expiresAt) * 1000).toISOString(),
    nonce: q.nonce.toString(),
  };
}
