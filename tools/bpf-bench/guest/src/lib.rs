//! Entry points of the eBPF measurement build (called by tools/bpf-bench's interpreter with
//! r1..r5 = arguments, r0 = status; `io` points at a zeroed heap region of at least
//! `size_of::<Scratch>()` bytes). Every entry writes its results into `Scratch::out` so the host
//! can compare them with the native build.
#![no_std]

use core::ptr::{addr_of_mut, read_volatile};
use risk_engine::black76::{value_q48, OptionKind};
use risk_engine::fixed;
use risk_engine::math::{exp_q, ln_u64, ncdf};
use risk_engine::pricer::{OptionPrep, OptionSpec};
use risk_engine::reference::{Reference, REF_NOW};
use risk_engine::wide;
use risk_engine::*;

extern "C" {
    /// Trap (resolved by the interpreter): a panic reached.
    fn pm_abort(code: u64) -> !;
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { pm_abort(1) }
}

/// Heap layout shared with the host (`#[repr(C)]`; the host only reads `inp`/`out`/`now`).
#[repr(C)]
pub struct Scratch {
    /// Inputs of `pm_fn` (words 0..8) and results of every entry (words 0..8).
    pub inp: [u64; 8],
    pub out: [u64; 8],
    pub now: i64,
    pub reference: Reference,
    pub ws: Workspace,
    pub prep: MarketPrep,
    pub option: OptionPrep,
    pub risk: RiskArray,
}

fn code(r: Result<(), Error>) -> u64 {
    match r {
        Ok(()) => 0,
        Err(e) => e.code() as u64,
    }
}

/// Size of [`Scratch`] (the host checks its heap is large enough).
#[no_mangle]
pub extern "C" fn pm_scratch_size() -> u64 {
    core::mem::size_of::<Scratch>() as u64
}

/// Full margin evaluation of the reference portfolio (`legs`, `unds`), `iters` times.
/// out = [status, equity, mm, im, scan loss, worst joint pnl, naked im, linear im].
#[no_mangle]
pub unsafe extern "C" fn pm_eval(legs: u64, unds: u64, iters: u64, io: *mut Scratch) -> u64 {
    let s = &mut *io;
    let mut st = code(s.reference.fill(legs as usize, unds as usize));
    let g = GlobalParams::default();
    let mut i = 0;
    while st == 0 && i < iters {
        let now = read_volatile(addr_of_mut!(s.now)); // opaque per iteration: no hoisting
        let r = &s.reference;
        let account = Account { global: &g, markets: r.markets(), positions: r.positions(), collateral: r.collateral(), now };
        st = code(evaluate_into(&mut s.ws, &account));
        i += 1;
    }
    let o = &s.ws.out;
    s.out = [
        st,
        o.equity as u64,
        o.mm as u64,
        o.im as u64,
        o.scan.loss as u64,
        o.scan.worst_joint_pnl as u64,
        o.naked_short.im as u64,
        o.linear.im as u64,
    ];
    st
}

/// Risk array of leg `leg` of the 32-leg reference portfolio on `unds` underlyings, `iters` times:
/// the option's set-up and its 27 scenario values (market and expiry preparation done once,
/// outside the loop). `now` != 0 in the scratch prices the stale vol states too.
/// out = [status, sum of pnl, pnl[1], pnl[26], value, stale sum].
#[no_mangle]
pub unsafe extern "C" fn pm_risk(unds: u64, leg: u64, iters: u64, io: *mut Scratch) -> u64 {
    let s = &mut *io;
    let mut st = code(s.reference.fill(32, unds as usize));
    let p = s.reference.positions[leg as usize % 32];
    let m = &s.reference.markets[p.market as usize];
    if st == 0 {
        st = code(s.prep.init(m).and_then(|()| s.prep.ensure_slice(m, p.slice as usize, REF_NOW).map(|_| ())));
    }
    let mut i = 0;
    while st == 0 && i < iters {
        let stale = read_volatile(addr_of_mut!(s.now)) != 0;
        match p.kind {
            Kind::Perp => s.risk.fill_linear(&s.prep.spot_pnl),
            _ => {
                let slice = &s.prep.slices[p.slice as usize];
                let spec = OptionSpec { call: p.kind == Kind::Call, strike: p.strike, stale };
                match s.option.init(&s.prep, slice, &spec) {
                    Ok(()) => s.risk.fill_option(&s.option, stale),
                    Err(e) => st = code(Err(e)),
                }
            }
        }
        i += 1;
    }
    let ra = &s.risk;
    let (mut sum, mut sum_s) = (0i64, 0i64);
    for k in 0..N_SCEN {
        sum = sum.wrapping_add(ra.pnl[k]);
        sum_s = sum_s.wrapping_add(ra.pnl_stale[k]);
    }
    s.out = [st, sum as u64, ra.pnl[1] as u64, ra.pnl[26] as u64, ra.value_px as u64, sum_s as u64, 0, 0];
    st
}

fn put(s: &mut Scratch, r: Result<i64, Error>) {
    match r {
        Ok(v) => {
            s.out[0] = 0;
            s.out[1] = v as u64;
        }
        Err(e) => s.out[0] = code(Err(e)),
    }
}

fn put_w(s: &mut Scratch, r: Result<i128, Error>) {
    match r {
        Ok(v) => {
            s.out[0] = 0;
            s.out[1] = v as u64;
            s.out[2] = (v >> 64) as u64;
        }
        Err(e) => s.out[0] = code(Err(e)),
    }
}

fn w(lo: u64, hi: u64) -> i128 {
    ((hi as i128) << 64) | lo as i128
}

/// One library function on `inp` (tests of the build and the interpreter against native results).
#[no_mangle]
pub unsafe extern "C" fn pm_fn(id: u64, io: *mut Scratch) -> u64 {
    let s = &mut *io;
    let x = s.inp;
    let (a, b, c) = (x[0] as i64, x[1] as i64, x[2] as i64);
    s.out = [0; 8];
    match id {
        0 => put_w(s, Ok(wide::wmul(a, b))),
        1 => put(s, wide::div(a, b)),
        2 => put(s, wide::div_clamp(a, b, c)),
        3 => put(s, wide::mul_div_floor(a, b, c)),
        4 => put(s, wide::mul_div_ceil(a, b, c)),
        5 => put(s, wide::wdiv_floor(w(x[0], x[1]), c)),
        6 => put(s, wide::sqrt_q(a)),
        7 => put(s, ln_u64(x[0])),
        8 => put(s, exp_q(a)),
        9 => put(s, ncdf(a)),
        10 => {
            let kind = if x[4] & 1 == 0 {
                OptionKind::Call
            } else {
                OptionKind::Put
            };
            put_w(s, value_q48(kind, a, b, c, x[3] as i64))
        }
        11 => put_w(s, wide::wmul_q(w(x[0], x[1]), c)),
        12 => {
            let r = wide::isqrt(w(x[0], x[1]) as u128);
            put_w(s, Ok(r as i128))
        }
        13 => put_w(s, wide::wmul_w(w(x[0], x[1]), w(x[2], x[3]))),
        14 => put_w(s, wide::wdiv_w(w(x[0], x[1]), w(x[2], x[3]))),
        15 => put(s, wide::shr_ceil(w(x[0], x[1]), x[2] as u32 % 128)),
        17 => put_w(s, Ok(wide::shl_w(w(x[0], x[1]), x[2] as u32 % 128))),
        18 => put(s, wide::shr_floor(w(x[0], x[1]), x[2] as u32 % 128)),
        16 => put(s, wide::mul_ceil(a, b)),
        19 => put(s, Ok(fixed::ncdf(a) as i64)),
        20 => put(s, fixed::ln_int(x[0])),
        21 => put(s, fixed::exp(a).map(|v| v as i64)),
        22 => put(s, Ok(fixed::isqrt(x[0]) as i64)),
        23 => put(s, Ok(fixed::ratio_q32(x[0], x[1]) as i64)),
        24 => put(s, fixed::reciprocal(a).map(|(m, sh)| (m << 8) | sh as i64)),
        _ => s.out[0] = 99,
    }
    s.out[0]
}
