use anchor_lang::prelude::*;

use crate::errors::PmError;
use crate::events::ClearinghouseConfigUpdated;
use crate::state::*;

/// New values; `None` keeps the current one.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default)]
pub struct ClearinghouseConfigParams {
    pub security_authority: Option<Pubkey>,
    pub crank_authority: Option<Pubkey>,
    pub pyth_receiver_program: Option<Pubkey>,
    pub pyth_oracle_program: Option<Pubkey>,
    /// ppm of MM, at most [`MAX_LIQUIDATION_BUFFER_PPM`].
    pub liquidation_buffer_ppm: Option<u32>,
}

#[derive(Accounts)]
pub struct UpdateClearinghouseConfig<'info> {
    pub admin: Signer<'info>,
    #[account(mut, has_one = admin @ PmError::NotAdmin)]
    pub clearinghouse: AccountLoader<'info, Clearinghouse>,
}

pub fn handler(ctx: Context<UpdateClearinghouseConfig>, params: ClearinghouseConfigParams) -> Result<()> {
    let mut ch = ctx.accounts.clearinghouse.load_mut()?;
    let old = (ch.security_authority, ch.crank_authority, ch.pyth_receiver_program, ch.pyth_oracle_program);
    ch.security_authority = params.security_authority.unwrap_or(old.0);
    ch.crank_authority = params.crank_authority.unwrap_or(old.1);
    ch.pyth_receiver_program = params.pyth_receiver_program.unwrap_or(old.2);
    ch.pyth_oracle_program = params.pyth_oracle_program.unwrap_or(old.3);
    let old_buffer = ch.liquidation_buffer_ppm;
    if let Some(buffer) = params.liquidation_buffer_ppm {
        require!(buffer <= MAX_LIQUIDATION_BUFFER_PPM, PmError::InvalidLiquidationBuffer);
        ch.liquidation_buffer_ppm = buffer;
    }
    emit!(ClearinghouseConfigUpdated {
        clearinghouse: ctx.accounts.clearinghouse.key(),
        old_security_authority: old.0,
        new_security_authority: ch.security_authority,
        old_crank_authority: old.1,
        new_crank_authority: ch.crank_authority,
        old_pyth_receiver_program: old.2,
        new_pyth_receiver_program: ch.pyth_receiver_program,
        old_pyth_oracle_program: old.3,
        new_pyth_oracle_program: ch.pyth_oracle_program,
        old_liquidation_buffer_ppm: old_buffer,
        new_liquidation_buffer_ppm: ch.liquidation_buffer_ppm,
    });
    Ok(())
}
