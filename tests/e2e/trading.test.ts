// RFQ trading, funding and expiry settlement through the SDK on the local node: the maker signs a
// quote, shares it as a string, the taker decodes, previews and completes it; positions, quote
// balances and fee pools are checked against arithmetic written out here; time is warped with
// setClock for funding and expiry; previewTrade is checked against what the chain does.
import { Keypair, PublicKey } from "@solana/web3.js";
import { expect } from "chai";
import {
  MakerSide,
  MarginAccountInfo,
  MarketInfo,
  MarketStatus,
  PortfolioMarginTrading,
  TradeQuote,
  fundingOwed,
  fundingStep,
  emaUpdate,
  engineAccount,
  quoteBalance,
  snapshotPrices,
} from "../../app/src";
import { clusterTime } from "../../app/src/health";
import { evaluate, Kind } from "../../app/src/risk";
import { setClock, writeMarginAccount, writeTestOracle } from "../../app/src/testing";
import { MarketsWorld, ON_LOCALNET, createMarketsWorld, createUser, expectError, freshOracles, giveClockBackAfterSuite, usdc } from "./helpers";

const C = 1_000_000n; // one contract
const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;
const min = (a: bigint, b: bigint) => (a < b ? a : b);

(ON_LOCALNET ? describe : describe.skip)("e2e (localnet): RFQ trading, funding and settlement", function () {
  this.timeout(300_000);
  giveClockBackAfterSuite(); // funding and settlement run the clock forward
  let w: MarketsWorld;
  let trading: PortfolioMarginTrading;
  let maker: Keypair;
  let taker: Keypair;
  let makerAccount: PublicKey;
  let takerAccount: PublicKey;
  let btc: MarketInfo;
  let call7d: number; // 7-day 100,000 call
  let nonce = 1n;
  const DEPOSIT = usdc("500000");
  const SPOT = 100_000_000_000n; // the BTC test oracle, 1e6

  async function account(a: PublicKey): Promise<MarginAccountInfo> {
    return w.client.fetchMarginAccountInfo(a);
  }
  async function market(): Promise<MarketInfo> {
    return w.client.fetchMarketInfo(w.clearinghouse, 0);
  }
  function quote(q: Partial<TradeQuote> & Pick<TradeQuote, "instrumentIndex" | "makerSide" | "size" | "price">, now: bigint): TradeQuote {
    return { oracleLimit: 0n, expiresAt: now + 120n, nonce: nonce++, ...q };
  }
  async function newTrader(amount: bigint): Promise<{ user: Keypair; account: PublicKey }> {
    const { user } = await createUser(w, amount);
    await w.client.createMarginAccount({ clearinghouse: w.clearinghouse, owner: user });
    await w.client.deposit({ clearinghouse: w.clearinghouse, owner: user, amount });
    return { user, account: w.client.marginAccountAddress(w.clearinghouse, user.publicKey) };
  }
  const position = (a: MarginAccountInfo, instrumentIndex: number) => a.positions.find((p) => p.marketIndex === 0 && p.instrumentIndex === instrumentIndex);

  before(async function () {
    w = await createMarketsWorld();
    trading = new PortfolioMarginTrading(w.client);
    ({ user: maker, account: makerAccount } = await newTrader(DEPOSIT));
    ({ user: taker, account: takerAccount } = await newTrader(DEPOSIT));
    btc = await market();
    call7d = btc.instruments.findIndex((i) => i.kind === Kind.Call && i.expiryIndex === 0 && i.strike === 100_000_000_000n);
    expect(call7d).to.be.greaterThan(0);
  });

  it("an option RFQ: the maker signs and shares a string, the taker decodes, previews and completes it", async function () {
    const now = await freshOracles(w);
    const premium = 2_000_000_000n; // 2,000 per contract
    const q = quote({ instrumentIndex: call7d, makerSide: MakerSide.Sell, size: C, price: premium, oracleLimit: 101_000_000_000n }, now);
    const encoded = await trading.createSignedQuote({ maker, makerAccount, takerAccount, marketIndex: 0, quote: q });
    expect(encoded).to.match(/^[A-Za-z0-9+/]+=*$/);

    const decoded = trading.decodeSignedQuote(encoded);
    expect(decoded.quote).to.deep.equal(q);
    expect(decoded.makerSigned).to.equal(true);
    expect(decoded.accounts.makerAccount.equals(makerAccount) && decoded.accounts.takerAccount.equals(takerAccount)).to.equal(true);
    expect(decoded.accounts.remaining.map((k) => k.toBase58())).to.deep.equal([btc.address.toBase58(), btc.oracle.toBase58()]);
    const preview = await trading.previewSignedQuote(decoded);
    expect(preview.error, String(preview.error)).to.equal(null);

    await trading.acceptSignedQuote(encoded, { taker });
    const [m, t, mk] = await Promise.all([account(makerAccount), account(takerAccount), market()]);
    // fees: options pay a rate of premium capped at 300 ppm of notional (size x spot)
    const cap = (C * SPOT * 300n) / 10n ** 12n;
    const makerFee = min(ceilDiv(C * premium * 10_000n, 10n ** 12n), cap);
    const takerFee = min(ceilDiv(C * premium * 30_000n, 10n ** 12n), cap);
    expect([makerFee, takerFee]).to.deep.equal([20_000_000n, 30_000_000n]);
    expect(quoteBalance(m, w.quoteMint)).to.equal(DEPOSIT + premium - makerFee);
    expect(quoteBalance(t, w.quoteMint)).to.equal(DEPOSIT - premium - takerFee);
    expect(position(m, call7d)).to.include({ size: -C, costBasis: -premium });
    expect(position(t, call7d)).to.include({ size: C, costBasis: premium });
    expect(mk.feePool).to.equal(makerFee + takerFee);
    expect(mk.instruments[call7d].openInterest).to.equal(C);
    // the preview predicted the accounts exactly
    expect(preview.maker.quoteBalanceAfter).to.equal(quoteBalance(m, w.quoteMint));
    expect(preview.taker.quoteBalanceAfter).to.equal(quoteBalance(t, w.quoteMint));
    expect(preview.makerAfter!.positions).to.deep.equal(m.positions);
    expect(preview.takerAfter!.positions).to.deep.equal(t.positions);
    expect(preview.maker.after!.im > preview.maker.before!.im).to.equal(true);
  });

  it("a perpetual RFQ: cost bases at the price, linear fees on notional, into the fee pool", async function () {
    // a minute after the mark EMA last moved: an EMA does not move within the same second, and on
    // a fast machine the market's listing and this trade can share one
    await setClock(w.connection, (await clusterTime(w.connection)) + 60n);
    const now = await freshOracles(w);
    const price = 101_000_000_000n; // above the oracle: the mark EMA moves up (funding below)
    const size = 2n * C;
    const feePool = (await market()).feePool;
    const q = quote({ instrumentIndex: 0, makerSide: MakerSide.Buy, size, price }, now);
    const encoded = await trading.createSignedQuote({ maker, makerAccount, takerAccount, marketIndex: 0, quote: q });
    const before = [quoteBalance(await account(makerAccount), w.quoteMint), quoteBalance(await account(takerAccount), w.quoteMint)];
    const { preview } = await trading.acceptSignedQuote(encoded, { taker });
    const [m, t, mk] = await Promise.all([account(makerAccount), account(takerAccount), market()]);
    const notional = (size * price) / C;
    const makerFee = ceilDiv(notional * 200n, C);
    const takerFee = ceilDiv(notional * 500n, C);
    expect([makerFee, takerFee]).to.deep.equal([40_400_000n, 101_000_000n]);
    expect(position(m, 0)).to.include({ size, costBasis: notional, fundingSnapshot: mk.fundingIndex });
    expect(position(t, 0)).to.include({ size: -size, costBasis: -notional });
    expect(quoteBalance(m, w.quoteMint)).to.equal(before[0] - makerFee);
    expect(quoteBalance(t, w.quoteMint)).to.equal(before[1] - takerFee);
    expect(mk.feePool - feePool).to.equal(makerFee + takerFee);
    expect(mk.markEma > mk.oracleEma).to.equal(true);
    expect(preview!.maker.fee).to.equal(makerFee);
  });

  it("previewTrade agrees with the chain: refusals carry the program's error name", async function () {
    const now = await freshOracles(w);
    const poor = await newTrader(usdc("1000"));
    const send = async (q: TradeQuote, takerKp = taker, takerAcc = takerAccount) => {
      const params = { makerAccount, takerAccount: takerAcc, marketIndex: 0, quote: q };
      const preview = await trading.previewTrade(params);
      const encoded = await trading.createSignedQuote({ ...params, maker });
      return { preview, sent: trading.acceptSignedQuote(encoded, { taker: takerKp, preview: false }) };
    };
    const cases: [string, TradeQuote, Keypair?, PublicKey?][] = [
      ["QuoteExpired", quote({ instrumentIndex: 0, makerSide: MakerSide.Buy, size: C, price: SPOT, expiresAt: now - 10n }, now)],
      ["InsufficientMargin", quote({ instrumentIndex: 0, makerSide: MakerSide.Sell, size: 5n * C, price: SPOT }, now), poor.user, poor.account],
      ["QuoteOracleLimit", quote({ instrumentIndex: 0, makerSide: MakerSide.Buy, size: C, price: SPOT, oracleLimit: SPOT + 1n }, now)],
      ["InvalidTradePrice", quote({ instrumentIndex: 0, makerSide: MakerSide.Buy, size: C, price: 0n }, now)],
    ];
    for (const [name, q, kp, acc] of cases) {
      const { preview, sent } = await send(q, kp, acc);
      expect(preview.ok, name).to.equal(false);
      expect(preview.error!.name, name).to.equal(name);
      const err = await expectError(sent, "program", name);
      expect(err.code).to.equal(preview.error!.code);
    }
    // a spent nonce
    const spent = quote({ instrumentIndex: 0, makerSide: MakerSide.Buy, size: C, price: SPOT }, now);
    spent.nonce = 1n;
    const { preview: p1, sent: s1 } = await send(spent);
    expect(p1.error?.name).to.equal("QuoteNonceUsed");
    await expectError(s1, "program", "QuoteNonceUsed");
    // paused, then reduce-only: opening refused, reducing accepted
    for (const [status, name] of [[MarketStatus.Paused, "MarketPaused"], [MarketStatus.ReduceOnly, "MarketReduceOnly"]] as const) {
      await w.operator.setMarketStatus({ clearinghouse: w.clearinghouse, market: btc.address, status });
      const { preview, sent } = await send(quote({ instrumentIndex: 0, makerSide: MakerSide.Buy, size: C, price: SPOT }, now));
      expect(preview.error?.name).to.equal(name);
      await expectError(sent, "program", name);
    }
    const reduce = await send(quote({ instrumentIndex: 0, makerSide: MakerSide.Sell, size: C / 2n, price: SPOT }, now));
    expect(reduce.preview.error, String(reduce.preview.error)).to.equal(null);
    await reduce.sent;
    expect(position(await account(makerAccount), 0)!.size).to.equal(reduce.preview.maker.sizeAfter);
    await w.operator.setMarketStatus({ clearinghouse: w.clearinghouse, market: btc.address, status: MarketStatus.Active });

    // below IM (a long perpetual written on 1,000 USDC): a trade reducing it is accepted as risk-reducing
    await writeMarginAccount(w.client, poor.account, { positions: [{ marketIndex: 0, instrumentIndex: 0, size: C, costBasis: SPOT }] });
    const report = await w.client.simulateMargin(poor.account);
    expect(report.equity < report.im, `equity ${report.equity} im ${report.im}`).to.equal(true);
    const reducing = await send(quote({ instrumentIndex: 0, makerSide: MakerSide.Buy, size: C / 2n, price: SPOT }, now), poor.user, poor.account);
    expect(reducing.preview.error, String(reducing.preview.error)).to.equal(null);
    expect(reducing.preview.taker.riskReducing).to.equal(true);
    await reducing.sent;
    expect(position(await account(poor.account), 0)!.size).to.equal(C / 2n);
    // increasing it again is refused alike
    const more = await send(quote({ instrumentIndex: 0, makerSide: MakerSide.Sell, size: C / 4n, price: SPOT }, now), poor.user, poor.account);
    expect(more.preview.error?.name).to.equal("InsufficientMargin");
    await expectError(more.sent, "program", "InsufficientMargin");
  });

  it("funding: after warped time update_funding moves the index, and a touch moves it into the basis", async function () {
    const ops = new PortfolioMarginTrading(w.operator.client);
    const start = await clusterTime(w.connection);
    const mk0 = await market();
    await ops.updateTradingParams({ market: mk0, params: { ...mk0.trading, fundingIntervalSecs: 600 } });
    // 15 minutes later (within the EMA window: the mark EMA keeps the trade's premium)
    await setClock(w.connection, start + 900n);
    const now = await clusterTime(w.connection);
    await writeTestOracle(w.operator, w.markets[0].oracle, w.markets[0].spec.spot, now);
    const before = await market();
    await trading.updateFunding({ market: before });
    const after = await market();
    const t = after.fundingUpdatedAt;
    const oracleEma = emaUpdate(before.oracleEma, SPOT, t - before.oracleEmaUpdatedAt, before.trading.emaWindowSecs);
    const markEma = t - before.markEmaUpdatedAt > BigInt(before.trading.emaWindowSecs) ? oracleEma : before.markEma;
    const { step, ratePpm } = fundingStep(markEma, oracleEma, t - before.fundingUpdatedAt, before.trading);
    expect(step > 0n, `step ${step}`).to.equal(true);
    expect(after.fundingIndex - before.fundingIndex).to.equal(step);
    expect(after.lastFundingRatePpm).to.equal(ratePpm);
    // (another fee payer: the same transaction again would be a duplicate the node drops)
    await expectError(ops.updateFunding({ market: after }), "program", "FundingTooSoon");

    // a touch (a withdrawal) moves the long perpetual's funding owed into its basis
    const m0 = await account(makerAccount);
    const perp = position(m0, 0)!;
    const owed = fundingOwed(perp.size, after.fundingIndex, perp.fundingSnapshot);
    expect(owed > 0n).to.equal(true);
    await w.client.withdraw({ clearinghouse: w.clearinghouse, owner: maker, amount: usdc("1") });
    const m1 = await account(makerAccount);
    expect(position(m1, 0)).to.include({ costBasis: perp.costBasis + owed, fundingSnapshot: after.fundingIndex });
  });

  it("settlement: after expiry settle_expiry takes an oracle published after it, settle_positions pays the cash", async function () {
    const mk = await market();
    const expiry = mk.expiries[0].expiry;
    const ops = new PortfolioMarginTrading(w.operator.client);
    // not yet
    await writeTestOracle(w.operator, w.markets[0].oracle, 105_000, await clusterTime(w.connection));
    await expectError(ops.settleExpiry({ market: mk, expiryIndex: 0 }), "program", "ExpiryNotReached");
    await setClock(w.connection, expiry + 30n);
    await writeTestOracle(w.operator, w.markets[0].oracle, 105_000, expiry + 5n);
    await ops.settleExpiry({ market: mk, expiryIndex: 0 });
    const settledMarket = await market();
    const settle = 105_000_000_000n;
    expect(settledMarket.expiries[0].settlementPrice).to.equal(settle);
    await expectError(trading.settleExpiry({ market: settledMarket, expiryIndex: 0 }), "program", "ExpiryAlreadySettled");

    const [m0, t0] = await Promise.all([account(makerAccount), account(takerAccount)]);
    const intrinsic = ((settle - 100_000_000_000n) * C) / C; // one contract
    for (const [who, a, sign] of [[makerAccount, m0, -1n], [takerAccount, t0, 1n]] as const) {
      const perp = position(a, 0)!;
      const owed = fundingOwed(perp.size, settledMarket.fundingIndex, perp.fundingSnapshot);
      await trading.settlePositions({ marginAccount: who });
      const after = await account(who);
      expect(position(after, call7d)).to.equal(undefined);
      expect(quoteBalance(after, w.quoteMint) - quoteBalance(a, w.quoteMint)).to.equal(sign * intrinsic);
      expect(position(after, 0)!.costBasis).to.equal(perp.costBasis + owed);
      await expectError(ops.settlePositions({ marginAccount: who, markets: [btc.address] }), "program", "NothingToSettle");
    }
    const final = await market();
    expect(final.instruments[call7d].openInterest).to.equal(0n);
    expect(final.pnlPool - settledMarket.pnlPool).to.equal(0n); // the short paid what the long received
    // the fee pool moves to the insurance vault
    await ops.sweepFees({ market: final, amount: final.feePool });
    expect((await market()).feePool).to.equal(0n);
    await expectError(ops.sweepFees({ market: final, amount: 1n }), "program", "InsufficientFees");
  });

  it("admin_settle_expiry: refused while the oracle window is open, accepted after it", async function () {
    const ops = new PortfolioMarginTrading(w.operator.client);
    const eth = await w.client.fetchMarketInfo(w.clearinghouse, 1);
    const expiry = eth.expiries[0].expiry;
    await setClock(w.connection, expiry + 60n);
    const price = 3_600_000_000n;
    await expectError(ops.adminSettleExpiry({ market: eth, expiryIndex: 0, settlementPrice: price }), "program", "SettlementWindowOpen");
    await setClock(w.connection, expiry + BigInt(eth.trading.settlementWindowSecs) + 60n);
    // past the window an oracle price is no longer taken
    await writeTestOracle(w.operator, w.markets[1].oracle, 3_600, expiry + BigInt(eth.trading.settlementWindowSecs) + 30n);
    await expectError(trading.settleExpiry({ market: eth, expiryIndex: 0 }), "program", "SettlementWindowClosed");
    await expectError(trading.adminSettleExpiry({ market: eth, expiryIndex: 0, settlementPrice: price }), "program", "NotAdmin");
    await ops.adminSettleExpiry({ market: eth, expiryIndex: 0, settlementPrice: price });
    expect((await w.client.fetchMarketInfo(w.clearinghouse, 1)).expiries[0].settlementPrice).to.equal(price);
  });

  it("liquidation price: the BTC spot at which the short-perp taker's equity meets MM", async function () {
    const now = await freshOracles(w);
    expect(now > 0n).to.equal(true);
    const est = await trading.liquidationPrice(takerAccount);
    expect(est).to.not.equal(null);
    expect(est!.symbol).to.equal("BTC");
    expect(est!.up !== null && est!.up > est!.spot).to.equal(true);
    // at the estimate equity meets MM; one unit below it does not yet
    const snap = await w.client.marginSnapshot(takerAccount);
    const prices = snapshotPrices(snap);
    const cushion = (spot: bigint) => {
      const moved = prices.map((p, i) => (snap.markets[i].marketIndex === 0 ? { ...p, price: spot } : p));
      const r = evaluate(engineAccount(snap.account, snap.clearinghouse, snap.markets, moved, snap.now));
      return r.equity - r.mm;
    };
    expect(cushion(est!.up!) <= 0n).to.equal(true);
    expect(cushion(est!.up! - 1n) > 0n).to.equal(true);
  });
});
