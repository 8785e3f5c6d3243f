// Every market of a clearinghouse with its oracle read as the program reads it, the instruments a
// form can pick from, and an instrument's model mark (the engine's value of one contract).
import {
  ClearinghouseInfo,
  clusterTime,
  marketState,
  MarketInfo,
  OracleAccount,
  OracleAction,
  OraclePrice,
  oracleSpecOf,
  PortfolioMarginClient,
  readPrice,
} from "@portfolio-margin/sdk";
import { Kind, markValue } from "@portfolio-margin/sdk/risk";
import { PublicKey, SystemProgram } from "@solana/web3.js";
import { isoDay, units6 } from "../format";

export interface MarketsData {
  clearinghouse: ClearinghouseInfo;
  markets: MarketInfo[];
  /** Oracle accounts, same order as `markets`. */
  oracles: OracleAccount[];
  /** Cluster time when read. */
  now: bigint;
}

export async function loadMarkets(client: PortfolioMarginClient, clearinghouse: PublicKey): Promise<MarketsData> {
  const [ch, markets] = await Promise.all([client.fetchClearinghouseInfo(clearinghouse), client.allMarkets(clearinghouse)]);
  const infos = await client.connection.getMultipleAccountsInfo(markets.map((m) => m.oracle));
  const oracles = markets.map((m, i) => ({ address: m.oracle, owner: infos[i]?.owner ?? SystemProgram.programId, data: infos[i]?.data ?? new Uint8Array() }));
  return { clearinghouse: ch, markets, oracles, now: await clusterTime(client.connection) };
}

export function marketByIndex(d: MarketsData, marketIndex: number): { market: MarketInfo; oracle: OracleAccount } {
  const i = d.markets.findIndex((m) => m.marketIndex === marketIndex);
  if (i < 0) throw new Error(`market #${marketIndex} is not listed`);
  return { market: d.markets[i], oracle: d.oracles[i] };
}

/** The market's oracle price with the limits of `action` (throws the SDK's OracleError). */
export function oraclePrice(d: MarketsData, marketIndex: number, action = OracleAction.Margin): OraclePrice {
  const { market, oracle } = marketByIndex(d, marketIndex);
  return readPrice(oracle, oracleSpecOf(market, d.clearinghouse), market.oracleLimits[action], d.now);
}

export const KIND_LABELS: Record<Kind, string> = { [Kind.Perp]: "perp", [Kind.Future]: "future", [Kind.Call]: "call", [Kind.Put]: "put" };

export function instrumentLabel(m: MarketInfo, instrumentIndex: number): string {
  const ins = m.instruments[instrumentIndex];
  if (!ins) return `#${instrumentIndex}`;
  const day = ins.expiry === null ? "" : ` ${isoDay(ins.expiry)}`;
  const strike = ins.kind === Kind.Call || ins.kind === Kind.Put ? ` ${units6(ins.strike)}` : "";
  return `${m.symbol} ${KIND_LABELS[ins.kind]}${strike}${day}`;
}

/** Instruments still tradeable (perpetual, or expiry ahead of `now`). */
export function tradeableInstruments(m: MarketInfo, now: bigint): { index: number; label: string }[] {
  return m.instruments
    .filter((ins) => ins.expiry === null || ins.expiry > now)
    .map((ins) => ({ index: ins.index, label: instrumentLabel(m, ins.index) }));
}

/** One contract's model value (1e6): the perpetual at spot, a future at its forward, an option at the engine's value. */
export function modelMark(d: MarketsData, marketIndex: number, instrumentIndex: number): bigint {
  const { market } = marketByIndex(d, marketIndex);
  const ins = market.instruments[instrumentIndex];
  if (!ins) throw new Error(`instrument #${instrumentIndex} is not listed in ${market.symbol}`);
  const state = marketState(market, oraclePrice(d, marketIndex), d.now);
  return markValue(state, ins.kind, ins.expiryIndex, ins.strike, d.now).long;
}

export function isLinear(m: MarketInfo, instrumentIndex: number): boolean {
  const k = m.instruments[instrumentIndex]?.kind;
  return k === Kind.Perp || k === Kind.Future;
}
