//! Real-market check: every row of every `deribit_btc_eth_option_chain_*.csv` repriced with both
//! our Black-76s (the precise path of `pm price` and the margin path's Q32 pricer; undiscounted, on
//! `futures_price`, `implied_volatility`, `time_to_maturity`) must match Deribit's `mark_price` (in
//! coin) within 2e-4. Data dir: `$PM_MARKET_DATA` or the repository's `data/market/` (both chains
//! are committed there). Absent data: the check prints NOT RUN (and fails when
//! `PM_REQUIRE_MARKET_DATA=1`), it never reports a pass.
mod common;
use common::*;
use risk_engine::wide::ONE;
use risk_engine::{black76, OptionKind};
use std::path::PathBuf;

fn data_dir() -> PathBuf {
    match std::env::var("PM_MARKET_DATA") {
        Ok(d) => PathBuf::from(d),
        Err(_) => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/market"),
    }
}

/// Value (USD) of one option priced by the margin path's pricer at the base scenario.
fn fast_value(call: bool, f: u64, k: u64, iv: f64, ttm: f64) -> f64 {
    use risk_engine::pricer::{OptionPrep, OptionSpec};
    use risk_engine::{MarketParams, MarketPrep, MarketState, VolSlice};
    let now = 1_700_000_000i64;
    let mut m = MarketState::new(f, 0, MarketParams::default());
    let secs = (ttm * risk_engine::YEAR_SECONDS as f64).round() as i64;
    m.push_slice(VolSlice { expiry: now + secs, atm_ppm: (iv * 1e6).round() as i64, skew_ppm: 0, curv_ppm: 0, basis_ppm: 0 }).unwrap();
    let mut mp = MarketPrep::EMPTY;
    mp.init(&m).unwrap();
    mp.ensure_slice(&m, 0, now).unwrap();
    let mut op = OptionPrep::EMPTY;
    op.init(&mp, &mp.slices[0], &OptionSpec { call, strike: k, stale: false }).unwrap();
    op.value_px(0, 0) as f64 / (1u64 << mp.price_bits) as f64 / 1e6
}

#[test]
fn deribit_chains_reprice_within_2e4() {
    let dir = data_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    let n = p.file_name().unwrap().to_string_lossy().to_string();
                    n.starts_with("deribit_btc_eth_option_chain_") && n.ends_with(".csv")
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    if files.is_empty() {
        eprintln!("deribit check: NOT RUN (no deribit_btc_eth_option_chain_*.csv in {})", dir.display());
        assert!(std::env::var("PM_REQUIRE_MARKET_DATA").as_deref() != Ok("1"), "market data required but absent");
        return;
    }
    let mut total = 0usize;
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let col = |name: &str| header.iter().position(|h| *h == name).unwrap_or_else(|| panic!("column {name}"));
        let (ct, ck, cttm, cm, cf, civ, cn) = (
            col("option_type"),
            col("strike"),
            col("time_to_maturity"),
            col("mark_price"),
            col("futures_price"),
            col("implied_volatility"),
            col("instrument_name"),
        );
        let (mut worst, mut worst_name, mut rows) = (0.0f64, String::new(), 0usize);
        for line in lines.filter(|l| !l.trim().is_empty()) {
            let c: Vec<&str> = line.split(',').collect();
            let num = |i: usize| c[i].parse::<f64>().unwrap_or_else(|_| panic!("{}: bad number {:?}", path.display(), c[i]));
            let (fut, strike, ttm, mark, iv) = (num(cf), num(ck), num(cttm), num(cm), num(civ));
            let kind = if c[ct] == "call" { OptionKind::Call } else { OptionKind::Put };
            let f = (fut * 1e6).round() as u64;
            let k = (strike * 1e6).round() as u64;
            let g = black76(kind, f, k, to_q(iv), to_q(ttm), ONE).unwrap();
            let ours = g.value as f64 / 1e6 / fut;
            // the margin path's Q32 pricer on the same inputs (a market at F, no basis)
            let fast = fast_value(c[ct] == "call", f, k, iv, ttm) / fut;
            assert!((fast - mark).abs() <= 2e-4, "{} {}: margin-path pricer {fast} vs mark {mark}", path.display(), c[cn]);
            let err = (ours - mark).abs().max((fast - mark).abs());
            if err > worst {
                worst = err;
                worst_name = c[cn].to_string();
            }
            assert!(err <= 2e-4, "{} {}: ours {ours} vs mark {mark}", path.display(), c[cn]);
            rows += 1;
        }
        assert!(rows > 100, "{}: only {rows} rows", path.display());
        println!("deribit check {}: {rows} rows, max |ours/F - mark| = {worst:.3e} ({worst_name})", path.file_name().unwrap().to_string_lossy());
        total += rows;
    }
    println!("deribit check: PASSED on {total} rows in {} files", files.len());
}
