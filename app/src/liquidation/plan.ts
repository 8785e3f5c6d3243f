// Which accounts can be liquidated, and how: the legs and sizes that bring an account back to
// maintenance margin without taking more than the program allows, step by step, or the
// bankruptcy resolution when nothing can.
//
// Rules the plan satisfies (programs/portfolio-margin/src/instructions/liquidate.rs), each step
// re-checked with the mirror (`LiquidationSimulator.liquidate`) before it enters the plan:
// - the account's equity < MM before the step (oracles at the liquidation class);
// - 1 to 4 legs: positions (at most their size, not expired) and non-quote collateral;
// - after the step MM is strictly lower, MM - equity strictly lower, and equity - MM at most
//   ceil(MM before x liquidation_buffer_ppm / 1e6) (else OverLiquidation);
// - the liquidator stays at or above IM (when its account is known).
//
// Leg order (documented choice): for each candidate leg the mirror evaluates the account with
// the whole leg taken alone. Legs that lower both MM and the shortfall come first, by MM released
// per unit of underlying notional taken over ((MM before - MM after) / notional, notional = size x
// spot, or the collateral's value). The program's fee is a fixed share of the MM a step releases,
// so every leg costs the account the same per unit of margin released (the shortfall falls by
// (1 - fee share) x MM released whichever leg releases it, and transfers at the engine's mark
// leave equity unchanged); what differs is how much must change hands: the riskiest exposure per
// unit of notional goes first, so the least notional moves and the account keeps its hedges.
// Then legs that help only together with others (one side of a spread), by shortfall reduction.
//
// Sizing: whole legs in that order while taking all of each still leaves equity below the target
// (equity - MM >= target, the target 1 quote unit by default, i.e. strictly above MM); the leg that
// crosses the target is bisected on its amount (native integer units: exact, assuming equity - MM
// grows with the amount, which every step re-checks) to the smallest amount reaching it. Four
// whole legs short of the target make a step; the next step starts from the state it leaves. An
// account with negative equity cannot get back to MM (fees only lower equity): its non-quote
// collateral is liquidated (the program's precondition) and `resolve_bankruptcy` is planned.
import { PublicKey } from "@solana/web3.js";
import { MarketInfo, OracleAction, PositionInfo } from "../accounts";
import { PortfolioMarginError } from "../errors";
import { MarginSnapshot, settledValue } from "../health";
import { Kind, MarginResult } from "../risk";
import { asProgramError } from "../trading/preview";
import { programError } from "../trading/quote";
import { liquidationBuffer, liquidationStepViolation, shortfall } from "./math";
import {
  BankruptcyPreview,
  collateralLeg,
  emptyMarginAccount,
  LiquidationLeg,
  LiquidationLegKind,
  LiquidationPreview,
  LiquidationSimulator,
  LiquidationSnapshot,
  LoadedMarkets,
  MarketChange,
  MAX_LIQUIDATION_LEGS,
  positionLeg,
  SimulationOptions,
} from "./simulate";

const PPM = 1_000_000n;
const abs = (x: bigint) => (x < 0n ? -x : x);

// ---------------------------------------------------------------- finding liquidatable accounts

export interface LiquidatableAccount {
  address: PublicKey;
  snapshot: LiquidationSnapshot;
  /** The account evaluated at the liquidation oracle class (or the given spots). */
  result: MarginResult;
  /** MM - equity (> 0). */
  shortfall: bigint;
  /** Equity < 0: no liquidation can bring it back to MM (resolve_bankruptcy after its collateral is liquidated). */
  bankrupt: boolean;
}

export interface FindLiquidatableOptions extends SimulationOptions {
  /** Called for an account the mirror could not evaluate (e.g. a stale oracle at the liquidation class). */
  onError?: (address: PublicKey, error: PortfolioMarginError) => void;
}

/**
 * The accounts whose equity is below MM, evaluated with the TS mirror as `liquidate` evaluates
 * them (their own markets, oracles at the liquidation class, or `opts.spots`), largest shortfall
 * first.
 */
export function findLiquidatable(snapshots: (LiquidationSnapshot | MarginSnapshot)[], opts: FindLiquidatableOptions = {}): LiquidatableAccount[] {
  const out: LiquidatableAccount[] = [];
  for (const s of snapshots) {
    try {
      const loaded = new LoadedMarkets(s, marketIndicesOf(s), OracleAction.Liquidation, opts);
      const result = loaded.evaluate(s.account);
      if (result.equity < result.mm) out.push({ address: s.account.address, snapshot: s, result, shortfall: shortfall(result), bankrupt: result.equity < 0n });
    } catch (e) {
      opts.onError?.(s.account.address, asProgramError(e));
    }
  }
  return out.sort((a, b) => (a.shortfall === b.shortfall ? 0 : a.shortfall > b.shortfall ? -1 : 1));
}

function marketIndicesOf(s: LiquidationSnapshot): number[] {
  return s.markets.map((m) => m.marketIndex);
}

// ---------------------------------------------------------------- planning

export interface LiquidationPlanOptions extends SimulationOptions {
  /**
   * Where to stop inside (0, buffer]: ppm of the step's buffer (default 0: the smallest sizes,
   * equity just above MM; e.g. 500,000 aims at the buffer's middle, leaving room for the price to
   * move before the step lands). At least 1 quote unit above MM, at most the buffer.
   */
  targetBufferPpm?: number;
  /** Steps (instructions) at most (default 8). */
  maxSteps?: number;
  /** Legs per step (default and at most 4). */
  maxLegsPerStep?: number;
  /** Where a bankruptcy's uncovered loss goes (default: see `defaultSocializationMarket`). */
  socializationMarket?: MarketInfo | null;
}

/** A candidate leg of a step, the whole of it taken alone. */
export interface LiquidationCandidate {
  leg: LiquidationLeg;
  /** MM before - MM after. */
  mmReduction: bigint;
  /** Shortfall before - shortfall after. */
  shortfallReduction: bigint;
  /** The fee the account would pay for it alone. */
  fee: bigint;
  /** Underlying notional moved (quote units). */
  notional: bigint;
  /** MM released per unit of notional, ppm (null: no notional). */
  scorePpm: bigint | null;
  /** Lowers MM and the shortfall on its own. */
  usable: boolean;
  /** Why the mirror refuses it alone (null: it does not). */
  error: string | null;
}

export interface LiquidationStep {
  /** The `liquidate` instruction's legs. */
  legs: LiquidationLeg[];
  /** The mirror's preview of the step (ok). */
  preview: LiquidationPreview;
  /** The leg ranking the step was built from. */
  candidates: LiquidationCandidate[];
  /**
   * The step's last legs, from `legs[from]` on, are the bisected part: each ceil(full x t / T), T
   * the largest of `full` (a single leg: t is its amount). Null when every leg is whole.
   */
  partial: { from: number; full: bigint[]; t: bigint } | null;
}

export interface LiquidationPlan {
  marginAccount: PublicKey;
  /** The account now (after the touch), at the liquidation class. */
  before: MarginResult | null;
  liquidatable: boolean;
  /** Equity is (or ends) below 0: the plan ends with `resolve_bankruptcy`. */
  bankrupt: boolean;
  steps: LiquidationStep[];
  /** The last instruction when bankrupt: `resolve_bankruptcy`'s preview. */
  resolveBankruptcy: BankruptcyPreview | null;
  /** The account after the last liquidation step (the plan's start when there is none). */
  after: MarginResult | null;
  /** Equity - MM each final step aims at. */
  target: bigint | null;
  /** Positions no leg may take (an expired instrument awaiting settlement). */
  blocked: { position: PositionInfo; reason: string }[];
  feeTotal: bigint;
  insuranceFeeTotal: bigint;
  /** Why the plan stops short (null: complete). */
  error: PortfolioMarginError | null;
}

interface Raw {
  after: MarginResult;
  fee: bigint;
  notional: bigint;
}

/** The legs applied, the fee charged and the account evaluated, without the step's final rules (null: the mirror refuses). */
function raw(sim: LiquidationSimulator, legs: LiquidationLeg[], before: MarginResult): Raw | null {
  try {
    return rawOrThrow(sim, legs, before);
  } catch {
    return null;
  }
}
function rawOrThrow(sim: LiquidationSimulator, legs: LiquidationLeg[], before: MarginResult): Raw {
  const r = sim.apply(legs, sim.touched, before);
  return { after: sim.loaded.evaluate(r.parties.account), fee: r.fee.total, notional: r.outcomes.reduce((s, o) => s + o.notional, 0n) };
}

function legsOf(sim: LiquidationSimulator, blocked: LiquidationPlan["blocked"]): LiquidationLeg[] {
  const s = sim.s;
  const a = sim.touched.account;
  const legs: LiquidationLeg[] = [];
  for (const p of a.positions) {
    if (p.size === 0n) continue;
    const m = s.markets.find((x) => x.marketIndex === p.marketIndex);
    const ins = m?.instruments[p.instrumentIndex];
    if (!m || !ins) continue;
    if (settledValue(p, m) !== null) continue; // counts as quote
    if (ins.kind !== Kind.Perp && m.expiries[ins.expiryIndex].expiry <= s.now) {
      if (!blocked.some((b) => b.position.marketIndex === p.marketIndex && b.position.instrumentIndex === p.instrumentIndex)) {
        blocked.push({ position: p, reason: "expired: settle_expiry / settle_positions first" });
      }
      continue;
    }
    legs.push(positionLeg(p.marketIndex, p.instrumentIndex, abs(p.size)));
  }
  for (const c of a.collaterals) {
    if (c.amount > 0n && !c.mint.equals(s.clearinghouse.quoteMint)) legs.push(collateralLeg(c.mint, c.amount));
  }
  return legs;
}

/** Every candidate leg of a step, ranked (see the module comment). */
export function rankLiquidationLegs(sim: LiquidationSimulator, before: MarginResult, blocked: LiquidationPlan["blocked"] = []): LiquidationCandidate[] {
  const out: LiquidationCandidate[] = [];
  for (const leg of legsOf(sim, blocked)) {
    let r: Raw;
    try {
      r = rawOrThrow(sim, [leg], before);
    } catch (e) {
      const error = asProgramError(e).name;
      // legs that release no MM alone may still help with others (one side of a spread)
      out.push({ leg, mmReduction: 0n, shortfallReduction: 0n, fee: 0n, notional: 0n, scorePpm: null, usable: false, error: error === "LiquidationNotReducingRisk" ? null : error });
      continue;
    }
    const mmReduction = before.mm - r.after.mm;
    const shortfallReduction = shortfall(before) - shortfall(r.after);
    out.push({
      leg,
      mmReduction,
      shortfallReduction,
      fee: r.fee,
      notional: r.notional,
      scorePpm: r.notional > 0n ? (mmReduction * PPM) / r.notional : null,
      usable: mmReduction > 0n && shortfallReduction > 0n,
      error: null,
    });
  }
  const key = (c: LiquidationCandidate): [number, bigint, bigint] =>
    c.usable ? [0, c.scorePpm ?? (1n << 120n), c.mmReduction] : [c.error ? 2 : 1, c.shortfallReduction, c.mmReduction];
  return out.sort((a, b) => {
    const [ka, kb] = [key(a), key(b)];
    if (ka[0] !== kb[0]) return ka[0] - kb[0];
    for (const i of [1, 2] as const) if (ka[i] !== kb[i]) return ka[i] > kb[i] ? -1 : 1;
    return 0;
  });
}

/** `bundle` scaled to t / T of each leg (rounded up), T the largest leg's amount: t = T is all of it. */
function scaled(bundle: LiquidationLeg[], t: bigint): LiquidationLeg[] {
  const T = bundle.reduce((m, l) => (l.amount > m ? l.amount : m), 0n);
  return bundle.map((l) => ({ ...l, amount: (l.amount * t + T - 1n) / T })).filter((l) => l.amount > 0n);
}

/**
 * The smallest t (of the largest leg's amount) for which `legs` and `bundle` scaled to t reach
 * `target`, given all of the bundle does: bisection, exact to one unit of the largest leg.
 */
function bisect(sim: LiquidationSimulator, before: MarginResult, legs: LiquidationLeg[], bundle: LiquidationLeg[], target: bigint): bigint {
  let [lo, hi] = [0n, bundle.reduce((m, l) => (l.amount > m ? l.amount : m), 0n)];
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n;
    const part = scaled(bundle, mid);
    const r = part.length ? raw(sim, [...legs, ...part], before) : null;
    if (r && r.after.equity - r.after.mm >= target) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * What is left of each market (its positions not in `taken` and the collateral it prices), as one
 * bundle per market with 2 to `room` legs, ranked like single legs: for books where no leg lowers
 * the risk alone (a covered call: neither the call nor its cover), taken pro rata.
 */
function marketBundles(sim: LiquidationSimulator, before: MarginResult, current: MarginResult, taken: LiquidationLeg[], room: number, blocked: LiquidationPlan["blocked"]): LiquidationLeg[][] {
  const ch = sim.s.clearinghouse;
  const same = (a: LiquidationLeg, b: LiquidationLeg) =>
    a.kind === b.kind && (a.kind === LiquidationLegKind.Position ? a.marketIndex === b.marketIndex && a.instrumentIndex === b.instrumentIndex : a.mint.equals(b.mint));
  const left = legsOf(sim, blocked).filter((l) => !taken.some((t) => same(t, l)));
  const marketOf = (l: LiquidationLeg) => (l.kind === LiquidationLegKind.Position ? l.marketIndex : ch.collaterals.find((c) => c.mint.equals(l.mint))?.marketIndex ?? null);
  const out: { bundle: LiquidationLeg[]; score: bigint }[] = [];
  for (const m of new Set(left.map(marketOf))) {
    if (m === null) continue;
    const bundle = left.filter((l) => marketOf(l) === m);
    if (bundle.length < 2 || bundle.length > room) continue;
    const r = raw(sim, [...taken, ...bundle], before);
    if (!r || r.after.mm >= current.mm || shortfall(r.after) >= shortfall(current)) continue;
    out.push({ bundle, score: r.notional > 0n ? ((current.mm - r.after.mm) * PPM) / r.notional : 0n });
  }
  return out.sort((a, b) => (a.score === b.score ? 0 : a.score > b.score ? -1 : 1)).map((x) => x.bundle);
}

interface StepResult {
  step: LiquidationStep | null;
  /** The step reaches the target (the last one). */
  done: boolean;
  error: PortfolioMarginError | null;
}

/**
 * One step: single legs that lower the risk on their own, in rank order, then (room left) the rest
 * of a market pro rata; each whole while that stays short of the target and lowers MM and the
 * shortfall further, the one that crosses it bisected.
 */
function regularStep(sim: LiquidationSimulator, before: MarginResult, target: bigint, maxLegs: number, checkLiquidator: boolean, blocked: LiquidationPlan["blocked"]): StepResult {
  const candidates = rankLiquidationLegs(sim, before, blocked);
  const legs: LiquidationLeg[] = [];
  let current = before;
  let lastError: PortfolioMarginError | null = null;
  /** null: keep going; a result: the step is decided. */
  const consider = (bundle: LiquidationLeg[]): StepResult | null => {
    if (legs.length + bundle.length > maxLegs) return null;
    const whole = raw(sim, [...legs, ...bundle], before);
    if (!whole) return null;
    if (whole.after.equity - whole.after.mm < target) {
      // all of it is not enough: take it whole if it lowers MM and the shortfall further
      if (whole.after.mm < current.mm && shortfall(whole.after) < shortfall(current)) {
        legs.push(...bundle);
        current = whole.after;
      }
      return null;
    }
    const t = bisect(sim, before, legs, bundle, target);
    const finalLegs = [...legs, ...scaled(bundle, t)];
    const preview = sim.liquidate(finalLegs, { checkLiquidator });
    const partial = { from: legs.length, full: bundle.map((l) => l.amount), t };
    if (preview.ok) return { step: { legs: finalLegs, preview, candidates, partial }, done: true, error: null };
    lastError = preview.error;
    // another leg may cross more finely
    if (preview.error?.name === "OverLiquidation" || preview.error?.name === "LiquidationNotReducingRisk") return null;
    return { step: null, done: false, error: preview.error };
  };
  for (const c of candidates) {
    if (!c.usable) continue;
    const r = consider([c.leg]);
    if (r) return r;
  }
  if (legs.length < maxLegs) {
    for (const bundle of marketBundles(sim, before, current, legs, maxLegs - legs.length, blocked)) {
      const r = consider(bundle);
      if (r) return r;
    }
  }
  if (legs.length === 0) return { step: null, done: false, error: lastError ?? programError("LiquidationNotReducingRisk", "no leg lowers the account's MM and shortfall") };
  const preview = sim.liquidate(legs, { checkLiquidator });
  if (!preview.ok) return { step: null, done: false, error: preview.error };
  return { step: { legs, preview, candidates, partial: null }, done: false, error: null };
}

/** A bankrupt account's step: its non-quote collateral (with positions if that alone would not lower the risk). */
function collateralStep(sim: LiquidationSimulator, before: MarginResult, maxLegs: number, checkLiquidator: boolean, blocked: LiquidationPlan["blocked"]): StepResult {
  const candidates = rankLiquidationLegs(sim, before, blocked);
  const collateral = candidates.filter((c) => c.leg.kind === LiquidationLegKind.Collateral);
  const positions = candidates.filter((c) => c.leg.kind === LiquidationLegKind.Position && !c.error);
  const legs = collateral.slice(0, maxLegs).map((c) => c.leg);
  let preview = sim.liquidate(legs, { checkLiquidator });
  for (const p of positions) {
    if (preview.ok || legs.length >= maxLegs) break;
    if (preview.error?.name !== "LiquidationNotReducingRisk") break;
    legs.push(p.leg);
    preview = sim.liquidate(legs, { checkLiquidator });
  }
  if (!preview.ok) return { step: null, done: false, error: preview.error };
  return { step: { legs, preview, candidates, partial: null }, done: false, error: null };
}

/** The snapshot as a step leaves it (the liquidator's state carried even when not checked). */
function nextSnapshot(s: LiquidationSnapshot, p: LiquidationPreview): LiquidationSnapshot {
  const markets = s.markets.map((m) => applyChange(m, p.markets.find((c) => c.marketIndex === m.marketIndex)));
  return { ...s, account: p.accountAfter!, liquidator: p.liquidatorAccountAfter!, markets };
}

function applyChange(m: MarketInfo, c: MarketChange | undefined): MarketInfo {
  if (!c) return m;
  const instruments = m.instruments.map((i) => (c.openInterest.has(i.index) ? { ...i, openInterest: c.openInterest.get(i.index)! } : i));
  return { ...m, feePool: c.feePool, pnlPool: c.pnlPool, lossIndex: c.lossIndex, instruments };
}

/**
 * The liquidation of `s.account` by `s.liquidator` (or by an account not known yet, whose margin
 * is then not checked): ordered steps of at most four legs that bring equity back to MM within
 * the buffer, or the collateral steps and `resolve_bankruptcy` of a bankrupt account. Every step
 * is the mirror's prediction of the program, checked against its rules; `error` says why a plan
 * stops short.
 */
export function planLiquidation(s: LiquidationSnapshot, opts: LiquidationPlanOptions = {}): LiquidationPlan {
  const plan: LiquidationPlan = {
    marginAccount: s.account.address, before: null, liquidatable: false, bankrupt: false, steps: [], resolveBankruptcy: null,
    after: null, target: null, blocked: [], feeTotal: 0n, insuranceFeeTotal: 0n, error: null,
  };
  const checkLiquidator = !!s.liquidator;
  const maxLegs = Math.min(opts.maxLegsPerStep ?? MAX_LIQUIDATION_LEGS, MAX_LIQUIDATION_LEGS);
  const maxSteps = opts.maxSteps ?? 8;
  const targetPpm = BigInt(opts.targetBufferPpm ?? 0);
  // an unknown liquidator: an empty account of no one (its state still carried step to step)
  let state: LiquidationSnapshot = s.liquidator ? s : { ...s, liquidator: emptyMarginAccount(s.clearinghouse.address, PublicKey.default) };
  try {
    let sim = new LiquidationSimulator(state, opts);
    const first = sim.before();
    plan.before = first;
    plan.after = first;
    if (s.liquidator && s.liquidator.owner.equals(s.account.owner)) throw programError("SelfLiquidation");
    if (first.equity >= first.mm) return plan;
    plan.liquidatable = true;
    const social = opts.socializationMarket;
    for (let i = 0; ; i++) {
      const before = sim.before();
      plan.after = before;
      if (before.equity >= before.mm) break;
      const hasCollateral = sim.touched.account.collaterals.some((c) => c.amount > 0n && !c.mint.equals(s.clearinghouse.quoteMint));
      if (before.equity < 0n && !hasCollateral) {
        plan.bankrupt = true;
        plan.resolveBankruptcy = sim.resolve({ socializationMarket: social, checkLiquidator });
        if (!plan.resolveBankruptcy.ok) plan.error = plan.resolveBankruptcy.error;
        break;
      }
      if (i >= maxSteps) {
        plan.error = programError("LiquidationNotReducingRisk", `plan incomplete after ${maxSteps} steps`);
        break;
      }
      let r: StepResult;
      if (before.equity < 0n) {
        plan.bankrupt = true;
        r = collateralStep(sim, before, maxLegs, checkLiquidator, plan.blocked);
      } else {
        const buffer = liquidationBuffer(before.mm, s.clearinghouse.liquidationBufferPpm);
        let target = (buffer * targetPpm + PPM - 1n) / PPM;
        if (target < 1n) target = 1n;
        if (target > buffer) target = buffer;
        plan.target = target;
        r = regularStep(sim, before, target, maxLegs, checkLiquidator, plan.blocked);
      }
      if (!r.step) {
        plan.error = r.error;
        break;
      }
      plan.steps.push(r.step);
      plan.feeTotal += r.step.preview.fee.total;
      plan.insuranceFeeTotal += r.step.preview.fee.insurance;
      plan.after = r.step.preview.after;
      state = nextSnapshot(state, r.step.preview);
      sim = new LiquidationSimulator(state, opts);
      if (r.done) break;
    }
  } catch (e) {
    plan.error = asProgramError(e);
  }
  return plan;
}

