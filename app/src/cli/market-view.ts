// What `pm market list|show` and `pm collateral list` print: markets with their oracle read under
// each action class's limits, parameters with their bounds, expiries and instruments; collateral
// mints with their vault balances. Built from fetched accounts; rendered as text or JSON.
import { Connection, PublicKey, SystemProgram } from "@solana/web3.js";
import { ClearinghouseInfo, MarketInfo, MarketStatus, volStale } from "../accounts";
import type { PortfolioMarginClient } from "../client";
import { U64_MAX } from "../constants";
import { clusterTime, oracleStatus } from "../health";
import { OracleSource } from "../oracle";
import { Kind, MARKET_PARAMS } from "../risk";
import { formatUiAmount } from "../units";
import { columns, duration, isoTime, pctPpm, usd } from "./output";

export const ACTION_NAMES = ["riskIncreasing", "margin", "liquidation"] as const;
const ACTION_LABELS = ["risk-increasing", "margin", "liquidation"];
export const KIND_NAMES: Record<Kind, string> = { [Kind.Perp]: "perp", [Kind.Future]: "future", [Kind.Call]: "call", [Kind.Put]: "put" };
const STATUS_NAMES: Record<number, string> = { [MarketStatus.Active]: "active", [MarketStatus.ReduceOnly]: "reduceOnly", [MarketStatus.Paused]: "paused" };

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const decimal = (x: bigint, decimals = 6): string => formatUiAmount(x, decimals, { minDecimals: 0 });

export interface OracleView {
  address: PublicKey;
  format: "PriceUpdateV2" | "legacy";
  /** Pyth feed id (hex), PriceUpdateV2 only. */
  feedId: string | null;
  /** At 1e6; null when the account cannot be read at all (see `error`). */
  price: bigint | null;
  conf: bigint | null;
  priceUsd: string | null;
  confUsd: string | null;
  publishTime: bigint | null;
  ageSecs: bigint | null;
  error: string | null;
  /** Per action class: its limits and whether the program would accept the price now. */
  actions: Record<(typeof ACTION_NAMES)[number], { maxAgeSecs: number; maxConfPpm: number; ok: boolean; error: string | null }>;
}

export interface ExpiryView {
  index: number;
  expiry: bigint;
  time: string;
  expired: boolean;
  atmPpm: bigint;
  skewPpm: bigint;
  curvPpm: bigint;
  basisPpm: bigint;
  settlementPrice: bigint;
}

export interface MarketSummaryView {
  marketIndex: number;
  symbol: string;
  address: PublicKey;
  status: string;
  oracle: OracleView;
  expiries: ExpiryView[];
  instrumentCount: number;
  vol: { sequence: bigint; updatedAt: bigint; ageSecs: bigint; maxAgeSecs: number; stale: boolean };
}

export interface MarketDetailView extends MarketSummaryView {
  params: { name: string; key: string; value: number; min: number; max: number; default: number; tighter: string }[];
  volGuards: MarketInfo["volGuards"];
  fundingIndex: bigint;
  instruments: { index: number; kind: string; expiryIndex: number | null; expiry: bigint | null; strike: bigint | null; openInterest: bigint }[];
}

/** The clearinghouse, its markets, their oracle accounts and the cluster time, fetched together. */
export interface MarketsState {
  clearinghouse: ClearinghouseInfo;
  markets: MarketInfo[];
  oracles: { address: PublicKey; owner: PublicKey; data: Uint8Array }[];
  now: bigint;
}

export async function fetchMarketsState(client: PortfolioMarginClient, clearinghouse: PublicKey): Promise<MarketsState> {
  const [ch, markets, now] = await Promise.all([
    client.fetchClearinghouseInfo(clearinghouse),
    client.allMarkets(clearinghouse),
    clusterTime(client.connection),
  ]);
  const infos = markets.length ? await client.connection.getMultipleAccountsInfo(markets.map((m) => m.oracle)) : [];
  const oracles = markets.map((m, i) => ({
    address: m.oracle,
    owner: infos[i]?.owner ?? SystemProgram.programId,
    data: infos[i]?.data ?? new Uint8Array(),
  }));
  return { clearinghouse: ch, markets, oracles, now };
}

/** A market by index or symbol (case-insensitive); an error naming the markets there are. */
export function findMarket(s: MarketsState, ref: string): number {
  const i = /^\d+$/.test(ref)
    ? s.markets.findIndex((m) => m.marketIndex === Number(ref))
    : s.markets.findIndex((m) => m.symbol.toUpperCase() === ref.toUpperCase());
  if (i < 0) {
    const known = s.markets.map((m) => `${m.marketIndex} ${m.symbol}`).join(", ") || "none";
    throw new Error(`no market "${ref}" in clearinghouse ${s.clearinghouse.address.toBase58()} (markets: ${known})`);
  }
  return i;
}

export function marketSummary(s: MarketsState, i: number): MarketSummaryView {
  const m = s.markets[i];
  const st = oracleStatus(m, s.clearinghouse, s.oracles[i], s.now);
  const actions = Object.fromEntries(
    ACTION_NAMES.map((name, a) => [
      name,
      { ...m.oracleLimits[a], ok: st.actions[a].error === null, error: st.actions[a].error },
    ]),
  ) as OracleView["actions"];
  return {
    marketIndex: m.marketIndex,
    symbol: m.symbol,
    address: m.address,
    status: STATUS_NAMES[m.status] ?? `unknown(${m.status})`,
    oracle: {
      address: m.oracle,
      format: m.oracleSource === OracleSource.PythPull ? "PriceUpdateV2" : "legacy",
      feedId: m.oracleSource === OracleSource.PythPull ? hex(m.feedId) : null,
      price: st.price?.price ?? null,
      conf: st.price?.conf ?? null,
      priceUsd: st.price ? decimal(st.price.price) : null,
      confUsd: st.price ? decimal(st.price.conf) : null,
      publishTime: st.price?.publishTime ?? null,
      ageSecs: st.ageSecs,
      error: st.error,
      actions,
    },
    expiries: m.expiries.map((e) => ({ ...e, time: isoTime(e.expiry), expired: e.expiry <= s.now })),
    instrumentCount: m.instruments.length,
    vol: {
      sequence: m.volSequence,
      updatedAt: m.volUpdatedAt,
      ageSecs: s.now - m.volUpdatedAt,
      maxAgeSecs: m.volGuards.maxAgeSecs,
      stale: volStale(m, s.now),
    },
  };
}

export function marketDetail(s: MarketsState, i: number): MarketDetailView {
  const m = s.markets[i];
  const values = m.params as unknown as Record<string, number>;
  return {
    ...marketSummary(s, i),
    params: MARKET_PARAMS.map((p) => ({ name: p.name, key: p.key, value: values[p.key], min: p.min, max: p.max, default: p.default, tighter: p.tighter })),
    volGuards: m.volGuards,
    fundingIndex: m.fundingIndex,
    instruments: m.instruments.map((ins) => ({
      index: ins.index,
      kind: KIND_NAMES[ins.kind],
      expiryIndex: ins.kind === Kind.Perp ? null : ins.expiryIndex,
      expiry: ins.expiry,
      strike: ins.kind === Kind.Call || ins.kind === Kind.Put ? ins.strike : null,
      openInterest: ins.openInterest,
    })),
  };
}

// ---------------------------------------------------------------- text

function validity(o: OracleView): string {
  return ACTION_NAMES.map((a, k) => `${ACTION_LABELS[k]} ${o.actions[a].ok ? "ok" : o.actions[a].error}`).join(" · ");
}

/** "100,000.00 ± 10.00", or why the oracle cannot be read. */
export function priceText(o: OracleView): string {
  return o.price === null || o.conf === null ? `unreadable (${o.error})` : `${usd(o.price)} ± ${usd(o.conf)}`;
}

function priceLine(o: OracleView): string {
  if (o.ageSecs === null) return priceText(o);
  return `${priceText(o)}  (published ${o.ageSecs === 0n ? "now" : `${duration(o.ageSecs)} ago`})`;
}

function instrumentCounts(m: MarketInfo): string {
  const n = (k: Kind) => m.instruments.filter((x) => x.kind === k).length;
  return `${m.instruments.length} (${n(Kind.Perp)} perp, ${n(Kind.Future)} futures, ${n(Kind.Call)} calls, ${n(Kind.Put)} puts)`;
}

function volLine(v: MarketSummaryView["vol"], hasExpiries: boolean): string {
  const age = `updated ${duration(v.ageSecs)} ago (max age ${duration(v.maxAgeSecs)})`;
  return hasExpiries ? `${age}: ${v.stale ? "STALE (stale-vol add-on, risk-increasing actions refused)" : "fresh"}` : `${age}: no expiries`;
}

export function renderMarketList(s: MarketsState, views: MarketSummaryView[]): string[] {
  const out = [`${views.length} market(s) in clearinghouse ${s.clearinghouse.address.toBase58()} at ${isoTime(s.now)} (cluster time)`];
  views.forEach((v, k) => {
    const m = s.markets[k];
    out.push(
      "",
      `#${v.marketIndex} ${v.symbol}  ${v.status}  market ${v.address.toBase58()}`,
      ...columns(
        [
          ["oracle", `${v.oracle.address.toBase58()} (${v.oracle.format}${v.oracle.feedId ? `, feed ${v.oracle.feedId.slice(0, 16)}…` : ""})`],
          ["price", priceLine(v.oracle)],
          ["valid for", validity(v.oracle)],
          ["expiries", v.expiries.map((e) => `${e.time}${e.expired ? " (expired)" : ""}`).join(", ") || "none"],
          ["instruments", instrumentCounts(m)],
          ["vols", volLine(v.vol, v.expiries.length > 0)],
        ],
        "",
        "   ",
      ),
    );
  });
  return out;
}

const strikeOf = (x: bigint | null): string => (x === null ? "-" : usd(x));

export function renderMarketDetail(s: MarketsState, v: MarketDetailView): string[] {
  const m = s.markets.find((x) => x.marketIndex === v.marketIndex)!;
  const o = v.oracle;
  const out = [
    `${v.symbol} (market #${v.marketIndex})  ${v.status}  ${v.address.toBase58()}  at ${isoTime(s.now)}`,
    "",
    "oracle",
    ...columns(
      [
        ["address", o.address.toBase58()],
        ["format", o.format + (o.feedId ? `, feed id 0x${o.feedId}` : "")],
        ["price", priceLine(o)],
      ],
      "",
      "  ",
    ),
    "  limits per action class:",
    ...columns(
      [
        ["action", "max age", "max conf", "now"],
        ...ACTION_NAMES.map((a, k) => [ACTION_LABELS[k], `${o.actions[a].maxAgeSecs}s`, pctPpm(o.actions[a].maxConfPpm), o.actions[a].ok ? "ok" : `${o.actions[a].error}`]),
      ],
      "lrrl",
      "    ",
    ),
    "",
    "parameters (engine units; bounds and defaults from MARKET_PARAMS)",
    ...columns(
      [["name", "value", "min", "max", "default", "tighter"], ...v.params.map((p) => [p.name, String(p.value), String(p.min), String(p.max), String(p.default), p.tighter])],
      "lrrrrl",
    ),
    "",
    "vol guards",
    ...columns(Object.entries(v.volGuards).map(([k, x]) => [k, String(x)]), "lr"),
    `  vols: ${volLine(v.vol, v.expiries.length > 0)}; sequence ${v.vol.sequence}`,
    "",
    "expiries (smile: vol(k) = atm + skew k + curv k², k = ln(K/F); forward F = S e^(basis T))",
    ...(v.expiries.length
      ? columns(
          [
            ["#", "expiry", "days", "atm", "skew", "curv", "basis", "settlement"],
            ...v.expiries.map((e) => [
              String(e.index),
              e.time,
              (Number(e.expiry - s.now) / 86_400).toFixed(1),
              pctPpm(e.atmPpm),
              pctPpm(e.skewPpm),
              pctPpm(e.curvPpm),
              pctPpm(e.basisPpm),
              e.settlementPrice === 0n ? "-" : usd(e.settlementPrice),
            ]),
          ],
          "rlrrrrrr",
        )
      : ["  none"]),
    "",
    `instruments: ${instrumentCounts(m)}`,
    ...columns(
      [
        ["#", "kind", "expiry", "strike", "open interest"],
        ...v.instruments.map((i) => [String(i.index), i.kind, i.expiry === null ? "-" : isoTime(i.expiry), strikeOf(i.strike), decimal(i.openInterest)]),
      ],
      "rllrr",
    ),
  ];
  return out;
}

// ---------------------------------------------------------------- collateral

export interface CollateralView {
  mint: PublicKey;
  vault: PublicKey;
  /** "quote" (valued at 1.0) or the pricing market. */
  pricedBy: { kind: "quote"; value: "1.0" } | { kind: "market"; marketIndex: number; symbol: string | null };
  decimals: number;
  haircutMmPpm: number;
  haircutImPpm: number;
  /** Native units. */
  depositCap: bigint;
  depositCapUi: string;
  /** Native units; null when the vault cannot be read. */
  vaultBalance: bigint | null;
  vaultBalanceUi: string | null;
}

export async function collateralViews(connection: Connection, s: Pick<MarketsState, "clearinghouse" | "markets">): Promise<CollateralView[]> {
  const cols = s.clearinghouse.collaterals;
  const balances = await Promise.all(
    cols.map((c) =>
      connection.getTokenAccountBalance(c.vault).then(
        (b) => BigInt(b.value.amount),
        () => null,
      ),
    ),
  );
  return cols.map((c, i) => ({
    mint: c.mint,
    vault: c.vault,
    pricedBy:
      c.marketIndex === null
        ? { kind: "quote", value: "1.0" }
        : { kind: "market", marketIndex: c.marketIndex, symbol: s.markets.find((m) => m.marketIndex === c.marketIndex)?.symbol ?? null },
    decimals: c.decimals,
    haircutMmPpm: c.haircutMmPpm,
    haircutImPpm: c.haircutImPpm,
    depositCap: c.depositCap,
    depositCapUi: formatUiAmount(c.depositCap, c.decimals, { grouping: true, minDecimals: 0 }),
    vaultBalance: balances[i],
    vaultBalanceUi: balances[i] === null ? null : formatUiAmount(balances[i]!, c.decimals, { grouping: true, minDecimals: 0 }),
  }));
}

export function pricedByLabel(v: CollateralView): string {
  return v.pricedBy.kind === "quote" ? "quote, valued at 1.0" : `market #${v.pricedBy.marketIndex} ${v.pricedBy.symbol ?? "(unknown)"}`;
}

export function renderCollateralList(clearinghouse: PublicKey, views: CollateralView[]): string[] {
  return [
    `${views.length} collateral mint(s) in clearinghouse ${clearinghouse.toBase58()}`,
    ...columns(
      [
        ["mint", "priced by", "decimals", "haircut MM", "haircut IM", "deposit cap", "vault balance"],
        ...views.map((v) => [
          v.mint.toBase58(),
          pricedByLabel(v),
          String(v.decimals),
          pctPpm(v.haircutMmPpm),
          pctPpm(v.haircutImPpm),
          v.depositCap === U64_MAX ? "none (u64 max)" : v.depositCapUi,
          v.vaultBalanceUi ?? "unreadable",
        ]),
      ],
      "llrrrrr",
    ),
  ];
}
