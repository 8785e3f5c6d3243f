//! portfolio-margin: an on-chain portfolio-margin clearinghouse.
//!
//! Each handler here is one line: account validation lives in `instructions/`, stored layouts
//! in `state/`, and the risk math in the `risk-engine` crate, so a change to one never touches
//! the others.
#![allow(unexpected_cfgs)]

use anchor_lang::prelude::*;

pub mod errors;
pub mod events;
pub mod instructions;
pub mod state;

use instructions::*;

declare_id!("5UJANWP8QFt2rHrCkxcRveooCCarpwM4MwjZapi6jjUu");

#[program]
pub mod portfolio_margin {
    use super::*;

    /// Creates a clearinghouse (admin, quote mint, quote vault and insurance-fund vault).
    pub fn initialize_clearinghouse(ctx: Context<InitializeClearinghouse>, index: u16) -> Result<()> {
        instructions::initialize_clearinghouse::handler(ctx, index)
    }

    /// Creates a margin account for `owner`; one wallet may hold several (by `account_index`).
    pub fn create_margin_account(ctx: Context<CreateMarginAccount>, account_index: u16) -> Result<()> {
        instructions::create_margin_account::handler(ctx, account_index)
    }

    /// Moves quote tokens from the owner's token account into the clearinghouse vault.
    pub fn deposit(ctx: Context<Deposit>, amount: u64) -> Result<()> {
        instructions::deposit::handler(ctx, amount)
    }

    /// Moves quote tokens from the clearinghouse vault to any token account of the quote mint.
    pub fn withdraw(ctx: Context<Withdraw>, amount: u64) -> Result<()> {
        instructions::withdraw::handler(ctx, amount)
    }

    /// Closes an empty margin account and returns its rent.
    pub fn close_margin_account(ctx: Context<CloseMarginAccount>) -> Result<()> {
        instructions::close_margin_account::handler(ctx)
    }
}
