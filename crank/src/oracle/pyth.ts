// The oracle's own price, read with Pyth's decoders (the vol refresh's price history): legacy
// price accounts with @pythnetwork/client, PriceUpdateV2 with the receiver program's IDL and
// the Anchor coder its SDK ships with. The SDK's own decoders (what the margin check mirrors)
// are checked against these byte for byte in tests/unit/oracle.test.ts.
import path from "path";
import { parsePriceData } from "@pythnetwork/client";
import { IDL as RECEIVER_IDL } from "@pythnetwork/pyth-solana-receiver/lib/idl/pyth_solana_receiver";
import type { OracleAccount } from "../sdk";
import { OracleSource } from "../sdk";

export interface OracleSample {
  /** Price as a number (display and statistics only; margin math never sees it). */
  price: number;
  /** Unix seconds the publisher stamped. */
  publishTime: number;
}

let receiverCoder: { decode(name: string, data: Buffer): any } | null = null;

/** The receiver SDK's own Anchor (0.29) coder: its IDL is in the pre-0.30 format. */
function receiver(): { decode(name: string, data: Buffer): any } {
  if (!receiverCoder) {
    const dir = path.dirname(require.resolve("@pythnetwork/pyth-solana-receiver/package.json"));
    const anchor = require(require.resolve("@coral-xyz/anchor", { paths: [dir] }));
    receiverCoder = new anchor.BorshAccountsCoder(RECEIVER_IDL);
  }
  return receiverCoder!;
}

/** Null when the account cannot be decoded or carries no price. */
export function sampleOracle(source: OracleSource, account: OracleAccount): OracleSample | null {
  try {
    const data = Buffer.from(account.data);
    if (source === OracleSource.PythPull) {
      const m = receiver().decode("priceUpdateV2", data).priceMessage;
      const price = Number(m.price.toString()) * 10 ** m.exponent;
      return price > 0 ? { price, publishTime: Number(m.publishTime.toString()) } : null;
    }
    const p = parsePriceData(data);
    const price = p.price ?? p.aggregate.price;
    return price > 0 ? { price, publishTime: Number(p.timestamp) } : null;
  } catch {
    return null;
  }
}
