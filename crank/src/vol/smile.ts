// Fitting the program's quadratic smile to one expiry's implied vols, and interpolating fitted
// expiries to other maturities.
import type { ChainQuote } from "./chain";
import { YEAR_SECS } from "./types";

/** A fitted expiry, as fractions (atm 0.65 = 65%, basis per year). */
export interface FittedSlice {
  currency: string;
  /** Unix seconds. */
  expiry: number;
  /** Years from the chain's snapshot to expiry. */
  years: number;
  atm: number;
  skew: number;
  curv: number;
  basis: number;
  forward: number;
  index: number;
  /** Strikes used in the fit and the weighted RMS residual (vol fraction). */
  strikes: number;
  rmse: number;
}

export interface SmileFitOptions {
  /** IVs outside (ivMin, ivMax) are dropped as missing or absurd. Default 1% and 500%. */
  ivMin?: number;
  ivMax?: number;
  /** Strikes used: |k| at most min(kMax, stdMax x atm x sqrt(T)) (at least kFloor), so a
   * short expiry is fitted where its options live and a long one where the scan's moves reach.
   * Defaults 0.7, 2.5, 0.05. */
  kMax?: number;
  stdMax?: number;
  kFloor?: number;
  /** Expiries closer than this (years) are skipped: their smile in k is extreme and their basis
   * ln(F/index)/T is rounding noise divided by a tiny T. Default 1 day. */
  minYears?: number;
  /** Distinct strikes needed for a fit. Default 3 (three coefficients). */
  minStrikes?: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Solves the 3x3 system a x = b by Gaussian elimination with partial pivoting; null if singular. */
function solve3(a: number[][], b: number[]): number[] | null {
  const m = a.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < 3; c++) {
    let p = c;
    for (let r = c + 1; r < 3; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    if (Math.abs(m[p][c]) < 1e-14) return null;
    [m[c], m[p]] = [m[p], m[c]];
    for (let r = 0; r < 3; r++) {
      if (r === c) continue;
      const f = m[r][c] / m[c][c];
      for (let j = c; j < 4; j++) m[r][j] -= f * m[c][j];
    }
  }
  return [m[0][3] / m[0][0], m[1][3] / m[1][1], m[2][3] / m[2][2]];
}

/** Weighted least squares of iv = a + b k + c k^2. */
function fitQuadratic(points: { k: number; iv: number; w: number }[]): [number, number, number] | null {
  const s = Array.from({ length: 5 }, () => 0); // Σ w k^j, j = 0..4
  const t = [0, 0, 0]; // Σ w iv k^j, j = 0..2
  for (const { k, iv, w } of points) {
    let kj = 1;
    for (let j = 0; j < 5; j++) {
      s[j] += w * kj;
      if (j < 3) t[j] += w * iv * kj;
      kj *= k;
    }
  }
  const x = solve3([[s[0], s[1], s[2]], [s[1], s[2], s[3]], [s[2], s[3], s[4]]], t);
  return x && x.every(Number.isFinite) ? [x[0], x[1], x[2]] : null;
}

/** Fits one expiry's quotes (same currency and expiry); null when too few usable strikes. */
export function fitSmile(quotes: ChainQuote[], opts: SmileFitOptions = {}): FittedSlice | null {
  const ivMin = opts.ivMin ?? 0.01;
  const ivMax = opts.ivMax ?? 5;
  if (quotes.length === 0) return null;
  const snapshots = quotes.map((q) => q.snapshot).filter(Number.isFinite);
  const forwards = quotes.map((q) => q.forward).filter((x) => x > 0);
  const indexes = quotes.map((q) => q.index).filter((x) => x > 0);
  if (!snapshots.length || !forwards.length || !indexes.length) return null;
  const { currency, expiry } = quotes[0];
  const years = (expiry - median(snapshots)) / YEAR_SECS;
  if (!(years >= (opts.minYears ?? 1 / 365))) return null;
  // The forward of one expiry is one number; rows taken seconds apart differ by noise.
  const forward = median(forwards);
  const index = median(indexes);

  // One IV per strike: calls and puts of a strike share the forward, so their IVs agree up to
  // quoting noise; averaging keeps a strike quoted twice from counting double.
  const byStrike = new Map<number, number[]>();
  for (const q of quotes) {
    if (!(q.strike > 0) || !(q.iv > ivMin && q.iv < ivMax)) continue;
    const list = byStrike.get(q.strike) ?? [];
    list.push(q.iv);
    byStrike.set(q.strike, list);
  }
  const strikes = [...byStrike].map(([K, ivs]) => ({ k: Math.log(K / forward), iv: ivs.reduce((a, b) => a + b, 0) / ivs.length }));
  if (strikes.length === 0) return null;
  // A first guess of the ATM vol (the strike nearest the forward) scales the strike window and
  // the weights.
  const atm0 = strikes.reduce((a, b) => (Math.abs(b.k) < Math.abs(a.k) ? b : a)).iv;
  const sd = atm0 * Math.sqrt(years);
  const kBound = Math.max(Math.min(opts.kMax ?? 0.7, (opts.stdMax ?? 2.5) * sd), opts.kFloor ?? 0.05);
  // Weights: Black vega's dependence on the strike, n(d1) / n(0). Vega is what a vol error costs
  // in price, so the fit is most accurate where the options are worth most.
  const points = strikes
    .filter((p) => Math.abs(p.k) <= kBound)
    .map((p) => {
      const d1 = (-p.k + (sd * sd) / 2) / sd;
      return { ...p, w: Math.max(Math.exp((-d1 * d1) / 2), 1e-6) };
    });
  if (points.length < (opts.minStrikes ?? 3)) return null;
  const coef = fitQuadratic(points);
  if (!coef || !(coef[0] > 0)) return null;
  const [atm, skew, curv] = coef;
  const wsum = points.reduce((a, p) => a + p.w, 0);
  const sse = points.reduce((a, p) => a + p.w * (p.iv - (atm + skew * p.k + curv * p.k * p.k)) ** 2, 0);
  return {
    currency,
    expiry,
    years,
    atm,
    skew,
    curv,
    basis: Math.log(forward / index) / years,
    forward,
    index,
    strikes: points.length,
    rmse: Math.sqrt(sse / wsum),
  };
}

/** Fits every expiry of every currency in a chain; sorted by currency, then maturity. */
export function fitChain(quotes: ChainQuote[], opts: SmileFitOptions = {}): FittedSlice[] {
  const groups = new Map<string, ChainQuote[]>();
  for (const q of quotes) {
    if (!Number.isFinite(q.expiry)) continue;
    const key = `${q.currency}|${q.expiry}`;
    const g = groups.get(key) ?? [];
    g.push(q);
    groups.set(key, g);
  }
  const fitted: FittedSlice[] = [];
  for (const g of groups.values()) {
    const f = fitSmile(g, opts);
    if (f) fitted.push(f);
  }
  return fitted.sort((a, b) => (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : a.years - b.years));
}

/** The smile at maturity `years` from fitted expiries of one underlying (sorted by maturity):
 * ATM interpolated in total variance atm^2 T (so forward variance stays positive between two
 * expiries whose total variance rises), skew, curvature and basis linearly in T; flat beyond the
 * first and last expiries. */
export function interpolateSlice(fitted: FittedSlice[], years: number): Pick<FittedSlice, "atm" | "skew" | "curv" | "basis"> {
  if (fitted.length === 0) throw new Error("interpolateSlice: no fitted expiries");
  const first = fitted[0];
  const last = fitted[fitted.length - 1];
  const pick = (f: FittedSlice) => ({ atm: f.atm, skew: f.skew, curv: f.curv, basis: f.basis });
  if (years <= first.years) return pick(first);
  if (years >= last.years) return pick(last);
  let i = 0;
  while (fitted[i + 1].years < years) i++;
  const a = fitted[i];
  const b = fitted[i + 1];
  const u = (years - a.years) / (b.years - a.years);
  const lerp = (x: number, y: number) => x + u * (y - x);
  const totalVar = lerp(a.atm * a.atm * a.years, b.atm * b.atm * b.years);
  return { atm: Math.sqrt(totalVar / years), skew: lerp(a.skew, b.skew), curv: lerp(a.curv, b.curv), basis: lerp(a.basis, b.basis) };
}
