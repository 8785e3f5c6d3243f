#!/usr/bin/env node
// `npm run web`: the web dApp on a live local demo, in one command. Installs npm deps if needed,
// builds the SDK and the dApp (app/web/dist), starts the native local node, bootstraps a
// clearinghouse with the BTC/ETH/SOL markets and a demo trader whose book (an ETH call spread with
// a perp hedge, a covered BTC call) was traded by RFQ against a market maker
// (scripts/lib/web-demo.ts), serves the built app and prints its address with the demo wallet's
// key in the fragment (a dev keypair wallet: local demo only). While it runs, the test oracles are
// republished every few seconds (with a small random walk, so the account moves) and the vols
// every 30 minutes. Ctrl-C stops the server and the node.
//
//   npm run web [-- --port 5173] [--no-build] [--no-walk]
const fs = require("fs");
const path = require("path");
const ROOT = path.resolve(__dirname, "..");

require("./lib/ensure-deps").ensureDeps();
require("ts-node").register({ project: path.join(ROOT, "tsconfig.json"), transpileOnly: true });

const { startLocalnet } = require("./lib/localnet");
const { serveStatic } = require("./lib/static-server");
const { buildWeb, WEB_DIST } = require("./lib/build-web");

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
};
const ORACLE_EVERY_MS = 5_000;
const VOLS_EVERY_MS = 30 * 60_000;

/** A small mean-reverting walk around each market's starting price (about 0.05% a step). */
function walker(start) {
  const price = { ...start };
  return () => {
    for (const [k, p0] of Object.entries(start)) {
      const p = price[k];
      price[k] = p + p * 0.0005 * (Math.random() * 2 - 1) + (p0 - p) * 0.02;
    }
    return { ...price };
  };
}

async function main() {
  if (!flag("--no-build")) {
    console.log("building the SDK and the web app ...");
    buildWeb({ quiet: true });
  } else if (!fs.existsSync(path.join(WEB_DIST, "index.html"))) {
    throw new Error("--no-build, but app/web/dist has no build");
  }
  console.log("starting the local node (tools/localnet; the first build takes a while) ...");
  const node = await startLocalnet({ quiet: true });
  let server;
  let timers = [];
  const stop = async (code) => {
    console.log("\nstopping the server and the local node ...");
    timers.forEach(clearInterval);
    timers = [];
    if (server) await server.close();
    await node.stop();
    process.exit(code);
  };
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));
  try {
    const { Keypair } = require("@solana/web3.js");
    const demo = require("./lib/web-demo.ts");
    const admin = Keypair.fromSecretKey(Uint8Array.from(JSON.parse(fs.readFileSync(node.wallet, "utf8"))));
    console.log("bootstrapping the demo (clearinghouse, markets, maker, trader, RFQ trades) ...");
    const state = await demo.bootstrapDemo(node.rpc, admin, (l) => console.log(`  ${l}`));
    server = await serveStatic(WEB_DIST, { port: Number(option("--port", "5173")) }).catch(() => serveStatic(WEB_DIST, { port: 0 }));

    const walk = flag("--no-walk") ? () => ({}) : walker(demo.START_PRICES);
    let busy = false;
    const tick = async (fn, what) => {
      if (busy) return;
      busy = true;
      try {
        await fn();
      } catch (e) {
        console.error(`keeper: ${what} failed: ${e && e.message ? e.message : e}`);
      } finally {
        busy = false;
      }
    };
    timers.push(setInterval(() => void tick(() => demo.refreshOracles(state, walk()), "oracle refresh"), ORACLE_EVERY_MS));
    timers.push(setInterval(() => void tick(() => demo.refreshVols(state), "vol refresh"), VOLS_EVERY_MS));

    const traderUrl = demo.pageUrl(server.url, node.rpc, state.clearinghouse, state.trader.keypair);
    const makerUrl = demo.pageUrl(server.url, node.rpc, state.clearinghouse, state.maker.keypair);
    console.log(`
portfolio-margin web dApp (local demo)
  node          ${node.rpc}
  clearinghouse ${state.clearinghouse.toBase58()}
  trader        ${state.trader.keypair.publicKey.toBase58()}
  maker         ${state.maker.keypair.publicKey.toBase58()}

Open the demo trader's account:
  ${traderUrl}

The maker (for RFQ between two tabs: quote from one, accept in the other):
  ${makerUrl}

These links carry a DEV KEYPAIR in the fragment (#key=...): local demo only.
Oracles are republished every ${ORACLE_EVERY_MS / 1000} s${flag("--no-walk") ? "" : " with a small random walk"}. Ctrl-C to stop.`);
  } catch (e) {
    console.error(`web: ${e && e.stack ? e.stack : e}`);
    await stop(1);
  }
}

main().catch((e) => {
  console.error(`web: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});
