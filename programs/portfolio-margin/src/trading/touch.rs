//! What touching an account does before anything else: perpetual funding owed moves into the
//! position's basis (no cash moves, so no market needs to be writable), and positions of settled
//! expiries in a writable market turn into quote.

use anchor_lang::prelude::*;
use risk_engine::Kind;

use super::{funding_owed, loss_owed, settlement_cash};
use crate::errors::PmError;
use crate::state::*;

/// Moves the funding and socialised loss every perpetual of `account` in `market` owes into its
/// basis (rounded up: against the account) and snapshots the indices. Equity is unchanged: it
/// always included them.
pub fn accrue_funding(account: &mut MarginAccount, market: &Market) -> Result<()> {
    for p in account.positions.iter_mut().filter(|p| p.size != 0 && p.market_index == market.market_index && p.instrument_index == PERP_INSTRUMENT) {
        let owed = perp_owed(p, market)?;
        p.cost_basis = p.cost_basis.checked_add(owed).ok_or(PmError::MathOverflow)?;
        p.funding_snapshot = market.funding_index;
        p.loss_snapshot = market.loss_index;
    }
    Ok(())
}

/// What a perpetual position owes since its snapshots: funding plus socialised loss (quote units,
/// rounded up).
pub fn perp_owed(p: &Position, market: &Market) -> Result<i64> {
    let funding = funding_owed(p.size, market.funding_index, p.funding_snapshot)?;
    let loss = loss_owed(p.size, market.loss_index, p.loss_snapshot)?;
    funding.checked_add(loss).ok_or(error!(PmError::MathOverflow))
}

/// One position turned into quote at its expiry's settlement price.
#[derive(Clone, Copy, Debug)]
pub struct SettledPosition {
    pub instrument_index: u16,
    pub size: i64,
    pub settlement_price: u64,
    pub cash: i64,
}

/// Settles up to `max` positions of `account` in settled expiries of `market`: the cash moves to
/// the quote balance and its counterpart into the market's P&L pool; open interest drops.
pub fn settle_expired(
    account: &mut MarginAccount,
    market: &mut Market,
    quote_mint: &Pubkey,
    max: usize,
    out: &mut Vec<SettledPosition>,
) -> Result<()> {
    for i in 0..account.positions.len() {
        if out.len() >= max {
            break;
        }
        let p = account.positions[i];
        if p.size == 0 || p.market_index != market.market_index {
            continue;
        }
        let instrument = *market.instrument(p.instrument_index)?;
        let kind = instrument_kind(instrument.kind).ok_or(PmError::InvalidInstrument)?;
        let settlement_price = market.expiries[instrument.expiry_index as usize].settlement_price;
        if kind == Kind::Perp || settlement_price == 0 {
            continue;
        }
        let cash = settlement_cash(kind, instrument.strike, p.size, p.cost_basis, settlement_price)?;
        account.add_quote(quote_mint, cash)?;
        account.realized_pnl = account.realized_pnl.saturating_add(if kind == Kind::Future { cash } else { cash.saturating_sub(p.cost_basis) });
        market.pnl_pool = market.pnl_pool.checked_sub(cash).ok_or(PmError::MathOverflow)?;
        let oi = &mut market.instruments[p.instrument_index as usize].open_interest;
        *oi = oi.saturating_sub(p.size.max(0) as u64);
        account.positions[i] = Position::default();
        out.push(SettledPosition { instrument_index: p.instrument_index, size: p.size, settlement_price, cash });
    }
    Ok(())
}
