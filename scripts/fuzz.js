#!/usr/bin/env node
// `npm run fuzz`: seeded fuzzing of random instruction sequences (tests/native/tests/fuzz) with
// invariants checked after every instruction. Runs
//   node scripts/cargo.js test -p program-tests --test fuzz -- --nocapture
// with the PM_FUZZ_* variables the test reads, streams its progress, and ends with the figures
// and, for every violation, the failing seed, the shrunk list of operations and the command that
// replays it.
//
//   npm run fuzz                                  # 200 sequences from a random seed
//   npm run fuzz -- --sequences 500 --seed 42     # sequence i uses seed 42 + i
//   npm run fuzz -- --length 120                  # operations per sequence (default 80)
//   npm run fuzz -- --replay 0x2a:80:3,17,40      # one (shrunk) sequence, every operation printed
//   npm run fuzz -- --keep-going --no-shrink --verbose
//
// Exit code: the test's (non-zero on any violation).
const { spawn } = require("child_process");
const path = require("path");
const readline = require("readline");

const ROOT = path.resolve(__dirname, "..");

function usage(msg) {
  if (msg) console.error(`fuzz: ${msg}`);
  console.error(
    "usage: npm run fuzz -- [--sequences N] [--seed S] [--length L] [--replay SEED:LEN:I,J,...] [--keep-going] [--no-shrink] [--verbose]",
  );
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { sequences: "200", length: "80", seed: null, replay: null, keepGoing: false, shrink: true, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.includes("=") ? a.split(/=(.*)/s) : [a, undefined];
    const value = () => {
      const v = inline !== undefined ? inline : argv[++i];
      if (v === undefined) usage(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case "--sequences":
      case "-n":
        opts.sequences = value();
        break;
      case "--seed":
      case "-s":
        opts.seed = value();
        break;
      case "--length":
      case "-l":
        opts.length = value();
        break;
      case "--replay":
        opts.replay = value();
        break;
      case "--keep-going":
        opts.keepGoing = true;
        break;
      case "--no-shrink":
        opts.shrink = false;
        break;
      case "--verbose":
      case "-v":
        opts.verbose = true;
        break;
      case "--help":
      case "-h":
        usage();
        break;
      default:
        usage(`unknown argument ${a}`);
    }
  }
  for (const k of ["sequences", "length"]) {
    if (!/^\d+$/.test(opts[k])) usage(`--${k} must be a number`);
  }
  if (opts.seed !== null && !/^(0x[0-9a-fA-F]+|\d+)$/.test(opts.seed)) usage("--seed must be a number (decimal or 0x hex)");
  if (opts.replay !== null && !/^(0x[0-9a-fA-F]+|\d+):\d+:([\d,]+|all)$/.test(opts.replay)) usage("--replay is SEED:LENGTH:I,J,... (or SEED:LENGTH:all)");
  if (opts.seed === null) {
    // a random base seed, printed so the run can be repeated
    opts.seed = "0x" + (Math.floor(Math.random() * 0xffffffff) >>> 0).toString(16);
  }
  return opts;
}

// program-test's default sol_log_pubkey stub prints bare base58 keys to stdout: noise here
const BARE_PUBKEY = /^[1-9A-HJ-NP-Za-km-z]{32,44}$/;

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const env = {
    ...process.env,
    PM_FUZZ_SEQUENCES: opts.sequences,
    PM_FUZZ_LENGTH: opts.length,
    PM_FUZZ_SEED: opts.seed,
  };
  if (opts.replay) env.PM_FUZZ_REPLAY = opts.replay;
  else delete env.PM_FUZZ_REPLAY;
  if (opts.keepGoing) env.PM_FUZZ_KEEP_GOING = "1";
  if (!opts.shrink) env.PM_FUZZ_NO_SHRINK = "1";
  if (opts.verbose) env.PM_FUZZ_VERBOSE = "1";

  const what = opts.replay ? `replay ${opts.replay}` : `${opts.sequences} sequences of ${opts.length} operations from seed ${opts.seed}`;
  console.error(`fuzz: ${what}`);
  const started = Date.now();
  const args = [path.join(__dirname, "cargo.js"), "test", "-p", "program-tests", "--test", "fuzz", "--", "--nocapture"];
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "inherit"] });

  let summary = null;
  const failures = [];
  let current = null; // the failure whose minimal replay is being printed
  const rl = readline.createInterface({ input: child.stdout });
  rl.on("line", (line) => {
    if (BARE_PUBKEY.test(line)) return;
    console.log(line);
    let m;
    if ((m = /^FUZZ-SUMMARY (.*)$/.exec(line))) {
      summary = Object.fromEntries(m[1].split(" ").map((kv) => kv.split("=")));
    } else if (/^minimal replay:/.test(line)) {
      current = { ops: [], result: null };
    } else if (current && /^ {2}#\d+ /.test(line)) {
      current.ops.push(line.trim());
    } else if (current && /^ {2}-> /.test(line)) {
      current.result = line.trim().slice(3);
    } else if ((m = /^FUZZ-FAIL seed=(\S+) class=(\S+) op=(\S+)/.exec(line))) {
      failures.push({ seed: m[1], cls: m[2], op: m[3], ops: current ? current.ops : [], result: current ? current.result : null, replay: null });
      current = null;
    } else if ((m = /^FUZZ-REPLAY (\S+)/.exec(line)) && failures.length) {
      failures[failures.length - 1].replay = m[1];
    }
  });

  const forward = (sig) => child.kill(sig);
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  child.on("exit", (code, signal) => {
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    console.log("\n==== fuzz ====");
    if (summary) {
      console.log(
        `${summary.sequences} sequences, ${summary.ops} operations, ${summary.instructions} instructions, ${summary.checks} invariant checks, ` +
          `${summary.violations} violation(s) (test ${summary.seconds}s, wall ${seconds}s, ${opts.replay ? `replay ${opts.replay}` : `seed ${opts.seed}`})`,
      );
    } else {
      console.log(`no summary from the test (exit ${code === null ? signal : code}): see the output above`);
    }
    for (const f of failures) {
      console.log(`\nFAILED: ${f.cls} in sequence seed ${f.seed} (operation ${f.op})`);
      if (f.result) console.log(`  ${f.result.split("\n")[0]}`);
      if (f.ops.length) {
        console.log(`  minimal sequence (${f.ops.length} operations):`);
        for (const op of f.ops) console.log(`    ${op}`);
      }
      if (f.replay) {
        console.log(`  replay: npm run fuzz -- --replay ${f.replay}`);
        console.log(`      or: PM_FUZZ_REPLAY=${f.replay} node scripts/cargo.js test -p program-tests --test fuzz -- --nocapture`);
      }
    }
    process.exit(code === null ? 1 : code);
  });
}

main();
