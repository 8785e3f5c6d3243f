// Program-derived addresses. Indices are u16 little-endian in the seeds.
import { PublicKey } from "@solana/web3.js";
import { PROGRAM_ID, SEEDS, U16_MAX } from "./constants";

export type Pda = [address: PublicKey, bump: number];

/** Encodes an index as the 2-byte little-endian seed the program uses; rejects non-u16 values. */
export function u16Seed(value: number): Buffer {
  if (!Number.isInteger(value) || value < 0 || value > U16_MAX) {
    throw new RangeError(`index must be an integer in [0, ${U16_MAX}], got ${value}`);
  }
  const b = Buffer.alloc(2);
  b.writeUInt16LE(value, 0);
  return b;
}

/** ["clearinghouse", admin, index u16 LE] */
export function findClearinghouseAddress(admin: PublicKey, index: number, programId: PublicKey = PROGRAM_ID): Pda {
  return PublicKey.findProgramAddressSync([SEEDS.clearinghouse, admin.toBuffer(), u16Seed(index)], programId);
}

/** ["quote_vault", clearinghouse]: SPL token account holding all deposited quote. */
export function findQuoteVaultAddress(clearinghouse: PublicKey, programId: PublicKey = PROGRAM_ID): Pda {
  return PublicKey.findProgramAddressSync([SEEDS.quoteVault, clearinghouse.toBuffer()], programId);
}

/** ["insurance_vault", clearinghouse] */
export function findInsuranceVaultAddress(clearinghouse: PublicKey, programId: PublicKey = PROGRAM_ID): Pda {
  return PublicKey.findProgramAddressSync([SEEDS.insuranceVault, clearinghouse.toBuffer()], programId);
}

/** ["margin_account", clearinghouse, owner, account_index u16 LE] */
export function findMarginAccountAddress(
  clearinghouse: PublicKey,
  owner: PublicKey,
  accountIndex: number,
  programId: PublicKey = PROGRAM_ID,
): Pda {
  return PublicKey.findProgramAddressSync(
    [SEEDS.marginAccount, clearinghouse.toBuffer(), owner.toBuffer(), u16Seed(accountIndex)],
    programId,
  );
}

/** ["market", clearinghouse, market_index u16 LE] */
export function findMarketAddress(clearinghouse: PublicKey, marketIndex: number, programId: PublicKey = PROGRAM_ID): Pda {
  return PublicKey.findProgramAddressSync([SEEDS.market, clearinghouse.toBuffer(), u16Seed(marketIndex)], programId);
}

/** ["vault", clearinghouse, mint]: token account of a non-quote collateral mint. */
export function findCollateralVaultAddress(clearinghouse: PublicKey, mint: PublicKey, programId: PublicKey = PROGRAM_ID): Pda {
  return PublicKey.findProgramAddressSync([SEEDS.collateralVault, clearinghouse.toBuffer(), mint.toBuffer()], programId);
}

/** All addresses a clearinghouse owns, derived from its admin and index. */
export function clearinghouseAddresses(admin: PublicKey, index: number, programId: PublicKey = PROGRAM_ID) {
  const [clearinghouse, bump] = findClearinghouseAddress(admin, index, programId);
  const [quoteVault, quoteVaultBump] = findQuoteVaultAddress(clearinghouse, programId);
  const [insuranceVault, insuranceVaultBump] = findInsuranceVaultAddress(clearinghouse, programId);
  return { clearinghouse, bump, quoteVault, quoteVaultBump, insuranceVault, insuranceVaultBump };
}
