// planLiquidation and the liquidation arithmetic, offline, against reasoning written out here:
// random portfolios after random crashes are planned, and every step is re-checked against the
// program's rules with numbers derived independently (MM of the account with the planned sizes
// removed, the fee as 15% of the MM released, equity moving by the fee only); a single perpetual's
// planned size is checked to be the smallest that restores MM by exact hand arithmetic; a bankrupt
// account's resolution is checked against its deficit computed by hand.
import { Keypair, PublicKey } from "@solana/web3.js";
import { expect } from "chai";
import {
  ClearinghouseInfo,
  DEFAULT_ORACLE_LIMITS,
  DEFAULT_VOL_GUARDS,
  LiquidationLegKind,
  LiquidationSnapshot,
  MarginAccountInfo,
  MarketInfo,
  MarketStatus,
  OracleSource,
  PYTH_RECEIVER_PROGRAM_ID,
  PYTH_LEGACY_PROGRAM_ID_MAINNET,
  engineAccount,
  findLiquidatable,
  isLiquidationError,
  LIQUIDATION_ERROR_NAMES,
  LiquidationErrorCode,
  liquidationBuffer,
  liquidationFee,
  lossIndexStep,
  lossOwed,
  planLiquidation,
  positionLeg,
  PROGRAM_ERRORS,
  simulateLiquidation,
  snapshotPrices,
} from "../../app/src";
import { DEFAULT_GLOBAL, defaultMarketParams, evaluate, Kind } from "../../app/src/risk";
import { encodePriceUpdateV2 } from "../../app/src/testing";
import { programError } from "../../app/src/trading/quote";

const C = 1_000_000n;
const E6 = 1_000_000n;
const NOW = 1_800_000_000n;
const DAY = 86_400n;
const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;
const floorDiv = (a: bigint, b: bigint) => (a >= 0n ? a / b : -((-a + b - 1n) / b));
const abs = (x: bigint) => (x < 0n ? -x : x);

// ---- an offline clearinghouse: BTC and ETH markets, USDC and wrapped BTC (8 decimals)

const quoteMint = Keypair.generate().publicKey;
const wbtc = Keypair.generate().publicKey;
const CH: ClearinghouseInfo = {
  address: Keypair.generate().publicKey,
  admin: PublicKey.default,
  quoteMint,
  securityAuthority: PublicKey.default,
  crankAuthority: PublicKey.default,
  pythReceiverProgram: PYTH_RECEIVER_PROGRAM_ID,
  pythOracleProgram: PYTH_LEGACY_PROGRAM_ID_MAINNET,
  globalParams: DEFAULT_GLOBAL,
  numMarkets: 2,
  collaterals: [
    { mint: quoteMint, vault: PublicKey.default, depositCap: 0n, haircutMmPpm: 0, haircutImPpm: 0, marketIndex: null, decimals: 6 },
    { mint: wbtc, vault: PublicKey.default, depositCap: 0n, haircutMmPpm: 20_000, haircutImPpm: 40_000, marketIndex: 0, decimals: 8 },
  ],
  liquidationBufferPpm: 100_000,
  insuranceDeposited: 0n,
  insurancePaid: 0n,
  socializedLoss: 0n,
  badDebt: 0n,
};
const TRADING = {
  takerFeePpm: 500, makerFeePpm: 200, optionTakerFeePpm: 30_000, optionMakerFeePpm: 10_000, optionFeeCapPpm: 300, fundingIntervalSecs: 3_600,
  fundingPeriodSecs: 86_400, maxFundingRatePpm: 10_000, emaWindowSecs: 3_600, settlementWindowSecs: 3_600, liquidationFeePpm: 150_000, insuranceSharePpm: 250_000,
};

function market(marketIndex: number, symbol: string, spotUsd: bigint, rangePpm: number, atmPpm: bigint): MarketInfo {
  const expiries = [{ index: 0, expiry: NOW + 30n * DAY, atmPpm, skewPpm: -100_000n, curvPpm: 200_000n, basisPpm: 20_000n, settlementPrice: 0n }];
  const strikes = [80n, 90n, 100n, 110n, 120n].map((p) => (spotUsd * p * E6) / 100n);
  const instruments = [
    { index: 0, kind: Kind.Perp, expiryIndex: 0, expiry: null, strike: 0n, openInterest: 0n },
    { index: 1, kind: Kind.Future, expiryIndex: 0, expiry: expiries[0].expiry, strike: 0n, openInterest: 0n },
    ...strikes.flatMap((strike) => [Kind.Call, Kind.Put].map((kind) => ({ kind, expiryIndex: 0, expiry: expiries[0].expiry, strike, openInterest: 0n }))),
  ].map((x, index) => ({ ...x, index }));
  return {
    address: Keypair.generate().publicKey, clearinghouse: CH.address, marketIndex, symbol, oracle: Keypair.generate().publicKey,
    oracleSource: OracleSource.PythPull, feedId: new Uint8Array(32).fill(marketIndex + 1), params: defaultMarketParams(rangePpm),
    oracleLimits: DEFAULT_ORACLE_LIMITS, volGuards: DEFAULT_VOL_GUARDS, volSequence: 1n, volUpdatedAt: NOW, fundingIndex: 0n, fundingUpdatedAt: NOW,
    status: MarketStatus.Active, expiries, instruments, trading: TRADING, markEma: 0n, oracleEma: 0n, markEmaUpdatedAt: NOW, oracleEmaUpdatedAt: NOW,
    lastFundingRatePpm: 0n, feePool: 0n, pnlPool: 0n, lossIndex: 0n, socializedLoss: 0n,
  };
}
const BTC = market(0, "BTC", 100_000n, 160_000, 500_000n);
const ETH = market(1, "ETH", 3_500n, 180_000, 600_000n);
const MARKETS = [BTC, ETH];

/** The oracle account of `m` at `spot` (1e6), 1 bp of confidence, published now. */
function oracle(m: MarketInfo, spot: bigint) {
  const raw = spot * 100n; // exponent -8
  return { address: m.oracle, owner: PYTH_RECEIVER_PROGRAM_ID, data: encodePriceUpdateV2({ verification: { kind: "Full" }, feedId: m.feedId, price: raw, conf: raw / 10_000n, exponent: -8, publishTime: NOW }) };
}

function marginAccount(owner: PublicKey, p: Partial<MarginAccountInfo>): MarginAccountInfo {
  return {
    address: Keypair.generate().publicKey, clearinghouse: CH.address, owner, accountIndex: 0, collaterals: [], positions: [], quoteDebt: 0n, quoteNonceFloor: 0n,
    quoteNonceBitmap: 0n, realizedPnl: 0n, totalDeposited: 0n, totalWithdrawn: 0n, ...p,
  };
}
const RICH = marginAccount(Keypair.generate().publicKey, { collaterals: [{ mint: quoteMint, amount: 50_000_000n * E6 }] });

function snapshot(account: MarginAccountInfo, spots: bigint[], liquidator: MarginAccountInfo | null = RICH, insuranceBalance?: bigint): LiquidationSnapshot {
  return { clearinghouse: CH, account, liquidator, markets: MARKETS, oracles: MARKETS.map((m, i) => oracle(m, spots[i])), now: NOW, insuranceBalance };
}
const pos = (marketIndex: number, instrumentIndex: number, size: bigint, costBasis = 0n) => ({ marketIndex, instrumentIndex, size, costBasis, fundingSnapshot: 0n, lossSnapshot: 0n });

/** The engine's result for an account at the snapshot's prices (its own markets). */
function margin(s: LiquidationSnapshot, a: MarginAccountInfo) {
  const prices = snapshotPrices({ ...s, account: a }, 2);
  const held = MARKETS.filter((m) => a.positions.some((p) => p.marketIndex === m.marketIndex) || (m.marketIndex === 0 && a.collaterals.some((c) => c.mint.equals(wbtc))));
  return evaluate(engineAccount(a, CH, held, held.map((m) => prices[MARKETS.indexOf(m)]), NOW));
}

/** The account with the legs' sizes and collateral removed (cost bases and quote do not move MM: the quote mint has no haircut). */
function removed(a: MarginAccountInfo, legs: { kind: LiquidationLegKind; marketIndex: number; instrumentIndex: number; mint: PublicKey; amount: bigint }[]): MarginAccountInfo {
  let positions = a.positions.map((p) => ({ ...p }));
  let collaterals = a.collaterals.map((c) => ({ ...c }));
  for (const l of legs) {
    if (l.kind === LiquidationLegKind.Position) {
      const p = positions.find((x) => x.marketIndex === l.marketIndex && x.instrumentIndex === l.instrumentIndex)!;
      expect(l.amount <= abs(p.size)).to.equal(true);
      p.size -= p.size > 0n ? l.amount : -l.amount;
    } else {
      const c = collaterals.find((x) => x.mint.equals(l.mint))!;
      expect(l.amount <= c.amount).to.equal(true);
      c.amount -= l.amount;
    }
  }
  positions = positions.filter((p) => p.size !== 0n);
  collaterals = collaterals.filter((c) => c.amount > 0n);
  return { ...a, positions, collaterals };
}

/** splitmix64 */
function rng(seed: bigint) {
  let x = seed;
  return (n: number): number => {
    x = (x + 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn;
    let z = x;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & 0xffffffffffffffffn;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & 0xffffffffffffffffn;
    return Number((z ^ (z >> 31n)) % BigInt(n));
  };
}

describe("liquidation arithmetic (mirror of the program's)", function () {
  it("a step's fee is 15% of the MM released, rounded up, 25% of it (up) to the fund", function () {
    // the program's own unit-test numbers: 15% of 1,000.000001 -> 150.000001; 25% -> 37.500001
    expect(liquidationFee(1_000_000_001n, TRADING)).to.deep.equal({ total: 150_000_001n, insurance: 37_500_001n, liquidator: 112_500_000n });
    expect(liquidationFee(0n, TRADING)).to.deep.equal({ total: 0n, insurance: 0n, liquidator: 0n });
    expect(liquidationFee(1n, TRADING)).to.deep.equal({ total: 1n, insurance: 1n, liquidator: 0n });
    expect(liquidationFee(1_000_000_000n, { ...TRADING, insuranceSharePpm: 1_000_000 }).liquidator).to.equal(0n);
  });

  it("the buffer is ceil(MM x ppm / 1e6); the loss index charges both sides, rounded up", function () {
    expect(liquidationBuffer(1_000_001n, 100_000)).to.equal(100_001n);
    expect(liquidationBuffer(-5n, 100_000)).to.equal(0n);
    // 1,000 USDC over 3 long (and 3 short) contracts: 166.666666667 per contract -> 166.666667
    expect(lossIndexStep(1_000n * E6, 3n * C)).to.equal(166_666_667n);
    expect(lossOwed(-3n * C, 166_666_667n, 0n)).to.equal(500_000_001n);
    expect(lossOwed(1n, 166_666_667n, 0n)).to.equal(167n);
    expect(lossOwed(2n * C, 100n, 100n)).to.equal(0n);
  });

  it("the liquidation errors are the program's, by name and code", function () {
    for (const name of LIQUIDATION_ERROR_NAMES) {
      const code = LiquidationErrorCode[name];
      expect(PROGRAM_ERRORS.get(code)?.name, name).to.equal(name);
      expect(isLiquidationError(programError(name), name)).to.equal(true);
    }
    expect(LiquidationErrorCode.InvalidLiquidationLeg).to.equal(6080);
    expect(isLiquidationError(programError("InsufficientMargin"))).to.equal(false);
  });
});

describe("planLiquidation against independent reasoning", function () {
  this.timeout(600_000);

  it("a single perpetual: the planned size is the smallest that brings equity above MM (exact arithmetic)", function () {
    for (const [quoteUsd, crash] of [[20_000n, 90_000n], [15_000n, 95_000n], [30_000n, 86_000n], [12_000n, 96_500n]]) {
      const Q = quoteUsd * E6;
      const s = 1_500_000n; // 1.5 BTC long bought at 100,000
      const B = 150_000n * E6;
      const S = crash * E6;
      const a0 = marginAccount(Keypair.generate().publicKey, { collaterals: [{ mint: quoteMint, amount: Q }], positions: [pos(0, 0, s, B)] });
      const snap = snapshot(a0, [S, 3_500n * E6]);
      const mmOf = (a: bigint) => margin(snap, removed(a0, [positionLeg(0, 0, a)])).mm;
      const mm0 = mmOf(0n);
      // equity of a perpetual account, by hand: quote + size x spot - cost
      const equity0 = floorDiv(Q * E6 + s * S - B * E6, E6);
      expect(equity0 < mm0, `${quoteUsd} at ${crash}: equity ${equity0} MM ${mm0}`).to.equal(true);
      /** equity - MM after taking `a` at spot and paying the fee. */
      const cushion = (a: bigint): bigint => {
        const closed = ceilDiv(B * a, s);
        const quote = Q + floorDiv(a * S, E6) - closed;
        const equity = floorDiv(quote * E6 + (s - a) * S - (B - closed) * E6, E6);
        const mm = mmOf(a);
        return equity - ceilDiv((mm0 - mm) * 150_000n, E6) - mm;
      };
      const plan = planLiquidation(snap);
      expect(plan.error, String(plan.error)).to.equal(null);
      expect(plan.steps).to.have.length(1);
      const [leg] = plan.steps[0].legs;
      expect(plan.steps[0].legs).to.have.length(1);
      expect(cushion(leg.amount) >= 1n, `cushion ${cushion(leg.amount)}`).to.equal(true);
      expect(cushion(leg.amount - 1n) < 1n, "one unit less would not do").to.equal(true);
      expect(cushion(leg.amount) <= ceilDiv(mm0 * 100_000n, E6), "within the buffer").to.equal(true);
      // the plan's own numbers are these
      const p = plan.steps[0].preview;
      expect(p.after!.equity - p.after!.mm).to.equal(cushion(leg.amount));
      expect(p.fee.total).to.equal(ceilDiv((mm0 - p.after!.mm) * 150_000n, E6));
    }
  });

  it("random portfolios after random crashes: every planned step keeps the program's rules, re-derived independently", function () {
    const r = rng(0x11c0ffeen);
    let [planned, multiLeg, multiStep, bankrupt, collateralLegs] = [0, 0, 0, 0, 0];
    for (let trial = 0; trial < 400 && planned < 40; trial++) {
      const positions = [];
      if (r(2)) positions.push(pos(0, 0, BigInt(r(2_000_000) + 100_000) * (r(2) ? 1n : -1n), 0n));
      if (r(2)) positions.push(pos(1, 0, BigInt(r(40_000_000) + 1_000_000) * (r(2) ? 1n : -1n), 0n));
      if (r(2)) positions.push(pos(0, 2 + r(10), BigInt(r(3_000_000) + 100_000) * (r(3) ? -1n : 1n)));
      if (r(3) === 0) positions.push(pos(1, 2 + r(10), BigInt(r(30_000_000) + 1_000_000) * (r(3) ? -1n : 1n)));
      if (r(4) === 0) positions.push(pos(0, 1, BigInt(r(2_000_000) + 100_000) * (r(2) ? 1n : -1n), 0n));
      if (positions.length === 0) continue;
      // linear positions entered at the pre-crash spot
      for (const p of positions) {
        const ins = MARKETS[p.marketIndex].instruments[p.instrumentIndex];
        if (ins.kind === Kind.Perp || ins.kind === Kind.Future) p.costBasis = (p.size * (p.marketIndex === 0 ? 100_000n : 3_500n) * E6) / C;
      }
      const collaterals = [{ mint: quoteMint, amount: BigInt(r(40_000) + 2_000) * E6 }];
      if (r(2)) collaterals.push({ mint: wbtc, amount: BigInt(r(100_000_000) + 1_000_000) });
      const account = marginAccount(Keypair.generate().publicKey, { positions, collaterals });
      const spots = [BigInt(100_000 * (70 + r(45))) * 10_000n, BigInt(3_500 * (70 + r(45))) * 10_000n];
      const snap = snapshot(account, spots);
      const [found] = findLiquidatable([snap]);
      const m0 = margin(snap, account);
      expect(!!found, "findLiquidatable agrees with equity < MM").to.equal(m0.equity < m0.mm);
      if (!found) continue;
      planned++;
      // every third plan two legs a step: several steps
      const plan = planLiquidation(snap, { maxLegsPerStep: trial % 3 === 0 ? 2 : 4 });
      expect(plan.error, `trial ${trial}: ${plan.error}`).to.equal(null);
      if (plan.bankrupt) bankrupt++;
      if (plan.steps.length > 1) multiStep++;
      let a = account;
      for (const step of plan.steps) {
        if (step.legs.length > 1) multiLeg++;
        collateralLegs += step.legs.filter((l) => l.kind === LiquidationLegKind.Collateral).length;
        expect(step.legs.length >= 1 && step.legs.length <= 4).to.equal(true);
        const before = margin(snap, a);
        const rest = removed(a, step.legs);
        const mmAfter = margin(snap, rest).mm;
        // the program's rules, with numbers derived here
        const fee = ceilDiv((before.mm - mmAfter) * 150_000n, E6);
        const p = step.preview;
        expect(p.ok).to.equal(true);
        expect([p.before!.equity, p.before!.mm]).to.deep.equal([before.equity, before.mm]);
        expect(p.after!.mm, "MM after is the MM without the legs").to.equal(mmAfter);
        expect(p.fee.total).to.equal(fee);
        // transfers at the mark: equity moves by the fee only, up to a unit of rounding per leg
        // (a partial collateral leg can lose the account one engine unit, 1e-6 token, of value)
        const drift = p.after!.equity - (before.equity - fee);
        const tolerance = BigInt(step.legs.length) + BigInt(step.legs.filter((l) => l.kind === LiquidationLegKind.Collateral).length) * ((spots[0] + E6 - 1n) / E6);
        expect(abs(drift) <= tolerance, `equity drift ${drift}`).to.equal(true);
        expect(before.equity < before.mm, "liquidatable before the step").to.equal(true);
        expect(mmAfter < before.mm, "MM lower").to.equal(true);
        expect(mmAfter - p.after!.equity < before.mm - before.equity, "shortfall lower").to.equal(true);
        expect(p.after!.equity - mmAfter <= ceilDiv(before.mm * 100_000n, E6), "within the buffer").to.equal(true);
        // the sizes the preview leaves are the account less the legs
        const sizes = (x: MarginAccountInfo) => x.positions.map((q) => `${q.marketIndex}/${q.instrumentIndex}:${q.size}`).sort();
        expect(sizes(p.accountAfter!)).to.deep.equal(sizes(rest));
        a = p.accountAfter!;
      }
      if (plan.bankrupt) {
        expect(plan.resolveBankruptcy?.ok, String(plan.resolveBankruptcy?.error)).to.equal(true);
        expect(a.collaterals.every((c) => c.mint.equals(quoteMint)), "no collateral left for resolve_bankruptcy").to.equal(true);
        expect(margin(snap, a).equity < 0n).to.equal(true);
      } else {
        const end = margin(snap, a);
        expect(end.equity >= end.mm, `trial ${trial}: ends at equity ${end.equity} MM ${end.mm}`).to.equal(true);
        // minimal: one unit less of the bisected part (each leg ceil(full x (t - 1) / T)) stays below the target
        const last = plan.steps[plan.steps.length - 1];
        expect(last.partial, "the last step ends with a bisected part").to.not.equal(null);
        const { from, full, t } = last.partial!;
        const T = full.reduce((m, x) => (x > m ? x : m), 0n);
        expect(last.legs.slice(from).map((l) => l.amount)).to.deep.equal(full.map((f) => ceilDiv(f * t, T)).filter((x) => x > 0n));
        const less = [...last.legs.slice(0, from), ...last.legs.slice(from).map((l, i) => ({ ...l, amount: ceilDiv(full[i] * (t - 1n), T) }))].filter((l) => l.amount > 0n);
        if (less.length) {
          const p = simulateLiquidation({ ...snap, account: stateBefore(plan, snap) }, less);
          expect(!p.ok || p.after!.equity - p.after!.mm < plan.target!, "one unit less would not do").to.equal(true);
        }
      }
    }
    expect(planned).to.be.at.least(30);
    expect(multiLeg, "plans with several legs in a step").to.be.at.least(3);
    expect(bankrupt, "bankrupt accounts").to.be.at.least(1);
    expect(collateralLegs, "collateral legs").to.be.at.least(1);
    expect(multiStep, "plans of several steps").to.be.at.least(2);
  });

  it("a bankrupt account: its collateral is liquidated, then resolve_bankruptcy with the deficit written out", function () {
    // 0.5 wBTC and a 2 BTC long perpetual from 100,000; BTC at 70,000: equity < 0
    const account = marginAccount(Keypair.generate().publicKey, {
      positions: [pos(0, 0, 2n * C, 200_000n * E6)],
      collaterals: [{ mint: quoteMint, amount: 20_000n * E6 }, { mint: wbtc, amount: 50_000_000n }],
    });
    const S = 70_000n * E6;
    const snap = snapshot(account, [S, 3_500n * E6], RICH, 1_000_000n * E6);
    const m0 = margin(snap, account);
    expect(m0.equity < 0n).to.equal(true);
    const plan = planLiquidation(snap);
    expect(plan.error, String(plan.error)).to.equal(null);
    expect(plan.bankrupt).to.equal(true);
    expect(plan.steps.flatMap((s) => s.legs).some((l) => l.kind === LiquidationLegKind.Collateral && l.mint.equals(wbtc) && l.amount === 50_000_000n)).to.equal(true);
    const r = plan.resolveBankruptcy!;
    expect(r.ok, String(r.error)).to.equal(true);
    // what is left at resolution, by hand: the quote and what remains of the perpetual
    const left = plan.steps.length ? plan.steps[plan.steps.length - 1].preview.accountAfter! : account;
    const perp = left.positions.find((p) => p.instrumentIndex === 0);
    const quote = (left.collaterals.find((c) => c.mint.equals(quoteMint))?.amount ?? 0n) - left.quoteDebt;
    const mm = margin(snap, left).mm;
    const total = ceilDiv(mm * 150_000n, E6);
    const resolverFee = total - ceilDiv(total * 250_000n, E6);
    const cash = perp ? floorDiv(perp.size * S, E6) - perp.costBasis : 0n;
    const deficit = -(quote + cash - resolverFee);
    expect([r.resolverFee, r.deficit, r.insurancePaid, r.socialized, r.badDebt]).to.deep.equal([resolverFee, deficit, deficit, 0n, 0n]);
    expect(r.accountAfter!.positions).to.deep.equal([]);
    expect(r.accountAfter!.quoteDebt).to.equal(0n);
    // with an empty fund the deficit is socialised to the BTC perpetual holders (open interest 2
    // contracts each side), at most 0.5% of the oracle EMA per contract: a high EMA takes it all,
    // a low one caps the charge and leaves the rest as bad debt
    for (const oracleEma of [1_000_000n * E6, 50_000n * E6]) {
      const open = { ...BTC, oracleEma, instruments: BTC.instruments.map((i) => (i.index === 0 ? { ...i, openInterest: 2n * C } : i)) };
      const poor = planLiquidation({ ...snap, markets: [open, ETH], insuranceBalance: 0n }).resolveBankruptcy!;
      const cap = (oracleEma * 5_000n) / E6;
      const uncapped = ceilDiv(deficit * E6, 4n * C);
      const socialized = uncapped <= cap ? deficit : (cap * 4n * C) / E6;
      expect([poor.socialized, poor.badDebt]).to.deep.equal([socialized, deficit - socialized]);
      expect(poor.lossIndexAfter).to.equal(uncapped <= cap ? uncapped : cap);
    }
    // the two cases above are one of each
    expect(ceilDiv(deficit * E6, 4n * C) <= (1_000_000n * E6 * 5_000n) / E6).to.equal(true);
    expect(ceilDiv(deficit * E6, 4n * C) > (50_000n * E6 * 5_000n) / E6).to.equal(true);
  });

  it("findLiquidatable at given prices: a what-if crash finds the account the oracles do not", function () {
    // 1 BTC long from 100,000 on 20,000 USDC: at 90,000 equity is 10,000 (written out), below MM
    const account = marginAccount(Keypair.generate().publicKey, { collaterals: [{ mint: quoteMint, amount: 20_000n * E6 }], positions: [pos(0, 0, C, 100_000n * E6)] });
    const s = snapshot(account, [100_000n * E6, 3_500n * E6]);
    expect(findLiquidatable([s])).to.deep.equal([]);
    const [hit] = findLiquidatable([s], { spots: { 0: 90_000n * E6 } });
    expect(hit.result.equity).to.equal(10_000n * E6);
    expect(hit.shortfall).to.equal(hit.result.mm - 10_000n * E6);
    expect(hit.bankrupt).to.equal(false);
    expect(findLiquidatable([s], { spots: new Map([[0, 79_000n * E6]]) })[0].bankrupt).to.equal(true);
    // an oracle the liquidation class refuses (10 minutes and a second old): reported, not listed
    const stale = { ...s, now: NOW + 601n };
    const errors: string[] = [];
    expect(findLiquidatable([stale], { onError: (_a, e) => errors.push(e.name) })).to.deep.equal([]);
    expect(errors).to.deep.equal(["OracleStale"]);
  });

  it("refusals: not liquidatable, leg counts, a leg beyond the position, self-liquidation", function () {
    const account = marginAccount(Keypair.generate().publicKey, { collaterals: [{ mint: quoteMint, amount: 20_000n * E6 }], positions: [pos(0, 0, C, 100_000n * E6)] });
    const healthy = snapshot(account, [100_000n * E6, 3_500n * E6]);
    expect(planLiquidation(healthy)).to.include({ liquidatable: false, error: null });
    expect(simulateLiquidation(healthy, [positionLeg(0, 0, 1n)]).error?.name).to.equal("AccountNotLiquidatable");
    const crashed = snapshot(account, [90_000n * E6, 3_500n * E6]);
    expect(simulateLiquidation(crashed, []).error?.name).to.equal("InvalidLiquidationLeg");
    expect(simulateLiquidation(crashed, Array(5).fill(positionLeg(0, 0, 1n))).error?.name).to.equal("InvalidLiquidationLeg");
    expect(simulateLiquidation(crashed, [positionLeg(0, 0, C + 1n)]).error?.name).to.equal("InvalidLiquidationLeg");
    expect(simulateLiquidation(crashed, [positionLeg(0, 0, C)]).error?.name).to.equal("OverLiquidation");
    const self = marginAccount(account.owner, { collaterals: [{ mint: quoteMint, amount: 1_000_000n * E6 }] });
    expect(simulateLiquidation({ ...crashed, liquidator: self }, [positionLeg(0, 0, 1000n)]).error?.name).to.equal("SelfLiquidation");
    expect(planLiquidation({ ...crashed, liquidator: self }).error?.name).to.equal("SelfLiquidation");
  });
});

/** The account as the plan's last step found it. */
function stateBefore(plan: ReturnType<typeof planLiquidation>, s: LiquidationSnapshot): MarginAccountInfo {
  return plan.steps.length > 1 ? plan.steps[plan.steps.length - 2].preview.accountAfter! : s.account;
}
