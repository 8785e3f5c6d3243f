// A clearinghouse's markets on the local node, as tests and the demo need them: Pyth oracle
// accounts written with setAccount (BTC and SOL as PriceUpdateV2, ETH as a legacy price account,
// so both formats are exercised), markets with their perpetual, three expiries with a future and
// options at 80-120% of spot, and a wrapped-BTC collateral mint priced by the BTC market.
import { Keypair, PublicKey } from "@solana/web3.js";
import { OracleSource, PYTH_LEGACY_PROGRAM_ID_MAINNET, PYTH_RECEIVER_PROGRAM_ID, feedIdFromHex } from "../oracle";
import type { PortfolioMarginAdmin } from "../admin";
import { defaultMarketParams, defaultRangePpm, Kind } from "../risk";
import { createTestMint } from "./mint";
import { encodeLegacyPrice, encodePriceUpdateV2, setPythAccount } from "./pyth";

/** Pyth's mainnet feed ids (the local node does not check them; the program checks they match). */
export const PYTH_FEED_IDS: Record<string, string> = {
  BTC: "e62df6c8b4a85fe1a67db44dc12de5db330f7ac66b72dc658afedf0f4a415b43",
  ETH: "ff61491a931112ddf1bd8147cd1b641375f79f5825126d665480874634fd0ace",
  SOL: "ef0d8b6fda2ceba41da15d4095d1da392a0d2f8ed0c6c7bc0f4cfac8c280b56d",
};

export interface TestMarketSpec {
  symbol: string;
  /** USD, e.g. 100000. */
  spot: number;
  /** ATM vol as a fraction (0.5 = 50%). */
  atmVol: number;
  source: OracleSource;
}

export const DEFAULT_TEST_MARKETS: TestMarketSpec[] = [
  { symbol: "BTC", spot: 100_000, atmVol: 0.5, source: OracleSource.PythPull },
  { symbol: "ETH", spot: 3_500, atmVol: 0.6, source: OracleSource.PythLegacy },
  { symbol: "SOL", spot: 200, atmVol: 0.75, source: OracleSource.PythPull },
];

export interface TestOracle {
  address: PublicKey;
  source: OracleSource;
  feedId: Uint8Array;
}

export interface TestMarket {
  spec: TestMarketSpec;
  marketIndex: number;
  address: PublicKey;
  oracle: TestOracle;
  expiries: bigint[];
}

const EXPONENT = -8;
const DAY = 86_400n;

/** Writes (or refreshes) an oracle account at `price` USD with `confBps` basis points of confidence. */
export async function writeTestOracle(
  admin: PortfolioMarginAdmin,
  oracle: TestOracle,
  price: number,
  publishTime: bigint,
  confBps = 1,
): Promise<void> {
  const raw = BigInt(Math.round(price * 10 ** -EXPONENT));
  const conf = (raw * BigInt(confBps)) / 10_000n;
  const data =
    oracle.source === OracleSource.PythPull
      ? encodePriceUpdateV2({ verification: { kind: "Full" }, feedId: oracle.feedId, price: raw, conf, exponent: EXPONENT, publishTime })
      : encodeLegacyPrice({ exponent: EXPONENT, timestamp: publishTime, aggregate: { price: raw, conf, status: 1, publishSlot: 0n } });
  const owner = oracle.source === OracleSource.PythPull ? PYTH_RECEIVER_PROGRAM_ID : PYTH_LEGACY_PROGRAM_ID_MAINNET;
  await setPythAccount(admin.client.connection, oracle.address, { owner, data });
}

/** Expiries 7, 30 and 90 days after `now`, at 08:00 UTC (Deribit's expiry time). */
export function testExpiries(now: bigint): bigint[] {
  return [7n, 30n, 90n].map((d) => ((now + d * DAY) / DAY) * DAY + 8n * 3_600n);
}

/** Strikes at 80-120% of spot, rounded to 2 significant digits of the step (at 1e6). */
export function testStrikes(spot: number): bigint[] {
  return [0.8, 0.9, 1.0, 1.1, 1.2].map((m) => BigInt(Math.round(spot * m)) * 1_000_000n);
}

/**
 * Creates the markets of `specs` (oracles written on the local node at `now`), their expiries and
 * instruments. The admin client's wallet signs.
 */
export async function createTestMarkets(
  admin: PortfolioMarginAdmin,
  clearinghouse: PublicKey,
  now: bigint,
  specs: TestMarketSpec[] = DEFAULT_TEST_MARKETS,
): Promise<TestMarket[]> {
  const out: TestMarket[] = [];
  for (const spec of specs) {
    const oracle: TestOracle = {
      address: Keypair.generate().publicKey,
      source: spec.source,
      feedId: spec.source === OracleSource.PythPull ? feedIdFromHex(PYTH_FEED_IDS[spec.symbol] ?? "00".repeat(32)) : new Uint8Array(32),
    };
    await writeTestOracle(admin, oracle, spec.spot, now);
    const { marketIndex, market } = await admin.addMarket({
      clearinghouse,
      symbol: spec.symbol,
      oracle: oracle.address,
      oracleSource: spec.source,
      feedId: oracle.feedId,
      params: defaultMarketParams(defaultRangePpm(spec.symbol)),
    });
    const expiries = testExpiries(now);
    for (const expiry of expiries) {
      await admin.addExpiry({
        clearinghouse,
        market,
        expiry,
        slice: { atmPpm: BigInt(Math.round(spec.atmVol * 1e6)), skewPpm: -100_000n, curvPpm: 200_000n, basisPpm: 20_000n },
      });
    }
    const instruments = expiries.flatMap((_, expiryIndex) => [
      { kind: Kind.Future as const, expiryIndex },
      ...testStrikes(spec.spot).flatMap((strike) => [
        { kind: Kind.Call as const, expiryIndex, strike },
        { kind: Kind.Put as const, expiryIndex, strike },
      ]),
    ]);
    await admin.listInstruments({ clearinghouse, market, instruments });
    out.push({ spec, marketIndex, address: market, oracle, expiries });
  }
  return out;
}

/** A wrapped-BTC test mint (8 decimals) listed as collateral priced by `btcMarketIndex`. */
export async function createWrappedBtcCollateral(
  admin: PortfolioMarginAdmin,
  clearinghouse: PublicKey,
  btcMarketIndex: number,
  mintAuthority: Keypair,
): Promise<PublicKey> {
  const connection = admin.client.connection;
  const mint = await createTestMint(connection, mintAuthority, { decimals: 8 });
  await admin.addCollateral({
    clearinghouse,
    mint,
    marketIndex: btcMarketIndex,
    haircutMmPpm: 20_000,
    haircutImPpm: 40_000,
    depositCap: 1_000n * 100_000_000n,
  });
  return mint;
}
