// Turning a source's target slices into an `update_vol_params` the program accepts.
//
// The program (update_vol_params.rs, VolGuards::check_bounds / check_change) refuses the whole
// update unless: the sequence increases; at least min_interval_secs passed since the last update;
// there is one slice per listed expiry, in listed order, naming that expiry; every value is within
// its absolute bounds; and every value moved by at most the per-update maximum from the value on
// chain (ATM: floor(|old| x max_atm_change_ppm / 1e6); skew, curvature, basis:
// max_shape_change_ppm). So each value is placed in the intersection of its bounds and its
// reachable interval, as near the target as that allows; when that intersection is empty (the
// stored value sits out of bounds by more than one step, after an admin tightened the bounds) no
// update can pass and we skip, naming the value.

import type { VolSlice } from "./types";

/** The fields of a decoded market the plan reads (the SDK's `MarketInfo` has them all). */
export interface VolPlanMarket {
  volSequence: bigint;
  volUpdatedAt: bigint;
  volGuards: {
    minIntervalSecs: number;
    /** When given, a refresh is sent at half this age even below the threshold (see
     * `refreshAfterSecs`). */
    maxAgeSecs?: number;
    maxAtmChangePpm: number;
    maxShapeChangePpm: number;
    maxSkewPpm: number;
    maxCurvPpm: number;
  };
  params: { volMinPpm: number; volMaxPpm: number; basisMaxPpm: number };
  expiries: { expiry: bigint; atmPpm: bigint; skewPpm: bigint; curvPpm: bigint; basisPpm: bigint }[];
}

export interface PlanVolInput {
  market: VolPlanMarket;
  /** One target per listed expiry, in listed order. */
  target: VolSlice[];
  /** Unix seconds on the cluster's clock (the program compares against its own Clock). */
  now: number;
  /** Send only if some value changes by more than this: an ATM vol by more than thresholdPpm
   * ppm of its old value (relative: 10,000 = 1% of the vol), skew, curvature and basis by more
   * than thresholdPpm ppm absolute (10,000 = 0.01 of vol per unit k, or 1%/year of basis). */
  thresholdPpm: number;
  /** Send anyway once the slices are this old (seconds), so they never go stale while the source
   * agrees with them (stale slices widen the scan and refuse risk-increasing trades). Default:
   * half the market's max age when known, else never. */
  refreshAfterSecs?: number;
}

export type VolField = "atmPpm" | "skewPpm" | "curvPpm" | "basisPpm";

export type VolPlan =
  | {
      action: "send";
      sequence: bigint;
      slices: { expiry: bigint; slice: VolSlice }[];
      /** Some value differs from its target (bounds or the per-update limit held it back). */
      clamped: boolean;
      /** Why it is sent: a change above the threshold, or a refresh of aging slices. */
      trigger: "change" | "refresh";
    }
  | { action: "skip"; reason: "no-expiries" | "target-mismatch" | "sequence-exhausted"; detail?: string }
  | { action: "skip"; reason: "too-soon"; retryAt: number }
  | { action: "skip"; reason: "below-threshold" }
  | { action: "skip"; reason: "unreachable-bounds"; expiry: bigint; field: VolField; detail: string };

const U64_MAX = (1n << 64n) - 1n;
const FIELDS: VolField[] = ["atmPpm", "skewPpm", "curvPpm", "basisPpm"];

const minB = (a: bigint, b: bigint) => (a < b ? a : b);
const maxB = (a: bigint, b: bigint) => (a > b ? a : b);
const absB = (a: bigint) => (a < 0n ? -a : a);

/** Absolute bounds of each value, as the program checks them. The engine also refuses |skew| and
 * |curvature| above 10 x vol_max (BadVol on every margin check of the market), so they are held
 * within that too: stricter than the program, never looser. */
export function volBounds(m: VolPlanMarket): Record<VolField, [bigint, bigint]> {
  const engineShape = 10n * BigInt(m.params.volMaxPpm);
  const skew = minB(BigInt(m.volGuards.maxSkewPpm), engineShape);
  const curv = minB(BigInt(m.volGuards.maxCurvPpm), engineShape);
  const basis = BigInt(m.params.basisMaxPpm);
  return {
    atmPpm: [BigInt(m.params.volMinPpm), BigInt(m.params.volMaxPpm)],
    skewPpm: [-skew, skew],
    curvPpm: [-curv, curv],
    basisPpm: [-basis, basis],
  };
}

/** Largest change of each value from `old` in one update (the program's check_change, with its
 * integer floor for the ATM). */
export function maxSteps(m: VolPlanMarket, oldAtmPpm: bigint): Record<VolField, bigint> {
  const shape = BigInt(m.volGuards.maxShapeChangePpm);
  return {
    atmPpm: (absB(oldAtmPpm) * BigInt(m.volGuards.maxAtmChangePpm)) / 1_000_000n,
    skewPpm: shape,
    curvPpm: shape,
    basisPpm: shape,
  };
}

/** Whether `next` differs from `old` by more than the threshold (ATM relative, the rest absolute). */
function exceedsThreshold(field: VolField, old: bigint, next: bigint, thresholdPpm: bigint): boolean {
  const diff = absB(next - old);
  return field === "atmPpm" ? diff * 1_000_000n > thresholdPpm * absB(old) : diff > thresholdPpm;
}

export function planVolUpdate(input: PlanVolInput): VolPlan {
  const { market: m, target, now } = input;
  const n = m.expiries.length;
  if (n === 0) return { action: "skip", reason: "no-expiries" };
  if (target.length !== n) return { action: "skip", reason: "target-mismatch", detail: `${target.length} targets for ${n} expiries` };
  if (m.volSequence >= U64_MAX) return { action: "skip", reason: "sequence-exhausted" };
  const retryAt = Number(m.volUpdatedAt) + m.volGuards.minIntervalSecs;
  if (now < retryAt) return { action: "skip", reason: "too-soon", retryAt };

  const bounds = volBounds(m);
  const threshold = BigInt(Math.max(0, Math.floor(input.thresholdPpm)));
  let clamped = false;
  let changed = false;
  const slices: { expiry: bigint; slice: VolSlice }[] = [];
  for (let i = 0; i < n; i++) {
    const listed = m.expiries[i];
    const steps = maxSteps(m, listed.atmPpm);
    const slice = {} as VolSlice;
    for (const f of FIELDS) {
      const old = listed[f];
      const [lo, hi] = bounds[f];
      // Values both within bounds and within one step of the stored value.
      const from = maxB(lo, old - steps[f]);
      const to = minB(hi, old + steps[f]);
      if (from > to) {
        return {
          action: "skip",
          reason: "unreachable-bounds",
          expiry: listed.expiry,
          field: f,
          detail: `stored ${old} is more than one step (${steps[f]}) outside [${lo}, ${hi}]`,
        };
      }
      const next = minB(maxB(target[i][f], from), to);
      if (next !== target[i][f]) clamped = true;
      if (exceedsThreshold(f, old, next, threshold)) changed = true;
      slice[f] = next;
    }
    slices.push({ expiry: listed.expiry, slice });
  }

  const refreshAfter = input.refreshAfterSecs ?? (m.volGuards.maxAgeSecs !== undefined ? Math.floor(m.volGuards.maxAgeSecs / 2) : Infinity);
  const aging = now - Number(m.volUpdatedAt) >= refreshAfter;
  if (!changed && !aging) return { action: "skip", reason: "below-threshold" };
  return { action: "send", sequence: m.volSequence + 1n, slices, clamped, trigger: changed ? "change" : "refresh" };
}
