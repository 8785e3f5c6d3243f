// An estimated liquidation price: the spot of the account's largest leg's market at which equity
// falls to maintenance margin, other markets unchanged, found by bisection on the TS mirror.
import { engineAccount, MarginSnapshot, snapshotPrices } from "../health";
import { evaluate, MAX_PRICE } from "../risk";

export interface LiquidationEstimate {
  /** The market moved (the one of the largest leg by notional). */
  marketIndex: number;
  symbol: string;
  spot: bigint;
  /** Equity - MM now (quote units). */
  cushion: bigint;
  /** Nearest spot below / above the current one where equity = MM (null: none within 1/50x..50x). */
  down: bigint | null;
  up: bigint | null;
  /** The nearer of the two (null: none found); equals `spot` when already at or below MM. */
  price: bigint | null;
}

const STEP_PPM = 1_020_000n; // 2% per scan step

/** The estimate for a snapshot (null when the account has no positions). */
export function estimateLiquidationPrice(s: MarginSnapshot): LiquidationEstimate | null {
  const prices = snapshotPrices(s);
  let best: { market: number; notional: bigint } | null = null;
  for (const p of s.account.positions) {
    const mi = s.markets.findIndex((m) => m.marketIndex === p.marketIndex);
    const notional = (p.size < 0n ? -p.size : p.size) * prices[mi].price;
    if (!best || notional > best.notional) best = { market: mi, notional };
  }
  if (!best) return null;
  const mi = best.market;
  const spot = prices[mi].price;
  const cushionAt = (x: bigint): bigint | null => {
    try {
      const moved = prices.map((p, i) => (i === mi ? { ...p, price: x } : p));
      const r = evaluate(engineAccount(s.account, s.clearinghouse, s.markets, moved, s.now));
      return r.equity - r.mm;
    } catch {
      return null; // out of the engine's bounds
    }
  };
  const cushion = cushionAt(spot) ?? 0n;
  const search = (up: boolean): bigint | null => {
    let inside = spot;
    for (let i = 0; i < 200; i++) {
      const next = up ? (inside * STEP_PPM) / 1_000_000n : (inside * 1_000_000n) / STEP_PPM;
      if (next <= 0n || next > MAX_PRICE || (up ? next > spot * 50n : next * 50n < spot)) return null;
      const c = cushionAt(next);
      if (c === null) return null;
      if (c <= 0n) {
        // bisect between `inside` (cushion > 0) and `next` (<= 0)
        let [a, b] = [inside, next];
        while ((a > b ? a - b : b - a) > 1n) {
          const mid = (a + b) / 2n;
          const cm = cushionAt(mid);
          if (cm !== null && cm > 0n) a = mid;
          else b = mid;
        }
        return b;
      }
      inside = next;
    }
    return null;
  };
  const symbol = s.markets[mi].symbol;
  if (cushion <= 0n) return { marketIndex: s.markets[mi].marketIndex, symbol, spot, cushion, down: spot, up: spot, price: spot };
  const down = search(false);
  const up = search(true);
  const dist = (x: bigint | null) => (x === null ? null : x > spot ? x - spot : spot - x);
  const price = down === null ? up : up === null ? down : dist(down)! <= dist(up)! ? down : up;
  return { marketIndex: s.markets[mi].marketIndex, symbol, spot, cushion, down, up, price };
}
