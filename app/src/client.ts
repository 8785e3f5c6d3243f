// PortfolioMarginClient: instruction builders, send helpers and account readers for the program.
import { AnchorProvider, Program } from "@coral-xyz/anchor";
import type { Wallet } from "@coral-xyz/anchor/dist/cjs/provider";
import type { IdlAccounts } from "@coral-xyz/anchor";
import {
  ASSOCIATED_TOKEN_PROGRAM_ID,
  TOKEN_PROGRAM_ID,
  createAssociatedTokenAccountIdempotentInstruction,
  getAssociatedTokenAddressSync,
} from "@solana/spl-token";
import {
  Commitment,
  ConfirmOptions,
  Connection,
  GetProgramAccountsFilter,
  PublicKey,
  Signer,
  SystemProgram,
  TransactionInstruction,
  TransactionSignature,
} from "@solana/web3.js";
import BN from "bn.js";
import { IDL, PortfolioMargin, accountFieldOffset } from "./idl";
import { findClearinghouseAddress, findInsuranceVaultAddress, findMarginAccountAddress, findQuoteVaultAddress } from "./pda";
import { sendAndConfirmInstructions } from "./tx";
import { AmountLike, toBigInt, toU64 } from "./units";

export type ClearinghouseAccount = IdlAccounts<PortfolioMargin>["clearinghouse"];
export type MarginAccountData = IdlAccounts<PortfolioMargin>["marginAccount"];

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
  /** Native quote units (6 decimals): 1 USDC = 1_000_000. */
  amount: AmountLike;
  /** Token account debited; defaults to the owner's associated token account for the quote mint. */
  source?: PublicKey;
  /** Defaults to the clearinghouse's quote vault PDA. */
  quoteVault?: PublicKey;
  tokenProgram?: PublicKey;
}

export interface WithdrawParams extends MarginAccountRef {
  /** Native quote units (6 decimals). */
  amount: AmountLike;
  /** Token account credited; defaults to the owner's associated token account for the quote mint. */
  destination?: PublicKey;
  quoteVault?: PublicKey;
  tokenProgram?: PublicKey;
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

  async depositIx(p: DepositParams): Promise<TransactionInstruction> {
    const { owner, marginAccount } = this.resolveMarginAccount(p);
    return this.program.methods
      .deposit(toU64(p.amount))
      .accountsStrict({
        owner,
        clearinghouse: p.clearinghouse,
        marginAccount,
        quoteVault: p.quoteVault ?? this.quoteVaultAddress(p.clearinghouse),
        source: p.source ?? (await this.quoteTokenAccount(p.clearinghouse, owner)),
        tokenProgram: p.tokenProgram ?? TOKEN_PROGRAM_ID,
      })
      .instruction();
  }

  async withdrawIx(p: WithdrawParams): Promise<TransactionInstruction> {
    const { owner, marginAccount } = this.resolveMarginAccount(p);
    return this.program.methods
      .withdraw(toU64(p.amount))
      .accountsStrict({
        owner,
        clearinghouse: p.clearinghouse,
        marginAccount,
        quoteVault: p.quoteVault ?? this.quoteVaultAddress(p.clearinghouse),
        destination: p.destination ?? (await this.quoteTokenAccount(p.clearinghouse, owner)),
        tokenProgram: p.tokenProgram ?? TOKEN_PROGRAM_ID,
      })
      .instruction();
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

  /** Withdraws; when no destination is given, the owner's quote ATA is created first if missing. */
  async withdraw(p: WithdrawParams, opts: SendOptions = {}): Promise<TransactionSignature> {
    const ixs: TransactionInstruction[] = [];
    if (!p.destination) {
      const owner = p.owner ? keyOf(p.owner) : this.walletAddress;
      const mint = await this.quoteMint(p.clearinghouse);
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

  // ---------------------------------------------------------------- readers

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

