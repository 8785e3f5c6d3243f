use anchor_lang::prelude::*;

use crate::errors::PmError;

pub const MARGIN_ACCOUNT_SEED: &[u8] = b"margin_account";
/// Capacities, from the one definition the engine, program and SDK share: a margin check must fit
/// one transaction's account list (one market and one oracle per market the account holds).
pub use risk_engine::{MAX_COLLATERALS, MAX_POSITIONS};
/// Distinct markets (underlyings, of positions or collateral) one account may hold.
pub const MAX_MARKETS_PER_ACCOUNT: usize = risk_engine::MAX_MARKETS;

/// A balance of one collateral mint, in the mint's native units.
#[zero_copy]
#[derive(Debug, Default)]
pub struct CollateralBalance {
    /// `Pubkey::default()` marks a free slot.
    pub mint: Pubkey,
    pub amount: u64,
    pub reserved: [u8; 8],
}

/// A net position in one instrument of one market. `size == 0` marks a free slot.
#[zero_copy]
#[derive(Debug, Default)]
pub struct Position {
    pub market_index: u16,
    pub instrument_index: u16,
    pub padding: [u8; 4],
    /// Signed base units at 1e6 (long > 0).
    pub size: i64,
    /// Quote paid (> 0) or received (< 0) to open the current size, native quote units. For perps
    /// and futures it is the linear exposure's cost in equity; an option's premium moves through
    /// collateral when it trades, so for options this is for display only.
    pub cost_basis: i64,
    /// Market's cumulative funding index when funding was last settled into this position.
    pub funding_snapshot: i64,
    /// Market's `loss_index` when socialised loss was last charged to this (perpetual) position.
    pub loss_snapshot: i64,
    pub reserved: [u8; 8],
}

/// One user's margin account: collateral and positions, margined as a single portfolio.
///
/// Seeds `["margin_account", clearinghouse, owner, account_index (u16 LE)]`.
#[account(zero_copy)]
#[derive(Debug)]
pub struct MarginAccount {
    pub clearinghouse: Pubkey,
    pub owner: Pubkey,
    pub collaterals: [CollateralBalance; MAX_COLLATERALS],
    pub positions: [Position; MAX_POSITIONS],
    pub account_index: u16,
    pub bump: u8,
    pub padding: [u8; 5],
    /// Lifetime quote deposited / withdrawn, native units. Display statistics only: they
    /// saturate rather than fail, so they can never block a deposit or withdrawal.
    pub total_deposited: u64,
    pub total_withdrawn: u64,
    /// Quote owed (native units) once premium, fees and realised losses exceed the quote
    /// deposited: the quote balance is `quote deposit - quote_debt`, and at most one is non-zero.
    pub quote_debt: u64,
    /// RFQ replay protection: nonces below `quote_nonce_floor` are spent; bit i of
    /// `quote_nonce_bitmap` marks `floor + i` spent (a 64-nonce window that slides forward).
    pub quote_nonce_floor: u64,
    pub quote_nonce_bitmap: u64,
    /// Lifetime realised P&L of linear positions and settlements, native quote units (display;
    /// saturating).
    pub realized_pnl: i64,
    pub reserved: [u8; 224],
}

pub const MARGIN_ACCOUNT_SIZE: usize = 64 + 48 * MAX_COLLATERALS + 48 * MAX_POSITIONS + 8 + 16 + 32 + 224;
const _: () = assert!(core::mem::size_of::<CollateralBalance>() == 48);
const _: () = assert!(core::mem::size_of::<Position>() == 48);
const _: () = assert!(core::mem::size_of::<MarginAccount>() == MARGIN_ACCOUNT_SIZE);

impl MarginAccount {
    pub const SPACE: usize = 8 + MARGIN_ACCOUNT_SIZE;

    pub fn collateral_balance(&self, mint: &Pubkey) -> u64 {
        self.collaterals.iter().find(|c| c.mint == *mint).map_or(0, |c| c.amount)
    }

    /// The slot holding `mint`, or a free one claimed for it.
    fn collateral_slot_mut(&mut self, mint: &Pubkey) -> Result<&mut CollateralBalance> {
        let index = match self.collaterals.iter().position(|c| c.mint == *mint) {
            Some(i) => i,
            None => self
                .collaterals
                .iter()
                .position(|c| c.mint == Pubkey::default())
                .ok_or(PmError::CollateralSlotsFull)?,
        };
        let slot = &mut self.collaterals[index];
        slot.mint = *mint;
        Ok(slot)
    }

    /// Credits `amount` of `mint`; returns the new balance.
    pub fn credit_collateral(&mut self, mint: &Pubkey, amount: u64) -> Result<u64> {
        let slot = self.collateral_slot_mut(mint)?;
        slot.amount = slot.amount.checked_add(amount).ok_or(PmError::MathOverflow)?;
        Ok(slot.amount)
    }

    /// Debits `amount` of `mint`; returns the new balance. A zeroed slot is freed.
    pub fn debit_collateral(&mut self, mint: &Pubkey, amount: u64) -> Result<u64> {
        let slot = self
            .collaterals
            .iter_mut()
            .find(|c| c.mint == *mint)
            .ok_or(PmError::InsufficientCollateral)?;
        slot.amount = slot.amount.checked_sub(amount).ok_or(PmError::InsufficientCollateral)?;
        let left = slot.amount;
        if left == 0 {
            *slot = CollateralBalance::default();
        }
        Ok(left)
    }

    pub fn is_empty(&self) -> bool {
        self.collaterals.iter().all(|c| c.amount == 0) && self.positions.iter().all(|p| p.size == 0) && self.quote_debt == 0
    }

    /// Whether a deposit of `mint` finds a slot while one stays free for the quote balance (which
    /// a debt needs even when nothing of the quote mint is deposited).
    pub fn has_collateral_slot_for(&self, mint: &Pubkey, quote_mint: &Pubkey) -> bool {
        let used = |m: &Pubkey| self.collaterals.iter().any(|c| c.mint == *m);
        if used(mint) {
            return true;
        }
        let taken = self.collaterals.iter().filter(|c| c.mint != Pubkey::default()).count();
        let quote_reserve = usize::from(mint != quote_mint && !used(quote_mint));
        taken + quote_reserve < MAX_COLLATERALS
    }

    /// Quote deposited less quote owed (native units; negative is a debt).
    pub fn quote_balance(&self, quote_mint: &Pubkey) -> i128 {
        self.collateral_balance(quote_mint) as i128 - self.quote_debt as i128
    }

    /// Adds `delta` (either sign) to the quote balance: a credit pays the debt first, a debit
    /// beyond the deposit becomes debt (secured by the margin check that follows every debit).
    pub fn add_quote(&mut self, quote_mint: &Pubkey, delta: i64) -> Result<()> {
        let balance = self.quote_balance(quote_mint) + delta as i128;
        let deposit = self.collateral_balance(quote_mint);
        if deposit > 0 {
            self.debit_collateral(quote_mint, deposit)?;
        }
        if balance >= 0 {
            self.quote_debt = 0;
            let credit = u64::try_from(balance).map_err(|_| error!(PmError::MathOverflow))?;
            if credit > 0 {
                self.credit_collateral(quote_mint, credit)?;
            }
        } else {
            self.quote_debt = u64::try_from(-balance).map_err(|_| error!(PmError::MathOverflow))?;
        }
        Ok(())
    }

    /// Spends RFQ nonce `nonce`: refused if spent or below the window; one past the window slides
    /// it forward (forgetting the oldest, which then count as spent).
    pub fn spend_quote_nonce(&mut self, nonce: u64) -> Result<()> {
        require!(nonce >= self.quote_nonce_floor, PmError::QuoteNonceUsed);
        let mut offset = nonce - self.quote_nonce_floor;
        if offset >= 64 {
            let shift = offset - 63;
            self.quote_nonce_bitmap = if shift >= 64 { 0 } else { self.quote_nonce_bitmap >> shift };
            self.quote_nonce_floor = self.quote_nonce_floor.checked_add(shift).ok_or(PmError::MathOverflow)?;
            offset = 63;
        }
        let bit = 1u64 << offset;
        require!(self.quote_nonce_bitmap & bit == 0, PmError::QuoteNonceUsed);
        self.quote_nonce_bitmap |= bit;
        Ok(())
    }

    /// Cancels every quote with a nonce below `floor` (the maker's kill switch).
    pub fn cancel_quotes_below(&mut self, floor: u64) -> Result<()> {
        require!(floor > self.quote_nonce_floor, PmError::QuoteNonceUsed);
        let shift = floor - self.quote_nonce_floor;
        self.quote_nonce_bitmap = if shift >= 64 { 0 } else { self.quote_nonce_bitmap >> shift };
        self.quote_nonce_floor = floor;
        Ok(())
    }

    /// The open position in `(market, instrument)`, if any.
    pub fn position_index(&self, market_index: u16, instrument_index: u16) -> Option<usize> {
        self.positions.iter().position(|p| p.size != 0 && p.market_index == market_index && p.instrument_index == instrument_index)
    }

    /// The open position in `(market, instrument)`, or a free slot claimed for it.
    pub fn position_slot(&mut self, market_index: u16, instrument_index: u16) -> Result<usize> {
        if let Some(i) = self.position_index(market_index, instrument_index) {
            return Ok(i);
        }
        let i = self.positions.iter().position(|p| p.size == 0).ok_or(PmError::PositionSlotsFull)?;
        self.positions[i] = Position { market_index, instrument_index, ..Position::default() };
        Ok(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn empty() -> MarginAccount {
        bytemuck::Zeroable::zeroed()
    }

    #[test]
    fn capacities_match_the_design() {
        let a = empty();
        assert_eq!(a.collaterals.len(), 8);
        assert_eq!(a.positions.len(), 32);
        assert_eq!(MAX_MARKETS_PER_ACCOUNT, 4);
    }

    #[test]
    fn credit_and_debit_round_trip_and_free_the_slot() {
        let mut a = empty();
        let mint = Pubkey::new_unique();
        assert_eq!(a.credit_collateral(&mint, 5).unwrap(), 5);
        assert_eq!(a.credit_collateral(&mint, 7).unwrap(), 12);
        assert_eq!(a.debit_collateral(&mint, 12).unwrap(), 0);
        assert_eq!(a.collaterals[0].mint, Pubkey::default());
        assert!(a.is_empty());
    }

    #[test]
    fn credit_overflow_is_an_error_and_leaves_the_balance() {
        let mut a = empty();
        let mint = Pubkey::new_unique();
        a.credit_collateral(&mint, u64::MAX - 1).unwrap();
        assert_eq!(a.credit_collateral(&mint, 2).unwrap_err(), PmError::MathOverflow.into());
        assert_eq!(a.collateral_balance(&mint), u64::MAX - 1);
    }

    #[test]
    fn debit_above_balance_is_an_error() {
        let mut a = empty();
        let mint = Pubkey::new_unique();
        a.credit_collateral(&mint, 10).unwrap();
        assert_eq!(a.debit_collateral(&mint, 11).unwrap_err(), PmError::InsufficientCollateral.into());
        assert_eq!(a.debit_collateral(&Pubkey::new_unique(), 1).unwrap_err(), PmError::InsufficientCollateral.into());
        assert_eq!(a.collateral_balance(&mint), 10);
    }

    #[test]
    fn ninth_collateral_mint_is_rejected() {
        let mut a = empty();
        for _ in 0..MAX_COLLATERALS {
            a.credit_collateral(&Pubkey::new_unique(), 1).unwrap();
        }
        assert_eq!(a.credit_collateral(&Pubkey::new_unique(), 1).unwrap_err(), PmError::CollateralSlotsFull.into());
    }

    #[test]
    fn quote_debits_beyond_the_deposit_become_debt_and_credits_repay_it_first() {
        let mut a = empty();
        let quote = Pubkey::new_unique();
        a.add_quote(&quote, 100).unwrap();
        assert_eq!((a.collateral_balance(&quote), a.quote_debt), (100, 0));
        a.add_quote(&quote, -250).unwrap();
        assert_eq!((a.collateral_balance(&quote), a.quote_debt, a.quote_balance(&quote)), (0, 150, -150));
        assert!(!a.is_empty());
        a.add_quote(&quote, 149).unwrap();
        assert_eq!((a.collateral_balance(&quote), a.quote_debt), (0, 1));
        a.add_quote(&quote, 11).unwrap();
        assert_eq!((a.collateral_balance(&quote), a.quote_debt), (10, 0));
        a.add_quote(&quote, -10).unwrap();
        assert!(a.is_empty());
    }

    #[test]
    fn a_quote_nonce_is_spent_once_and_the_window_slides() {
        let mut a = empty();
        a.spend_quote_nonce(5).unwrap();
        assert_eq!(a.spend_quote_nonce(5).unwrap_err(), PmError::QuoteNonceUsed.into());
        a.spend_quote_nonce(3).unwrap(); // out of order within the window
        a.spend_quote_nonce(100).unwrap(); // slides the window: floor 37
        assert_eq!(a.quote_nonce_floor, 37);
        assert_eq!(a.spend_quote_nonce(36).unwrap_err(), PmError::QuoteNonceUsed.into());
        assert_eq!(a.spend_quote_nonce(100).unwrap_err(), PmError::QuoteNonceUsed.into());
        a.spend_quote_nonce(37).unwrap();
        a.cancel_quotes_below(101).unwrap();
        assert_eq!(a.spend_quote_nonce(99).unwrap_err(), PmError::QuoteNonceUsed.into());
        a.spend_quote_nonce(101).unwrap();
        a.spend_quote_nonce(u64::MAX).unwrap();
        assert_eq!(a.spend_quote_nonce(u64::MAX).unwrap_err(), PmError::QuoteNonceUsed.into());
    }

    #[test]
    fn a_deposit_keeps_a_collateral_slot_free_for_the_quote_balance() {
        let mut a = empty();
        let quote = Pubkey::new_unique();
        for _ in 0..MAX_COLLATERALS - 1 {
            let mint = Pubkey::new_unique();
            assert!(a.has_collateral_slot_for(&mint, &quote));
            a.credit_collateral(&mint, 1).unwrap();
        }
        assert!(!a.has_collateral_slot_for(&Pubkey::new_unique(), &quote));
        assert!(a.has_collateral_slot_for(&quote, &quote));
    }
}
