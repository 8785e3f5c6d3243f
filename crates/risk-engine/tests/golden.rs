//! CI check: regenerate the golden vectors in memory and compare with the committed file byte for
//! byte (run `npm run golden` to rewrite it after an intended change).
#[path = "../golden/gen.rs"]
mod gen;

#[test]
fn golden_vectors_are_up_to_date() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/golden/vectors.json");
    let committed = std::fs::read_to_string(path).expect("golden/vectors.json missing: run `npm run golden`");
    let fresh = gen::generate();
    if committed != fresh {
        let line = committed.lines().zip(fresh.lines()).position(|(a, b)| a != b).unwrap_or(0);
        panic!("golden vectors differ from the engine's output (first differing line {}); run `npm run golden` if the change is intended", line + 1);
    }
    assert!(fresh.matches("\"equity\"").count() >= 900, "too few successful margin vectors");
    let ts = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../app/src/risk/params.generated.ts")).expect("params.generated.ts missing: run `npm run golden`");
    assert!(ts == gen::params_ts(), "app/src/risk/params.generated.ts differs from src/params.rs: run `npm run golden`");
}
