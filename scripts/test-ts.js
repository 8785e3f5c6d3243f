#!/usr/bin/env node
// TypeScript tests (unit + end-to-end).
// - If ANCHOR_PROVIDER_URL is set (e.g. under `anchor test` with solana-test-validator), run
//   mocha against that cluster as is.
// - Otherwise start the native localnet, point ANCHOR_PROVIDER_URL / ANCHOR_WALLET at it, set
//   PM_LOCALNET=1 (unlocks localnet-only tests), run mocha, stop the node, exit with mocha's code.
// Extra arguments are passed to mocha (e.g. `node scripts/test-ts.js --grep deposit`).
const fs = require("fs");
const path = require("path");
require("./lib/ensure-deps").ensureDeps();
const { exitWith, localnetEnv, runMocha, withLocalnet } = require("./lib/mocha");

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

function runTests(env) {
  const globs = GLOBS.filter(hasFiles);
  if (globs.length === 0) {
    console.error("test-ts: no test files found");
    return Promise.resolve(1);
  }
  return runMocha(globs, 60000, env);
}

async function main() {
  if (process.env.ANCHOR_PROVIDER_URL) {
    console.error(`test-ts: using the cluster at ${process.env.ANCHOR_PROVIDER_URL}`);
    return runTests(process.env);
  }
  return withLocalnet("test-ts", (node) => runTests(localnetEnv(node)));
}

exitWith(main());
