use anchor_lang::prelude::*;

use crate::errors::PmError;
use crate::events::QuotesCancelled;
use crate::state::*;

#[derive(Accounts)]
pub struct CancelQuotes<'info> {
    pub owner: Signer<'info>,
    #[account(mut, has_one = owner @ PmError::NotAccountOwner)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
}

/// The maker's kill switch: every quote of this account with a nonce below `nonce_floor` can no
/// longer fill.
pub fn handler(ctx: Context<CancelQuotes>, nonce_floor: u64) -> Result<()> {
    let mut account = ctx.accounts.margin_account.load_mut()?;
    account.cancel_quotes_below(nonce_floor)?;
    emit!(QuotesCancelled { margin_account: ctx.accounts.margin_account.key(), nonce_floor });
    Ok(())
}
