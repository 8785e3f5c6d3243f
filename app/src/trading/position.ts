// Where a fill lands in an account's position list, as the program's `MarginAccount::position_slot`: the
// open position in that instrument, or a new flat one whose perpetual snapshots start at the
// market's current funding and loss indices (so it owes nothing for the past).
import type { MarketInfo, PositionInfo } from "../accounts";
import { Kind } from "../risk";

export interface PositionSlot {
  /** The account's open position in the instrument, if any. */
  existing: PositionInfo | undefined;
  /** That position, or a new flat one. */
  position: PositionInfo;
}

export function positionSlot(positions: PositionInfo[], market: MarketInfo, instrumentIndex: number): PositionSlot {
  const existing = positions.find((p) => p.marketIndex === market.marketIndex && p.instrumentIndex === instrumentIndex && p.size !== 0n);
  const perp = market.instruments[instrumentIndex].kind === Kind.Perp;
  const position: PositionInfo = existing ?? {
    marketIndex: market.marketIndex,
    instrumentIndex,
    size: 0n,
    costBasis: 0n,
    fundingSnapshot: perp ? market.fundingIndex : 0n,
    lossSnapshot: perp ? market.lossIndex : 0n,
  };
  return { existing, position };
}

/** The position list with `next` in the slot's place (appended if it was new), flat positions dropped. */
export function withPosition(positions: PositionInfo[], slot: PositionSlot, next: PositionInfo): PositionInfo[] {
  const replaced = slot.existing ? positions.map((p) => (p === slot.existing ? next : p)) : [...positions, next];
  return replaced.filter((p) => p.size !== 0n);
}
