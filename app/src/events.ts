// Program events (emit!) decoded from transaction logs with Anchor's EventParser.
import { BorshCoder, EventParser, IdlEvents } from "@coral-xyz/anchor";
import { convertIdlToCamelCase } from "@coral-xyz/anchor/dist/cjs/idl";
import { Commitment, Connection, PublicKey, TransactionSignature } from "@solana/web3.js";
import { PROGRAM_ID } from "./constants";
import { IDL, PortfolioMargin } from "./idl";

type Events = IdlEvents<PortfolioMargin>;
export type DepositEvent = Events["depositEvent"];
export type WithdrawEvent = Events["withdrawEvent"];
/** One leg of a liquidation (or of a bankruptcy's takeover): what moved and at what price. */
export type LiquidationLegEvent = Events["liquidationLegEvent"];
/** A liquidation step: the account's equity and MM before and after, the liquidator's margin, the step's fee and its split. */
export type LiquidationEvent = Events["liquidationEvent"];
/** A bankrupt account resolved: deficit, insurance paid, socialised loss or bad debt. */
export type BankruptcyResolvedEvent = Events["bankruptcyResolved"];
/** Quote added to the insurance fund. */
export type InsuranceDepositedEvent = Events["insuranceDeposited"];

/** A decoded event; names and fields are camelCase as everywhere in Anchor's TS client ("depositEvent", balanceAfter). */
export type PortfolioMarginEvent =
  | { name: "depositEvent"; data: DepositEvent }
  | { name: "withdrawEvent"; data: WithdrawEvent }
  | { name: "liquidationLegEvent"; data: LiquidationLegEvent }
  | { name: "liquidationEvent"; data: LiquidationEvent }
  | { name: "bankruptcyResolved"; data: BankruptcyResolvedEvent }
  | { name: "insuranceDeposited"; data: InsuranceDepositedEvent }
  | { name: string; data: Record<string, unknown> };

// Same camelCase conversion `new Program(...)` applies, so decoded data matches IdlEvents<PortfolioMargin>.
const coder = new BorshCoder(convertIdlToCamelCase(IDL));

/** Decodes every event the program emitted in a transaction's logs (CPI'd programs are skipped). */
export function parseEvents(logs: readonly string[], programId: PublicKey = PROGRAM_ID): PortfolioMarginEvent[] {
  const parser = new EventParser(programId, coder);
  return [...parser.parseLogs([...logs], false)].map((ev) => ({ name: ev.name, data: ev.data })) as PortfolioMarginEvent[];
}

export interface FetchEventsOptions {
  commitment?: Extract<Commitment, "confirmed" | "finalized">;
  programId?: PublicKey;
  /** How long to keep polling while the node has not indexed the transaction yet (ms, default 10s). */
  timeoutMs?: number;
}

/** Fetches a transaction with `getTransaction` and returns the events decoded from its logs. */
export async function fetchTransactionEvents(
  connection: Connection,
  signature: TransactionSignature,
  opts: FetchEventsOptions = {},
): Promise<PortfolioMarginEvent[]> {
  const logs = await fetchTransactionLogs(connection, signature, opts);
  return parseEvents(logs, opts.programId ?? PROGRAM_ID);
}

/** The log messages of a landed transaction (polls until the node returns it). */
export async function fetchTransactionLogs(
  connection: Connection,
  signature: TransactionSignature,
  opts: Omit<FetchEventsOptions, "programId"> = {},
): Promise<string[]> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  for (;;) {
    const tx = await connection.getTransaction(signature, {
      commitment: opts.commitment ?? "confirmed",
      maxSupportedTransactionVersion: 0,
    });
    if (tx) {
      if (!tx.meta) throw new Error(`transaction ${signature} has no metadata`);
      return tx.meta.logMessages ?? [];
    }
    if (Date.now() > deadline) throw new Error(`transaction ${signature} not found`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Type guards for the decoded events. */
export function isDepositEvent(e: PortfolioMarginEvent): e is { name: "depositEvent"; data: DepositEvent } {
  return e.name === "depositEvent";
}
export function isWithdrawEvent(e: PortfolioMarginEvent): e is { name: "withdrawEvent"; data: WithdrawEvent } {
  return e.name === "withdrawEvent";
}
export function isLiquidationLegEvent(e: PortfolioMarginEvent): e is { name: "liquidationLegEvent"; data: LiquidationLegEvent } {
  return e.name === "liquidationLegEvent";
}
export function isLiquidationEvent(e: PortfolioMarginEvent): e is { name: "liquidationEvent"; data: LiquidationEvent } {
  return e.name === "liquidationEvent";
}
export function isBankruptcyResolvedEvent(e: PortfolioMarginEvent): e is { name: "bankruptcyResolved"; data: BankruptcyResolvedEvent } {
  return e.name === "bankruptcyResolved";
}
export function isInsuranceDepositedEvent(e: PortfolioMarginEvent): e is { name: "insuranceDeposited"; data: InsuranceDepositedEvent } {
  return e.name === "insuranceDeposited";
}

// ---- liquidation events with bigint amounts (the SDK's shapes)

type BNLike = { toString(): string };
const big = (x: BNLike | number): bigint => BigInt(x.toString());

export interface LiquidationLegInfo {
  marginAccount: PublicKey;
  liquidatorAccount: PublicKey;
  market: PublicKey;
  /** 0 a position (`instrumentIndex`), 1 collateral (`mint`). */
  legKind: number;
  instrumentIndex: number;
  mint: PublicKey;
  /** Position legs: contracts (1e6) signed as the liquidated position; collateral legs: native units. */
  size: bigint;
  price: bigint;
  /** Quote the liquidated account received (> 0) or paid (< 0) for the leg (the fee is per step). */
  cash: bigint;
}

export interface LiquidationInfo {
  clearinghouse: PublicKey;
  marginAccount: PublicKey;
  liquidator: PublicKey;
  liquidatorAccount: PublicKey;
  legs: number;
  equityBefore: bigint;
  mmBefore: bigint;
  equityAfter: bigint;
  mmAfter: bigint;
  liquidatorEquity: bigint;
  liquidatorIm: bigint;
  /** The step's fee (a share of the MM it released), paid by the account: the liquidator's part and the fund's. */
  fee: bigint;
  liquidatorFee: bigint;
  insuranceFee: bigint;
  insuranceBalance: bigint;
  timestamp: bigint;
}

export interface BankruptcyResolvedInfo {
  clearinghouse: PublicKey;
  marginAccount: PublicKey;
  resolver: PublicKey;
  resolverAccount: PublicKey;
  equityBefore: bigint;
  positionsTaken: number;
  resolverFee: bigint;
  deficit: bigint;
  insurancePaid: bigint;
  insuranceBalance: bigint;
  socialized: bigint;
  badDebt: bigint;
  socializationMarket: PublicKey;
  lossIndexAfter: bigint;
  timestamp: bigint;
}

export interface InsuranceDepositedInfo {
  clearinghouse: PublicKey;
  depositor: PublicKey;
  amount: bigint;
  insuranceBalance: bigint;
  timestamp: bigint;
}

export function liquidationLegInfo(d: LiquidationLegEvent): LiquidationLegInfo {
  return {
    marginAccount: d.marginAccount, liquidatorAccount: d.liquidatorAccount, market: d.market, legKind: d.legKind, instrumentIndex: d.instrumentIndex,
    mint: d.mint, size: big(d.size), price: big(d.price), cash: big(d.cash),
  };
}

export function liquidationInfo(d: LiquidationEvent): LiquidationInfo {
  return {
    clearinghouse: d.clearinghouse, marginAccount: d.marginAccount, liquidator: d.liquidator, liquidatorAccount: d.liquidatorAccount, legs: d.legs,
    equityBefore: big(d.equityBefore), mmBefore: big(d.mmBefore), equityAfter: big(d.equityAfter), mmAfter: big(d.mmAfter),
    liquidatorEquity: big(d.liquidatorEquity), liquidatorIm: big(d.liquidatorIm), fee: big(d.fee), liquidatorFee: big(d.liquidatorFee), insuranceFee: big(d.insuranceFee),
    insuranceBalance: big(d.insuranceBalance), timestamp: big(d.timestamp),
  };
}

export function bankruptcyResolvedInfo(d: BankruptcyResolvedEvent): BankruptcyResolvedInfo {
  return {
    clearinghouse: d.clearinghouse, marginAccount: d.marginAccount, resolver: d.resolver, resolverAccount: d.resolverAccount,
    equityBefore: big(d.equityBefore), positionsTaken: d.positionsTaken, resolverFee: big(d.resolverFee), deficit: big(d.deficit),
    insurancePaid: big(d.insurancePaid), insuranceBalance: big(d.insuranceBalance), socialized: big(d.socialized), badDebt: big(d.badDebt),
    socializationMarket: d.socializationMarket, lossIndexAfter: big(d.lossIndexAfter), timestamp: big(d.timestamp),
  };
}

export function insuranceDepositedInfo(d: InsuranceDepositedEvent): InsuranceDepositedInfo {
  return { clearinghouse: d.clearinghouse, depositor: d.depositor, amount: big(d.amount), insuranceBalance: big(d.insuranceBalance), timestamp: big(d.timestamp) };
}

/** The liquidation events of a transaction's decoded events, in emission order, with bigint amounts. */
export function liquidationEventsOf(events: PortfolioMarginEvent[]): {
  legs: LiquidationLegInfo[];
  liquidations: LiquidationInfo[];
  bankruptcies: BankruptcyResolvedInfo[];
  insuranceDeposits: InsuranceDepositedInfo[];
} {
  return {
    legs: events.filter(isLiquidationLegEvent).map((e) => liquidationLegInfo(e.data)),
    liquidations: events.filter(isLiquidationEvent).map((e) => liquidationInfo(e.data)),
    bankruptcies: events.filter(isBankruptcyResolvedEvent).map((e) => bankruptcyResolvedInfo(e.data)),
    insuranceDeposits: events.filter(isInsuranceDepositedEvent).map((e) => insuranceDepositedInfo(e.data)),
  };
}
