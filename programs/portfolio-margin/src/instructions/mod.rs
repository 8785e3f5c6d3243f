// Glob re-exports are what `#[program]` needs (it looks up each accounts struct's generated
// client module at the crate root); only the per-file `handler` names collide, and lib.rs calls
// those by path.
#![allow(ambiguous_glob_reexports)]

pub mod close_margin_account;
pub mod create_margin_account;
pub mod deposit;
pub mod initialize_clearinghouse;
pub mod withdraw;

pub use close_margin_account::*;
pub use create_margin_account::*;
pub use deposit::*;
pub use initialize_clearinghouse::*;
pub use withdraw::*;
