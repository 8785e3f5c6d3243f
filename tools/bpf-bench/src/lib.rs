//! eBPF loader and counting interpreter (see `vm.rs`).
pub mod elf;
pub mod vm;
