//! A small eBPF (v4 ISA, little endian) interpreter that counts executed instructions.
//!
//! Covers what `llc -march=bpfel -mcpu=v4` emits for the risk engine: 64/32-bit ALU incl. signed
//! division/modulo and sign-extending moves, loads (incl. sign-extending), stores, `lddw`,
//! conditional jumps (64 and 32 bit), `gotol`, BPF-to-BPF calls (pc-relative and `callx`) and
//! calls to undefined symbols, which are served by the host ("syscalls": `pm_memcpy`,
//! `pm_memmove`, `pm_memset`, `pm_abort`).
//!
//! Calling convention as in the kernel and in Solana's VM: r1-r5 arguments, r0 result, r6-r9
//! preserved across calls by the VM (eBPF code never saves them), r10 the read-only frame pointer of
//! a fresh frame per call. Frames are `FRAME_SPACING` apart so that a frame larger than Solana's
//! 4 KB is measured rather than corrupting its neighbour; the largest extent actually touched below
//! r10 is recorded per function.
//!
//! Counting: every executed instruction counts 1 (`lddw` too: one instruction, two slots), as
//! Solana's meter does. Syscalls are charged separately with Solana's cost model for its mem
//! syscalls (`max(10, n / 250)` compute units).

use crate::elf::{Insn, Program, CODE_BASE, DATA_BASE, EXT_CALL, NO_TARGET};

pub const STACK_BASE: u64 = 0x2_0000_0000;
pub const HEAP_BASE: u64 = 0x3_0000_0000;
pub const FRAME_SPACING: u64 = 0x1_0000; // 64 KB
pub const MAX_DEPTH: usize = 64; // Solana's max call depth
/// Solana's stack frame (SBPF v1/v2 fixed frames).
pub const SBF_FRAME: u64 = 4096;

#[derive(Debug, Clone, PartialEq)]
pub enum Trap {
    Abort(u64),
    Memory { addr: u64, len: usize, pc: usize },
    BadInsn { op: u8, pc: usize },
    BadCall { pc: usize, target: u64 },
    UnknownSyscall(String),
    CallDepth,
    Budget,
}

#[derive(Clone, Copy)]
struct Frame {
    ret: usize,
    saved: [u64; 4],
    fp: u64,
    func: usize,
    low: u64,
}

#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub insns: u64,
    pub syscall_cu: u64,
    pub calls: u64,
    pub syscalls: u64,
    pub sdiv: u64,
    pub div: u64,
    pub mul: u64,
    pub movsx: u64,
    pub ldsx: u64,
    /// Conditional jumps on 32-bit operands (eBPF v3+ JMP32 class; SBPF has no such class).
    pub jmp32: u64,
    pub max_depth: usize,
    /// Per function: instructions executed inside it (self), and deepest stack extent used.
    pub per_func: Vec<u64>,
    pub frame_max: Vec<u64>,
    /// Largest sum of frame extents along one call chain.
    pub max_chain: u64,
}

pub struct Vm<'a> {
    pub prog: &'a Program,
    pub data: Vec<u8>,
    pub heap: Vec<u8>,
    stack: Vec<u8>,
    pub stats: Stats,
    pub budget: u64,
    frames: Vec<Frame>,
    cur_low: u64,
    cur_fp: u64,
}

impl<'a> Vm<'a> {
    pub fn new(prog: &'a Program, heap_size: usize) -> Self {
        let nf = prog.funcs.len().max(1);
        Vm {
            prog,
            data: prog.data.clone(),
            heap: vec![0; heap_size],
            stack: vec![0; FRAME_SPACING as usize * (MAX_DEPTH + 1)],
            stats: Stats {
                per_func: vec![0; nf],
                frame_max: vec![0; nf],
                ..Default::default()
            },
            budget: 2_000_000_000,
            frames: Vec::new(),
            cur_low: 0,
            cur_fp: 0,
        }
    }

    pub fn heap_u64(&self, off: usize) -> u64 {
        u64::from_le_bytes(self.heap[off..off + 8].try_into().unwrap())
    }
    pub fn set_heap_u64(&mut self, off: usize, v: u64) {
        self.heap[off..off + 8].copy_from_slice(&v.to_le_bytes());
    }

    #[inline(always)]
    fn mem(&mut self, addr: u64, len: usize, pc: usize) -> Result<&mut [u8], Trap> {
        let (base, buf): (u64, &mut Vec<u8>) = if addr >= HEAP_BASE {
            (HEAP_BASE, &mut self.heap)
        } else if addr >= STACK_BASE {
            // track the frame extent of the running function
            if addr < self.cur_fp && addr >= self.cur_fp - FRAME_SPACING && addr < self.cur_low {
                self.cur_low = addr;
            }
            (STACK_BASE, &mut self.stack)
        } else if addr >= DATA_BASE {
            (DATA_BASE, &mut self.data)
        } else {
            return Err(Trap::Memory { addr, len, pc });
        };
        let o = (addr - base) as usize;
        match buf.get_mut(o..o.wrapping_add(len)) {
            Some(s) => Ok(s),
            None => Err(Trap::Memory { addr, len, pc }),
        }
    }

    fn load(&mut self, addr: u64, len: usize, pc: usize) -> Result<u64, Trap> {
        let s = self.mem(addr, len, pc)?;
        let mut b = [0u8; 8];
        b[..len].copy_from_slice(s);
        Ok(u64::from_le_bytes(b))
    }

    fn store(&mut self, addr: u64, len: usize, v: u64, pc: usize) -> Result<(), Trap> {
        let s = self.mem(addr, len, pc)?;
        s.copy_from_slice(&v.to_le_bytes()[..len]);
        Ok(())
    }

    fn bytes(&mut self, addr: u64, len: usize, pc: usize) -> Result<Vec<u8>, Trap> {
        if len == 0 {
            return Ok(vec![]);
        }
        Ok(self.mem(addr, len, pc)?.to_vec())
    }

    fn syscall(&mut self, name: &str, r: &mut [u64; 11], pc: usize) -> Result<(), Trap> {
        self.stats.syscalls += 1;
        let n = r[3] as usize;
        match name {
            "pm_memcpy" | "pm_memmove" => {
                let src = self.bytes(r[2], n, pc)?;
                if n > 0 {
                    self.mem(r[1], n, pc)?.copy_from_slice(&src);
                }
            }
            "pm_memset" => {
                if n > 0 {
                    let v = r[2] as u8;
                    self.mem(r[1], n, pc)?.fill(v);
                }
            }
            "pm_abort" => return Err(Trap::Abort(r[1])),
            other => return Err(Trap::UnknownSyscall(other.to_string())),
        }
        // Solana: mem_op_base_cost = 10, cpi_bytes_per_unit = 250
        self.stats.syscall_cu += (n as u64 / 250).max(10);
        r[0] = 0;
        Ok(())
    }

    /// Runs `entry` with `args` in r1..; returns r0.
    pub fn run(&mut self, entry: &str, args: &[u64]) -> Result<u64, Trap> {
        let start = *self
            .prog
            .entries
            .get(entry)
            .ok_or_else(|| Trap::UnknownSyscall(format!("no entry {entry}")))?;
        self.run_at(start, args)
    }

    pub fn run_at(&mut self, start: usize, args: &[u64]) -> Result<u64, Trap> {
        let code: &[Insn] = &self.prog.code;
        let mut r = [0u64; 11];
        for (i, a) in args.iter().enumerate() {
            r[i + 1] = *a;
        }
        let mut depth = 0usize;
        r[10] = STACK_BASE + FRAME_SPACING * (depth as u64 + 1);
        self.cur_fp = r[10];
        self.cur_low = r[10];
        self.frames.clear();
        let mut chain: u64 = 0;
        let mut cur_func = self.prog.func_of.get(start).copied().unwrap_or(usize::MAX);
        let mut pc = start;
        let mut count: u64 = 0;
        let limit = self.budget;
        loop {
            let insn = match code.get(pc) {
                Some(i) => *i,
                None => return Err(Trap::BadInsn { op: 0, pc }),
            };
            count += 1;
            if count > limit {
                return Err(Trap::Budget);
            }
            if let Some(c) = self.stats.per_func.get_mut(self.prog.func_of[pc]) {
                *c += 1;
            }
            let (dst, src) = (insn.dst as usize, insn.src as usize);
            let imm = insn.imm as i64 as u64;
            let class = insn.op & 7;
            let use_reg = insn.op & 0x08 != 0;
            pc += 1;
            match class {
                // ALU64 / ALU32
                0x07 | 0x04 => {
                    let is64 = class == 0x07;
                    let opn = insn.op & 0xf0;
                    if opn == 0xd0 {
                        // byte swap / endianness conversion
                        let v = r[dst];
                        r[dst] = match (insn.op, insn.imm) {
                            (0xd4, 16) => v & 0xffff,
                            (0xd4, 32) => v & 0xffff_ffff,
                            (0xd4, 64) => v,
                            (0xdc, 16) | (0xd7, 16) => (v as u16).swap_bytes() as u64,
                            (0xdc, 32) | (0xd7, 32) => (v as u32).swap_bytes() as u64,
                            (0xdc, 64) | (0xd7, 64) => v.swap_bytes(),
                            _ => {
                                return Err(Trap::BadInsn {
                                    op: insn.op,
                                    pc: pc - 1,
                                })
                            }
                        };
                        continue;
                    }
                    let b = if use_reg { r[src] } else { imm };
                    let a = r[dst];
                    let signed = insn.off == 1;
                    if is64 {
                        r[dst] = match opn {
                            0x00 => a.wrapping_add(b),
                            0x10 => a.wrapping_sub(b),
                            0x20 => {
                                self.stats.mul += 1;
                                a.wrapping_mul(b)
                            }
                            0x30 => {
                                self.stats.div += 1;
                                if signed {
                                    self.stats.sdiv += 1;
                                    if b == 0 {
                                        0
                                    } else {
                                        (a as i64).wrapping_div(b as i64) as u64
                                    }
                                } else if b == 0 {
                                    0
                                } else {
                                    a / b
                                }
                            }
                            0x40 => a | b,
                            0x50 => a & b,
                            0x60 => a << (b & 63),
                            0x70 => a >> (b & 63),
                            0x80 => a.wrapping_neg(),
                            0x90 => {
                                self.stats.div += 1;
                                if signed {
                                    self.stats.sdiv += 1;
                                    if b == 0 {
                                        a
                                    } else {
                                        (a as i64).wrapping_rem(b as i64) as u64
                                    }
                                } else if b == 0 {
                                    a
                                } else {
                                    a % b
                                }
                            }
                            0xa0 => a ^ b,
                            0xb0 => match insn.off {
                                0 => b,
                                8 | 16 | 32 => {
                                    self.stats.movsx += 1;
                                    let s = 64 - insn.off as u32;
                                    (((b << s) as i64) >> s) as u64
                                }
                                _ => {
                                    return Err(Trap::BadInsn {
                                        op: insn.op,
                                        pc: pc - 1,
                                    })
                                }
                            },
                            0xc0 => ((a as i64) >> (b & 63)) as u64,
                            _ => {
                                return Err(Trap::BadInsn {
                                    op: insn.op,
                                    pc: pc - 1,
                                })
                            }
                        };
                    } else {
                        let (a, b) = (a as u32, b as u32);
                        let v: u32 = match opn {
                            0x00 => a.wrapping_add(b),
                            0x10 => a.wrapping_sub(b),
                            0x20 => {
                                self.stats.mul += 1;
                                a.wrapping_mul(b)
                            }
                            0x30 => {
                                self.stats.div += 1;
                                if signed {
                                    self.stats.sdiv += 1;
                                    if b == 0 {
                                        0
                                    } else {
                                        (a as i32).wrapping_div(b as i32) as u32
                                    }
                                } else if b == 0 {
                                    0
                                } else {
                                    a / b
                                }
                            }
                            0x40 => a | b,
                            0x50 => a & b,
                            0x60 => a << (b & 31),
                            0x70 => a >> (b & 31),
                            0x80 => a.wrapping_neg(),
                            0x90 => {
                                self.stats.div += 1;
                                if signed {
                                    self.stats.sdiv += 1;
                                    if b == 0 {
                                        a
                                    } else {
                                        (a as i32).wrapping_rem(b as i32) as u32
                                    }
                                } else if b == 0 {
                                    a
                                } else {
                                    a % b
                                }
                            }
                            0xa0 => a ^ b,
                            0xb0 => match insn.off {
                                0 => b,
                                8 | 16 => {
                                    self.stats.movsx += 1;
                                    let s = 32 - insn.off as u32;
                                    (((b << s) as i32) >> s) as u32
                                }
                                _ => {
                                    return Err(Trap::BadInsn {
                                        op: insn.op,
                                        pc: pc - 1,
                                    })
                                }
                            },
                            0xc0 => ((a as i32) >> (b & 31)) as u32,
                            _ => {
                                return Err(Trap::BadInsn {
                                    op: insn.op,
                                    pc: pc - 1,
                                })
                            }
                        };
                        r[dst] = v as u64;
                    }
                }
                // JMP / JMP32
                0x05 | 0x06 => {
                    let opn = insn.op & 0xf0;
                    let is64 = class == 0x05;
                    match opn {
                        0x00 => {
                            // ja (JMP: 16-bit offset; JMP32: gotol, 32-bit imm)
                            let d = if is64 {
                                insn.off as i64
                            } else {
                                insn.imm as i64
                            };
                            pc = (pc as i64 + d) as usize;
                            continue;
                        }
                        0x80 => {
                            if !is64 {
                                return Err(Trap::BadInsn {
                                    op: insn.op,
                                    pc: pc - 1,
                                });
                            }
                            let target = if use_reg {
                                // callx: register in dst (LLVM) — accept src too if dst is 0
                                let v = if dst != 0 { r[dst] } else { r[src] };
                                if v < CODE_BASE || (v - CODE_BASE) % 8 != 0 {
                                    return Err(Trap::BadCall {
                                        pc: pc - 1,
                                        target: v,
                                    });
                                }
                                ((v - CODE_BASE) / 8) as usize
                            } else if insn.target == NO_TARGET {
                                return Err(Trap::BadCall {
                                    pc: pc - 1,
                                    target: insn.imm as u64,
                                });
                            } else if insn.target & EXT_CALL != 0 {
                                let name = &self.prog.externs[(insn.target & !EXT_CALL) as usize];
                                self.syscall(name, &mut r, pc - 1)?;
                                continue;
                            } else {
                                insn.target as usize
                            };
                            if target >= code.len() {
                                return Err(Trap::BadCall {
                                    pc: pc - 1,
                                    target: target as u64,
                                });
                            }
                            self.stats.calls += 1;
                            if depth + 1 >= MAX_DEPTH {
                                return Err(Trap::CallDepth);
                            }
                            chain += self.cur_fp - self.cur_low;
                            self.frames.push(Frame {
                                ret: pc,
                                saved: [r[6], r[7], r[8], r[9]],
                                fp: self.cur_fp,
                                func: cur_func,
                                low: self.cur_low,
                            });
                            depth += 1;
                            self.stats.max_depth = self.stats.max_depth.max(depth);
                            r[10] = STACK_BASE + FRAME_SPACING * (depth as u64 + 1);
                            self.cur_fp = r[10];
                            self.cur_low = r[10];
                            cur_func = self.prog.func_of[target];
                            pc = target;
                            continue;
                        }
                        0x90 => {
                            if !is64 {
                                return Err(Trap::BadInsn {
                                    op: insn.op,
                                    pc: pc - 1,
                                });
                            }
                            // exit: close the frame
                            let used = self.cur_fp - self.cur_low;
                            if let Some(m) = self.stats.frame_max.get_mut(cur_func) {
                                *m = (*m).max(used);
                            }
                            self.stats.max_chain = self.stats.max_chain.max(chain + used);
                            match self.frames.pop() {
                                None => {
                                    self.stats.insns += count;
                                    return Ok(r[0]);
                                }
                                Some(f) => {
                                    depth -= 1;
                                    r[6..10].copy_from_slice(&f.saved);
                                    r[10] = f.fp;
                                    self.cur_fp = f.fp;
                                    self.cur_low = f.low;
                                    chain -= f.fp - f.low;
                                    cur_func = f.func;
                                    pc = f.ret;
                                    continue;
                                }
                            }
                        }
                        _ => {}
                    }
                    let b = if use_reg { r[src] } else { imm };
                    let a = r[dst];
                    if !is64 {
                        self.stats.jmp32 += 1;
                    }
                    let (a, b, sa, sb) = if is64 {
                        (a, b, a as i64, b as i64)
                    } else {
                        (
                            a as u32 as u64,
                            b as u32 as u64,
                            a as i32 as i64,
                            b as i32 as i64,
                        )
                    };
                    let take = match opn {
                        0x10 => a == b,
                        0x20 => a > b,
                        0x30 => a >= b,
                        0x40 => a & b != 0,
                        0x50 => a != b,
                        0x60 => sa > sb,
                        0x70 => sa >= sb,
                        0xa0 => a < b,
                        0xb0 => a <= b,
                        0xc0 => sa < sb,
                        0xd0 => sa <= sb,
                        _ => {
                            return Err(Trap::BadInsn {
                                op: insn.op,
                                pc: pc - 1,
                            })
                        }
                    };
                    if take {
                        pc = (pc as i64 + insn.off as i64) as usize;
                    }
                }
                // LD (lddw only)
                0x00 => {
                    if insn.op != 0x18 {
                        return Err(Trap::BadInsn {
                            op: insn.op,
                            pc: pc - 1,
                        });
                    }
                    r[dst] = insn.imm64;
                    pc += 1;
                }
                // LDX
                0x01 => {
                    let size = match insn.op & 0x18 {
                        0x00 => 4,
                        0x08 => 2,
                        0x10 => 1,
                        _ => 8,
                    };
                    let addr = r[src].wrapping_add(insn.off as i64 as u64);
                    let v = self.load(addr, size, pc - 1)?;
                    r[dst] = match insn.op & 0xe0 {
                        0x60 => v,
                        0x80 => {
                            self.stats.ldsx += 1;
                            let s = 64 - 8 * size as u32;
                            (((v << s) as i64) >> s) as u64
                        }
                        _ => {
                            return Err(Trap::BadInsn {
                                op: insn.op,
                                pc: pc - 1,
                            })
                        }
                    };
                }
                // ST / STX
                0x02 | 0x03 => {
                    if insn.op & 0xe0 != 0x60 {
                        return Err(Trap::BadInsn {
                            op: insn.op,
                            pc: pc - 1,
                        });
                    }
                    let size = match insn.op & 0x18 {
                        0x00 => 4,
                        0x08 => 2,
                        0x10 => 1,
                        _ => 8,
                    };
                    let v = if class == 0x03 { r[src] } else { imm };
                    let addr = r[dst].wrapping_add(insn.off as i64 as u64);
                    self.store(addr, size, v, pc - 1)?;
                }
                _ => {
                    return Err(Trap::BadInsn {
                        op: insn.op,
                        pc: pc - 1,
                    })
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Minimal assembler: one 8-byte instruction.
    fn ins(op: u8, dst: u8, src: u8, off: i16, imm: i32) -> [u8; 8] {
        let mut b = [0u8; 8];
        b[0] = op;
        b[1] = dst | (src << 4);
        b[2..4].copy_from_slice(&off.to_le_bytes());
        b[4..8].copy_from_slice(&imm.to_le_bytes());
        b
    }
    fn prog(v: &[[u8; 8]]) -> Program {
        Program::from_code(&v.concat())
    }
    fn run(v: &[[u8; 8]], args: &[u64]) -> (u64, u64) {
        let p = prog(v);
        let mut vm = Vm::new(&p, 64);
        let r = vm.run("main", args).unwrap();
        (r, vm.stats.insns)
    }
    const EXIT: [u8; 8] = [0x95, 0, 0, 0, 0, 0, 0, 0];

    #[test]
    fn alu_and_signed_division() {
        // r0 = r1; r0 s/= r2; exit
        let (r, n) = run(
            &[ins(0xbf, 0, 1, 0, 0), ins(0x3f, 0, 2, 1, 0), EXIT],
            &[(-7i64) as u64, 2],
        );
        assert_eq!((r as i64, n), (-3, 3));
        // smod
        let (r, _) = run(
            &[ins(0xbf, 0, 1, 0, 0), ins(0x9f, 0, 2, 1, 0), EXIT],
            &[(-7i64) as u64, 2],
        );
        assert_eq!(r as i64, -1);
        // udiv/umod by register
        let (r, _) = run(
            &[ins(0xbf, 0, 1, 0, 0), ins(0x3f, 0, 2, 0, 0), EXIT],
            &[u64::MAX, 3],
        );
        assert_eq!(r, u64::MAX / 3);
        // 32-bit ops zero-extend; arsh; movsx
        let (r, _) = run(&[ins(0xb4, 0, 0, 0, -1), EXIT], &[]);
        assert_eq!(r, 0xffff_ffff);
        let (r, _) = run(&[ins(0xb7, 0, 0, 0, -16), ins(0xc7, 0, 0, 0, 2), EXIT], &[]);
        assert_eq!(r as i64, -4);
        let (r, _) = run(&[ins(0xbf, 0, 1, 32, 0), EXIT], &[0x8000_0000]);
        assert_eq!(r, 0xffff_ffff_8000_0000);
        let (r, _) = run(&[ins(0xbc, 0, 1, 8, 0), EXIT], &[0x80]);
        assert_eq!(r, 0xffff_ff80);
        // mul, lsh, rsh, xor, neg
        let (r, _) = run(
            &[
                ins(0xbf, 0, 1, 0, 0),
                ins(0x27, 0, 0, 0, 3),
                ins(0x67, 0, 0, 0, 4),
                ins(0xa7, 0, 0, 0, 1),
                ins(0x87, 0, 0, 0, 0),
                EXIT,
            ],
            &[5],
        );
        assert_eq!(r as i64, -((5 * 3 << 4) ^ 1));
    }

    #[test]
    fn lddw_jumps_and_loop() {
        // r0 = 0x1_0000_0002 (lddw); loop r1 times: r0 += 1
        let mut lddw = ins(0x18, 0, 0, 0, 2).to_vec();
        lddw.extend_from_slice(&ins(0, 0, 0, 0, 1));
        let code = [
            lddw[..8].try_into().unwrap(),
            lddw[8..].try_into().unwrap(),
            ins(0x15, 1, 0, 3, 0), // if r1 == 0 goto +3
            ins(0x07, 0, 0, 0, 1),
            ins(0x07, 1, 0, 0, -1),
            ins(0x05, 0, 0, -4, 0), // goto -4
            EXIT,
        ];
        let (r, n) = run(&code, &[5]);
        assert_eq!(r, 0x1_0000_0002 + 5);
        assert_eq!(n, 1 + 5 * 4 + 1 + 1); // lddw counts once
                                          // signed vs unsigned compare; JMP32 compares the low halves
        let (r, _) = run(
            &[
                ins(0xb7, 0, 0, 0, 1),
                ins(0xc5, 1, 0, 1, 0),
                ins(0xb7, 0, 0, 0, 2),
                EXIT,
            ],
            &[(-1i64) as u64],
        );
        assert_eq!(r, 1);
        let (r, _) = run(
            &[
                ins(0xb7, 0, 0, 0, 1),
                ins(0x16, 1, 0, 1, 0),
                ins(0xb7, 0, 0, 0, 2),
                EXIT,
            ],
            &[1u64 << 32],
        );
        assert_eq!(r, 1);
    }

    #[test]
    fn calls_preserve_r6_r9_and_frames() {
        // main: r6 = 7; *(u64*)(r10-8) = r6; call +4; r0 += r6; r1 = *(u64*)(r10-8); r0 += r1; exit
        // f: r6 = 100; *(u64*)(r10-16) = r6; r0 = r1; exit  (its own frame)
        let code = [
            ins(0xb7, 6, 0, 0, 7),
            ins(0x7b, 10, 6, -8, 0),
            ins(0xb7, 1, 0, 0, 1000),
            ins(0x85, 0, 1, 0, 4), // call pc+4+1 = 8
            ins(0x0f, 0, 6, 0, 0),
            ins(0x79, 1, 10, -8, 0),
            ins(0x0f, 0, 1, 0, 0),
            EXIT,
            ins(0xb7, 6, 0, 0, 100),
            ins(0x7b, 10, 6, -16, 0),
            ins(0xbf, 0, 1, 0, 0),
            EXIT,
        ];
        let p = prog(&code);
        let mut vm = Vm::new(&p, 64);
        assert_eq!(vm.run("main", &[]).unwrap(), 1000 + 7 + 7);
        assert_eq!(vm.stats.calls, 1);
        assert_eq!(vm.stats.max_depth, 1);
        assert_eq!(vm.stats.max_chain, 8 + 16);
    }

    #[test]
    fn memory_is_checked() {
        let p = prog(&[ins(0x79, 0, 1, 0, 0), EXIT]);
        let mut vm = Vm::new(&p, 64);
        assert!(matches!(vm.run("main", &[8]), Err(Trap::Memory { .. })));
        assert_eq!(vm.run("main", &[HEAP_BASE + 56]).unwrap(), 0);
        assert!(matches!(
            vm.run("main", &[HEAP_BASE + 57]),
            Err(Trap::Memory { .. })
        ));
    }
}
