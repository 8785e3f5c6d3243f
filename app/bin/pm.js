#!/usr/bin/env node
// `pm`: the portfolio-margin wallet CLI.
// - Installed package (no src/ next to bin/: "files" ships only dist/ and bin/): runs the compiled
//   dist/cli/index.js; no ts-node or typescript needed.
// - In the repository (src/ present): runs the TypeScript sources through ts-node (transpile only:
//   type checking is `npm run typecheck`'s job, not every CLI start's), so no build step is needed
//   and a stale dist/ is never used.
const fs = require("fs");
const path = require("path");

const pkgRoot = path.resolve(__dirname, "..");
const sources = path.join(pkgRoot, "src", "cli", "index.ts");

function load() {
  if (fs.existsSync(sources)) {
    try {
      require.resolve("ts-node");
    } catch {
      console.error("pm: running from the sources (app/src) needs ts-node: run `npm install` in the repository");
      process.exit(1);
    }
    require("ts-node").register({
      project: path.resolve(pkgRoot, "..", "tsconfig.json"),
      transpileOnly: true,
    });
    return require(sources);
  }
  return require(path.join(pkgRoot, "dist", "cli", "index.js"));
}

load()
  .main(process.argv)
  // Exit explicitly: web3.js keeps a websocket open after confirming a transaction.
  .then(() => process.exit(process.exitCode ?? 0))
  .catch((e) => {
    console.error(e && e.stack ? e.stack : e);
    process.exit(1);
  });
