// Writing margin accounts directly on the local node, for states instructions cannot reach yet
// (positions before trading exists, balances at a bound). Fields are written at the offsets the
// IDL gives (Anchor's account coder caps encodings at 1,000 bytes; a margin account is larger).
import { PublicKey } from "@solana/web3.js";
import type { PortfolioMarginClient } from "../client";
import { IDL, accountFieldOffset, accountSize } from "../idl";
import { MAX_COLLATERALS, MAX_POSITIONS } from "../risk";
import { setAccount } from "./localnet";

export interface PositionWrite {
  marketIndex: number;
  instrumentIndex: number;
  /** Signed, at 1e6. */
  size: bigint;
  costBasis?: bigint;
  fundingSnapshot?: bigint;
  lossSnapshot?: bigint;
}

/** Sizes of the zero-copy slots (programs/portfolio-margin/src/state/margin_account.rs). */
const POSITION_SIZE = 48;
const COLLATERAL_SIZE = 48;

function writePositions(data: Buffer, positions: PositionWrite[]): void {
  const base = accountFieldOffset("MarginAccount", "positions");
  data.fill(0, base, base + POSITION_SIZE * MAX_POSITIONS);
  positions.forEach((p, i) => {
    const at = base + POSITION_SIZE * i;
    data.writeUInt16LE(p.marketIndex, at);
    data.writeUInt16LE(p.instrumentIndex, at + 2);
    data.writeBigInt64LE(p.size, at + 8);
    data.writeBigInt64LE(p.costBasis ?? 0n, at + 16);
    data.writeBigInt64LE(p.fundingSnapshot ?? 0n, at + 24);
    data.writeBigInt64LE(p.lossSnapshot ?? 0n, at + 32);
  });
}

function writeCollaterals(data: Buffer, collaterals: { mint: PublicKey; amount: bigint }[]): void {
  const base = accountFieldOffset("MarginAccount", "collaterals");
  data.fill(0, base, base + COLLATERAL_SIZE * MAX_COLLATERALS);
  collaterals.forEach((c, i) => {
    const at = base + COLLATERAL_SIZE * i;
    c.mint.toBuffer().copy(data, at);
    data.writeBigUInt64LE(c.amount, at + 32);
  });
}

export interface MarginAccountState {
  positions?: PositionWrite[];
  /** Balances in native units of each mint. */
  collaterals?: { mint: PublicKey; amount: bigint }[];
  /** Quote owed beyond the quote deposit (native units). */
  quoteDebt?: bigint;
}

function writeState(data: Buffer, state: MarginAccountState): void {
  if (state.positions) writePositions(data, state.positions);
  if (state.collaterals) writeCollaterals(data, state.collaterals);
  if (state.quoteDebt !== undefined) data.writeBigUInt64LE(state.quoteDebt, accountFieldOffset("MarginAccount", "quote_debt"));
}

/** Replaces a margin account's positions and/or collateral balances (owner, lamports, rest kept). */
export async function writeMarginAccount(client: PortfolioMarginClient, address: PublicKey, state: MarginAccountState): Promise<void> {
  if ((state.positions?.length ?? 0) > MAX_POSITIONS) throw new RangeError(`at most ${MAX_POSITIONS} positions`);
  if ((state.collaterals?.length ?? 0) > MAX_COLLATERALS) throw new RangeError(`at most ${MAX_COLLATERALS} collaterals`);
  const info = await client.connection.getAccountInfo(address, "confirmed");
  if (!info) throw new Error(`margin account ${address.toBase58()} not found`);
  const data = Buffer.from(info.data);
  writeState(data, state);
  await setAccount(client.connection, address, { owner: info.owner, data, lamports: info.lamports });
}

/**
 * A margin account created by writing it (no transaction): `clearinghouse` and `owner` set, empty
 * otherwise. For tests that need many accounts quickly; it is not at its PDA address.
 */
export async function createMarginAccountDirect(
  client: PortfolioMarginClient,
  address: PublicKey,
  clearinghouse: PublicKey,
  owner: PublicKey,
  state: MarginAccountState = {},
): Promise<void> {
  const data = Buffer.alloc(accountSize("MarginAccount"));
  const discriminator = (IDL.accounts as readonly { name: string; discriminator: readonly number[] }[]).find((a) => a.name === "MarginAccount")!.discriminator;
  Buffer.from(discriminator).copy(data, 0);
  clearinghouse.toBuffer().copy(data, accountFieldOffset("MarginAccount", "clearinghouse"));
  owner.toBuffer().copy(data, accountFieldOffset("MarginAccount", "owner"));
  writeState(data, state);
  await setAccount(client.connection, address, { owner: client.programId, data });
}

/** Size of one `Expiry` slot of a market (programs/portfolio-margin/src/state/market.rs). */
const EXPIRY_SIZE = 48;

/** Writes an expiry's settlement price (0 clears it) into a market account directly. */
export async function writeSettlementPrice(client: PortfolioMarginClient, market: PublicKey, expiryIndex: number, price: bigint): Promise<void> {
  const info = await client.connection.getAccountInfo(market, "confirmed");
  if (!info) throw new Error(`market ${market.toBase58()} not found`);
  const data = Buffer.from(info.data);
  data.writeBigUInt64LE(price, accountFieldOffset("Market", "expiries") + EXPIRY_SIZE * expiryIndex + 40);
  await setAccount(client.connection, market, { owner: info.owner, data, lamports: info.lamports });
}
