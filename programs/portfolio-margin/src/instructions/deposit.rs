use anchor_lang::prelude::*;
use anchor_spl::token::{self, Token, TokenAccount, Transfer};

use crate::errors::PmError;
use crate::events::DepositEvent;
use crate::state::*;

#[derive(Accounts)]
pub struct Deposit<'info> {
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
    #[account(
        mut,
        constraint = source.mint == clearinghouse.load()?.quote_mint @ PmError::InvalidMint,
        constraint = source.owner == owner.key() @ PmError::InvalidTokenOwner,
    )]
    pub source: Account<'info, TokenAccount>,
    pub token_program: Program<'info, Token>,
}

pub fn handler(ctx: Context<Deposit>, amount: u64) -> Result<()> {
    require!(amount > 0, PmError::ZeroAmount);
    require!(ctx.accounts.source.amount >= amount, PmError::InsufficientSourceFunds);
    let mint = ctx.accounts.source.mint;

    let balance_after = {
        let mut account = ctx.accounts.margin_account.load_mut()?;
        let balance = account.credit_collateral(&mint, amount)?;
        account.total_deposited = account.total_deposited.saturating_add(amount);
        balance
    };

    token::transfer(
        CpiContext::new(
            ctx.accounts.token_program.to_account_info(),
            Transfer {
                from: ctx.accounts.source.to_account_info(),
                to: ctx.accounts.quote_vault.to_account_info(),
                authority: ctx.accounts.owner.to_account_info(),
            },
        ),
        amount,
    )?;

    emit!(DepositEvent {
        clearinghouse: ctx.accounts.clearinghouse.key(),
        margin_account: ctx.accounts.margin_account.key(),
        owner: ctx.accounts.owner.key(),
        mint,
        amount,
        balance_after,
        timestamp: Clock::get()?.unix_timestamp,
    });
    Ok(())
}
