use anchor_lang::prelude::*;
use anchor_spl::token::{self, Token, TokenAccount, Transfer};

use crate::errors::PmError;
use crate::events::WithdrawEvent;
use crate::state::*;

#[derive(Accounts)]
pub struct Withdraw<'info> {
    pub owner: Signer<'info>,
    pub clearinghouse: AccountLoader<'info, Clearinghouse>,
    #[account(
        mut,
        has_one = owner @ PmError::NotAccountOwner,
        has_one = clearinghouse @ PmError::WrongClearinghouse,
    )]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    #[account(mut, address = clearinghouse.load()?.quote_vault @ PmError::InvalidVault)]
    pub quote_vault: Account<'info, TokenAccount>,
    /// Any token account of the quote mint: the owner may withdraw to another wallet.
    #[account(mut, constraint = destination.mint == clearinghouse.load()?.quote_mint @ PmError::InvalidMint)]
    pub destination: Account<'info, TokenAccount>,
    pub token_program: Program<'info, Token>,
}

pub fn handler(ctx: Context<Withdraw>, amount: u64) -> Result<()> {
    require!(amount > 0, PmError::ZeroAmount);
    let mint = ctx.accounts.destination.mint;

    // Quote collateral carries no margin requirement until positions exist (later issues add
    // the initial-margin check here, before any token moves).
    let balance_after = {
        let mut account = ctx.accounts.margin_account.load_mut()?;
        let left = account.debit_collateral(&mint, amount)?;
        account.total_withdrawn = account.total_withdrawn.saturating_add(amount);
        left
    };

    let signer = ctx.accounts.clearinghouse.load()?.signer();
    token::transfer(
        CpiContext::new_with_signer(
            ctx.accounts.token_program.to_account_info(),
            Transfer {
                from: ctx.accounts.quote_vault.to_account_info(),
                to: ctx.accounts.destination.to_account_info(),
                authority: ctx.accounts.clearinghouse.to_account_info(),
            },
            &[&signer.seeds()],
        ),
        amount,
    )?;

    emit!(WithdrawEvent {
        clearinghouse: ctx.accounts.clearinghouse.key(),
        margin_account: ctx.accounts.margin_account.key(),
        owner: ctx.accounts.owner.key(),
        mint,
        destination: ctx.accounts.destination.key(),
        amount,
        balance_after,
        timestamp: Clock::get()?.unix_timestamp,
    });
    Ok(())
}
