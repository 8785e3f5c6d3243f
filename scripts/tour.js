#!/usr/bin/env node
// `npm run tour`: a clean end-to-end run on the native localnet, step by step (the walkthrough
// that was `npm run demo` before the crash replay took that name).
// Starts the node (or uses ANCHOR_PROVIDER_URL + ANCHOR_WALLET when both are set), bootstraps a
// clearinghouse with a test USDC mint (migrations/deploy.ts), then a user creates a margin
// account, deposits 250, withdraws 100, and tries to withdraw more than it holds. Then the
// bootstrap runs again and adds the markets (BTC, ETH, SOL on test Pyth oracles, expiries,
// strikes, wrapped-BTC collateral); the user deposits wBTC and USDC, gets an options book written
// into the margin account (trading is a later issue), and sees the program's margin report with
// its risk matrices; a withdrawal that would breach IM is previewed and refused
// (InsufficientMargin), one that does not is previewed and lands. Finally two traders trade by RFQ
// (a covered call and a perp hedge), time passes (setClock), funding accrues, and the option
// expires and settles, with both accounts' margin before and after each step. Last, a crash: an
// over-levered account falls below maintenance margin, the crank's scan finds it, a liquidator
// plans and sends the liquidation step by step (legs, equity, MM, fee split), the insurance fund
// is funded, and a second crash leaves the account bankrupt: resolve_bankruptcy has the fund pay
// the deficit.
const fs = require("fs");
const path = require("path");
const ROOT = path.resolve(__dirname, "..");

require("./lib/ensure-deps").ensureDeps();
require("ts-node").register({ project: path.join(ROOT, "tsconfig.json"), transpileOnly: true });

const { startLocalnet } = require("./lib/localnet");

const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const dim = (s) => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s);
let stepNo = 0;
const step = (title) => console.log(`\n${bold(`[${++stepNo}] ${title}`)}`);
const line = (k, v) => console.log(`    ${(k + ":").padEnd(22)}${v}`);

async function run(rpc, walletPath) {
  const { AnchorProvider, Wallet } = require("@coral-xyz/anchor");
  const { Connection, Keypair } = require("@solana/web3.js");
  const sdk = require(path.join(ROOT, "app", "src"));
  const testing = require(path.join(ROOT, "app", "src", "testing"));
  const { bootstrap, formatResult } = require(path.join(ROOT, "migrations", "deploy.ts"));
  const riskView = require(path.join(ROOT, "app", "src", "cli", "risk-view"));
  const marketView = require(path.join(ROOT, "app", "src", "cli", "market-view"));
  const { Kind } = require(path.join(ROOT, "app", "src", "risk"));

  const walletKp = Keypair.fromSecretKey(Uint8Array.from(JSON.parse(fs.readFileSync(walletPath, "utf8"))));
  const connection = new Connection(rpc, "confirmed");
  const opts = { commitment: "confirmed", preflightCommitment: "confirmed" };
  const admin = new AnchorProvider(connection, new Wallet(walletKp), opts);
  const usd = (n) => `${sdk.formatQuoteAmount(n, { grouping: true })} USDC`;

  step("Bootstrap a clearinghouse (migrations/deploy.ts)");
  const index = Math.floor(Math.random() * 0x10000);
  const ch = await bootstrap(admin, { index, createTestMint: true, markets: false, log: (l) => console.log(dim(`    ${l}`)) });
  for (const l of formatResult(ch)) console.log(`    ${l}`);

  step("Create a user and mint 1,000 test USDC to their wallet");
  const user = Keypair.generate();
  await testing.fundAccounts(connection, walletKp, [user.publicKey], 1);
  const userAta = await testing.mintTestTokens(connection, walletKp, ch.quoteMint, user.publicKey, sdk.parseQuoteAmount("1000"));
  line("user", user.publicKey.toBase58());
  line("USDC token account", userAta.toBase58());
  line("wallet balance", usd(await testing.tokenBalance(connection, userAta)));

  // From here on the user acts with their own wallet (and pays their own fees).
  const client = new sdk.PortfolioMarginClient(connection, new Wallet(user), { confirmOptions: opts });

  step("Create a margin account");
  let sig = await client.createMarginAccount({ clearinghouse: ch.clearinghouse, accountIndex: 0 });
  const marginAccount = client.marginAccountAddress(ch.clearinghouse, user.publicKey, 0);
  line("margin account", marginAccount.toBase58());
  line("signature", sig);

  const showEvents = async (signature) => {
    for (const ev of await sdk.fetchTransactionEvents(connection, signature)) {
      const d = ev.data;
      console.log(`    event ${bold(ev.name)}`);
      line("  amount", usd(d.amount));
      line("  balance after", usd(d.balanceAfter));
      line("  owner", d.owner.toBase58());
      if (d.destination) line("  destination", d.destination.toBase58());
      line("  timestamp", `${d.timestamp.toString()} (${new Date(d.timestamp.toNumber() * 1000).toISOString()})`);
    }
  };

  step("Deposit 250 USDC");
  sig = await client.deposit({ clearinghouse: ch.clearinghouse, amount: sdk.parseQuoteAmount("250") });
  line("signature", sig);
  await showEvents(sig);

  step("Withdraw 100 USDC");
  sig = await client.withdraw({ clearinghouse: ch.clearinghouse, amount: sdk.parseQuoteAmount("100") });
  line("signature", sig);
  await showEvents(sig);

  step("Balances");
  const acc = await client.fetchMarginAccount(marginAccount);
  line("margin account", usd(sdk.collateralBalance(acc, ch.quoteMint)));
  line("clearinghouse vault", usd(await client.quoteVaultBalance(ch.clearinghouse)));
  line("user wallet", usd(await testing.tokenBalance(connection, userAta)));
  const listed = await client.marginAccountsByOwner(user.publicKey);
  line("accounts of user", listed.map((a) => `#${a.account.accountIndex} ${a.publicKey.toBase58()}`).join(", "));

  step("Try to withdraw 500 USDC (more than the account holds)");
  try {
    await client.withdraw({ clearinghouse: ch.clearinghouse, amount: sdk.parseQuoteAmount("500") });
    throw new Error("the bad withdrawal succeeded: this is a bug");
  } catch (e) {
    if (!(e instanceof sdk.PortfolioMarginError)) throw e;
    console.log(`    rejected with a typed error:`);
    line("  code", String(e.code));
    line("  name", e.name);
    line("  message", e.msg);
    line("  source", e.source);
  }
  const after = await client.fetchMarginAccount(marginAccount);
  line("margin account", `${usd(sdk.collateralBalance(after, ch.quoteMint))} (unchanged)`);

  try {
    const c = { sdk, testing, riskView, marketView, Kind, bootstrap, admin, walletKp, connection, client, user, index, marginAccount };
    const world = await optionsBook(c);
    await tradingSession(c, world);
    await crashScene(c, world);
  } catch (e) {
    // the test oracles and the options book are written with the native node's setAccount
    if (!/^setAccount:/.test(e && e.message)) throw e;
    console.log(`    skipped: this node has no setAccount (the markets part needs tools/localnet): ${e.message}`);
  }
}

/** Markets, an options book on wBTC collateral, its margin report, and margin-checked withdrawals. */
async function optionsBook(c) {
  const { sdk, testing, riskView, marketView, Kind, connection, client, user, marginAccount } = c;

  step("Bootstrap the markets (migrations/deploy.ts again: the clearinghouse is reused)");
  const boot = await c.bootstrap(c.admin, { index: c.index, markets: "local", log: (l) => console.log(dim(`    ${l}`)) });
  const clearinghouse = boot.clearinghouse;
  const state = await marketView.fetchMarketsState(client, clearinghouse);
  for (const v of state.markets.map((_, i) => marketView.marketSummary(state, i))) {
    const o = v.oracle;
    console.log(
      `    #${v.marketIndex} ${v.symbol.padEnd(4)} ${o.format.padEnd(13)} ${marketView.priceText(o).padEnd(24)}` +
        `${v.expiries.length} expiries, ${v.instrumentCount} instruments (calls/puts at 80-120%)`,
    );
  }
  for (const v of await marketView.collateralViews(connection, state)) {
    line(v.pricedBy.kind === "quote" ? "collateral (quote)" : "collateral (wBTC)", `${v.mint.toBase58()} (${v.decimals} decimals, ${marketView.pricedByLabel(v)}, haircuts ${v.haircutMmPpm / 1e4}% / ${v.haircutImPpm / 1e4}%)`);
  }

  const wbtc = boot.wrappedBtc;
  step("Deposit 1 wBTC and 10,000 USDC (real deposits, like `pm account deposit --mint`)");
  await testing.mintTestTokens(connection, c.walletKp, wbtc, user.publicKey, 100_000_000n);
  await testing.mintTestTokens(connection, c.walletKp, boot.quoteMint, user.publicKey, sdk.parseQuoteAmount("10000"));
  await client.deposit({ clearinghouse, mint: wbtc, amount: 100_000_000n });
  await client.deposit({ clearinghouse, amount: sdk.parseQuoteAmount("10000") });
  for (const col of (await client.fetchMarginAccountInfo(marginAccount)).collaterals) {
    const quote = col.mint.equals(boot.quoteMint);
    line(quote ? "USDC" : "wBTC", sdk.formatUiAmount(col.amount, quote ? 6 : 8, { grouping: true }));
  }

  step("Write an options book into the margin account");
  console.log("    (positions are written directly with writeMarginAccount on the local node: trading is a later issue)");
  const [btc, eth] = [state.markets[0], state.markets[1]];
  const pick = (m, kind, expiryIndex, strikeUsd) =>
    m.instruments.findIndex((i) => i.kind === kind && i.expiryIndex === expiryIndex && (strikeUsd === undefined || i.strike === BigInt(strikeUsd) * 1_000_000n));
  const e6 = (x) => BigInt(Math.round(x * 1e6));
  const book = [
    { what: "covered call: short 1 BTC 110,000 call, 30 days, against the 1 wBTC", marketIndex: 0, instrumentIndex: pick(btc, Kind.Call, 1, 110_000), size: e6(-1) },
    { what: "short put spread: short 10 ETH 3,150 puts, 30 days", marketIndex: 1, instrumentIndex: pick(eth, Kind.Put, 1, 3_150), size: e6(-10) },
    { what: "                  long 10 ETH 2,800 puts, 30 days", marketIndex: 1, instrumentIndex: pick(eth, Kind.Put, 1, 2_800), size: e6(10) },
    // entered at 3,500: cost basis = size x price (quote units)
    { what: "perp hedge: short 3 ETH perpetual at 3,500", marketIndex: 1, instrumentIndex: 0, size: e6(-3), costBasis: e6(-3 * 3_500) },
  ];
  await testing.writeMarginAccount(client, marginAccount, {
    positions: book.map(({ marketIndex, instrumentIndex, size, costBasis }) => ({ marketIndex, instrumentIndex, size, costBasis })),
  });
  for (const b of book) console.log(`    ${b.what}`);

  step("Margin: the program's simulate_margin report (what `pm account risk --check` prints)");
  const view = riskView.buildRiskView(await riskView.fetchRiskInputs(client, marginAccount), { check: true });
  for (const l of riskView.renderRiskView(view, { header: false, book: false })) console.log(l ? `    ${l}` : "");
  if (!view.check.equal) throw new Error("the SDK mirror differs from the program: this is a bug");

  step("Withdraw the 1 wBTC: preview, then send it anyway");
  let p = await riskView.previewView(client, marginAccount, wbtc, 100_000_000n);
  line("preview", riskView.previewText(p));
  console.log("    it would leave the call uncovered: `pm account withdraw 1 --mint <wBTC>` refuses it before sending;");
  console.log("    sent anyway (`--force`), the program refuses it:");
  try {
    await client.withdraw({ clearinghouse, mint: wbtc, amount: 100_000_000n });
    throw new Error("the withdrawal below IM succeeded: this is a bug");
  } catch (e) {
    if (!(e instanceof sdk.PortfolioMarginError)) throw e;
    line("  error", `${e.code} ${e.name} (${e.source}): ${e.msg}`);
  }

  step("Withdraw 5,000 USDC: preview, then send");
  p = await riskView.previewView(client, marginAccount, boot.quoteMint, sdk.parseQuoteAmount("5000"));
  line("preview", riskView.previewText(p));
  const sig = await client.withdraw({ clearinghouse, amount: sdk.parseQuoteAmount("5000") });
  line("signature", sig);
  const report = await client.simulateMargin(marginAccount);
  const usd = (x) => `${sdk.formatQuoteAmount(x, { grouping: true })} USDC`;
  line("equity / IM", `${usd(report.equity)} / ${usd(report.im)}`);
  line("free collateral", usd(report.equity - report.im));
  return { clearinghouse, quoteMint: boot.quoteMint, wbtc };
}

/**
 * A new wallet with a margin account holding `usdcAmount` (a decimal string) USDC and
 * `wbtcAmount` (native units) wBTC: { kp, client, account }.
 */
async function fundedUser(c, world, wbtcAmount, usdcAmount) {
  const { sdk, testing, connection, walletKp } = c;
  const { clearinghouse, quoteMint, wbtc } = world;
  const { Keypair } = require("@solana/web3.js");
  const { Wallet } = require("@coral-xyz/anchor");
  const kp = Keypair.generate();
  await testing.fundAccounts(connection, walletKp, [kp.publicKey], 1);
  const client = new sdk.PortfolioMarginClient(connection, new Wallet(kp), { confirmOptions: { commitment: "confirmed", preflightCommitment: "confirmed" } });
  await testing.mintTestTokens(connection, walletKp, quoteMint, kp.publicKey, sdk.parseQuoteAmount(usdcAmount));
  await client.createMarginAccount({ clearinghouse });
  await client.deposit({ clearinghouse, amount: sdk.parseQuoteAmount(usdcAmount) });
  if (wbtcAmount > 0n) {
    await testing.mintTestTokens(connection, walletKp, wbtc, kp.publicKey, wbtcAmount);
    await client.deposit({ clearinghouse, mint: wbtc, amount: wbtcAmount });
  }
  return { kp, client, account: client.marginAccountAddress(clearinghouse, kp.publicKey, 0) };
}

/**
 * Two accounts trade by RFQ (a covered call and a perp hedge), time passes (setClock), funding
 * accrues, the option expires and settles; each step prints both accounts' margin before and after.
 */
async function tradingSession(c, world) {
  const { sdk, testing, Kind, connection, walletKp } = c;
  const { clearinghouse, quoteMint, wbtc } = world;
  const { Wallet } = require("@coral-xyz/anchor");
  const positionsView = require(path.join(ROOT, "app", "src", "cli", "positions-view"));
  const opts = { commitment: "confirmed", preflightCommitment: "confirmed" };
  const usd = (x) => `${sdk.formatQuoteAmount(x, { grouping: true })}`;
  const operator = new sdk.PortfolioMarginAdmin(new sdk.PortfolioMarginClient(connection, new Wallet(walletKp), { confirmOptions: opts }));
  const ops = new sdk.PortfolioMarginTrading(operator.client);
  const btcOracle = async (price, publishTime) => {
    const m = await operator.client.fetchMarketInfo(clearinghouse, 0);
    const t = publishTime ?? (await sdk.clusterTime(connection));
    await testing.writeTestOracle(operator, { address: m.oracle, source: m.oracleSource, feedId: m.feedId }, price, t);
  };

  step("Two traders: Alice (1 wBTC + 20,000 USDC) and Bob (50,000 USDC)");
  const traders = {};
  for (const [name, wbtcAmount, usdcAmount] of [["Alice", 100_000_000n, "20000"], ["Bob", 0n, "50000"]]) {
    traders[name] = await fundedUser(c, world, wbtcAmount, usdcAmount);
    line(name, traders[name].account.toBase58());
  }
  const { Alice, Bob } = traders;
  const margins = async () => {
    const out = {};
    for (const [name, t] of Object.entries(traders)) out[name] = await t.client.simulateMargin(t.account);
    return out;
  };
  const show = (before, after) => {
    for (const name of Object.keys(traders)) {
      const f = (r) => `equity ${usd(r.equity)}  IM ${usd(r.im)}  MM ${usd(r.mm)}`;
      line(`${name} before`, f(before[name]));
      line(`${name} after`, f(after[name]));
    }
  };
  const rfq = async (title, maker, taker, instrumentIndex, makerSide, size, price) => {
    step(title);
    await btcOracle(100_000);
    const before = await margins();
    const now = await sdk.clusterTime(connection);
    const quote = { instrumentIndex, makerSide, size, price, oracleLimit: 0n, expiresAt: now + 60n, nonce: BigInt(Date.now()) };
    const trading = new sdk.PortfolioMarginTrading(maker.client);
    const encoded = await trading.createSignedQuote({ maker: maker.kp, makerAccount: maker.account, takerAccount: taker.account, marketIndex: 0, quote });
    line("quote string", `${encoded.slice(0, 48)}... (${encoded.length} chars: \`pm quote create\`)`);
    const takerSide = new sdk.PortfolioMarginTrading(taker.client);
    const decoded = takerSide.decodeSignedQuote(encoded);
    line("taker decodes", `maker ${quote.makerSide === sdk.MakerSide.Sell ? "sells" : "buys"} ${sdk.formatUiAmount(decoded.quote.size, 6)} @ ${usd(decoded.quote.price)}, maker signature ${decoded.makerSigned ? "verifies" : "MISSING"}`);
    const { preview, signature } = await takerSide.acceptSignedQuote(encoded, { taker: taker.kp });
    line("preview (mirror)", `maker IM ${usd(preview.maker.before.im)} -> ${usd(preview.maker.after.im)}, taker IM ${usd(preview.taker.before.im)} -> ${usd(preview.taker.after.im)}`);
    line("fees", `maker ${usd(preview.maker.fee)}, taker ${usd(preview.taker.fee)} USDC`);
    line("signature", signature);
    show(before, await margins());
  };

  const btc = await operator.client.fetchMarketInfo(clearinghouse, 0);
  const call = btc.instruments.findIndex((i) => i.kind === Kind.Call && i.expiryIndex === 0 && i.strike === 110_000_000_000n);
  await rfq("RFQ: Alice sells Bob 1 BTC 110,000 call (7 days) at 900 USDC: a covered call on her wBTC", Alice, Bob, call, sdk.MakerSide.Sell, 1_000_000n, 900_000_000n);
  await rfq("RFQ: Bob hedges, selling Alice 0.3 BTC perpetual at 100,500", Alice, Bob, 0, sdk.MakerSide.Buy, 300_000n, 100_500_000_000n);

  step("Time passes: 15 minutes (setClock), update_funding (interval set to 10 minutes)");
  const before = await margins();
  await ops.updateTradingParams({ market: btc, params: { ...btc.trading, fundingIntervalSecs: 600 } });
  await testing.setClock(connection, (await sdk.clusterTime(connection)) + 900n);
  await btcOracle(100_000);
  await ops.updateFunding({ market: await operator.client.fetchMarketInfo(clearinghouse, 0) });
  const funded = await operator.client.fetchMarketInfo(clearinghouse, 0);
  line("funding index", `${funded.fundingIndex} (rate ${funded.lastFundingRatePpm} ppm/day: the perp traded above the oracle, longs pay)`);
  for (const [name, t] of Object.entries(traders)) {
    const a = await t.client.fetchMarginAccountInfo(t.account);
    const perp = a.positions.find((p) => p.marketIndex === 0 && p.instrumentIndex === 0);
    if (perp) line(`${name} funding owed`, `${usd(sdk.fundingOwed(perp.size, funded.fundingIndex, perp.fundingSnapshot))} USDC (moves into the basis on the next touch)`);
  }
  show(before, await margins());

  step("The 7-day expiry passes: settle_expiry at 112,000 (an oracle published after expiry), settle_positions");
  const expiry = funded.expiries[0].expiry;
  const beforeSettle = await margins();
  await testing.setClock(connection, expiry + 60n);
  await btcOracle(112_000, expiry + 5n);
  await ops.settleExpiry({ market: funded, expiryIndex: 0 });
  line("settlement price", `${usd((await operator.client.fetchMarketInfo(clearinghouse, 0)).expiries[0].settlementPrice)} (the call pays 2,000 per contract)`);
  await btcOracle(112_000);
  for (const [name, t] of Object.entries(traders)) {
    const q0 = sdk.quoteBalance(await t.client.fetchMarginAccountInfo(t.account), quoteMint);
    await ops.settlePositions({ marginAccount: t.account });
    const q1 = sdk.quoteBalance(await t.client.fetchMarginAccountInfo(t.account), quoteMint);
    line(`${name} quote balance`, `${usd(q0)} -> ${usd(q1)} USDC`);
  }
  show(beforeSettle, await margins());
  for (const t of [Alice, Bob]) {
    const v = positionsView.buildPositionsView(await t.client.marginSnapshot(t.account));
    for (const l of positionsView.renderPositionsView(v)) console.log(`    ${l}`);
  }
}

/**
 * A crash: Carol's over-levered BTC book (wBTC collateral and a long perpetual bought from Dave),
 * BTC falls, the crank's scan finds her below MM, Erin plans and sends the liquidation step by step;
 * a further fall takes another step; the insurance fund is funded; a second crash makes Carol
 * bankrupt and resolve_bankruptcy has the fund pay the deficit.
 */
async function crashScene(c, world) {
  const { sdk, testing, connection, walletKp } = c;
  const { clearinghouse, quoteMint, wbtc } = world;
  const { Wallet } = require("@coral-xyz/anchor");
  const liqView = require(path.join(ROOT, "app", "src", "cli", "liquidation-view"));
  const opts = { commitment: "confirmed", preflightCommitment: "confirmed" };
  const usd = (x) => sdk.formatQuoteAmount(x, { grouping: true });
  const cents = (x) => {
    const v = (x < 0n ? x - 5_000n : x + 5_000n) / 10_000n;
    return sdk.formatUiAmount(v, 2, { grouping: true });
  };
  const operator = new sdk.PortfolioMarginAdmin(new sdk.PortfolioMarginClient(connection, new Wallet(walletKp), { confirmOptions: opts }));
  const btcOracle = async (price) => {
    const m = await operator.client.fetchMarketInfo(clearinghouse, 0);
    const t = await sdk.clusterTime(connection);
    await testing.setClock(connection, t);
    await testing.writeTestOracle(operator, { address: m.oracle, source: m.oracleSource, feedId: m.feedId }, price, t);
  };

  step("A crash. First the crank refreshes BTC vols (a week has passed) and BTC is back at 100,000");
  let btc = await operator.client.fetchMarketInfo(clearinghouse, 0);
  await operator.updateVolParams({
    clearinghouse,
    market: btc.address,
    sequence: btc.volSequence + 1n,
    slices: btc.expiries.map((e) => ({ expiry: e.expiry, atmPpm: e.atmPpm, skewPpm: e.skewPpm, curvPpm: e.curvPpm, basisPpm: e.basisPpm })),
  });
  await btcOracle(100_000);
  const people = {};
  for (const [name, wbtcAmount, usdcAmount, what] of [
    ["Dave", 0n, "3000000", "market maker"],
    ["Carol", 25_000_000n, "15000", "over-levered: 0.25 wBTC + 15,000 USDC"],
    ["Erin", 0n, "500000", "liquidator"],
  ]) {
    people[name] = await fundedUser(c, world, wbtcAmount, usdcAmount);
    line(name, `${people[name].account.toBase58()} (${what})`);
  }
  const { Dave, Carol, Erin } = people;
  const names = new Map(Object.entries(people).map(([n, p]) => [p.account.toBase58(), n]));
  const margin = async (who) => {
    const r = await who.client.simulateMargin(who.account);
    return `equity ${cents(r.equity)}  IM ${cents(r.im)}  MM ${cents(r.mm)}${r.equity < r.mm ? "  (below MM: liquidatable)" : ""}`;
  };

  step("Carol buys 1.8 BTC perpetual from Dave at 100,000 (RFQ): her book is 2.05 BTC long on 40,000 of equity");
  const now = await sdk.clusterTime(connection);
  const quote = { instrumentIndex: 0, makerSide: sdk.MakerSide.Sell, size: 1_800_000n, price: 100_000_000_000n, oracleLimit: 0n, expiresAt: now + 60n, nonce: BigInt(Date.now()) };
  const encoded = await new sdk.PortfolioMarginTrading(Dave.client).createSignedQuote({ maker: Dave.kp, makerAccount: Dave.account, takerAccount: Carol.account, marketIndex: 0, quote });
  await new sdk.PortfolioMarginTrading(Carol.client).acceptSignedQuote(encoded, { taker: Carol.kp });
  line("Carol", await margin(Carol));

  const liq = new sdk.PortfolioMarginLiquidation(Erin.client);
  /** Erin plans Carol's liquidation, prints it, sends its steps and prints what each did. */
  const liquidateCarol = async () => {
    const snapshot = await liq.liquidationSnapshot(Carol.account, Erin.account);
    const plan = sdk.planLiquidation(snapshot);
    const view = liqView.buildPlanView(plan, snapshot.markets, snapshot.clearinghouse, Erin.account);
    console.log(dim("    the plan (`pm liquidate <account> --dry-run` prints the same):"));
    for (const l of liqView.renderPlanView(view)) console.log(`    ${l}`);
    if (plan.error) throw new Error(`the plan stops short: ${plan.error.message}`);
    for (const [i, s] of plan.steps.entries()) {
      const sig = await liq.liquidate({ marginAccount: Carol.account, liquidatorAccount: Erin.account, legs: s.legs, liquidator: Erin.kp });
      const ev = sdk.liquidationEventsOf(await sdk.fetchTransactionEvents(connection, sig));
      const e = ev.liquidations[0];
      console.log(`    step ${i + 1} landed (${sig.slice(0, 16)}...): the program's LiquidationEvent:`);
      line("  legs", ev.legs.map((l) => `${l.legKind === 0 ? "position" : "collateral"} ${sdk.formatUiAmount(l.size < 0n ? -l.size : l.size, l.legKind === 0 ? 6 : 8)} @ ${usd(l.price)}`).join(", "));
      line("  equity", `${cents(e.equityBefore)} -> ${cents(e.equityAfter)}`);
      line("  MM", `${cents(e.mmBefore)} -> ${cents(e.mmAfter)}`);
      line("  fee", `${cents(e.fee)}: liquidator ${cents(e.liquidatorFee)}, insurance fund ${cents(e.insuranceFee)} (in the BTC fee pool until swept)`);
      line("  Erin after", `equity ${cents(e.liquidatorEquity)}  IM ${cents(e.liquidatorIm)}`);
    }
    return plan;
  };

  step("Crash: BTC 100,000 -> 91,000 (oracle written); the crank's scan (findLiquidatable) finds Carol below MM");
  await btcOracle(91_000);
  for (const a of await liq.findLiquidatable(clearinghouse)) {
    line(names.get(a.address.toBase58()) ?? a.address.toBase58().slice(0, 8), `equity ${cents(a.result.equity)}  MM ${cents(a.result.mm)}  short by ${cents(a.shortfall)}${a.bankrupt ? "  BANKRUPT" : ""}`);
  }

  step("Erin liquidates Carol: the legs that release the most MM per unit of notional, just enough to get back above MM");
  await liquidateCarol();
  line("Carol now", await margin(Carol));

  step("The fall goes on: BTC 86,000: Carol is below MM again, another step");
  await btcOracle(86_000);
  line("Carol", await margin(Carol));
  await liquidateCarol();
  line("Carol now", await margin(Carol));

  step("The insurance fund: Dave deposits 10,000 USDC, the operator sweeps the BTC fee pool into it (`pm insurance deposit`, `pm insurance show`)");
  await testing.mintTestTokens(connection, walletKp, quoteMint, Dave.kp.publicKey, sdk.parseQuoteAmount("10000"));
  await new sdk.PortfolioMarginLiquidation(Dave.client).depositInsurance({ clearinghouse, amount: sdk.parseQuoteAmount("10000") });
  btc = await operator.client.fetchMarketInfo(clearinghouse, 0);
  await new sdk.PortfolioMarginTrading(operator.client).sweepFees({ market: btc, amount: btc.feePool });
  line("swept", `${usd(btc.feePool)} USDC (trading fees and the fund's share of the liquidation fees)`);
  for (const l of liqView.renderInsuranceFund(await liq.insuranceFund(clearinghouse))) console.log(`    ${l}`);

  step("A second crash: BTC 70,000: Carol's equity is negative: no liquidation can restore it; resolve_bankruptcy");
  await btcOracle(70_000);
  line("Carol", await margin(Carol));
  const fundBefore = await liq.insuranceBalance(clearinghouse);
  const plan = await liquidateCarol();
  if (!plan.resolveBankruptcy) throw new Error("Carol should be bankrupt: this is a bug");
  const sig = await liq.resolveBankruptcy({ marginAccount: Carol.account, resolverAccount: Erin.account, resolver: Erin.kp });
  const b = sdk.liquidationEventsOf(await sdk.fetchTransactionEvents(connection, sig)).bankruptcies[0];
  const fundAfter = await liq.insuranceBalance(clearinghouse);
  console.log(`    resolve_bankruptcy landed (${sig.slice(0, 16)}...): the program's BankruptcyResolved:`);
  line("  positions taken", `${b.positionsTaken} (by Erin, at mark; her fee ${cents(b.resolverFee)})`);
  line("  deficit", `${cents(b.deficit)} USDC`);
  line("  insurance fund", `${usd(fundBefore)} -> ${usd(fundAfter)} USDC (paid ${cents(b.insurancePaid)})`);
  line("  socialised", `${cents(b.socialized)}, bad debt ${cents(b.badDebt)}`);
  const carol = await Carol.client.fetchMarginAccountInfo(Carol.account);
  line("Carol's account", `${carol.positions.length} positions, quote ${usd(sdk.quoteBalance(carol, quoteMint))} (empty)`);
  line("Erin", await margin(Erin));
}

async function main() {
  let node;
  let rpc = process.env.ANCHOR_PROVIDER_URL;
  let wallet = process.env.ANCHOR_WALLET;
  if (!(rpc && wallet)) {
    step("Start the native localnet (tools/localnet)");
    node = await startLocalnet({ quiet: true });
    rpc = node.rpc;
    wallet = node.wallet;
    line("rpc", rpc);
    line("wallet", node.pubkey);
  } else {
    step(`Use the cluster at ${rpc}`);
  }
  try {
    await run(rpc, wallet);
  } finally {
    if (node) {
      await node.stop();
      step("Stopped the localnet");
    }
  }
  console.log("\ntour finished");
}

// Exit explicitly: web3.js keeps (and retries) a websocket to the node, which would keep the
// process alive after the node is gone.
main().then(
  () => process.exit(0),
  (e) => {
    console.error(`\ntour failed: ${e && e.stack ? e.stack : e}`);
    process.exit(1);
  },
);
