// The backtest's vol model: an EWMA of squared log returns (RiskMetrics), as an annualised vol.
//
// Returns are weighted per unit of time, not per bar: a return over dt seconds is an estimate
// r^2 / dt of the variance per second, and the estimate ages by lambda per day (lambda^(dt / 1 day)
// per bar), so hourly and daily bars forget at the same pace and a gap (missing bars) is one longer
// return, not a zero.
import { Bar } from "../data/prices";

export interface EwmaConfig {
  /** Decay per day (RiskMetrics daily: 0.94; mean age of the information ~16 days). */
  lambdaPerDay: number;
  /** Bounds of the annualised vol (fractions): a quiet stretch must not price options at ~0 vol. */
  floor: number;
  cap: number;
  /** Returns averaged to seed the estimate (the first bars' vols use it: skip them as warm-up). */
  seedReturns: number;
}

export const DEFAULT_EWMA: EwmaConfig = { lambdaPerDay: 0.94, floor: 0.2, cap: 5, seedReturns: 168 };
const YEAR = 31_536_000;

/** Annualised vol after each bar (from the returns up to and including that bar), clamped to [floor, cap]. */
export function ewmaVols(bars: Bar[], cfg: EwmaConfig = DEFAULT_EWMA): number[] {
  const n = bars.length;
  const out = new Array<number>(n);
  if (n === 0) return out;
  const rate = (i: number): number => Math.log(bars[i].close / bars[i - 1].close) ** 2 / (bars[i].t - bars[i - 1].t);
  const seedN = Math.min(cfg.seedReturns, n - 1);
  let perSecond = 0;
  for (let i = 1; i <= seedN; i++) perSecond += rate(i) / seedN;
  const clamp = (v: number) => Math.min(Math.max(v, cfg.floor), cfg.cap);
  out[0] = clamp(Math.sqrt(perSecond * YEAR));
  for (let i = 1; i < n; i++) {
    const decay = Math.pow(cfg.lambdaPerDay, (bars[i].t - bars[i - 1].t) / 86_400);
    perSecond = decay * perSecond + (1 - decay) * rate(i);
    out[i] = clamp(Math.sqrt(perSecond * YEAR));
  }
  return out;
}
