//! The committed constants of the Q32 kernels are exactly what the generator produces.
#[path = "../../../tools/gen-tables/src/gen.rs"]
mod gen;

#[test]
fn tables_are_generated() {
    let committed = include_str!("../src/tables.rs");
    assert!(committed == gen::generate(), "src/tables.rs differs from its generator: run `npm run tables`");
    let ts = include_str!("../../../app/src/risk/tables.generated.ts");
    assert!(ts == gen::generate_ts(), "app/src/risk/tables.generated.ts differs from its generator: run `npm run tables`");
}
