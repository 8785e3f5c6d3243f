// Shared by scripts/test-ts.js and scripts/test-browser.js: run ts-mocha as a child (signals
// forwarded, its exit code returned), a localnet for the run and the environment that points
// tests at it, and the scripts' exit.
const { spawn } = require("child_process");
const path = require("path");
const { startLocalnet } = require("./localnet");

const ROOT = path.resolve(__dirname, "..", "..");

/** ts-mocha over `globs` with `timeoutMs`, extra CLI arguments passed through. Resolves to the exit code. */
function runMocha(globs, timeoutMs, env, extra = process.argv.slice(2)) {
  const bin = require.resolve("ts-mocha/bin/ts-mocha");
  // --exit: web3.js connections keep websockets open, which would keep mocha alive forever.
  const args = [bin, "-p", "tsconfig.json", "--timeout", String(timeoutMs), "--exit", ...globs, ...extra];
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

/** The environment of tests run against a node started by `startLocalnet` (unlocks PM_LOCALNET tests). */
function localnetEnv(node, extra = {}) {
  return {
    ...process.env,
    ANCHOR_PROVIDER_URL: node.rpc,
    ANCHOR_WALLET: node.wallet,
    PM_LOCALNET: "1",
    TS_NODE_PROJECT: path.join(ROOT, "tsconfig.json"),
    ...extra,
  };
}

/** Starts the native localnet, runs `run(node)` and stops the node whatever happens. `label` prefixes the log lines. */
async function withLocalnet(label, run) {
  console.error(`${label}: starting the native localnet ...`);
  const node = await startLocalnet({ quiet: true });
  console.error(`${label}: localnet ready at ${node.rpc} (wallet ${node.pubkey})`);
  try {
    return await run(node);
  } finally {
    await node.stop();
  }
}

/** Exits the process with the code `main` resolves to (1 and the message if it throws). */
function exitWith(main) {
  main.then(
    (code) => process.exit(code),
    (e) => {
      console.error(e && e.message ? e.message : e);
      process.exit(1);
    },
  );
}

module.exports = { runMocha, localnetEnv, withLocalnet, exitWith };
