// Bootstrap a clearinghouse with its markets and collateral: `anchor migrate` calls the exported
// function with its provider; `npx ts-node migrations/deploy.ts` runs it against
// ANCHOR_PROVIDER_URL / ANCHOR_WALLET.
//
// Environment:
//   QUOTE_MINT            quote (USDC) mint, 6 decimals. Without it, a test USDC mint is created
//                         when the cluster is local (localhost / 127.0.0.1); elsewhere it is required
//                         (here or as "quoteMint" in the config file).
//   CLEARINGHOUSE_INDEX   u16 index of the clearinghouse under the wallet (admin), default 0.
//   PM_BOOTSTRAP_CONFIG   a market config file (format below). Without it: on the native local node
//                         (tools/localnet) the BTC, ETH and SOL test markets are created with oracle
//                         accounts written through its `setAccount` method (app/src/testing/bootstrap.ts),
//                         plus a wrapped-BTC test mint (8 decimals, mint authority: the wallet) as
//                         non-stable collateral; on any other cluster only the clearinghouse.
//
// Re-running is safe: an existing clearinghouse at (admin, index) is reused, not re-created; markets
// already present (same symbol) are reused, only the expiries and instruments they lack are added;
// listed collateral mints are left as they are. On the local node the test oracles of reused markets
// are rewritten as just published (they go stale after 2 minutes for withdrawals).
//
// Market config file (JSON), for a real cluster. Oracles are Pyth accounts: "PriceUpdateV2" (the
// receiver program's price feed accounts, e.g. the sponsored push feeds; needs the 32-byte feed id)
// or "legacy" (v2 price accounts of the Pyth oracle program). The program reads the oracle when the
// market is added, so it must be fresh then. Amounts are fractions (0.5 = 50%), prices in USD.
//   {
//     "quoteMint": "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v",      optional (else QUOTE_MINT)
//     "pythReceiverProgram": "rec5EKMGg6MxZYaMdyBfgwp4d5rB9T1VQH5pJv5LtFJ", optional: the owner checked
//     "pythOracleProgram": "FsJ3A3u2vn5cTVofAjvy6y5kwABJAqYWpe4975bi2epH",  for each format (set if different)
//     "markets": [{
//       "symbol": "BTC",                                                  at most 8 ASCII characters
//       "oracle": "4cSM2e6rvbGQUFiJbqytoVMi5GgghSMr8LwVrT9VPSPo",         the price account
//       "format": "PriceUpdateV2",                                        or "legacy"
//       "feedId": "0xe62df6c8b4a85fe1a67db44dc12de5db330f7ac66b72dc658afedf0f4a415b43",
//       "params": { "priceRangePpm": 160000 },      optional: engine parameters (keyed, ppm; see
//                                                   MARKET_PARAMS) over the defaults for the symbol
//       "oracleLimits": [{ "maxAgeSecs": 30, "maxConfPpm": 10000 }, ...],   optional: risk-increasing,
//                                                   margin, liquidation (default DEFAULT_ORACLE_LIMITS)
//       "volGuards": { "maxAgeSecs": 3600 },        optional, over DEFAULT_VOL_GUARDS
//       "expiries": [{ "expiry": "2026-03-27T08:00:00Z", "atm": 0.5, "skew": -0.1, "curv": 0.2, "basis": 0.02 }],
//       "futures": true,                            a future per expiry (default true)
//       "strikes": [80000, 90000, 100000, 110000, 120000]    a call and a put per strike and expiry
//     }],
//     "collateral": [{
//       "mint": "3NZ9JMVBmGAqocybic2c7LQCJScmgsAZ6vQqTDzcqmJh",         e.g. wrapped BTC (8 decimals)
//       "market": "BTC",                            the market whose oracle prices it; null: valued at 1.0
//       "haircutMm": 0.02, "haircutIm": 0.04,       its liquidation cost, MM <= IM <= 0.95
//       "depositCap": "1000"                        in whole tokens (the mint's decimals are read)
//     }]
//   }
// (The addresses above are examples: check every oracle, feed id and mint against Pyth's and the
// token issuer's published lists before use.)
import { AnchorProvider, Wallet } from "@coral-xyz/anchor";
import { getMint } from "@solana/spl-token";
import { Keypair, PublicKey } from "@solana/web3.js";
import fs from "fs";
import {
  DEFAULT_ORACLE_LIMITS,
  DEFAULT_VOL_GUARDS,
  InstrumentSpecInput,
  MarketInfo,
  OracleLimitsByAction,
  OracleSource,
  PortfolioMarginAdmin,
  PortfolioMarginClient,
  QUOTE_DECIMALS,
  VolGuards,
  clearinghouseAddresses,
  clusterTime,
  feedIdFromHex,
  parseUiAmount,
} from "../app/src";
import { Kind, MarketParams, defaultMarketParams, defaultRangePpm } from "../app/src/risk";
import { DEFAULT_TEST_MARKETS, createTestMarkets, createTestMint, createWrappedBtcCollateral, writeTestOracle } from "../app/src/testing";

export interface BootstrapMarketConfig {
  symbol: string;
  oracle: string;
  format: "PriceUpdateV2" | "legacy";
  /** Hex, 32 bytes (PriceUpdateV2 only). */
  feedId?: string;
  params?: Partial<MarketParams>;
  oracleLimits?: OracleLimitsByAction;
  volGuards?: Partial<VolGuards>;
  expiries?: { expiry: string | number; atm: number; skew?: number; curv?: number; basis?: number }[];
  futures?: boolean;
  strikes?: number[];
}

export interface BootstrapCollateralConfig {
  mint: string;
  market: string | null;
  haircutMm: number;
  haircutIm: number;
  depositCap: string | number;
}

export interface BootstrapConfig {
  quoteMint?: string;
  pythReceiverProgram?: string;
  pythOracleProgram?: string;
  markets: BootstrapMarketConfig[];
  collateral?: BootstrapCollateralConfig[];
}

export interface BootstrapOptions {
  quoteMint?: PublicKey;
  index?: number;
  /** Create a test USDC mint (authority: the wallet) when no quote mint is given. Default: local clusters only. */
  createTestMint?: boolean;
  /**
   * Markets and collateral: "local" (test oracles written on the native local node), a config
   * (object or JSON file path), or false (the clearinghouse only). Default: PM_BOOTSTRAP_CONFIG if
   * set, else "local" on a local cluster (skipped when the node has no `setAccount`), else false.
   */
  markets?: "local" | string | BootstrapConfig | false;
  log?: (line: string) => void;
}

export interface BootstrappedMarket {
  marketIndex: number;
  symbol: string;
  address: PublicKey;
  oracle: PublicKey;
  format: "PriceUpdateV2" | "legacy";
  expiries: bigint[];
  instruments: number;
  /** False when it existed before this run. */
  created: boolean;
}

export interface BootstrappedCollateral {
  mint: PublicKey;
  /** The pricing market, or null for the quote mint / a stablecoin. */
  marketIndex: number | null;
  decimals: number;
  created: boolean;
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
  /** Where the markets came from this run. */
  marketSource: "local" | "config" | "none";
  markets: BootstrappedMarket[];
  collaterals: BootstrappedCollateral[];
  /** The wrapped-BTC collateral mint (local bootstrap; the wallet is its mint authority). */
  wrappedBtc?: PublicKey;
}

function isLocal(url: string): boolean {
  return /^(https?|wss?):\/\/(localhost|127\.0\.0\.1|\[::1\]|0\.0\.0\.0)(:|\/|$)/.test(url);
}

function payerOf(provider: AnchorProvider): Keypair {
  const payer = (provider.wallet as { payer?: Keypair }).payer;
  if (!payer) throw new Error("deploy: the provider's wallet must expose its Keypair (NodeWallet) to create test mints");
  return payer;
}

/** Reads and checks a market config file (format in this file's header). */
export function loadBootstrapConfig(file: string): BootstrapConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`deploy: cannot read the market config ${file}: ${(e as Error).message}`);
  }
  const c = doc as BootstrapConfig;
  if (!c || !Array.isArray(c.markets)) throw new Error(`deploy: ${file}: "markets" must be an array`);
  c.markets.forEach((m, i) => {
    if (typeof m.symbol !== "string" || typeof m.oracle !== "string") throw new Error(`deploy: ${file}: markets[${i}] needs "symbol" and "oracle"`);
    if (m.format !== "PriceUpdateV2" && m.format !== "legacy") throw new Error(`deploy: ${file}: markets[${i}].format must be "PriceUpdateV2" or "legacy"`);
    if (m.format === "PriceUpdateV2" && !m.feedId) throw new Error(`deploy: ${file}: markets[${i}].feedId is required for PriceUpdateV2`);
  });
  return c;
}

const ppm = (x: number | undefined): bigint => BigInt(Math.round((x ?? 0) * 1e6));
const unixOf = (t: string | number): bigint => {
  const ms = typeof t === "number" ? t * 1000 : Date.parse(t);
  if (!Number.isFinite(ms)) throw new Error(`deploy: bad expiry ${t} (ISO 8601 or unix seconds)`);
  return BigInt(Math.floor(ms / 1000));
};

export async function bootstrap(provider: AnchorProvider, opts: BootstrapOptions = {}): Promise<BootstrapResult> {
  const log = opts.log ?? (() => undefined);
  const client = new PortfolioMarginClient(provider);
  const admin = provider.wallet.publicKey;
  const index = opts.index ?? Number(process.env.CLEARINGHOUSE_INDEX ?? 0);
  const addrs = clearinghouseAddresses(admin, index, client.programId);
  const local = isLocal(provider.connection.rpcEndpoint);

  const defaulted = opts.markets === undefined;
  const marketsOpt = opts.markets ?? process.env.PM_BOOTSTRAP_CONFIG ?? (local ? "local" : false);
  const config = marketsOpt === false || marketsOpt === "local" ? undefined : typeof marketsOpt === "string" ? loadBootstrapConfig(marketsOpt) : marketsOpt;

  const existing = await client.fetchClearinghouseNullable(addrs.clearinghouse);
  const envMint = process.env.QUOTE_MINT ? new PublicKey(process.env.QUOTE_MINT) : undefined;
  const wantedMint = opts.quoteMint ?? envMint ?? (config?.quoteMint ? new PublicKey(config.quoteMint) : undefined);
  let quoteMint: PublicKey;
  let createdTestMint = false;
  let signature: string | undefined;
  if (existing) {
    if (wantedMint && !existing.quoteMint.equals(wantedMint)) {
      throw new Error(
        `deploy: clearinghouse ${addrs.clearinghouse.toBase58()} (index ${index}) already exists with quote mint ` +
          `${existing.quoteMint.toBase58()}, not ${wantedMint.toBase58()}; pick another CLEARINGHOUSE_INDEX`,
      );
    }
    log(`clearinghouse ${addrs.clearinghouse.toBase58()} already exists: reusing it`);
    quoteMint = existing.quoteMint;
  } else {
    if (wantedMint) quoteMint = wantedMint;
    else {
      const allowed = opts.createTestMint ?? local;
      if (!allowed) throw new Error("deploy: set QUOTE_MINT (a 6-decimal USDC mint) for a non-local cluster");
      quoteMint = await createTestMint(provider.connection, payerOf(provider), { decimals: QUOTE_DECIMALS });
      createdTestMint = true;
      log(`created test USDC mint ${quoteMint.toBase58()} (6 decimals, mint authority ${admin.toBase58()})`);
    }
    signature = await client.initializeClearinghouse({ index, quoteMint });
    log(`initialized clearinghouse ${addrs.clearinghouse.toBase58()} (${signature})`);
  }

  const pm = new PortfolioMarginAdmin(client);
  const before = await client.allMarkets(addrs.clearinghouse);
  const collateralsBefore = (await client.fetchClearinghouseInfo(addrs.clearinghouse)).collaterals;
  let marketSource: BootstrapResult["marketSource"] = "none";
  let wrappedBtc: PublicKey | undefined;
  if (marketsOpt === "local") {
    try {
      wrappedBtc = await bootstrapLocalMarkets(pm, addrs.clearinghouse, before, payerOf(provider), log);
      marketSource = "local";
    } catch (e) {
      // solana-test-validator (anchor test) has no setAccount: nothing can write the test oracles
      if (!(defaulted && /^setAccount:/.test((e as Error).message))) throw e;
      log("markets skipped: the node cannot write test oracles (no setAccount); set PM_BOOTSTRAP_CONFIG to use real oracles");
    }
  } else if (config) {
    await bootstrapFromConfig(pm, addrs.clearinghouse, config, before, log);
    marketSource = "config";
  } else if (!local) {
    log("no markets: set PM_BOOTSTRAP_CONFIG to a market config file (format in migrations/deploy.ts)");
  }

  const [markets, ch] = await Promise.all([client.allMarkets(addrs.clearinghouse), client.fetchClearinghouseInfo(addrs.clearinghouse)]);
  const had = new Set(before.map((m) => m.marketIndex));
  const hadMint = new Set(collateralsBefore.map((c) => c.mint.toBase58()));
  return {
    programId: client.programId,
    admin,
    index,
    ...addrs,
    quoteMint,
    createdTestMint,
    signature,
    marketSource,
    markets: markets.map((m) => ({
      marketIndex: m.marketIndex,
      symbol: m.symbol,
      address: m.address,
      oracle: m.oracle,
      format: m.oracleSource === OracleSource.PythPull ? "PriceUpdateV2" : "legacy",
      expiries: m.expiries.map((e) => e.expiry),
      instruments: m.instruments.length,
      created: !had.has(m.marketIndex),
    })),
    collaterals: ch.collaterals.map((c) => ({
      mint: c.mint,
      marketIndex: c.marketIndex,
      decimals: c.decimals,
      // the quote mint is listed by initialize_clearinghouse
      created: !hadMint.has(c.mint.toBase58()) || (signature !== undefined && c.mint.equals(quoteMint)),
    })),
    wrappedBtc,
  };
}

/**
 * The local node's test markets (BTC, ETH, SOL): those missing are created with freshly written
 * oracles, those present get their oracles rewritten as just published. Returns the wBTC mint.
 */
async function bootstrapLocalMarkets(
  pm: PortfolioMarginAdmin,
  clearinghouse: PublicKey,
  existing: MarketInfo[],
  payer: Keypair,
  log: (l: string) => void,
): Promise<PublicKey> {
  const now = await clusterTime(pm.client.connection);
  const missing = DEFAULT_TEST_MARKETS.filter((s) => !existing.some((m) => m.symbol === s.symbol));
  for (const spec of DEFAULT_TEST_MARKETS) {
    const m = existing.find((x) => x.symbol === spec.symbol);
    if (!m) continue;
    await writeTestOracle(pm, { address: m.oracle, source: m.oracleSource, feedId: m.feedId }, spec.spot, now);
    log(`market #${m.marketIndex} ${m.symbol} already exists: reusing it (test oracle rewritten at ${spec.spot})`);
  }
  for (const t of await createTestMarkets(pm, clearinghouse, now, missing)) {
    log(`added market #${t.marketIndex} ${t.spec.symbol} at ${t.spec.spot} (test oracle ${t.oracle.address.toBase58()}), ${t.expiries.length} expiries`);
  }
  const btc = (await pm.client.allMarkets(clearinghouse)).find((m) => m.symbol === "BTC")!;
  const ch = await pm.client.fetchClearinghouseInfo(clearinghouse);
  const listed = ch.collaterals.find((c) => c.marketIndex === btc.marketIndex && c.decimals === 8);
  if (listed) {
    log(`wrapped-BTC collateral ${listed.mint.toBase58()} already listed: reusing it`);
    return listed.mint;
  }
  const mint = await createWrappedBtcCollateral(pm, clearinghouse, btc.marketIndex, payer);
  log(`listed wrapped-BTC test collateral ${mint.toBase58()} (8 decimals, priced by BTC, haircuts 2% / 4%)`);
  return mint;
}

/** Markets, expiries, instruments and collateral from a config; what exists already is kept. */
async function bootstrapFromConfig(
  pm: PortfolioMarginAdmin,
  clearinghouse: PublicKey,
  config: BootstrapConfig,
  existing: MarketInfo[],
  log: (l: string) => void,
): Promise<void> {
  const client = pm.client;
  const ch = await client.fetchClearinghouseInfo(clearinghouse);
  const receiver = config.pythReceiverProgram ? new PublicKey(config.pythReceiverProgram) : undefined;
  const legacy = config.pythOracleProgram ? new PublicKey(config.pythOracleProgram) : undefined;
  if ((receiver && !receiver.equals(ch.pythReceiverProgram)) || (legacy && !legacy.equals(ch.pythOracleProgram))) {
    await pm.updateClearinghouseConfig({ clearinghouse, pythReceiverProgram: receiver, pythOracleProgram: legacy });
    log(`set the Pyth programs: receiver ${(receiver ?? ch.pythReceiverProgram).toBase58()}, legacy ${(legacy ?? ch.pythOracleProgram).toBase58()}`);
  }
  for (const mc of config.markets) {
    const oracle = new PublicKey(mc.oracle);
    let m = existing.find((x) => x.symbol === mc.symbol);
    if (m) {
      log(`market #${m.marketIndex} ${m.symbol} already exists: reusing it`);
      if (!m.oracle.equals(oracle)) log(`  (its oracle is ${m.oracle.toBase58()}, the config names ${oracle.toBase58()}: left unchanged)`);
    } else {
      const source = mc.format === "PriceUpdateV2" ? OracleSource.PythPull : OracleSource.PythLegacy;
      const { marketIndex } = await pm.addMarket({
        clearinghouse,
        symbol: mc.symbol,
        oracle,
        oracleSource: source,
        feedId: mc.feedId ? feedIdFromHex(mc.feedId) : undefined,
        params: { ...defaultMarketParams(defaultRangePpm(mc.symbol)), ...mc.params },
        oracleLimits: mc.oracleLimits ?? DEFAULT_ORACLE_LIMITS,
        volGuards: { ...DEFAULT_VOL_GUARDS, ...mc.volGuards },
      });
      log(`added market #${marketIndex} ${mc.symbol} (${mc.format} oracle ${oracle.toBase58()})`);
      m = await client.fetchMarketInfo(clearinghouse, marketIndex);
    }
    for (const e of mc.expiries ?? []) {
      const expiry = unixOf(e.expiry);
      if (m.expiries.some((x) => x.expiry === expiry)) continue;
      await pm.addExpiry({
        clearinghouse,
        market: m.address,
        expiry,
        slice: { atmPpm: ppm(e.atm), skewPpm: ppm(e.skew), curvPpm: ppm(e.curv), basisPpm: ppm(e.basis) },
      });
      log(`  ${mc.symbol}: added expiry ${new Date(Number(expiry) * 1000).toISOString()}`);
    }
    m = await client.fetchMarketInfo(clearinghouse, m.marketIndex);
    const now = await clusterTime(client.connection);
    const wanted: InstrumentSpecInput[] = (mc.expiries ?? []).flatMap((e) => {
      const expiryIndex = m!.expiries.findIndex((x) => x.expiry === unixOf(e.expiry));
      if (expiryIndex < 0 || m!.expiries[expiryIndex].expiry <= now) return [];
      const strikes = (mc.strikes ?? []).map((k) => BigInt(Math.round(k * 1e6)));
      return [
        ...(mc.futures === false ? [] : [{ kind: Kind.Future as const, expiryIndex }]),
        ...strikes.flatMap((strike) => [
          { kind: Kind.Call as const, expiryIndex, strike },
          { kind: Kind.Put as const, expiryIndex, strike },
        ]),
      ];
    });
    const todo = wanted.filter(
      (w) => !m!.instruments.some((i) => i.kind === w.kind && i.expiryIndex === w.expiryIndex && i.strike === (w.strike ?? 0n)),
    );
    for (let i = 0; i < todo.length; i += 32) {
      await pm.listInstruments({ clearinghouse, market: m.address, instruments: todo.slice(i, i + 32) });
    }
    if (todo.length) log(`  ${mc.symbol}: listed ${todo.length} instruments`);
  }
  const markets = await client.allMarkets(clearinghouse);
  const listed = (await client.fetchClearinghouseInfo(clearinghouse)).collaterals;
  for (const cc of config.collateral ?? []) {
    const mint = new PublicKey(cc.mint);
    if (listed.some((c) => c.mint.equals(mint))) {
      log(`collateral ${mint.toBase58()} already listed: left as it is`);
      continue;
    }
    const market = cc.market === null ? null : markets.find((x) => x.symbol === cc.market);
    if (market === undefined) throw new Error(`deploy: collateral ${cc.mint}: no market "${cc.market}"`);
    const { decimals } = await getMint(client.connection, mint);
    await pm.addCollateral({
      clearinghouse,
      mint,
      marketIndex: market ? market.marketIndex : null,
      haircutMmPpm: Number(ppm(cc.haircutMm)),
      haircutImPpm: Number(ppm(cc.haircutIm)),
      depositCap: parseUiAmount(String(cc.depositCap), decimals),
    });
    log(`listed collateral ${mint.toBase58()} (${decimals} decimals, ${market ? `priced by ${market.symbol}` : "valued at 1.0"})`);
  }
}

export function formatResult(r: BootstrapResult): string[] {
  const symbolOf = (i: number | null) => (i === null ? "quote, valued at 1.0" : `priced by ${r.markets.find((m) => m.marketIndex === i)?.symbol ?? `#${i}`}`);
  const tag = (created: boolean) => (created ? "" : " (existing)");
  const out = [
    `program        ${r.programId.toBase58()}`,
    `admin          ${r.admin.toBase58()}`,
    `index          ${r.index}`,
    `clearinghouse  ${r.clearinghouse.toBase58()}`,
    `quote mint     ${r.quoteMint.toBase58()}${r.createdTestMint ? " (test USDC)" : ""}`,
    `quote vault    ${r.quoteVault.toBase58()}`,
    `insurance      ${r.insuranceVault.toBase58()}`,
  ];
  r.markets.forEach((m, i) =>
    out.push(
      `${i === 0 ? "markets" : ""}`.padEnd(15) +
        `#${m.marketIndex} ${m.symbol.padEnd(4)} ${m.address.toBase58()}  oracle ${m.oracle.toBase58()} (${m.format}), ` +
        `${m.expiries.length} expiries, ${m.instruments} instruments${tag(m.created)}`,
    ),
  );
  r.collaterals.forEach((c, i) =>
    out.push(`${i === 0 ? "collateral" : ""}`.padEnd(15) + `${c.mint.toBase58()}  ${c.decimals} decimals, ${symbolOf(c.marketIndex)}${tag(c.created)}`),
  );
  return out;
}

async function deploy(provider: AnchorProvider): Promise<BootstrapResult> {
  const result = await bootstrap(provider, { log: (l) => console.log(l) });
  for (const l of formatResult(result)) console.log(l);
  return result;
}

// Anchor's migrate runner calls `require("./deploy.ts")(provider)`.
module.exports = Object.assign(deploy, { bootstrap, formatResult, loadBootstrapConfig, default: deploy });

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
