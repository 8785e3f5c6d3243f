// A synthetic crank population (tests and `npm run bench`): two underlyings, 122 instruments (per
// underlying a perp and 3 expiries x 10 strikes x call/put), 8-leg accounts drawn from them.
import { Account, DEFAULT_GLOBAL, defaultMarketParams, Kind, MarketState, Position, QUOTE } from "../../app/src/risk";

export const NOW = 1_767_000_000n;
export const SPOTS = [88_530_000_000n, 2_970_000_000n];

export function markets(): MarketState[] {
  return SPOTS.map((spot, i) => ({
    spot, conf: spot / 2000n, volStale: false, params: defaultMarketParams(160_000 + 20_000 * i),
    slices: [7n, 30n, 90n].map((d, j) => ({ expiry: NOW + d * 86_400n, atmPpm: BigInt(450_000 + 50_000 * j), skewPpm: -100_000n, curvPpm: 300_000n, basisPpm: 50_000n })),
  }));
}

export function universe(): Omit<Position, "size" | "cost">[] {
  const out: Omit<Position, "size" | "cost">[] = [];
  SPOTS.forEach((spot, mi) => {
    out.push({ market: mi, kind: Kind.Perp, slice: 0, strike: 0n });
    for (let s = 0; s < 3; s++) for (let k = 0; k < 10; k++) for (const kind of [Kind.Call, Kind.Put]) out.push({ market: mi, kind, slice: s, strike: (spot / 100n) * BigInt(75 + 5 * k) });
  });
  return out;
}

/** Deterministic PRNG (LCG), integers in [0, n). */
export function rng(seed: number): (n: number) => number {
  let s = seed;
  return (n) => ((s = (s * 1103515245 + 12345) % 2147483648), s % n);
}

/** `count` 8-leg accounts with `usdc` quote collateral (quote units). */
export function accounts(count: number, seed = 42, usdc = 1_000_000_000_000n): Account[] {
  const u = universe();
  const rnd = rng(seed);
  const ms = markets();
  return Array.from({ length: count }, () => ({
    global: DEFAULT_GLOBAL, markets: ms, now: NOW,
    positions: Array.from({ length: 8 }, () => {
      const x = u[rnd(u.length)];
      const size = BigInt((rnd(2) ? 1 : -1) * (1 + rnd(20)) * 100_000);
      return { ...x, size, cost: x.kind === Kind.Perp ? (size * SPOTS[x.market]) / 1_000_000n : 0n };
    }),
    collateral: [{ asset: QUOTE, haircutMmPpm: 0, haircutImPpm: 0, amount: usdc }],
  }));
}
