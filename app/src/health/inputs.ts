// Engine inputs from the program's accounts, bit for bit as the program builds them
// (programs/portfolio-margin/src/margin/inputs.rs): oracle prices, vol slices and parameters per
// market, positions with their instruments, collateral in engine units with each mint's haircuts.
import { ClearinghouseInfo, MarginAccountInfo, MarketInfo, PositionInfo, quoteBalance, volStale } from "../accounts";
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

/**
 * Socialised loss a perpetual position of `size` owes since its snapshot: |size| x (index -
 * snapshot) / 1e6, rounded up (programs' `trading::loss_owed`; both sides pay).
 */
export function lossOwed(size: bigint, index: bigint, snapshot: bigint): bigint {
  const product = (size < 0n ? -size : size) * (index - snapshot);
  const floor = product >= 0n ? product / 1_000_000n : -((-product + 999_999n) / 1_000_000n);
  return i64(floor + (product % 1_000_000n !== 0n ? 1n : 0n));
}

/** What a perpetual position owes since its snapshots: funding plus socialised loss (programs' `perp_owed`). */
export function perpOwed(p: PositionInfo, m: MarketInfo): bigint {
  return i64(fundingOwed(p.size, m.fundingIndex, p.fundingSnapshot) + lossOwed(p.size, m.lossIndex, p.lossSnapshot));
}

export function marketState(m: MarketInfo, price: OraclePrice, now: bigint): MarketState {
  return {
    spot: price.price,
    conf: price.conf,
    volStale: volStale(m, now),
    params: m.params,
    slices: m.expiries.map((e) => ({ expiry: e.expiry, atmPpm: e.atmPpm, skewPpm: e.skewPpm, curvPpm: e.curvPpm, basisPpm: e.basisPpm })),
  };
}

/** Settlement cash of a position at `settle` (programs' `trading::settlement_cash`), native quote units. */
export function settlementCash(kind: Kind, strike: bigint, size: bigint, costBasis: bigint, settle: bigint): bigint {
  const floorUnit = (v: bigint) => (v >= 0n ? v / 1_000_000n : -((-v + 999_999n) / 1_000_000n));
  const max0 = (v: bigint) => (v > 0n ? v : 0n);
  switch (kind) {
    case Kind.Call:
      return i64(floorUnit(size * max0(settle - strike)));
    case Kind.Put:
      return i64(floorUnit(size * max0(strike - settle)));
    case Kind.Future:
      return i64(floorUnit(size * settle) - costBasis);
    default:
      return 0n;
  }
}

/**
 * The settlement value of a position whose expiry has a settlement price (it counts as that cash,
 * not at model value); null for anything the engine still prices (programs' `settled_value`).
 */
export function settledValue(p: PositionInfo, m: MarketInfo): bigint | null {
  const ins = m.instruments[p.instrumentIndex];
  if (!ins) throw new MarginCheckError("UnknownInstrument", `${m.symbol} #${p.instrumentIndex}`);
  if (ins.kind === Kind.Perp) return null;
  const settle = m.expiries[ins.expiryIndex]?.settlementPrice ?? 0n;
  return settle === 0n ? null : settlementCash(ins.kind, ins.strike, p.size, p.costBasis, settle);
}

/**
 * The engine account of a margin account, as the program's `EngineInputs::fill` builds it.
 * `markets` are the account's markets in ascending index (see `marketsHeld`) and `prices` their
 * validated oracle prices, in the same order. Collateral: every non-quote balance in slot order,
 * then one quote entry (deposit - debt + settlement cash of positions in settled expiries, which
 * are not passed as positions), omitted when 0; it may be negative.
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
  let quote = quoteBalance(account, ch.quoteMint);
  const positions: Position[] = [];
  for (const p of account.positions.filter((x) => x.size !== 0n)) {
    const mi = local(p.marketIndex);
    const m = markets[mi];
    const cash = settledValue(p, m);
    if (cash !== null) {
      quote += cash;
      continue;
    }
    const ins = m.instruments[p.instrumentIndex];
    const cost =
      ins.kind === Kind.Perp
        ? i64(p.costBasis + perpOwed(p, m))
        : ins.kind === Kind.Future
          ? p.costBasis
          : 0n;
    positions.push({ market: mi, kind: ins.kind, slice: ins.expiryIndex, strike: ins.strike, size: p.size, cost });
  }
  const collateral: Collateral[] = account.collaterals
    .filter((c) => c.amount > 0n && !c.mint.equals(ch.quoteMint))
    .map((c) => {
      const config = collateralOf(ch, c.mint);
      return {
        // a stablecoin other than the quote mint is valued at 1.0, with its own haircuts
        asset: config.marketIndex === null ? QUOTE : local(config.marketIndex),
        haircutMmPpm: config.haircutMmPpm,
        haircutImPpm: config.haircutImPpm,
        amount: toEngineUnits(c.amount, config.decimals),
      };
    });
  if (quote !== 0n) {
    const config = collateralOf(ch, ch.quoteMint);
    collateral.push({ asset: QUOTE, haircutMmPpm: config.haircutMmPpm, haircutImPpm: config.haircutImPpm, amount: i64(quote) });
  }
  return {
    global: ch.globalParams,
    markets: markets.map((m, i) => marketState(m, prices[i], now)),
    positions,
    collateral,
    now,
  };
}
