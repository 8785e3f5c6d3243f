pub mod clearinghouse;
pub mod margin_account;
pub mod market;

pub use clearinghouse::*;
pub use margin_account::*;
pub use market::*;
