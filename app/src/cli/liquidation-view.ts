// A liquidation plan and the insurance fund as `pm liquidate` and `pm insurance show` print them
// (the demo prints the same lines): each step's legs with sizes, marks and cash, the step's fee and
// its split, equity and MM before and after against the buffer; a bankruptcy's resolution.
import { PublicKey } from "@solana/web3.js";
import type { ClearinghouseInfo, MarketInfo } from "../accounts";
import type { BankruptcyResolvedInfo, LiquidationInfo, LiquidationLegInfo } from "../events";
import { BankruptcyPreview, InsuranceFundInfo, LegOutcome, LiquidationLeg, LiquidationLegKind, LiquidationPlan } from "../liquidation";
import { formatUiAmount } from "../units";
import { cents, columns, pctPpm, table, usd } from "./output";
import { instrumentLabel } from "./risk-view";

export interface LegView {
  kind: "position" | "collateral";
  /** e.g. "BTC perpetual", "ETH put 3,150.00 2026-01-30", "0.5 of <mint>" */
  what: string;
  marketIndex: number | null;
  instrumentIndex: number | null;
  mint: PublicKey | null;
  /** Contracts (1e6) or native units. */
  amount: bigint;
  amountUi: string;
  /** "long" / "short" (the liquidated position's side; the liquidator takes the same), or "collateral". */
  side: string;
  price: bigint | null;
  cash: bigint | null;
}

export interface StepView {
  legs: LegView[];
  equityBefore: bigint;
  mmBefore: bigint;
  equityAfter: bigint;
  mmAfter: bigint;
  /** MM released by the legs; the fee is a share of it. */
  released: bigint;
  fee: bigint;
  liquidatorFee: bigint;
  insuranceFee: bigint;
  buffer: bigint;
  liquidatorEquityAfter: bigint | null;
  liquidatorImAfter: bigint | null;
}

export interface PlanView {
  marginAccount: PublicKey;
  liquidatorAccount: PublicKey | null;
  liquidatable: boolean;
  bankrupt: boolean;
  equity: bigint | null;
  mm: bigint | null;
  steps: StepView[];
  resolveBankruptcy:
    | (Pick<BankruptcyPreview, "ok" | "released" | "resolverFee" | "deficit" | "insurancePaid" | "insuranceBalanceAfter" | "socialized" | "badDebt" | "socializationMarket"> & {
        error: string | null;
        positions: LegView[];
      })
    | null;
  blocked: { marketIndex: number; instrumentIndex: number; reason: string }[];
  feeTotal: bigint;
  error: { code: number; name: string; msg: string } | null;
}

function legLabel(leg: LiquidationLeg, markets: MarketInfo[], ch: ClearinghouseInfo): { what: string; amountUi: string } {
  if (leg.kind === LiquidationLegKind.Collateral) {
    const c = ch.collaterals.find((x) => x.mint.equals(leg.mint));
    const decimals = c?.decimals ?? 0;
    const priced = c?.marketIndex == null ? "stable" : `${markets.find((m) => m.marketIndex === c.marketIndex)?.symbol ?? `#${c.marketIndex}`}-priced`;
    const amountUi = formatUiAmount(leg.amount, decimals, { grouping: true });
    return { what: `collateral ${leg.mint.toBase58().slice(0, 8)}... (${priced})`, amountUi };
  }
  const m = markets.find((x) => x.marketIndex === leg.marketIndex);
  const ins = m?.instruments[leg.instrumentIndex];
  const what = m && ins ? `${m.symbol} ${instrumentLabel(ins.kind, ins.expiry, ins.strike)}` : `market ${leg.marketIndex} #${leg.instrumentIndex}`;
  return { what, amountUi: usd(leg.amount) };
}

function legView(o: LegOutcome | { leg: LiquidationLeg; size?: bigint; price?: bigint; cash?: bigint }, markets: MarketInfo[], ch: ClearinghouseInfo): LegView {
  const { leg } = o;
  const position = leg.kind === LiquidationLegKind.Position;
  const size = "size" in o && o.size !== undefined ? o.size : leg.amount;
  return {
    kind: position ? "position" : "collateral",
    ...legLabel(leg, markets, ch),
    marketIndex: position ? leg.marketIndex : null,
    instrumentIndex: position ? leg.instrumentIndex : null,
    mint: position ? null : leg.mint,
    amount: leg.amount,
    side: position ? (size > 0n ? "long" : "short") : "collateral",
    price: "price" in o && o.price !== undefined ? o.price : null,
    cash: "cash" in o && o.cash !== undefined ? o.cash : null,
  };
}

/** The view of a plan (`markets`: at least those of the legs; the snapshot's). */
export function buildPlanView(plan: LiquidationPlan, markets: MarketInfo[], ch: ClearinghouseInfo, liquidatorAccount: PublicKey | null): PlanView {
  const r = plan.resolveBankruptcy;
  return {
    marginAccount: plan.marginAccount,
    liquidatorAccount,
    liquidatable: plan.liquidatable,
    bankrupt: plan.bankrupt,
    equity: plan.before?.equity ?? null,
    mm: plan.before?.mm ?? null,
    steps: plan.steps.map((s) => ({
      legs: s.preview.legs.map((o) => legView(o, markets, ch)),
      equityBefore: s.preview.before!.equity,
      mmBefore: s.preview.before!.mm,
      equityAfter: s.preview.after!.equity,
      mmAfter: s.preview.after!.mm,
      released: s.preview.released,
      fee: s.preview.fee.total,
      liquidatorFee: s.preview.fee.liquidator,
      insuranceFee: s.preview.fee.insurance,
      buffer: s.preview.buffer!,
      liquidatorEquityAfter: s.preview.liquidatorAfter?.equity ?? null,
      liquidatorImAfter: s.preview.liquidatorAfter?.im ?? null,
    })),
    resolveBankruptcy: r
      ? {
          ok: r.ok,
          error: r.error?.name ?? null,
          positions: r.legs.map((o) => legView(o, markets, ch)),
          released: r.released,
          resolverFee: r.resolverFee,
          deficit: r.deficit,
          insurancePaid: r.insurancePaid,
          insuranceBalanceAfter: r.insuranceBalanceAfter,
          socialized: r.socialized,
          badDebt: r.badDebt,
          socializationMarket: r.socializationMarket,
        }
      : null,
    blocked: plan.blocked.map((b) => ({ marketIndex: b.position.marketIndex, instrumentIndex: b.position.instrumentIndex, reason: b.reason })),
    feeTotal: plan.feeTotal,
    error: plan.error ? { code: plan.error.code, name: plan.error.name, msg: plan.error.msg } : null,
  };
}

function legRows(legs: LegView[]): string[] {
  return columns(
    legs.map((l) => [
      l.kind === "position" ? `take ${l.side}` : "take",
      l.amountUi,
      l.what,
      l.price === null ? "" : `@ ${usd(l.price)}`,
      l.cash === null ? "" : `cash ${cents(l.cash)}`,
    ]),
    "lrlll",
    "    ",
  );
}

/** One step's lines (also used for the demo's step-by-step output). */
export function stepLines(s: StepView, i: number, n: number): string[] {
  return [
    `  step ${i + 1}/${n}: ${s.legs.length} leg${s.legs.length === 1 ? "" : "s"}`,
    ...legRows(s.legs),
    ...table(
      [
        ["equity", `${cents(s.equityBefore)} -> ${cents(s.equityAfter)}`],
        ["MM", `${cents(s.mmBefore)} -> ${cents(s.mmAfter)} (released ${cents(s.released)})`],
        ["equity - MM", `${cents(s.equityAfter - s.mmAfter)} (buffer ${cents(s.buffer)})`],
        ["fee", `${cents(s.fee)}: liquidator ${cents(s.liquidatorFee)}, insurance ${cents(s.insuranceFee)}`],
        ...(s.liquidatorEquityAfter !== null ? [["liquidator", `equity ${cents(s.liquidatorEquityAfter)}, IM ${cents(s.liquidatorImAfter!)}`] as [string, string]] : []),
      ],
      "    ",
    ),
  ];
}

export function resolutionLines(r: NonNullable<PlanView["resolveBankruptcy"]>): string[] {
  return [
    `  resolve_bankruptcy${r.ok ? "" : ` (the program would refuse it: ${r.error})`}: the resolver takes ${r.positions.length} position${r.positions.length === 1 ? "" : "s"} at mark`,
    ...legRows(r.positions),
    ...table(
      [
        ["resolver fee", cents(r.resolverFee)],
        ["deficit", cents(r.deficit)],
        ["insurance pays", `${cents(r.insurancePaid)}${r.insuranceBalanceAfter !== null ? ` (fund left ${cents(r.insuranceBalanceAfter)})` : ""}`],
        ["socialised", `${cents(r.socialized)}${r.socializationMarket !== null ? ` (market #${r.socializationMarket} perpetual holders)` : ""}`],
        ["bad debt", cents(r.badDebt)],
      ],
      "    ",
    ),
  ];
}

export function renderPlanView(v: PlanView): string[] {
  const head = [
    `margin account ${v.marginAccount.toBase58()}`,
    ...(v.equity !== null ? [`  equity ${cents(v.equity)}, MM ${cents(v.mm!)} (liquidation oracle class): ${v.equity < v.mm! ? `liquidatable, short by ${cents(v.mm! - v.equity)}` : "not liquidatable"}`] : []),
    ...(v.liquidatorAccount ? [`  liquidator account ${v.liquidatorAccount.toBase58()}`] : []),
  ];
  if (!v.liquidatable) return [...head, ...(v.error ? [`  cannot evaluate: ${v.error.name} (${v.error.msg})`] : [])];
  const lines = [...head];
  const n = v.steps.length;
  if (v.bankrupt) lines.push(`  bankrupt: equity cannot get back to MM${n ? `; ${n} liquidation step${n === 1 ? "" : "s"} for its collateral first` : ""}`);
  else lines.push(`  plan: ${n} step${n === 1 ? "" : "s"}, fees ${cents(v.feeTotal)}`);
  v.steps.forEach((s, i) => lines.push(...stepLines(s, i, n)));
  if (v.resolveBankruptcy) lines.push(...resolutionLines(v.resolveBankruptcy));
  for (const b of v.blocked) lines.push(`  not taken: market ${b.marketIndex} #${b.instrumentIndex}: ${b.reason}`);
  if (v.error) lines.push(`  the plan stops short: ${v.error.name} (${v.error.msg})`);
  return lines;
}

/** What a sent step did, from its events. */
export function sentStepLines(legs: LiquidationLegInfo[], e: LiquidationInfo, signature: string): string[] {
  return [
    `  sent ${signature}: ${legs.length} leg${legs.length === 1 ? "" : "s"}, equity ${cents(e.equityBefore)} -> ${cents(e.equityAfter)}, MM ${cents(e.mmBefore)} -> ${cents(e.mmAfter)}, fee ${cents(e.fee)} (liquidator ${cents(e.liquidatorFee)}, insurance ${cents(e.insuranceFee)})`,
  ];
}

export function sentResolutionLines(b: BankruptcyResolvedInfo, signature: string): string[] {
  return [
    `  sent ${signature}: resolve_bankruptcy took ${b.positionsTaken} position(s), deficit ${cents(b.deficit)}: insurance paid ${cents(b.insurancePaid)} (fund ${cents(b.insuranceBalance)}), socialised ${cents(b.socialized)}, bad debt ${cents(b.badDebt)}`,
  ];
}

export function renderInsuranceFund(f: InsuranceFundInfo): string[] {
  return [
    `insurance fund of ${f.clearinghouse.toBase58()}`,
    ...table(
      [
        ["vault", f.vault.toBase58()],
        ["balance", `${usd(f.balance)} USDC`],
        ["deposited", `${usd(f.deposited)} USDC (lifetime)`],
        ["paid", `${usd(f.paid)} USDC to bankrupt accounts`],
        ["socialised", `${usd(f.socializedLoss)} USDC to perpetual holders`],
        ["bad debt", `${usd(f.badDebt)} USDC`],
        ["liquidation buffer", `${pctPpm(f.liquidationBufferPpm)} of MM`],
      ],
      "  ",
    ),
    "  markets (fees wait in the fee pools until swept into the fund):",
    ...columns(
      [["market", "fee pool", "socialised loss", "loss index"], ...f.pendingFees.map((m) => [`#${m.marketIndex} ${m.symbol}`, usd(m.feePool), usd(m.socializedLoss), m.lossIndex.toString()])],
      "lrrr",
      "    ",
    ),
  ];
}
