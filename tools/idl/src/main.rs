//! `idl <program dir> <out.json>`: builds the IDL the way `anchor build` does and writes it.
//!
//! The builder runs `cargo test __anchor_private_print_idl --features idl-build` in the program
//! directory with its own RUSTFLAGS, so the caller points CARGO_TARGET_DIR at a separate
//! directory to keep the main build cache warm.
use std::path::PathBuf;

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(program), Some(out)) = (args.next(), args.next()) else {
        eprintln!("usage: idl <program dir> <out.json>");
        std::process::exit(2);
    };
    // anchor-lang-idl 0.1.4 turns a set RUSTUP_TOOLCHAIN into a literal `+{toolchain}` argument,
    // which cargo rejects; without it the builder uses the default (stable) toolchain.
    std::env::remove_var("RUSTUP_TOOLCHAIN");
    let program = std::fs::canonicalize(PathBuf::from(program)).expect("program dir exists");
    let idl = anchor_lang_idl::build::IdlBuilder::new()
        .program_path(program)
        .build()
        .unwrap_or_else(|e| {
            eprintln!("IDL build failed: {e}");
            std::process::exit(1);
        });
    let json = serde_json::to_string_pretty(&idl).expect("IDL serialises") + "\n";
    std::fs::write(&out, json).expect("write IDL");
}
