// Markets, oracles and the on-chain margin check through the SDK, on the local node: markets are
// created with oracle accounts written by setAccount, positions are written into margin accounts
// directly (quote debt and settled expiries too), and the program's simulate_margin is compared with the SDK's
// mirror integer for integer.
import { Keypair, PublicKey } from "@solana/web3.js";
import { expect } from "chai";
import {
  ClearinghouseInfo,
  MarginReport,
  MarketInfo,
  PortfolioMarginAdmin,
  engineAccount,
  evaluateSnapshot,
  snapshotPrices,
  marginAccountInfo,
  previewWithdraw,
  snapshotOf,
} from "../../app/src";
import { Kind, MarginResult, MAX_POSITIONS, QUOTE, RiskError } from "../../app/src/risk";
import {
  createMarginAccountDirect,
  mintTestTokens,
  TestMarket,
  writeMarginAccount,
  writeSettlementPrice,
  writeTestOracle,
} from "../../app/src/testing";
import {
  MarketsWorld,
  ON_LOCALNET,
  createMarketsWorld,
  createUser,
  expectError,
  freshOracles as refreshOracles,
  payerOf,
  tokenAmount,
  usdc,
} from "./helpers";
import { clusterTime } from "../../app/src/health";

/** Every integer of the program's report next to the mirror's. */
function expectSameMargin(report: MarginReport, mirror: MarginResult, label: string): void {
  const pairs: [string, bigint, bigint][] = [
    ["equity", report.equity, mirror.equity],
    ["mm", report.mm, mirror.mm],
    ["im", report.im, mirror.im],
    ["scanLoss", report.scanLoss, mirror.scan.loss],
    ["imFloor", report.imFloor, mirror.imFloor],
  ];
  for (const [k, a, b] of [
    ["scanMargin", report.scanMargin, mirror.scanMargin],
    ["nakedShort", report.nakedShort, mirror.nakedShort],
    ["linear", report.linear, mirror.linear],
    ["haircut", report.haircut, mirror.haircut],
    ["staleVol", report.staleVol, mirror.staleVol],
  ] as const) {
    pairs.push([`${k}.mm`, a.mm, b.mm], [`${k}.im`, a.im, b.im]);
  }
  for (const [k, a, b] of pairs) expect(a, `${label}: ${k}`).to.equal(b);
  expect(report.worstJointIndex, `${label}: worst joint`).to.equal(mirror.scan.worstJointIndex);
  expect(report.markets.length, label).to.equal(mirror.markets.length);
  report.markets.forEach((m, i) => {
    expect(m.pnl, `${label}: market ${m.marketIndex} scenario P&L`).to.deep.equal(mirror.markets[i].pnl);
    expect(m.worstIndex, `${label}: market ${m.marketIndex} worst`).to.equal(mirror.markets[i].worstIndex);
  });
}

(ON_LOCALNET ? describe : describe.skip)("e2e (localnet): markets, oracles and the on-chain margin check", function () {
  this.timeout(300_000);
  let w: MarketsWorld;
  let admin: PortfolioMarginAdmin;
  let markets: TestMarket[];
  let wbtc: PublicKey;
  let ch: ClearinghouseInfo;
  let now: bigint;

  async function freshOracles(): Promise<void> {
    now = await refreshOracles(w);
  }

  before(async function () {
    w = await createMarketsWorld();
    ({ operator: admin, markets, wbtc } = w);
    now = await clusterTime(w.connection);
    ch = await w.client.fetchClearinghouseInfo(w.clearinghouse);
  });

  it("lists three markets with both oracle formats, expiries and instruments, and the collateral", async function () {
    const all = await w.client.allMarkets(w.clearinghouse);
    expect(all.map((m) => m.symbol)).to.deep.equal(["BTC", "ETH", "SOL"]);
    for (const m of all) {
      expect(m.instruments[0].kind).to.equal(Kind.Perp);
      expect(m.expiries).to.have.length(3);
      expect(m.instruments).to.have.length(1 + 3 * 11);
      expect(m.instruments.filter((i) => i.kind === Kind.Call).map((i) => i.expiryIndex)).to.include.members([0, 1, 2]);
    }
    expect(ch.collaterals.map((c) => c.mint.toBase58())).to.deep.equal([w.quoteMint.toBase58(), wbtc.toBase58()]);
    expect(ch.collaterals[1]).to.include({ marketIndex: 0, decimals: 8, haircutMmPpm: 20_000, haircutImPpm: 40_000 });
  });

  it("deposits and withdraws a non-stable collateral; the withdrawal's margin check reads the BTC market", async function () {
    await freshOracles();
    const { user } = await createUser(w, usdc("0"));
    const wbtcAta = await mintTestTokens(w.connection, payerOf(w.provider), wbtc, user.publicKey, 200_000_000n); // 2 wBTC
    await w.client.createMarginAccount({ clearinghouse: w.clearinghouse, owner: user });
    await w.client.deposit({ clearinghouse: w.clearinghouse, owner: user, mint: wbtc, amount: 150_000_000n });
    const account = w.client.marginAccountAddress(w.clearinghouse, user.publicKey);
    const remaining = await w.client.marginRemainingAccounts(account);
    expect(remaining.map((m) => m.pubkey.toBase58())).to.deep.equal([markets[0].address.toBase58(), markets[0].oracle.address.toBase58()]);
    await w.client.withdraw({ clearinghouse: w.clearinghouse, owner: user, mint: wbtc, amount: 50_000_000n });
    expect(await tokenAmount(w.connection, wbtcAta)).to.equal(100_000_000n);
    const info = await w.client.fetchMarginAccountInfo(account);
    expect(info.collaterals).to.deep.equal([{ mint: wbtc, amount: 100_000_000n }]);
  });

  it("previewWithdraw predicts the program: above IM it lands, one unit more of margin than free is refused", async function () {
    await freshOracles();
    const { user } = await createUser(w, usdc("50000"));
    await w.client.createMarginAccount({ clearinghouse: w.clearinghouse, owner: user });
    await w.client.deposit({ clearinghouse: w.clearinghouse, owner: user, amount: usdc("50000") });
    const account = w.client.marginAccountAddress(w.clearinghouse, user.publicKey);
    // short 1 BTC 30-day ATM call: IM is a large part of the collateral
    const btc = await w.client.fetchMarketInfo(w.clearinghouse, 0);
    const atmCall = btc.instruments.findIndex((i) => i.kind === Kind.Call && i.expiryIndex === 1 && i.strike === 100_000_000_000n);
    await writeMarginAccount(w.client, account, {
      positions: [{ marketIndex: 0, instrumentIndex: atmCall, size: -1_000_000n }],
      collaterals: [{ mint: w.quoteMint, amount: usdc("50000") }],
    });
    const snap = await w.client.marginSnapshot(account);
    const before = evaluateSnapshot(snap);
    expect(before.im > 0n && before.equity > before.im, `equity ${before.equity} im ${before.im}`).to.equal(true);
    const free = before.equity - before.im;
    // USDC carries no haircut: withdrawing exactly the free collateral leaves equity == IM
    const tooMuch = previewWithdraw(snap, w.quoteMint, free + 1n);
    expect(tooMuch.ok).to.equal(false);
    await expectError(w.client.withdraw({ clearinghouse: w.clearinghouse, owner: user, amount: free + 1n }), "program", "InsufficientMargin");
    const exact = previewWithdraw(snap, w.quoteMint, free);
    expect(exact.ok).to.equal(true);
    expect(exact.freeCollateral).to.equal(0n);
    await w.client.withdraw({ clearinghouse: w.clearinghouse, owner: user, amount: free });
    const report = await w.client.simulateMargin(account);
    expect(report.equity).to.equal(report.im);
  });

  it("a stale oracle blocks the withdrawal of an account holding that market, not of one holding another", async function () {
    await freshOracles();
    const holders: Keypair[] = [];
    for (const marketIndex of [0, 2]) {
      const { user } = await createUser(w, usdc("1000"));
      await w.client.createMarginAccount({ clearinghouse: w.clearinghouse, owner: user });
      await w.client.deposit({ clearinghouse: w.clearinghouse, owner: user, amount: usdc("1000") });
      await writeMarginAccount(w.client, w.client.marginAccountAddress(w.clearinghouse, user.publicKey), {
        positions: [{ marketIndex, instrumentIndex: 0, size: 1_000n }],
        collaterals: [{ mint: w.quoteMint, amount: usdc("1000") }],
      });
      holders.push(user);
    }
    const [btcHolder, solHolder] = holders;
    // the BTC oracle published 10 minutes ago: beyond the 2-minute margin limit
    await writeTestOracle(admin, markets[0].oracle, markets[0].spec.spot, now - 600n);
    await expectError(w.client.withdraw({ clearinghouse: w.clearinghouse, owner: btcHolder, amount: usdc("1") }), "program", "OracleStale");
    await w.client.withdraw({ clearinghouse: w.clearinghouse, owner: solHolder, amount: usdc("1") });
  });

  it("simulate_margin and the SDK mirror agree integer for integer on 60 random accounts", async function () {
    await freshOracles();
    const chain: MarketInfo[] = await w.client.allMarkets(w.clearinghouse);
    const rnd = seeded(20261202);
    const owner = Keypair.generate().publicKey;
    let [withOptions, belowMm, withWbtc] = [0, 0, 0];
    for (let n = 0; n < 60; n++) {
      // a margin account written directly: random positions over 1-3 markets, USDC and wBTC
      const address = Keypair.generate().publicKey;
      await createMarginAccountDirect(w.client, address, w.clearinghouse, owner);
      const nMarkets = 1 + rnd(3);
      const used = chain.slice(0, nMarkets);
      const nPositions = 1 + rnd(n % 5 === 0 ? MAX_POSITIONS : 8);
      const positions = Array.from({ length: nPositions }, () => {
        const m = used[rnd(used.length)];
        const instrumentIndex = rnd(m.instruments.length);
        const ins = m.instruments[instrumentIndex];
        const spot = markets[m.marketIndex].spec.spot;
        // $100 to $2M notional per leg, signed, at 1e6
        const size = BigInt(Math.round(((rnd(2) ? 1 : -1) * (1 + rnd(20_000)) * 100_000_000) / spot));
        const linear = ins.kind === Kind.Perp || ins.kind === Kind.Future;
        const costBasis = linear ? (size * BigInt(Math.round(spot * (0.9 + rnd(200) / 1000) * 1e6))) / 1_000_000n : 0n;
        if (!linear) withOptions++;
        return { marketIndex: m.marketIndex, instrumentIndex, size, costBasis };
      });
      const collaterals = [{ mint: w.quoteMint, amount: BigInt(rnd(1_000_000)) * 1_000_000n }];
      if (rnd(2) && used.some((m) => m.marketIndex === 0)) {
        collaterals.push({ mint: wbtc, amount: BigInt(rnd(1_000)) * 1_000_000n });
        withWbtc++;
      }
      await writeMarginAccount(w.client, address, { positions, collaterals });

      const report = await w.client.simulateMargin(address);
      const account = marginAccountInfo(address, await w.client.fetchMarginAccount(address));
      const snap = await snapshotOf(w.client, account, ch);
      expectSameMargin(report, evaluateSnapshot({ ...snap, now: report.timestamp }), `account ${n}`);
      if (report.equity < report.mm) belowMm++;
    }
    console.log(`      60 accounts: ${withOptions} option legs, ${withWbtc} with wBTC, ${belowMm} below MM`);
    // the population covers option books, wBTC collateral, and both sides of maintenance margin
    expect(withOptions).to.be.at.least(50);
    expect(withWbtc).to.be.at.least(10);
    expect(belowMm).to.be.within(5, 55);
  });

  it("simulate_margin and the mirror agree on accounts with quote debt and positions in settled expiries", async function () {
    await freshOracles();
    const rnd = seeded(20261203);
    // settle the 7-day expiry of BTC and SOL (written directly: its time has not come) at +-10% of spot
    const settled = [
      { m: markets[0], price: 92_500_000_000n },
      { m: markets[2], price: 215_000_000n },
    ];
    for (const s of settled) await writeSettlementPrice(w.client, s.m.address, 0, s.price);
    try {
      const chain: MarketInfo[] = await w.client.allMarkets(w.clearinghouse);
      expect(chain[0].expiries[0].settlementPrice).to.equal(92_500_000_000n);
      const owner = Keypair.generate().publicKey;
      let [withDebt, withSettled, negativeQuote] = [0, 0, 0];
      for (let n = 0; n < 24; n++) {
        const address = Keypair.generate().publicKey;
        await createMarginAccountDirect(w.client, address, w.clearinghouse, owner);
        const used = [chain[0], chain[2]].slice(0, 1 + rnd(2));
        const positions = Array.from({ length: 2 + rnd(8) }, () => {
          const m = used[rnd(used.length)];
          // half the legs in the settled expiry (its future and options), the rest anywhere
          const pool = rnd(2) ? m.instruments.filter((i) => i.kind !== Kind.Perp && i.expiryIndex === 0) : m.instruments;
          const ins = pool[rnd(pool.length)];
          const spot = markets[m.marketIndex].spec.spot;
          const size = BigInt(Math.round(((rnd(2) ? 1 : -1) * (1 + rnd(5_000)) * 100_000_000) / spot));
          const linear = ins.kind === Kind.Perp || ins.kind === Kind.Future;
          const costBasis = linear ? (size * BigInt(Math.round(spot * (0.9 + rnd(200) / 1000) * 1e6))) / 1_000_000n : size * BigInt(rnd(1000)) * 1_000n;
          return { marketIndex: m.marketIndex, instrumentIndex: ins.index, size, costBasis, fundingSnapshot: BigInt(rnd(1000)) };
        });
        // the same (market, instrument) twice is not a state the program makes
        const unique = positions.filter((p, i) => positions.findIndex((q) => q.marketIndex === p.marketIndex && q.instrumentIndex === p.instrumentIndex) === i);
        const debt = rnd(3) === 0 ? 0n : BigInt(rnd(500_000)) * 1_000_000n;
        const collaterals = debt === 0n ? [{ mint: w.quoteMint, amount: BigInt(rnd(500_000)) * 1_000_000n }] : [];
        if (rnd(2) && used.includes(chain[0])) collaterals.push({ mint: wbtc, amount: BigInt(1 + rnd(1_000)) * 1_000_000n });
        await writeMarginAccount(w.client, address, { positions: unique, collaterals, quoteDebt: debt });

        const account = marginAccountInfo(address, await w.client.fetchMarginAccount(address));
        expect(account.quoteDebt).to.equal(debt);
        if (debt > 0n) withDebt++;
        if (unique.some((p) => chain[p.marketIndex].instruments[p.instrumentIndex].expiryIndex === 0 && chain[p.marketIndex].instruments[p.instrumentIndex].kind !== Kind.Perp)) withSettled++;
        const snap = await snapshotOf(w.client, account, ch);
        let report: MarginReport;
        try {
          report = await w.client.simulateMargin(address);
        } catch (e) {
          // an account past the engine's bounds fails on both sides
          expect(() => evaluateSnapshot(snap)).to.throw();
          continue;
        }
        const mirror = evaluateSnapshot({ ...snap, now: report.timestamp });
        const quote = engineAccount(account, ch, snap.markets, snapshotPrices({ ...snap, now: report.timestamp }), report.timestamp).collateral.find((c) => c.asset === QUOTE);
        if (quote && quote.amount < 0n) negativeQuote++;
        expectSameMargin(report, mirror, `account ${n}`);
      }
      console.log(`      24 accounts: ${withDebt} with quote debt, ${withSettled} with settled legs, ${negativeQuote} with a negative quote entry`);
      expect(withDebt).to.be.at.least(8);
      expect(withSettled).to.be.at.least(8);
      expect(negativeQuote).to.be.at.least(4);
    } finally {
      for (const s of settled) await writeSettlementPrice(w.client, s.m.address, 0, 0n);
    }
  });

  it("an account too large for the engine fails alike on chain (MathOverflow) and in the mirror (Overflow)", async function () {
    await freshOracles();
    const address = Keypair.generate().publicKey;
    // 32 legs of 10 million SOL calls: within each position's size bound, past the scenario sums'
    const positions = Array.from({ length: MAX_POSITIONS }, (_, i) => ({ marketIndex: 2, instrumentIndex: 2 + (i % 30), size: 10_000_000_000_000n }));
    await createMarginAccountDirect(w.client, address, w.clearinghouse, Keypair.generate().publicKey, { positions });
    await expectError(w.client.simulateMargin(address), "program", "MathOverflow");
    const snap = await w.client.marginSnapshot(address);
    expect(() => evaluateSnapshot(snap)).to.throw(RiskError, "Overflow");
  });
});

/** Deterministic integers in [0, n) (mulberry32). */
function seeded(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}
