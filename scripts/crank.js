#!/usr/bin/env node
// `npm run crank -- --config FILE [--rpc URL] [--keypair FILE] [--clearinghouse KEY] [--port N]`
// (crank/src/index.ts, run from source with ts-node like the tests and the demo).
const path = require("path");
const ROOT = path.resolve(__dirname, "..");
require("./lib/ensure-deps").ensureDeps();
require("ts-node").register({ project: path.join(ROOT, "tsconfig.json"), transpileOnly: true });
require(path.join(ROOT, "crank", "src", "index.ts"))
  .main(process.argv)
  .catch((e) => {
    process.stderr.write(`crank: ${(e && e.stack) || e}\n`);
    process.exit(1);
  });
