// Trading through the SDK: RFQ trades (the maker builds and partially signs, shares a string; the
// taker decodes, previews, signs and sends), the maker's quote kill switch, and the permissionless
// and operator instructions around positions: funding, expiry settlement, sweeping settled
// positions, trading parameters and fee sweeps.
import { AccountMeta, PublicKey, Signer, SystemProgram, Transaction, TransactionInstruction, TransactionSignature } from "@solana/web3.js";
import { TOKEN_PROGRAM_ID } from "@solana/spl-token";
import BN from "bn.js";
import type { MarginAccountInfo, MarketInfo, TradingParamsInfo } from "../accounts";
import type { PortfolioMarginClient, SendOptions, SignerLike } from "../client";
import { clusterTime, marginRemainingAccounts } from "../health";
import { sendAndConfirmSignedTransaction } from "../tx";
import { estimateLiquidationPrice, LiquidationEstimate } from "./liquidation";
import { previewTrade, TradePreview, TradeSnapshot, tradeMarketIndices } from "./preview";
import { DecodedQuote, deserializeSignedQuote, quoteArg, quoteError, serializeSignedQuote, TradeQuote } from "./quote";

const keyOf = (s: SignerLike): PublicKey => (s instanceof PublicKey ? s : s.publicKey);
const isSigner = (s: SignerLike | undefined): s is Signer => !!s && !(s instanceof PublicKey);

export interface TradeParams {
  makerAccount: PublicKey;
  takerAccount: PublicKey;
  /** The traded market (index in the clearinghouse). */
  marketIndex: number;
  quote: TradeQuote;
}

export class PortfolioMarginTrading {
  constructor(readonly client: PortfolioMarginClient) {}

  private get methods() {
    return this.client.program.methods;
  }

  // ---- RFQ trades

  /** Everything `trade` reads for these accounts and market (fresh). */
  async tradeSnapshot(makerAccount: PublicKey, takerAccount: PublicKey, marketIndex: number): Promise<TradeSnapshot> {
    const [maker, taker] = await Promise.all([this.client.fetchMarginAccountInfo(makerAccount), this.client.fetchMarginAccountInfo(takerAccount)]);
    const clearinghouse = await this.client.fetchClearinghouseInfo(maker.clearinghouse);
    const indices = tradeMarketIndices(maker, taker, clearinghouse, marketIndex);
    const markets = await Promise.all(indices.map((i) => this.client.fetchMarketInfo(maker.clearinghouse, i)));
    const infos = await this.client.connection.getMultipleAccountsInfo(markets.map((m) => m.oracle));
    const oracles = markets.map((m, i) => ({ address: m.oracle, owner: infos[i]?.owner ?? SystemProgram.programId, data: infos[i]?.data ?? new Uint8Array() }));
    return { clearinghouse, maker, taker, marketIndex, markets, oracles, now: await clusterTime(this.client.connection) };
  }

  /** The `trade` instruction, remaining accounts resolved from both accounts and the market. */
  async tradeIx(p: TradeParams): Promise<TransactionInstruction> {
    const s = await this.tradeSnapshot(p.makerAccount, p.takerAccount, p.marketIndex);
    return this.tradeIxFrom(s, p.quote);
  }

  tradeIxFrom(s: TradeSnapshot, quote: TradeQuote): Promise<TransactionInstruction> {
    const market = s.markets.find((m) => m.marketIndex === s.marketIndex)!;
    return this.methods
      .trade(quoteArg(quote))
      .accountsStrict({
        maker: s.maker.owner,
        taker: s.taker.owner,
        clearinghouse: s.maker.clearinghouse,
        market: market.address,
        makerAccount: s.maker.address,
        takerAccount: s.taker.address,
      })
      .remainingAccounts(marginRemainingAccounts(s.markets))
      .instruction();
  }

  /** What the program would do with the trade (both sides' margin before/after, or why it refuses). */
  async previewTrade(p: TradeParams): Promise<TradePreview> {
    return previewTrade(await this.tradeSnapshot(p.makerAccount, p.takerAccount, p.marketIndex), p.quote);
  }

  /**
   * The maker's side of an RFQ: the trade transaction (fee payer: the taker), partially signed by
   * `maker`, as the base64 string to share. The taker must send it before the blockhash expires
   * (about a minute on a real cluster) and before `quote.expiresAt`.
   */
  async createSignedQuote(p: TradeParams & { maker: Signer }): Promise<string> {
    const s = await this.tradeSnapshot(p.makerAccount, p.takerAccount, p.marketIndex);
    if (!s.maker.owner.equals(p.maker.publicKey)) throw quoteError("the maker does not own the maker account");
    const ix = await this.tradeIxFrom(s, p.quote);
    const { blockhash, lastValidBlockHeight } = await this.client.connection.getLatestBlockhash("confirmed");
    const tx = new Transaction({ feePayer: s.taker.owner, blockhash, lastValidBlockHeight }).add(ix);
    tx.partialSign(p.maker);
    return serializeSignedQuote(tx);
  }

  /** Decodes a signed quote (see `deserializeSignedQuote`) for this client's program. */
  decodeSignedQuote(encoded: string): DecodedQuote {
    return deserializeSignedQuote(encoded, this.client.programId);
  }

  /** The preview of a decoded quote against the accounts as they are now. */
  async previewSignedQuote(d: DecodedQuote): Promise<TradePreview> {
    const market = await this.client.program.account.market.fetch(d.accounts.market);
    return previewTrade(await this.tradeSnapshot(d.accounts.makerAccount, d.accounts.takerAccount, market.marketIndex), d.quote, { maker: d.accounts.maker, taker: d.accounts.taker });
  }

  /**
   * The taker's side: checks the maker's signature, signs (with `taker`, else the client's wallet)
   * and sends. With `preview` (default true) a trade the mirror says the program would refuse is
   * not sent: its PortfolioMarginError (the program's name and code) is thrown instead.
   */
  async acceptSignedQuote(encoded: string, opts: SendOptions & { taker?: Signer; preview?: boolean } = {}): Promise<{ signature: TransactionSignature; decoded: DecodedQuote; preview: TradePreview | null }> {
    const decoded = this.decodeSignedQuote(encoded);
    if (!decoded.makerSigned) throw quoteError("the maker's signature is missing or does not verify");
    const preview = opts.preview === false ? null : await this.previewSignedQuote(decoded);
    if (preview?.error) throw preview.error;
    const tx = decoded.transaction;
    if (opts.taker) {
      if (!opts.taker.publicKey.equals(decoded.accounts.taker)) throw quoteError("the quote is for another taker");
      tx.partialSign(opts.taker);
    } else {
      if (!this.client.walletAddress.equals(decoded.accounts.taker)) throw quoteError("the quote is for another taker");
      await this.client.wallet.signTransaction(tx);
    }
    const signature = await sendAndConfirmSignedTransaction(this.client.connection, tx, {
      ...this.client.provider.opts,
      ...opts,
      programId: this.client.programId,
    });
    return { signature, decoded, preview };
  }

  // ---- the maker's kill switch

  async cancelQuotesIx(p: { marginAccount: PublicKey; nonceFloor: bigint; owner?: SignerLike }): Promise<TransactionInstruction> {
    return this.methods
      .cancelQuotes(new BN(p.nonceFloor.toString()))
      .accountsStrict({ owner: p.owner ? keyOf(p.owner) : this.client.walletAddress, marginAccount: p.marginAccount })
      .instruction();
  }
  async cancelQuotes(p: Parameters<PortfolioMarginTrading["cancelQuotesIx"]>[0], opts?: SendOptions) {
    return this.sendOne(await this.cancelQuotesIx(p), [p.owner], opts);
  }

  // ---- funding and settlement (permissionless)

  async updateFundingIx(p: { market: MarketInfo }): Promise<TransactionInstruction> {
    return this.methods.updateFunding().accountsStrict({ clearinghouse: p.market.clearinghouse, market: p.market.address, oracle: p.market.oracle }).instruction();
  }
  async updateFunding(p: { market: MarketInfo }, opts?: SendOptions) {
    return this.sendOne(await this.updateFundingIx(p), [], opts);
  }

  async settleExpiryIx(p: { market: MarketInfo; expiryIndex: number }): Promise<TransactionInstruction> {
    return this.methods
      .settleExpiry(p.expiryIndex)
      .accountsStrict({ clearinghouse: p.market.clearinghouse, market: p.market.address, oracle: p.market.oracle })
      .instruction();
  }
  async settleExpiry(p: { market: MarketInfo; expiryIndex: number }, opts?: SendOptions) {
    return this.sendOne(await this.settleExpiryIx(p), [], opts);
  }

  /** The markets `settle_positions` should be given: those of the account's positions in settled expiries. */
  settleableMarkets(account: MarginAccountInfo, markets: MarketInfo[]): MarketInfo[] {
    return markets.filter((m) =>
      account.positions.some((p) => {
        if (p.marketIndex !== m.marketIndex) return false;
        const ins = m.instruments[p.instrumentIndex];
        return !!ins && ins.expiry !== null && (m.expiries[ins.expiryIndex]?.settlementPrice ?? 0n) !== 0n;
      }),
    );
  }

  /** `settle_positions`; the markets default to those with settled positions of the account. */
  async settlePositionsIx(p: { marginAccount: PublicKey; markets?: PublicKey[] }): Promise<TransactionInstruction> {
    const account = await this.client.fetchMarginAccountInfo(p.marginAccount);
    let markets = p.markets;
    if (!markets) {
      const indices = [...new Set(account.positions.map((x) => x.marketIndex))].sort((a, b) => a - b);
      const infos = await Promise.all(indices.map((i) => this.client.fetchMarketInfo(account.clearinghouse, i)));
      markets = this.settleableMarkets(account, infos).map((m) => m.address);
    }
    const remaining: AccountMeta[] = markets.map((pubkey) => ({ pubkey, isSigner: false, isWritable: true }));
    return this.methods
      .settlePositions()
      .accountsStrict({ clearinghouse: account.clearinghouse, marginAccount: p.marginAccount })
      .remainingAccounts(remaining)
      .instruction();
  }
  async settlePositions(p: { marginAccount: PublicKey; markets?: PublicKey[] }, opts?: SendOptions) {
    return this.sendOne(await this.settlePositionsIx(p), [], opts);
  }

  // ---- operator

  async adminSettleExpiryIx(p: { market: MarketInfo; expiryIndex: number; settlementPrice: bigint; admin?: SignerLike }): Promise<TransactionInstruction> {
    return this.methods
      .adminSettleExpiry(p.expiryIndex, new BN(p.settlementPrice.toString()))
      .accountsStrict({ admin: this.wallet(p.admin), clearinghouse: p.market.clearinghouse, market: p.market.address })
      .instruction();
  }
  async adminSettleExpiry(p: Parameters<PortfolioMarginTrading["adminSettleExpiryIx"]>[0], opts?: SendOptions) {
    return this.sendOne(await this.adminSettleExpiryIx(p), [p.admin], opts);
  }

  async updateTradingParamsIx(p: { market: MarketInfo; params: TradingParamsInfo; admin?: SignerLike }): Promise<TransactionInstruction> {
    return this.methods
      .updateTradingParams({ ...p.params })
      .accountsStrict({ admin: this.wallet(p.admin), clearinghouse: p.market.clearinghouse, market: p.market.address })
      .instruction();
  }
  async updateTradingParams(p: Parameters<PortfolioMarginTrading["updateTradingParamsIx"]>[0], opts?: SendOptions) {
    return this.sendOne(await this.updateTradingParamsIx(p), [p.admin], opts);
  }

  /** Moves `amount` of a market's fee pool from the quote vault to the insurance vault. */
  async sweepFeesIx(p: { market: MarketInfo; amount: bigint; admin?: SignerLike }): Promise<TransactionInstruction> {
    const ch = p.market.clearinghouse;
    return this.methods
      .sweepFees(new BN(p.amount.toString()))
      .accountsStrict({
        admin: this.wallet(p.admin),
        clearinghouse: ch,
        market: p.market.address,
        quoteVault: this.client.quoteVaultAddress(ch),
        insuranceVault: this.client.insuranceVaultAddress(ch),
        tokenProgram: TOKEN_PROGRAM_ID,
      })
      .instruction();
  }
  async sweepFees(p: Parameters<PortfolioMarginTrading["sweepFeesIx"]>[0], opts?: SendOptions) {
    return this.sendOne(await this.sweepFeesIx(p), [p.admin], opts);
  }

  // ---- risk

  /** The spot of the account's largest leg's market at which equity = MM (other markets unchanged). */
  async liquidationPrice(marginAccount: PublicKey): Promise<LiquidationEstimate | null> {
    return estimateLiquidationPrice(await this.client.marginSnapshot(marginAccount));
  }

  private wallet(s?: SignerLike): PublicKey {
    return s ? keyOf(s) : this.client.walletAddress;
  }
  private sendOne(ix: TransactionInstruction, who: (SignerLike | undefined)[], opts: SendOptions = {}): Promise<TransactionSignature> {
    return this.client.send([ix], [...who.filter(isSigner), ...(opts.signers ?? [])], opts);
  }
}
