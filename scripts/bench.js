#!/usr/bin/env node
// `npm run bench`: cost of the risk engine.
// 1. Native build of crates/risk-engine (release), instructions executed per full IM evaluation,
//    counted with valgrind's callgrind (repeatable; a 0-iteration run is subtracted so set-up and
//    process start cost nothing), for reference portfolios of 1/8/32 legs on 1/2/4 underlyings,
//    next to a naive evaluation (Black-76 from scratch per leg per scenario) measured in the same run.
// 2. The TypeScript mirror's health-scan throughput (accounts/s) for 8-leg accounts, with the
//    per-instrument risk arrays shared across accounts (the crank's case) and without.
// Installs valgrind with apt-get when it is missing and we are root; otherwise says so and stops.
const { spawnSync } = require("child_process");
const fs = require("fs");
const path = require("path");
const { cargoEnv, cargoTargetDir } = require("./lib/cargo-env");

const ROOT = path.resolve(__dirname, "..");
const ITERS = Number(process.env.BENCH_ITERS || 5);
const CASES = [[1, 1], [8, 1], [8, 2], [8, 4], [32, 1], [32, 2], [32, 4]];
const N_SCEN = 27;

function have(cmd) {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}
function ensureValgrind() {
  if (have("valgrind")) return;
  if (process.getuid && process.getuid() === 0 && have("apt-get")) {
    console.error("bench: valgrind missing, installing it with apt-get");
    spawnSync("apt-get", ["update"], { stdio: "inherit" });
    const r = spawnSync("apt-get", ["install", "-y", "valgrind"], { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
    if (r.status === 0 && have("valgrind")) return;
  }
  console.error("bench: valgrind is required (apt-get install valgrind): NOT RUN");
  process.exit(1);
}

function build() {
  const r = spawnSync("cargo", ["build", "--release", "-q", "-p", "risk-engine", "--bin", "risk-bench"], { cwd: ROOT, stdio: "inherit", env: cargoEnv() });
  if (r.status !== 0) process.exit(r.status || 1);
  return path.join(cargoTargetDir(), "release", "risk-bench");
}

function instructions(bin, args) {
  const r = spawnSync("valgrind", ["--tool=callgrind", "--callgrind-out-file=/dev/null", bin, ...args.map(String)], { encoding: "utf8" });
  const m = /Collected\s*:\s*(\d+)/.exec(r.stderr || "");
  if (r.status !== 0 || !m) {
    console.error(r.stderr);
    throw new Error(`callgrind failed for ${args.join(" ")}`);
  }
  return { count: Number(m[1]), out: r.stdout.trim() };
}

function perEval(bin, mode, legs, unds) {
  const base = instructions(bin, [mode, legs, unds, 0]);
  const run = instructions(bin, [mode, legs, unds, ITERS]);
  return { per: (run.count - base.count) / ITERS, out: run.out };
}

function tsThroughput() {
  require(path.join(ROOT, "node_modules", "ts-node")).register({ project: path.join(ROOT, "tsconfig.json"), transpileOnly: true });
  const risk = require(path.join(ROOT, "app", "src", "risk"));
  const now = 1_767_000_000n;
  const spots = [88_530_000_000n, 2_970_000_000n];
  const markets = spots.map((spot, i) => ({
    spot, conf: spot / 2000n, volStale: false, params: risk.defaultMarketParams(160_000 + 20_000 * i),
    slices: [7n, 30n, 90n].map((d, j) => ({ expiry: now + d * 86_400n, atmPpm: BigInt(450_000 + 50_000 * j), skewPpm: -100_000n, curvPpm: 300_000n, basisPpm: 50_000n })),
  }));
  // instrument universe: per underlying, 3 expiries x 10 strikes x call/put + perp
  const universe = [];
  spots.forEach((spot, mi) => {
    universe.push({ market: mi, kind: risk.Kind.Perp, slice: 0, strike: 0n });
    for (let s = 0; s < 3; s++) for (let k = 0; k < 10; k++) for (const kind of [risk.Kind.Call, risk.Kind.Put]) {
      universe.push({ market: mi, kind, slice: s, strike: (spot / 100n) * BigInt(75 + 5 * k) });
    }
  });
  let seed = 42;
  const rnd = (n) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
  const accounts = Array.from({ length: 2000 }, () =>
    Array.from({ length: 8 }, () => {
      const u = universe[rnd(universe.length)];
      const size = BigInt((rnd(2) ? 1 : -1) * (1 + rnd(20)) * 100_000);
      return { ...u, size, cost: u.kind === risk.Kind.Perp ? (size * spots[u.market]) / 1_000_000n : 0n };
    }),
  );
  const coll = [{ asset: risk.QUOTE, amount: 1_000_000_000_000n }];
  const g = risk.DEFAULT_GLOBAL;
  const time = (fn) => {
    const t0 = process.hrtime.bigint();
    fn();
    return Number(process.hrtime.bigint() - t0) / 1e9;
  };
  // warm-up
  for (const a of accounts.slice(0, 50)) risk.evaluate(g, markets, a, coll, now);
  const shared = time(() => {
    const cache = new risk.RiskArrayCache(markets, now);
    for (const a of accounts) risk.evaluate(g, markets, a, coll, now, cache);
  });
  const sub = accounts.slice(0, 200);
  const unshared = time(() => {
    for (const a of sub) risk.evaluate(g, markets, a, coll, now);
  });
  return { n: accounts.length, universe: universe.length, shared: accounts.length / shared, unshared: sub.length / unshared };
}

function main() {
  ensureValgrind();
  const bin = build();
  const rows = [];
  for (const [legs, unds] of CASES) {
    const e = perEval(bin, "engine", legs, unds);
    const n = perEval(bin, "naive", legs, unds);
    rows.push({ legs, unds, engine: e.per, naive: n.per, engineCell: e.per / (legs * N_SCEN), naiveCell: n.per / (legs * N_SCEN) });
  }
  const f = (x) => Math.round(x).toLocaleString("en-US");
  const lines = [
    `Risk engine cost, native x86-64 release build, instructions per full IM evaluation (callgrind, ${N_SCEN} scenarios per underlying)`,
    "",
    "| legs | underlyings | engine instr / IM eval | engine instr / (instrument x scenario) | naive instr / eval | naive instr / (leg x scenario) | naive / engine |",
    "|---:|---:|---:|---:|---:|---:|---:|",
    ...rows.map((r) => `| ${r.legs} | ${r.unds} | ${f(r.engine)} | ${f(r.engineCell)} | ${f(r.naive)} | ${f(r.naiveCell)} | ${(r.naive / r.engine).toFixed(2)}x |`),
    "",
  ];
  const ts = tsThroughput();
  lines.push(
    `TypeScript mirror (node ${process.version}), 8-leg accounts drawn from ${ts.universe} instruments on 2 underlyings:`,
    "",
    "| risk arrays | accounts / s |",
    "|---|---:|",
    `| shared across ${ts.n} accounts (crank) | ${f(ts.shared)} |`,
    `| recomputed per account | ${f(ts.unshared)} |`,
    "",
    "Instruction counts are exact and repeatable; accounts/s is wall-clock and machine dependent.",
  );
  console.log(lines.join("\n"));
}

main();
