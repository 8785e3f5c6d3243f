use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token, TokenAccount};

use crate::errors::PmError;
use crate::events::CollateralAdded;
use crate::state::*;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug)]
pub struct AddCollateralParams {
    /// The market whose oracle prices the token and whose scenarios move it, or `QUOTE_MARKET`
    /// (65535) for a stablecoin valued at 1.0.
    pub market_index: u16,
    /// The token's liquidation cost (ppm): MM <= IM <= 95%.
    pub haircut_mm_ppm: u32,
    pub haircut_im_ppm: u32,
    /// Deposits stop once the vault would hold more (native units).
    pub deposit_cap: u64,
}

#[derive(Accounts)]
pub struct AddCollateral<'info> {
    #[account(mut)]
    pub admin: Signer<'info>,
    #[account(mut, has_one = admin @ PmError::NotAdmin)]
    pub clearinghouse: AccountLoader<'info, Clearinghouse>,
    pub mint: Account<'info, Mint>,
    #[account(
        init,
        payer = admin,
        seeds = [COLLATERAL_VAULT_SEED, clearinghouse.key().as_ref(), mint.key().as_ref()],
        bump,
        token::mint = mint,
        token::authority = clearinghouse,
    )]
    pub vault: Account<'info, TokenAccount>,
    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<AddCollateral>, p: AddCollateralParams) -> Result<()> {
    CollateralConfig::validate_haircuts(p.haircut_mm_ppm, p.haircut_im_ppm)?;
    let decimals = ctx.accounts.mint.decimals;
    let mut ch = ctx.accounts.clearinghouse.load_mut()?;
    require!(
        decimals <= MAX_COLLATERAL_DECIMALS && (p.market_index == QUOTE_MARKET || p.market_index < ch.num_markets),
        PmError::InvalidCollateralConfig
    );
    let mint = ctx.accounts.mint.key();
    require!(ch.collateral(&mint).is_err(), PmError::CollateralAlreadyListed);
    let n = ch.num_collaterals as usize;
    require!(n < MAX_COLLATERAL_MINTS, PmError::CollateralRegistryFull);
    ch.collaterals[n] = CollateralConfig {
        mint,
        vault: ctx.accounts.vault.key(),
        deposit_cap: p.deposit_cap,
        haircut_mm_ppm: p.haircut_mm_ppm,
        haircut_im_ppm: p.haircut_im_ppm,
        market_index: p.market_index,
        decimals,
        vault_bump: ctx.bumps.vault,
        ..CollateralConfig::default()
    };
    ch.num_collaterals += 1;
    emit!(CollateralAdded {
        clearinghouse: ctx.accounts.clearinghouse.key(),
        mint,
        vault: ctx.accounts.vault.key(),
        market_index: p.market_index,
        haircut_mm_ppm: p.haircut_mm_ppm,
        haircut_im_ppm: p.haircut_im_ppm,
        deposit_cap: p.deposit_cap,
    });
    Ok(())
}
