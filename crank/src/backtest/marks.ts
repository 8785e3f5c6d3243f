// Portfolio values at one market state with the engine's own marks (the TS mirror's margin-path
// pricer at the base scenario: perp = spot, future = forward, option = Black-76 on the smile; long
// rounded down, short rounded up, as in equity). Each instrument is priced once per state, however
// many plans are valued on it.
import { Kind, MarketPrep, MarketState, OptionPrep } from "../../../app/src/risk";
import { Plan } from "../strategies";

const UNIT = 1_000_000n;

export class Marks {
  private readonly prep: MarketPrep;
  private readonly px = new Map<string, bigint>();
  constructor(readonly market: MarketState, readonly now: bigint) {
    this.prep = new MarketPrep(market);
  }

  /** One contract's value in price units (2^-priceBits quote units). */
  private valuePx(kind: Kind, expiry: bigint, strike: bigint): bigint {
    const key = `${kind}:${expiry}:${strike}`;
    let v = this.px.get(key);
    if (v === undefined) {
      const mp = this.prep;
      if (kind === Kind.Perp) v = mp.spot << BigInt(mp.priceBits);
      else {
        const slice = this.market.slices.findIndex((s) => s.expiry === expiry);
        if (slice < 0) throw new Error(`expiry ${expiry} is not listed`);
        const sp = mp.ensureSlice(slice, this.now);
        v = kind === Kind.Future ? sp.forwardPx : new OptionPrep(mp, sp, kind === Kind.Call, strike, false).valuePx(0, 0);
      }
      this.px.set(key, v);
    }
    return v;
  }

  /** The plan's value (quote units): positions at their marks plus the underlying collateral at spot.
   * Costs and USDC are left out: they do not move, so they cancel in a loss. */
  value(plan: Pick<Plan, "legs" | "collateral">): bigint {
    const bits = BigInt(this.prep.priceBits);
    let total = 0n; // quote units x 1e6
    for (const leg of plan.legs) {
      const v = this.valuePx(leg.kind, leg.expiry, leg.strike);
      const unit = leg.size > 0n ? v >> bits : (v + (1n << bits) - 1n) >> bits;
      total += leg.size * unit;
    }
    for (const c of plan.collateral) total += c.asset === "underlying" ? c.amount * this.market.spot : c.amount * UNIT;
    return total / UNIT;
  }
}
