//! Instruction-level tests: the program runs natively inside solana-program-test (real bank,
//! real SPL Token program in the SBF VM). One test binary with modules, because every test
//! binary links the whole solana tree again.

#[macro_use]
mod support;

mod admin_tests;

mod clearinghouse_tests;
mod collateral_tests;
mod margin_account_tests;
mod margin_check_tests;
mod market_tests;
mod oracle_tests;
mod simulate_tests;
mod vol_tests;

mod funding_tests;
mod settlement_tests;
mod liquidation_tests;
mod trade_tests;
