#!/usr/bin/env node
// `npm run demo`: a clean end-to-end run on the native localnet, step by step.
// Starts the node (or uses ANCHOR_PROVIDER_URL + ANCHOR_WALLET when both are set), bootstraps a
// clearinghouse with a test USDC mint (migrations/deploy.ts), then a user creates a margin
// account, deposits 250, withdraws 100, and tries to withdraw more than it holds.
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

  const walletKp = Keypair.fromSecretKey(Uint8Array.from(JSON.parse(fs.readFileSync(walletPath, "utf8"))));
  const connection = new Connection(rpc, "confirmed");
  const opts = { commitment: "confirmed", preflightCommitment: "confirmed" };
  const admin = new AnchorProvider(connection, new Wallet(walletKp), opts);
  const usd = (n) => `${sdk.formatQuoteAmount(n, { grouping: true })} USDC`;

  step("Bootstrap a clearinghouse (migrations/deploy.ts)");
  const ch = await bootstrap(admin, {
    index: Math.floor(Math.random() * 0x10000),
    createTestMint: true,
    log: (l) => console.log(dim(`    ${l}`)),
  });
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
  console.log("\ndemo finished");
}

// Exit explicitly: web3.js keeps (and retries) a websocket to the node, which would keep the
// process alive after the node is gone.
main().then(
  () => process.exit(0),
  (e) => {
    console.error(`\ndemo failed: ${e && e.stack ? e.stack : e}`);
    process.exit(1);
  },
);
