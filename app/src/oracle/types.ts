// Oracle types shared by the decoders and readPrice; mirror programs/portfolio-margin/src/oracle/mod.rs.
import { PublicKey } from "@solana/web3.js";

/** Fields both Pyth formats decode to; `feedId`/`verified` (pull) and `status` (legacy) are format-specific. */
export interface PythPriceData {
  price: bigint;
  conf: bigint;
  exponent: number;
  publishTime: bigint;
  feedId?: Uint8Array;
  verified?: boolean;
  status?: number;
}

/** A price as the feed publishes it (`price x 10^exponent`), before normalisation and limits. */
export interface RawPrice {
  price: bigint;
  conf: bigint;
  exponent: number;
  publishTime: bigint;
}

/** Which Pyth account format a market's oracle uses (the program's `OracleSource`, stored as a u8). */
export enum OracleSource {
  PythPull = 0,
  PythLegacy = 1,
}

/** What a market expects of its oracle account (the program's `OracleSpec`). */
export interface OracleSpec {
  source: OracleSource;
  address: PublicKey;
  /** Pyth feed id (pull only; ignored for legacy accounts). */
  feedId: Uint8Array;
  /** The receiver program (pull) or the legacy oracle program. */
  ownerProgram: PublicKey;
}

/** Validity limits of one action class (the program's `OracleLimits`). */
export interface OracleLimits {
  maxAgeSecs: number;
  maxConfPpm: number;
}

/** A validated price at 1e6: price rounded down, confidence rounded up. */
export interface OraclePrice {
  price: bigint;
  conf: bigint;
  publishTime: bigint;
}

/** The account `readPrice` reads: its address, owner and data. */
export interface OracleAccount {
  address: PublicKey;
  owner: PublicKey;
  data: Uint8Array;
}
