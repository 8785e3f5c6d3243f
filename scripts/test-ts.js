#!/usr/bin/env node
// TypeScript tests (unit + end-to-end).
// - If ANCHOR_PROVIDER_URL is set (e.g. under `anchor test` with solana-test-validator), run
//   mocha against that cluster as is.
// - Otherwise start the native localnet, point ANCHOR_PROVIDER_URL / ANCHOR_WALLET at it, set
//   PM_LOCALNET=1 (unlocks localnet-only tests), run mocha, stop the node, exit with mocha's code.
// Extra arguments are passed to mocha (e.g. `node scripts/test-ts.js --grep deposit`).
const { spawn } = require("child_process");
const fs = require("fs");
const path = require("path");
require("./lib/ensure-deps").ensureDeps();
const { startLocalnet } = require("./lib/localnet");

const ROOT = path.resolve(__dirname, "..");
// tests/package: `npm pack` the SDK and install it into scratch dApp projects (no node needed).
const GLOBS = ["tests/unit/**/*.test.ts", "tests/package/**/*.test.ts", "tests/e2e/**/*.test.ts"];

function hasFiles(glob) {
  const [dir] = glob.split("/**");
  return fs.existsSync(path.join(ROOT, dir)) && walk(path.join(ROOT, dir)).some((f) => f.endsWith(".test.ts"));
}
function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? walk(path.join(dir, d.name)) : [path.join(dir, d.name)],
  );
}

function runMocha(env) {
  const globs = GLOBS.filter(hasFiles);
  if (globs.length === 0) {
    console.error("test-ts: no test files found");
    return Promise.resolve(1);
  }
  const bin = require.resolve("ts-mocha/bin/ts-mocha");
  // --exit: web3.js connections keep websockets open, which would keep mocha alive forever.
  const args = [bin, "-p", "tsconfig.json", "--timeout", "60000", "--exit", ...globs, ...process.argv.slice(2)];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: "inherit" });
    const forward = (sig) => child.kill(sig);
    process.on("SIGINT", forward);
    process.on("SIGTERM", forward);
    child.on("exit", (code, signal) => {
      process.removeListener("SIGINT", forward);
      process.removeListener("SIGTERM", forward);
      resolve(code === null ? (signal === "SIGINT" ? 130 : 1) : code);
    });
  });
}

async function main() {
  if (process.env.ANCHOR_PROVIDER_URL) {
    console.error(`test-ts: using the cluster at ${process.env.ANCHOR_PROVIDER_URL}`);
    return runMocha(process.env);
  }
  console.error("test-ts: starting the native localnet ...");
  const node = await startLocalnet({ quiet: true });
  console.error(`test-ts: localnet ready at ${node.rpc} (wallet ${node.pubkey})`);
  try {
    return await runMocha({
      ...process.env,
      ANCHOR_PROVIDER_URL: node.rpc,
      ANCHOR_WALLET: node.wallet,
      PM_LOCALNET: "1",
      TS_NODE_PROJECT: path.join(ROOT, "tsconfig.json"),
    });
  } finally {
    await node.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e && e.message ? e.message : e);
    process.exit(1);
  },
);
