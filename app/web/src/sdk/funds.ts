// Deposits and withdrawals: the listed collateral mints with the wallet's and the account's
// balances, and the withdrawal's margin preview (the SDK's previewWithdraw).
import { getAssociatedTokenAddressSync } from "@solana/spl-token";
import {
  ClearinghouseInfo,
  MarginSnapshot,
  PortfolioMarginError,
  previewWithdraw,
  programError,
  WithdrawPreview,
  asProgramError,
} from "@portfolio-margin/sdk";
import { Connection, PublicKey } from "@solana/web3.js";

export interface CollateralRow {
  mint: PublicKey;
  symbol: string;
  decimals: number;
  /** In the owner's wallet (associated token account), native units. */
  wallet: bigint;
  /** In the margin account, native units. */
  account: bigint;
}

export function collateralSymbol(ch: ClearinghouseInfo, mint: PublicKey, marketSymbol: (i: number) => string): string {
  const c = ch.collaterals.find((x) => x.mint.equals(mint));
  if (!c) return mint.toBase58().slice(0, 6);
  if (mint.equals(ch.quoteMint)) return "USDC";
  return c.marketIndex === null ? `stable ${mint.toBase58().slice(0, 4)}` : `w${marketSymbol(c.marketIndex)}`;
}

export async function collateralRows(
  connection: Connection,
  ch: ClearinghouseInfo,
  owner: PublicKey,
  snapshot: MarginSnapshot | null,
  marketSymbol: (i: number) => string,
): Promise<CollateralRow[]> {
  const atas = ch.collaterals.map((c) => getAssociatedTokenAddressSync(c.mint, owner, true));
  const infos = await connection.getMultipleParsedAccounts(atas, { commitment: "confirmed" });
  return ch.collaterals.map((c, i) => {
    const parsed = infos.value[i]?.data;
    const amount = parsed && "parsed" in parsed ? BigInt(parsed.parsed?.info?.tokenAmount?.amount ?? "0") : 0n;
    return {
      mint: c.mint,
      symbol: collateralSymbol(ch, c.mint, marketSymbol),
      decimals: c.decimals,
      wallet: amount,
      account: snapshot?.account.collaterals.find((x) => x.mint.equals(c.mint))?.amount ?? 0n,
    };
  });
}

export interface WithdrawCheck {
  preview: WithdrawPreview | null;
  /** Why the program would refuse it (null: it would pass). */
  refusal: PortfolioMarginError | null;
}

/** What a withdrawal would leave, and the program's error when it would refuse it. */
export function checkWithdraw(s: MarginSnapshot, mint: PublicKey, amount: bigint): WithdrawCheck {
  try {
    const preview = previewWithdraw(s, mint, amount);
    if (preview.ok) return { preview, refusal: null };
    return {
      preview,
      refusal: programError("InsufficientMargin", `equity ${preview.after.equity} < initial margin ${preview.after.im} afterwards`),
    };
  } catch (e) {
    return { preview: null, refusal: asProgramError(e) };
  }
}
