// The web dApp's demo state on the native local node, shared by `npm run web` and the browser
// tests: a clearinghouse with the BTC/ETH/SOL test markets and wBTC (migrations/deploy.ts), a
// market maker, and a demo trader whose book was traded by RFQ against the maker (the maker
// signs each quote, the trader previews and completes it): an ETH call spread with a short ETH
// perpetual as its delta hedge, and a BTC call covered by the trader's wBTC. Also the "keeper"
// that keeps the test oracles (and vols) fresh while a long-lived demo runs.
import { AnchorProvider, Wallet } from "@coral-xyz/anchor";
import { Connection, Keypair, PublicKey } from "@solana/web3.js";
import {
  clusterTime,
  MakerSide,
  marketState,
  MarketInfo,
  OracleAction,
  oracleSpecOf,
  parseQuoteAmount,
  PortfolioMarginAdmin,
  PortfolioMarginClient,
  PortfolioMarginTrading,
  readPrice,
} from "../../app/src";
import { Kind, markValue } from "../../app/src/risk";
import { DEFAULT_TEST_MARKETS, fundAccounts, mintTestTokens, writeTestOracle } from "../../app/src/testing";
import { bootstrap } from "../../migrations/deploy";

const OPTS = { commitment: "confirmed", preflightCommitment: "confirmed" } as const;

export interface DemoUser {
  name: string;
  keypair: Keypair;
  client: PortfolioMarginClient;
  account: PublicKey;
}

export interface DemoState {
  connection: Connection;
  /** The node's funded wallet: admin, crank authority and mint authority of the test mints. */
  admin: Keypair;
  operator: PortfolioMarginAdmin;
  clearinghouse: PublicKey;
  quoteMint: PublicKey;
  wbtc: PublicKey;
  maker: DemoUser;
  trader: DemoUser;
}

export interface DemoTrade {
  what: string;
  market: string;
  kind: Kind;
  expiryIndex?: number;
  strikeUsd?: number;
  /** The trader buys (true) or sells, in contracts. */
  traderBuys: boolean;
  size: number;
}

/** The demo trader's book. */
export const DEMO_BOOK: DemoTrade[] = [
  { what: "ETH call spread: long 10 calls 3,500, 30 days", market: "ETH", kind: Kind.Call, expiryIndex: 1, strikeUsd: 3_500, traderBuys: true, size: 10 },
  { what: "               short 10 calls 3,850, 30 days", market: "ETH", kind: Kind.Call, expiryIndex: 1, strikeUsd: 3_850, traderBuys: false, size: 10 },
  { what: "delta hedge: short 3 ETH perpetual", market: "ETH", kind: Kind.Perp, traderBuys: false, size: 3 },
  { what: "covered call: short 1 BTC call 110,000, 30 days, against 1 wBTC", market: "BTC", kind: Kind.Call, expiryIndex: 1, strikeUsd: 110_000, traderBuys: false, size: 1 },
];

const e6 = (x: number) => BigInt(Math.round(x * 1e6));

/** A funded wallet with a margin account holding `usdc` USDC and `wbtc` wBTC (native units). */
export async function demoUser(s: Pick<DemoState, "connection" | "admin" | "clearinghouse" | "quoteMint" | "wbtc">, name: string, usdc: string, wbtc = 0n): Promise<DemoUser> {
  const keypair = Keypair.generate();
  await fundAccounts(s.connection, s.admin, [keypair.publicKey], 2);
  const client = new PortfolioMarginClient(s.connection, new Wallet(keypair), { confirmOptions: OPTS });
  await mintTestTokens(s.connection, s.admin, s.quoteMint, keypair.publicKey, parseQuoteAmount(usdc));
  await client.createMarginAccount({ clearinghouse: s.clearinghouse });
  await client.deposit({ clearinghouse: s.clearinghouse, amount: parseQuoteAmount(usdc) });
  if (wbtc > 0n) {
    await mintTestTokens(s.connection, s.admin, s.wbtc, keypair.publicKey, wbtc);
    await client.deposit({ clearinghouse: s.clearinghouse, mint: s.wbtc, amount: wbtc });
  }
  return { name, keypair, client, account: client.marginAccountAddress(s.clearinghouse, keypair.publicKey, 0) };
}

/** Rewrites every market's test oracle as just published (price: `prices[symbol]`, else unchanged). */
export async function refreshOracles(s: Pick<DemoState, "connection" | "operator" | "clearinghouse">, prices: Record<string, number> = {}): Promise<bigint> {
  const now = await clusterTime(s.connection);
  const ch = await s.operator.client.fetchClearinghouseInfo(s.clearinghouse);
  for (const m of await s.operator.client.allMarkets(s.clearinghouse)) {
    const price = prices[m.symbol] ?? Number(currentPrice(m, ch, await oracleAccount(s.connection, m), now)) / 1e6;
    await writeTestOracle(s.operator, { address: m.oracle, source: m.oracleSource, feedId: m.feedId }, price, now);
  }
  return now;
}

/** Re-posts every market's vol slices unchanged (vols go stale after the market's max age, 1 h by default). */
export async function refreshVols(s: Pick<DemoState, "operator" | "clearinghouse">): Promise<void> {
  for (const m of await s.operator.client.allMarkets(s.clearinghouse)) {
    await s.operator.updateVolParams({
      clearinghouse: s.clearinghouse,
      market: m.address,
      sequence: m.volSequence + 1n,
      slices: m.expiries.map((e) => ({ expiry: e.expiry, atmPpm: e.atmPpm, skewPpm: e.skewPpm, curvPpm: e.curvPpm, basisPpm: e.basisPpm })),
    });
  }
}

async function oracleAccount(connection: Connection, m: MarketInfo) {
  const info = await connection.getAccountInfo(m.oracle, "confirmed");
  if (!info) throw new Error(`oracle of ${m.symbol} not found`);
  return { address: m.oracle, owner: info.owner, data: info.data };
}

function currentPrice(m: MarketInfo, ch: Awaited<ReturnType<PortfolioMarginClient["fetchClearinghouseInfo"]>>, oracle: Awaited<ReturnType<typeof oracleAccount>>, now: bigint): bigint {
  // the last published price however old it is (after a laptop's sleep, say): no age or confidence limit
  return readPrice(oracle, oracleSpecOf(m, ch), { maxAgeSecs: 2 ** 31, maxConfPpm: 1_000_000 }, now).price;
}

/** The instrument of `t` in its market, and its model mark (1e6, rounded to cents). */
export async function instrumentAndMark(s: Pick<DemoState, "connection" | "operator" | "clearinghouse">, t: Pick<DemoTrade, "market" | "kind" | "expiryIndex" | "strikeUsd">): Promise<{ market: MarketInfo; instrumentIndex: number; mark: bigint }> {
  const client = s.operator.client;
  const market = (await client.allMarkets(s.clearinghouse)).find((m) => m.symbol === t.market);
  if (!market) throw new Error(`no ${t.market} market`);
  const instrumentIndex = market.instruments.findIndex(
    (i) => i.kind === t.kind && (t.kind === Kind.Perp || (i.expiryIndex === t.expiryIndex && (t.strikeUsd === undefined || i.strike === e6(t.strikeUsd)))),
  );
  if (instrumentIndex < 0) throw new Error(`no instrument ${JSON.stringify(t)} in ${t.market}`);
  const ch = await client.fetchClearinghouseInfo(s.clearinghouse);
  const now = await clusterTime(s.connection);
  const price = readPrice(await oracleAccount(s.connection, market), oracleSpecOf(market, ch), market.oracleLimits[OracleAction.Margin], now);
  const ins = market.instruments[instrumentIndex];
  const v = markValue(marketState(market, price, now), ins.kind, ins.expiryIndex, ins.strike, now).long;
  return { market, instrumentIndex, mark: (v / 10_000n) * 10_000n };
}

/** An RFQ trade: `maker` quotes and signs, `taker` previews and completes it. Returns the signature. */
export async function rfqTrade(maker: DemoUser, taker: DemoUser, marketIndex: number, instrumentIndex: number, makerSide: MakerSide, size: bigint, price: bigint): Promise<string> {
  const trading = new PortfolioMarginTrading(maker.client);
  const now = await clusterTime(maker.client.connection);
  const encoded = await trading.createSignedQuote({
    makerAccount: maker.account,
    takerAccount: taker.account,
    marketIndex,
    maker: maker.keypair,
    quote: { instrumentIndex, makerSide, size, price, oracleLimit: 0n, expiresAt: now + 120n, nonce: BigInt(Date.now()) },
  });
  const { signature } = await new PortfolioMarginTrading(taker.client).acceptSignedQuote(encoded, { taker: taker.keypair });
  return signature;
}

/**
 * A fresh clearinghouse (random index) with markets, a maker (1,000,000 USDC, 10 wBTC) and the demo
 * trader (50,000 USDC, 1 wBTC) holding DEMO_BOOK, traded by RFQ against the maker.
 */
export async function bootstrapDemo(rpc: string, admin: Keypair, log: (line: string) => void = () => undefined): Promise<DemoState> {
  const connection = new Connection(rpc, "confirmed");
  const provider = new AnchorProvider(connection, new Wallet(admin), OPTS);
  const boot = await bootstrap(provider, { index: Math.floor(Math.random() * 0x10000), createTestMint: true, markets: "local", log });
  if (!boot.wrappedBtc) throw new Error("the local bootstrap listed no wBTC");
  const operator = new PortfolioMarginAdmin(new PortfolioMarginClient(connection, new Wallet(admin), { confirmOptions: OPTS }));
  const base = { connection, admin, operator, clearinghouse: boot.clearinghouse, quoteMint: boot.quoteMint, wbtc: boot.wrappedBtc };
  const maker = await demoUser(base, "maker", "1000000", 1_000_000_000n);
  const trader = await demoUser(base, "trader", "50000", 100_000_000n);
  log(`maker ${maker.keypair.publicKey.toBase58()}: 1,000,000 USDC + 10 wBTC`);
  log(`trader ${trader.keypair.publicKey.toBase58()}: 50,000 USDC + 1 wBTC`);
  await refreshOracles(base);
  for (const t of DEMO_BOOK) {
    const { market, instrumentIndex, mark } = await instrumentAndMark(base, t);
    const price = mark > 0n ? mark : 1n;
    await rfqTrade(maker, trader, market.marketIndex, instrumentIndex, t.traderBuys ? MakerSide.Sell : MakerSide.Buy, e6(t.size), price);
    log(`RFQ: trader ${t.traderBuys ? "buys" : "sells"} ${t.size} ${t.market} ${Kind[t.kind].toLowerCase()}${t.strikeUsd ? ` ${t.strikeUsd}` : ""} @ ${Number(price) / 1e6} (${t.what.trim()})`);
  }
  return { ...base, maker, trader };
}

/** The spot each test market starts at (DEFAULT_TEST_MARKETS). */
export const START_PRICES: Record<string, number> = Object.fromEntries(DEFAULT_TEST_MARKETS.map((m) => [m.symbol, m.spot]));

/** The form of a secret key the page reads from its `#key=` fragment (base64url of the 64 bytes). */
export function pageKey(kp: Keypair): string {
  return Buffer.from(kp.secretKey).toString("base64url");
}

/** The dApp's address for `user` (dev keypair wallet in the fragment: local demo and tests only). */
export function pageUrl(base: string, rpc: string, clearinghouse: PublicKey, user?: Keypair): string {
  const q = new URLSearchParams({ rpc, ch: clearinghouse.toBase58() });
  return `${base}?${q}${user ? `#key=${pageKey(user)}` : ""}`;
}
