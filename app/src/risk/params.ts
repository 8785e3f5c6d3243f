// Risk parameters: keyed objects built from the one parameter table (params.generated.ts, generated
// from crates/risk-engine/src/params.rs). Validation mirrors the engine's; an error names the
// parameter.
import { GLOBAL_PARAMS, GLOBAL_PARAM_ORDER, MARKET_PARAMS, MARKET_PARAM_ORDER, ParamSpec, TAIL_FIELDS } from "./params.generated";
import { RiskError } from "./wide";

export {
  GLOBAL_PARAMS, MARKET_PARAMS, ParamSpec, MAX_HAIRCUT_PPM, DEFAULT_HAIRCUT_MM_PPM, DEFAULT_HAIRCUT_IM_PPM,
} from "./params.generated";

/** Per-underlying parameters, keyed by camelCase field name (ppm integers, `volRefDays` in days). */
export interface MarketParams {
  priceRangePpm: number; tailMove1Ppm: number; tailMove2Ppm: number; tailMove3Ppm: number; tailMove4Ppm: number;
  volUpCoefPpm: number; volDownCoefPpm: number; volDownMinMultPpm: number; volExpShortPpm: number; volExpLongPpm: number;
  volRefDays: number; volUpFloorPpm: number; staleVolMultPpm: number; volMinPpm: number; volMaxPpm: number;
  basisMaxPpm: number; nakedShortMmPpm: number; nakedShortImPpm: number; linearMmPpm: number; linearImPpm: number;
  confMultPpm: number; maxConfPpm: number;
}
/** Account-level parameters. */
export interface GlobalParams { mmScanPpm: number; imScanPpm: number; corrCreditPpm: number; imOverMmMinPpm: number }

type Keyed = Record<string, number>;

function defaults<T>(table: readonly ParamSpec[]): T {
  return Object.fromEntries(table.map((p) => [p.key, p.default])) as T;
}

/** Starting parameters with price range `rangePpm`. */
export function defaultMarketParams(rangePpm = 160_000): MarketParams {
  return { ...defaults<MarketParams>(MARKET_PARAMS), priceRangePpm: rangePpm };
}
export const DEFAULT_GLOBAL: GlobalParams = defaults<GlobalParams>(GLOBAL_PARAMS);

export function defaultRangePpm(symbol: string): number {
  return ({ BTC: 160_000, ETH: 180_000, SOL: 230_000 } as Record<string, number>)[symbol] ?? 250_000;
}

/** Values in table order (the on-chain and golden-vector layout). */
export function paramValues(table: readonly ParamSpec[], p: object): number[] {
  return table.map((s) => (p as Keyed)[s.key]);
}
/** A keyed object from values in table order. */
export function paramsFromValues<T>(table: readonly ParamSpec[], values: readonly (number | bigint | string)[]): T {
  if (values.length !== table.length) throw new RiskError("ParamOutOfBounds", table[Math.min(values.length, table.length - 1)].name);
  return Object.fromEntries(table.map((s, i) => [s.key, Number(values[i])])) as T;
}

const specByName = (table: readonly ParamSpec[], name: string): ParamSpec => table.find((s) => s.name === name)!;

function validate(table: readonly ParamSpec[], p: object, code: "ParamOutOfBounds" | "GlobalParamOutOfBounds", order: readonly (readonly [string, string])[]): void {
  const v = p as Keyed;
  for (const s of table) {
    const x = v[s.key];
    if (!Number.isInteger(x) || x < s.min || x > s.max) throw new RiskError(code, s.name, `${s.name} = ${x} is outside [${s.min}, ${s.max}]`);
  }
  if (table === MARKET_PARAMS) {
    const range = v.priceRangePpm;
    for (const name of TAIL_FIELDS) {
      const t = v[specByName(table, name).key];
      if (t !== 0 && Math.abs(t) < range) throw new RiskError(code, name, `${name} = ${t}: a tail move is 0 or at least the price range (${range})`);
    }
  }
  for (const [lower, higher] of order) {
    const [l, h] = [specByName(table, lower), specByName(table, higher)];
    if (v[h.key] < v[l.key]) throw new RiskError(code, higher, `${higher} = ${v[h.key]} is below ${lower} = ${v[l.key]}`);
  }
}

export function validateMarketParams(p: MarketParams): void {
  validate(MARKET_PARAMS, p, "ParamOutOfBounds", MARKET_PARAM_ORDER);
}
export function validateGlobalParams(g: GlobalParams): void {
  validate(GLOBAL_PARAMS, g, "GlobalParamOutOfBounds", GLOBAL_PARAM_ORDER);
}

/** The four tail moves (ppm, 0 = disabled). */
export const tailMoves = (p: MarketParams): number[] => [p.tailMove1Ppm, p.tailMove2Ppm, p.tailMove3Ppm, p.tailMove4Ppm];

/**
 * The first parameter that `next` moves in a direction that is not stricter than `prev` (a "never"
 * parameter may not change at all), or undefined: what the security authority, which may only
 * tighten, is refused (mirror of `first_loosened`).
 */
export function firstLoosened(table: readonly ParamSpec[], prev: object, next: object): string | undefined {
  for (const spec of table) {
    const [a, b] = [(prev as Keyed)[spec.key], (next as Keyed)[spec.key]];
    const ok = spec.tighter === "higher" ? b >= a : spec.tighter === "lower" ? b <= a : b === a;
    if (!ok) return spec.name;
  }
  return undefined;
}
