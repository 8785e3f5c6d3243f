// Errors surfaced as typed objects. Whatever failed (preflight simulation, confirmation, Anchor's
// own `rpc()`, a CPI into SPL Token, or the client before sending), `parseError` returns a
// PortfolioMarginError with a numeric code and a stable name.
import { LangErrorCode, LangErrorMessage } from "@coral-xyz/anchor";
import { PublicKey, SystemProgram } from "@solana/web3.js";
import { PROGRAM_ID } from "./constants";
import { PROGRAM_ERRORS } from "./idl";

/** Where an error comes from. */
export type ErrorSource =
  | "program" // portfolio-margin custom error (6000+, from the IDL)
  | "anchor" // Anchor framework error (100..5999)
  | "token" // SPL Token program error (CPI or direct)
  | "system" // System program error (e.g. account already in use on double init)
  | "runtime" // a non-custom InstructionError / TransactionError from the runtime
  | "client"; // raised in this process before anything reached the cluster

/** Codes for errors that carry no on-chain custom code (all negative, never clash with custom codes). */
export const ClientErrorCode = {
  Unknown: -1,
  MissingSignature: -2,
  InstructionError: -3,
  TransactionError: -4,
  Timeout: -5,
  /** A signed RFQ quote that is malformed or not a trade. */
  InvalidQuote: -6,
} as const;

/** SPL Token (and Token-2022, same first codes) `TokenError`, by code. */
export const TOKEN_ERRORS: ReadonlyMap<number, { name: string; msg: string }> = new Map(
  (
    [
      ["NotRentExempt", "Lamport balance below rent-exempt threshold"],
      ["InsufficientFunds", "Insufficient funds"],
      ["InvalidMint", "Invalid Mint"],
      ["MintMismatch", "Account not associated with this Mint"],
      ["OwnerMismatch", "Owner does not match"],
      ["FixedSupply", "Fixed supply"],
      ["AlreadyInUse", "Already in use"],
      ["InvalidNumberOfProvidedSigners", "Invalid number of provided signers"],
      ["InvalidNumberOfRequiredSigners", "Invalid number of required signers"],
      ["UninitializedState", "State is uninitialized"],
      ["NativeNotSupported", "Instruction does not support native tokens"],
      ["NonNativeHasBalance", "Non-native account can only be closed if its balance is zero"],
      ["InvalidInstruction", "Invalid instruction"],
      ["InvalidState", "State is invalid for requested operation"],
      ["Overflow", "Operation overflowed"],
      ["AuthorityTypeNotSupported", "Account does not support specified authority type"],
      ["MintCannotFreeze", "This token mint cannot freeze accounts"],
      ["AccountFrozen", "Account is frozen"],
      ["MintDecimalsMismatch", "The provided decimals value different from the Mint decimals"],
      ["NonNativeNotSupported", "Instruction does not support non-native tokens"],
    ] as const
  ).map(([name, msg], code) => [code, { name, msg }]),
);

/** System program `SystemError`, by code. */
export const SYSTEM_ERRORS: ReadonlyMap<number, { name: string; msg: string }> = new Map(
  (
    [
      ["AccountAlreadyInUse", "an account with the same address already exists"],
      ["ResultWithNegativeLamports", "account does not have enough SOL to perform the operation"],
      ["InvalidProgramId", "cannot assign account to this program id"],
      ["InvalidAccountDataLength", "cannot allocate account data of this length"],
      ["MaxSeedLengthExceeded", "length of requested seed is too long"],
      ["AddressWithSeedMismatch", "provided address does not match addressed derived from seed"],
      ["NonceNoRecentBlockhashes", "advancing stored nonce requires a populated RecentBlockhashes sysvar"],
      ["NonceBlockhashNotExpired", "stored nonce is still in recent_blockhashes"],
      ["NonceUnexpectedBlockhashValue", "specified nonce does not match stored nonce"],
    ] as const
  ).map(([name, msg], code) => [code, { name, msg }]),
);

/** Anchor framework errors, by code (names as in anchor-lang's ErrorCode). */
export const ANCHOR_ERRORS: ReadonlyMap<number, { name: string; msg: string }> = new Map(
  Object.entries(LangErrorCode as Record<string, number>).map(([name, code]) => [
    code,
    { name, msg: LangErrorMessage.get(code) ?? name },
  ]),
);

const TOKEN_PROGRAM_IDS = new Set([
  "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA",
  "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb",
]);

export interface PortfolioMarginErrorInit {
  code: number;
  name: string;
  msg: string;
  source: ErrorSource;
  logs?: string[];
  /** The program whose instruction failed (innermost), when the logs say. */
  programId?: PublicKey;
  /** Index of the failing instruction in the transaction, when known. */
  instructionIndex?: number;
  cause?: unknown;
}

export class PortfolioMarginError extends Error {
  readonly code: number;
  override readonly name: string;
  readonly msg: string;
  readonly source: ErrorSource;
  readonly logs?: string[];
  readonly programId?: PublicKey;
  readonly instructionIndex?: number;
  readonly cause?: unknown;

  constructor(init: PortfolioMarginErrorInit) {
    super(`${init.name} (${init.code}): ${init.msg}`);
    this.code = init.code;
    this.name = init.name;
    this.msg = init.msg;
    this.source = init.source;
    this.logs = init.logs;
    this.programId = init.programId;
    this.instructionIndex = init.instructionIndex;
    this.cause = init.cause;
    Object.setPrototypeOf(this, PortfolioMarginError.prototype);
  }

  toJSON() {
    return {
      code: this.code,
      name: this.name,
      msg: this.msg,
      source: this.source,
      programId: this.programId?.toBase58(),
      instructionIndex: this.instructionIndex,
    };
  }
}

export function isPortfolioMarginError(e: unknown): e is PortfolioMarginError {
  return e instanceof PortfolioMarginError;
}

// ---------------------------------------------------------------------------------------------

interface Extracted {
  logs?: string[];
  custom?: number;
  instructionIndex?: number;
  /** Name of a non-custom InstructionError / TransactionError variant. */
  variant?: string;
  failingProgram?: PublicKey;
  text: string;
}

function asStringArray(v: unknown): string[] | undefined {
  return Array.isArray(v) && v.every((l) => typeof l === "string") ? (v as string[]) : undefined;
}

/** Pulls logs out of the many shapes web3.js / Anchor errors take. */
function findLogs(e: any): string[] | undefined {
  if (!e || typeof e !== "object") return undefined;
  for (const candidate of [
    e.logs,
    e.transactionLogs,
    e.simulationResponse?.logs,
    e.transactionError?.logs,
    e.value?.logs,
    e.error?.data?.logs,
    e.data?.logs,
    e.cause?.logs,
  ]) {
    const logs = asStringArray(candidate);
    if (logs && logs.length) return logs;
  }
  return undefined;
}

/** Reads a structured TransactionError (`{ InstructionError: [i, { Custom: n }] }` or a string). */
function fromStructured(err: unknown, out: Extracted): boolean {
  if (err == null) return false;
  if (typeof err === "string") {
    out.variant ??= err;
    return true;
  }
  if (typeof err !== "object") return false;
  const ie = (err as any).InstructionError;
  if (Array.isArray(ie) && ie.length === 2) {
    out.instructionIndex = Number(ie[0]);
    const inner = ie[1];
    if (inner && typeof inner === "object" && typeof inner.Custom === "number") {
      out.custom = inner.Custom;
    } else if (typeof inner === "string") {
      out.variant = inner;
    } else if (inner && typeof inner === "object") {
      out.variant = Object.keys(inner)[0];
    }
    return true;
  }
  const keys = Object.keys(err as object);
  if (keys.length === 1) {
    out.variant ??= keys[0];
    return true;
  }
  return false;
}

/** The innermost program whose failure the logs report, and its custom code if any. */
function failureFromLogs(logs: string[]): { program?: PublicKey; custom?: number; reason?: string } {
  const re = /^Program (\w+) failed: (.*)$/;
  for (const line of logs) {
    const m = re.exec(line);
    if (!m) continue;
    let program: PublicKey | undefined;
    try {
      program = new PublicKey(m[1]);
    } catch {
      program = undefined;
    }
    const c = /custom program error: 0x([0-9a-fA-F]+)/.exec(m[2]);
    return { program, custom: c ? parseInt(c[1], 16) : undefined, reason: m[2] };
  }
  // Anchor always logs its errors; use that when the runtime lines are missing.
  for (const line of logs) {
    const m = /^Program log: AnchorError.*Error Number: (\d+)\./.exec(line);
    if (m) return { custom: Number(m[1]) };
  }
  return {};
}

function extract(e: any): Extracted {
  const text = e instanceof Error ? `${e.message}` : typeof e === "string" ? e : safeJson(e);
  const out: Extracted = { text };
  out.logs = findLogs(e);

  // Anchor's own parsed errors (program.methods...rpc()).
  if (e && typeof e === "object") {
    if (e.error?.errorCode && typeof e.error.errorCode.number === "number") out.custom = e.error.errorCode.number;
    else if (typeof e.code === "number" && typeof e.msg === "string") out.custom = e.code;
  }
  // Structured transaction errors: simulation value.err, confirmation status err, RPC error data.
  if (out.custom === undefined && e && typeof e === "object") {
    for (const cand of [e.err, e.value?.err, e.transactionError?.err, e.error?.data?.err, e.data?.err]) {
      if (cand !== undefined && fromStructured(cand, out)) break;
    }
  }
  // Strings: "custom program error: 0x1770", {"InstructionError":[0,{"Custom":6000}]}, "Instruction 0".
  if (out.custom === undefined) {
    const hex = /custom program error: 0x([0-9a-fA-F]+)/.exec(text);
    const dec = /"Custom"\s*:\s*(\d+)/.exec(text);
    if (hex) out.custom = parseInt(hex[1], 16);
    else if (dec) out.custom = Number(dec[1]);
  }
  if (out.instructionIndex === undefined) {
    const m = /(?:Error processing Instruction|"InstructionError"\s*:\s*\[)\s*(\d+)/.exec(text);
    if (m) out.instructionIndex = Number(m[1]);
  }
  if (out.logs) {
    const f = failureFromLogs(out.logs);
    out.failingProgram = f.program;
    if (out.custom === undefined && f.custom !== undefined) out.custom = f.custom;
    if (out.custom === undefined && out.variant === undefined && f.reason) out.variant = f.reason;
  }
  if (out.custom === undefined && out.variant === undefined) {
    const m = /Error processing Instruction \d+: (.+?)(?:\.\s|$)/.exec(text);
    if (m) out.variant = m[1].trim();
  }
  return out;
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

/** Classifies a custom error code given the program that raised it (when known). */
export function lookupCustomError(
  code: number,
  programId?: PublicKey,
  ourProgramId: PublicKey = PROGRAM_ID,
): { name: string; msg: string; source: ErrorSource } | undefined {
  const p = programId?.toBase58();
  if (p && TOKEN_PROGRAM_IDS.has(p)) {
    const t = TOKEN_ERRORS.get(code);
    return t && { ...t, source: "token" };
  }
  if (p && p === SystemProgram.programId.toBase58()) {
    const s = SYSTEM_ERRORS.get(code);
    return s && { ...s, source: "system" };
  }
  if (!p || p === ourProgramId.toBase58()) {
    const pe = PROGRAM_ERRORS.get(code);
    if (pe) return { ...pe, source: "program" };
    const ae = ANCHOR_ERRORS.get(code);
    if (ae) return { ...ae, source: "anchor" };
  }
  return undefined;
}

/**
 * Turns anything thrown while building, simulating, sending or confirming a transaction into a
 * PortfolioMarginError. Already-parsed errors pass through unchanged.
 */
export function parseError(e: unknown, ourProgramId: PublicKey = PROGRAM_ID): PortfolioMarginError {
  if (e instanceof PortfolioMarginError) return e;
  const x = extract(e);
  const common = { logs: x.logs, instructionIndex: x.instructionIndex, programId: x.failingProgram, cause: e };

  if (x.custom !== undefined) {
    const known = lookupCustomError(x.custom, x.failingProgram, ourProgramId);
    if (known) return new PortfolioMarginError({ code: x.custom, ...known, ...common });
    return new PortfolioMarginError({
      code: x.custom,
      name: "UnknownCustomError",
      msg: `custom program error ${x.custom}${x.failingProgram ? ` from ${x.failingProgram.toBase58()}` : ""}`,
      source: "runtime",
      ...common,
    });
  }
  // web3.js refuses to serialize a transaction a required signer has not signed.
  const missing = /(?:Missing signature for public key|Signature verification failed|unknown signer)[^\n]*/i.exec(x.text);
  if (missing) {
    return new PortfolioMarginError({
      code: ClientErrorCode.MissingSignature,
      name: "MissingSignature",
      msg: x.text.split("\n").filter(Boolean).join(" "),
      source: "client",
      ...common,
    });
  }
  if (x.variant) {
    const isIx = x.instructionIndex !== undefined;
    return new PortfolioMarginError({
      code: isIx ? ClientErrorCode.InstructionError : ClientErrorCode.TransactionError,
      name: x.variant,
      msg: x.text.split("\n")[0],
      source: "runtime",
      ...common,
    });
  }
  if (/block height exceeded|was not confirmed in|failed to confirm/i.test(x.text)) {
    return new PortfolioMarginError({ code: ClientErrorCode.Timeout, name: "Timeout", msg: x.text, source: "client", ...common });
  }
  return new PortfolioMarginError({
    code: ClientErrorCode.Unknown,
    name: e instanceof Error && e.name && e.name !== "Error" ? e.name : "UnknownError",
    msg: x.text,
    source: "client",
    ...common,
  });
}

/** Error name -> code for the program's own errors (e.g. `ProgramErrorCode.ZeroAmount === 6000`). */
export const ProgramErrorCode: Readonly<Record<string, number>> = Object.freeze(
  Object.fromEntries([...PROGRAM_ERRORS].map(([code, { name }]) => [name, code])),
);

/** The program's liquidation and insurance errors (programs/portfolio-margin/src/errors.rs; codes from the IDL). */
export const LIQUIDATION_ERROR_NAMES = [
  "SelfLiquidation",
  "AccountNotLiquidatable",
  "InvalidLiquidationLeg",
  "LiquidationNotReducingRisk",
  "OverLiquidation",
  "LiquidatorInsufficientMargin",
  "AccountNotBankrupt",
  "BankruptcyCollateralLeft",
  "InvalidLiquidationBuffer",
] as const;
export type LiquidationErrorName = (typeof LIQUIDATION_ERROR_NAMES)[number];

/** Name -> code of the liquidation errors (e.g. `LiquidationErrorCode.OverLiquidation`). */
export const LiquidationErrorCode: Readonly<Record<LiquidationErrorName, number>> = Object.freeze(
  Object.fromEntries(LIQUIDATION_ERROR_NAMES.map((n) => [n, ProgramErrorCode[n] ?? ClientErrorCode.Unknown])) as Record<LiquidationErrorName, number>,
);

/** Whether `e` is one of the program's liquidation errors (optionally a given one): name and code both match. */
export function isLiquidationError(e: unknown, name?: LiquidationErrorName): e is PortfolioMarginError & { name: LiquidationErrorName } {
  if (!(e instanceof PortfolioMarginError)) return false;
  if (!(LIQUIDATION_ERROR_NAMES as readonly string[]).includes(e.name) || e.code !== ProgramErrorCode[e.name]) return false;
  return name === undefined || e.name === name;
}
