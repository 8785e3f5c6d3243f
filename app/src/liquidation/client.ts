// Liquidation and the insurance fund through the SDK: snapshots of what `liquidate` and
// `resolve_bankruptcy` read, finding liquidatable accounts, plans, instruction builders (remaining
// accounts resolved from both accounts: `[market (writable), oracle]` per market, ascending), and
// the insurance fund's deposits and state.
import { getAccount, getAssociatedTokenAddressSync, TOKEN_PROGRAM_ID } from "@solana/spl-token";
import {
  AccountMeta,
  ComputeBudgetProgram,
  PublicKey,
  Signer,
  SystemProgram,
  TransactionInstruction,
  TransactionSignature,
} from "@solana/web3.js";
import BN from "bn.js";
import type { ClearinghouseInfo, MarginAccountInfo, MarketInfo } from "../accounts";
import { marginAccountInfo } from "../accounts";
import type { PortfolioMarginClient, SendOptions, SignerLike } from "../client";
import { clusterTime, marketsHeld } from "../health";
import { OracleAccount } from "../oracle";
import { FindLiquidatableOptions, findLiquidatable, LiquidatableAccount, LiquidationPlan, LiquidationPlanOptions, planLiquidation } from "./plan";
import { defaultSocializationMarket, LiquidationLeg, liquidationLegArg, liquidationMarketIndices, LiquidationSnapshot } from "./simulate";

const keyOf = (s: SignerLike): PublicKey => (s instanceof PublicKey ? s : s.publicKey);
const isSigner = (s: SignerLike | undefined): s is Signer => !!s && !(s instanceof PublicKey);

/** The remaining accounts of `liquidate` / `resolve_bankruptcy`: `[market (writable), oracle]` per market, in order. */
export function liquidationRemainingAccounts(markets: MarketInfo[]): AccountMeta[] {
  return markets.flatMap((m) => [
    { pubkey: m.address, isSigner: false, isWritable: true },
    { pubkey: m.oracle, isSigner: false, isWritable: false },
  ]);
}

export interface LiquidateParams {
  /** The account liquidated. */
  marginAccount: PublicKey;
  /** The liquidator's margin account (default: the liquidator's account 0 in the same clearinghouse). */
  liquidatorAccount?: PublicKey;
  legs: LiquidationLeg[];
  /** The liquidator account's owner, who signs (default: the wallet). */
  liquidator?: SignerLike;
  /** Prepends a ComputeBudget limit (a real cluster: three margin evaluations and the legs). */
  computeUnitLimit?: number;
}

export interface ResolveBankruptcyParams {
  marginAccount: PublicKey;
  /** The resolver's margin account (default: the resolver's account 0). */
  resolverAccount?: PublicKey;
  /** Bears what the insurance fund cannot pay (default: `defaultSocializationMarket`). */
  socializationMarket?: PublicKey;
  resolver?: SignerLike;
  computeUnitLimit?: number;
}

export interface DepositInsuranceParams {
  clearinghouse: PublicKey;
  /** Native quote units. */
  amount: bigint;
  /** Signs and owns `source` (default: the wallet). */
  depositor?: SignerLike;
  /** Token account debited (default: the depositor's quote ATA). */
  source?: PublicKey;
}

/** The insurance fund of a clearinghouse. */
export interface InsuranceFundInfo {
  clearinghouse: PublicKey;
  vault: PublicKey;
  /** The vault's balance (native quote units). */
  balance: bigint;
  /** Lifetime flows (the clearinghouse's counters). */
  deposited: bigint;
  paid: bigint;
  socializedLoss: bigint;
  badDebt: bigint;
  /** Insurance shares of fees (and trading fees) still in the markets' fee pools, until swept. */
  pendingFees: { marketIndex: number; symbol: string; feePool: bigint; socializedLoss: bigint; lossIndex: bigint }[];
  liquidationBufferPpm: number;
}

export class PortfolioMarginLiquidation {
  constructor(readonly client: PortfolioMarginClient) {}

  private get methods() {
    return this.client.program.methods;
  }

  // ---- reads

  private async oracles(markets: MarketInfo[]): Promise<OracleAccount[]> {
    const infos = markets.length ? await this.client.connection.getMultipleAccountsInfo(markets.map((m) => m.oracle)) : [];
    return markets.map((m, i) => ({ address: m.oracle, owner: infos[i]?.owner ?? SystemProgram.programId, data: infos[i]?.data ?? new Uint8Array() }));
  }

  /** The insurance vault's balance (native units). */
  async insuranceBalance(clearinghouse: PublicKey): Promise<bigint> {
    return (await getAccount(this.client.connection, this.client.insuranceVaultAddress(clearinghouse), "confirmed")).amount;
  }

  /** The default liquidator account: `owner`'s account 0 in `clearinghouse`. */
  defaultLiquidatorAccount(clearinghouse: PublicKey, owner: PublicKey = this.client.walletAddress): PublicKey {
    return this.client.marginAccountAddress(clearinghouse, owner, 0);
  }

  /**
   * Everything `liquidate` / `resolve_bankruptcy` read, fresh: both accounts (the liquidator's
   * null when not given or absent), the union of their markets, oracles, time and the insurance
   * balance. `extraMarkets` adds markets (e.g. a socialisation market).
   */
  async liquidationSnapshot(marginAccount: PublicKey, liquidatorAccount?: PublicKey | null, extraMarkets: number[] = []): Promise<LiquidationSnapshot> {
    const account = await this.client.fetchMarginAccountInfo(marginAccount);
    const liquidator = liquidatorAccount ? await this.client.fetchMarginAccountInfoNullable(liquidatorAccount) : null;
    const clearinghouse = await this.client.fetchClearinghouseInfo(account.clearinghouse);
    const indices = [...new Set([...liquidationMarketIndices(account, liquidator, clearinghouse), ...extraMarkets])].sort((a, b) => a - b);
    const markets = await Promise.all(indices.map((i) => this.client.fetchMarketInfo(account.clearinghouse, i)));
    const [oracles, now, insuranceBalance] = await Promise.all([this.oracles(markets), clusterTime(this.client.connection), this.insuranceBalance(account.clearinghouse)]);
    return { clearinghouse, account, liquidator, markets, oracles, now, insuranceBalance };
  }

  /**
   * Every margin account of the clearinghouse below MM (see `findLiquidatable`): accounts, markets
   * and oracles fetched once each.
   */
  async findLiquidatable(clearinghouse: PublicKey, opts: FindLiquidatableOptions = {}): Promise<LiquidatableAccount[]> {
    const ch = await this.client.fetchClearinghouseInfo(clearinghouse);
    const [accounts, markets, now] = await Promise.all([
      this.client.allMarginAccounts({ clearinghouse }),
      this.client.allMarkets(clearinghouse),
      clusterTime(this.client.connection),
    ]);
    const oracles = await this.oracles(markets);
    const snapshots: LiquidationSnapshot[] = [];
    for (const a of accounts) {
      const account = marginAccountInfo(a.publicKey, a.account);
      if (account.positions.length === 0 && account.quoteDebt === 0n && account.collaterals.every((c) => c.mint.equals(ch.quoteMint))) continue;
      let held: number[];
      try {
        held = marketsHeld(account, ch);
      } catch {
        continue;
      }
      const at = held.map((i) => markets.findIndex((m) => m.marketIndex === i));
      if (at.some((i) => i < 0)) continue;
      snapshots.push({ clearinghouse: ch, account, markets: at.map((i) => markets[i]), oracles: at.map((i) => oracles[i]), now });
    }
    return findLiquidatable(snapshots, opts);
  }

  /** A plan for liquidating `marginAccount` by `liquidatorAccount` (default: the wallet's account 0). */
  async planLiquidation(marginAccount: PublicKey, liquidatorAccount?: PublicKey | null, opts: LiquidationPlanOptions = {}): Promise<LiquidationPlan> {
    const account = await this.client.fetchMarginAccountInfo(marginAccount);
    const liq = liquidatorAccount === null ? null : liquidatorAccount ?? this.defaultLiquidatorAccount(account.clearinghouse);
    const s = await this.liquidationSnapshot(marginAccount, liq);
    return planLiquidation(s, opts);
  }

  // ---- liquidate

  /** `liquidate` for a snapshot (no fetch): remaining accounts are the snapshot's markets both accounts hold. */
  liquidateIxFrom(s: LiquidationSnapshot, legs: LiquidationLeg[], liquidator?: PublicKey): Promise<TransactionInstruction> {
    if (!s.liquidator) throw new Error("liquidateIxFrom: the snapshot has no liquidator account");
    const indices = liquidationMarketIndices(s.account, s.liquidator, s.clearinghouse);
    const markets = indices.map((i) => {
      const m = s.markets.find((x) => x.marketIndex === i);
      if (!m) throw new Error(`liquidateIxFrom: market ${i} is not in the snapshot`);
      return m;
    });
    return this.methods
      .liquidate(legs.map(liquidationLegArg))
      .accountsStrict({
        liquidator: liquidator ?? s.liquidator.owner,
        clearinghouse: s.clearinghouse.address,
        liquidatorAccount: s.liquidator.address,
        marginAccount: s.account.address,
        insuranceVault: this.client.insuranceVaultAddress(s.clearinghouse.address),
      })
      .remainingAccounts(liquidationRemainingAccounts(markets))
      .instruction();
  }

  /** `liquidate`, its remaining accounts resolved from both accounts as they are now. */
  async liquidateIx(p: LiquidateParams): Promise<TransactionInstruction> {
    const [account, liquidatorAccount] = await this.accounts(p.marginAccount, p.liquidatorAccount, p.liquidator);
    const ch = await this.client.fetchClearinghouseInfo(account.clearinghouse);
    const markets = await this.marketsOf(liquidationMarketIndices(account, liquidatorAccount, ch), ch);
    return this.methods
      .liquidate(p.legs.map(liquidationLegArg))
      .accountsStrict({
        liquidator: p.liquidator ? keyOf(p.liquidator) : this.client.walletAddress,
        clearinghouse: ch.address,
        liquidatorAccount: liquidatorAccount.address,
        marginAccount: account.address,
        insuranceVault: this.client.insuranceVaultAddress(ch.address),
      })
      .remainingAccounts(liquidationRemainingAccounts(markets))
      .instruction();
  }

  /** The instructions of one liquidation transaction (a compute-unit limit first when asked). */
  async buildLiquidate(p: LiquidateParams): Promise<TransactionInstruction[]> {
    return withComputeLimit(await this.liquidateIx(p), p.computeUnitLimit);
  }

  async liquidate(p: LiquidateParams, opts: SendOptions = {}): Promise<TransactionSignature> {
    return this.send(await this.buildLiquidate(p), p.liquidator, opts);
  }

  // ---- bankruptcy

  async resolveBankruptcyIx(p: ResolveBankruptcyParams): Promise<TransactionInstruction> {
    const [account, resolverAccount] = await this.accounts(p.marginAccount, p.resolverAccount, p.resolver);
    const ch = await this.client.fetchClearinghouseInfo(account.clearinghouse);
    const markets = await this.marketsOf(liquidationMarketIndices(account, resolverAccount, ch), ch);
    let social = p.socializationMarket;
    if (!social) {
      const held = marketsHeld(account, ch);
      const candidates = markets.length ? markets : await this.marketsOf(held.length ? held : [0], ch);
      const chosen = defaultSocializationMarket({ clearinghouse: ch, account, markets: candidates, oracles: [], now: 0n });
      social = chosen?.address ?? this.client.marketAddress(ch.address, 0);
    }
    return this.methods
      .resolveBankruptcy()
      .accountsStrict({
        resolver: p.resolver ? keyOf(p.resolver) : this.client.walletAddress,
        clearinghouse: ch.address,
        resolverAccount: resolverAccount.address,
        marginAccount: account.address,
        socializationMarket: social,
        quoteVault: this.client.quoteVaultAddress(ch.address),
        insuranceVault: this.client.insuranceVaultAddress(ch.address),
        tokenProgram: TOKEN_PROGRAM_ID,
      })
      .remainingAccounts(liquidationRemainingAccounts(markets))
      .instruction();
  }

  async buildResolveBankruptcy(p: ResolveBankruptcyParams): Promise<TransactionInstruction[]> {
    return withComputeLimit(await this.resolveBankruptcyIx(p), p.computeUnitLimit);
  }

  async resolveBankruptcy(p: ResolveBankruptcyParams, opts: SendOptions = {}): Promise<TransactionSignature> {
    return this.send(await this.buildResolveBankruptcy(p), p.resolver, opts);
  }

  // ---- plans

  /**
   * Sends a plan's steps in order (each one `liquidate`), then `resolve_bankruptcy` when the plan
   * ends with it. Stops at the first failure (thrown as PortfolioMarginError). The plan must have
   * been made for `liquidatorAccount`.
   */
  async executePlan(
    plan: LiquidationPlan,
    p: { liquidatorAccount?: PublicKey; liquidator?: SignerLike; socializationMarket?: PublicKey; computeUnitLimit?: number },
    opts: SendOptions = {},
  ): Promise<{ liquidations: TransactionSignature[]; resolution: TransactionSignature | null }> {
    const liquidations: TransactionSignature[] = [];
    for (const step of plan.steps) {
      liquidations.push(await this.liquidate({ marginAccount: plan.marginAccount, liquidatorAccount: p.liquidatorAccount, legs: step.legs, liquidator: p.liquidator, computeUnitLimit: p.computeUnitLimit }, opts));
    }
    let resolution: TransactionSignature | null = null;
    if (plan.resolveBankruptcy) {
      resolution = await this.resolveBankruptcy(
        { marginAccount: plan.marginAccount, resolverAccount: p.liquidatorAccount, resolver: p.liquidator, socializationMarket: p.socializationMarket, computeUnitLimit: p.computeUnitLimit },
        opts,
      );
    }
    return { liquidations, resolution };
  }

  // ---- insurance fund

  async depositInsuranceIx(p: DepositInsuranceParams): Promise<TransactionInstruction> {
    const depositor = p.depositor ? keyOf(p.depositor) : this.client.walletAddress;
    const source = p.source ?? getAssociatedTokenAddressSync(await this.client.quoteMint(p.clearinghouse), depositor, true);
    return this.methods
      .depositInsurance(new BN(p.amount.toString()))
      .accountsStrict({
        depositor,
        clearinghouse: p.clearinghouse,
        source,
        insuranceVault: this.client.insuranceVaultAddress(p.clearinghouse),
        tokenProgram: TOKEN_PROGRAM_ID,
      })
      .instruction();
  }

  async buildDepositInsurance(p: DepositInsuranceParams): Promise<TransactionInstruction[]> {
    return [await this.depositInsuranceIx(p)];
  }

  async depositInsurance(p: DepositInsuranceParams, opts: SendOptions = {}): Promise<TransactionSignature> {
    return this.send(await this.buildDepositInsurance(p), p.depositor, opts);
  }

  /** The fund's balance, lifetime flows and the fees still in the markets' pools. */
  async insuranceFund(clearinghouse: PublicKey): Promise<InsuranceFundInfo> {
    const [ch, markets, balance] = await Promise.all([
      this.client.fetchClearinghouseInfo(clearinghouse),
      this.client.allMarkets(clearinghouse),
      this.insuranceBalance(clearinghouse),
    ]);
    return insuranceFundInfo(ch, markets, this.client.insuranceVaultAddress(clearinghouse), balance);
  }

  // ---- helpers

  private async accounts(marginAccount: PublicKey, other: PublicKey | undefined, signer: SignerLike | undefined): Promise<[MarginAccountInfo, MarginAccountInfo]> {
    const account = await this.client.fetchMarginAccountInfo(marginAccount);
    const owner = signer ? keyOf(signer) : this.client.walletAddress;
    const otherAccount = await this.client.fetchMarginAccountInfo(other ?? this.defaultLiquidatorAccount(account.clearinghouse, owner));
    return [account, otherAccount];
  }

  private async marketsOf(indices: number[], ch: ClearinghouseInfo): Promise<MarketInfo[]> {
    return Promise.all(indices.map((i) => this.client.fetchMarketInfo(ch.address, i)));
  }

  private send(ixs: TransactionInstruction[], who: SignerLike | undefined, opts: SendOptions): Promise<TransactionSignature> {
    return this.client.send(ixs, [...(isSigner(who) ? [who] : []), ...(opts.signers ?? [])], opts);
  }
}

/** The insurance fund from fetched accounts. */
export function insuranceFundInfo(ch: ClearinghouseInfo, markets: MarketInfo[], vault: PublicKey, balance: bigint): InsuranceFundInfo {
  return {
    clearinghouse: ch.address,
    vault,
    balance,
    deposited: ch.insuranceDeposited,
    paid: ch.insurancePaid,
    socializedLoss: ch.socializedLoss,
    badDebt: ch.badDebt,
    pendingFees: markets.map((m) => ({ marketIndex: m.marketIndex, symbol: m.symbol, feePool: m.feePool, socializedLoss: m.socializedLoss, lossIndex: m.lossIndex })),
    liquidationBufferPpm: ch.liquidationBufferPpm,
  };
}

function withComputeLimit(ix: TransactionInstruction, units?: number): TransactionInstruction[] {
  return units ? [ComputeBudgetProgram.setComputeUnitLimit({ units }), ix] : [ix];
}
