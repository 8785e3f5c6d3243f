// The market the backtest margins against at a start time: spot = the bar's close, one flat ATM vol
// (the EWMA estimate) with a fixed skew for every expiry, a small constant basis, expiries at fixed
// tenors from the start, strikes on a grid around spot. The same market moved to a later bar keeps
// its expiries and smile shape and takes the new spot and vol (time advances by the caller's `now`).
import { defaultMarketParams, defaultRangePpm, MarketState } from "../../../app/src/risk";
import { Listing } from "../strategies";

export interface MarketConfig {
  /** Listed expiries, days after the start. */
  tenorsDays: number[];
  /** Smile sigma(k) = atm + skew k + curv k^2 (k = ln K/F), fractions; basis per year. */
  skew: number;
  curv: number;
  basis: number;
  /** Listed strikes: spot x (1 + i x step) for |i x step| <= width, rounded to 3 significant digits of spot. */
  strikeStep: number;
  strikeWidth: number;
}

export const DEFAULT_MARKET: MarketConfig = { tenorsDays: [7, 30, 90], skew: -0.1, curv: 0, basis: 0.02, strikeStep: 0.025, strikeWidth: 0.5 };
const DAY = 86_400n;
const ppm = (x: number): bigint => BigInt(Math.round(x * 1e6));

/** A price of `x` USD at 1e6. */
export const price = (x: number): bigint => BigInt(Math.round(x * 1e6));

/** Strikes around spot (1e6): a grid in moneyness, each rounded to the spot's third significant digit. */
export function strikeGrid(spot: bigint, cfg: MarketConfig = DEFAULT_MARKET): bigint[] {
  const digits = spot.toString().length;
  const tick = 10n ** BigInt(Math.max(digits - 3, 0));
  const n = Math.round(cfg.strikeWidth / cfg.strikeStep);
  const out: bigint[] = [];
  for (let i = -n; i <= n; i++) {
    const k = (spot * ppm(1 + i * cfg.strikeStep)) / 1_000_000n;
    const rounded = ((k + tick / 2n) / tick) * tick;
    if (rounded > 0n && !out.includes(rounded)) out.push(rounded);
  }
  return out;
}

function clampVol(vol: number, m: MarketState["params"]): bigint {
  const v = ppm(vol);
  const [lo, hi] = [BigInt(m.volMinPpm), BigInt(m.volMaxPpm)];
  return v < lo ? lo : v > hi ? hi : v;
}

/** The market and its listing at `now` (unix seconds) for `symbol` at `spot` (1e6) and ATM `vol` (fraction). */
export function listMarket(symbol: string, spot: bigint, vol: number, now: bigint, cfg: MarketConfig = DEFAULT_MARKET): { market: MarketState; listing: Listing } {
  const params = defaultMarketParams(defaultRangePpm(symbol));
  const atmPpm = clampVol(vol, params);
  const expiries = cfg.tenorsDays.map((d) => now + BigInt(d) * DAY);
  const market: MarketState = {
    spot, conf: 0n, volStale: false, params,
    slices: expiries.map((expiry) => ({ expiry, atmPpm, skewPpm: ppm(cfg.skew), curvPpm: ppm(cfg.curv), basisPpm: ppm(cfg.basis) })),
  };
  const listing: Listing = { now, spot, expiries, strikes: strikeGrid(spot, cfg), atmVolPpm: atmPpm, basisPpm: ppm(cfg.basis) };
  return { market, listing };
}

/** The same market at a new spot and ATM vol (expiries, smile shape and basis unchanged). */
export function moveMarket(market: MarketState, spot: bigint, vol: number): MarketState {
  const atmPpm = clampVol(vol, market.params);
  return { ...market, spot, slices: market.slices.map((s) => ({ ...s, atmPpm })) };
}
