use anchor_lang::prelude::*;

use crate::state::*;

#[derive(Accounts)]
#[instruction(account_index: u16)]
pub struct CreateMarginAccount<'info> {
    pub owner: Signer<'info>,
    /// Pays the rent; may differ from `owner` so apps can sponsor accounts.
    #[account(mut)]
    pub payer: Signer<'info>,
    pub clearinghouse: AccountLoader<'info, Clearinghouse>,
    #[account(
        init,
        payer = payer,
        space = MarginAccount::SPACE,
        seeds = [MARGIN_ACCOUNT_SEED, clearinghouse.key().as_ref(), owner.key().as_ref(), &account_index.to_le_bytes()],
        bump,
    )]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<CreateMarginAccount>, account_index: u16) -> Result<()> {
    let mut account = ctx.accounts.margin_account.load_init()?;
    account.clearinghouse = ctx.accounts.clearinghouse.key();
    account.owner = ctx.accounts.owner.key();
    account.account_index = account_index;
    account.bump = ctx.bumps.margin_account;
    Ok(())
}
