// The vol-refresh vocabulary: a slice in the program's units and the interface every vol source
// (realised vol, an option chain, ...) implements.

/** One expiry's smile in the program's units (ppm, as `VolSliceParams`):
 * sigma(k) = atm + skew k + curv k^2, k = ln(K/F), F = S e^(basis T), basis per year. */
export interface VolSlice {
  atmPpm: bigint;
  skewPpm: bigint;
  curvPpm: bigint;
  basisPpm: bigint;
}

/** What a source is asked for: slices for a market's listed expiries, at `now`. */
export interface VolRequest {
  /** The market's symbol ("BTC"). */
  symbol: string;
  /** Current oracle price (float, quote per unit). */
  spot: number;
  /** Unix seconds. */
  now: number;
  /** The listed expiries, unix seconds, in listed order. */
  expiries: number[];
  /** The slices on chain now, aligned with `expiries`. */
  current: VolSlice[];
}

export interface VolSource {
  name: string;
  /** Feeds one oracle reading (the crank calls it every time it reads the oracle). */
  observe?(symbol: string, unixSecs: number, price: number): void;
  /** Target slices aligned with `req.expiries`, or null when the source has no opinion yet
   * (not enough samples, no chain for this symbol). */
  slices(req: VolRequest): VolSlice[] | null;
}

export const PPM = 1_000_000;
/** The engine's year (`YEAR_SECONDS`: 365 days), so T means the same here and on chain. */
export const YEAR_SECS = 31_536_000;

/** A fraction (0.65 = 65%) as integer ppm, rounded to nearest. */
export function toPpm(x: number): bigint {
  if (!Number.isFinite(x)) throw new RangeError(`toPpm: not finite: ${x}`);
  return BigInt(Math.round(x * PPM));
}

/** Integer ppm as a fraction. */
export function fromPpm(x: bigint): number {
  return Number(x) / PPM;
}
