#!/usr/bin/env node
// `cargo` with the shared target dir (see lib/cargo-env.js); arguments pass through.
const { spawnSync } = require("child_process");
const { cargoEnv } = require("./lib/cargo-env");

const r = spawnSync("cargo", process.argv.slice(2), { stdio: "inherit", env: cargoEnv() });
process.exit(r.status === null ? 1 : r.status);
