// A margin account's positions as `pm positions` shows them: model mark, unrealised P&L against
// the cost basis, perpetual funding owed, and where an expiry stands (open, expired awaiting a
// settlement price, settled with the cash it will pay).
import { MarginAccountInfo, OracleAction, quoteBalance } from "../accounts";
import { engineAccount, fundingOwed, lossOwed, MarginSnapshot, settledValue, snapshotPrices } from "../health";
import { evaluate, Kind } from "../risk";
import { cents, columns, usd } from "./output";
import { instrumentLabel } from "./risk-view";

export interface PositionView {
  market: string;
  marketIndex: number;
  instrumentIndex: number;
  instrument: string;
  size: bigint;
  /** Model value per contract (1e6), null once settled or when the mirror cannot price it. */
  mark: bigint | null;
  costBasis: bigint;
  /** Perpetual funding owed not yet in the basis (> 0: the account pays). */
  fundingOwed: bigint;
  /** Perpetual socialised loss owed not yet in the basis (a bankruptcy the insurance fund could not cover). */
  lossOwed: bigint;
  /** Model value (or settlement cash) less cost basis, funding and socialised loss owed. */
  pnl: bigint | null;
  settlement: "perpetual" | "open" | "expired" | "settled";
  settlementPrice: bigint | null;
  settlementCash: bigint | null;
}

export interface PositionsView {
  marginAccount: string;
  quoteBalance: bigint;
  quoteDebt: bigint;
  realizedPnl: bigint;
  positions: PositionView[];
}

export function buildPositionsView(s: MarginSnapshot): PositionsView {
  const a: MarginAccountInfo = s.account;
  let prices: ReturnType<typeof snapshotPrices> | null = null;
  try {
    prices = snapshotPrices(s, OracleAction.Liquidation);
  } catch {
    prices = null; // a stale oracle: no marks
  }
  const positions = a.positions.map((p): PositionView => {
    const m = s.markets.find((x) => x.marketIndex === p.marketIndex)!;
    const ins = m.instruments[p.instrumentIndex];
    const funding = ins.kind === Kind.Perp ? fundingOwed(p.size, m.fundingIndex, p.fundingSnapshot) : 0n;
    const loss = ins.kind === Kind.Perp ? lossOwed(p.size, m.lossIndex, p.lossSnapshot) : 0n;
    const owed = funding + loss;
    const expiry = ins.kind === Kind.Perp ? null : m.expiries[ins.expiryIndex];
    const cash = settledValue(p, m);
    const settlement = expiry === null ? "perpetual" : cash !== null ? "settled" : expiry.expiry <= s.now ? "expired" : "open";
    let mark: bigint | null = null;
    let pnl: bigint | null = null;
    if (cash !== null) {
      pnl = ins.kind === Kind.Future ? cash : cash - p.costBasis;
    } else if (prices) {
      try {
        // the engine's equity of this position alone: size x value (less the linear cost)
        const alone = { ...a, collaterals: [], quoteDebt: 0n, positions: [p] };
        const r = evaluate(engineAccount(alone, s.clearinghouse, s.markets, prices, s.now));
        const linearCost = ins.kind === Kind.Perp ? p.costBasis + owed : ins.kind === Kind.Future ? p.costBasis : 0n;
        const value = r.equity + linearCost;
        mark = (value * 1_000_000n) / p.size;
        pnl = value - p.costBasis - owed;
      } catch {
        mark = null;
      }
    }
    return {
      market: m.symbol,
      marketIndex: m.marketIndex,
      instrumentIndex: p.instrumentIndex,
      instrument: instrumentLabel(ins.kind, ins.expiry, ins.strike),
      size: p.size,
      mark,
      costBasis: p.costBasis,
      fundingOwed: funding,
      lossOwed: loss,
      pnl,
      settlement,
      settlementPrice: expiry && expiry.settlementPrice !== 0n ? expiry.settlementPrice : null,
      settlementCash: cash,
    };
  });
  return { marginAccount: a.address.toBase58(), quoteBalance: quoteBalance(a, s.clearinghouse.quoteMint), quoteDebt: a.quoteDebt, realizedPnl: a.realizedPnl, positions };
}

export function renderPositionsView(v: PositionsView): string[] {
  const header = [
    `margin account ${v.marginAccount}`,
    `  quote balance ${cents(v.quoteBalance)}${v.quoteDebt > 0n ? " (debt)" : ""}, realised P&L ${cents(v.realizedPnl)}`,
  ];
  if (v.positions.length === 0) return [...header, "  no open positions"];
  // socialised loss shows only where some was charged
  const losses = v.positions.some((p) => p.lossOwed !== 0n);
  const rows = [["market", "instrument", "size", "mark", "cost basis", "funding owed", ...(losses ? ["loss owed"] : []), "P&L", "settlement"]];
  for (const p of v.positions) {
    const state = p.settlement === "settled" ? `settled @ ${usd(p.settlementPrice!)} (cash ${cents(p.settlementCash!)})` : p.settlement;
    const loss = losses ? [cents(p.lossOwed)] : [];
    rows.push([p.market, p.instrument, usd(p.size), p.mark === null ? "-" : cents(p.mark), cents(p.costBasis), cents(p.fundingOwed), ...loss, p.pnl === null ? "-" : cents(p.pnl), state]);
  }
  return [...header, ...columns(rows, losses ? "llrrrrrrl" : "llrrrrrl")];
}
