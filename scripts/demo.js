#!/usr/bin/env node
// `npm run demo`: a crash replayed hour by hour on the native local node (crank/src/demo,
// docs/demo.md). Starts the node (or uses ANCHOR_PROVIDER_URL + ANCHOR_WALLET when both are set),
// bootstraps a clearinghouse at the window's historic time, opens a population of accounts running
// the reference strategies, replays the window's hourly prices with the crank driven in-process,
// prints a summary and writes target/demo/report-<window>.html (+ .json).
// `npm run demo -- --help` lists the options (--window may2021|nov2022|mar2020, --hours N, ...).
// The step-by-step walkthrough that used to be the demo is `npm run tour`.
const path = require("path");
const ROOT = path.resolve(__dirname, "..");

require("./lib/ensure-deps").ensureDeps();
require("ts-node").register({ project: path.join(ROOT, "tsconfig.json"), transpileOnly: true });

const { startLocalnet } = require("./lib/localnet");

async function main() {
  const demo = require(path.join(ROOT, "crank", "src", "demo"));
  let opts;
  try {
    opts = demo.parseArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof demo.UsageError)) throw e;
    console.error(`demo: ${e.message}\n\n${demo.USAGE}`);
    return 2;
  }
  if (!opts) {
    console.log(demo.USAGE);
    return 0;
  }
  let node;
  let rpc = process.env.ANCHOR_PROVIDER_URL;
  let wallet = process.env.ANCHOR_WALLET;
  console.log(`Crash replay: ${opts.window}, ${opts.hours} hours from ${new Date(opts.from * 1000).toISOString()}`);
  if (!(rpc && wallet)) {
    console.log("  starting the native local node (tools/localnet) ...");
    node = await startLocalnet({ quiet: true });
    rpc = node.rpc;
    wallet = node.wallet;
  } else {
    console.log(`  using the cluster at ${rpc}`);
  }
  try {
    await demo.runDemo(opts, { rpc, wallet });
  } finally {
    if (node) await node.stop();
  }
  return 0;
}

// Exit explicitly: web3.js keeps (and retries) a websocket to the node, which would keep the
// process alive after the node is gone.
main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`\ndemo failed: ${e && e.stack ? e.stack : e}`);
    process.exit(1);
  },
);
