use anchor_lang::prelude::*;
use risk_engine::GlobalParams;

use crate::errors::PmError;
use crate::events::GlobalParamsUpdated;
use crate::state::*;

#[derive(Accounts)]
pub struct UpdateGlobalParams<'info> {
    /// The admin (any change within the hard bounds) or the security authority (tighten only).
    pub signer: Signer<'info>,
    #[account(mut)]
    pub clearinghouse: AccountLoader<'info, Clearinghouse>,
}

pub fn handler(ctx: Context<UpdateGlobalParams>, params: [i64; GlobalParams::LEN]) -> Result<()> {
    let mut ch = ctx.accounts.clearinghouse.load_mut()?;
    let by_admin = ch.require_admin_or_security(&ctx.accounts.signer.key())?;
    let old = ch.engine_global_params()?;
    let new = global_params_from_stored(&params)?;
    if !by_admin {
        require_tightening(old.first_loosened(&new), GlobalParams::NAMES)?;
    }
    let old_values = ch.global_params;
    ch.global_params = params;
    emit!(GlobalParamsUpdated {
        clearinghouse: ctx.accounts.clearinghouse.key(),
        signer: ctx.accounts.signer.key(),
        old: old_values.to_vec(),
        new: params.to_vec(),
    });
    Ok(())
}

/// Fails with [`PmError::LooseningBySecurity`] (the parameter named in the log) when a change by
/// the security authority loosens `first_loosened`.
pub fn require_tightening(first_loosened: Option<usize>, names: &[&str]) -> Result<()> {
    if let Some(i) = first_loosened {
        msg!("security authority may only tighten: {} would loosen", names.get(i).copied().unwrap_or("?"));
        return err!(PmError::LooseningBySecurity);
    }
    Ok(())
}
