use anchor_lang::prelude::*;
use anchor_spl::token::{self, Token, TokenAccount, Transfer};

use crate::errors::PmError;
use crate::events::DepositEvent;
use crate::margin::MarketSet;
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
    /// The vault of the source's mint (checked against the clearinghouse's collateral list).
    #[account(mut)]
    pub vault: Account<'info, TokenAccount>,
    #[account(mut, constraint = source.owner == owner.key() @ PmError::InvalidTokenOwner)]
    pub source: Account<'info, TokenAccount>,
    pub token_program: Program<'info, Token>,
}

/// Moves `amount` of a listed collateral mint from the owner's token account into its vault.
/// Needs no oracle: a deposit only adds collateral (the account may not span more than 4 markets).
pub fn handler(ctx: Context<Deposit>, amount: u64) -> Result<()> {
    require!(amount > 0, PmError::ZeroAmount);
    require!(ctx.accounts.source.amount >= amount, PmError::InsufficientSourceFunds);
    let mint = ctx.accounts.source.mint;
    let balance_after = {
        let ch = ctx.accounts.clearinghouse.load()?;
        let config = ch.collateral(&mint)?;
        require_keys_eq!(ctx.accounts.vault.key(), config.vault, PmError::InvalidVault);
        let vault_after = ctx.accounts.vault.amount.checked_add(amount).ok_or(PmError::MathOverflow)?;
        require!(vault_after <= config.deposit_cap, PmError::DepositCapExceeded);
        let mut account = ctx.accounts.margin_account.load_mut()?;
        let balance = if mint == ch.quote_mint {
            // a quote deposit pays any quote debt first
            account.add_quote(&mint, i64::try_from(amount).map_err(|_| error!(PmError::MathOverflow))?)?;
            account.collateral_balance(&mint)
        } else {
            require!(account.has_collateral_slot_for(&mint, &ch.quote_mint), PmError::CollateralSlotsFull);
            account.credit_collateral(&mint, amount)?
        };
        MarketSet::of_account(&account, &ch)?;
        account.total_deposited = account.total_deposited.saturating_add(amount);
        balance
    };

    token::transfer(
        CpiContext::new(
            ctx.accounts.token_program.to_account_info(),
            Transfer {
                from: ctx.accounts.source.to_account_info(),
                to: ctx.accounts.vault.to_account_info(),
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
