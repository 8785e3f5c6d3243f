// Glob re-exports are what `#[program]` needs (it looks up each accounts struct's generated
// client module at the crate root); only the per-file `handler` names collide, and lib.rs calls
// those by path.
#![allow(ambiguous_glob_reexports)]

pub mod add_collateral;
pub mod deposit_insurance;
pub mod liquidate;
pub mod resolve_bankruptcy;
pub mod update_trading_params;
pub mod update_funding;
pub mod trade;
pub mod sweep_fees;
pub mod settle_positions;
pub mod settle_expiry;
pub mod cancel_quotes;
pub mod add_expiry;
pub mod add_market;
pub mod close_margin_account;
pub mod create_margin_account;
pub mod deposit;
pub mod initialize_clearinghouse;
pub mod list_instruments;
pub mod set_market_status;
pub mod simulate_margin;
pub mod update_clearinghouse_config;
pub mod update_collateral;
pub mod update_global_params;
pub mod update_market_config;
pub mod update_market_params;
pub mod update_vol_params;
pub mod withdraw;

pub use add_collateral::*;
pub use deposit_insurance::*;
pub use liquidate::*;
pub use resolve_bankruptcy::*;
pub use update_trading_params::*;
pub use update_funding::*;
pub use trade::*;
pub use sweep_fees::*;
pub use settle_positions::*;
pub use settle_expiry::*;
pub use cancel_quotes::*;
pub use add_expiry::*;
pub use add_market::*;
pub use close_margin_account::*;
pub use create_margin_account::*;
pub use deposit::*;
pub use initialize_clearinghouse::*;
pub use list_instruments::*;
pub use set_market_status::*;
pub use simulate_margin::*;
pub use update_clearinghouse_config::*;
pub use update_collateral::*;
pub use update_global_params::*;
pub use update_market_config::*;
pub use update_market_params::*;
pub use update_vol_params::*;
pub use withdraw::*;
