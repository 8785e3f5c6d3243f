// Choosing listed instruments: the strike nearest a target moneyness, the expiry nearest a target
// tenor, the number of contracts for a USD notional.
import { Listing } from "./types";

const UNIT = 1_000_000n;
const DAY = 86_400n;
const abs = (x: bigint): bigint => (x < 0n ? -x : x);

function nearest(values: bigint[], target: bigint, what: string): bigint {
  if (values.length === 0) throw new Error(`no ${what} listed`);
  let best = values[0];
  for (const v of values) if (abs(v - target) < abs(best - target) || (abs(v - target) === abs(best - target) && v < best)) best = v;
  return best;
}

/** The listed strike nearest `moneyness` x spot (ties: the lower strike). */
export function strikeAt(listing: Listing, moneyness: number): bigint {
  const target = (listing.spot * BigInt(Math.round(moneyness * 1e6))) / UNIT;
  return nearest(listing.strikes, target, "strikes");
}

/** The unexpired listed expiry nearest `days` from now (ties: the earlier one). */
export function expiryAt(listing: Listing, days: number): bigint {
  const live = listing.expiries.filter((e) => e > listing.now);
  return nearest(live, listing.now + BigInt(Math.round(days * 86_400)), "unexpired expiries");
}

/** Contracts (1e6 = one) worth `notional` USD (1e6) at spot, rounded down; at least one unit. */
export function contractsFor(notional: bigint, spot: bigint): bigint {
  if (notional <= 0n || spot <= 0n) throw new Error("notional and spot must be positive");
  const n = (notional * UNIT) / spot;
  return n > 0n ? n : 1n;
}

export const daysBetween = (from: bigint, to: bigint): number => Number(to - from) / Number(DAY);
