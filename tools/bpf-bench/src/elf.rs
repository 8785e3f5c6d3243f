//! Loader for the relocatable eBPF object (`llc -march=bpfel -filetype=obj`): every executable
//! section concatenated into one instruction array, every other allocated section laid out in one
//! data region, relocations applied (R_BPF_64_64 on `lddw`, R_BPF_64_32 on calls, R_BPF_64_ABS64/32
//! in data), calls to undefined symbols kept by name (the interpreter's "syscalls").

use std::collections::HashMap;

/// Virtual address of instruction 0 (function pointers: `CODE_BASE + 8 * index`).
pub const CODE_BASE: u64 = 0x0_1000_0000;
/// Virtual address of the data image (.rodata, .data, .bss), as Solana's program region.
pub const DATA_BASE: u64 = 0x1_0000_0000;

const SHT_SYMTAB: u32 = 2;
const SHT_REL: u32 = 9;
const SHT_NOBITS: u32 = 8;
const SHF_ALLOC: u64 = 2;
const SHF_EXECINSTR: u64 = 4;

pub const R_BPF_64_64: u32 = 1;
pub const R_BPF_64_ABS64: u32 = 2;
pub const R_BPF_64_ABS32: u32 = 3;
pub const R_BPF_64_32: u32 = 10;

/// One decoded instruction (an `lddw` occupies two slots; the second is never executed).
#[derive(Clone, Copy, Debug, Default)]
pub struct Insn {
    pub op: u8,
    pub dst: u8,
    pub src: u8,
    pub off: i16,
    pub imm: i32,
    /// `lddw`: the 64-bit immediate after relocation.
    pub imm64: u64,
    /// Calls: resolved target (instruction index), or `EXT_CALL | index into Program::externs`.
    pub target: u32,
}

pub const EXT_CALL: u32 = 0x8000_0000;
pub const NO_TARGET: u32 = u32::MAX;

#[derive(Clone, Debug)]
pub struct Func {
    pub name: String,
    pub start: usize,
    pub end: usize,
}

#[derive(Clone, Debug)]
pub struct Program {
    pub code: Vec<Insn>,
    pub data: Vec<u8>,
    pub funcs: Vec<Func>,
    /// Function index of every instruction (usize::MAX when outside every symbol).
    pub func_of: Vec<usize>,
    pub externs: Vec<String>,
    pub entries: HashMap<String, usize>,
}

struct Sh {
    name: String,
    typ: u32,
    flags: u64,
    offset: usize,
    size: usize,
    link: u32,
    info: u32,
    align: u64,
}

struct Sym {
    name: String,
    typ: u8,
    shndx: u16,
    value: u64,
    size: u64,
}

fn u16le(b: &[u8], o: usize) -> u16 {
    u16::from_le_bytes(b[o..o + 2].try_into().unwrap())
}
fn u32le(b: &[u8], o: usize) -> u32 {
    u32::from_le_bytes(b[o..o + 4].try_into().unwrap())
}
fn u64le(b: &[u8], o: usize) -> u64 {
    u64::from_le_bytes(b[o..o + 8].try_into().unwrap())
}
fn cstr(b: &[u8], o: usize) -> String {
    let e = b[o..]
        .iter()
        .position(|&c| c == 0)
        .map(|p| o + p)
        .unwrap_or(b.len());
    String::from_utf8_lossy(&b[o..e]).into_owned()
}

pub fn decode(b: &[u8]) -> Insn {
    Insn {
        op: b[0],
        dst: b[1] & 0xf,
        src: b[1] >> 4,
        off: i16::from_le_bytes([b[2], b[3]]),
        imm: i32::from_le_bytes([b[4], b[5], b[6], b[7]]),
        imm64: 0,
        target: NO_TARGET,
    }
}

impl Program {
    /// Builds a program from raw instructions (tests): one function "main" at 0.
    pub fn from_code(bytes: &[u8]) -> Program {
        let mut code: Vec<Insn> = bytes.chunks(8).map(decode).collect();
        fixup_lddw(&mut code);
        relative_calls(&mut code);
        let n = code.len();
        let mut entries = HashMap::new();
        entries.insert("main".to_string(), 0);
        Program {
            code,
            data: vec![],
            funcs: vec![Func {
                name: "main".into(),
                start: 0,
                end: n,
            }],
            func_of: vec![0; n],
            externs: vec![],
            entries,
        }
    }

    pub fn load(elf: &[u8]) -> Result<Program, String> {
        if elf.len() < 64 || &elf[0..4] != b"\x7fELF" || elf[4] != 2 || elf[5] != 1 {
            return Err("not a 64-bit little-endian ELF".into());
        }
        if u16le(elf, 18) != 247 {
            return Err(format!("e_machine {} is not EM_BPF (247)", u16le(elf, 18)));
        }
        let shoff = u64le(elf, 40) as usize;
        let shentsize = u16le(elf, 58) as usize;
        let shnum = u16le(elf, 60) as usize;
        let shstrndx = u16le(elf, 62) as usize;
        let raw = |i: usize| shoff + i * shentsize;
        let stroff = u64le(elf, raw(shstrndx) + 24) as usize;
        let mut shs = Vec::new();
        for i in 0..shnum {
            let o = raw(i);
            shs.push(Sh {
                name: cstr(elf, stroff + u32le(elf, o) as usize),
                typ: u32le(elf, o + 4),
                flags: u64le(elf, o + 8),
                offset: u64le(elf, o + 24) as usize,
                size: u64le(elf, o + 32) as usize,
                link: u32le(elf, o + 40),
                info: u32le(elf, o + 44),
                align: u64le(elf, o + 48).max(1),
            });
        }
        // symbols
        let symtab = shs
            .iter()
            .position(|s| s.typ == SHT_SYMTAB)
            .ok_or("no symbol table")?;
        let symstr = shs[shs[symtab].link as usize].offset;
        let mut syms = Vec::new();
        let st = &shs[symtab];
        for k in 0..st.size / 24 {
            let o = st.offset + k * 24;
            syms.push(Sym {
                name: cstr(elf, symstr + u32le(elf, o) as usize),
                typ: elf[o + 4] & 0xf,
                shndx: u16le(elf, o + 6),
                value: u64le(elf, o + 8),
                size: u64le(elf, o + 16),
            });
        }
        // layout: code sections, then data sections
        let mut code: Vec<Insn> = Vec::new();
        let mut code_base: HashMap<usize, usize> = HashMap::new();
        let mut data: Vec<u8> = Vec::new();
        let mut data_base: HashMap<usize, u64> = HashMap::new();
        for (i, s) in shs.iter().enumerate() {
            if s.flags & SHF_ALLOC == 0 {
                continue;
            }
            if s.flags & SHF_EXECINSTR != 0 {
                if s.size % 8 != 0 {
                    return Err(format!(
                        "section {} size {} not a multiple of 8",
                        s.name, s.size
                    ));
                }
                code_base.insert(i, code.len());
                code.extend(elf[s.offset..s.offset + s.size].chunks(8).map(decode));
            } else {
                let at = (data.len() as u64).div_ceil(s.align) * s.align;
                data.resize(at as usize, 0);
                data_base.insert(i, DATA_BASE + at);
                if s.typ == SHT_NOBITS {
                    data.resize(at as usize + s.size, 0);
                } else {
                    data.extend_from_slice(&elf[s.offset..s.offset + s.size]);
                }
            }
        }
        let sym_addr = |s: &Sym| -> Option<u64> {
            let i = s.shndx as usize;
            if let Some(&b) = code_base.get(&i) {
                Some(CODE_BASE + 8 * b as u64 + s.value)
            } else {
                data_base.get(&i).map(|&b| b + s.value)
            }
        };
        // relocations
        let mut externs: Vec<String> = Vec::new();
        let mut call_targets: Vec<(usize, u32)> = Vec::new();
        for s in shs.iter().filter(|s| s.typ == SHT_REL) {
            let target = s.info as usize;
            let is_code = code_base.contains_key(&target);
            if !is_code && !data_base.contains_key(&target) {
                continue; // debug info, BTF
            }
            for k in 0..s.size / 16 {
                let o = s.offset + k * 16;
                let r_off = u64le(elf, o) as usize;
                let info = u64le(elf, o + 8);
                let (sym, typ) = (&syms[(info >> 32) as usize], (info & 0xffff_ffff) as u32);
                if is_code {
                    let idx = code_base[&target] + r_off / 8;
                    match typ {
                        R_BPF_64_64 => {
                            let a = sym_addr(sym)
                                .ok_or_else(|| format!("lddw of undefined symbol {}", sym.name))?;
                            code[idx].imm64 = a.wrapping_add(code[idx].imm as u32 as u64);
                            code[idx].target = 0; // marks "relocated"
                        }
                        R_BPF_64_32 => {
                            if sym.shndx == 0 {
                                let e = match externs.iter().position(|n| n == &sym.name) {
                                    Some(e) => e,
                                    None => {
                                        externs.push(sym.name.clone());
                                        externs.len() - 1
                                    }
                                };
                                call_targets.push((idx, EXT_CALL | e as u32));
                            } else {
                                let base = *code_base
                                    .get(&(sym.shndx as usize))
                                    .ok_or("call into a data section")?;
                                let t =
                                    base as i64 + (sym.value / 8) as i64 + code[idx].imm as i64 + 1;
                                call_targets.push((idx, t as u32));
                            }
                        }
                        _ => {
                            return Err(format!(
                                "unsupported code relocation type {typ} ({})",
                                sym.name
                            ))
                        }
                    }
                } else {
                    let at = (data_base[&target] - DATA_BASE) as usize + r_off;
                    let a = sym_addr(sym)
                        .ok_or_else(|| format!("data relocation to undefined {}", sym.name))?;
                    match typ {
                        R_BPF_64_ABS64 => {
                            let v = u64le(&data, at).wrapping_add(a);
                            data[at..at + 8].copy_from_slice(&v.to_le_bytes());
                        }
                        R_BPF_64_ABS32 => {
                            let v = (u32le(&data, at) as u64).wrapping_add(a) as u32;
                            data[at..at + 4].copy_from_slice(&v.to_le_bytes());
                        }
                        _ => return Err(format!("unsupported data relocation type {typ}")),
                    }
                }
            }
        }
        // lddw without relocation: plain 64-bit constant
        fixup_lddw(&mut code);
        // calls: relocated ones first, then pc-relative BPF-to-BPF calls
        relative_calls(&mut code);
        for (idx, t) in call_targets {
            code[idx].target = t;
        }
        // functions
        let mut funcs: Vec<Func> = Vec::new();
        let mut entries = HashMap::new();
        for s in syms.iter().filter(|s| s.typ == 2) {
            if let Some(&b) = code_base.get(&(s.shndx as usize)) {
                let start = b + (s.value / 8) as usize;
                funcs.push(Func {
                    name: s.name.clone(),
                    start,
                    end: start + (s.size / 8) as usize,
                });
                entries.insert(s.name.clone(), start);
            }
        }
        funcs.sort_by_key(|f| f.start);
        let mut func_of = vec![usize::MAX; code.len()];
        for (i, f) in funcs.iter().enumerate() {
            for x in &mut func_of[f.start..f.end.min(code.len())] {
                *x = i;
            }
        }
        Ok(Program {
            code,
            data,
            funcs,
            func_of,
            externs,
            entries,
        })
    }
}

fn fixup_lddw(code: &mut [Insn]) {
    let mut i = 0;
    while i + 1 < code.len() {
        if code[i].op == 0x18 {
            if code[i].target != 0 {
                code[i].imm64 =
                    (code[i].imm as u32 as u64) | ((code[i + 1].imm as u32 as u64) << 32);
            }
            code[i].target = NO_TARGET;
            i += 2;
        } else {
            i += 1;
        }
    }
}

/// BPF-to-BPF calls (src = 1) not covered by a relocation: pc-relative.
fn relative_calls(code: &mut [Insn]) {
    for (pc, insn) in code.iter_mut().enumerate() {
        if insn.op == 0x85 {
            insn.target = if insn.src == 1 {
                (pc as i64 + insn.imm as i64 + 1) as u32
            } else {
                NO_TARGET
            };
        }
    }
}
