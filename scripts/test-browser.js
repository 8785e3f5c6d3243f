#!/usr/bin/env node
// Browser tests of the web dApp (tests/browser): builds the SDK and the app (app/web/dist), starts
// the native localnet (as scripts/test-ts.js does), and runs ts-mocha with Debian's Chromium
// (/usr/bin/chromium, or PM_CHROMIUM) driven by playwright-core. Screenshots go to target/browser/.
// Extra arguments are passed to mocha (e.g. `node scripts/test-browser.js --grep RFQ`).
// PM_WEB_NO_BUILD=1 skips the builds (reuses app/dist and app/web/dist).
const fs = require("fs");
const path = require("path");
require("./lib/ensure-deps").ensureDeps();
const { exitWith, localnetEnv, runMocha, withLocalnet } = require("./lib/mocha");
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
  return withLocalnet("test-browser", async (node) => {
    const code = await runMocha(["tests/browser/**/*.test.ts"], 180000, localnetEnv(node, { PM_CHROMIUM: CHROMIUM }));
    console.error(`test-browser: ${Math.round((Date.now() - started) / 1000)} s in all; screenshots in target/browser/`);
    return code;
  });
}

exitWith(main());
