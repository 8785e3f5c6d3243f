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
    pub reserved: [u8; 16],
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
    pub reserved: [u8; 256],
}

pub const MARGIN_ACCOUNT_SIZE: usize = 64 + 48 * MAX_COLLATERALS + 48 * MAX_POSITIONS + 8 + 16 + 256;
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
        self.collaterals.iter().all(|c| c.amount == 0) && self.positions.iter().all(|p| p.size == 0)
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
}
