// The legacy v2 price account of the Pyth oracle program. Mirrors
// programs/portfolio-margin/src/oracle/pyth_legacy.rs (fixed offsets; only the 240-byte header
// before the publisher components is read).
import { i32At, i64At, u32At, u64At } from "./bytes";
import { ensure } from "./errors";
import { PythPriceData, RawPrice } from "./types";

export const LEGACY_MAGIC = 0xa1b2c3d4;
export const LEGACY_VERSION = 2;
/** Account type of a price account (1 mapping, 2 product, 3 price). */
export const LEGACY_TYPE_PRICE = 3;
/** Size of a v2 price account: header plus 32 publisher components of 96 bytes. */
export const LEGACY_PRICE_ACCOUNT_LEN = 3312;
/** Everything before the first publisher component: the most the parser reads. */
export const LEGACY_HEADER_LEN = 240;

/** Aggregate status, read as a u32 (only Trading is accepted). */
export enum LegacyPriceStatus {
  Unknown = 0,
  Trading = 1,
  Halted = 2,
  Auction = 3,
  Ignored = 4,
}

/** A decoded legacy price account: the aggregate price and its status. */
export interface LegacyPriceData extends PythPriceData {
  status: number;
  /** Slot of the aggregate price. */
  publishSlot: bigint;
}

/** Decodes a legacy price account; OracleInvalidData if short or not a v2 price account. */
export function decodeLegacyPrice(data: Uint8Array): LegacyPriceData {
  ensure(data.length >= LEGACY_HEADER_LEN, "OracleInvalidData", `legacy price account too short (${data.length})`);
  ensure(
    u32At(data, 0) === LEGACY_MAGIC && u32At(data, 4) === LEGACY_VERSION && u32At(data, 8) === LEGACY_TYPE_PRICE,
    "OracleInvalidData",
    "not a v2 Pyth price account (magic, version or type)",
  );
  return {
    exponent: i32At(data, 20),
    publishTime: i64At(data, 96),
    price: i64At(data, 208),
    conf: u64At(data, 216),
    status: u32At(data, 224),
    publishSlot: u64At(data, 232),
  };
}

/** The program's `parse_legacy_price`: decode, then OracleNotTrading unless status is Trading. */
export function parseLegacyPrice(data: Uint8Array): RawPrice {
  const d = decodeLegacyPrice(data);
  ensure(d.status === LegacyPriceStatus.Trading, "OracleNotTrading", `status ${d.status}`);
  return { price: d.price, conf: d.conf, exponent: d.exponent, publishTime: d.publishTime };
}
