use anchor_lang::prelude::*;

use crate::errors::PmError;
use crate::events::CollateralUpdated;
use crate::state::*;

#[derive(Accounts)]
pub struct UpdateCollateral<'info> {
    /// The admin (any change within bounds) or the security authority (higher haircuts and a lower
    /// cap only).
    pub signer: Signer<'info>,
    #[account(mut)]
    pub clearinghouse: AccountLoader<'info, Clearinghouse>,
}

pub fn handler(ctx: Context<UpdateCollateral>, mint: Pubkey, haircut_mm_ppm: u32, haircut_im_ppm: u32, deposit_cap: u64) -> Result<()> {
    CollateralConfig::validate_haircuts(haircut_mm_ppm, haircut_im_ppm)?;
    let mut ch = ctx.accounts.clearinghouse.load_mut()?;
    let by_admin = ch.require_admin_or_security(&ctx.accounts.signer.key())?;
    let config = ch.collateral_mut(&mint)?;
    let old = *config;
    if !by_admin && (haircut_mm_ppm < old.haircut_mm_ppm || haircut_im_ppm < old.haircut_im_ppm || deposit_cap > old.deposit_cap) {
        msg!("security authority may only tighten: raise haircuts, lower the deposit cap");
        return err!(PmError::LooseningBySecurity);
    }
    config.haircut_mm_ppm = haircut_mm_ppm;
    config.haircut_im_ppm = haircut_im_ppm;
    config.deposit_cap = deposit_cap;
    emit!(CollateralUpdated {
        clearinghouse: ctx.accounts.clearinghouse.key(),
        mint,
        signer: ctx.accounts.signer.key(),
        old_haircut_mm_ppm: old.haircut_mm_ppm,
        new_haircut_mm_ppm: haircut_mm_ppm,
        old_haircut_im_ppm: old.haircut_im_ppm,
        new_haircut_im_ppm: haircut_im_ppm,
        old_deposit_cap: old.deposit_cap,
        new_deposit_cap: deposit_cap,
    });
    Ok(())
}
