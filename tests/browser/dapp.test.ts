// The web dApp (app/web, built) in a real browser against the local node: every number the page
// shows is checked against the program's simulate_margin (via the SDK from the test, at the same
// program time) or against the SDK mirror evaluated here on the same account state.
// Run by `node scripts/test-browser.js` (builds the SDK and the app, starts the node).
import fs from "fs";
import { getAccount, getAssociatedTokenAddressSync } from "@solana/spl-token";
import { Keypair, PublicKey } from "@solana/web3.js";
import { expect } from "chai";
import type { Page } from "playwright-core";
import { collateralBalance, engineAccount, MarginReport, OracleAction, parseQuoteAmount, PortfolioMarginClient, snapshotPrices } from "../../app/src";
import { evaluate, Kind, N_SCEN } from "../../app/src/risk";
import { mintTestTokens, setClock } from "../../app/src/testing";
import { bootstrapDemo, DEMO_BOOK, DemoState, DemoUser, demoUser, instrumentAndMark, refreshOracles } from "../../scripts/lib/web-demo";
import { Harness, readAccount, ShownAccount, shootPanel, startHarness, TestBrowserWallet, valueOf } from "./harness";

const RPC = process.env.ANCHOR_PROVIDER_URL;
const WALLET = process.env.ANCHOR_WALLET;
const ADD_ON_KEYS = ["scanMargin", "nakedShort", "linear", "haircut", "staleVol"] as const;

/** The program's report of `account` at program time `ts` (the clock is set back to it, then read within that second). */
async function reportAt(client: PortfolioMarginClient, account: PublicKey, ts: bigint): Promise<MarginReport> {
  for (let i = 0; i < 8; i++) {
    await setClock(client.connection, ts);
    const r = await client.simulateMargin(account);
    if (r.timestamp === ts) return r;
  }
  throw new Error(`could not read simulate_margin at ${ts}`);
}

function expectShownEqualsReport(shown: ShownAccount, r: MarginReport) {
  expect(shown.amounts.equity, "equity").to.equal(r.equity);
  expect(shown.amounts.im, "IM").to.equal(r.im);
  expect(shown.amounts.mm, "MM").to.equal(r.mm);
  expect(shown.amounts.excess, "excess over IM").to.equal(r.equity - r.im);
  expect(shown.amounts["excess-mm"], "excess over MM").to.equal(r.equity - r.mm);
  for (const k of ADD_ON_KEYS) expect(shown.addOns[k], `add-on ${k} (MM, IM)`).to.deep.equal([r[k].mm, r[k].im]);
}

describe("web dApp in Chromium (app/web against the local node)", function () {
  this.timeout(180_000);
  let demo: DemoState;
  let taylor: DemoUser; // a second trader, taker of the RFQ tests
  let h: Harness;
  const pages: Page[] = [];
  const open = async (user: DemoUser) => {
    const p = await h.open(user.keypair);
    pages.push(p);
    return p;
  };

  before(async function () {
    if (!RPC || !WALLET || process.env.PM_LOCALNET !== "1") {
      this.skip(); // needs the native node's setAccount/setClock: run through scripts/test-browser.js
    }
    const admin = Keypair.fromSecretKey(Uint8Array.from(JSON.parse(fs.readFileSync(WALLET!, "utf8"))));
    demo = await bootstrapDemo(RPC!, admin);
    taylor = await demoUser(demo, "taylor", "20000");
    h = await startHarness(RPC!, demo.clearinghouse);
  });

  beforeEach(async () => {
    if (demo) await refreshOracles(demo); // risk-increasing trades need a price under 30 s old
  });

  afterEach(async function () {
    for (const p of pages.splice(0)) await p.context().close();
    if (h) {
      const problems = h.problems.splice(0);
      expect(problems, "errors in the page").to.deep.equal([]);
    }
  });

  after(async () => {
    if (h) await h.close();
  });

  it("the account panel shows the program's equity, IM, MM, excess and add-ons, and follows the chain live", async () => {
    const page = await open(demo.trader);
    let shown = await readAccount(page);
    expectShownEqualsReport(shown, await reportAt(demo.trader.client, demo.trader.account, shown.ts));
    // the book traded by RFQ, as the program holds it
    const onChain = await demo.trader.client.fetchMarginAccountInfo(demo.trader.account);
    expect(shown.positions).to.have.length(DEMO_BOOK.length);
    expect(shown.positions).to.deep.equal(onChain.positions.map((p) => ({ market: p.marketIndex, instrument: p.instrumentIndex, size: p.size })));
    await shootPanel(page, "account", "account");

    // a deposit made elsewhere shows up without a reload (account subscription)
    await mintTestTokens(demo.connection, demo.admin, demo.quoteMint, demo.trader.keypair.publicKey, parseQuoteAmount("1000"));
    await demo.trader.client.deposit({ clearinghouse: demo.clearinghouse, amount: parseQuoteAmount("1000") });
    await page.waitForFunction(`Number(document.querySelector('[data-testid="live"]')?.getAttribute("data-version")) > ${shown.version}`, undefined, { timeout: 20_000 });
    await page.waitForSelector('[data-testid="live"][data-loading="false"]');
    shown = await readAccount(page);
    const r = await reportAt(demo.trader.client, demo.trader.account, shown.ts);
    expectShownEqualsReport(shown, r);
    expect(shown.amounts.equity - r.equity).to.equal(0n);
  });

  it("the risk heatmaps show simulate_margin's scenario P&L, the mirror's identical numbers, the worst scenario marked", async () => {
    const page = await open(demo.trader);
    const shown = await readAccount(page);
    const r = await reportAt(demo.trader.client, demo.trader.account, shown.ts);
    expect(shown.markets.map((m) => m.market)).to.deep.equal(r.markets.map((m) => m.marketIndex));
    for (const [k, m] of shown.markets.entries()) {
      const pnl = r.markets[k].pnl;
      expect(Object.keys(m.chain).length, "every scenario is shown (tails enabled)").to.equal(N_SCEN);
      for (const [s, v] of Object.entries(m.chain)) expect(v, `market ${m.market} scenario ${s} (on-chain)`).to.equal(pnl[Number(s)]);
      expect(m.mirror, "the mirror's heatmap").to.deep.equal(m.chain);
      expect(m.worstChain).to.equal(r.markets[k].worstIndex);
      expect(m.starred, "the starred cell").to.deep.equal([r.markets[k].worstIndex]);
    }
    // the page's badge is computed, not assumed: the test's own mirror agrees with the program too
    const s = await demo.trader.client.marginSnapshot(demo.trader.account);
    const at = { ...s, now: shown.ts };
    const mirror = evaluate(engineAccount(at.account, at.clearinghouse, at.markets, snapshotPrices(at, OracleAction.Margin), at.now));
    expect(mirror.im).to.equal(r.im);
    expect(shown.match).to.equal("true");
    await shootPanel(page, "risk", "risk-matrix");
  });

  it("a what-if leg changes IM, MM and equity as the SDK mirror predicts", async () => {
    const page = await open(demo.trader);
    const { market, instrumentIndex } = await instrumentAndMark(demo, { market: "ETH", kind: Kind.Put, expiryIndex: 1, strikeUsd: 3_150 });
    const form = page.locator('[data-testid="whatif-form"]');
    await form.locator('select[name="market"]').selectOption(String(market.marketIndex));
    await form.locator('select[name="instrument"]').selectOption(String(instrumentIndex));
    await form.locator('select[name="side"]').selectOption("sell");
    await form.locator('input[name="size"]').fill("5");
    const price = BigInt(Math.round(Number(await form.locator('input[name="price"]').inputValue()) * 1e6));
    expect(price > 0n, "the price defaults to the model mark").to.equal(true);
    await form.locator('button[type="submit"]').click();
    await page.waitForSelector('[data-testid="whatif-im-after"]');
    const now = BigInt((await page.getAttribute('[data-testid="whatif-now"]', "data-now"))!);
    const shown = { im: await valueOf(page, "whatif-im-after"), mm: await valueOf(page, "whatif-mm-after"), equity: await valueOf(page, "whatif-equity-after"), imBefore: await valueOf(page, "whatif-im-before") };

    // the expectation, computed here: the snapshot with a short 5 puts and the premium received
    const s = await demo.trader.client.marginSnapshot(demo.trader.account);
    const size = -5_000_000n;
    const premium = (-size * price) / 1_000_000n; // a seller receives the floor
    const account = {
      ...s.account,
      positions: [...s.account.positions, { marketIndex: market.marketIndex, instrumentIndex, size, costBasis: -premium, fundingSnapshot: 0n, lossSnapshot: 0n }],
      collaterals: s.account.collaterals.map((c) => (c.mint.equals(demo.quoteMint) ? { ...c, amount: c.amount + premium } : c)),
    };
    const at = { ...s, account, now };
    const expected = evaluate(engineAccount(account, s.clearinghouse, s.markets, snapshotPrices(at, OracleAction.Margin), now));
    const before = evaluate(engineAccount(s.account, s.clearinghouse, s.markets, snapshotPrices(at, OracleAction.Margin), now));
    expect(shown.imBefore).to.equal(before.im);
    expect(shown.im, "IM with the leg").to.equal(expected.im);
    expect(shown.mm, "MM with the leg").to.equal(expected.mm);
    expect(shown.equity, "equity with the leg").to.equal(expected.equity);
    expect(expected.im, "the leg changes IM (either way: in this book the short put hedges the short perpetual's rally)").to.not.equal(before.im);
    expect(await page.locator('[data-testid="heatmap-whatif"]').count()).to.be.greaterThan(0);
    await shootPanel(page, "whatif", "what-if");

    // removing it brings the book back
    await page.locator('[data-testid="whatif-legs"] button:has-text("remove")').click();
    await page.waitForSelector('[data-testid="whatif-im-after"]', { state: "detached" });
  });

  /** The maker quotes Taylor from one browser context; returns the signed quote string and the maker's page. */
  async function makerQuotes(instrument: { market: string; kind: Kind }, makerSells: boolean, size: string): Promise<{ page: Page; quote: string; ok: string | null }> {
    const page = await open(demo.maker);
    const { market, instrumentIndex } = await instrumentAndMark(demo, instrument);
    const panel = page.locator('[data-testid="rfq-maker"]');
    await panel.locator('[data-testid="rfq-taker"]').fill(taylor.keypair.publicKey.toBase58());
    const form = panel.locator('[data-testid="rfq-form"]');
    await form.locator('select[name="market"]').selectOption(String(market.marketIndex));
    await form.locator('select[name="instrument"]').selectOption(String(instrumentIndex));
    await form.locator('select[name="side"]').selectOption(makerSells ? "sell" : "buy");
    await form.locator('input[name="size"]').fill(size);
    await form.locator('button[type="submit"]').click();
    const preview = panel.locator('[data-testid="rfq-preview"]');
    await preview.waitFor();
    const ok = await preview.getAttribute("data-ok");
    await panel.locator('[data-testid="rfq-sign"]').click();
    const quote = await panel.locator('[data-testid="quote-string"]').inputValue();
    expect(quote.length).to.be.greaterThan(100);
    return { page, quote, ok };
  }

  async function takerReviews(quote: string): Promise<Page> {
    const page = await open(taylor);
    const panel = page.locator('[data-testid="rfq-taker"]');
    await panel.locator('[data-testid="quote-input"]').fill(quote);
    await panel.locator('[data-testid="rfq-review"]').click();
    await panel.locator('[data-testid="rfq-preview"]').waitFor();
    return page;
  }

  it("an RFQ quote signed by the maker in one browser context is accepted in another, and the positions appear", async () => {
    const before = await taylor.client.fetchMarginAccountInfo(taylor.account);
    const makerBefore = await demo.maker.client.fetchMarginAccountInfo(demo.maker.account);
    const held = (a: typeof before, m: number, i: number) => a.positions.find((p) => p.marketIndex === m && p.instrumentIndex === i)?.size ?? 0n;
    const { page: makerPage, quote, ok } = await makerQuotes({ market: "BTC", kind: Kind.Perp }, true, "0.5");
    expect(ok, "the maker's preview accepts it").to.equal("true");
    await shootPanel(makerPage, "rfq", "rfq-maker");

    const page = await takerReviews(quote);
    expect(await page.locator('[data-testid="rfq-taker"] [data-testid="rfq-preview"]').getAttribute("data-ok")).to.equal("true");
    await page.locator('[data-testid="rfq-accept"]').click();
    await page.locator('[data-testid="rfq-filled"]').waitFor({ timeout: 30_000 });
    const btc = (await instrumentAndMark(demo, { market: "BTC", kind: Kind.Perp })).market.marketIndex;

    // on chain: Taylor bought 0.5, the maker sold 0.5
    const after = await taylor.client.fetchMarginAccountInfo(taylor.account);
    const makerAfter = await demo.maker.client.fetchMarginAccountInfo(demo.maker.account);
    expect(held(after, btc, 0) - held(before, btc, 0)).to.equal(500_000n);
    expect(held(makerAfter, btc, 0) - held(makerBefore, btc, 0)).to.equal(-500_000n);
    // in the taker's page, live (no reload): the position row, and margin equal to the program's
    const row = page.locator(`[data-testid="position"][data-market="${btc}"][data-instrument="0"][data-size="${held(after, btc, 0)}"]`);
    await row.waitFor({ timeout: 20_000 });
    await page.waitForSelector('[data-testid="live"][data-loading="false"]');
    const shown = await readAccount(page);
    expectShownEqualsReport(shown, await reportAt(taylor.client, taylor.account, shown.ts));
    await shootPanel(page, "rfq", "rfq-taker");
  });

  it("a trade the program would refuse shows its reason, and nothing is sent", async () => {
    const before = await taylor.client.fetchMarginAccountInfo(taylor.account);
    // 50 BTC (about 5M USD) against Taylor's 20,000 USDC
    const { page: makerPage, quote, ok } = await makerQuotes({ market: "BTC", kind: Kind.Perp }, true, "50");
    expect(ok, "the maker's preview already refuses it").to.equal("false");
    expect(await makerPage.locator('[data-testid="rfq-maker"] [data-testid="error"]').first().getAttribute("data-error-name")).to.equal("InsufficientMargin");

    const page = await takerReviews(quote);
    const taker = page.locator('[data-testid="rfq-taker"]');
    expect(await taker.locator('[data-testid="rfq-preview"]').getAttribute("data-ok")).to.equal("false");
    await taker.locator('[data-testid="rfq-accept"]').click();
    const refusal = taker.locator('[data-testid="error"][data-error-name="InsufficientMargin"]').last();
    await refusal.waitFor();
    expect(await refusal.textContent()).to.match(/equity would fall below its initial margin/);
    expect(await taker.locator('[data-testid="rfq-filled"]').count()).to.equal(0);
    const after = await taylor.client.fetchMarginAccountInfo(taylor.account);
    expect(after.positions).to.deep.equal(before.positions);
    await shootPanel(page, "rfq", "rfq-refused");

    // a withdrawal beyond the balance: refused before sending, then (sent anyway) by the program
    const trader = await open(demo.trader);
    const funds = trader.locator('[data-testid="panel-funds"]');
    await funds.locator('[data-testid="funds-amount"]').fill("1000000");
    await funds.locator('[data-testid="error"][data-error-name="InsufficientCollateral"]').waitFor();
    await funds.locator('[data-testid="withdraw"]').click();
    await funds.locator('[data-testid="error"][data-error-name="InsufficientCollateral"]').first().waitFor();
    await funds.locator('input[type="checkbox"]').check();
    await funds.locator('[data-testid="withdraw"]').click();
    const chain = funds.locator('[data-testid="error"][data-source="program"]');
    await chain.waitFor({ timeout: 30_000 });
    expect(await chain.getAttribute("data-error-name")).to.equal("InsufficientCollateral");
    await shootPanel(trader, "funds", "funds");
  });

  it("a browser wallet (Wallet Standard, as extensions register) is offered, connects and signs a deposit", async () => {
    const wren = await demoUser(demo, "wren", "5000");
    await mintTestTokens(demo.connection, demo.admin, demo.quoteMint, wren.keypair.publicKey, parseQuoteAmount("1000"));
    const wallet = new TestBrowserWallet("Test Wallet", wren.keypair);
    const page = await h.openWithBrowserWallet(wallet);
    pages.push(page);

    await page.locator('[data-testid="connect-wallet"][data-wallet="Test Wallet"]').click();
    await page.locator(`[data-testid="wallet-address"][title="${wren.keypair.publicKey.toBase58()}"]`).waitFor();
    await page.waitForSelector('[data-testid="im"]', { timeout: 30_000 });
    expect(await page.locator(".badge.warn").count(), "not flagged as a dev keypair").to.equal(0);

    const ata = getAssociatedTokenAddressSync(demo.quoteMint, wren.keypair.publicKey);
    const walletBefore = (await getAccount(demo.connection, ata)).amount;
    const funds = page.locator('[data-testid="panel-funds"]');
    await funds.locator('[data-testid="funds-amount"]').fill("1000");
    await funds.locator('[data-testid="deposit"]').click();
    await funds.locator('[data-testid="funds-done"]').waitFor({ timeout: 30_000 });

    expect(wallet.signed, "signed by the browser wallet").to.equal(1);
    expect((await getAccount(demo.connection, ata)).amount).to.equal(walletBefore - parseQuoteAmount("1000"));
    const account = await wren.client.fetchMarginAccount(wren.account);
    expect(collateralBalance(account, demo.quoteMint)).to.equal(parseQuoteAmount("6000"));
    // the panel follows: both balances re-read after the account changed
    await funds.locator(`[data-testid="balance"][data-symbol="USDC"][data-account="${parseQuoteAmount("6000")}"][data-wallet="${walletBefore - parseQuoteAmount("1000")}"]`).waitFor({ timeout: 30_000 });
    await shootPanel(page, "funds", "browser-wallet-deposit");
  });
});
