use anchor_lang::prelude::*;
use anchor_spl::token::{self, Token, TokenAccount, Transfer};

use crate::errors::PmError;
use crate::events::WithdrawEvent;
use crate::margin::{evaluate_loaded, load_markets, MarketSet};
use crate::trading::accrue_funding;
use crate::oracle::Action;
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
    /// The vault of the destination's mint (checked against the clearinghouse's collateral list).
    #[account(mut)]
    pub vault: Account<'info, TokenAccount>,
    /// Any token account of the mint but the vault itself: the owner may withdraw to another
    /// wallet. (A transfer from the vault to itself moves nothing, yet the balance would be debited.)
    #[account(mut, constraint = destination.key() != vault.key() @ PmError::InvalidVault)]
    pub destination: Account<'info, TokenAccount>,
    pub token_program: Program<'info, Token>,
}

/// Moves `amount` of the destination's mint out of its vault, if the account still has equity >=
/// IM afterwards. Remaining accounts: `[market, oracle]` for each market the account holds
/// (positions or collateral of its underlying), ascending; oracles at the margin level.
pub fn handler<'info>(ctx: Context<'_, '_, 'info, 'info, Withdraw<'info>>, amount: u64) -> Result<()> {
    require!(amount > 0, PmError::ZeroAmount);
    let mint = ctx.accounts.destination.mint;
    let now = Clock::get()?.unix_timestamp;
    let (balance_after, signer) = {
        let ch = ctx.accounts.clearinghouse.load()?;
        let config = ch.collateral(&mint)?;
        require_keys_eq!(ctx.accounts.vault.key(), config.vault, PmError::InvalidVault);
        let mut account = ctx.accounts.margin_account.load_mut()?;
        let left = account.debit_collateral(&mint, amount)?;
        account.total_withdrawn = account.total_withdrawn.saturating_add(amount);
        let needed = MarketSet::of_account(&account, &ch)?;
        let markets = load_markets(ctx.remaining_accounts, &ctx.accounts.clearinghouse.key(), &ch, &needed, Action::Margin, now)?;
        // touch: perpetual funding owed moves into the basis (equity already counted it)
        for m in &markets {
            accrue_funding(&mut account, &*m.market.load()?)?;
        }
        let evaluation = evaluate_loaded(&account, &ch, &markets, &needed, now)?;
        evaluation.require_initial_margin()?;
        (left, ch.signer())
    };

    token::transfer(
        CpiContext::new_with_signer(
            ctx.accounts.token_program.to_account_info(),
            Transfer {
                from: ctx.accounts.vault.to_account_info(),
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
        timestamp: now,
    });
    Ok(())
}
