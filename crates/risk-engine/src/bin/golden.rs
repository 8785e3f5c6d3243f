//! Writes the golden vectors: `cargo run -p risk-engine --bin risk-golden [-- OUT]`
//! (default `crates/risk-engine/golden/vectors.json`).
#[path = "../../golden/gen.rs"]
mod gen;

fn main() {
    let out = std::env::args().nth(1).unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/golden/vectors.json").to_string());
    let s = gen::generate();
    std::fs::write(&out, &s).expect("write vectors");
    let errs = s.matches("\"error\"").count();
    let marks = s.matches("\"case\":").count();
    eprintln!("wrote {} ({} bytes, {} margin + {} price + {} mark-value vectors, {} error cases)", out, s.len(), gen::N_MARGIN, gen::N_PRICE, marks, errs);
    let ts = concat!(env!("CARGO_MANIFEST_DIR"), "/../../app/src/risk/params.generated.ts");
    std::fs::write(ts, gen::params_ts()).expect("write params.generated.ts");
    eprintln!("wrote {ts}");
}
