// One place that decides where Cargo builds: a target dir outside the clone, so repeat runs
// (and fresh CI clones on the same machine) reuse the solana-program-test build.
const { execFileSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

const ROOT = path.resolve(__dirname, "..", "..");
// The root [patch.crates-io] of solana-msg: a path crate almost the whole Solana tree depends on.
const PATCHED_CRATE = "tools/solana-msg";

function cargoTargetDir() {
  return process.env.CARGO_TARGET_DIR || path.join(os.homedir(), ".cache", "portfolio-margin", "target");
}

let pinned = false;
/**
 * Cargo judges a path crate fresh by its files' mtimes. A new clone stamps tools/solana-msg "now",
 * which would make the shared target dir rebuild solana-program, the runtime and everything else
 * over it (~30 min on 2 cores) for every new clone. When that crate is unmodified, its files get
 * their last commit's time instead. Never touches a modified crate (its edits must rebuild).
 */
function pinPatchedCrateMtimes() {
  if (pinned) return;
  pinned = true;
  try {
    const git = (...args) => execFileSync("git", args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    if (git("status", "--porcelain", "--", PATCHED_CRATE) !== "") return;
    const time = Number(git("log", "-1", "--format=%ct", "--", PATCHED_CRATE));
    if (!time) return;
    for (const file of git("ls-files", "--", PATCHED_CRATE).split("\n").filter(Boolean)) {
      fs.utimesSync(path.join(ROOT, file), time, time);
    }
  } catch {
    // not a git checkout (an unpacked tarball): Cargo just rebuilds once
  }
}

function cargoEnv() {
  pinPatchedCrateMtimes();
  // program-test logs every instruction at debug level by default: keep test output readable.
  return { RUST_LOG: "error", ...process.env, CARGO_TARGET_DIR: cargoTargetDir() };
}

module.exports = { cargoTargetDir, cargoEnv };
