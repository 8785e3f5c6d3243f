//! `npm run tables`: rewrite `crates/risk-engine/src/tables.rs` from `gen.rs`.
mod gen;

fn main() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../crates/risk-engine/src/tables.rs");
    std::fs::write(path, gen::generate()).expect("write crates/risk-engine/src/tables.rs");
    let ts = concat!(env!("CARGO_MANIFEST_DIR"), "/../../app/src/risk/tables.generated.ts");
    std::fs::write(ts, gen::generate_ts()).expect("write app/src/risk/tables.generated.ts");
    println!("wrote crates/risk-engine/src/tables.rs and app/src/risk/tables.generated.ts");
}
