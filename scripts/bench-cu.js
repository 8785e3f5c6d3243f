#!/usr/bin/env node
// `npm run bench:cu [-- --update]`: the risk engine's cost on a BPF virtual machine.
//
// Solana's SBF toolchain cannot be installed here, so this builds the engine for upstream eBPF with
// Debian's rustc-web (prebuilt core for bpfel-unknown-none) and LLVM 22, and runs it in
// tools/bpf-bench, a small eBPF interpreter that counts executed instructions (Solana charges one
// compute unit per executed SBF instruction). See docs/compute-cost.md for what differs
// from SBF compute units and by how much.
//
// Steps: (1) apt-get install rustc-web libstd-rust-web-dev-bpf llvm-22 when missing (as root);
// (2) cargo build of tools/bpf-bench/guest for bpfel-unknown-none (LLVM bitcode, fat LTO);
// (3) llvm-dis, a textual fix-up of the IR for what upstream eBPF cannot express (memcpy/memset
// too large to inline become calls to the host's `pm_memcpy`/`pm_memset`, charged like Solana's
// sol_memcpy_; `sret` markers dropped), llc -mcpu=v4; (4) cargo build + unit tests of the
// interpreter, a differential test (every library function and every reference evaluation, eBPF
// vs native, must be identical); (5) the measurement, printed as a table next to the committed
// figures in scripts/bench/cu-baseline.json (exit 1 when a figure grows by more than
// BENCH_CU_TOLERANCE, default 1%); `--update` rewrites that file.
const { spawnSync } = require("child_process");
const fs = require("fs");
const path = require("path");
const { cargoEnv, cargoTargetDir } = require("./lib/cargo-env");

const ROOT = path.resolve(__dirname, "..");
const TOOL = path.join(ROOT, "tools", "bpf-bench");
const BASELINE = path.join(__dirname, "bench", "cu-baseline.json");
const RUSTC = "/usr/bin/rustc";
const LLVM = "/usr/lib/llvm-22/bin";
const TARGET = "bpfel-unknown-none";
const APT = ["rustc-web", "libstd-rust-web-dev-bpf", "llvm-22"];
const CU_TX_MAX = 1_400_000; // Solana: max compute units per transaction
const SBF_FRAME = 4096;
// Upper-estimate assumptions (see the note): a signed division costs ~20 more instructions on
// SBPF v0/v1 (no signed divide: sign fix-ups around an unsigned one, or a helper call); a 32-bit
// compare-and-jump or a sign-extending move/load one more; compiler-builtins' __multi3/__divti3
// (full 128-bit operands) ~25% more than the 64x64 / 128-by-64 helpers counted here.
const SDIV_EXTRA = 20;
const SOFT_EXTRA = 0.25;
const update = process.argv.includes("--update");
// The engine's cost targets (docs/compute-cost.md): eBPF instructions per full IM evaluation of the
// reference portfolios, and per priced (option x scenario) (an option's risk array / 27).
const TARGETS = { "1x1": 15_000, "8x1": 60_000, "32x4": 200_000 };
const TARGET_PER_PRICED = 150;
const tolerance = Number(process.env.BENCH_CU_TOLERANCE || 0.01);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8", maxBuffer: 1 << 28, ...opts });
  if (r.status !== 0) {
    process.stderr.write(r.stdout || "");
    process.stderr.write(r.stderr || "");
    console.error(`bench:cu: ${cmd} ${args.join(" ")} failed (${r.error ? r.error.message : `exit ${r.status}`})`);
    process.exit(1);
  }
  return r;
}

function have(p) {
  return fs.existsSync(p);
}

function toolchainPresent() {
  const sysroot = spawnSync(RUSTC, ["--print", "sysroot"], { encoding: "utf8" });
  return (
    sysroot.status === 0 &&
    have(path.join(sysroot.stdout.trim(), "lib", "rustlib", TARGET, "lib")) &&
    have(path.join(LLVM, "llc")) &&
    have(path.join(LLVM, "llvm-dis"))
  );
}

function ensureToolchain() {
  if (toolchainPresent()) return;
  const root = process.getuid && process.getuid() === 0;
  if (root && spawnSync("sh", ["-c", "command -v apt-get"], { stdio: "ignore" }).status === 0) {
    console.error(`bench:cu: installing ${APT.join(" ")} with apt-get`);
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    spawnSync("apt-get", ["update"], { stdio: "inherit", env });
    const r = spawnSync("apt-get", ["install", "-y", ...APT], { stdio: "inherit", env });
    if (r.status === 0 && toolchainPresent()) return;
  }
  console.error(`bench:cu: needs Debian's ${APT.join(", ")} (bookworm-security): apt-get install -y ${APT.join(" ")}: NOT RUN`);
  process.exit(1);
}

function cleanEnv(extra) {
  const env = { ...cargoEnv(), ...extra };
  for (const k of ["RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS", "RUSTC_WRAPPER", "RUSTC_WORKSPACE_WRAPPER", "CARGO_BUILD_TARGET"]) delete env[k];
  return env;
}

// --- (2) + (3): the eBPF object ------------------------------------------------------------

/// Rewrites LLVM IR text for upstream eBPF (see the header). Returns [ir, number of rewrites].
function fixIr(ir) {
  let n = 0;
  // sret: LLVM's BPF backend rejects functions with an sret parameter ("aggregate returns are not
  // supported"); the pointer stays the first argument, only the marker goes.
  ir = ir.replace(/\s*sret\((\[[^\]]*\]|[^()]*)\)/g, () => (n++, ""));
  // memcpy/memmove/memset that llc would not inline (more than 128 stores at the known alignment,
  // or a variable length) become calls to host syscalls.
  let k = 0;
  ir = ir.replace(/^(\s*)(?:tail )?call void @llvm\.(memcpy|memmove|memset)\.[p0-9.i]+\((.*)\)(, !.*)?$/gm, (all, indent, kind, args) => {
    const parts = args.split(/,(?![^()]*\))/).map((s) => s.trim());
    const aligns = [...args.matchAll(/align (\d+)/g)].map((m) => Number(m[1]));
    const align = aligns.length ? Math.min(...aligns) : 1;
    const len = /^i64 (\d+)$/.exec(parts[2]);
    if (len && Math.ceil(Number(len[1]) / align) <= 128) return all;
    n++;
    const last = (s) => s.split(/\s+/).pop();
    if (kind === "memset") {
      k++;
      return `${indent}%pm.z${k} = zext i8 ${last(parts[1])} to i64\n${indent}call void @pm_memset(ptr ${last(parts[0])}, i64 %pm.z${k}, ${parts[2]})`;
    }
    return `${indent}call void @pm_${kind}(ptr ${last(parts[0])}, ptr ${last(parts[1])}, ${parts[2]})`;
  });
  ir += "\ndeclare void @pm_memcpy(ptr, ptr, i64)\ndeclare void @pm_memmove(ptr, ptr, i64)\ndeclare void @pm_memset(ptr, i64, i64)\n";
  return [ir, n];
}

function buildGuest(work) {
  const targetDir = path.join(cargoTargetDir(), "bpf-guest");
  run("cargo", ["build", "--release", "-q", "--target", TARGET, "--manifest-path", path.join(TOOL, "guest", "Cargo.toml")], {
    cwd: path.join(TOOL, "guest"),
    env: cleanEnv({ RUSTC, CARGO_TARGET_DIR: targetDir }),
    stdio: ["ignore", "inherit", "inherit"],
  });
  const lib = path.join(targetDir, TARGET, "release", "libpm_bpf_guest.a");
  const ex = path.join(work, "ar");
  fs.rmSync(ex, { recursive: true, force: true });
  fs.mkdirSync(ex, { recursive: true });
  run(path.join(LLVM, "llvm-ar"), ["x", lib], { cwd: ex });
  const members = fs.readdirSync(ex).filter((f) => f.endsWith(".o")).map((f) => path.join(ex, f));
  const bc = path.join(work, "guest.bc");
  run(path.join(LLVM, "llvm-link"), [...members, "-o", bc]);
  const ll = run(path.join(LLVM, "llvm-dis"), [bc, "-o", "-"]).stdout;
  const [fixed, n] = fixIr(ll);
  const llPath = path.join(work, "guest.ll");
  fs.writeFileSync(llPath, fixed);
  const obj = path.join(work, "guest.o");
  // -mcpu=v4: signed division (the engine divides signed i64s); frames may exceed eBPF's 512 bytes
  // (Solana allows 4 KB, measured below); no jump tables (SBF has no indirect jump).
  run(path.join(LLVM, "llc"), ["-march=bpfel", "-mcpu=v4", "-O3", "-bpf-stack-size=65536", "--bpf-min-jump-table-entries=1000000", "-filetype=obj", llPath, "-o", obj]);
  const rustc = run(RUSTC, ["--version"]).stdout.trim();
  const llc = (run(path.join(LLVM, "llc"), ["--version"]).stdout.match(/LLVM version ([\d.]+)/) || [])[1];
  return { obj, rewrites: n, rustc, llvm: llc };
}

// --- (4): the interpreter ------------------------------------------------------------------

function buildTool() {
  const env = cleanEnv({ CARGO_TARGET_DIR: path.join(cargoTargetDir(), "bpf-bench") });
  const manifest = path.join(TOOL, "Cargo.toml");
  run("cargo", ["test", "--release", "-q", "--manifest-path", manifest], { cwd: TOOL, env });
  run("cargo", ["build", "--release", "-q", "--manifest-path", manifest], { cwd: TOOL, env, stdio: ["ignore", "inherit", "inherit"] });
  return path.join(cargoTargetDir(), "bpf-bench", "release", "bpf-bench");
}

// --- (5): report ---------------------------------------------------------------------------

const f = (x) => Math.round(x).toLocaleString("en-US");
function delta(now, was) {
  if (was === undefined || was === null) return "new";
  if (now === was) return "=";
  const d = (now - was) / was;
  return `${now > was ? "+" : ""}${(100 * d).toFixed(2)}%`;
}

function main() {
  ensureToolchain();
  const work = path.join(cargoTargetDir(), "bpf-bench-work");
  fs.mkdirSync(work, { recursive: true });
  const g = buildGuest(work);
  const bin = buildTool();
  const t = spawnSync(bin, ["test", g.obj, process.env.BENCH_CU_CASES || "2000"], { encoding: "utf8" });
  if (t.status !== 0) {
    process.stdout.write(t.stdout);
    process.stderr.write(t.stderr);
    console.error("bench:cu: the eBPF build does not reproduce the native results: NOT MEASURED");
    process.exit(1);
  }
  const m = JSON.parse(run(bin, ["run", g.obj]).stdout);
  const base = fs.existsSync(BASELINE) ? JSON.parse(fs.readFileSync(BASELINE, "utf8")) : null;
  const key = (c) => `${c.legs}x${c.unds}`;
  const baseCases = new Map((base ? base.cases : []).map((c) => [key(c), c]));
  const baseRisk = new Map((base ? base.risk_array : []).map((r) => [r.leg, r]));
  const S = m.scenarios;

  const lines = [
    `Risk engine on an eBPF VM: instructions executed per full IM evaluation (rustc ${g.rustc.split(" ")[1]} -> LLVM ${g.llvm} -mcpu=v4, tools/bpf-bench interpreter; ${S} scenarios per underlying)`,
    "",
    "| legs | underlyings | eBPF instr / IM eval | per (instrument x scenario) | in 128-bit helpers | + mem syscalls (CU) | ~CU | of 1.4M CU | largest frame | vs baseline |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  let regress = [];
  for (const c of m.cases) {
    const b = baseCases.get(key(c));
    const cu = c.insns + c.syscall_cu;
    const d = delta(c.insns, b && b.insns);
    if (b && c.insns > b.insns * (1 + tolerance)) regress.push(`${key(c)}: ${f(b.insns)} -> ${f(c.insns)} (${d})`);
    if (b && c.max_frame > b.max_frame && c.max_frame > SBF_FRAME) regress.push(`${key(c)}: largest frame ${b.max_frame} -> ${c.max_frame} bytes`);
    lines.push(
      `| ${c.legs} | ${c.unds} | ${f(c.insns)} | ${f(c.insns / (c.legs * S))} | ${(100 * c.soft128 / c.insns).toFixed(0)}% | ${c.syscall_cu} | ${f(cu)} | ${(100 * cu / CU_TX_MAX).toFixed(0)}% | ${c.max_frame} B | ${d} |`,
    );
  }
  // What upstream eBPF v4 has and SBPF v0/v1 (what Solana programs are deployed as) lacks, per
  // evaluation; the estimate band is explained in docs/compute-cost.md.
  lines.push(
    "",
    "eBPF-v4-only instructions executed per evaluation (SBPF v0/v1 needs more instructions for each) and an SBF estimate band:",
    "",
    "| legs | underlyings | signed div/mod | 32-bit cond. jumps | sign-ext. mov/load | calls | ~CU (low) | SBF upper estimate |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...m.cases.map((c) => {
      const low = c.insns + c.syscall_cu;
      const high = low + SDIV_EXTRA * c.sdiv + c.jmp32 + c.movsx + c.ldsx + Math.round(SOFT_EXTRA * c.soft128);
      return `| ${c.legs} | ${c.unds} | ${f(c.sdiv)} | ${f(c.jmp32)} | ${f(c.movsx + c.ldsx)} | ${f(c.calls)} | ${f(low)} | ${f(high)} (+${(100 * (high - low) / low).toFixed(0)}%) |`;
    }),
  );
  lines.push(
    "",
    `Largest stack frame: ${m.cases[m.cases.length - 1].max_frame} bytes in ${m.cases[m.cases.length - 1].max_frame_fn} (SBF frames are ${SBF_FRAME} bytes${m.cases.some((c) => c.frames_over_4k.length) ? ": OVER in this build, see the note" : ""}); deepest call chain ${m.cases[m.cases.length - 1].max_depth + 1} frames.`,
    "",
    `One risk array (${S} scenarios, fresh shocks; stale market: both shock sets), BTC market:`,
    "",
    "| instrument | eBPF instr / risk array | per scenario | stale market | in 128-bit helpers | vs baseline |",
    "|---|---:|---:|---:|---:|---:|",
  );
  for (const r of m.risk_array) {
    const b = baseRisk.get(r.leg);
    const d = delta(r.insns, b && b.insns);
    if (b && r.insns > b.insns * (1 + tolerance)) regress.push(`risk array ${r.what}: ${f(b.insns)} -> ${f(r.insns)} (${d})`);
    lines.push(`| ${r.what} | ${f(r.insns)} | ${f(r.insns / S)} | ${f(r.insns_stale)} | ${(100 * r.soft128 / r.insns).toFixed(0)}% | ${d} |`);
  }
  const options = m.risk_array.filter((r) => !/perp/.test(r.what));
  const perPriced = options.reduce((a, r) => a + r.insns, 0) / options.length / S;
  const targetRows = Object.entries(TARGETS).map(([k, limit]) => {
    const c = m.cases.find((x) => key(x) === k);
    const ok = c.insns <= limit;
    if (!ok) regress.push(`${k}: ${f(c.insns)} instructions, target ${f(limit)}`);
    return `| ${k.replace("x", " legs x ")} underlying(s) | ${f(c.insns)} | <= ${f(limit)} | ${ok ? "met" : "MISSED"} |`;
  });
  if (perPriced > TARGET_PER_PRICED) regress.push(`per priced (option x scenario): ${perPriced.toFixed(1)}, target ${TARGET_PER_PRICED}`);
  lines.push(
    "",
    "Targets:",
    "",
    "| evaluation | eBPF instr | target | |",
    "|---|---:|---:|---|",
    ...targetRows,
    `| mean per priced (option x scenario): an option's set-up and 27 values, / 27 | ${perPriced.toFixed(1)} | <= ${TARGET_PER_PRICED} | ${perPriced <= TARGET_PER_PRICED ? "met" : "MISSED"} |`,
  );
  for (const [name, key, tot] of [["32-leg, 4-underlying", "profile_32x4", m.cases[m.cases.length - 1].insns], ["1-leg", "profile_1x1", m.cases[0].insns]]) {
    lines.push("", `Where the ${name} evaluation spends its instructions (self, per function):`, "");
    for (const p of m[key].slice(0, 16)) lines.push(`  ${(100 * p.insns / tot).toFixed(1).padStart(5)}%  ${f(p.insns).padStart(10)}  ${p.fn}`);
  }
  lines.push(
    "",
    `eBPF instruction counts are exact and repeatable; ~CU adds Solana's charge for the ${g.rewrites ? "memcpy/memset syscalls" : "syscalls"} (max(10, n/250) each).`,
    "They are not SBF compute units: see docs/compute-cost.md for the expected gap and its direction.",
    base ? `Baseline: scripts/bench/cu-baseline.json (${base.toolchain || "?"}).` : "No baseline yet: run with --update to record one.",
  );
  console.log(lines.join("\n"));
  if (update) {
    const out = { toolchain: `${g.rustc}; LLVM ${g.llvm}; llc -mcpu=v4`, scenarios: S, cases: m.cases, risk_array: m.risk_array, profile_32x4: m.profile_32x4 };
    fs.mkdirSync(path.dirname(BASELINE), { recursive: true });
    fs.writeFileSync(BASELINE, JSON.stringify(out, null, 1) + "\n");
    console.log(`\nbench:cu: wrote ${path.relative(ROOT, BASELINE)}`);
  } else if (regress.length) {
    console.error(`\nbench:cu: REGRESSION or missed target (baseline scripts/bench/cu-baseline.json, tolerance ${100 * tolerance}%):\n  ${regress.join("\n  ")}`);
    process.exit(1);
  }
}

main();
