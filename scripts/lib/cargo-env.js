// One place that decides where Cargo builds: a target dir outside the clone, so repeat runs
// (and fresh CI clones on the same machine) reuse the solana-program-test build.
const os = require("os");
const path = require("path");

function cargoTargetDir() {
  return process.env.CARGO_TARGET_DIR || path.join(os.homedir(), ".cache", "portfolio-margin", "target");
}

function cargoEnv() {
  // program-test logs every instruction at debug level by default: keep test output readable.
  return { RUST_LOG: "error", ...process.env, CARGO_TARGET_DIR: cargoTargetDir() };
}

module.exports = { cargoTargetDir, cargoEnv };
