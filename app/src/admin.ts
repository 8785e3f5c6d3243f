// Instruction builders and senders for the clearinghouse's operators: the admin (markets,
// expiries, instruments, collateral, parameters), the security authority (tighten-only changes)
// and the crank (vol slices). Parameters are keyed objects (app/src/risk/params.ts); the program
// takes them in the engine's table order.
import { TOKEN_PROGRAM_ID } from "@solana/spl-token";
import { PublicKey, SystemProgram, TransactionInstruction, TransactionSignature } from "@solana/web3.js";
import BN from "bn.js";
import { MarketStatus, QUOTE_MARKET } from "./accounts";
import type { PortfolioMarginClient, SendOptions, SignerLike } from "./client";
import { OracleLimits, OracleSource } from "./oracle";
import { GLOBAL_PARAMS, GlobalParams, Kind, MARKET_PARAMS, MarketParams, paramValues, validateGlobalParams, validateMarketParams } from "./risk";

const bn = (x: bigint | number): BN => new BN(x.toString());
const keyOf = (s: SignerLike): PublicKey => (s instanceof PublicKey ? s : s.publicKey);
const signers = (...xs: (SignerLike | undefined)[]) => xs.filter((x): x is Exclude<SignerLike, PublicKey> => !!x && !(x instanceof PublicKey));

/** Oracle limits per action class: risk-increasing, margin (withdrawals), liquidation. */
export type OracleLimitsByAction = [OracleLimits, OracleLimits, OracleLimits];

export const DEFAULT_ORACLE_LIMITS: OracleLimitsByAction = [
  { maxAgeSecs: 30, maxConfPpm: 10_000 },
  { maxAgeSecs: 120, maxConfPpm: 15_000 },
  { maxAgeSecs: 600, maxConfPpm: 20_000 },
];

export interface VolGuards {
  minIntervalSecs: number;
  maxAgeSecs: number;
  maxAtmChangePpm: number;
  maxShapeChangePpm: number;
  maxSkewPpm: number;
  maxCurvPpm: number;
}

export const DEFAULT_VOL_GUARDS: VolGuards = {
  minIntervalSecs: 10,
  maxAgeSecs: 3_600,
  maxAtmChangePpm: 250_000,
  maxShapeChangePpm: 200_000,
  maxSkewPpm: 2_000_000,
  maxCurvPpm: 5_000_000,
};

/** One expiry's smile and basis (ppm): vol(k) = atm + skew k + curv k^2, F = S e^(basis T). */
export interface VolSliceInput {
  atmPpm: bigint | number;
  skewPpm?: bigint | number;
  curvPpm?: bigint | number;
  basisPpm?: bigint | number;
}

export interface AddMarketParams {
  clearinghouse: PublicKey;
  admin?: SignerLike;
  symbol: string;
  oracle: PublicKey;
  oracleSource: OracleSource;
  /** 32 bytes (PriceUpdateV2); ignored for legacy accounts (zeros). */
  feedId?: Uint8Array;
  params: MarketParams;
  oracleLimits?: OracleLimitsByAction;
  volGuards?: VolGuards;
}

export interface InstrumentSpecInput {
  kind: Kind.Future | Kind.Call | Kind.Put;
  expiryIndex: number;
  /** At 1e6 (options); 0 or omitted for futures. */
  strike?: bigint;
}

const limitsArg = (l: OracleLimitsByAction) => ({ maxAgeSecs: l.map((x) => x.maxAgeSecs), maxConfPpm: l.map((x) => x.maxConfPpm) });
const sliceArg = (s: VolSliceInput) => ({ atmPpm: bn(s.atmPpm), skewPpm: bn(s.skewPpm ?? 0), curvPpm: bn(s.curvPpm ?? 0), basisPpm: bn(s.basisPpm ?? 0) });

/** Builders (`...Ix`) and senders for operator instructions, on a client's program and wallet. */
export class PortfolioMarginAdmin {
  constructor(readonly client: PortfolioMarginClient) {}

  private get methods() {
    return this.client.program.methods;
  }
  private wallet(s?: SignerLike): PublicKey {
    return s ? keyOf(s) : this.client.walletAddress;
  }
  private async sendOne(ix: TransactionInstruction, who: (SignerLike | undefined)[], opts: SendOptions = {}): Promise<TransactionSignature> {
    return this.client.send([ix], [...signers(...who), ...(opts.signers ?? [])], opts);
  }

  // ---- markets

  async addMarketIx(p: AddMarketParams): Promise<TransactionInstruction> {
    validateMarketParams(p.params);
    const ch = await this.client.fetchClearinghouse(p.clearinghouse);
    const feedId = p.feedId ?? new Uint8Array(32);
    if (feedId.length !== 32) throw new RangeError("feedId must be 32 bytes");
    return this.methods
      .addMarket({
        symbol: p.symbol,
        oracleSource: p.oracleSource,
        feedId: Array.from(feedId),
        params: paramValues(MARKET_PARAMS, p.params).map(bn),
        oracleLimits: limitsArg(p.oracleLimits ?? DEFAULT_ORACLE_LIMITS),
        volGuards: p.volGuards ?? DEFAULT_VOL_GUARDS,
      })
      .accountsStrict({
        admin: this.wallet(p.admin),
        clearinghouse: p.clearinghouse,
        market: this.client.marketAddress(p.clearinghouse, ch.numMarkets),
        oracle: p.oracle,
        systemProgram: SystemProgram.programId,
      })
      .instruction();
  }

  /** Adds a market; resolves to its index and address. */
  async addMarket(p: AddMarketParams, opts?: SendOptions): Promise<{ signature: string; marketIndex: number; market: PublicKey }> {
    const marketIndex = (await this.client.fetchClearinghouse(p.clearinghouse)).numMarkets;
    const signature = await this.sendOne(await this.addMarketIx(p), [p.admin], opts);
    return { signature, marketIndex, market: this.client.marketAddress(p.clearinghouse, marketIndex) };
  }

  async addExpiryIx(p: { clearinghouse: PublicKey; market: PublicKey; expiry: bigint; slice: VolSliceInput; admin?: SignerLike }) {
    return this.methods
      .addExpiry(bn(p.expiry), sliceArg(p.slice))
      .accountsStrict({ admin: this.wallet(p.admin), clearinghouse: p.clearinghouse, market: p.market })
      .instruction();
  }
  async addExpiry(p: Parameters<PortfolioMarginAdmin["addExpiryIx"]>[0], opts?: SendOptions) {
    return this.sendOne(await this.addExpiryIx(p), [p.admin], opts);
  }

  async listInstrumentsIx(p: { clearinghouse: PublicKey; market: PublicKey; instruments: InstrumentSpecInput[]; admin?: SignerLike }) {
    const specs = p.instruments.map((i) => ({ kind: i.kind, expiryIndex: i.expiryIndex, strike: bn(i.strike ?? 0n) }));
    return this.methods
      .listInstruments(specs)
      .accountsStrict({ admin: this.wallet(p.admin), clearinghouse: p.clearinghouse, market: p.market })
      .instruction();
  }
  async listInstruments(p: Parameters<PortfolioMarginAdmin["listInstrumentsIx"]>[0], opts?: SendOptions) {
    return this.sendOne(await this.listInstrumentsIx(p), [p.admin], opts);
  }

  /** Admin (within bounds) or security authority (tighten only). */
  async updateMarketParamsIx(p: { clearinghouse: PublicKey; market: PublicKey; params: MarketParams; signer?: SignerLike }) {
    validateMarketParams(p.params);
    return this.methods
      .updateMarketParams(paramValues(MARKET_PARAMS, p.params).map(bn))
      .accountsStrict({ signer: this.wallet(p.signer), clearinghouse: p.clearinghouse, market: p.market })
      .instruction();
  }
  async updateMarketParams(p: Parameters<PortfolioMarginAdmin["updateMarketParamsIx"]>[0], opts?: SendOptions) {
    return this.sendOne(await this.updateMarketParamsIx(p), [p.signer], opts);
  }

  async updateMarketConfigIx(p: { clearinghouse: PublicKey; market: PublicKey; oracleLimits: OracleLimitsByAction; volGuards: VolGuards; admin?: SignerLike }) {
    return this.methods
      .updateMarketConfig(limitsArg(p.oracleLimits), p.volGuards)
      .accountsStrict({ admin: this.wallet(p.admin), clearinghouse: p.clearinghouse, market: p.market })
      .instruction();
  }
  async updateMarketConfig(p: Parameters<PortfolioMarginAdmin["updateMarketConfigIx"]>[0], opts?: SendOptions) {
    return this.sendOne(await this.updateMarketConfigIx(p), [p.admin], opts);
  }

  /** Admin (any) or security authority (stricter only). */
  async setMarketStatusIx(p: { clearinghouse: PublicKey; market: PublicKey; status: MarketStatus; signer?: SignerLike }) {
    return this.methods
      .setMarketStatus(p.status)
      .accountsStrict({ signer: this.wallet(p.signer), clearinghouse: p.clearinghouse, market: p.market })
      .instruction();
  }
  async setMarketStatus(p: Parameters<PortfolioMarginAdmin["setMarketStatusIx"]>[0], opts?: SendOptions) {
    return this.sendOne(await this.setMarketStatusIx(p), [p.signer], opts);
  }

  // ---- clearinghouse

  async updateGlobalParamsIx(p: { clearinghouse: PublicKey; params: GlobalParams; signer?: SignerLike }) {
    validateGlobalParams(p.params);
    return this.methods
      .updateGlobalParams(paramValues(GLOBAL_PARAMS, p.params).map(bn))
      .accountsStrict({ signer: this.wallet(p.signer), clearinghouse: p.clearinghouse })
      .instruction();
  }
  async updateGlobalParams(p: Parameters<PortfolioMarginAdmin["updateGlobalParamsIx"]>[0], opts?: SendOptions) {
    return this.sendOne(await this.updateGlobalParamsIx(p), [p.signer], opts);
  }

  async updateClearinghouseConfigIx(p: {
    clearinghouse: PublicKey;
    admin?: SignerLike;
    securityAuthority?: PublicKey;
    crankAuthority?: PublicKey;
    pythReceiverProgram?: PublicKey;
    pythOracleProgram?: PublicKey;
    /** ppm of MM a liquidation step may leave equity above MM (at most 1,000,000). */
    liquidationBufferPpm?: number;
  }) {
    return this.methods
      .updateClearinghouseConfig({
        securityAuthority: p.securityAuthority ?? null,
        crankAuthority: p.crankAuthority ?? null,
        pythReceiverProgram: p.pythReceiverProgram ?? null,
        pythOracleProgram: p.pythOracleProgram ?? null,
        liquidationBufferPpm: p.liquidationBufferPpm ?? null,
      })
      .accountsStrict({ admin: this.wallet(p.admin), clearinghouse: p.clearinghouse })
      .instruction();
  }
  async updateClearinghouseConfig(p: Parameters<PortfolioMarginAdmin["updateClearinghouseConfigIx"]>[0], opts?: SendOptions) {
    return this.sendOne(await this.updateClearinghouseConfigIx(p), [p.admin], opts);
  }

  // ---- collateral

  /** `marketIndex`: the market whose oracle prices the token; null for a stablecoin valued at 1.0. */
  async addCollateralIx(p: {
    clearinghouse: PublicKey;
    mint: PublicKey;
    marketIndex: number | null;
    haircutMmPpm: number;
    haircutImPpm: number;
    depositCap: bigint;
    admin?: SignerLike;
    tokenProgram?: PublicKey;
  }) {
    return this.methods
      .addCollateral({
        marketIndex: p.marketIndex ?? QUOTE_MARKET,
        haircutMmPpm: p.haircutMmPpm,
        haircutImPpm: p.haircutImPpm,
        depositCap: bn(p.depositCap),
      })
      .accountsStrict({
        admin: this.wallet(p.admin),
        clearinghouse: p.clearinghouse,
        mint: p.mint,
        vault: this.client.collateralVaultAddress(p.clearinghouse, p.mint),
        tokenProgram: p.tokenProgram ?? TOKEN_PROGRAM_ID,
        systemProgram: SystemProgram.programId,
      })
      .instruction();
  }
  async addCollateral(p: Parameters<PortfolioMarginAdmin["addCollateralIx"]>[0], opts?: SendOptions) {
    return this.sendOne(await this.addCollateralIx(p), [p.admin], opts);
  }

  /** Admin (within bounds) or security authority (higher haircuts, lower cap only). */
  async updateCollateralIx(p: { clearinghouse: PublicKey; mint: PublicKey; haircutMmPpm: number; haircutImPpm: number; depositCap: bigint; signer?: SignerLike }) {
    return this.methods
      .updateCollateral(p.mint, p.haircutMmPpm, p.haircutImPpm, bn(p.depositCap))
      .accountsStrict({ signer: this.wallet(p.signer), clearinghouse: p.clearinghouse })
      .instruction();
  }
  async updateCollateral(p: Parameters<PortfolioMarginAdmin["updateCollateralIx"]>[0], opts?: SendOptions) {
    return this.sendOne(await this.updateCollateralIx(p), [p.signer], opts);
  }

  // ---- crank

  /** Every listed expiry's slice, in listing order (`expiry` must match the listed one). */
  async updateVolParamsIx(p: {
    clearinghouse: PublicKey;
    market: PublicKey;
    sequence: bigint;
    slices: (VolSliceInput & { expiry: bigint })[];
    crank?: SignerLike;
  }) {
    return this.methods
      .updateVolParams(
        bn(p.sequence),
        p.slices.map((s) => ({ expiry: bn(s.expiry), slice: sliceArg(s) })),
      )
      .accountsStrict({ crank: this.wallet(p.crank), clearinghouse: p.clearinghouse, market: p.market })
      .instruction();
  }
  async updateVolParams(p: Parameters<PortfolioMarginAdmin["updateVolParamsIx"]>[0], opts?: SendOptions) {
    return this.sendOne(await this.updateVolParamsIx(p), [p.crank], opts);
  }
}
