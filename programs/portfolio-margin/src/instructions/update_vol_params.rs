use anchor_lang::prelude::*;

use crate::errors::PmError;
use crate::events::VolParamsUpdated;
use crate::state::*;

/// One expiry's new slice; `expiry` must equal the listed expiry at the same position (so an update
/// built before a listing change cannot land on the wrong expiry).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug)]
pub struct VolSliceUpdate {
    pub expiry: i64,
    pub slice: VolSliceParams,
}

#[derive(Accounts)]
pub struct UpdateVolParams<'info> {
    pub crank: Signer<'info>,
    #[account(constraint = clearinghouse.load()?.crank_authority == crank.key() @ PmError::NotCrankAuthority)]
    pub clearinghouse: AccountLoader<'info, Clearinghouse>,
    #[account(mut, has_one = clearinghouse @ PmError::WrongMarket)]
    pub market: AccountLoader<'info, Market>,
}

/// Replaces every listed expiry's slice at once. Refused (nothing written) when the sequence does
/// not increase, the market's minimum interval has not passed, a value leaves its absolute bounds
/// or moves more than the per-update maximum.
pub fn handler(ctx: Context<UpdateVolParams>, sequence: u64, slices: Vec<VolSliceUpdate>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let mut market = ctx.accounts.market.load_mut()?;
    require!(sequence > market.vol_sequence, PmError::VolSequenceNotIncreasing);
    let guards = market.vol_guards;
    require!(now.saturating_sub(market.vol_updated_at) >= guards.min_interval_secs as i64, PmError::VolUpdateTooSoon);
    let n = market.num_expiries as usize;
    require!(slices.len() == n, PmError::VolSliceMismatch);
    let params = market.engine_params()?;
    for (update, listed) in slices.iter().zip(&market.expiries[..n]) {
        require!(update.expiry == listed.expiry, PmError::VolSliceMismatch);
        guards.check_bounds(&update.slice, &params)?;
        guards.check_change(listed, &update.slice)?;
    }
    for (update, listed) in slices.iter().zip(market.expiries[..n].iter_mut()) {
        listed.set_slice(&update.slice);
    }
    market.vol_sequence = sequence;
    market.vol_updated_at = now;
    emit!(VolParamsUpdated { market: ctx.accounts.market.key(), sequence, num_slices: n as u8, timestamp: now });
    Ok(())
}
