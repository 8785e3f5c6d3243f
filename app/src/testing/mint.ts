// A test quote mint ("test USDC", 6 decimals) for localnet, tests and the demo. Not for mainnet.
import {
  MINT_SIZE,
  TOKEN_PROGRAM_ID,
  createAssociatedTokenAccountIdempotentInstruction,
  createInitializeMint2Instruction,
  createMintToInstruction,
  getAccount,
  getAssociatedTokenAddressSync,
} from "@solana/spl-token";
import { Connection, Keypair, LAMPORTS_PER_SOL, PublicKey, Signer, SystemProgram } from "@solana/web3.js";
import { QUOTE_DECIMALS } from "../constants";
import { sendAndConfirmInstructions } from "../tx";
import { AmountLike, toBigInt } from "../units";

/** Creates a mint whose mint authority is `authority` (default: the payer). */
export async function createTestMint(
  connection: Connection,
  payer: Signer,
  opts: { decimals?: number; authority?: PublicKey; keypair?: Keypair } = {},
): Promise<PublicKey> {
  const mint = opts.keypair ?? Keypair.generate();
  const lamports = await connection.getMinimumBalanceForRentExemption(MINT_SIZE);
  await sendAndConfirmInstructions(
    connection,
    [
      SystemProgram.createAccount({
        fromPubkey: payer.publicKey,
        newAccountPubkey: mint.publicKey,
        space: MINT_SIZE,
        lamports,
        programId: TOKEN_PROGRAM_ID,
      }),
      createInitializeMint2Instruction(mint.publicKey, opts.decimals ?? QUOTE_DECIMALS, opts.authority ?? payer.publicKey, null),
    ],
    [payer, mint],
  );
  return mint.publicKey;
}

/** Creates `owner`'s associated token account if needed and mints `amount` native units into it. */
export async function mintTestTokens(
  connection: Connection,
  payer: Signer,
  mint: PublicKey,
  owner: PublicKey,
  amount: AmountLike,
  mintAuthority: Signer = payer,
): Promise<PublicKey> {
  const ata = getAssociatedTokenAddressSync(mint, owner, true);
  const n = toBigInt(amount);
  await sendAndConfirmInstructions(
    connection,
    [
      createAssociatedTokenAccountIdempotentInstruction(payer.publicKey, ata, owner, mint),
      ...(n > 0n ? [createMintToInstruction(mint, ata, mintAuthority.publicKey, n)] : []),
    ],
    [payer, mintAuthority],
  );
  return ata;
}

/** Sends SOL from `payer` to each recipient (a transfer works on every cluster, unlike airdrops). */
export async function fundAccounts(connection: Connection, payer: Signer, recipients: PublicKey[], sol = 1): Promise<void> {
  await sendAndConfirmInstructions(
    connection,
    recipients.map((to) =>
      SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: to, lamports: BigInt(Math.round(sol * LAMPORTS_PER_SOL)) }),
    ),
    [payer],
  );
}

/** Balance of an SPL token account in native units. */
export async function tokenBalance(connection: Connection, tokenAccount: PublicKey): Promise<bigint> {
  return (await getAccount(connection, tokenAccount, "confirmed")).amount;
}
