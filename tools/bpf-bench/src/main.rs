//! `bpf-bench test <guest.o>`: runs the eBPF build's library functions on random and edge inputs in
//! the interpreter and compares every result with the native build (fails on any difference).
//! `bpf-bench run <guest.o>`: instructions per full IM evaluation of the reference portfolios, per
//! risk array, stack frames; prints one JSON object (scripts/bench-cu.js formats and compares it).
use bpf_bench::elf::Program;
use bpf_bench::vm::{Vm, HEAP_BASE, SBF_FRAME};
use risk_engine::black76::{value_q48, OptionKind};
use risk_engine::fixed;
use risk_engine::math::{exp_q, ln_u64, ncdf};
use risk_engine::reference::{Reference, REF_NOW};
use risk_engine::*;
use std::process::exit;

const OUT: usize = 64;
const NOW_OFF: usize = 128;
const HEAP: usize = 64 * 1024;
const CASES: [(u64, u64); 7] = [(1, 1), (8, 1), (8, 2), (8, 4), (32, 1), (32, 2), (32, 4)];


fn new_vm(p: &Program) -> Vm<'_> {
    let mut vm = Vm::new(p, HEAP);
    let need = vm.run("pm_scratch_size", &[]).expect("pm_scratch_size");
    assert!(need as usize <= HEAP, "scratch {need} > heap {HEAP}");
    vm.stats = Default::default();
    vm.stats.per_func = vec![0; p.funcs.len()];
    vm.stats.frame_max = vec![0; p.funcs.len()];
    vm
}

fn outs(vm: &Vm, n: usize) -> Vec<u64> {
    (0..n).map(|i| vm.heap_u64(OUT + 8 * i)).collect()
}

// ---------------------------------------------------------------- differential tests

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn val(&mut self) -> u64 {
        let x = self.next();
        match self.next() % 6 {
            0 => [
                0,
                1,
                2,
                u64::MAX,
                1 << 63,
                (1 << 63) - 1,
                1 << 48,
                1 << 32,
                1_000_000,
            ][(x % 9) as usize],
            1 => x >> (self.next() % 64),
            2 => (x >> (self.next() % 64)).wrapping_neg(),
            3 => x % (1 << 50),
            4 => (x % (1 << 52)).wrapping_neg(),
            _ => x >> 8,
        }
    }
}

fn w(lo: u64, hi: u64) -> i128 {
    ((hi as i128) << 64) | lo as i128
}

/// Native result of `pm_fn(id)` as [status, v_lo, v_hi].
fn native_fn(id: u64, x: &[u64; 8]) -> [u64; 3] {
    let (a, b, c) = (x[0] as i64, x[1] as i64, x[2] as i64);
    let one = |r: Result<i64, Error>| match r {
        Ok(v) => [0, v as u64, 0],
        Err(e) => [e.code() as u64, 0, 0],
    };
    let wide_ = |r: Result<i128, Error>| match r {
        Ok(v) => [0, v as u64, (v >> 64) as u64],
        Err(e) => [e.code() as u64, 0, 0],
    };
    match id {
        0 => wide_(Ok(wide::wmul(a, b))),
        1 => one(wide::div(a, b)),
        2 => one(wide::div_clamp(a, b, c)),
        3 => one(wide::mul_div_floor(a, b, c)),
        4 => one(wide::mul_div_ceil(a, b, c)),
        5 => one(wide::wdiv_floor(w(x[0], x[1]), c)),
        6 => one(wide::sqrt_q(a)),
        7 => one(ln_u64(x[0])),
        8 => one(exp_q(a)),
        9 => one(ncdf(a)),
        10 => {
            let kind = if x[4] & 1 == 0 {
                OptionKind::Call
            } else {
                OptionKind::Put
            };
            wide_(value_q48(kind, a, b, c, x[3] as i64))
        }
        11 => wide_(wide::wmul_q(w(x[0], x[1]), c)),
        12 => wide_(Ok(wide::isqrt(w(x[0], x[1]) as u128) as i128)),
        13 => wide_(wide::wmul_w(w(x[0], x[1]), w(x[2], x[3]))),
        14 => wide_(wide::wdiv_w(w(x[0], x[1]), w(x[2], x[3]))),
        15 => one(wide::shr_ceil(w(x[0], x[1]), x[2] as u32 % 128)),
        16 => one(wide::mul_ceil(a, b)),
        17 => wide_(Ok(wide::shl_w(w(x[0], x[1]), x[2] as u32 % 128))),
        18 => one(wide::shr_floor(w(x[0], x[1]), x[2] as u32 % 128)),
        19 => one(Ok(fixed::ncdf(a) as i64)),
        20 => one(fixed::ln_int(x[0])),
        21 => one(fixed::exp(a).map(|v| v as i64)),
        22 => one(Ok(fixed::isqrt(x[0]) as i64)),
        23 => one(Ok(fixed::ratio_q32(x[0], x[1]) as i64)),
        24 => one(fixed::reciprocal(a).map(|(m, sh)| (m << 8) | sh as i64)),
        _ => unreachable!(),
    }
}

/// Inputs that make each function's domain likely (and panics in the native build impossible).
fn inputs(id: u64, r: &mut Rng) -> Option<[u64; 8]> {
    let mut x = [0u64; 8];
    for v in x.iter_mut().take(5) {
        *v = r.val();
    }
    match id {
        5 | 11 | 15 | 17 | 18 => {
            // a wide value that is a product of two i64 (what the engine feeds these)
            let p = wide::wmul(r.val() as i64, r.val() as i64) >> (r.next() % 64);
            x[0] = p as u64;
            x[1] = (p >> 64) as u64;
        }
        6 | 8 | 9 => {
            let s = r.next() % 64;
            x[0] = ((r.next() as i64) >> s) as u64;
        }
        10 => {
            // F, K in (0, 1e13], ln(F/K) in Q48, v in [0, 20) Q48
            x[0] = 1 + r.next() % 10_000_000_000_000;
            x[1] = 1 + r.next() % 10_000_000_000_000;
            let f = x[0] as f64 / x[1] as f64;
            x[2] = (f.ln() * (1u64 << 48) as f64) as i64 as u64;
            x[3] = ((r.next() % (20u64 << 48)) as i64
                - if r.next() % 10 == 0 { 1 << 40 } else { 0 }) as u64;
        }
        13 => {
            let p = wide::wmul(r.val() as i64, r.val() as i64) >> (r.next() % 128);
            x[0] = p as u64;
            x[1] = (p >> 64) as u64;
            let q = (r.val() as i64 as i128) >> (r.next() % 64);
            x[2] = q as u64;
            x[3] = (q >> 64) as u64;
        }
        14 => {
            let p = wide::wmul(r.val() as i64, r.val() as i64);
            x[0] = p as u64;
            x[1] = (p >> 64) as u64;
            let q = wide::wmul(r.val() as i64, r.val() as i64) >> (r.next() % 128);
            x[2] = q as u64;
            x[3] = (q >> 64) as u64;
            if p == i128::MIN && q == -1 {
                return None;
            }
        }
        12 => {
            x[0] = r.next();
            x[1] = r.next() >> (1 + r.next() % 63);
        }
        19 | 21 => {
            let s = r.next() % 64;
            x[0] = ((r.next() as i64) >> s) as u64;
        }
        23 => {
            // 0 < num <= den
            x[1] = 1 + r.next() % (1 << (1 + r.next() % 62));
            x[0] = 1 + r.next() % x[1];
        }
        24 => x[0] = r.next() % (1 << 40),
        _ => {}
    }
    // inputs the native build would panic on (overflow of the engine's own checked ops) are skipped
    let xx = x;
    if std::panic::catch_unwind(|| native_fn(id, &xx)).is_err() {
        return None;
    }
    Some(x)
}

fn test(p: &Program, n: usize) -> bool {
    std::panic::set_hook(Box::new(|_| {}));
    let mut r = Rng(0x1234_5678_9abc_def1);
    let mut ok = true;
    let mut vm = new_vm(p);
    let names = [
        "wmul",
        "div",
        "div_clamp",
        "mul_div_floor",
        "mul_div_ceil",
        "wdiv_floor",
        "sqrt_q",
        "ln_u64",
        "exp_q",
        "ncdf",
        "value_q48",
        "wmul_q",
        "isqrt",
        "wmul_w",
        "wdiv_w",
        "shr_ceil",
        "mul_ceil",
        "shl_w",
        "shr_floor",
        "fixed::ncdf",
        "fixed::ln_int",
        "fixed::exp",
        "fixed::isqrt",
        "fixed::ratio_q32",
        "fixed::reciprocal",
    ];
    for id in 0..names.len() as u64 {
        let (mut done, mut bad, mut insns) = (0, 0, 0u64);
        while done < n {
            let Some(x) = inputs(id, &mut r) else {
                continue;
            };
            for (i, v) in x.iter().enumerate() {
                vm.set_heap_u64(8 * i, *v);
            }
            let before = vm.stats.insns;
            let got = match vm.run("pm_fn", &[id, HEAP_BASE]) {
                Ok(_) => {
                    let o = outs(&vm, 3);
                    [o[0], o[1], o[2]]
                }
                Err(t) => {
                    eprintln!("  {}({:?}): trap {:?}", names[id as usize], &x[..5], t);
                    [u64::MAX; 3]
                }
            };
            insns += vm.stats.insns - before;
            let want = native_fn(id, &x);
            let want = if want[0] != 0 { [want[0], 0, 0] } else { want };
            let got = if got[0] != 0 && got[0] != u64::MAX {
                [got[0], 0, 0]
            } else {
                got
            };
            if got != want {
                if bad < 5 {
                    eprintln!(
                        "  MISMATCH {}({:?}): ebpf {:?} native {:?}",
                        names[id as usize],
                        &x[..5],
                        got,
                        want
                    );
                }
                bad += 1;
            }
            done += 1;
        }
        println!("  {:<14} {:>6} cases, {:>3} mismatches, {:>7.1} instructions/call (incl. the dispatch)", names[id as usize], done, bad, insns as f64 / done as f64);
        ok &= bad == 0;
    }
    // the full evaluation of every reference portfolio, against the native engine
    for (legs, unds) in CASES {
        let mut vm = new_vm(p);
        vm.set_heap_u64(NOW_OFF, REF_NOW as u64);
        let st = vm.run("pm_eval", &[legs, unds, 1, HEAP_BASE]);
        let got = outs(&vm, 8);
        let rf = Reference::new(legs as usize, unds as usize).unwrap();
        let g = GlobalParams::default();
        let m = evaluate(&Account { global: &g, markets: rf.markets(), positions: rf.positions(), collateral: rf.collateral(), now: REF_NOW }).unwrap();
        let want = [
            0,
            m.equity as u64,
            m.mm as u64,
            m.im as u64,
            m.scan.loss as u64,
            m.scan.worst_joint_pnl as u64,
            m.naked_short.im as u64,
            m.linear.im as u64,
        ];
        let same = st == Ok(0) && got == want;
        println!(
            "  evaluate {legs:>2} legs {unds} und: {} (im {} ebpf / {} native)",
            if same { "identical" } else { "DIFFERENT" },
            got[3] as i64,
            m.im
        );
        ok &= same;
    }
    ok
}

// ---------------------------------------------------------------- measurement

struct Run {
    insns: u64,
    syscall_cu: u64,
    syscalls: u64,
    calls: u64,
    sdiv: u64,
    div: u64,
    mul: u64,
    movsx: u64,
    ldsx: u64,
    jmp32: u64,
    per_func: Vec<u64>,
    frame_max: Vec<u64>,
    max_depth: usize,
    max_chain: u64,
    out: Vec<u64>,
}

fn measure(p: &Program, entry: &str, args: &[u64], now: u64) -> Run {
    let mut vm = new_vm(p);
    vm.set_heap_u64(NOW_OFF, now);
    let st = vm.run(entry, args);
    if st != Ok(0) {
        eprintln!("{entry}{args:?}: {st:?} (out {:?})", outs(&vm, 8));
        exit(1);
    }
    let s = &vm.stats;
    Run {
        insns: s.insns,
        syscall_cu: s.syscall_cu,
        syscalls: s.syscalls,
        calls: s.calls,
        sdiv: s.sdiv,
        div: s.div,
        mul: s.mul,
        movsx: s.movsx,
        ldsx: s.ldsx,
        jmp32: s.jmp32,
        per_func: s.per_func.clone(),
        frame_max: s.frame_max.clone(),
        max_depth: s.max_depth,
        max_chain: s.max_chain,
        out: outs(&vm, 8),
    }
}

fn jstr(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn demangle(s: &str) -> String {
    // _ZN11risk_engine4wide4soft9umul_into17h...E -> risk_engine::wide::soft::umul_into
    if let Some(rest) = s.strip_prefix("_ZN") {
        let (mut out, mut r) = (Vec::new(), rest);
        while let Some(c) = r.chars().next() {
            if !c.is_ascii_digit() {
                break;
            }
            let n: usize = r
                .chars()
                .take_while(|c| c.is_ascii_digit())
                .collect::<String>()
                .parse()
                .unwrap();
            let d = r.chars().take_while(|c| c.is_ascii_digit()).count();
            if r.len() < d + n {
                break;
            }
            let part = &r[d..d + n];
            r = &r[d + n..];
            if part.starts_with('h') && part.len() == 17 {
                break;
            }
            out.push(part.replace("$u7b$$u7b$closure$u7d$$u7d$", "{closure}"));
        }
        return out.join("::");
    }
    s.to_string()
}

fn run(p: &Program) {
    let mut rows = Vec::new();
    let mut profile = String::new();
    let mut profile_1x1 = String::new();
    for (legs, unds) in CASES {
        // one evaluation = the cost of the 2nd (and 3rd) pass through the loop: the 1st also pays the
        // loop's set-up, and the workspace then is in the state the program's would be in
        let r0 = measure(p, "pm_eval", &[legs, unds, 1, HEAP_BASE], REF_NOW as u64);
        let r1 = measure(p, "pm_eval", &[legs, unds, 2, HEAP_BASE], REF_NOW as u64);
        let r2 = measure(p, "pm_eval", &[legs, unds, 3, HEAP_BASE], REF_NOW as u64);
        let per = r1.insns - r0.insns;
        assert_eq!(r2.insns - r1.insns, per, "evaluation cost not repeatable");
        let soft: u64 = p
            .funcs
            .iter()
            .enumerate()
            .filter(|(_, f)| f.name.contains("4wide4soft"))
            .map(|(i, _)| r1.per_func[i] - r0.per_func[i])
            .sum();
        let (fi, fmax) = r1
            .frame_max
            .iter()
            .enumerate()
            .max_by_key(|(_, v)| **v)
            .map(|(i, v)| (i, *v))
            .unwrap();
        let over: Vec<String> = r1
            .frame_max
            .iter()
            .enumerate()
            .filter(|(_, v)| **v > SBF_FRAME)
            .map(|(i, v)| {
                format!(
                    "{{\"fn\":{},\"bytes\":{}}}",
                    jstr(&demangle(&p.funcs[i].name)),
                    v
                )
            })
            .collect();
        rows.push(format!(
            "{{\"legs\":{legs},\"unds\":{unds},\"insns\":{per},\"syscall_cu\":{},\"syscalls\":{},\"calls\":{},\"sdiv\":{},\"div\":{},\"mul\":{},\"movsx\":{},\"ldsx\":{},\"jmp32\":{},\"soft128\":{soft},\"max_frame\":{fmax},\"max_frame_fn\":{},\"frames_over_4k\":[{}],\"max_depth\":{},\"max_chain\":{},\"im\":{}}}",
            r1.syscall_cu - r0.syscall_cu,
            r1.syscalls - r0.syscalls,
            r1.calls - r0.calls,
            r1.sdiv - r0.sdiv,
            r1.div - r0.div,
            r1.mul - r0.mul,
            r1.movsx - r0.movsx,
            r1.ldsx - r0.ldsx,
            r1.jmp32 - r0.jmp32,
            jstr(&demangle(&p.funcs[fi].name)),
            over.join(","),
            r1.max_depth,
            r1.max_chain,
            r1.out[3] as i64
        ));
        if (legs, unds) == (32, 4) || (legs, unds) == (1, 1) {
            let mut fs: Vec<(u64, usize)> = (0..p.funcs.len())
                .map(|i| (r1.per_func[i] - r0.per_func[i], i))
                .filter(|x| x.0 > 0)
                .collect();
            fs.sort_by(|a, b| b.cmp(a));
            let text = fs
                .iter()
                .take(20)
                .map(|(n, i)| {
                    format!(
                        "{{\"fn\":{},\"insns\":{n},\"frame\":{}}}",
                        jstr(&demangle(&p.funcs[*i].name)),
                        r1.frame_max[*i]
                    )
                })
                .collect::<Vec<_>>()
                .join(",");
            if legs == 1 {
                profile_1x1 = text;
            } else {
                profile = text;
            }
        }
    }
    // one risk array (27 scenarios, fresh shocks), per instrument kind, on the BTC market
    let mut risk = Vec::new();
    for (leg, what) in [
        (0u64, "call (short, 7d, K 80%)"),
        (1, "put (long, 30d, K 85%)"),
        (2, "call (long, 90d, K 90%)"),
        (7, "perp"),
    ] {
        let r0 = measure(p, "pm_risk", &[1, leg, 1, HEAP_BASE], 0);
        let r1 = measure(p, "pm_risk", &[1, leg, 2, HEAP_BASE], 0);
        let s0 = measure(p, "pm_risk", &[1, leg, 1, HEAP_BASE], 1);
        let s1 = measure(p, "pm_risk", &[1, leg, 2, HEAP_BASE], 1);
        let r2 = measure(p, "pm_risk", &[1, leg, 3, HEAP_BASE], 0);
        assert_eq!(
            r2.insns - r1.insns,
            r1.insns - r0.insns,
            "risk array cost not repeatable"
        );
        risk.push(format!(
            "{{\"leg\":{leg},\"what\":{},\"insns\":{},\"insns_stale\":{},\"soft128\":{}}}",
            jstr(what),
            r1.insns - r0.insns,
            s1.insns - s0.insns,
            p.funcs
                .iter()
                .enumerate()
                .filter(|(_, f)| f.name.contains("4wide4soft"))
                .map(|(i, _)| r1.per_func[i] - r0.per_func[i])
                .sum::<u64>()
        ));
    }
    let code_bytes = p.code.len() * 8;
    println!(
        "{{\"scenarios\":{},\"code_bytes\":{code_bytes},\"cases\":[{}],\"risk_array\":[{}],\"profile_32x4\":[{}],\"profile_1x1\":[{}]}}",
        N_SCEN,
        rows.join(","),
        risk.join(","),
        profile,
        profile_1x1
    );
}

fn main() {
    let a: Vec<String> = std::env::args().collect();
    if a.len() < 3 {
        eprintln!("usage: bpf-bench <test|run> <guest.o> [cases per function]");
        exit(2);
    }
    let elf = std::fs::read(&a[2]).unwrap_or_else(|e| {
        eprintln!("{}: {e}", a[2]);
        exit(2)
    });
    let p = Program::load(&elf).unwrap_or_else(|e| {
        eprintln!("{}: {e}", a[2]);
        exit(2)
    });
    match a[1].as_str() {
        "test" => {
            let n = a.get(3).and_then(|s| s.parse().ok()).unwrap_or(2000);
            if !test(&p, n) {
                eprintln!("bpf-bench test: the eBPF build differs from the native build");
                exit(1);
            }
            println!("bpf-bench test: eBPF build == native build on every case");
        }
        "run" => run(&p),
        _ => {
            eprintln!("unknown command {}", a[1]);
            exit(2)
        }
    }
}
