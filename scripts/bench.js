#!/usr/bin/env node
// `npm run bench`: cost of the risk engine.
// 1. Native build of crates/risk-engine (release), instructions executed per full IM evaluation,
//    counted with valgrind's callgrind (repeatable; a 0-iteration run is subtracted so set-up and
//    process start cost nothing), for reference portfolios of 1/8/32 legs on 1/2/4 underlyings,
//    next to the same scan priced with the precise Q16.48 Black-76 of `pm price` at every (leg x scenario).
// 2. The program's whole margin check (tools/margin-bench: the reference portfolios as a clearinghouse,
//    markets, PriceUpdateV2 oracles and a margin account; remaining accounts, oracle reads, engine
//    inputs, evaluation) against the engine alone: what the program adds, and an eBPF estimate of it
//    (scaled by the engine's eBPF / native ratio from scripts/bench/cu-baseline.json). memset is left
//    out of the native count: zeroing the heap workspace is one `sol_memset` syscall on Solana (about
//    n/250 CU), not the byte loop callgrind counts.
// 3. The TypeScript mirror's health-scan throughput (accounts/s) for 8-leg accounts, with the
//    per-instrument risk arrays shared across accounts (the crank's case) and without.
// 4. The crank's tick on 100,000 8-leg accounts (crank/bench/scan.ts): its HealthBook (market-set
//    grouping, re-pricing, float64 scan with exact fallback) with prices moving each tick, the
//    cost of changed accounts and of a funding update (everything recompiled), and decoding.
//    `npm run bench -- --crank` runs this section alone (no valgrind needed).
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
  const r = spawnSync("cargo", ["build", "--release", "-q", "-p", "risk-engine", "--features", "reference", "--bin", "risk-bench"], { cwd: ROOT, stdio: "inherit", env: cargoEnv() });
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

/** Instructions of a run, less memset (see 2. above). */
function instructionsWithoutMemset(bin, args) {
  const out = path.join(require("os").tmpdir(), `pm-bench-${process.pid}.callgrind`);
  const r = spawnSync("valgrind", ["--tool=callgrind", `--callgrind-out-file=${out}`, bin, ...args.map(String)], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`callgrind failed for ${args.join(" ")}: ${r.stderr}`);
  const a = spawnSync("callgrind_annotate", [out], { encoding: "utf8", maxBuffer: 1 << 26 }).stdout;
  fs.rmSync(out, { force: true });
  const num = (line) => Number(line.trim().split(/\s+/)[0].replace(/,/g, ""));
  const total = num(a.split("\n").find((l) => l.includes("PROGRAM TOTALS")));
  const memset = a.split("\n").filter((l) => /memset/.test(l) && /^\s*[\d,]+/.test(l)).reduce((n, l) => n + num(l), 0);
  return total - memset;
}

function buildMarginBench() {
  const r = spawnSync("cargo", ["build", "--release", "-q", "-p", "margin-bench"], { cwd: ROOT, stdio: "inherit", env: cargoEnv() });
  if (r.status !== 0) process.exit(r.status || 1);
  return path.join(cargoTargetDir(), "release", "margin-bench");
}

function marginCheck(bin, legs, unds) {
  const per = (mode) => (instructionsWithoutMemset(bin, [mode, legs, unds, ITERS]) - instructionsWithoutMemset(bin, [mode, legs, unds, 0])) / ITERS;
  return { engine: per("engine"), program: per("program") };
}

function perEval(bin, mode, legs, unds) {
  const base = instructions(bin, [mode, legs, unds, 0]);
  const run = instructions(bin, [mode, legs, unds, ITERS]);
  return { per: (run.count - base.count) / ITERS, out: run.out };
}

function tsThroughput() {
  require(path.join(ROOT, "node_modules", "ts-node")).register({ project: path.join(ROOT, "tsconfig.json"), transpileOnly: true });
  const risk = require(path.join(ROOT, "app", "src", "risk"));
  const pop = require(path.join(ROOT, "tests", "lib", "population"));
  const N = 100_000;
  const accounts = pop.accounts(N, 42);
  const time = (fn) => {
    const t0 = process.hrtime.bigint();
    const r = fn();
    return [Number(process.hrtime.bigint() - t0) / 1e9, r];
  };
  // one tick: price the instruments, compile the accounts (once per account change), scan them all
  const [compile, scanner] = time(() => {
    const s = new risk.HealthScanner(risk.DEFAULT_GLOBAL, pop.markets(), pop.NOW);
    s.compiled = accounts.map((a) => s.compile(a));
    return s;
  });
  for (const c of scanner.compiled.slice(0, 2000)) scanner.health(c); // warm-up
  const [scan] = time(() => {
    let n = 0;
    for (const c of scanner.compiled) if (scanner.health(c).liquidatable) n++;
    return n;
  });
  const sub = accounts.slice(0, 2000);
  const [exact] = time(() => sub.forEach((a) => risk.evaluate(a, scanner.cache)));
  return { n: N, universe: pop.universe().length, scan: N / scan, compile: N / compile, exact: sub.length / exact, fallbacks: scanner.exactCount };
}

function crankSection() {
  require(path.join(ROOT, "node_modules", "ts-node")).register({ project: path.join(ROOT, "tsconfig.json"), transpileOnly: true });
  const { benchCrankScan } = require(path.join(ROOT, "crank", "bench", "scan.ts"));
  const b = benchCrankScan(100_000, 6);
  const f = (x) => Math.round(x).toLocaleString("en-US");
  const median = (xs) => [...xs].sort((a, c) => a - c)[Math.floor(xs.length / 2)];
  const wall = b.ticks.map((t) => t.ms);
  const cpu = b.ticks.map((t) => t.cpuMs);
  return [
    `The crank's tick (crank/src/health.ts HealthBook; node ${process.version}, one thread), ${f(b.accounts)} 8-leg accounts on 2 markets, prices moving every tick:`,
    "",
    "| what | time |",
    "|---|---:|",
    `| full health scan per tick (re-price + scan every account), median of ${b.ticks.length}, wall | ${f(median(wall))} ms |`,
    `| same, CPU time of the process (what one core spent) | ${f(median(cpu))} ms |`,
    `| slowest tick, wall / CPU | ${f(Math.max(...wall))} / ${f(Math.max(...cpu))} ms |`,
    `| tick with ${f(b.churned)} accounts changed since the last (recompiled) | ${f(b.churnTickMs)} ms |`,
    `| tick after a funding update (${f(b.recosted)} accounts' perpetuals re-costed) | ${f(b.recompileTickMs)} ms |`,
    `| first scan (every account compiled) | ${f(b.firstScanMs)} ms |`,
    `| decode (re-list / subscription), fixed-offset decoder | ${f(b.decode.fast)} accounts/s |`,
    `| decode with the Anchor Borsh coder, for comparison | ${f(b.decode.anchor)} accounts/s |`,
    "",
    `Accounts below MM per tick: ${b.ticks.map((t) => t.belowMm).join(", ")}; exact fallbacks: ${b.ticks.map((t) => t.exact).join(", ")}. Target: full scan <= 2,000 ms per tick.`,
  ];
}

function main() {
  if (process.argv.includes("--crank")) {
    console.log(crankSection().join("\n"));
    return;
  }
  ensureValgrind();
  const bin = build();
  const rows = [];
  for (const [legs, unds] of CASES) {
    const e = perEval(bin, "engine", legs, unds);
    const n = perEval(bin, "precise", legs, unds);
    rows.push({ legs, unds, engine: e.per, naive: n.per, engineCell: e.per / (legs * N_SCEN), naiveCell: n.per / (legs * N_SCEN) });
  }
  const f = (x) => Math.round(x).toLocaleString("en-US");
  const lines = [
    `Risk engine cost, native x86-64 release build, instructions per full IM evaluation (callgrind, ${N_SCEN} scenarios per underlying)`,
    "",
    "| legs | underlyings | engine instr / IM eval | engine instr / (instrument x scenario) | precise-path instr / eval | precise-path instr / (leg x scenario) | precise / engine |",
    "|---:|---:|---:|---:|---:|---:|---:|",
    ...rows.map((r) => `| ${r.legs} | ${r.unds} | ${f(r.engine)} | ${f(r.engineCell)} | ${f(r.naive)} | ${f(r.naiveCell)} | ${(r.naive / r.engine).toFixed(2)}x |`),
    "",
  ];
  const marginBin = buildMarginBench();
  const baseline = JSON.parse(fs.readFileSync(path.join(__dirname, "bench", "cu-baseline.json"), "utf8"));
  const ebpf = (legs, unds) => baseline.cases.find((c) => c.legs === legs && c.unds === unds)?.insns;
  lines.push(
    "The program's margin check (tools/margin-bench: remaining accounts, oracle reads, engine inputs, evaluation) vs the engine alone,",
    "native instructions per evaluation without memset (one sol_memset syscall on Solana), and the program's part scaled to eBPF",
    "by the engine's eBPF / native ratio:",
    "",
    "| legs | underlyings | engine (native) | whole check (native) | program's part (native) | engine eBPF (bench:cu) | program's part, eBPF est. | whole check, eBPF est. |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|",
  );
  for (const [legs, unds] of CASES) {
    const m = marginCheck(marginBin, legs, unds);
    const e = ebpf(legs, unds);
    const part = m.program - m.engine;
    const est = e ? (part * e) / m.engine : NaN;
    lines.push(`| ${legs} | ${unds} | ${f(m.engine)} | ${f(m.program)} | ${f(part)} | ${e ? f(e) : "-"} | ${f(est)} | ${e ? f(e + est) : "-"} |`);
  }
  lines.push("");
  const ts = tsThroughput();
  lines.push(
    `TypeScript mirror (node ${process.version}, one core), ${ts.n} 8-leg accounts drawn from ${ts.universe} instruments on 2 underlyings:`,
    "",
    "| path | accounts / s |",
    "|---|---:|",
    `| health scan (float64 + exact fallback, risk arrays shared; the crank's tick) | ${f(ts.scan)} |`,
    `| compile (instrument lookups, once per account change; incl. pricing ${ts.universe} instruments) | ${f(ts.compile)} |`,
    `| exact bigint evaluation (risk arrays shared) | ${f(ts.exact)} |`,
    "",
    `Exact fallbacks in the scan: ${ts.fallbacks} of ${ts.n} (accounts too close to MM for float64 to call).`,
    "",
    "Instruction counts are exact and repeatable; accounts/s is wall-clock and machine dependent.",
    "",
    ...crankSection(),
  );
  console.log(lines.join("\n"));
}

main();
