#!/usr/bin/env node
// Browser tests of the web dApp (tests/browser): builds the SDK and the app (app/web/dist), starts
// the native localnet (as scripts/test-ts.js does), and runs ts-mocha with Debian's Chromium
// (/usr/bin/chromium, or PM_CHROMIUM) driven by playwright-core. Screenshots go to target/browser/.
// Extra arguments are passed to mocha (e.g. `node scripts/test-browser.js --grep RFQ`).
// PM_WEB_NO_BUILD=1 skips the builds (reuses app/dist and app/web/dist).
const fs = require("fs");
const path = require("path");
require("./lib/ensure-deps").ensureDeps();
const { startLocalnet } = require("./lib/localnet");
const { localnetEnv, runMocha } = require("./lib/mocha");
const { buildWeb, WEB_DIST } = require("./lib/build-web");

const ROOT = path.resolve(__dirname, "..");
const CHROMIUM = process.env.PM_CHROMIUM || "/usr/bin/chromium";

async function main() {
  if (!fs.existsSync(CHROMIUM)) {
    console.error(`test-browser: no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set PM_CHROMIUM)`);
    return 1;
  }
  const started = Date.now();
  if (process.env.PM_WEB_NO_BUILD !== "1") {
    console.error("test-browser: building the SDK and the web app ...");
    const out = buildWeb({ quiet: true });
    const sizes = out.split("\n").filter((l) => /dist\/.*(kB|MB)/.test(l));
    for (const l of sizes) console.error(`  ${l.trim()}`);
  } else if (!fs.existsSync(path.join(WEB_DIST, "index.html"))) {
    console.error("test-browser: PM_WEB_NO_BUILD=1 but app/web/dist has no build");
    return 1;
  }
  console.error("test-browser: starting the native localnet ...");
  const node = await startLocalnet({ quiet: true });
  console.error(`test-browser: localnet ready at ${node.rpc}`);
  try {
    const code = await runMocha(["tests/browser/**/*.test.ts"], 180000, localnetEnv(node, { PM_CHROMIUM: CHROMIUM }));
    console.error(`test-browser: ${Math.round((Date.now() - started) / 1000)} s in all; screenshots in target/browser/`);
    return code;
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
