// The crank's health scan at scale (`npm run bench`, section "crank"): 100,000 8-leg accounts as
// the crank holds them (decoded MarginAccountInfo in an AccountTracker-shaped map) over two
// markets, scanned by the crank's own HealthBook tick after tick with the prices moving. Markets
// and accounts are synthetic (tests/lib/population's instrument universe), the code path is the
// crank's: market set grouping, engineAccount, compile, re-price, float64 scan, exact fallback.
import { randomBytes } from "crypto";
import { BorshAccountsCoder, Wallet } from "@coral-xyz/anchor";
import { Connection, Keypair, PublicKey } from "@solana/web3.js";
import type { TrackedAccount } from "../src/chain/accounts";
import type { MarketBook, MarketView } from "../src/chain/markets";
import { HealthBook, ScanResult } from "../src/health";
import type { ClearinghouseInfo, MarginAccountInfo, MarketInfo, OraclePrice } from "../src/sdk";
import { accountSize, decodeMarginAccountInfo, marginAccountInfo, marketState, PortfolioMarginClient } from "../src/sdk";
import { DEFAULT_GLOBAL, Kind, MarketState } from "../../app/src/risk";
import { markets as populationMarkets, NOW, rng, SPOTS, universe } from "../../tests/lib/population";

const QUOTE_MINT = Keypair.generate().publicKey;
const CLEARINGHOUSE = Keypair.generate().publicKey;

export function syntheticMarketInfo(state: MarketState, index: number): MarketInfo {
  const instruments = universe()
    .filter((u) => u.market === index)
    .map((u, i) => ({
      index: i,
      kind: u.kind,
      expiryIndex: u.slice,
      expiry: u.kind === Kind.Perp ? null : state.slices[u.slice].expiry,
      strike: u.strike,
      openInterest: 0n,
    }));
  return {
    address: Keypair.generate().publicKey,
    clearinghouse: CLEARINGHOUSE,
    marketIndex: index,
    symbol: ["BTC", "ETH"][index],
    params: state.params,
    volGuards: { minIntervalSecs: 10, maxAgeSecs: 3_600, maxAtmChangePpm: 250_000, maxShapeChangePpm: 200_000, maxSkewPpm: 2_000_000, maxCurvPpm: 5_000_000 },
    volSequence: 1n,
    volUpdatedAt: NOW,
    fundingIndex: 0n,
    lossIndex: 0n,
    expiries: state.slices.map((s, i) => ({ index: i, ...s, settlementPrice: 0n })),
    instruments,
  } as unknown as MarketInfo;
}

function clearinghouse(): ClearinghouseInfo {
  return {
    address: CLEARINGHOUSE,
    quoteMint: QUOTE_MINT,
    globalParams: DEFAULT_GLOBAL,
    collaterals: [{ mint: QUOTE_MINT, haircutMmPpm: 0, haircutImPpm: 0, marketIndex: null, decimals: 6 }],
  } as unknown as ClearinghouseInfo;
}

/** A MarketBook at `spots` (the oracle read as valid for every action class). */
export function syntheticBook(infos: MarketInfo[], spots: bigint[], now: bigint): MarketBook {
  const ch = clearinghouse();
  const views: MarketView[] = infos.map((info, i) => {
    const price: OraclePrice = { price: spots[i], conf: spots[i] / 2000n, publishTime: now };
    return {
      info,
      oracle: { address: info.oracle ?? PublicKey.default, owner: PublicKey.default, data: new Uint8Array() },
      status: { price, error: null, ageSecs: 0n, actions: [0, 1, 2].map((action) => ({ action, error: null })) },
      liquidationPrice: price,
      state: marketState(info, price, now),
    } as MarketView;
  });
  return { clearinghouse: ch, markets: views, now, byIndex: (i) => views[i] };
}

/** `count` accounts of 8 legs each from the universe, collateral placing about 1% below MM. */
export function syntheticAccounts(count: number, seed = 42): Map<string, TrackedAccount> {
  const u = universe();
  const perMarket = [0, 1].map((m) => u.filter((x) => x.market === m));
  const rnd = rng(seed);
  const out = new Map<string, TrackedAccount>();
  for (let n = 0; n < count; n++) {
    const address = new PublicKey(randomBytes(32)); // any 32 bytes: no key pair needed
    const positions = Array.from({ length: 8 }, () => {
      const x = u[rnd(u.length)];
      const size = BigInt((rnd(2) ? 1 : -1) * (1 + rnd(20)) * 100_000);
      return {
        marketIndex: x.market,
        instrumentIndex: perMarket[x.market].indexOf(x),
        size,
        costBasis: x.kind === Kind.Perp ? (size * SPOTS[x.market]) / 1_000_000n : 0n,
        fundingSnapshot: 0n,
        lossSnapshot: 0n,
      };
    });
    const info = {
      address,
      clearinghouse: CLEARINGHOUSE,
      owner: address,
      accountIndex: 0,
      collaterals: [{ mint: QUOTE_MINT, amount: BigInt(20_000 + rnd(600_000)) * 1_000_000n }],
      positions,
      quoteDebt: 0n,
    } as unknown as MarginAccountInfo;
    out.set(address.toBase58(), { info, data: Buffer.alloc(0), version: n + 1 });
  }
  return out;
}

export interface CrankScanBench {
  accounts: number;
  firstScanMs: number;
  /** wall and CPU time of the process (the machine may be busy with other work: CPU is what one core spent) */
  ticks: { ms: number; cpuMs: number; belowMm: number; exact: number; compiled: number }[];
  churnTickMs: number;
  churned: number;
  recompileTickMs: number;
  recosted: number;
  decode: { fast: number; anchor: number };
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export function benchCrankScan(count = 100_000, ticks = 6): CrankScanBench {
  const states = populationMarkets();
  const infos = states.map((s, i) => syntheticMarketInfo(s, i));
  const accounts = syntheticAccounts(count);
  const book = new HealthBook();
  const t0 = performance.now();
  book.scan(accounts, syntheticBook(infos, SPOTS, NOW));
  const firstScanMs = performance.now() - t0;
  const rnd = rng(7);
  const out: CrankScanBench["ticks"] = [];
  let now = NOW;
  let last: ScanResult | null = null;
  for (let i = 0; i < ticks; i++) {
    now += 1n;
    const spots = SPOTS.map((s) => (s * BigInt(1_000_000 + rnd(40_001) - 20_000)) / 1_000_000n);
    const c0 = cpuMs();
    last = book.scan(accounts, syntheticBook(infos, spots, now));
    out.push({ ms: last.durationMs, cpuMs: cpuMs() - c0, belowMm: last.belowMm.length, exact: last.exact, compiled: last.compiled });
  }
  // 1% of the accounts changed since the last tick (trades, deposits: recompiled, the rest not)
  let churned = 0;
  for (const [, t] of accounts) if (rnd(100) === 0) (t.version += count + 1), churned++;
  const churn = book.scan(accounts, syntheticBook(infos, SPOTS, now + 1n));
  // a funding update moves every perpetual's cost (re-costed in place, not recompiled)
  infos[0] = { ...infos[0], fundingIndex: 1_000n };
  const recompile = book.scan(accounts, syntheticBook(infos, SPOTS, now + 2n));
  return { accounts: count, firstScanMs, ticks: out, churnTickMs: churn.durationMs, churned, recompileTickMs: recompile.durationMs, recosted: book.recosted, decode: decodeRates() };
}

/** Decoding margin accounts (a re-list or a subscription update): accounts per second with the
 * SDK's fixed-offset decoder (what the crank uses) and with the Anchor coder. */
function decodeRates(n = 20_000): { fast: number; anchor: number } {
  const client = new PortfolioMarginClient(new Connection("http://127.0.0.1:1"), new Wallet(Keypair.generate()));
  const coder = client.program.coder.accounts as BorshAccountsCoder;
  const data = Buffer.alloc(accountSize("MarginAccount"));
  coder.accountDiscriminator("marginAccount").copy(data, 0);
  const rate = (count: number, f: () => void) => {
    const t0 = performance.now();
    for (let i = 0; i < count; i++) f();
    return count / ((performance.now() - t0) / 1000);
  };
  const address = PublicKey.default;
  return { fast: rate(n, () => decodeMarginAccountInfo(address, data)), anchor: rate(n / 20, () => marginAccountInfo(address, coder.decode("marginAccount", data))) };
}
