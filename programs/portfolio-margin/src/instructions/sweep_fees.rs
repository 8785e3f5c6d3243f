use anchor_lang::prelude::*;
use anchor_spl::token::{self, Token, TokenAccount, Transfer};

use crate::errors::PmError;
use crate::events::FeesSwept;
use crate::state::*;

#[derive(Accounts)]
pub struct SweepFees<'info> {
    pub admin: Signer<'info>,
    #[account(has_one = admin @ PmError::NotAdmin, has_one = quote_vault @ PmError::InvalidVault, has_one = insurance_vault @ PmError::InvalidVault)]
    pub clearinghouse: AccountLoader<'info, Clearinghouse>,
    #[account(mut, has_one = clearinghouse @ PmError::WrongMarket)]
    pub market: AccountLoader<'info, Market>,
    #[account(mut)]
    pub quote_vault: Account<'info, TokenAccount>,
    #[account(mut)]
    pub insurance_vault: Account<'info, TokenAccount>,
    pub token_program: Program<'info, Token>,
}

/// Admin: moves `amount` of the market's collected fees from the quote vault into the insurance
/// fund (fees accrue in the market, not in a separate token account, so a trade write-locks
/// nothing but the two margin accounts and the market).
pub fn handler(ctx: Context<SweepFees>, amount: u64) -> Result<()> {
    require!(amount > 0, PmError::ZeroAmount);
    let fee_pool_after = {
        let mut market = ctx.accounts.market.load_mut()?;
        market.fee_pool = market.fee_pool.checked_sub(amount).ok_or(PmError::InsufficientFees)?;
        market.fee_pool
    };
    let signer = ctx.accounts.clearinghouse.load()?.signer();
    token::transfer(
        CpiContext::new_with_signer(
            ctx.accounts.token_program.to_account_info(),
            Transfer {
                from: ctx.accounts.quote_vault.to_account_info(),
                to: ctx.accounts.insurance_vault.to_account_info(),
                authority: ctx.accounts.clearinghouse.to_account_info(),
            },
            &[&signer.seeds()],
        ),
        amount,
    )?;
    emit!(FeesSwept { market: ctx.accounts.market.key(), amount, fee_pool_after });
    Ok(())
}
