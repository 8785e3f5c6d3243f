//! The fuzzer's PRNG, error names and counters.

use std::collections::BTreeMap;
use std::time::Duration;

/// splitmix64: deterministic, no dependency.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when n is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }

    /// Uniform in `lo..=hi` (lo when hi < lo).
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            lo
        } else {
            lo + self.below(hi - lo + 1)
        }
    }

    /// True with probability `percent`%.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [lo, hi).
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// Log-uniform in [lo, hi] (both > 0).
    pub fn log_range(&mut self, lo: u64, hi: u64) -> u64 {
        let (a, b) = ((lo.max(1) as f64).ln(), (hi.max(lo).max(1) as f64).ln());
        (self.uniform(a, b).exp().round() as u64).clamp(lo, hi.max(lo))
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// The program's error names, in declaration order (code 6000 + index), read from its source so
/// an appended error is named too.
pub fn pm_error_names() -> &'static [String] {
    static NAMES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| {
        let src = include_str!("../../../../programs/portfolio-margin/src/errors.rs");
        let body = src.split("pub enum PmError").nth(1).expect("PmError in errors.rs");
        body.lines()
            .map(str::trim)
            .filter(|l| !l.starts_with("//") && !l.starts_with("#["))
            .filter_map(|l| l.strip_suffix(','))
            .filter(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && l.starts_with(|c: char| c.is_ascii_uppercase()))
            .map(String::from)
            .collect()
    })
}

/// The name of custom error `code`: the program's, Anchor's (from the log line Anchor writes), or
/// `Custom(code)`.
pub fn error_name(code: u32, logs: &[String]) -> String {
    if code >= 6000 {
        if let Some(n) = pm_error_names().get((code - 6000) as usize) {
            return n.clone();
        }
    }
    for l in logs {
        if let Some(rest) = l.split("Error Code: ").nth(1) {
            if let Some(name) = rest.split('.').next() {
                if l.contains(&format!("Error Number: {code}.")) {
                    return name.to_string();
                }
            }
        }
    }
    format!("Custom({code})")
}

/// Whether `code` is one of the program's own errors.
pub fn is_program_error(code: u32) -> bool {
    code >= 6000 && ((code - 6000) as usize) < pm_error_names().len()
}

/// Whether `code` is one of Anchor's framework errors (instruction, account constraint and
/// account errors: 100..5000).
pub fn is_anchor_error(code: u32) -> bool {
    (100..5000).contains(&code)
}

#[derive(Clone, Debug, Default)]
pub struct KindStats {
    pub sent: u64,
    pub ok: u64,
    pub failed: BTreeMap<String, u64>,
}

#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub sequences: u64,
    pub ops: u64,
    /// Operations by kind (what the generator chose).
    pub op_kinds: BTreeMap<String, u64>,
    /// Instructions by name: sent, succeeded, failed by error.
    pub kinds: BTreeMap<String, KindStats>,
    /// Invariant checks performed, by name.
    pub checks: BTreeMap<String, u64>,
}

impl Stats {
    pub fn op(&mut self, kind: &str) {
        self.ops += 1;
        *self.op_kinds.entry(kind.to_string()).or_default() += 1;
    }

    pub fn sent(&mut self, kind: &str, error: Option<&str>) {
        let k = self.kinds.entry(kind.to_string()).or_default();
        k.sent += 1;
        match error {
            None => k.ok += 1,
            Some(e) => *k.failed.entry(e.to_string()).or_default() += 1,
        }
    }

    pub fn check(&mut self, name: &str) {
        *self.checks.entry(name.to_string()).or_default() += 1;
    }

    pub fn merge(&mut self, o: &Stats) {
        self.ops += o.ops;
        for (k, v) in &o.op_kinds {
            *self.op_kinds.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &o.kinds {
            let e = self.kinds.entry(k.clone()).or_default();
            e.sent += v.sent;
            e.ok += v.ok;
            for (err, n) in &v.failed {
                *e.failed.entry(err.clone()).or_default() += n;
            }
        }
        for (k, v) in &o.checks {
            *self.checks.entry(k.clone()).or_default() += v;
        }
    }

    /// What `self` has beyond `before` (counters only).
    pub fn delta(&self, before: &Stats) -> Stats {
        let mut d = Stats { sequences: self.sequences - before.sequences, ops: self.ops - before.ops, ..Stats::default() };
        for (k, v) in &self.kinds {
            let b = before.kinds.get(k).cloned().unwrap_or_default();
            d.kinds.insert(k.clone(), KindStats { sent: v.sent - b.sent, ok: v.ok - b.ok, failed: BTreeMap::new() });
        }
        for (k, v) in &self.checks {
            d.checks.insert(k.clone(), v - before.checks.get(k).copied().unwrap_or(0));
        }
        d
    }

    pub fn instructions(&self) -> u64 {
        self.kinds.values().map(|k| k.sent).sum()
    }

    pub fn instructions_ok(&self) -> u64 {
        self.kinds.values().map(|k| k.ok).sum()
    }

    pub fn checks(&self) -> u64 {
        self.checks.iter().filter(|(k, _)| !k.starts_with("skipped")).map(|(_, v)| v).sum()
    }

    pub fn count(&self, name: &str) -> u64 {
        self.checks.get(name).copied().unwrap_or(0)
    }

    pub fn kind_ok(&self, name: &str) -> u64 {
        self.kinds.get(name).map_or(0, |k| k.ok)
    }

    pub fn print(&self, elapsed: Duration) {
        println!("\n---- fuzz statistics ----");
        println!(
            "{} sequences, {} operations, {} instructions ({} succeeded, {} failed), {} invariant checks, {:.1}s",
            self.sequences,
            self.ops,
            self.instructions(),
            self.instructions_ok(),
            self.instructions() - self.instructions_ok(),
            self.checks(),
            elapsed.as_secs_f64()
        );
        println!("operations by kind:");
        for (k, v) in &self.op_kinds {
            println!("  {k:<22} {v:>7}");
        }
        println!("instructions (sent / ok / failed by error):");
        for (k, v) in &self.kinds {
            let failed: Vec<String> = v.failed.iter().map(|(e, n)| format!("{e} {n}")).collect();
            println!("  {k:<26} {:>6} / {:>6}   {}", v.sent, v.ok, failed.join(", "));
        }
        println!("invariant checks:");
        for (k, v) in &self.checks {
            println!("  {k:<52} {v:>8}");
        }
    }
}
