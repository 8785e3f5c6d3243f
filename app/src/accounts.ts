// Decoded program accounts in the SDK's own shapes: bigint amounts, keyed risk parameters,
// instruments with their expiry, the clearinghouse's collateral list.
import type { IdlAccounts } from "@coral-xyz/anchor";
import { PublicKey } from "@solana/web3.js";
import BN from "bn.js";
import type { PortfolioMargin } from "./idl";
import { OracleLimits, OracleSource } from "./oracle";
import { GLOBAL_PARAMS, GlobalParams, Kind, MARKET_PARAMS, MarketParams, paramsFromValues } from "./risk";

export type ClearinghouseAccount = IdlAccounts<PortfolioMargin>["clearinghouse"];
export type MarginAccountData = IdlAccounts<PortfolioMargin>["marginAccount"];
export type MarketAccount = IdlAccounts<PortfolioMargin>["market"];

/** `CollateralConfig.marketIndex` of a stablecoin valued at 1.0. */
export const QUOTE_MARKET = 0xffff;

/** Action classes of the oracle limits, in the program's order. */
export enum OracleAction {
  RiskIncreasing = 0,
  Margin = 1,
  Liquidation = 2,
}

export enum MarketStatus {
  Active = 0,
  ReduceOnly = 1,
  Paused = 2,
}

const big = (x: BN | number): bigint => BigInt(x.toString());

/** A listed collateral mint. */
export interface CollateralInfo {
  mint: PublicKey;
  vault: PublicKey;
  /** Native units the vault may hold. */
  depositCap: bigint;
  haircutMmPpm: number;
  haircutImPpm: number;
  /** The market whose oracle prices the token, or null for a stablecoin valued at 1.0. */
  marketIndex: number | null;
  decimals: number;
}

export interface ClearinghouseInfo {
  address: PublicKey;
  admin: PublicKey;
  quoteMint: PublicKey;
  securityAuthority: PublicKey;
  crankAuthority: PublicKey;
  pythReceiverProgram: PublicKey;
  pythOracleProgram: PublicKey;
  globalParams: GlobalParams;
  numMarkets: number;
  collaterals: CollateralInfo[];
  /** A liquidation step may leave equity at most this much (ppm of the MM before it) above MM. */
  liquidationBufferPpm: number;
  /** Lifetime insurance-fund flows (native quote units): deposited, paid to bankrupt accounts,
   * socialised to perpetual holders beyond what the fund could pay, and bad debt (no perpetual open). */
  insuranceDeposited: bigint;
  insurancePaid: bigint;
  socializedLoss: bigint;
  badDebt: bigint;
}

export function clearinghouseInfo(address: PublicKey, ch: ClearinghouseAccount): ClearinghouseInfo {
  return {
    address,
    admin: ch.admin,
    quoteMint: ch.quoteMint,
    securityAuthority: ch.securityAuthority,
    crankAuthority: ch.crankAuthority,
    pythReceiverProgram: ch.pythReceiverProgram,
    pythOracleProgram: ch.pythOracleProgram,
    globalParams: paramsFromValues<GlobalParams>(GLOBAL_PARAMS, ch.globalParams.map(big)),
    numMarkets: ch.numMarkets,
    collaterals: ch.collaterals.slice(0, ch.numCollaterals).map((c) => ({
      mint: c.mint,
      vault: c.vault,
      depositCap: big(c.depositCap),
      haircutMmPpm: c.haircutMmPpm,
      haircutImPpm: c.haircutImPpm,
      marketIndex: c.marketIndex === QUOTE_MARKET ? null : c.marketIndex,
      decimals: c.decimals,
    })),
    liquidationBufferPpm: ch.liquidationBufferPpm,
    insuranceDeposited: big(ch.insuranceDeposited),
    insurancePaid: big(ch.insurancePaid),
    socializedLoss: big(ch.socializedLoss),
    badDebt: big(ch.badDebt),
  };
}

export interface ExpiryInfo {
  index: number;
  /** Unix seconds. */
  expiry: bigint;
  atmPpm: bigint;
  skewPpm: bigint;
  curvPpm: bigint;
  basisPpm: bigint;
  settlementPrice: bigint;
}

export interface InstrumentInfo {
  index: number;
  kind: Kind;
  /** Index in the market's expiries (0 and unused for the perpetual). */
  expiryIndex: number;
  /** Unix seconds; null for the perpetual. */
  expiry: bigint | null;
  /** At 1e6 (options). */
  strike: bigint;
  openInterest: bigint;
}

export interface VolGuardsInfo {
  minIntervalSecs: number;
  maxAgeSecs: number;
  maxAtmChangePpm: number;
  maxShapeChangePpm: number;
  maxSkewPpm: number;
  maxCurvPpm: number;
}

export interface MarketInfo {
  address: PublicKey;
  clearinghouse: PublicKey;
  marketIndex: number;
  symbol: string;
  oracle: PublicKey;
  oracleSource: OracleSource;
  feedId: Uint8Array;
  params: MarketParams;
  /** Limits per action class ([`OracleAction`] order). */
  oracleLimits: [OracleLimits, OracleLimits, OracleLimits];
  volGuards: VolGuardsInfo;
  volSequence: bigint;
  volUpdatedAt: bigint;
  fundingIndex: bigint;
  fundingUpdatedAt: bigint;
  status: MarketStatus;
  expiries: ExpiryInfo[];
  instruments: InstrumentInfo[];
  trading: TradingParamsInfo;
  /** Time-weighted EMAs (1e6) of perpetual trade prices and of the oracle; when each last moved. */
  markEma: bigint;
  oracleEma: bigint;
  markEmaUpdatedAt: bigint;
  oracleEmaUpdatedAt: bigint;
  /** Last funding rate applied, ppm of the oracle per funding period. */
  lastFundingRatePpm: bigint;
  /** Fees collected (native quote units) until swept. */
  feePool: bigint;
  /** Quote the market's positions paid in less what they were paid out (native units). */
  pnlPool: bigint;
  /** Socialised loss per perpetual contract (quote units per 1e6 contracts, cumulative), charged
   * to every perpetual position, long and short (`PositionInfo.lossSnapshot`). */
  lossIndex: bigint;
  /** Lifetime socialised loss charged to the market's perpetual holders (native quote units). */
  socializedLoss: bigint;
}

/** A market's fees (ppm), funding and settlement parameters (programs' `TradingParams`). */
export interface TradingParamsInfo {
  takerFeePpm: number;
  /** Negative: a rebate. */
  makerFeePpm: number;
  optionTakerFeePpm: number;
  optionMakerFeePpm: number;
  optionFeeCapPpm: number;
  fundingIntervalSecs: number;
  fundingPeriodSecs: number;
  maxFundingRatePpm: number;
  emaWindowSecs: number;
  settlementWindowSecs: number;
  /** Liquidation fee, ppm of the notional taken over (size x spot; an option's at most its mark value). */
  liquidationFeePpm: number;
  /** The insurance fund's share of a liquidation fee (ppm); the liquidator keeps the rest. */
  insuranceSharePpm: number;
}

export function marketInfo(address: PublicKey, m: MarketAccount): MarketInfo {
  const expiries: ExpiryInfo[] = m.expiries.slice(0, m.numExpiries).map((e, index) => ({
    index,
    expiry: big(e.expiry),
    atmPpm: big(e.atmPpm),
    skewPpm: big(e.skewPpm),
    curvPpm: big(e.curvPpm),
    basisPpm: big(e.basisPpm),
    settlementPrice: big(e.settlementPrice),
  }));
  const limits = (i: number): OracleLimits => ({ maxAgeSecs: m.oracleLimits.maxAgeSecs[i], maxConfPpm: m.oracleLimits.maxConfPpm[i] });
  return {
    address,
    clearinghouse: m.clearinghouse,
    marketIndex: m.marketIndex,
    symbol: Buffer.from(m.symbol).toString("ascii").replace(/\0+$/, ""),
    oracle: m.oracle,
    oracleSource: m.oracleSource as OracleSource,
    feedId: Uint8Array.from(m.feedId),
    params: paramsFromValues<MarketParams>(MARKET_PARAMS, m.params.map(big)),
    oracleLimits: [limits(0), limits(1), limits(2)],
    volGuards: { ...m.volGuards },
    volSequence: big(m.volSequence),
    volUpdatedAt: big(m.volUpdatedAt),
    fundingIndex: big(m.fundingIndex),
    fundingUpdatedAt: big(m.fundingUpdatedAt),
    status: m.status as MarketStatus,
    expiries,
    instruments: m.instruments.slice(0, m.numInstruments).map((ins, index) => ({
      index,
      kind: ins.kind as Kind,
      expiryIndex: ins.expiryIndex,
      expiry: ins.kind === Kind.Perp ? null : expiries[ins.expiryIndex]?.expiry ?? null,
      strike: big(ins.strike),
      openInterest: big(ins.openInterest),
    })),
    trading: { ...m.trading },
    markEma: big(m.markEma),
    oracleEma: big(m.oracleEma),
    markEmaUpdatedAt: big(m.markEmaUpdatedAt),
    oracleEmaUpdatedAt: big(m.oracleEmaUpdatedAt),
    lastFundingRatePpm: big(m.lastFundingRatePpm),
    feePool: big(m.feePool),
    pnlPool: big(m.pnlPool),
    lossIndex: big(m.lossIndex),
    socializedLoss: big(m.socializedLoss),
  };
}

/** Vols are stale when the market lists expiries and the last update is older than the max age. */
export function volStale(m: MarketInfo, now: bigint): boolean {
  return m.expiries.length > 0 && now - m.volUpdatedAt > BigInt(m.volGuards.maxAgeSecs);
}

export interface PositionInfo {
  marketIndex: number;
  instrumentIndex: number;
  /** Signed, at 1e6. */
  size: bigint;
  costBasis: bigint;
  fundingSnapshot: bigint;
  /** The market's `lossIndex` when socialised loss was last charged to this (perpetual) position. */
  lossSnapshot: bigint;
}

export interface CollateralBalanceInfo {
  mint: PublicKey;
  /** Native units of the mint. */
  amount: bigint;
}

export interface MarginAccountInfo {
  address: PublicKey;
  clearinghouse: PublicKey;
  owner: PublicKey;
  accountIndex: number;
  collaterals: CollateralBalanceInfo[];
  /** Open positions (non-zero size). */
  positions: PositionInfo[];
  /** Quote owed (native units) beyond the quote deposit: quote balance = deposit - debt. */
  quoteDebt: bigint;
  /** RFQ nonces below the floor are spent; bit i of the bitmap marks floor + i spent. */
  quoteNonceFloor: bigint;
  quoteNonceBitmap: bigint;
  /** Lifetime realised P&L of linear positions and settlements (native quote units). */
  realizedPnl: bigint;
  totalDeposited: bigint;
  totalWithdrawn: bigint;
}

/** Quote deposited less quote owed (native units; negative is a debt). */
export function quoteBalance(account: MarginAccountInfo, quoteMint: PublicKey): bigint {
  return (account.collaterals.find((c) => c.mint.equals(quoteMint))?.amount ?? 0n) - account.quoteDebt;
}

/** Whether RFQ nonce `nonce` is still spendable on the maker's account. */
export function quoteNonceAvailable(account: MarginAccountInfo, nonce: bigint): boolean {
  if (nonce < account.quoteNonceFloor) return false;
  const offset = nonce - account.quoteNonceFloor;
  return offset >= 64n || ((account.quoteNonceBitmap >> offset) & 1n) === 0n;
}

export function marginAccountInfo(address: PublicKey, a: MarginAccountData): MarginAccountInfo {
  return {
    address,
    clearinghouse: a.clearinghouse,
    owner: a.owner,
    accountIndex: a.accountIndex,
    collaterals: a.collaterals.filter((c) => !c.amount.isZero()).map((c) => ({ mint: c.mint, amount: big(c.amount) })),
    positions: a.positions
      .filter((p) => !p.size.isZero())
      .map((p) => ({
        marketIndex: p.marketIndex,
        instrumentIndex: p.instrumentIndex,
        size: big(p.size),
        costBasis: big(p.costBasis),
        fundingSnapshot: big(p.fundingSnapshot),
        lossSnapshot: big(p.lossSnapshot),
      })),
    quoteDebt: big(a.quoteDebt),
    quoteNonceFloor: big(a.quoteNonceFloor),
    quoteNonceBitmap: big(a.quoteNonceBitmap),
    realizedPnl: big(a.realizedPnl),
    totalDeposited: big(a.totalDeposited),
    totalWithdrawn: big(a.totalWithdrawn),
  };
}
