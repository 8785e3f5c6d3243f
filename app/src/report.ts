// `simulate_margin`'s return data (the program's `MarginReport`), decoded to bigints.
import { BorshCoder, Idl } from "@coral-xyz/anchor";
import { PublicKey } from "@solana/web3.js";
import BN from "bn.js";
import { IDL } from "./idl";

export interface AddOnAmounts {
  mm: bigint;
  im: bigint;
}

export interface MarketScenarioReport {
  marketIndex: number;
  worstIndex: number;
  /** Scenario P&L (quote units, tails weighted), in the engine's scenario order. */
  pnl: bigint[];
}

/** The program's margin report of one account; amounts in quote units. */
export interface MarginReport {
  marginAccount: PublicKey;
  /** The unix time the program evaluated the account at. */
  timestamp: bigint;
  equity: bigint;
  mm: bigint;
  im: bigint;
  scanLoss: bigint;
  scanMargin: AddOnAmounts;
  nakedShort: AddOnAmounts;
  linear: AddOnAmounts;
  haircut: AddOnAmounts;
  staleVol: AddOnAmounts;
  imFloor: bigint;
  worstJointIndex: number;
  markets: MarketScenarioReport[];
}

// the IDL as emitted (snake_case names): decoding does not depend on Anchor's camelCase conversion
const coder = new BorshCoder(IDL as unknown as Idl);
const big = (x: BN): bigint => BigInt(x.toString());
const addOn = (a: { mm: BN; im: BN }): AddOnAmounts => ({ mm: big(a.mm), im: big(a.im) });

/** As the IDL (snake_case) spells it. */
interface RawReport {
  timestamp: BN; equity: BN; mm: BN; im: BN; scan_loss: BN; im_floor: BN; worst_joint_index: number;
  scan_margin: { mm: BN; im: BN }; naked_short: { mm: BN; im: BN }; linear: { mm: BN; im: BN };
  haircut: { mm: BN; im: BN }; stale_vol: { mm: BN; im: BN };
  markets: { market_index: number; worst_index: number; pnl: BN[] }[];
}

export function decodeMarginReport(data: Buffer, marginAccount: PublicKey): MarginReport {
  const r = coder.types.decode<RawReport>("MarginReport", data);
  return {
    marginAccount,
    timestamp: big(r.timestamp),
    equity: big(r.equity),
    mm: big(r.mm),
    im: big(r.im),
    scanLoss: big(r.scan_loss),
    scanMargin: addOn(r.scan_margin),
    nakedShort: addOn(r.naked_short),
    linear: addOn(r.linear),
    haircut: addOn(r.haircut),
    staleVol: addOn(r.stale_vol),
    imFloor: big(r.im_floor),
    worstJointIndex: r.worst_joint_index,
    markets: r.markets.map((m) => ({ marketIndex: m.market_index, worstIndex: m.worst_index, pnl: m.pnl.map(big) })),
  };
}
