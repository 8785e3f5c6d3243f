pub mod clearinghouse;
pub mod margin_account;

pub use clearinghouse::*;
pub use margin_account::*;
