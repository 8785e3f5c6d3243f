// Bootstrap a clearinghouse: `anchor migrate` calls the exported function with its provider;
// `npx ts-node migrations/deploy.ts` runs it against ANCHOR_PROVIDER_URL / ANCHOR_WALLET.
//
// Environment:
//   QUOTE_MINT            quote (USDC) mint, 6 decimals. Without it, a test USDC mint is created
//                         when the cluster is local (localhost / 127.0.0.1); elsewhere it is required.
//   CLEARINGHOUSE_INDEX   u16 index of the clearinghouse under the wallet (admin), default 0.
// An existing clearinghouse at (admin, index) is reused, not re-created.
import { AnchorProvider, Wallet } from "@coral-xyz/anchor";
import { Keypair, PublicKey } from "@solana/web3.js";
import {
  PortfolioMarginClient,
  QUOTE_DECIMALS,
  clearinghouseAddresses,
} from "../app/src";
import { createTestMint } from "../app/src/testing";

export interface BootstrapOptions {
  quoteMint?: PublicKey;
  index?: number;
  /** Create a test USDC mint (authority: the wallet) when no quote mint is given. Default: local clusters only. */
  createTestMint?: boolean;
  log?: (line: string) => void;
}

export interface BootstrapResult {
  programId: PublicKey;
  admin: PublicKey;
  index: number;
  clearinghouse: PublicKey;
  quoteMint: PublicKey;
  quoteVault: PublicKey;
  insuranceVault: PublicKey;
  /** True when the test mint was created here (the wallet is its mint authority). */
  createdTestMint: boolean;
  /** Undefined when the clearinghouse already existed. */
  signature?: string;
}

function isLocal(url: string): boolean {
  return /^(https?|wss?):\/\/(localhost|127\.0\.0\.1|\[::1\]|0\.0\.0\.0)(:|\/|$)/.test(url);
}

function payerOf(provider: AnchorProvider): Keypair {
  const payer = (provider.wallet as { payer?: Keypair }).payer;
  if (!payer) throw new Error("deploy: the provider's wallet must expose its Keypair (NodeWallet) to create a test mint");
  return payer;
}

export async function bootstrap(provider: AnchorProvider, opts: BootstrapOptions = {}): Promise<BootstrapResult> {
  const log = opts.log ?? (() => undefined);
  const client = new PortfolioMarginClient(provider);
  const admin = provider.wallet.publicKey;
  const index = opts.index ?? Number(process.env.CLEARINGHOUSE_INDEX ?? 0);
  const addrs = clearinghouseAddresses(admin, index, client.programId);

  const existing = await client.fetchClearinghouseNullable(addrs.clearinghouse);
  const envMint = process.env.QUOTE_MINT ? new PublicKey(process.env.QUOTE_MINT) : undefined;
  const wantedMint = opts.quoteMint ?? envMint;
  if (existing) {
    if (wantedMint && !existing.quoteMint.equals(wantedMint)) {
      throw new Error(
        `deploy: clearinghouse ${addrs.clearinghouse.toBase58()} (index ${index}) already exists with quote mint ` +
          `${existing.quoteMint.toBase58()}, not ${wantedMint.toBase58()}; pick another CLEARINGHOUSE_INDEX`,
      );
    }
    log(`clearinghouse ${addrs.clearinghouse.toBase58()} already exists: reusing it`);
    return { programId: client.programId, admin, index, ...addrs, quoteMint: existing.quoteMint, createdTestMint: false };
  }

  let quoteMint = wantedMint;
  let createdTestMint = false;
  if (!quoteMint) {
    const allowed = opts.createTestMint ?? isLocal(provider.connection.rpcEndpoint);
    if (!allowed) throw new Error("deploy: set QUOTE_MINT (a 6-decimal USDC mint) for a non-local cluster");
    quoteMint = await createTestMint(provider.connection, payerOf(provider), { decimals: QUOTE_DECIMALS });
    createdTestMint = true;
    log(`created test USDC mint ${quoteMint.toBase58()} (6 decimals, mint authority ${admin.toBase58()})`);
  }
  const signature = await client.initializeClearinghouse({ index, quoteMint });
  log(`initialized clearinghouse ${addrs.clearinghouse.toBase58()} (${signature})`);
  return { programId: client.programId, admin, index, ...addrs, quoteMint, createdTestMint, signature };
}

export function formatResult(r: BootstrapResult): string[] {
  return [
    `program        ${r.programId.toBase58()}`,
    `admin          ${r.admin.toBase58()}`,
    `index          ${r.index}`,
    `clearinghouse  ${r.clearinghouse.toBase58()}`,
    `quote mint     ${r.quoteMint.toBase58()}${r.createdTestMint ? " (test USDC)" : ""}`,
    `quote vault    ${r.quoteVault.toBase58()}`,
    `insurance      ${r.insuranceVault.toBase58()}`,
  ];
}

async function deploy(provider: AnchorProvider): Promise<BootstrapResult> {
  const result = await bootstrap(provider, { log: (l) => console.log(l) });
  for (const l of formatResult(result)) console.log(l);
  return result;
}

// Anchor's migrate runner calls `require("./deploy.ts")(provider)`.
module.exports = Object.assign(deploy, { bootstrap, formatResult, default: deploy });

if (require.main === module) {
  const provider = AnchorProvider.env();
  const confirmed = new AnchorProvider(provider.connection, provider.wallet as Wallet, {
    commitment: "confirmed",
    preflightCommitment: "confirmed",
  });
  // Exit explicitly: web3.js keeps a websocket open after confirming transactions.
  deploy(confirmed).then(
    () => process.exit(0),
    (e) => {
      const { ClientErrorCode, parseError } = require("../app/src/errors") as typeof import("../app/src/errors");
      const err = parseError(e);
      console.error(err.code === ClientErrorCode.Unknown ? `deploy failed: ${err.msg}` : `deploy failed: ${err.code} ${err.name}: ${err.msg}`);
      process.exit(1);
    },
  );
}
