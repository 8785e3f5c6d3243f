// What `pm account risk` (and the demo) prints: the program's own simulate_margin report of a
// margin account (equity, MM, IM, add-ons, per-market scenario P&L) laid out as a risk matrix whose
// price moves are the engine's grid for the market's parameters and oracle confidence (MarketPrep),
// and, with `check`, the SDK mirror's numbers next to it.
import { PublicKey } from "@solana/web3.js";
import { OracleAction } from "../accounts";
import type { PortfolioMarginClient } from "../client";
import { engineAccount, MarginCheckError, MarginSnapshot, marginRemainingAccounts, previewWithdraw, snapshotPrices } from "../health";
import { OracleError } from "../oracle";
import { MarginReport } from "../report";
import { FIRST_TAIL_POINT, Kind, MarginResult, MarketPrep, N_SPOT, RiskError, SCENARIOS, evaluate } from "../risk";
import { formatUiAmount } from "../units";
import { KIND_NAMES } from "./market-view";
import { cents, columns, isoTime, toJson, usd } from "./output";

const Q48 = 2 ** 48;
const Q32 = 2 ** 32;
/** Columns of the matrix, with the engine's vol state of each (SCENARIOS' second element). */
export const VOL_COLUMNS = [
  ["down", 2],
  ["unchanged", 0],
  ["up", 1],
] as const;
type VolColumn = (typeof VOL_COLUMNS)[number][0];

export interface RiskCell {
  /** Index in the engine's 27 scenarios (and the report's `pnl`). */
  scenario: number;
  /** Quote units (tails weighted), as the program reports it. */
  pnl: bigint;
  worst: boolean;
  /** The SDK mirror's value (with check). */
  mirror?: bigint;
}

export interface RiskRow {
  /** The engine's spot point (0..12). */
  point: number;
  /** The point in terms of R: "-R", "+R/4", "tail 1", ... */
  label: string;
  tail: boolean;
  /** The price move as the engine's grid has it: a Q48 fraction of spot (MarketPrep.shiftQ48). */
  shiftQ48: bigint;
  /** shiftQ48 / 2^48 x 100. */
  movePct: number;
  /** Weight of a tail's P&L (Q32; 2^32 = 1 on the grid). */
  weightQ32: bigint;
  weight: number;
  cells: Record<VolColumn, RiskCell | null>;
}

export interface MarketRiskView {
  marketIndex: number;
  symbol: string;
  /** Oracle price and confidence at 1e6 as the program read them. */
  spot: bigint;
  conf: bigint;
  /** The range R in force (price range widened by the confidence), Q48 and in percent. */
  rangeQ48: bigint;
  rangePct: number;
  worstIndex: number;
  worstPnl: bigint;
  /** The report's 27 scenario P&Ls, in the engine's order. */
  pnl: bigint[];
  rows: RiskRow[];
}

type AddOnKey = "scanMargin" | "nakedShort" | "linear" | "haircut" | "staleVol";
const ADD_ONS: [AddOnKey, string][] = [
  ["scanMargin", "scanning risk"],
  ["nakedShort", "uncovered short options"],
  ["linear", "linear liquidation cost"],
  ["haircut", "collateral liquidation cost"],
  ["staleVol", "stale vol"],
];

export interface Amounts {
  equity: bigint;
  mm: bigint;
  im: bigint;
  scanLoss: bigint;
  imFloor: bigint;
  addOns: Record<AddOnKey, { mm: bigint; im: bigint }>;
  worstJointIndex: number;
}

export interface RiskCheck {
  /** True when the mirror reproduces every integer of the report. */
  equal: boolean;
  /** What the mirror raised instead of a result, if anything. */
  error?: string;
  mirror?: Amounts & { markets: { marketIndex: number; worstIndex: number; pnl: bigint[] }[] };
  mismatches: { field: string; program: string; mirror: string }[];
}

export interface RiskView extends Amounts {
  marginAccount: PublicKey;
  owner: PublicKey;
  clearinghouse: PublicKey;
  /** The unix time the program evaluated the account at. */
  timestamp: bigint;
  time: string;
  units: string;
  freeCollateral: bigint;
  excessOverMm: bigint;
  liquidatable: boolean;
  health: "healthy" | "belowInitialMargin" | "liquidatable";
  collaterals: { mint: PublicKey; amount: bigint; decimals: number | null; ui: string | null; pricedBy: string }[];
  positions: { marketIndex: number; symbol: string; instrumentIndex: number; instrument: string; size: bigint; sizeUi: string; costBasis: bigint }[];
  markets: MarketRiskView[];
  check?: RiskCheck;
}

/** A snapshot and the program's report of the same account state (refetched if it moved meanwhile). */
export interface RiskInputs {
  snapshot: MarginSnapshot;
  report: MarginReport;
}

const inputsKey = (s: MarginSnapshot): string =>
  toJson([s.account, s.markets, s.oracles.map((o) => [o.owner, Buffer.from(o.data).toString("base64")])]);

/**
 * The account's snapshot and its simulate_margin report, read so that both see the same accounts:
 * if the account, a market or an oracle changed while the program simulated, read again.
 */
export async function fetchRiskInputs(client: PortfolioMarginClient, marginAccount: PublicKey, attempts = 3): Promise<RiskInputs> {
  for (let n = 1; ; n++) {
    const snapshot = await client.marginSnapshot(marginAccount);
    const report = await client.simulateMargin(marginAccount, marginRemainingAccounts(snapshot.markets));
    const after = await client.marginSnapshot(marginAccount);
    if (inputsKey(snapshot) === inputsKey(after) || n >= attempts) return { snapshot: after, report };
  }
}

function amountsOf(r: MarginReport | MarginResult): Amounts {
  const scanLoss = "scanLoss" in r ? r.scanLoss : r.scan.loss;
  const worstJointIndex = "worstJointIndex" in r ? r.worstJointIndex : r.scan.worstJointIndex;
  return {
    equity: r.equity,
    mm: r.mm,
    im: r.im,
    scanLoss,
    imFloor: r.imFloor,
    addOns: { scanMargin: r.scanMargin, nakedShort: r.nakedShort, linear: r.linear, haircut: r.haircut, staleVol: r.staleVol },
    worstJointIndex,
  };
}

/** Every integer of the report against the mirror's, by name. */
function compare(report: MarginReport, mirror: MarginResult): RiskCheck["mismatches"] {
  const a = amountsOf(report);
  const b = amountsOf(mirror);
  const pairs: [string, bigint | number, bigint | number][] = [
    ["equity", a.equity, b.equity],
    ["mm", a.mm, b.mm],
    ["im", a.im, b.im],
    ["scanLoss", a.scanLoss, b.scanLoss],
    ["imFloor", a.imFloor, b.imFloor],
    ["worstJointIndex", a.worstJointIndex, b.worstJointIndex],
  ];
  for (const [k] of ADD_ONS) pairs.push([`${k}.mm`, a.addOns[k].mm, b.addOns[k].mm], [`${k}.im`, a.addOns[k].im, b.addOns[k].im]);
  pairs.push(["markets.length", report.markets.length, mirror.markets.length]);
  report.markets.forEach((m, i) => {
    const x = mirror.markets[i];
    if (!x) return;
    pairs.push([`markets[${m.marketIndex}].worstIndex`, m.worstIndex, x.worstIndex]);
    m.pnl.forEach((p, s) => pairs.push([`markets[${m.marketIndex}].pnl[${s}]`, p, x.pnl[s]]));
  });
  return pairs.filter(([, p, q]) => p !== q).map(([field, p, q]) => ({ field, program: String(p), mirror: String(q) }));
}

/** The engine's spot points (SPOT_QUARTERS, then the four tails) in terms of R. */
const POINT_LABELS = ["0", "+R/4", "-R/4", "+R/2", "-R/2", "+3R/4", "-3R/4", "+R", "-R", "tail 1", "tail 2", "tail 3", "tail 4"];

/** The matrix rows of a market: the engine's 13 spot points (disabled tails left out), by move. */
function rowsOf(prep: MarketPrep, pnl: bigint[], worstIndex: number, mirror?: bigint[]): RiskRow[] {
  const rows: RiskRow[] = [];
  for (let point = 0; point < N_SPOT; point++) {
    const tail = point >= FIRST_TAIL_POINT;
    const weightQ32 = tail ? prep.tailWeight[point - FIRST_TAIL_POINT] : 1n << 32n;
    if (tail && weightQ32 === 0n) continue;
    const cell = (vol: number): RiskCell | null => {
      const scenario = SCENARIOS.findIndex(([j, v]) => j === point && v === vol);
      if (scenario < 0) return null;
      return { scenario, pnl: pnl[scenario], worst: scenario === worstIndex, ...(mirror ? { mirror: mirror[scenario] } : {}) };
    };
    const shiftQ48 = prep.shiftQ48[point];
    rows.push({
      point,
      label: POINT_LABELS[point],
      tail,
      shiftQ48,
      movePct: (Number(shiftQ48) * 100) / Q48,
      weightQ32,
      weight: Number(weightQ32) / Q32,
      cells: Object.fromEntries(VOL_COLUMNS.map(([name, vol]) => [name, cell(vol)])) as RiskRow["cells"],
    });
  }
  return rows.sort((x, y) => (x.shiftQ48 < y.shiftQ48 ? -1 : x.shiftQ48 > y.shiftQ48 ? 1 : x.point - y.point));
}

export function instrumentLabel(kind: Kind, expiry: bigint | null, strike: bigint): string {
  const day = expiry === null ? "" : ` ${isoTime(expiry).slice(0, 10)}`;
  return kind === Kind.Call || kind === Kind.Put ? `${KIND_NAMES[kind]} ${usd(strike)}${day}` : `${KIND_NAMES[kind]}${day}`;
}

/** The view of `inputs`; with `check`, the SDK mirror evaluated at the report's timestamp next to it. */
export function buildRiskView(inputs: RiskInputs, opts: { check?: boolean } = {}): RiskView {
  const { snapshot: s, report } = inputs;
  const now = report.timestamp;
  const prices = snapshotPrices({ ...s, now }, OracleAction.Margin);
  const account = engineAccount(s.account, s.clearinghouse, s.markets, prices, now);

  let check: RiskCheck | undefined;
  let mirror: MarginResult | undefined;
  if (opts.check) {
    try {
      mirror = evaluate(account);
      const mismatches = compare(report, mirror);
      check = {
        equal: mismatches.length === 0,
        mirror: { ...amountsOf(mirror), markets: mirror.markets.map((m, i) => ({ marketIndex: s.markets[i].marketIndex, worstIndex: m.worstIndex, pnl: m.pnl })) },
        mismatches,
      };
    } catch (e) {
      check = { equal: false, error: (e as Error).message, mismatches: [] };
    }
  }

  const markets = report.markets.map((rm, k): MarketRiskView => {
    const i = s.markets.findIndex((m) => m.marketIndex === rm.marketIndex);
    if (i < 0) throw new Error(`the report names market ${rm.marketIndex}, which the account does not hold`);
    const prep = new MarketPrep(account.markets[i]);
    const rows = rowsOf(prep, rm.pnl, rm.worstIndex, mirror?.markets[k]?.pnl);
    const plusR = prep.shiftQ48[7];
    return {
      marketIndex: rm.marketIndex,
      symbol: s.markets[i].symbol,
      spot: prices[i].price,
      conf: prices[i].conf,
      rangeQ48: plusR,
      rangePct: (Number(plusR) * 100) / Q48,
      worstIndex: rm.worstIndex,
      worstPnl: rm.pnl[rm.worstIndex],
      pnl: rm.pnl,
      rows,
    };
  });

  const decimalsOf = (mint: PublicKey) => s.clearinghouse.collaterals.find((c) => c.mint.equals(mint));
  const symbolOf = (marketIndex: number) => s.markets.find((m) => m.marketIndex === marketIndex)?.symbol ?? `#${marketIndex}`;
  const liquidatable = report.equity < report.mm;
  return {
    marginAccount: s.account.address,
    owner: s.account.owner,
    clearinghouse: s.account.clearinghouse,
    timestamp: now,
    time: isoTime(now),
    units: "amounts and P&L in quote units (USDC 1e-6); prices at 1e6; moves as Q48 fractions of spot and percent",
    ...amountsOf(report),
    freeCollateral: report.equity - report.im,
    excessOverMm: report.equity - report.mm,
    liquidatable,
    health: liquidatable ? "liquidatable" : report.equity < report.im ? "belowInitialMargin" : "healthy",
    collaterals: s.account.collaterals.map((c) => {
      const cfg = decimalsOf(c.mint);
      return {
        mint: c.mint,
        amount: c.amount,
        decimals: cfg?.decimals ?? null,
        ui: cfg ? formatUiAmount(c.amount, cfg.decimals, { grouping: true, minDecimals: 0 }) : null,
        pricedBy: !cfg ? "not listed" : cfg.marketIndex === null ? "quote" : symbolOf(cfg.marketIndex),
      };
    }),
    positions: s.account.positions.map((p) => {
      const m = s.markets.find((x) => x.marketIndex === p.marketIndex);
      const ins = m?.instruments[p.instrumentIndex];
      return {
        marketIndex: p.marketIndex,
        symbol: symbolOf(p.marketIndex),
        instrumentIndex: p.instrumentIndex,
        instrument: ins ? instrumentLabel(ins.kind, ins.expiry, ins.strike) : `#${p.instrumentIndex}`,
        size: p.size,
        sizeUi: formatUiAmount(p.size, 6, { minDecimals: 0 }),
        costBasis: p.costBasis,
      };
    }),
    markets,
    check,
  };
}

// ---------------------------------------------------------------- withdrawal preview

/** previewWithdraw's verdict, or why there is none (the program then decides alone). */
export interface PreviewView {
  /** Null when the preview could not be made (see `error`). */
  ok: boolean | null;
  /** Equity - IM after the withdrawal (quote units). */
  freeCollateral?: bigint;
  equity?: bigint;
  im?: bigint;
  mm?: bigint;
  /** The markets the withdrawal's margin check reads. */
  markets?: number[];
  /** What the preview ran into instead (named like the program's error), e.g. InsufficientCollateral, OracleStale. */
  error?: string;
  detail?: string;
}

/** previewWithdraw of `amount` (native units of `mint`) on a fresh snapshot, without throwing. */
export async function previewView(client: PortfolioMarginClient, address: PublicKey, mint: PublicKey, amount: bigint): Promise<PreviewView> {
  try {
    const p = previewWithdraw(await client.marginSnapshot(address), mint, amount);
    const r = p.after;
    return { ok: p.ok, freeCollateral: p.freeCollateral, equity: r.equity, im: r.im, mm: r.mm, markets: p.markets.map((m) => m.marketIndex) };
  } catch (e) {
    if (e instanceof MarginCheckError || e instanceof OracleError || e instanceof RiskError) {
      return { ok: null, error: e.code, detail: e.message };
    }
    return { ok: null, error: "Unavailable", detail: (e as Error).message };
  }
}

export function previewText(p: PreviewView): string {
  if (p.ok === null) return `not available (${p.error}); the program checks it`;
  return `free collateral after: ${cents(p.freeCollateral!)} USDC (equity ${cents(p.equity!)}, IM ${cents(p.im!)})${p.ok ? "" : ": below IM"}`;
}

// ---------------------------------------------------------------- text

const HEALTH: Record<RiskView["health"], string> = {
  healthy: "healthy (equity >= IM)",
  belowInitialMargin: "below IM (equity < IM): withdrawals and new risk refused, not liquidatable",
  liquidatable: "LIQUIDATABLE (equity < MM)",
};

/** A move in percent to 2 decimals (the exact value is in the JSON): +16.01%, -4.50%, +100%, 0%. */
export function formatMove(pct: number): string {
  if (pct === 0) return "0%";
  return `${pct > 0 ? "+" : ""}${pct.toFixed(2).replace(/\.00$/, "")}%`;
}

/** The summary, add-ons and one risk matrix per market. */
export function renderRiskView(v: RiskView, opts: { header?: boolean; book?: boolean } = {}): string[] {
  const m = v.check?.mirror;
  const out: string[] = [];
  if (opts.header ?? true) {
    out.push(`margin account ${v.marginAccount.toBase58()} (owner ${v.owner.toBase58()})`);
    out.push(`program's simulate_margin at ${v.time}; amounts in USDC, rounded to cents (--json: exact)`);
  }
  if (opts.book ?? true) {
    out.push("collateral");
    out.push(...columns(v.collaterals.map((c) => [c.ui ?? `${c.amount} (native)`, c.pricedBy === "quote" ? "USDC" : `${c.pricedBy}-priced`, c.mint.toBase58()]), "rll"));
    out.push(v.positions.length ? "positions" : "positions: none");
    out.push(...columns(v.positions.map((p) => [p.symbol, p.instrument, p.sizeUi]), "llr"));
  }
  const summary: [string, bigint, bigint | undefined][] = [
    ["equity", v.equity, m?.equity],
    ["initial margin (IM)", v.im, m?.im],
    ["maintenance margin (MM)", v.mm, m?.mm],
    ["free collateral (equity - IM)", v.freeCollateral, m && m.equity - m.im],
    ["excess over MM", v.excessOverMm, m && m.equity - m.mm],
  ];
  out.push(
    ...columns(
      [["", "program", ...(m ? ["SDK mirror"] : [])], ...summary.map(([k, a, b]) => [k, cents(a), ...(m ? [b === undefined ? "-" : cents(b)] : [])])],
      "lrr",
    ),
  );
  out.push(`  health: ${HEALTH[v.health]}`);
  if (v.markets.length > 1) out.push(`  worst scenario across markets: ${jointLabel(v)}`);
  out.push("add-ons", ...columns(addOnRows(v, m), "lrrrr"));
  for (const mk of v.markets) out.push("", ...renderMatrix(mk));
  if (v.check) {
    out.push("");
    if (v.check.error) out.push(`SDK mirror FAILED: ${v.check.error}`);
    else if (v.check.equal) {
      const n = v.markets.reduce((s, x) => s + x.pnl.length, 0);
      out.push(`SDK mirror: identical to the program (equity, MM, IM, every add-on, ${n} scenario P&Ls)`);
    } else {
      out.push(`SDK mirror DIFFERS in ${v.check.mismatches.length} value(s):`);
      out.push(...columns([["field", "program", "mirror"], ...v.check.mismatches.map((x) => [x.field, x.program, x.mirror])], "lrr"));
    }
  }
  return out;
}

/** The joint worst scenario, as each market's move and vol state. */
function jointLabel(v: RiskView): string {
  const parts = v.markets.map((mk) => {
    for (const r of mk.rows) for (const [name] of VOL_COLUMNS) if (r.cells[name]?.scenario === v.worstJointIndex) return `${mk.symbol} ${formatMove(r.movePct)} vol ${name}`;
    return `${mk.symbol} -`;
  });
  return `scenario ${v.worstJointIndex} (${parts.join("; ")})`;
}

function addOnRows(v: RiskView, m: RiskCheck["mirror"]): string[][] {
  const head = ["", "MM", "IM", ...(m ? ["mirror MM", "mirror IM"] : [])];
  const row = (label: string, a: { mm: bigint; im: bigint }, b?: { mm: bigint; im: bigint }) => [
    label,
    cents(a.mm),
    cents(a.im),
    ...(b ? [cents(b.mm), cents(b.im)] : []),
  ];
  return [
    head,
    ...ADD_ONS.map(([k, label]) => row(label, v.addOns[k], m?.addOns[k])),
    row("IM floor (IM >= 1.1 x MM)", { mm: 0n, im: v.imFloor }, m && { mm: 0n, im: m.imFloor }),
    row("total", { mm: v.mm, im: v.im }, m && { mm: m.mm, im: m.im }),
  ];
}

export function renderMatrix(mk: MarketRiskView): string[] {
  const cellText = (c: RiskCell | null) => (c ? `${cents(c.pnl)}${c.worst ? " *" : "  "}` : "-  ");
  const rows = mk.rows.map((r) => [
    r.label,
    formatMove(r.movePct),
    ...VOL_COLUMNS.map(([name]) => cellText(r.cells[name])),
    r.tail ? `tail, weight ${r.weight.toFixed(4)}` : "",
  ]);
  const worst = mk.rows.flatMap((r) => VOL_COLUMNS.map(([name]) => [r, name, r.cells[name]] as const)).find(([, , c]) => c?.worst);
  return [
    `risk matrix ${mk.symbol} (market #${mk.marketIndex}): spot ${usd(mk.spot)} ± ${usd(mk.conf)}, R = ±${+mk.rangePct.toFixed(4)}%; P&L in USDC`,
    ...columns([["", "move", "vol down", "unchanged", "vol up", ""], ...rows], "rrrrrl"),
    worst
      ? `  * worst: ${formatMove(worst[0].movePct)}, vol ${worst[1]}: ${usd(worst[2]!.pnl)} (scenario ${worst[2]!.scenario})`
      : `  worst: scenario ${mk.worstIndex}`,
  ];
}
