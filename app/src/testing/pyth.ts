// Pyth price accounts for tests and demos: byte-exact writers for both formats (checked against
// Pyth's own decoders in tests/unit/oracle.test.ts) and a helper that puts such an account on
// the native localnet through its test-only `setAccount` RPC method.
import { Connection, PublicKey } from "@solana/web3.js";
import { setAccount } from "./localnet";
import {
  LEGACY_MAGIC,
  LEGACY_PRICE_ACCOUNT_LEN,
  LEGACY_TYPE_PRICE,
  LEGACY_VERSION,
  PRICE_UPDATE_V2_DISCRIMINATOR,
  PRICE_UPDATE_V2_LEN,
} from "../oracle";

/** `Full`: a guardian quorum signed the update; `Partial`: only `numSignatures` were checked. */
export type VerificationLevel = { kind: "Full" } | { kind: "Partial"; numSignatures: number };

/** Fields of a PriceUpdateV2 account; omitted optional ones are zero. */
export interface PriceUpdateV2Fields {
  writeAuthority?: PublicKey;
  verification: VerificationLevel;
  feedId: Uint8Array;
  price: bigint;
  conf: bigint;
  exponent: number;
  publishTime: bigint;
  prevPublishTime?: bigint;
  emaPrice?: bigint;
  emaConf?: bigint;
  postedSlot?: bigint;
}

/** A legacy EMA field: `value` and its `numerator / denominator`. */
export interface LegacyEma {
  value: bigint;
  numerator: bigint;
  denominator: bigint;
}

/** Fields of a legacy v2 price account (no publisher components). Omitted fields are zero,
 * except magic, version and account type, which default to a valid price account's (override
 * them to write a malformed one). */
export interface LegacyPriceFields {
  magic?: number;
  version?: number;
  accountType?: number;
  size?: number;
  priceType?: number;
  exponent: number;
  numQuoters?: number;
  lastSlot?: bigint;
  validSlot?: bigint;
  emaPrice?: LegacyEma;
  emaConf?: LegacyEma;
  /** Publish time of the aggregate (unix seconds). */
  timestamp: bigint;
  minPublishers?: number;
  productAccount?: PublicKey;
  nextPriceAccount?: PublicKey;
  prevSlot?: bigint;
  prevPrice?: bigint;
  prevConf?: bigint;
  prevTimestamp?: bigint;
  aggregate: {
    price: bigint;
    conf: bigint;
    /** 0 unknown, 1 trading, 2 halted, 3 auction, 4 ignored (written as a u32). */
    status: number;
    corporateAction?: number;
    publishSlot: bigint;
  };
}

/** Appends little-endian fields in order, like a Borsh serialiser. */
class Writer {
  private readonly buf: Buffer;
  private at = 0;
  constructor(size: number) {
    this.buf = Buffer.alloc(size);
  }
  bytes(b: Uint8Array, len = b.length): this {
    if (b.length !== len) throw new Error(`expected ${len} bytes, got ${b.length}`);
    this.buf.set(b, this.at);
    this.at += len;
    return this;
  }
  u8(v: number): this {
    this.at = this.buf.writeUInt8(v, this.at);
    return this;
  }
  u32(v: number): this {
    this.at = this.buf.writeUInt32LE(v, this.at);
    return this;
  }
  i32(v: number): this {
    this.at = this.buf.writeInt32LE(v, this.at);
    return this;
  }
  u64(v: bigint): this {
    this.at = this.buf.writeBigUInt64LE(v, this.at);
    return this;
  }
  i64(v: bigint): this {
    this.at = this.buf.writeBigInt64LE(v, this.at);
    return this;
  }
  seek(at: number): this {
    if (at < this.at) throw new Error(`seek back from ${this.at} to ${at}`);
    this.at = at;
    return this;
  }
  done(): Buffer {
    return this.buf;
  }
}

/** A PriceUpdateV2 account's data: the 134 bytes the receiver allocates (a Full update leaves
 * its last byte zero, a Partial one fills them). */
export function encodePriceUpdateV2(f: PriceUpdateV2Fields): Buffer {
  const w = new Writer(PRICE_UPDATE_V2_LEN)
    .bytes(PRICE_UPDATE_V2_DISCRIMINATOR)
    .bytes((f.writeAuthority ?? PublicKey.default).toBytes(), 32);
  if (f.verification.kind === "Full") w.u8(1);
  else w.u8(0).u8(f.verification.numSignatures);
  return w
    .bytes(f.feedId, 32)
    .i64(f.price)
    .u64(f.conf)
    .i32(f.exponent)
    .i64(f.publishTime)
    .i64(f.prevPublishTime ?? 0n)
    .i64(f.emaPrice ?? 0n)
    .u64(f.emaConf ?? 0n)
    .u64(f.postedSlot ?? 0n)
    .done();
}

const ZERO_EMA: LegacyEma = { value: 0n, numerator: 0n, denominator: 0n };

/** A legacy v2 price account's data (3312 bytes, header only: no publisher components). */
export function encodeLegacyPrice(f: LegacyPriceFields): Buffer {
  const ema = (w: Writer, e: LegacyEma) => w.i64(e.value).i64(e.numerator).i64(e.denominator);
  const w = new Writer(LEGACY_PRICE_ACCOUNT_LEN)
    .u32(f.magic ?? LEGACY_MAGIC)
    .u32(f.version ?? LEGACY_VERSION)
    .u32(f.accountType ?? LEGACY_TYPE_PRICE)
    .u32(f.size ?? 0)
    .u32(f.priceType ?? 0)
    .i32(f.exponent)
    .u32(0) // number of publisher components: none are written
    .u32(f.numQuoters ?? 0)
    .u64(f.lastSlot ?? 0n)
    .u64(f.validSlot ?? 0n);
  ema(w, f.emaPrice ?? ZERO_EMA);
  ema(w, f.emaConf ?? ZERO_EMA);
  w.i64(f.timestamp)
    .u8(f.minPublishers ?? 0)
    .seek(112)
    .bytes((f.productAccount ?? PublicKey.default).toBytes(), 32)
    .bytes((f.nextPriceAccount ?? PublicKey.default).toBytes(), 32)
    .u64(f.prevSlot ?? 0n)
    .i64(f.prevPrice ?? 0n)
    .u64(f.prevConf ?? 0n)
    .i64(f.prevTimestamp ?? 0n)
    .i64(f.aggregate.price)
    .u64(f.aggregate.conf)
    .u32(f.aggregate.status)
    .u32(f.aggregate.corporateAction ?? 0)
    .u64(f.aggregate.publishSlot);
  return w.done();
}

/** Writes an account on the native localnet (its test-only `setAccount` RPC method; a real
 * validator rejects it). `lamports` defaults to the rent-exempt minimum for `data`. */
export async function setPythAccount(
  connection: Connection,
  address: PublicKey,
  account: { owner: PublicKey; data: Uint8Array; lamports?: number },
): Promise<void> {
  await setAccount(connection, address, account);
}
