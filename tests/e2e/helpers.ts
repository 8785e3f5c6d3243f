// Shared setup for the end-to-end tests. Everything runs against ANCHOR_PROVIDER_URL (the native
// localnet under `node scripts/test-ts.js`, solana-test-validator under `anchor test`). Each test
// file builds its own world (random admin => fresh clearinghouse), so reruns against a long-lived
// validator never collide.
import { AnchorProvider, Wallet } from "@coral-xyz/anchor";
import { getAccount } from "@solana/spl-token";
import { Connection, Keypair, PublicKey } from "@solana/web3.js";
import { expect } from "chai";
import {
  PortfolioMarginClient,
  PortfolioMarginError,
  PROGRAM_ERRORS,
  ANCHOR_ERRORS,
  TOKEN_ERRORS,
  SYSTEM_ERRORS,
  clearinghouseAddresses,
  collateralBalance,
  parseQuoteAmount,
  PortfolioMarginAdmin,
} from "../../app/src";
import { clusterTime } from "../../app/src/health";
import { TestMarket, createTestMarkets, createWrappedBtcCollateral, setClock, writeTestOracle } from "../../app/src/testing";
import { createTestMint, fundAccounts, mintTestTokens } from "../../app/src/testing";

/** Localnet-only features (setAccount, setClock, ...) are exercised only when this is set. */
export const ON_LOCALNET = process.env.PM_LOCALNET === "1";

export const usdc = parseQuoteAmount;

/**
 * For a suite that moves the localnet clock (setClock to an expiry, a replayed crash): when the
 * suite ends, put the clock back where the wall says it would be, so the suites after it see a
 * chain clock that tracks wall time (as a real cluster's does). Call at the top of the describe.
 */
export function giveClockBackAfterSuite(): void {
  let clockBefore: bigint | undefined;
  let wallBefore = 0;
  before(async () => {
    clockBefore = await clusterTime(envProvider().connection);
    wallBefore = Date.now();
  });
  after(async () => {
    if (clockBefore === undefined) return;
    await setClock(envProvider().connection, clockBefore + BigInt(Math.ceil((Date.now() - wallBefore) / 1000)));
  });
}

export function envProvider(): AnchorProvider {
  const env = AnchorProvider.env();
  // Confirmed everywhere: getTransaction (events) does not serve "processed".
  return new AnchorProvider(env.connection, env.wallet, { commitment: "confirmed", preflightCommitment: "confirmed" });
}

export function payerOf(provider: AnchorProvider): Keypair {
  const payer = (provider.wallet as { payer?: Keypair }).payer;
  if (!payer) throw new Error("ANCHOR_WALLET must be a keypair file");
  return payer;
}

/** Funds fresh keypairs from the provider wallet (a transfer works on every cluster, unlike airdrops). */
export async function fundedKeypairs(provider: AnchorProvider, n: number, sol = 2): Promise<Keypair[]> {
  const kps = Array.from({ length: n }, () => Keypair.generate());
  await fundAccounts(provider.connection, payerOf(provider), kps.map((k) => k.publicKey), sol);
  return kps;
}

export interface World {
  provider: AnchorProvider;
  connection: Connection;
  /** Client whose wallet is the env wallet (fee payer); owners sign as extra signers. */
  client: PortfolioMarginClient;
  admin: Keypair;
  index: number;
  clearinghouse: PublicKey;
  quoteVault: PublicKey;
  insuranceVault: PublicKey;
  quoteMint: PublicKey;
  /** Signer mint authority for the test USDC mint. */
  mintAuthority: Keypair;
  initSignature: string;
}

/** A new clearinghouse with its own test USDC mint and a random admin. */
export async function createWorld(provider = envProvider()): Promise<World> {
  const client = new PortfolioMarginClient(provider);
  const [admin] = await fundedKeypairs(provider, 1, 1);
  const mintAuthority = payerOf(provider);
  const quoteMint = await createTestMint(provider.connection, mintAuthority);
  const index = Math.floor(Math.random() * 0x10000);
  const initSignature = await client.initializeClearinghouse({ admin, index, quoteMint });
  const addrs = clearinghouseAddresses(admin.publicKey, index, client.programId);
  return {
    provider,
    connection: provider.connection,
    client,
    admin,
    index,
    clearinghouse: addrs.clearinghouse,
    quoteVault: addrs.quoteVault,
    insuranceVault: addrs.insuranceVault,
    quoteMint,
    mintAuthority,
    initSignature,
  };
}

/** A funded user with `amount` test USDC in their ATA; returns the keypair and the ATA. */
export async function createUser(w: World, amount: bigint): Promise<{ user: Keypair; ata: PublicKey }> {
  const [user] = await fundedKeypairs(w.provider, 1, 1);
  const ata = await mintTestTokens(w.connection, w.mintAuthority, w.quoteMint, user.publicKey, amount);
  return { user, ata };
}

export async function tokenAmount(connection: Connection, account: PublicKey): Promise<bigint> {
  return (await getAccount(connection, account, "confirmed")).amount;
}

/** Everything a failed instruction must leave unchanged. */
export interface Snapshot {
  [label: string]: bigint | null;
}

/** Token balances of `tokenAccounts` and quote balances of `marginAccounts`. */
export async function snapshot(
  w: World,
  tokenAccounts: Record<string, PublicKey>,
  marginAccounts: Record<string, PublicKey> = {},
): Promise<Snapshot> {
  const out: Snapshot = {};
  for (const [k, a] of Object.entries(tokenAccounts)) out[`token:${k}`] = await tokenAmount(w.connection, a);
  for (const [k, a] of Object.entries(marginAccounts)) {
    const acc = await w.client.fetchMarginAccountNullable(a);
    out[`margin:${k}`] = acc ? collateralBalance(acc, w.quoteMint) : null;
  }
  return out;
}

const TABLES = { program: PROGRAM_ERRORS, anchor: ANCHOR_ERRORS, token: TOKEN_ERRORS, system: SYSTEM_ERRORS } as const;

/** The code of a named error in one of the tables (fails the test if the name is unknown). */
export function codeOf(source: keyof typeof TABLES, name: string): number {
  for (const [code, e] of TABLES[source]) if (e.name === name) return code;
  throw new Error(`no ${source} error named ${name}`);
}

/**
 * Awaits `p`, expects it to reject with a PortfolioMarginError of the given source and name, and
 * checks the code against the error tables (the IDL for program errors).
 */
export async function expectError(
  p: Promise<unknown>,
  source: keyof typeof TABLES | "client",
  name: string,
  code?: number,
): Promise<PortfolioMarginError> {
  let thrown: unknown;
  try {
    await p;
  } catch (e) {
    thrown = e;
  }
  expect(thrown, `expected ${name} to be thrown`).to.not.equal(undefined);
  expect(thrown).to.be.instanceOf(PortfolioMarginError, `not a PortfolioMarginError: ${String(thrown)}`);
  const err = thrown as PortfolioMarginError;
  const expectedCode = code ?? (source === "client" ? undefined : codeOf(source, name));
  const detail = `${err.source}/${err.name}(${err.code}): ${err.msg}\n${(err.logs ?? []).join("\n")}`;
  expect(err.name, detail).to.equal(name);
  if (expectedCode !== undefined) expect(err.code, detail).to.equal(expectedCode);
  expect(err.source, detail).to.equal(source);
  return err;
}

/** A world with the test markets (BTC, ETH, SOL on test Pyth oracles) and wrapped-BTC collateral. */
export interface MarketsWorld extends World {
  /** Operator client whose wallet is the world's admin. */
  operator: PortfolioMarginAdmin;
  markets: TestMarket[];
  wbtc: PublicKey;
}

/** Localnet only: writes oracle accounts. */
export async function createMarketsWorld(provider = envProvider()): Promise<MarketsWorld> {
  const w = await createWorld(provider);
  const operator = new PortfolioMarginAdmin(new PortfolioMarginClient(w.connection, new Wallet(w.admin)));
  const markets = await createTestMarkets(operator, w.clearinghouse, await clusterTime(w.connection));
  const wbtc = await createWrappedBtcCollateral(operator, w.clearinghouse, markets[0].marketIndex, payerOf(provider));
  return { ...w, operator, markets, wbtc };
}

/** Pins the clock and rewrites every oracle as just published (the margin limit is 2 minutes); returns the time. */
export async function freshOracles(mw: MarketsWorld): Promise<bigint> {
  const now = await clusterTime(mw.connection);
  await setClock(mw.connection, now);
  for (const m of mw.markets) await writeTestOracle(mw.operator, m.oracle, m.spec.spot, now);
  return now;
}
