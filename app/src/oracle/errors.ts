// Oracle errors, named exactly like the program's `PmError` variants, so an off-chain check and
// an on-chain failure read the same.

/** The `PmError` variants that `read_price` (programs/portfolio-margin/src/oracle) can return. */
export type OracleErrorName =
  | "OracleWrongOwner"
  | "OracleWrongAccount"
  | "OracleFeedMismatch"
  | "OracleUnverified"
  | "OracleInvalidData"
  | "OracleNotTrading"
  | "OracleStale"
  | "OracleNonPositivePrice"
  | "OracleConfidenceTooWide"
  | "OracleOutOfRange"
  | "MathOverflow";

/** An oracle check failed; `name` (and `code`) is the program's `PmError` variant. */
export class OracleError extends Error {
  readonly code: OracleErrorName;
  constructor(code: OracleErrorName, detail?: string) {
    super(detail ? `${code}: ${detail}` : code);
    this.code = code;
    this.name = code;
  }
}

/** Throws `OracleError(code)` unless `cond` holds (the TS twin of Anchor's `require!`). */
export function ensure(cond: boolean, code: OracleErrorName, detail?: string): asserts cond {
  if (!cond) throw new OracleError(code, detail);
}
