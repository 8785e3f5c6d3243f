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

const coder = new BorshCoder(IDL as unknown as Idl);
const big = (x: BN): bigint => BigInt(x.toString());
const addOn = (a: { mm: BN; im: BN }): AddOnAmounts => ({ mm: big(a.mm), im: big(a.im) });

interface RawReport {
  equity: BN; mm: BN; im: BN; scanLoss: BN; imFloor: BN; worstJointIndex: number;
  scanMargin: { mm: BN; im: BN }; nakedShort: { mm: BN; im: BN }; linear: { mm: BN; im: BN };
  haircut: { mm: BN; im: BN }; staleVol: { mm: BN; im: BN };
  markets: { marketIndex: number; worstIndex: number; pnl: BN[] }[];
}

export function decodeMarginReport(data: Buffer, marginAccount: PublicKey): MarginReport {
  const r = coder.types.decode<RawReport>("marginReport", data);
  return {
    marginAccount,
    equity: big(r.equity),
    mm: big(r.mm),
    im: big(r.im),
    scanLoss: big(r.scanLoss),
    scanMargin: addOn(r.scanMargin),
    nakedShort: addOn(r.nakedShort),
    linear: addOn(r.linear),
    haircut: addOn(r.haircut),
    staleVol: addOn(r.staleVol),
    imFloor: big(r.imFloor),
    worstJointIndex: r.worstJointIndex,
    markets: r.markets.map((m) => ({ marketIndex: m.marketIndex, worstIndex: m.worstIndex, pnl: m.pnl.map(big) })),
  };
}
