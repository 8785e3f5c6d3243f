// Mirror of crates/risk-engine/src/params.rs: per-market and global risk parameters (ppm integers)
// with the same hard bounds and validation.
import { RiskError } from "./wide";

export const MARKET_PARAM_NAMES = [
  "price_range_ppm", "tail_moves_ppm[0]", "tail_moves_ppm[1]", "tail_moves_ppm[2]", "tail_moves_ppm[3]",
  "vol_up_coef_ppm", "vol_down_coef_ppm", "vol_down_min_mult_ppm", "vol_exp_short_ppm", "vol_exp_long_ppm",
  "vol_ref_days", "vol_up_floor_ppm", "stale_vol_mult_ppm", "vol_min_ppm", "vol_max_ppm", "basis_max_ppm",
  "naked_short_mm_ppm", "naked_short_im_ppm", "perp_mm_ppm", "perp_im_ppm", "haircut_mm_ppm", "haircut_im_ppm",
  "conf_mm_mult_ppm", "conf_im_mult_ppm", "max_conf_ppm",
] as const;
export const GLOBAL_PARAM_NAMES = ["mm_scan_ppm", "im_scan_ppm", "corr_credit_ppm"] as const;

export const MARKET_PARAM_BOUNDS: [number, number][] = [
  [10_000, 500_000], [-900_000, 3_000_000], [-900_000, 3_000_000], [-900_000, 3_000_000], [-900_000, 3_000_000],
  [0, 2_000_000], [0, 900_000], [50_000, 1_000_000], [0, 1_000_000], [0, 1_000_000], [1, 365], [0, 3_000_000],
  [1_000_000, 4_000_000], [1_000, 1_000_000], [10_000, 10_000_000], [0, 2_000_000], [0, 100_000], [0, 200_000],
  [0, 200_000], [0, 300_000], [0, 900_000], [0, 950_000], [0, 10_000_000], [0, 10_000_000], [0, 100_000],
];
export const GLOBAL_PARAM_BOUNDS: [number, number][] = [[500_000, 1_000_000], [500_000, 2_000_000], [0, 900_000]];

/** Field values in MARKET_PARAM_NAMES order (plain numbers; all fit exactly). */
export type MarketParams = number[];
/** [mm_scan_ppm, im_scan_ppm, corr_credit_ppm] */
export type GlobalParams = [number, number, number];

export function defaultMarketParams(rangePpm = 160_000): MarketParams {
  return [
    rangePpm, -500_000, -330_000, 500_000, 1_000_000, 500_000, 250_000, 100_000, 300_000, 130_000, 30, 450_000,
    1_500_000, 10_000, 5_000_000, 1_000_000, 3_000, 5_000, 15_000, 25_000, 100_000, 150_000, 1_000_000, 1_500_000,
    20_000,
  ];
}
export const DEFAULT_GLOBAL: GlobalParams = [800_000, 1_000_000, 0];

export function defaultRangePpm(symbol: string): number {
  return ({ BTC: 160_000, ETH: 180_000, SOL: 230_000 } as Record<string, number>)[symbol] ?? 250_000;
}

export function validateMarketParams(f: MarketParams): void {
  if (f.length !== 25) throw new RiskError("ParamOutOfBounds(0)");
  f.forEach((v, i) => {
    const [lo, hi] = MARKET_PARAM_BOUNDS[i];
    if (!Number.isInteger(v) || v < lo || v > hi) throw new RiskError(`ParamOutOfBounds(${i})`);
  });
  const r = f[0];
  for (let i = 1; i < 5; i++) if (f[i] !== 0 && Math.abs(f[i]) < r) throw new RiskError(`ParamOutOfBounds(${i})`);
  for (const [mm, im] of [[16, 17], [18, 19], [20, 21], [22, 23], [13, 14]]) {
    if (f[im] < f[mm]) throw new RiskError(`ParamOutOfBounds(${im})`);
  }
}

export function validateGlobalParams(g: GlobalParams): void {
  g.forEach((v, i) => {
    const [lo, hi] = GLOBAL_PARAM_BOUNDS[i];
    if (!Number.isInteger(v) || v < lo || v > hi) throw new RiskError(`ParamOutOfBounds(${100 + i})`);
  });
  if (g[1] < g[0]) throw new RiskError("ParamOutOfBounds(101)");
}
