// Engine inputs from the program's accounts, bit for bit as the program builds them
// (programs/portfolio-margin/src/margin/inputs.rs): oracle prices, vol slices and parameters per
// market, positions with their instruments, collateral in engine units with each mint's haircuts.
import { ClearinghouseInfo, MarginAccountInfo, MarketInfo, volStale } from "../accounts";
import { OraclePrice } from "../oracle";
import { Account, Collateral, Kind, MarketState, Position, QUOTE } from "../risk";
import { MarginCheckError } from "./errors";
import { collateralOf } from "./markets";

const MAX_COLLATERAL_DECIMALS = 12;
const I64_MAX = (1n << 63n) - 1n;
const I64_MIN = -(1n << 63n);

function i64(x: bigint): bigint {
  if (x > I64_MAX || x < I64_MIN) throw new MarginCheckError("MathOverflow");
  return x;
}

/** A native token amount in engine units (1e6 per whole token), rounded down. */
export function toEngineUnits(amount: bigint, decimals: number): bigint {
  if (decimals > MAX_COLLATERAL_DECIMALS) throw new MarginCheckError("InvalidCollateralConfig");
  return i64(decimals >= 6 ? amount / 10n ** BigInt(decimals - 6) : amount * 10n ** BigInt(6 - decimals));
}

/** size x (index - snapshot) / 1e6, rounded up (funding indices are quote units per contract). */
export function fundingOwed(size: bigint, index: bigint, snapshot: bigint): bigint {
  const product = size * (index - snapshot);
  const floor = product >= 0n ? product / 1_000_000n : -((-product + 999_999n) / 1_000_000n);
  return i64(floor + (product % 1_000_000n !== 0n ? 1n : 0n));
}

function marketState(m: MarketInfo, price: OraclePrice, now: bigint): MarketState {
  return {
    spot: price.price,
    conf: price.conf,
    volStale: volStale(m, now),
    params: m.params,
    slices: m.expiries.map((e) => ({ expiry: e.expiry, atmPpm: e.atmPpm, skewPpm: e.skewPpm, curvPpm: e.curvPpm, basisPpm: e.basisPpm })),
  };
}

/**
 * The engine account of a margin account. `markets` are the account's markets in ascending index
 * (see `marketsHeld`) and `prices` their validated oracle prices, in the same order.
 */
export function engineAccount(
  account: MarginAccountInfo,
  ch: ClearinghouseInfo,
  markets: MarketInfo[],
  prices: OraclePrice[],
  now: bigint,
): Account {
  const local = (marketIndex: number): number => {
    const i = markets.findIndex((m) => m.marketIndex === marketIndex);
    if (i < 0) throw new MarginCheckError("MissingMarketAccount", `market ${marketIndex}`);
    return i;
  };
  const positions: Position[] = account.positions
    .filter((p) => p.size !== 0n)
    .map((p) => {
      const mi = local(p.marketIndex);
      const m = markets[mi];
      const ins = m.instruments[p.instrumentIndex];
      if (!ins) throw new MarginCheckError("UnknownInstrument", `${m.symbol} #${p.instrumentIndex}`);
      const cost =
        ins.kind === Kind.Perp
          ? i64(p.costBasis + fundingOwed(p.size, m.fundingIndex, p.fundingSnapshot))
          : ins.kind === Kind.Future
            ? p.costBasis
            : 0n;
      return { market: mi, kind: ins.kind, slice: ins.expiryIndex, strike: ins.strike, size: p.size, cost };
    });
  const collateral: Collateral[] = account.collaterals
    .filter((c) => c.amount > 0n)
    .map((c) => {
      const config = collateralOf(ch, c.mint);
      return {
        asset: config.marketIndex === null ? QUOTE : local(config.marketIndex),
        haircutMmPpm: config.haircutMmPpm,
        haircutImPpm: config.haircutImPpm,
        amount: toEngineUnits(c.amount, config.decimals),
      };
    });
  return {
    global: ch.globalParams,
    markets: markets.map((m, i) => marketState(m, prices[i], now)),
    positions,
    collateral,
    now,
  };
}
