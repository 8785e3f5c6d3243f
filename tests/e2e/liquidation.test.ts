// Liquidation, bankruptcy and the insurance fund through the SDK on the local node. A long BTC
// perpetual bought by RFQ meets a crash written to the oracle: findLiquidatable finds the account,
// planLiquidation + buildLiquidate take just enough of it to bring equity back above MM within the
// buffer (checked with the program's simulate_margin); a second crash makes it bankrupt and
// resolve_bankruptcy has the insurance fund pay the deficit. Fees, prices, deficits and loss-index
// steps are checked against arithmetic written out here, and every mirror prediction (legs,
// fees, equity and MM after, refusals) against what the program did.
import { Keypair, PublicKey } from "@solana/web3.js";
import { expect } from "chai";
import {
  LiquidationLeg,
  LiquidationSnapshot,
  MakerSide,
  MarginAccountInfo,
  PortfolioMarginLiquidation,
  PortfolioMarginTrading,
  TradeQuote,
  collateralLeg,
  evaluateSnapshot,
  fetchTransactionEvents,
  liquidationEventsOf,
  lossOwed,
  positionLeg,
  quoteBalance,
  simulateLiquidation,
} from "../../app/src";
import { clusterTime } from "../../app/src/health";
import { Kind } from "../../app/src/risk";
import { setClock, writeMarginAccount, writeTestOracle } from "../../app/src/testing";
import { MarketsWorld, ON_LOCALNET, createMarketsWorld, createUser, expectError, freshOracles, payerOf, tokenAmount, usdc } from "./helpers";
import { mintTestTokens } from "../../app/src/testing";

const C = 1_000_000n;
const E6 = 1_000_000n;
const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;
const floorDiv = (a: bigint, b: bigint) => (a >= 0n ? a / b : -((-a + b - 1n) / b));
/** A step's fee written out: 15% of the MM it released, rounded up, 25% of that (up) to the fund. */
function expectedFee(released: bigint) {
  const total = ceilDiv(released * 150_000n, E6);
  const insurance = ceilDiv(total * 250_000n, E6);
  return { total, insurance, liquidator: total - insurance };
}

(ON_LOCALNET ? describe : describe.skip)("e2e (localnet): liquidation, bankruptcy and the insurance fund", function () {
  this.timeout(600_000);
  let w: MarketsWorld;
  let liq: PortfolioMarginLiquidation;
  let nonce = 1n;
  type Trader = { user: Keypair; account: PublicKey };
  let maker: Trader;
  let victim: Trader;
  let liquidator: Trader;
  const DEPOSIT = usdc("20000");

  const btcSpot = async (usd: number): Promise<bigint> => {
    const now = await clusterTime(w.connection);
    await setClock(w.connection, now);
    await writeTestOracle(w.operator, w.markets[0].oracle, usd, now);
    return now;
  };
  const account = (a: PublicKey): Promise<MarginAccountInfo> => w.client.fetchMarginAccountInfo(a);
  const perpOf = (a: MarginAccountInfo, market = 0) => a.positions.find((p) => p.marketIndex === market && p.instrumentIndex === 0);

  async function newTrader(amount: bigint, index = 0): Promise<Trader> {
    const { user } = await createUser(w, amount);
    await w.client.createMarginAccount({ clearinghouse: w.clearinghouse, owner: user, accountIndex: index });
    await w.client.deposit({ clearinghouse: w.clearinghouse, owner: user, amount, accountIndex: index });
    return { user, account: w.client.marginAccountAddress(w.clearinghouse, user.publicKey, index) };
  }
  /** `taker` buys (size > 0) or sells perpetual contracts of `market` from the maker at `price`. */
  async function perpTrade(taker: Trader, size: bigint, price: bigint, market = 0): Promise<void> {
    const now = await clusterTime(w.connection);
    const quote: TradeQuote = { instrumentIndex: 0, makerSide: size > 0n ? MakerSide.Sell : MakerSide.Buy, size: size > 0n ? size : -size, price, oracleLimit: 0n, expiresAt: now + 120n, nonce: nonce++ };
    const trading = new PortfolioMarginTrading(w.client);
    const encoded = await trading.createSignedQuote({ maker: maker.user, makerAccount: maker.account, takerAccount: taker.account, marketIndex: market, quote });
    await trading.acceptSignedQuote(encoded, { taker: taker.user });
  }
  async function events(signature: string) {
    return liquidationEventsOf(await fetchTransactionEvents(w.connection, signature, { programId: w.client.programId }));
  }

  before(async function () {
    w = await createMarketsWorld();
    liq = new PortfolioMarginLiquidation(w.client);
    maker = await newTrader(usdc("1000000"));
    victim = await newTrader(DEPOSIT);
    liquidator = await newTrader(usdc("500000"));
    await freshOracles(w);
    // the victim buys 1 BTC perpetual at 100,000 (taker fee 5 bp: 50 USDC)
    await perpTrade(victim, C, 100_000n * E6);
  });

  it("a crash makes the account liquidatable: findLiquidatable finds it, with the program's numbers", async function () {
    await btcSpot(100_000);
    expect((await liq.findLiquidatable(w.clearinghouse)).map((a) => a.address.toBase58())).to.not.include(victim.account.toBase58());
    await btcSpot(90_000);
    const found = await liq.findLiquidatable(w.clearinghouse);
    const addresses = found.map((a) => a.address.toBase58());
    expect(addresses).to.include(victim.account.toBase58());
    expect(addresses).to.not.include(maker.account.toBase58());
    expect(addresses).to.not.include(liquidator.account.toBase58());
    const entry = found.find((a) => a.address.equals(victim.account))!;
    const report = await w.client.simulateMargin(victim.account);
    // deposit - fee + 1 x (90,000 - 100,000)
    expect(report.equity).to.equal(DEPOSIT - 50n * E6 - 10_000n * E6);
    expect(report.equity < report.mm).to.equal(true);
    expect([entry.result.equity, entry.result.mm, entry.result.im]).to.deep.equal([report.equity, report.mm, report.im]);
    expect(entry.shortfall).to.equal(report.mm - report.equity);
    expect(entry.bankrupt).to.equal(false);
  });

  it("planLiquidation + buildLiquidate: part of the perpetual at the mark brings equity back above MM, within the buffer", async function () {
    const spot = 90_000n * E6;
    const plan = await liq.planLiquidation(victim.account, liquidator.account);
    expect(plan.error, String(plan.error)).to.equal(null);
    expect(plan.liquidatable && !plan.bankrupt).to.equal(true);
    expect(plan.steps).to.have.length(1);
    const [leg] = plan.steps[0].legs;
    expect(plan.steps[0].legs).to.have.length(1);
    expect(leg).to.include({ marketIndex: 0, instrumentIndex: 0 });
    expect(leg.amount > 0n && leg.amount < C, `amount ${leg.amount}`).to.equal(true);

    const before = await w.client.simulateMargin(victim.account);
    const accountBefore = await account(victim.account);
    const feePool = (await w.client.fetchMarketInfo(w.clearinghouse, 0)).feePool;
    const ixs = await liq.buildLiquidate({ marginAccount: victim.account, liquidatorAccount: liquidator.account, legs: plan.steps[0].legs, liquidator: liquidator.user, computeUnitLimit: 1_400_000 });
    expect(ixs).to.have.length(2); // the compute-unit limit first
    const signature = await w.client.send(ixs, [liquidator.user]);

    const after = await w.client.simulateMargin(victim.account);
    const buffer = ceilDiv(before.mm * 100_000n, E6);
    expect(after.equity >= after.mm, `equity ${after.equity} < MM ${after.mm}`).to.equal(true);
    expect(after.equity - after.mm <= buffer, `equity - MM ${after.equity - after.mm} > buffer ${buffer}`).to.equal(true);

    // written out: the liquidator takes the long at spot; the fee is 15% of the MM released (a
    // quote balance carries no margin: MM after the legs is MM after the step), 25% of it to the fund
    const ev = await events(signature);
    expect(ev.legs).to.have.length(1);
    const fee = expectedFee(before.mm - after.mm);
    const basis = perpOf(accountBefore)!.costBasis; // 100,000 USDC for 1 contract
    const cash = floorDiv(leg.amount * spot, E6) - ceilDiv(basis * leg.amount, C);
    expect(ev.legs[0]).to.include({ legKind: 0, instrumentIndex: 0, size: leg.amount, price: spot, cash });
    expect(ev.liquidations[0]).to.include({ equityBefore: before.equity, mmBefore: before.mm, equityAfter: after.equity, mmAfter: after.mm, fee: fee.total, liquidatorFee: fee.liquidator, insuranceFee: fee.insurance });
    // equity falls by the fee only (the transfer is at the mark)
    expect(before.equity - after.equity).to.equal(fee.total);
    expect(quoteBalance(await account(victim.account), w.quoteMint)).to.equal(quoteBalance(accountBefore, w.quoteMint) + cash - fee.total);
    // the liquidator opens its long at the mark (a cost basis, no cash) and earns its part of the fee
    expect(quoteBalance(await account(liquidator.account), w.quoteMint)).to.equal(usdc("500000") + fee.liquidator);
    const taken = perpOf(await account(liquidator.account))!;
    expect(taken).to.include({ size: leg.amount, costBasis: ceilDiv(leg.amount * spot, E6) });
    expect((await w.client.fetchMarketInfo(w.clearinghouse, 0)).feePool - feePool).to.equal(fee.insurance);

    // the plan predicted the program exactly
    const p = plan.steps[0].preview;
    expect([p.after!.equity, p.after!.mm]).to.deep.equal([after.equity, after.mm]);
    expect(p.legs[0]).to.include({ price: spot, cash, size: leg.amount });
    expect(p.fee).to.deep.equal(fee);
    expect(ev.liquidations[0].liquidatorEquity).to.equal(p.liquidatorAfter!.equity);
  });

  it("refusals, as the mirror predicts: not liquidatable, over-liquidation, a leg beyond the position, self-liquidation", async function () {
    const snap = (l: PublicKey) => liq.liquidationSnapshot(victim.account, l);
    const send = (legs: LiquidationLeg[], who: Trader = liquidator) =>
      liq.liquidate({ marginAccount: victim.account, liquidatorAccount: who.account, legs, liquidator: who.user });
    const size = perpOf(await account(victim.account))!.size;
    const expectBoth = async (legs: LiquidationLeg[], name: string, who: Trader = liquidator) => {
      const preview = simulateLiquidation(await snap(who.account), legs);
      expect(preview.error?.name, name).to.equal(name);
      await expectError(send(legs, who), "program", name);
    };
    // back above MM: nothing to take
    await expectBoth([positionLeg(0, 0, 1000n)], "AccountNotLiquidatable");
    // a small dip: liquidatable again, but not all of it, nor more than it holds
    await btcSpot(89_500);
    expect((await w.client.simulateMargin(victim.account)).equity < (await w.client.simulateMargin(victim.account)).mm).to.equal(true);
    await expectBoth([positionLeg(0, 0, size)], "OverLiquidation");
    await expectBoth([positionLeg(0, 0, size + 1n)], "InvalidLiquidationLeg");
    await expectBoth([positionLeg(0, 3, 1n)], "InvalidLiquidationLeg");
    await expectBoth([collateralLeg(w.quoteMint, 1n)], "InvalidLiquidationLeg");
    // the owner's other account may not liquidate it
    const own = { user: victim.user, account: w.client.marginAccountAddress(w.clearinghouse, victim.user.publicKey, 1) };
    await w.client.createMarginAccount({ clearinghouse: w.clearinghouse, owner: victim.user, accountIndex: 1 });
    await expectBoth([positionLeg(0, 0, 1000n)], "SelfLiquidation", own);
    // a liquidator without margin for what it takes
    const poor = await newTrader(usdc("10"));
    await expectBoth([positionLeg(0, 0, size / 10n)], "LiquidatorInsufficientMargin", poor);
  });

  it("deposit_insurance: the fund grows by the amount, counted in the clearinghouse", async function () {
    const vault = w.insuranceVault;
    const before = await tokenAmount(w.connection, vault);
    const ch0 = await w.client.fetchClearinghouseInfo(w.clearinghouse);
    const depositor = await createUser(w, usdc("5000"));
    const ixs = await liq.buildDepositInsurance({ clearinghouse: w.clearinghouse, amount: usdc("5000"), depositor: depositor.user });
    const signature = await w.client.send(ixs, [depositor.user]);
    expect(await tokenAmount(w.connection, vault)).to.equal(before + usdc("5000"));
    expect(await tokenAmount(w.connection, depositor.ata)).to.equal(0n);
    const ch = await w.client.fetchClearinghouseInfo(w.clearinghouse);
    expect(ch.insuranceDeposited - ch0.insuranceDeposited).to.equal(usdc("5000"));
    const ev = await events(signature);
    expect(ev.insuranceDeposits[0]).to.include({ amount: usdc("5000"), insuranceBalance: before + usdc("5000") });
    expect(ev.insuranceDeposits[0].depositor.equals(depositor.user.publicKey)).to.equal(true);
    const fund = await liq.insuranceFund(w.clearinghouse);
    expect(fund).to.include({ balance: before + usdc("5000"), deposited: ch.insuranceDeposited, paid: 0n, socializedLoss: 0n, badDebt: 0n });
    // nothing to deposit
    await expectError(liq.depositInsurance({ clearinghouse: w.clearinghouse, amount: 0n, depositor: depositor.user }), "program", "ZeroAmount");
  });

  it("a second crash: bankrupt; resolve_bankruptcy takes the position at mark and the insurance fund pays the deficit", async function () {
    const spot = 75_000n * E6;
    await btcSpot(75_000);
    const report = await w.client.simulateMargin(victim.account);
    expect(report.equity < 0n, `equity ${report.equity}`).to.equal(true);
    const found = (await liq.findLiquidatable(w.clearinghouse)).find((a) => a.address.equals(victim.account))!;
    expect(found.bankrupt).to.equal(true);
    // a liquidation cannot help: equity cannot get back to MM
    const plan = await liq.planLiquidation(victim.account, liquidator.account);
    expect(plan.error, String(plan.error)).to.equal(null);
    expect(plan.bankrupt).to.equal(true);
    expect(plan.steps).to.have.length(0);
    expect(plan.resolveBankruptcy!.ok).to.equal(true);

    // the deficit written out: the position closes at spot, the account pays the resolver the
    // liquidator's part of a step fee on all its MM (only quote is left: no MM)
    const a = await account(victim.account);
    const perp = perpOf(a)!;
    const fee = expectedFee(report.mm);
    const deficit = -(quoteBalance(a, w.quoteMint) + floorDiv(perp.size * spot, E6) - perp.costBasis - fee.liquidator);
    expect(deficit > 0n).to.equal(true);
    const fund = await tokenAmount(w.connection, w.insuranceVault);
    expect(fund > deficit).to.equal(true);
    const resolverPerp = perpOf(await account(liquidator.account))!;

    const ixs = await liq.buildResolveBankruptcy({ marginAccount: victim.account, resolverAccount: liquidator.account, resolver: liquidator.user });
    const signature = await w.client.send(ixs, [liquidator.user]);
    expect(fund - (await tokenAmount(w.connection, w.insuranceVault))).to.equal(deficit);
    const after = await account(victim.account);
    expect(after.positions).to.deep.equal([]);
    expect(after.collaterals).to.deep.equal([]);
    expect(after.quoteDebt).to.equal(0n);
    expect(perpOf(await account(liquidator.account))!.size).to.equal(resolverPerp.size + perp.size);
    const ev = await events(signature);
    expect(ev.bankruptcies[0]).to.include({ deficit, insurancePaid: deficit, socialized: 0n, badDebt: 0n, positionsTaken: 1, resolverFee: fee.liquidator, equityBefore: report.equity });
    expect(ev.legs[0]).to.include({ size: perp.size, price: spot, cash: floorDiv(perp.size * spot, E6) - perp.costBasis });
    const ch = await w.client.fetchClearinghouseInfo(w.clearinghouse);
    expect(ch.insurancePaid).to.equal(deficit);
    // the mirror's preview
    const r = plan.resolveBankruptcy!;
    expect([r.deficit, r.insurancePaid, r.socialized, r.badDebt, r.resolverFee]).to.deep.equal([deficit, deficit, 0n, 0n, fee.liquidator]);
    expect(r.insuranceBalanceAfter).to.equal(fund - deficit);
    // nothing left to resolve (a compute-unit limit first: not the transaction that just landed)
    const again = await liq.buildResolveBankruptcy({ marginAccount: victim.account, resolverAccount: liquidator.account, resolver: liquidator.user, computeUnitLimit: 1_000_000 });
    await expectError(w.client.send(again, [liquidator.user]), "program", "AccountNotBankrupt");
  });

  it("options, collateral and perpetuals across markets: every planned step lands as the mirror predicted", async function () {
    const now = await freshOracles(w);
    const holder = await newTrader(usdc("4000"));
    await mintTestTokens(w.connection, payerOf(w.provider), w.wbtc, holder.user.publicKey, 50_000_000n); // 0.5 wBTC
    await w.client.deposit({ clearinghouse: w.clearinghouse, owner: holder.user, mint: w.wbtc, amount: 50_000_000n });
    const btc = await w.client.fetchMarketInfo(w.clearinghouse, 0);
    const eth = await w.client.fetchMarketInfo(w.clearinghouse, 1);
    const pick = (m: typeof btc, kind: Kind, strike: bigint) => m.instruments.findIndex((i) => i.kind === kind && i.expiryIndex === 1 && i.strike === strike);
    // short 3 BTC 90,000 puts and 20 long ETH perpetuals (written: the book, not how it was traded)
    await writeMarginAccount(w.client, holder.account, {
      positions: [
        { marketIndex: 0, instrumentIndex: pick(btc, Kind.Put, 90_000n * E6), size: -3n * C, costBasis: -6_000n * E6 },
        { marketIndex: 1, instrumentIndex: 0, size: 20n * C, costBasis: 20n * 3_500n * E6, fundingSnapshot: eth.fundingIndex, lossSnapshot: eth.lossIndex },
      ],
      collaterals: [
        { mint: w.quoteMint, amount: usdc("4000") },
        { mint: w.wbtc, amount: 50_000_000n },
      ],
    });
    expect((await w.client.simulateMargin(holder.account)).equity > 0n).to.equal(true);
    // BTC and ETH fall together
    await setClock(w.connection, now);
    await writeTestOracle(w.operator, w.markets[0].oracle, 86_000, now);
    await writeTestOracle(w.operator, w.markets[1].oracle, 3_150, now);
    const start = await w.client.simulateMargin(holder.account);
    expect(start.equity < start.mm && start.equity > 0n, `equity ${start.equity} MM ${start.mm}`).to.equal(true);

    const plan = await liq.planLiquidation(holder.account, liquidator.account);
    expect(plan.error, String(plan.error)).to.equal(null);
    expect(plan.steps.length).to.be.greaterThan(0);
    // the ETH perpetual and the wBTC whole (the most MM per unit of notional), then just enough of the puts
    const legs = plan.steps.flatMap((st) => st.legs);
    expect(legs.map((l) => [l.kind, l.marketIndex])).to.deep.equal([[0, 1], [1, 0], [0, 0]]);
    expect(legs[0].amount).to.equal(20n * C);
    expect(legs[1].amount).to.equal(50_000_000n);
    expect(legs[2].amount > 0n && legs[2].amount < 3n * C).to.equal(true);
    const kinds = new Set<number>();
    let mmBefore = start.mm;
    for (const step of plan.steps) {
      const snapshot: LiquidationSnapshot = await liq.liquidationSnapshot(holder.account, liquidator.account);
      const before = await w.client.simulateMargin(holder.account);
      mmBefore = before.mm;
      const signature = await liq.liquidate({ marginAccount: holder.account, liquidatorAccount: liquidator.account, legs: step.legs, liquidator: liquidator.user });
      const ev = await events(signature);
      // the mirror at the time the program used
      const at = ev.liquidations[0].timestamp;
      const preview = simulateLiquidation({ ...snapshot, now: at }, step.legs);
      expect(preview.error, String(preview.error)).to.equal(null);
      expect(ev.legs.map((l) => [l.legKind, l.size, l.price, l.cash])).to.deep.equal(preview.legs.map((l) => [l.leg.kind, l.size, l.price, l.cash]));
      const e = ev.liquidations[0];
      expect([e.equityBefore, e.mmBefore, e.equityAfter, e.mmAfter, e.liquidatorEquity, e.liquidatorIm, e.fee, e.liquidatorFee, e.insuranceFee]).to.deep.equal([
        preview.before!.equity, preview.before!.mm, preview.after!.equity, preview.after!.mm, preview.liquidatorAfter!.equity, preview.liquidatorAfter!.im,
        preview.fee.total, preview.fee.liquidator, preview.fee.insurance,
      ]);
      for (const l of ev.legs) kinds.add(l.legKind);
    }
    const end = await w.client.simulateMargin(holder.account);
    expect(end.equity >= end.mm, `equity ${end.equity} < MM ${end.mm}`).to.equal(true);
    expect(end.equity - end.mm <= ceilDiv(mmBefore * 100_000n, E6)).to.equal(true);
    expect(kinds.size, "legs of positions and of collateral").to.equal(2);
  });

  it("socialised loss: a deficit beyond the insurance fund is charged to BTC perpetual holders (capped per contract, the rest bad debt), and the mirror counts it as the program does", async function () {
    await btcSpot(100_000);
    const victim2 = await newTrader(usdc("20000"));
    await perpTrade(victim2, C, 100_000n * E6);
    const spot = 70_000n * E6;
    await btcSpot(70_000);
    expect((await w.client.simulateMargin(victim2.account)).equity < 0n).to.equal(true);
    const fund = await tokenAmount(w.connection, w.insuranceVault);
    const market0 = await w.client.fetchMarketInfo(w.clearinghouse, 0);
    const a = await account(victim2.account);
    const perp = perpOf(a)!;
    const fee = expectedFee((await w.client.simulateMargin(victim2.account)).mm);
    const deficit = -(quoteBalance(a, w.quoteMint) + floorDiv(perp.size * spot, E6) - perp.costBasis - fee.liquidator);
    expect(deficit > fund, `deficit ${deficit} fund ${fund}`).to.equal(true);
    const uncovered = deficit - fund;
    const oi = market0.instruments[0].openInterest; // the takeover moves the long to the resolver: unchanged
    // pro rata to both sides' contracts, at most 0.5% of the oracle EMA per contract; beyond: bad debt
    const cap = (market0.oracleEma * 5_000n) / E6;
    const uncapped = ceilDiv(uncovered * E6, 2n * oi);
    const step = uncapped < cap ? uncapped : cap;
    const socialized = uncapped <= cap ? uncovered : (cap * 2n * oi) / E6;
    const badDebt = uncovered - socialized;
    const makerBefore = await w.client.simulateMargin(maker.account);
    const makerPerp = perpOf(await account(maker.account))!;

    const plan = await liq.planLiquidation(victim2.account, liquidator.account);
    expect(plan.resolveBankruptcy?.ok).to.equal(true);
    const signature = await liq.resolveBankruptcy({ marginAccount: victim2.account, resolverAccount: liquidator.account, resolver: liquidator.user, socializationMarket: market0.address });
    const ev = await events(signature);
    expect(ev.bankruptcies[0]).to.include({ deficit, insurancePaid: fund, socialized, badDebt, lossIndexAfter: market0.lossIndex + step });
    expect(await tokenAmount(w.connection, w.insuranceVault)).to.equal(0n);
    const market1 = await w.client.fetchMarketInfo(w.clearinghouse, 0);
    expect(market1.lossIndex - market0.lossIndex).to.equal(step);
    expect(market1.socializedLoss - market0.socializedLoss).to.equal(socialized);
    const r = plan.resolveBankruptcy!;
    expect([r.deficit, r.insurancePaid, r.socialized, r.badDebt, r.lossIndexAfter]).to.deep.equal([deficit, fund, socialized, badDebt, market0.lossIndex + step]);

    // the maker (short perpetual) now owes |size| x step, rounded up: its equity drops by exactly that
    const owed = ceilDiv((makerPerp.size < 0n ? -makerPerp.size : makerPerp.size) * step, E6);
    expect(lossOwed(makerPerp.size, market1.lossIndex, makerPerp.lossSnapshot)).to.equal(owed);
    const makerAfter = await w.client.simulateMargin(maker.account);
    expect(makerBefore.equity - makerAfter.equity).to.equal(owed);
    // and the mirror's margin of every perpetual holder is the program's, integer for integer
    for (const t of [maker, liquidator]) {
      const report = await w.client.simulateMargin(t.account);
      const mirror = evaluateSnapshot(await w.client.marginSnapshot(t.account));
      expect([mirror.equity, mirror.mm, mirror.im]).to.deep.equal([report.equity, report.mm, report.im]);
    }
    const ch = await w.client.fetchClearinghouseInfo(w.clearinghouse);
    expect([ch.socializedLoss, ch.badDebt]).to.deep.equal([socialized, badDebt]);
  });
});
