// Positions with their model mark and unrealised P&L: each position alone through the mirror
// (size x value less the linear cost), as `pm positions` computes them.
import {
  engineAccount,
  fundingOwed,
  lossOwed,
  MarginSnapshot,
  OracleAction,
  settledValue,
  snapshotPrices,
} from "@portfolio-margin/sdk";
import { evaluate, Kind } from "@portfolio-margin/sdk/risk";
import { instrumentLabel } from "./markets";

export interface PositionRow {
  marketIndex: number;
  instrumentIndex: number;
  label: string;
  kind: Kind;
  /** Signed contracts at 1e6. */
  size: bigint;
  /** Model value per contract (1e6); null once settled or when it cannot be priced. */
  mark: bigint | null;
  costBasis: bigint;
  /** Funding and socialised loss owed by a perpetual, not yet in its basis (> 0: the account pays). */
  owed: bigint;
  /** Value (or settlement cash) less cost basis and what is owed; null when unpriced. */
  pnl: bigint | null;
  settled: boolean;
}

export function positionRows(s: MarginSnapshot): PositionRow[] {
  let prices: ReturnType<typeof snapshotPrices> | null;
  try {
    prices = snapshotPrices(s, OracleAction.Margin);
  } catch {
    prices = null; // a stale oracle: no marks
  }
  return s.account.positions.map((p) => {
    const m = s.markets.find((x) => x.marketIndex === p.marketIndex)!;
    const ins = m.instruments[p.instrumentIndex];
    const owed = ins.kind === Kind.Perp ? fundingOwed(p.size, m.fundingIndex, p.fundingSnapshot) + lossOwed(p.size, m.lossIndex, p.lossSnapshot) : 0n;
    const row: PositionRow = {
      marketIndex: p.marketIndex,
      instrumentIndex: p.instrumentIndex,
      label: instrumentLabel(m, p.instrumentIndex),
      kind: ins.kind,
      size: p.size,
      mark: null,
      costBasis: p.costBasis,
      owed,
      pnl: null,
      settled: false,
    };
    const cash = settledValue(p, m);
    if (cash !== null) return { ...row, settled: true, pnl: ins.kind === Kind.Future ? cash : cash - p.costBasis };
    if (!prices) return row;
    try {
      const alone = { ...s.account, collaterals: [], quoteDebt: 0n, positions: [p] };
      const r = evaluate(engineAccount(alone, s.clearinghouse, s.markets, prices, s.now));
      const linearCost = ins.kind === Kind.Perp ? p.costBasis + owed : ins.kind === Kind.Future ? p.costBasis : 0n;
      const value = r.equity + linearCost;
      return { ...row, mark: (value * 1_000_000n) / p.size, pnl: value - p.costBasis - owed };
    } catch {
      return row;
    }
  });
}
