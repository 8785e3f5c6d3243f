// PriceUpdateV2, the Pyth receiver program's price account (pull updates and sponsored push
// feeds). Mirrors programs/portfolio-margin/src/oracle/pyth_pull.rs; the layout is Borsh after
// Anchor's discriminator: write_authority, verification_level (Partial = [0, n], Full = [1]),
// price_message (feed_id, price, conf, exponent, publish_time, prev_publish_time, ema_price,
// ema_conf), posted_slot.
import { PublicKey } from "@solana/web3.js";
import { bytesAt, bytesEqual, i32At, i64At, u64At, u8At } from "./bytes";
import { ensure } from "./errors";
import { PythPriceData, RawPrice } from "./types";

/** `sha256("account:PriceUpdateV2")[..8]` (tests recompute it). */
export const PRICE_UPDATE_V2_DISCRIMINATOR = Uint8Array.from([0x22, 0xf1, 0x23, 0x63, 0x9d, 0x7e, 0xf4, 0xcd]);
/** Bytes the receiver allocates for every PriceUpdateV2 (sized for the 2-byte Partial tag). */
export const PRICE_UPDATE_V2_LEN = 134;

const VERIFICATION_LEVEL = 8 + 32;
const PRICE_MESSAGE_LEN = 32 + 8 + 8 + 4 + 8 + 8 + 8 + 8;
const POSTED_SLOT_LEN = 8;

/** A decoded PriceUpdateV2. `verified` is true for `Full` only. */
export interface PriceUpdateV2Data extends PythPriceData {
  writeAuthority: PublicKey;
  verified: boolean;
  /** Guardian signatures checked, for a `Partial` update. */
  numSignatures?: number;
  feedId: Uint8Array;
  prevPublishTime: bigint;
  emaPrice: bigint;
  emaConf: bigint;
  postedSlot: bigint;
}

/** Decodes a PriceUpdateV2; OracleInvalidData for a wrong discriminator, tag or length. */
export function decodePriceUpdateV2(data: Uint8Array): PriceUpdateV2Data {
  ensure(
    data.length >= 8 && bytesEqual(data.subarray(0, 8), PRICE_UPDATE_V2_DISCRIMINATOR),
    "OracleInvalidData",
    "not a PriceUpdateV2 (discriminator)",
  );
  const tag = data.length > VERIFICATION_LEVEL ? u8At(data, VERIFICATION_LEVEL) : -1;
  ensure(tag === 0 || tag === 1, "OracleInvalidData", `unknown verification level ${tag}`);
  const verified = tag === 1;
  const m = VERIFICATION_LEVEL + (verified ? 1 : 2);
  ensure(data.length >= m + PRICE_MESSAGE_LEN + POSTED_SLOT_LEN, "OracleInvalidData", "PriceUpdateV2 too short");
  return {
    writeAuthority: new PublicKey(bytesAt(data, 8, 32)),
    verified,
    numSignatures: verified ? undefined : u8At(data, VERIFICATION_LEVEL + 1),
    feedId: bytesAt(data, m, 32),
    price: i64At(data, m + 32),
    conf: u64At(data, m + 40),
    exponent: i32At(data, m + 48),
    publishTime: i64At(data, m + 52),
    prevPublishTime: i64At(data, m + 60),
    emaPrice: i64At(data, m + 68),
    emaConf: u64At(data, m + 76),
    postedSlot: u64At(data, m + 84),
  };
}

/** The program's `parse_price_update_v2`: decode, then OracleUnverified, then OracleFeedMismatch. */
export function parsePriceUpdateV2(data: Uint8Array, feedId: Uint8Array): RawPrice {
  const d = decodePriceUpdateV2(data);
  ensure(d.verified, "OracleUnverified", `Partial update (${d.numSignatures} signatures)`);
  ensure(bytesEqual(d.feedId, feedId), "OracleFeedMismatch");
  return { price: d.price, conf: d.conf, exponent: d.exponent, publishTime: d.publishTime };
}
