// Pyth oracles, as the program reads them (programs/portfolio-margin/src/oracle): both account
// formats decoded, normalised to 1e6 bit-identically, and checked against the same limits with
// errors named like the program's. `readPrice` predicts exactly what `read_price` returns.
import { Connection, PublicKey, SystemProgram } from "@solana/web3.js";
import { ensure } from "./errors";
import { checkLimits } from "./limits";
import { to1e6 } from "./normalize";
import { parseLegacyPrice } from "./pyth-legacy";
import { parsePriceUpdateV2 } from "./pyth-pull";
import { OracleAccount, OracleLimits, OraclePrice, OracleSource, OracleSpec } from "./types";

export { OracleError } from "./errors";
export type { OracleErrorName } from "./errors";
export * from "./types";
export * from "./normalize";
export * from "./limits";
export * from "./pyth-pull";
export * from "./pyth-legacy";

/** Owner of every PriceUpdateV2 account (sponsored push feeds included). */
export const PYTH_RECEIVER_PROGRAM_ID = new PublicKey("rec5EKMGg6MxZYaMdyBfgwp4d5rB9T1VQH5pJv5LtFJ");
/** Legacy Pyth oracle program, mainnet-beta and devnet. */
export const PYTH_LEGACY_PROGRAM_ID_MAINNET = new PublicKey("FsJ3A3u2vn5cTVofAjvy6y5kwABJAqYWpe4975bi2epH");
export const PYTH_LEGACY_PROGRAM_ID_DEVNET = new PublicKey("gSbePebfvPy7tRqimPoVecS2UsBvYv46ynrzWocc92s");

/** A 32-byte Pyth feed id from hex (with or without `0x`). */
export function feedIdFromHex(hex: string): Uint8Array {
  const h = hex.startsWith("0x") ? hex.slice(2) : hex;
  if (!/^[0-9a-fA-F]{64}$/.test(h)) throw new Error(`feed id must be 32 bytes of hex: ${hex}`);
  return Uint8Array.from(h.match(/../g)!.map((b) => parseInt(b, 16)));
}

/** The program's `read_price`: account checks, parse, normalise, limits, in that order. */
export function readPrice(account: OracleAccount, spec: OracleSpec, limits: OracleLimits, now: bigint): OraclePrice {
  ensure(account.address.equals(spec.address), "OracleWrongAccount", account.address.toBase58());
  ensure(account.owner.equals(spec.ownerProgram), "OracleWrongOwner", account.owner.toBase58());
  const raw =
    spec.source === OracleSource.PythPull ? parsePriceUpdateV2(account.data, spec.feedId) : parseLegacyPrice(account.data);
  const { price, conf } = to1e6(raw.price, raw.conf, raw.exponent);
  const out = { price, conf, publishTime: raw.publishTime };
  checkLimits(out, limits, now);
  return out;
}

/** Fetches `spec.address` and reads it like the program would at `now` (default: the cluster's
 * block time). A missing account reads as an empty system account, hence OracleWrongOwner. */
export async function fetchOraclePrice(
  connection: Connection,
  spec: OracleSpec,
  limits: OracleLimits,
  now?: bigint,
): Promise<OraclePrice> {
  const info = await connection.getAccountInfo(spec.address);
  const at = now ?? BigInt((await connection.getBlockTime(await connection.getSlot())) ?? Math.floor(Date.now() / 1000));
  const account = { address: spec.address, owner: info?.owner ?? SystemProgram.programId, data: info?.data ?? new Uint8Array() };
  return readPrice(account, spec, limits, at);
}
