// PortfolioMarginClient: instruction builders, send helpers and account readers for the program.
import { AnchorProvider, Program } from "@coral-xyz/anchor";
import type { Wallet } from "@coral-xyz/anchor/dist/cjs/provider";
import {
  ASSOCIATED_TOKEN_PROGRAM_ID,
  TOKEN_PROGRAM_ID,
  createAssociatedTokenAccountIdempotentInstruction,
  getAssociatedTokenAddressSync,
} from "@solana/spl-token";
import {
  AccountMeta,
  Commitment,
  ConfirmOptions,
  Connection,
  GetProgramAccountsFilter,
  PublicKey,
  Signer,
  SystemProgram,
  TransactionInstruction,
  TransactionMessage,
  TransactionSignature,
  VersionedTransaction,
} from "@solana/web3.js";
import BN from "bn.js";
import {
  ClearinghouseAccount,
  ClearinghouseInfo,
  clearinghouseInfo,
  MarginAccountData,
  MarginAccountInfo,
  marginAccountInfo,
  MarketInfo,
  marketInfo,
} from "./accounts";
import { collateralOf, fetchMarginSnapshot, MarginSnapshot, marginRemainingAccounts, marketsHeld } from "./health";
import { IDL, PortfolioMargin, accountFieldOffset } from "./idl";
import {
  findClearinghouseAddress,
  findCollateralVaultAddress,
  findInsuranceVaultAddress,
  findMarginAccountAddress,
  findMarketAddress,
  findQuoteVaultAddress,
} from "./pda";
import { decodeMarginReport, MarginReport } from "./report";
import { parseError } from "./errors";
import { sendAndConfirmInstructions } from "./tx";
import { AmountLike, toBigInt, toU64 } from "./units";


/** A decoded account with its address. */
export interface ProgramAccount<T> {
  publicKey: PublicKey;
  account: T;
}

/** Either a public key (someone else signs, or the wallet) or a signer this client adds to the transaction. */
export type SignerLike = PublicKey | Signer;

export interface ClientOptions {
  /** Override the program id (e.g. a redeploy under another key). */
  programId?: PublicKey;
  /** Confirmation options for the provider when constructed from (connection, wallet). */
  confirmOptions?: ConfirmOptions;
}

export interface SendOptions extends ConfirmOptions {
  /** Extra signers beyond those passed as Keypairs in the params. */
  signers?: Signer[];
}

export interface InitializeClearinghouseParams {
  /** Defaults to the wallet. */
  admin?: SignerLike;
  index: number;
  quoteMint: PublicKey;
  tokenProgram?: PublicKey;
}

interface MarginAccountRef {
  clearinghouse: PublicKey;
  /** Defaults to the wallet. */
  owner?: SignerLike;
  /** Account index (default 0); ignored when `marginAccount` is given. */
  accountIndex?: number;
  /** Explicit margin account address (defaults to the PDA of clearinghouse/owner/accountIndex). */
  marginAccount?: PublicKey;
}

export interface CreateMarginAccountParams {
  clearinghouse: PublicKey;
  owner?: SignerLike;
  /** Pays rent; defaults to the wallet. */
  payer?: SignerLike;
  accountIndex?: number;
}

export interface DepositParams extends MarginAccountRef {
  /** Native units of `mint` (USDC: 6 decimals, 1 USDC = 1_000_000). */
  amount: AmountLike;
  /** A listed collateral mint; defaults to the quote mint. */
  mint?: PublicKey;
  /** Token account debited; defaults to the owner's associated token account for `mint`. */
  source?: PublicKey;
  /** Defaults to the mint's vault from the clearinghouse's collateral list. */
  vault?: PublicKey;
  tokenProgram?: PublicKey;
}

export interface WithdrawParams extends MarginAccountRef {
  /** Native units of `mint`. */
  amount: AmountLike;
  /** A listed collateral mint; defaults to the quote mint. */
  mint?: PublicKey;
  /** Token account credited; defaults to the owner's associated token account for `mint`. */
  destination?: PublicKey;
  vault?: PublicKey;
  tokenProgram?: PublicKey;
  /**
   * The margin check's `[market, oracle]` pairs; by default resolved from the account: the
   * markets it still holds after the withdrawal.
   */
  remainingAccounts?: AccountMeta[];
}

export interface CloseMarginAccountParams extends MarginAccountRef {
  /** Receives the rent; defaults to the owner. */
  rentReceiver?: PublicKey;
}

function keyOf(s: SignerLike): PublicKey {
  return s instanceof PublicKey ? s : s.publicKey;
}

function signersOf(...xs: (SignerLike | undefined)[]): Signer[] {
  return xs.filter((x): x is Signer => x !== undefined && !(x instanceof PublicKey));
}

export class PortfolioMarginClient {
  readonly provider: AnchorProvider;
  readonly program: Program<PortfolioMargin>;
  private readonly quoteMints = new Map<string, PublicKey>();

  constructor(provider: AnchorProvider, opts?: ClientOptions);
  constructor(connection: Connection, wallet: Wallet, opts?: ClientOptions);
  constructor(a: AnchorProvider | Connection, b?: Wallet | ClientOptions, c?: ClientOptions) {
    let opts: ClientOptions | undefined;
    if (a instanceof AnchorProvider) {
      this.provider = a;
      opts = b as ClientOptions | undefined;
    } else {
      opts = c;
      this.provider = new AnchorProvider(a, b as Wallet, opts?.confirmOptions ?? AnchorProvider.defaultOptions());
    }
    const idl = opts?.programId ? { ...IDL, address: opts.programId.toBase58() } : IDL;
    this.program = new Program<PortfolioMargin>(idl as PortfolioMargin, this.provider);
  }

  get connection(): Connection {
    return this.provider.connection;
  }
  get wallet(): Wallet {
    return this.provider.wallet;
  }
  get walletAddress(): PublicKey {
    return this.provider.wallet.publicKey;
  }
  get programId(): PublicKey {
    return this.program.programId;
  }

  // ---------------------------------------------------------------- addresses

  clearinghouseAddress(admin: PublicKey, index: number): PublicKey {
    return findClearinghouseAddress(admin, index, this.programId)[0];
  }
  quoteVaultAddress(clearinghouse: PublicKey): PublicKey {
    return findQuoteVaultAddress(clearinghouse, this.programId)[0];
  }
  insuranceVaultAddress(clearinghouse: PublicKey): PublicKey {
    return findInsuranceVaultAddress(clearinghouse, this.programId)[0];
  }
  marginAccountAddress(clearinghouse: PublicKey, owner: PublicKey, accountIndex = 0): PublicKey {
    return findMarginAccountAddress(clearinghouse, owner, accountIndex, this.programId)[0];
  }
  marketAddress(clearinghouse: PublicKey, marketIndex: number): PublicKey {
    return findMarketAddress(clearinghouse, marketIndex, this.programId)[0];
  }
  collateralVaultAddress(clearinghouse: PublicKey, mint: PublicKey): PublicKey {
    return findCollateralVaultAddress(clearinghouse, mint, this.programId)[0];
  }

  private resolveMarginAccount(p: MarginAccountRef): { owner: PublicKey; marginAccount: PublicKey } {
    const owner = p.owner ? keyOf(p.owner) : this.walletAddress;
    return { owner, marginAccount: p.marginAccount ?? this.marginAccountAddress(p.clearinghouse, owner, p.accountIndex ?? 0) };
  }

  /** The clearinghouse's quote mint (fetched once, then cached: it never changes). */
  async quoteMint(clearinghouse: PublicKey): Promise<PublicKey> {
    const k = clearinghouse.toBase58();
    const cached = this.quoteMints.get(k);
    if (cached) return cached;
    const mint = (await this.fetchClearinghouse(clearinghouse)).quoteMint;
    this.quoteMints.set(k, mint);
    return mint;
  }

  /** The owner's associated token account for the clearinghouse's quote mint. */
  async quoteTokenAccount(clearinghouse: PublicKey, owner: PublicKey = this.walletAddress): Promise<PublicKey> {
    return getAssociatedTokenAddressSync(await this.quoteMint(clearinghouse), owner, true);
  }

  // ---------------------------------------------------------------- instruction builders

  async initializeClearinghouseIx(p: InitializeClearinghouseParams): Promise<TransactionInstruction> {
    const admin = p.admin ? keyOf(p.admin) : this.walletAddress;
    const clearinghouse = this.clearinghouseAddress(admin, p.index);
    return this.program.methods
      .initializeClearinghouse(p.index)
      .accountsStrict({
        admin,
        clearinghouse,
        quoteMint: p.quoteMint,
        quoteVault: this.quoteVaultAddress(clearinghouse),
        insuranceVault: this.insuranceVaultAddress(clearinghouse),
        tokenProgram: p.tokenProgram ?? TOKEN_PROGRAM_ID,
        systemProgram: SystemProgram.programId,
      })
      .instruction();
  }

  async createMarginAccountIx(p: CreateMarginAccountParams): Promise<TransactionInstruction> {
    const owner = p.owner ? keyOf(p.owner) : this.walletAddress;
    const accountIndex = p.accountIndex ?? 0;
    return this.program.methods
      .createMarginAccount(accountIndex)
      .accountsStrict({
        owner,
        payer: p.payer ? keyOf(p.payer) : this.walletAddress,
        clearinghouse: p.clearinghouse,
        marginAccount: this.marginAccountAddress(p.clearinghouse, owner, accountIndex),
        systemProgram: SystemProgram.programId,
      })
      .instruction();
  }

  /** The vault of `mint` (no fetch for the quote mint, whose vault is a PDA of the clearinghouse). */
  private async vaultOf(clearinghouse: PublicKey, mint?: PublicKey): Promise<PublicKey> {
    if (!mint) return this.quoteVaultAddress(clearinghouse);
    return collateralOf(await this.fetchClearinghouseInfo(clearinghouse), mint).vault;
  }

  async depositIx(p: DepositParams): Promise<TransactionInstruction> {
    const { owner, marginAccount } = this.resolveMarginAccount(p);
    // with `source` (and `vault` for a non-quote mint) given, nothing is fetched
    return this.program.methods
      .deposit(toU64(p.amount))
      .accountsStrict({
        owner,
        clearinghouse: p.clearinghouse,
        marginAccount,
        vault: p.vault ?? (await this.vaultOf(p.clearinghouse, p.mint)),
        source: p.source ?? getAssociatedTokenAddressSync(p.mint ?? (await this.quoteMint(p.clearinghouse)), owner, true),
        tokenProgram: p.tokenProgram ?? TOKEN_PROGRAM_ID,
      })
      .instruction();
  }

  async withdrawIx(p: WithdrawParams): Promise<TransactionInstruction> {
    const { owner, marginAccount } = this.resolveMarginAccount(p);
    // with `destination`, `remainingAccounts` (and `vault` for a non-quote mint) given, nothing is fetched
    const mint = async () => p.mint ?? (await this.quoteMint(p.clearinghouse));
    const remaining = p.remainingAccounts ?? (await this.withdrawRemainingAccounts(marginAccount, await mint(), toBigInt(p.amount)));
    return this.program.methods
      .withdraw(toU64(p.amount))
      .accountsStrict({
        owner,
        clearinghouse: p.clearinghouse,
        marginAccount,
        vault: p.vault ?? (await this.vaultOf(p.clearinghouse, p.mint)),
        destination: p.destination ?? getAssociatedTokenAddressSync(await mint(), owner, true),
        tokenProgram: p.tokenProgram ?? TOKEN_PROGRAM_ID,
      })
      .remainingAccounts(remaining)
      .instruction();
  }

  /**
   * The `[market, oracle]` pairs of a margin account's check (the markets it holds, ascending).
   * For a withdrawal pass the account as it will be: `withdrawRemainingAccounts`.
   */
  async marginRemainingAccounts(marginAccount: PublicKey): Promise<AccountMeta[]> {
    const account = await this.fetchMarginAccountInfo(marginAccount);
    return this.remainingFor(account);
  }

  /** The remaining accounts of a withdrawal: the markets the account still holds afterwards. */
  async withdrawRemainingAccounts(marginAccount: PublicKey, mint: PublicKey, amount: bigint): Promise<AccountMeta[]> {
    const account = await this.fetchMarginAccountInfoNullable(marginAccount);
    if (!account) return [];
    const collaterals = account.collaterals
      .map((c) => (c.mint.equals(mint) ? { ...c, amount: c.amount > amount ? c.amount - amount : 0n } : c))
      .filter((c) => c.amount > 0n);
    return this.remainingFor({ ...account, collaterals });
  }

  private async remainingFor(account: MarginAccountInfo): Promise<AccountMeta[]> {
    let indices: number[];
    try {
      indices = marketsHeld(account, await this.fetchClearinghouseInfo(account.clearinghouse));
    } catch {
      return []; // let the program report what is wrong with the account
    }
    const markets = await Promise.all(indices.map((i) => this.fetchMarketInfo(account.clearinghouse, i)));
    return marginRemainingAccounts(markets);
  }

  async closeMarginAccountIx(p: CloseMarginAccountParams): Promise<TransactionInstruction> {
    const { owner, marginAccount } = this.resolveMarginAccount(p);
    return this.program.methods
      .closeMarginAccount()
      .accountsStrict({
        owner,
        clearinghouse: p.clearinghouse,
        marginAccount,
        rentReceiver: p.rentReceiver ?? owner,
      })
      .instruction();
  }

  // ---------------------------------------------------------------- send helpers

  /**
   * Signs (extra signers, then the wallet as fee payer), sends and confirms a transaction.
   * Any failure, including a client-side missing signature, is thrown as a PortfolioMarginError.
   */
  async send(instructions: TransactionInstruction[], signers: Signer[] = [], opts: ConfirmOptions = {}): Promise<TransactionSignature> {
    const options = { ...this.provider.opts, ...opts };
    return sendAndConfirmInstructions(this.connection, instructions, signers, {
      ...options,
      commitment: options.commitment ?? "confirmed",
      feePayer: this.walletAddress,
      signTransaction: (tx) => this.wallet.signTransaction(tx),
      programId: this.programId,
    });
  }

  async initializeClearinghouse(p: InitializeClearinghouseParams, opts: SendOptions = {}): Promise<TransactionSignature> {
    const ix = await this.initializeClearinghouseIx(p);
    return this.send([ix], [...signersOf(p.admin), ...(opts.signers ?? [])], opts);
  }

  async createMarginAccount(p: CreateMarginAccountParams, opts: SendOptions = {}): Promise<TransactionSignature> {
    const ix = await this.createMarginAccountIx(p);
    return this.send([ix], [...signersOf(p.owner, p.payer), ...(opts.signers ?? [])], opts);
  }

  async deposit(p: DepositParams, opts: SendOptions = {}): Promise<TransactionSignature> {
    const ix = await this.depositIx(p);
    return this.send([ix], [...signersOf(p.owner), ...(opts.signers ?? [])], opts);
  }

  /** Withdraws; when no destination is given, the owner's ATA of the mint is created first if missing. */
  async withdraw(p: WithdrawParams, opts: SendOptions = {}): Promise<TransactionSignature> {
    const ixs: TransactionInstruction[] = [];
    if (!p.destination) {
      const owner = p.owner ? keyOf(p.owner) : this.walletAddress;
      const mint = p.mint ?? (await this.quoteMint(p.clearinghouse));
      const ata = getAssociatedTokenAddressSync(mint, owner, true);
      if (!(await this.connection.getAccountInfo(ata))) {
        ixs.push(
          createAssociatedTokenAccountIdempotentInstruction(
            this.walletAddress, ata, owner, mint, TOKEN_PROGRAM_ID, ASSOCIATED_TOKEN_PROGRAM_ID,
          ),
        );
      }
    }
    ixs.push(await this.withdrawIx(p));
    return this.send(ixs, [...signersOf(p.owner), ...(opts.signers ?? [])], opts);
  }

  async closeMarginAccount(p: CloseMarginAccountParams, opts: SendOptions = {}): Promise<TransactionSignature> {
    const ix = await this.closeMarginAccountIx(p);
    return this.send([ix], [...signersOf(p.owner), ...(opts.signers ?? [])], opts);
  }

  /**
   * The program's own margin report for an account (simulated `simulate_margin`: nothing is sent).
   * Remaining accounts are resolved from the account unless given.
   */
  async simulateMargin(marginAccount: PublicKey, remainingAccounts?: AccountMeta[]): Promise<MarginReport> {
    const account = await this.fetchMarginAccount(marginAccount);
    const ix = await this.program.methods
      .simulateMargin()
      .accountsStrict({ clearinghouse: account.clearinghouse, marginAccount })
      .remainingAccounts(remainingAccounts ?? (await this.marginRemainingAccounts(marginAccount)))
      .instruction();
    return decodeMarginReport(await this.simulateReturnData([ix]), marginAccount);
  }

  /** Simulates `instructions` (fee payer: the wallet, unsigned) and returns the program's return data. */
  async simulateReturnData(instructions: TransactionInstruction[]): Promise<Buffer> {
    const { blockhash } = await this.connection.getLatestBlockhash("confirmed");
    const message = new TransactionMessage({ payerKey: this.walletAddress, recentBlockhash: blockhash, instructions }).compileToV0Message();
    const sim = await this.connection.simulateTransaction(new VersionedTransaction(message), { sigVerify: false, commitment: "confirmed" });
    if (sim.value.err) throw parseError({ err: sim.value.err, logs: sim.value.logs ?? undefined }, this.programId);
    const data = sim.value.returnData;
    if (!data || data.programId !== this.programId.toBase58()) throw new Error("simulation returned no data from the program");
    return Buffer.from(data.data[0], "base64");
  }

  /** A fresh snapshot of everything an account's margin check reads (for previews). */
  async marginSnapshot(marginAccount: PublicKey): Promise<MarginSnapshot> {
    return fetchMarginSnapshot(this, marginAccount);
  }

  // ---------------------------------------------------------------- readers

  async fetchClearinghouseInfo(address: PublicKey, commitment?: Commitment): Promise<ClearinghouseInfo> {
    return clearinghouseInfo(address, await this.fetchClearinghouse(address, commitment));
  }
  async fetchMarginAccountInfo(address: PublicKey, commitment?: Commitment): Promise<MarginAccountInfo> {
    return marginAccountInfo(address, await this.fetchMarginAccount(address, commitment));
  }
  async fetchMarginAccountInfoNullable(address: PublicKey, commitment?: Commitment): Promise<MarginAccountInfo | null> {
    const a = await this.fetchMarginAccountNullable(address, commitment);
    return a && marginAccountInfo(address, a);
  }
  async fetchMarketInfo(clearinghouse: PublicKey, marketIndex: number, commitment?: Commitment): Promise<MarketInfo> {
    const address = this.marketAddress(clearinghouse, marketIndex);
    return marketInfo(address, await this.program.account.market.fetch(address, commitment));
  }
  /** Every market of a clearinghouse, by market index. */
  async allMarkets(clearinghouse: PublicKey): Promise<MarketInfo[]> {
    const all = await this.program.account.market.all([
      { memcmp: { offset: accountFieldOffset("Market", "clearinghouse"), bytes: clearinghouse.toBase58() } },
    ]);
    return all.map((a) => marketInfo(a.publicKey, a.account)).sort((x, y) => x.marketIndex - y.marketIndex);
  }

  async fetchClearinghouse(address: PublicKey, commitment?: Commitment): Promise<ClearinghouseAccount> {
    return this.program.account.clearinghouse.fetch(address, commitment);
  }
  async fetchClearinghouseNullable(address: PublicKey, commitment?: Commitment): Promise<ClearinghouseAccount | null> {
    return this.program.account.clearinghouse.fetchNullable(address, commitment);
  }
  async fetchMarginAccount(address: PublicKey, commitment?: Commitment): Promise<MarginAccountData> {
    return this.program.account.marginAccount.fetch(address, commitment);
  }
  async fetchMarginAccountNullable(address: PublicKey, commitment?: Commitment): Promise<MarginAccountData | null> {
    return this.program.account.marginAccount.fetchNullable(address, commitment);
  }

  /** Every clearinghouse of this program (optionally only those of one admin). */
  async allClearinghouses(filter: { admin?: PublicKey } = {}): Promise<ProgramAccount<ClearinghouseAccount>[]> {
    const filters: GetProgramAccountsFilter[] = [];
    if (filter.admin) {
      filters.push({ memcmp: { offset: accountFieldOffset("Clearinghouse", "admin"), bytes: filter.admin.toBase58() } });
    }
    return this.program.account.clearinghouse.all(filters);
  }

  /** Margin accounts by owner and/or clearinghouse, via memcmp filters on the account data. */
  async allMarginAccounts(
    filter: { owner?: PublicKey; clearinghouse?: PublicKey } = {},
  ): Promise<ProgramAccount<MarginAccountData>[]> {
    const filters: GetProgramAccountsFilter[] = [];
    if (filter.owner) {
      filters.push({ memcmp: { offset: accountFieldOffset("MarginAccount", "owner"), bytes: filter.owner.toBase58() } });
    }
    if (filter.clearinghouse) {
      filters.push({
        memcmp: { offset: accountFieldOffset("MarginAccount", "clearinghouse"), bytes: filter.clearinghouse.toBase58() },
      });
    }
    const all = await this.program.account.marginAccount.all(filters);
    return all.sort((x, y) => x.account.accountIndex - y.account.accountIndex);
  }

  /** Margin accounts of one owner (the wallet by default). */
  async marginAccountsByOwner(owner: PublicKey = this.walletAddress, clearinghouse?: PublicKey) {
    return this.allMarginAccounts({ owner, clearinghouse });
  }

  /** Balance of the quote vault (native units). */
  async quoteVaultBalance(clearinghouse: PublicKey, commitment?: Commitment): Promise<bigint> {
    const bal = await this.connection.getTokenAccountBalance(this.quoteVaultAddress(clearinghouse), commitment);
    return BigInt(bal.value.amount);
  }
}

/** Amount of `mint` held in a margin account's collateral slots (0 when absent). */
export function collateralBalance(account: MarginAccountData, mint: PublicKey): bigint {
  let total = 0n;
  for (const c of account.collaterals as { mint: PublicKey; amount: BN }[]) {
    if (c.mint.equals(mint)) total += toBigInt(c.amount);
  }
  return total;
}

/** Non-empty collateral slots of a margin account. */
export function collaterals(account: MarginAccountData): { mint: PublicKey; amount: bigint }[] {
  return (account.collaterals as { mint: PublicKey; amount: BN }[])
    .filter((c) => !c.mint.equals(PublicKey.default) || !c.amount.isZero())
    .map((c) => ({ mint: c.mint, amount: toBigInt(c.amount) }));
}

