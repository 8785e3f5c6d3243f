use anchor_lang::prelude::*;

#[event]
pub struct DepositEvent {
    pub clearinghouse: Pubkey,
    pub margin_account: Pubkey,
    pub owner: Pubkey,
    pub mint: Pubkey,
    pub amount: u64,
    /// The account's balance of `mint` after the deposit, native units.
    pub balance_after: u64,
    pub timestamp: i64,
}

#[event]
pub struct WithdrawEvent {
    pub clearinghouse: Pubkey,
    pub margin_account: Pubkey,
    pub owner: Pubkey,
    pub mint: Pubkey,
    /// Token account that received the funds.
    pub destination: Pubkey,
    pub amount: u64,
    pub balance_after: u64,
    pub timestamp: i64,
}
