// Starts the native local JSON-RPC node (tools/localnet) and resolves once it is ready.
//
//   const { startLocalnet } = require("./lib/localnet");
//   const node = await startLocalnet({ quiet: true });   // { rpc, ws, wallet, pubkey, programId, stop() }
//   ...
//   await node.stop();
//
// Builds the binary through scripts/cargo.js (shared target dir) unless PM_LOCALNET_BIN points at
// one or PM_LOCALNET_NO_BUILD=1 is set, spawns it on a free port, and waits for the single JSON
// ready line on stdout. The node is killed on stop() and when this process exits.
const { spawn, spawnSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");
const readline = require("readline");
const { Keypair } = require("@solana/web3.js");
const { cargoEnv, cargoTargetDir } = require("./cargo-env");

const ROOT = path.resolve(__dirname, "..", "..");

function localnetBinary() {
  if (process.env.PM_LOCALNET_BIN) return process.env.PM_LOCALNET_BIN;
  return path.join(cargoTargetDir(), "debug", process.platform === "win32" ? "localnet.exe" : "localnet");
}

/** `cargo build -p localnet` (a no-op when up to date). Output goes to stderr so stdout stays clean. */
function buildLocalnet({ quiet = false } = {}) {
  if (process.env.PM_LOCALNET_NO_BUILD === "1") return;
  if (!quiet) process.stderr.write("localnet: cargo build -p localnet ...\n");
  const r = spawnSync("cargo", ["build", ...(quiet ? ["-q"] : []), "-p", "localnet"], {
    cwd: ROOT,
    env: cargoEnv(),
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (r.error) throw new Error(`localnet: could not run cargo: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`localnet: cargo build -p localnet failed (exit ${r.status})`);
}

/** A fresh funded-by-the-node wallet keypair file, unless one is given. */
function walletFile(wallet) {
  if (wallet) return wallet;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pm-localnet-"));
  const file = path.join(dir, "wallet.json");
  fs.writeFileSync(file, JSON.stringify(Array.from(Keypair.generate().secretKey)), { mode: 0o600 });
  return file;
}

/**
 * @param {{ quiet?: boolean, wallet?: string, port?: number, timeoutMs?: number, build?: boolean, args?: string[] }} [opts]
 * @returns {Promise<{ rpc: string, ws: string, wallet: string, pubkey: string, programId?: string, pid: number, stop: () => Promise<void> }>}
 */
async function startLocalnet(opts = {}) {
  const quiet = opts.quiet !== false;
  if (opts.build !== false) buildLocalnet({ quiet });
  const bin = localnetBinary();
  if (!fs.existsSync(bin)) {
    throw new Error(`localnet: binary not found at ${bin} (build with: node scripts/cargo.js build -p localnet)`);
  }
  const wallet = walletFile(opts.wallet);
  const args = ["--port", String(opts.port ?? 0), "--wallet", wallet, "--exit-on-stdin-close", ...(quiet ? ["--quiet"] : []), ...(opts.args ?? [])];
  const child = spawn(bin, args, { cwd: ROOT, stdio: ["pipe", "pipe", quiet ? "pipe" : "inherit"] });

  // Keep the tail of stderr for the error message if the node dies before it is ready.
  let stderrTail = "";
  if (child.stderr) {
    child.stderr.on("data", (d) => {
      stderrTail = (stderrTail + d.toString()).slice(-4000);
    });
  }

  let exited = false;
  const exitPromise = new Promise((resolve) => {
    child.once("exit", (code, signal) => {
      exited = true;
      resolve({ code, signal });
    });
  });

  const killOnExit = () => {
    if (!exited) {
      try {
        child.kill("SIGKILL");
      } catch {
        /* already gone */
      }
    }
  };
  process.once("exit", killOnExit);

  const stop = async () => {
    process.removeListener("exit", killOnExit);
    if (exited) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => !exited && child.kill("SIGKILL"), 5000);
    await exitPromise;
    clearTimeout(timer);
  };

  const timeoutMs = opts.timeoutMs ?? 120_000;
  const ready = await new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: child.stdout });
    const timer = setTimeout(() => {
      rl.close();
      reject(new Error(`localnet: no ready line within ${timeoutMs} ms${stderrTail ? `\n${stderrTail}` : ""}`));
    }, timeoutMs);
    rl.on("line", (line) => {
      const t = line.trim();
      if (!t.startsWith("{")) {
        if (!quiet) process.stderr.write(`localnet: ${t}\n`);
        return;
      }
      let msg;
      try {
        msg = JSON.parse(t);
      } catch {
        return;
      }
      if (typeof msg.rpc !== "string") return;
      clearTimeout(timer);
      // Keep draining stdout so the node never blocks on a full pipe.
      rl.removeAllListeners("line");
      rl.on("line", (l) => !quiet && process.stderr.write(`localnet: ${l}\n`));
      resolve(msg);
    });
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`localnet: failed to start ${bin}: ${e.message}`));
    });
    exitPromise.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(
        new Error(
          `localnet: exited before it was ready (${signal ? `signal ${signal}` : `exit code ${code}`})` +
            (stderrTail ? `\n--- stderr (tail) ---\n${stderrTail}` : ""),
        ),
      );
    });
  }).catch(async (e) => {
    await stop();
    throw e;
  });

  // Once ready, stop collecting stderr (quiet mode) so memory stays flat.
  if (quiet && child.stderr) child.stderr.resume();

  return {
    rpc: ready.rpc,
    ws: ready.ws,
    wallet: ready.wallet || wallet,
    pubkey: ready.pubkey,
    programId: ready.programId,
    pid: child.pid,
    stop,
  };
}

module.exports = { startLocalnet, buildLocalnet, localnetBinary };
