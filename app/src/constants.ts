import { PublicKey } from "@solana/web3.js";

/** The deployed program id (declare_id! in programs/portfolio-margin). */
export const PROGRAM_ID = new PublicKey("5UJANWP8QFt2rHrCkxcRveooCCarpwM4MwjZapi6jjUu");

/** Quote currency (USDC) decimals; the program rejects quote mints with any other value. */
export const QUOTE_DECIMALS = 6;

/** PDA seed prefixes, byte for byte as the program spells them. */
export const SEEDS = {
  clearinghouse: Buffer.from("clearinghouse"),
  quoteVault: Buffer.from("quote_vault"),
  insuranceVault: Buffer.from("insurance_vault"),
  marginAccount: Buffer.from("margin_account"),
  market: Buffer.from("market"),
  collateralVault: Buffer.from("vault"),
} as const;

export const U16_MAX = 0xffff;
export const U64_MAX = (1n << 64n) - 1n;
