//! A seeded fuzzer of random instruction sequences, with invariants checked after every
//! instruction (and after every price move or clock change).
//!
//! Each sequence starts a fresh bank with the BTC and ETH markets, USDC and wBTC (the program
//! tests' `TradeWorld`), several traders and two well-funded liquidators, then runs a list of
//! operations generated from the sequence's seed: deposits and withdrawals, RFQ trades of every
//! instrument kind, oracle moves (random walk, crashes, rallies), vol updates, funding, time,
//! expiry settlement, liquidations sized by bisection on simulated transactions, bankruptcies,
//! insurance deposits, fee sweeps, and deliberately invalid instructions. After every
//! instruction (`check.rs`):
//!
//! 1. conservation to the unit (quote, wBTC and insurance vaults; token supplies);
//! 2. every account below MM is liquidatable (a simulated 1% step is accepted or refused only for
//!    the liquidator's margin or over-liquidation; a bankrupt account with nothing but quote left
//!    is resolvable), and a healthy one is not;
//! 3. a successful trade or withdrawal leaves each account it touched at or above IM (a trade:
//!    or with lower IM and no lower excess);
//! 4. failures are the program's specific errors (Anchor's account errors only for the invalid
//!    instructions), never a panic, and a failed transaction changes nothing.
//!
//! Environment: `PM_FUZZ_SEQUENCES` (default 120), `PM_FUZZ_SEED` (base seed; sequence i uses
//! seed + i), `PM_FUZZ_LENGTH` (operations per sequence, default 80), `PM_FUZZ_REPLAY`
//! (`seed:length:i,j,...` or `seed:length:all`: one sequence, only those operations),
//! `PM_FUZZ_NO_SHRINK=1`, `PM_FUZZ_KEEP_GOING=1` (run every sequence after a failure),
//! `PM_FUZZ_VERBOSE=1` (print every operation).
//!
//! On a violation the failing sequence is shrunk (operations dropped while the same kind of
//! violation persists), the minimal list and the command replaying it are printed, and the test
//! fails. `npm run fuzz` wraps this (scripts/fuzz.js).

#![allow(dead_code, unused_macros, unused_imports, clippy::too_many_arguments, clippy::type_complexity)]

#[macro_use]
#[path = "../program/support/mod.rs"]
mod support;

mod check;
mod ops;
mod stats;
mod world;

use ops::{generate, Op};
use stats::Stats;
use std::time::Instant;
use world::Violation;

const DEFAULT_SEQUENCES: usize = 120;
const DEFAULT_LENGTH: usize = 80;
const DEFAULT_SEED: u64 = 0x5EED_0000;
/// Replays a shrink may spend.
const SHRINK_BUDGET: usize = 400;

struct Config {
    sequences: usize,
    length: usize,
    seed: u64,
    replay: Option<(u64, usize, Option<Vec<usize>>)>,
    shrink: bool,
    keep_going: bool,
    verbose: bool,
}

fn parse_u64(s: &str) -> u64 {
    let s = s.trim();
    let parsed = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => s.parse(),
    };
    parsed.unwrap_or_else(|_| panic!("not a number: {s:?}"))
}

impl Config {
    fn from_env() -> Self {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let flag = |k: &str| var(k).is_some_and(|v| v != "0");
        let replay = var("PM_FUZZ_REPLAY").map(|r| {
            let parts: Vec<&str> = r.trim().splitn(3, ':').collect();
            assert!(parts.len() == 3, "PM_FUZZ_REPLAY is seed:length:indices (indices: i,j,... or all), got {r:?}");
            let keep = (parts[2] != "all").then(|| parts[2].split(',').filter(|s| !s.is_empty()).map(|s| parse_u64(s) as usize).collect());
            (parse_u64(parts[0]), parse_u64(parts[1]) as usize, keep)
        });
        Config {
            sequences: var("PM_FUZZ_SEQUENCES").map_or(DEFAULT_SEQUENCES, |v| parse_u64(&v) as usize),
            length: var("PM_FUZZ_LENGTH").map_or(DEFAULT_LENGTH, |v| parse_u64(&v) as usize),
            seed: var("PM_FUZZ_SEED").map_or(DEFAULT_SEED, |v| parse_u64(&v)),
            replay,
            shrink: !flag("PM_FUZZ_NO_SHRINK"),
            keep_going: flag("PM_FUZZ_KEEP_GOING"),
            verbose: flag("PM_FUZZ_VERBOSE"),
        }
    }
}

/// A sequence that found a violation: where, and the operations that were run.
struct Failure {
    seed: u64,
    length: usize,
    op: usize,
    violation: Violation,
}

/// Runs operations `keep` of `ops` on a fresh world; the index of the operation and the
/// violation, if one is found. `trace` prints every operation as it runs.
async fn run(seed: u64, ops: &[Op], keep: &[usize], stats: &mut Stats, trace: bool) -> Result<(), (usize, Violation)> {
    let mut f = world::Fuzz::setup(seed, trace).await.map_err(|v| (usize::MAX, v))?;
    let result = async {
        f.initial_checks().await.map_err(|v| (usize::MAX, v))?;
        for &i in keep {
            f.run_op(i, ops[i]).await.map_err(|v| (i, v))?;
        }
        Ok(())
    }
    .await;
    stats.merge(&f.stats);
    stats.sequences += 1;
    result?;
    // the program tests' own end-of-test check over every account the sequence touched
    support::conservation::assert_conservation().await;
    Ok(())
}

/// Drops operations while the same class of violation persists (chunks, then single ones).
async fn shrink(failure: &Failure, verbose: bool) -> (Vec<usize>, Violation, usize) {
    let ops = generate(failure.seed, failure.length);
    let mut keep: Vec<usize> = (0..=failure.op.min(failure.length.saturating_sub(1))).collect();
    let mut best = failure.violation.clone();
    let mut tries = 0;
    let mut chunk = (keep.len() / 2).max(1);
    loop {
        let mut changed = false;
        let mut start = 0;
        while start < keep.len() && tries < SHRINK_BUDGET {
            let end = (start + chunk).min(keep.len());
            let candidate: Vec<usize> = keep[..start].iter().chain(&keep[end..]).copied().collect();
            tries += 1;
            let mut scratch = Stats::default();
            match run(failure.seed, &ops, &candidate, &mut scratch, false).await {
                Err((at, v)) if v.class == failure.violation.class => {
                    // keep only what runs up to the violation
                    keep = candidate.into_iter().filter(|&i| at == usize::MAX || i <= at).collect();
                    best = v;
                    changed = true;
                    if verbose {
                        println!("  shrink: {} operations still fail ({})", keep.len(), best.class);
                    }
                }
                _ => start = end,
            }
        }
        if tries >= SHRINK_BUDGET {
            break;
        }
        if chunk == 1 && !changed {
            break;
        }
        if !changed {
            chunk = (chunk / 2).max(1);
        }
    }
    (keep, best, tries)
}

fn replay_spec(seed: u64, length: usize, keep: &[usize]) -> String {
    let list: Vec<String> = keep.iter().map(|i| i.to_string()).collect();
    format!("{seed:#x}:{length}:{}", list.join(","))
}

async fn fuzz_main() {
    let cfg = Config::from_env();
    let started = Instant::now();
    let mut stats = Stats::default();
    let mut failures: Vec<Failure> = Vec::new();

    let plan: Vec<(u64, usize, Option<Vec<usize>>)> = match &cfg.replay {
        Some((seed, length, keep)) => vec![(*seed, *length, keep.clone())],
        None => (0..cfg.sequences).map(|i| (cfg.seed.wrapping_add(i as u64), cfg.length, None)).collect(),
    };
    let replaying = cfg.replay.is_some();
    println!(
        "fuzz: {} sequence(s) of {} operations from seed {:#x}{}",
        plan.len(),
        plan.first().map_or(0, |p| p.1),
        plan.first().map_or(0, |p| p.0),
        if replaying { " (replay)" } else { "" }
    );
    for (n, (seed, length, keep)) in plan.iter().enumerate() {
        let ops = generate(*seed, *length);
        let keep = keep.clone().unwrap_or_else(|| (0..ops.len()).collect());
        let t0 = Instant::now();
        let before = stats.clone();
        let result = run(*seed, &ops, &keep, &mut stats, cfg.verbose || replaying).await;
        let d = stats.delta(&before);
        println!(
            "seq {n:>4} seed {seed:#x}: {} ops, {} instructions ({} ok, {} failed), {} invariant checks, {} below MM, {} liquidations, {} bankruptcies [{:.1}s]{}",
            d.ops,
            d.instructions(),
            d.instructions_ok(),
            d.instructions() - d.instructions_ok(),
            d.checks(),
            d.count("below-mm accounts probed"),
            d.kind_ok("liquidate"),
            d.kind_ok("resolve_bankruptcy"),
            t0.elapsed().as_secs_f64(),
            if result.is_err() { "  VIOLATION" } else { "" }
        );
        if let Err((op, violation)) = result {
            println!("FUZZ-VIOLATION seed={seed:#x} op={op} class={} detail={}", violation.class, violation.detail);
            failures.push(Failure { seed: *seed, length: *length, op, violation });
            if !cfg.keep_going {
                break;
            }
        }
    }
    let elapsed = started.elapsed();
    stats.print(elapsed);

    for failure in &failures {
        println!("\n=== violation: {} (seed {:#x}, operation {}) ===\n{}", failure.violation.class, failure.seed, failure.op, failure.violation.detail);
        let (keep, violation) = if cfg.shrink && !replaying && failure.op != usize::MAX {
            println!("shrinking (up to {SHRINK_BUDGET} replays) ...");
            let t0 = Instant::now();
            let (keep, violation, tries) = shrink(failure, cfg.verbose).await;
            println!("shrunk to {} operation(s) in {tries} replays [{:.1}s]", keep.len(), t0.elapsed().as_secs_f64());
            (keep, violation)
        } else {
            let keep: Vec<usize> = match &cfg.replay {
                Some((_, _, Some(k))) => k.clone(),
                _ => (0..=failure.op.min(failure.length.saturating_sub(1))).collect(),
            };
            (keep, failure.violation.clone())
        };
        // the minimal sequence, once more with every operation printed
        let ops = generate(failure.seed, failure.length);
        println!("minimal replay:");
        let mut scratch = Stats::default();
        let again = run(failure.seed, &ops, &keep, &mut scratch, true).await;
        match again {
            Err((at, v)) => println!("  -> violation at operation {at}: {}: {}", v.class, v.detail),
            Ok(()) => println!("  -> (the shrunk replay did not fail again: {})", violation.class),
        }
        let spec = replay_spec(failure.seed, failure.length, &keep);
        println!("FUZZ-FAIL seed={:#x} class={} op={}", failure.seed, violation.class, failure.op);
        println!("FUZZ-REPLAY {spec}");
        println!("replay with: PM_FUZZ_REPLAY={spec} node scripts/cargo.js test -p program-tests --test fuzz -- --nocapture");
        println!("         or: npm run fuzz -- --replay {spec}");
    }
    println!(
        "FUZZ-SUMMARY sequences={} ops={} instructions={} checks={} violations={} seconds={:.1}",
        stats.sequences,
        stats.ops,
        stats.instructions(),
        stats.checks(),
        failures.len(),
        elapsed.as_secs_f64()
    );
    assert!(failures.is_empty(), "fuzz: {} violation(s), see FUZZ-REPLAY above", failures.len());
}

#[test]
fn fuzz() {
    // deep async frames (program-test, the engine natively): a thread with a large stack
    let handle = std::thread::Builder::new()
        .name("fuzz".into())
        .stack_size(256 << 20)
        .spawn(|| {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(fuzz_main());
        })
        .expect("spawn");
    if let Err(e) = handle.join() {
        std::panic::resume_unwind(e);
    }
}
