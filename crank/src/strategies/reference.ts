// The reference strategies: the books the backtest margins and the crash-replay demo opens on chain.
// Each is a constant structure relative to spot (strikes as moneyness, expiries as tenors), sized so
// that one leg's underlying exposure is the given USD notional.
import { black76, Kind, ONE } from "../../../app/src/risk";
import { contractsFor, expiryAt, strikeAt } from "./pick";
import { CollateralLeg, Leg, Listing, Plan, Strategy } from "./types";

const YEAR = 31_536_000;
const perp = (size: bigint): Leg => ({ kind: Kind.Perp, expiry: 0n, strike: 0n, size });
const future = (expiry: bigint, size: bigint): Leg => ({ kind: Kind.Future, expiry, strike: 0n, size });
const option = (kind: Kind.Call | Kind.Put, expiry: bigint, strike: bigint, size: bigint): Leg => ({ kind, expiry, strike, size });
const underlying = (amount: bigint): CollateralLeg => ({ asset: "underlying", amount });
const plan = (strategy: string, notional: bigint, legs: Leg[], collateral: CollateralLeg[] = []): Plan => ({ strategy, notional, legs, collateral });

/** Delta (per contract, in units of the underlying, Q48) of a call or put on the listing's forward,
 * priced at its ATM vol by the engine's precise Black-76. */
function spotDelta(listing: Listing, kind: "call" | "put", expiry: bigint, strike: bigint): bigint {
  const years = Number(expiry - listing.now) / YEAR;
  const growth = Math.exp((Number(listing.basisPpm ?? 0n) / 1e6) * years);
  const forward = BigInt(Math.round(Number(listing.spot) * growth));
  const vol = ((listing.atmVolPpm ?? 500_000n) * ONE) / 1_000_000n;
  const t = BigInt(Math.round(years * Number(ONE)));
  const g = black76(kind, forward, strike, vol, t, ONE);
  // dV/dS = dV/dF x dF/dS = delta_F x e^(bT)
  return BigInt(Math.round(Number(g.delta) * growth));
}

export const coveredCall: Strategy = {
  name: "covered-call",
  description: "long 1 underlying as collateral, short 1 call 30d at 110% of spot",
  hedged: true,
  build(l, notional) {
    const q = contractsFor(notional, l.spot);
    return plan(this.name, notional, [option(Kind.Call, expiryAt(l, 30), strikeAt(l, 1.1), -q)], [underlying(q)]);
  },
};

export const bullPutSpread: Strategy = {
  name: "bull-put-spread",
  description: "credit put spread 30d: short put at 95%, long put at 85% of spot",
  hedged: true,
  build(l, notional) {
    const q = contractsFor(notional, l.spot);
    const e = expiryAt(l, 30);
    return plan(this.name, notional, [option(Kind.Put, e, strikeAt(l, 0.95), -q), option(Kind.Put, e, strikeAt(l, 0.85), q)]);
  },
};

export const ironCondor: Strategy = {
  name: "short-iron-condor",
  description: "30d: long put 80%, short put 90%, short call 110%, long call 120% of spot",
  hedged: true,
  build(l, notional) {
    const q = contractsFor(notional, l.spot);
    const e = expiryAt(l, 30);
    return plan(this.name, notional, [
      option(Kind.Put, e, strikeAt(l, 0.8), q),
      option(Kind.Put, e, strikeAt(l, 0.9), -q),
      option(Kind.Call, e, strikeAt(l, 1.1), -q),
      option(Kind.Call, e, strikeAt(l, 1.2), q),
    ]);
  },
};

export const hedgedStraddle: Strategy = {
  name: "delta-hedged-short-straddle",
  description: "short ATM call + put 30d, delta hedged at entry with a perp",
  hedged: true,
  build(l, notional) {
    const q = contractsFor(notional, l.spot);
    const e = expiryAt(l, 30);
    const k = strikeAt(l, 1);
    // the short straddle's delta is -(delta_call + delta_put) per contract; the perp offsets it
    const delta = spotDelta(l, "call", e, k) + spotDelta(l, "put", e, k);
    const hedge = (q * delta) / ONE;
    const legs = [option(Kind.Call, e, k, -q), option(Kind.Put, e, k, -q)];
    if (hedge !== 0n) legs.push(perp(hedge));
    return plan(this.name, notional, legs);
  },
};

export const leveredPerpLong: Strategy = {
  name: "levered-perp-long",
  description: "long perp, 5x: deposit notional / 5 (or the chosen IM multiple when that is more)",
  hedged: false,
  leverage: 5,
  build(l, notional) {
    return plan(this.name, notional, [perp(contractsFor(notional, l.spot))]);
  },
};

export const basisTrade: Strategy = {
  name: "basis-trade",
  description: "long 1 underlying as collateral, short 1 dated future 90d (earns the basis)",
  hedged: true,
  build(l, notional) {
    const q = contractsFor(notional, l.spot);
    return plan(this.name, notional, [future(expiryAt(l, 90), -q)], [underlying(q)]);
  },
};

export const nakedShortPut: Strategy = {
  name: "naked-short-put",
  description: "short put 30d at 90% of spot, cash-margined",
  hedged: false,
  build(l, notional) {
    return plan(this.name, notional, [option(Kind.Put, expiryAt(l, 30), strikeAt(l, 0.9), -contractsFor(notional, l.spot))]);
  },
};

/** Every reference strategy, in report order. */
export const STRATEGIES: Strategy[] = [coveredCall, bullPutSpread, ironCondor, hedgedStraddle, basisTrade, leveredPerpLong, nakedShortPut];

export function strategyByName(name: string): Strategy {
  const s = STRATEGIES.find((x) => x.name === name);
  if (!s) throw new Error(`unknown strategy ${name} (one of ${STRATEGIES.map((x) => x.name).join(", ")})`);
  return s;
}
