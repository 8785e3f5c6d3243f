use anchor_lang::prelude::*;

use crate::errors::PmError;
use crate::state::*;

#[derive(Accounts)]
pub struct CloseMarginAccount<'info> {
    pub owner: Signer<'info>,
    pub clearinghouse: AccountLoader<'info, Clearinghouse>,
    #[account(
        mut,
        close = rent_receiver,
        has_one = owner @ PmError::NotAccountOwner,
        has_one = clearinghouse @ PmError::WrongClearinghouse,
    )]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// CHECK: only receives lamports.
    #[account(mut)]
    pub rent_receiver: UncheckedAccount<'info>,
}

pub fn handler(ctx: Context<CloseMarginAccount>) -> Result<()> {
    require!(ctx.accounts.margin_account.load()?.is_empty(), PmError::AccountNotEmpty);
    Ok(())
}
