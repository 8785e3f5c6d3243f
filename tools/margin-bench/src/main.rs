//! `margin-bench <engine|program> <legs> <underlyings> <iterations>` (scripts/bench.js runs it under
//! callgrind and subtracts a 0-iteration run).
//!
//! Builds the engine's reference portfolio as the program's accounts (a clearinghouse, one `Market`
//! per underlying with its instruments and a `PriceUpdateV2` oracle, a margin account) and runs
//! either the engine alone on the reference inputs (`engine`) or the program's whole margin check,
//! `margin::evaluate_account`: remaining accounts, oracle reads, engine inputs, evaluation
//! (`program`). The difference is what the program adds to the engine's cost.
use anchor_lang::prelude::{AccountInfo, Pubkey};
use anchor_lang::Discriminator;
use portfolio_margin::margin::evaluate_account;
use portfolio_margin::oracle::{Action, OracleSource, PRICE_UPDATE_V2_DISCRIMINATOR, PYTH_RECEIVER_PROGRAM_ID};
use portfolio_margin::state::*;
use risk_engine::reference::{Reference, REF_NOW};
use risk_engine::{evaluate_into, Account, GlobalParams, Kind, Workspace};
use std::hint::black_box;

fn leak<T>(v: T) -> &'static mut T {
    Box::leak(Box::new(v))
}

fn account_info(key: Pubkey, owner: Pubkey, data: Vec<u8>) -> AccountInfo<'static> {
    AccountInfo::new(leak(key), false, false, leak(1_000_000_000u64), Box::leak(data.into_boxed_slice()), leak(owner), false, 0)
}

fn zero_copy<T: bytemuck::Pod + Discriminator>(value: &T) -> Vec<u8> {
    let mut data = T::DISCRIMINATOR.to_vec();
    data.extend_from_slice(bytemuck::bytes_of(value));
    data
}

/// A fully verified PriceUpdateV2 at `price`, `conf` (exponent -6: already at 1e6).
fn price_update(feed_id: [u8; 32], price: u64, conf: u64, publish_time: i64) -> Vec<u8> {
    let mut d = PRICE_UPDATE_V2_DISCRIMINATOR.to_vec();
    d.extend_from_slice(&[0u8; 32]); // write authority
    d.push(1); // verification level: Full
    d.extend_from_slice(&feed_id);
    d.extend_from_slice(&(price as i64).to_le_bytes());
    d.extend_from_slice(&conf.to_le_bytes());
    d.extend_from_slice(&(-6i32).to_le_bytes());
    d.extend_from_slice(&publish_time.to_le_bytes());
    d.extend_from_slice(&publish_time.to_le_bytes());
    d.extend_from_slice(&(price as i64).to_le_bytes());
    d.extend_from_slice(&conf.to_le_bytes());
    d.extend_from_slice(&0u64.to_le_bytes()); // posted slot
    d.resize(134, 0);
    d
}

struct Setup {
    clearinghouse_key: Pubkey,
    clearinghouse: Box<Clearinghouse>,
    account: Box<MarginAccount>,
    remaining: &'static [AccountInfo<'static>],
}

fn setup(r: &Reference) -> Setup {
    let clearinghouse_key = Pubkey::new_unique();
    let quote_mint = Pubkey::new_unique();
    let mut ch: Box<Clearinghouse> = bytemuck::zeroed_box();
    ch.pyth_receiver_program = PYTH_RECEIVER_PROGRAM_ID;
    ch.global_params = GlobalParams::DEFAULTS.fields();
    ch.collaterals[0] = CollateralConfig { mint: quote_mint, market_index: QUOTE_MARKET, decimals: 6, ..Default::default() };
    ch.num_collaterals = 1;
    let mut account: Box<MarginAccount> = bytemuck::zeroed_box();
    account.clearinghouse = clearinghouse_key;
    let mut remaining = Vec::new();
    for (i, m) in r.markets[..r.n_markets].iter().enumerate() {
        let mut market: Box<Market> = bytemuck::zeroed_box();
        market.clearinghouse = clearinghouse_key;
        market.oracle = Pubkey::new_unique();
        market.feed_id = [i as u8 + 1; 32];
        market.params = m.params.fields();
        market.oracle_limits = OracleLimitsConfig::DEFAULT;
        market.vol_guards = VolGuards::DEFAULT;
        market.vol_updated_at = REF_NOW;
        market.market_index = i as u16;
        market.oracle_source = OracleSource::PythPull as u8;
        market.num_expiries = m.n_slices;
        for (e, s) in market.expiries.iter_mut().zip(&m.slices[..m.n_slices as usize]) {
            *e = Expiry { expiry: s.expiry, atm_ppm: s.atm_ppm, skew_ppm: s.skew_ppm, curv_ppm: s.curv_ppm, basis_ppm: s.basis_ppm, settlement_price: 0 };
        }
        market.num_instruments = 1; // the perpetual
        for (slot, p) in r.positions[..r.n_positions].iter().enumerate().filter(|(_, p)| p.market as usize == i) {
            let index = if p.kind == Kind::Perp {
                0
            } else {
                let n = market.num_instruments as usize;
                market.instruments[n] = Instrument { strike: p.strike, kind: p.kind as u8, expiry_index: p.slice, ..Default::default() };
                market.num_instruments += 1;
                n as u16
            };
            account.positions[slot] = Position {
                market_index: i as u16,
                instrument_index: index,
                size: p.size,
                cost_basis: p.cost,
                ..Default::default()
            };
        }
        remaining.push(account_info(Pubkey::new_unique(), portfolio_margin::ID, zero_copy(&*market)));
        remaining.push(account_info(market.oracle, PYTH_RECEIVER_PROGRAM_ID, price_update(market.feed_id, m.spot, m.conf, REF_NOW)));
    }
    account.collaterals[0] = CollateralBalance { mint: quote_mint, amount: r.collateral[0].amount as u64, ..Default::default() };
    Setup { clearinghouse_key, clearinghouse: ch, account, remaining: Box::leak(remaining.into_boxed_slice()) }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (mode, legs, unds, iters) = match &args[1..] {
        [m, l, u, n] => (m.clone(), l.parse().unwrap(), u.parse().unwrap(), n.parse::<usize>().unwrap()),
        _ => panic!("usage: margin-bench <engine|program> <legs> <underlyings> <iterations>"),
    };
    let r = Reference::new(legs, unds).expect("reference portfolio");
    let s = setup(&r);
    let g = GlobalParams::default();
    let engine_account = Account { global: &g, markets: r.markets(), positions: r.positions(), collateral: r.collateral(), now: REF_NOW };
    let mut ws = Box::new(Workspace::new());
    evaluate_into(&mut ws, &engine_account).expect("engine");
    // the program's check must see exactly the reference inputs
    let program = evaluate_account(&s.account, &s.clearinghouse_key, &s.clearinghouse, s.remaining, Action::Margin, REF_NOW).expect("program");
    assert_eq!(*program.result(), ws.out, "the accounts do not encode the reference portfolio");
    let mut im = 0;
    for _ in 0..iters {
        match mode.as_str() {
            "engine" => {
                evaluate_into(&mut ws, black_box(&engine_account)).unwrap();
                im = ws.out.im;
            }
            _ => {
                let e = evaluate_account(black_box(&s.account), &s.clearinghouse_key, &s.clearinghouse, s.remaining, Action::Margin, REF_NOW).unwrap();
                im = e.result().im;
            }
        }
    }
    println!("{mode} legs={legs} underlyings={unds} im={im}");
}
