use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token, TokenAccount};

use risk_engine::GlobalParams;

use crate::errors::PmError;
use crate::oracle::{PYTH_LEGACY_PROGRAM_ID_MAINNET, PYTH_RECEIVER_PROGRAM_ID};
use crate::state::*;

#[derive(Accounts)]
#[instruction(index: u16)]
pub struct InitializeClearinghouse<'info> {
    #[account(mut)]
    pub admin: Signer<'info>,
    #[account(
        init,
        payer = admin,
        space = Clearinghouse::SPACE,
        seeds = [CLEARINGHOUSE_SEED, admin.key().as_ref(), &index.to_le_bytes()],
        bump,
    )]
    pub clearinghouse: AccountLoader<'info, Clearinghouse>,
    #[account(constraint = quote_mint.decimals == QUOTE_DECIMALS @ PmError::UnsupportedQuoteDecimals)]
    pub quote_mint: Account<'info, Mint>,
    #[account(
        init,
        payer = admin,
        seeds = [QUOTE_VAULT_SEED, clearinghouse.key().as_ref()],
        bump,
        token::mint = quote_mint,
        token::authority = clearinghouse,
    )]
    pub quote_vault: Account<'info, TokenAccount>,
    #[account(
        init,
        payer = admin,
        seeds = [INSURANCE_VAULT_SEED, clearinghouse.key().as_ref()],
        bump,
        token::mint = quote_mint,
        token::authority = clearinghouse,
    )]
    pub insurance_vault: Account<'info, TokenAccount>,
    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
}

/// The admin holds every authority until `update_clearinghouse_config` hands them out; oracle
/// owners start as Pyth's mainnet programs; the quote mint is collateral entry 0 (valued at 1.0,
/// no haircut, no cap).
pub fn handler(ctx: Context<InitializeClearinghouse>, index: u16) -> Result<()> {
    let mut ch = ctx.accounts.clearinghouse.load_init()?;
    let admin = ctx.accounts.admin.key();
    ch.admin = admin;
    ch.security_authority = admin;
    ch.crank_authority = admin;
    ch.pyth_receiver_program = PYTH_RECEIVER_PROGRAM_ID;
    ch.pyth_oracle_program = PYTH_LEGACY_PROGRAM_ID_MAINNET;
    ch.global_params = GlobalParams::DEFAULTS.fields();
    ch.liquidation_buffer_ppm = DEFAULT_LIQUIDATION_BUFFER_PPM;
    ch.collaterals[0] = CollateralConfig {
        mint: ctx.accounts.quote_mint.key(),
        vault: ctx.accounts.quote_vault.key(),
        deposit_cap: u64::MAX,
        market_index: QUOTE_MARKET,
        decimals: QUOTE_DECIMALS,
        vault_bump: ctx.bumps.quote_vault,
        ..CollateralConfig::default()
    };
    ch.num_collaterals = 1;
    ch.quote_mint = ctx.accounts.quote_mint.key();
    ch.quote_vault = ctx.accounts.quote_vault.key();
    ch.insurance_vault = ctx.accounts.insurance_vault.key();
    ch.index = index;
    ch.bump = ctx.bumps.clearinghouse;
    ch.quote_vault_bump = ctx.bumps.quote_vault;
    ch.insurance_vault_bump = ctx.bumps.insurance_vault;
    ch.quote_decimals = ctx.accounts.quote_mint.decimals;
    Ok(())
}
