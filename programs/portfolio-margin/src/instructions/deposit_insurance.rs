use anchor_lang::prelude::*;
use anchor_spl::token::{self, Token, TokenAccount, Transfer};

use crate::errors::PmError;
use crate::events::InsuranceDeposited;
use crate::state::*;

#[derive(Accounts)]
pub struct DepositInsurance<'info> {
    pub depositor: Signer<'info>,
    #[account(mut, has_one = insurance_vault @ PmError::InvalidVault)]
    pub clearinghouse: AccountLoader<'info, Clearinghouse>,
    #[account(mut, constraint = source.owner == depositor.key() @ PmError::InvalidTokenOwner)]
    pub source: Account<'info, TokenAccount>,
    #[account(mut)]
    pub insurance_vault: Account<'info, TokenAccount>,
    pub token_program: Program<'info, Token>,
}

/// Anyone: moves `amount` of the quote mint from the depositor's token account into the insurance
/// fund. A gift: the fund has no shares (it pays bankrupt accounts' deficits).
pub fn handler(ctx: Context<DepositInsurance>, amount: u64) -> Result<()> {
    require!(amount > 0, PmError::ZeroAmount);
    require!(ctx.accounts.source.amount >= amount, PmError::InsufficientSourceFunds);
    token::transfer(
        CpiContext::new(
            ctx.accounts.token_program.to_account_info(),
            Transfer {
                from: ctx.accounts.source.to_account_info(),
                to: ctx.accounts.insurance_vault.to_account_info(),
                authority: ctx.accounts.depositor.to_account_info(),
            },
        ),
        amount,
    )?;
    {
        let mut ch = ctx.accounts.clearinghouse.load_mut()?;
        ch.insurance_deposited = ch.insurance_deposited.saturating_add(amount);
    }
    ctx.accounts.insurance_vault.reload()?;
    emit!(InsuranceDeposited {
        clearinghouse: ctx.accounts.clearinghouse.key(),
        depositor: ctx.accounts.depositor.key(),
        amount,
        insurance_balance: ctx.accounts.insurance_vault.amount,
        timestamp: Clock::get()?.unix_timestamp,
    });
    Ok(())
}
