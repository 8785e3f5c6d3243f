#!/usr/bin/env node
// `pm`: the portfolio-margin wallet CLI. Runs the TypeScript sources through ts-node
// (transpile only: type checking is `npm run typecheck`'s job, not every CLI start's).
const path = require("path");

require("ts-node").register({
  project: path.resolve(__dirname, "..", "..", "tsconfig.json"),
  transpileOnly: true,
});

require("../src/cli/index.ts")
  .main(process.argv)
  // Exit explicitly: web3.js keeps a websocket open after confirming a transaction.
  .then(() => process.exit(process.exitCode ?? 0))
  .catch((e) => {
    console.error(e && e.stack ? e.stack : e);
    process.exit(1);
  });
