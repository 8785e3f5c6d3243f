use anchor_lang::prelude::*;

use crate::errors::PmError;
use crate::events::PositionSettled;
use crate::state::*;
use crate::trading::{accrue_funding, settle_expired};

/// Positions settled per call (compute and log size stay bounded).
pub const MAX_SETTLE_PER_CALL: usize = 8;

#[derive(Accounts)]
pub struct SettlePositions<'info> {
    pub clearinghouse: AccountLoader<'info, Clearinghouse>,
    #[account(mut, constraint = margin_account.load()?.clearinghouse == clearinghouse.key() @ PmError::WrongClearinghouse)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
}

/// Permissionless: turns the account's positions in settled expiries of the markets in the
/// remaining accounts (writable, of this clearinghouse) into quote, up to
/// [`MAX_SETTLE_PER_CALL`]; also moves perpetual funding owed in those markets into the basis.
pub fn handler<'info>(ctx: Context<'_, '_, 'info, 'info, SettlePositions<'info>>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let ch = ctx.accounts.clearinghouse.load()?;
    let mut account = ctx.accounts.margin_account.load_mut()?;
    let mut settled = Vec::new();
    for info in ctx.remaining_accounts {
        let loader = AccountLoader::<Market>::try_from(info).map_err(|_| error!(PmError::WrongMarket))?;
        let mut market = loader.load_mut()?;
        require_keys_eq!(market.clearinghouse, ctx.accounts.clearinghouse.key(), PmError::WrongMarket);
        accrue_funding(&mut account, &market)?;
        let first = settled.len();
        settle_expired(&mut account, &mut market, &ch.quote_mint, MAX_SETTLE_PER_CALL, &mut settled)?;
        for s in &settled[first..] {
            emit!(PositionSettled {
                margin_account: ctx.accounts.margin_account.key(),
                market: info.key(),
                instrument_index: s.instrument_index,
                size: s.size,
                settlement_price: s.settlement_price,
                cash: s.cash,
                timestamp: now,
            });
        }
    }
    require!(!settled.is_empty(), PmError::NothingToSettle);
    Ok(())
}
