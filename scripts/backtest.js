#!/usr/bin/env node
// `npm run backtest`: MM coverage and capital efficiency of the reference strategies over 2020-2025
// prices (crank/src/backtest; method and results in docs/backtest.md). Arguments pass through, e.g.
// `npm run backtest -- --data-dir DIR --stride 1`.
const path = require("path");

const ROOT = path.resolve(__dirname, "..");
require(path.join(ROOT, "node_modules", "ts-node")).register({ project: path.join(ROOT, "tsconfig.json"), transpileOnly: true });
try {
  process.exitCode = require(path.join(ROOT, "crank", "src", "backtest")).main(process.argv.slice(2));
} catch (e) {
  console.error(`backtest: ${e && e.message ? e.message : e}`);
  process.exitCode = 1;
}
