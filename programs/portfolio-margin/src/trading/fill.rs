//! A fill of `delta` contracts at `price` netted into a position: the increase adds to the cost
//! basis, the decrease realises P&L against the basis it closes, a flip does both.

use anchor_lang::prelude::*;
use risk_engine::{Kind, MAX_SIZE};

use super::{floor_unit, to_i64};
use crate::errors::PmError;
use crate::state::{MarginAccount, Market, Position};

/// What a fill did to one account.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FillOutcome {
    /// Quote the account receives (> 0) or pays (< 0) now: the premium of an option, the
    /// realised P&L of a linear instrument.
    pub cash: i64,
    /// P&L realised on the closed part (linear: equal to `cash`; options: premium received on the
    /// close less the basis it closes, for display).
    pub realized: i64,
}

/// Quote an account receives for trading `delta` at `price`: a buyer pays the ceiling, a seller
/// receives the floor (`-delta x price`, rounded toward -infinity).
pub fn trade_cash(delta: i64, price: u64) -> i128 {
    floor_unit(-(delta as i128) * price as i128)
}

/// Nets a fill into `position`. `linear` (perpetual or future): the cash is the realised P&L;
/// otherwise (option) the cash is the premium and the basis is for display.
pub fn apply_fill(position: &mut Position, delta: i64, price: u64, linear: bool) -> Result<FillOutcome> {
    require!(delta != 0, PmError::ZeroAmount);
    let size = position.size as i128;
    let d = delta as i128;
    // the part of the fill that closes existing size (opposite sign), and the part that opens
    let closing = if size != 0 && (size > 0) != (d > 0) { d.signum() * d.abs().min(size.abs()) } else { 0 };
    let opening = d - closing;
    let mut cost = position.cost_basis as i128;
    let mut realized = 0i128;
    if closing != 0 {
        // basis of the closed part, rounded up (toward +infinity: less realised for the account)
        let closed_cost = -(-(cost * closing.abs())).div_euclid(size.abs());
        realized = trade_cash(closing as i64, price) - closed_cost;
        cost -= closed_cost;
    }
    if opening != 0 {
        cost -= trade_cash(opening as i64, price);
    }
    // closing the whole size closes exactly the whole basis: a closed position keeps none
    let new_size = size + d;
    let premium = if linear { 0 } else { trade_cash(closing as i64, price) + trade_cash(opening as i64, price) };
    position.size = to_i64(new_size)?;
    position.cost_basis = to_i64(cost)?;
    Ok(FillOutcome { cash: to_i64(if linear { realized } else { premium })?, realized: to_i64(realized)? })
}

/// A fill of `delta` at `price` in `account`'s position in instrument `instrument_index` of
/// `market` (a free slot claimed for a new one): a new perpetual position starts at the market's
/// funding and loss indices, a closed one frees its slot. Returns what the fill did and the
/// position's size before and after. The caller moves the cash and keeps open interest.
pub fn fill_position(
    account: &mut MarginAccount,
    market: &Market,
    instrument_index: u16,
    kind: Kind,
    delta: i64,
    price: u64,
) -> Result<(FillOutcome, i64, i64)> {
    let slot = account.position_slot(market.market_index, instrument_index)?;
    let position = &mut account.positions[slot];
    let old_size = position.size;
    if old_size == 0 && kind == Kind::Perp {
        position.funding_snapshot = market.funding_index;
        position.loss_snapshot = market.loss_index;
    }
    let out = apply_fill(position, delta, price, matches!(kind, Kind::Perp | Kind::Future))?;
    let new_size = position.size;
    require!(new_size.unsigned_abs() <= MAX_SIZE as u64, PmError::PositionTooLarge);
    if new_size == 0 {
        *position = Position::default();
    }
    Ok((out, old_size, new_size))
}

/// Open interest (long contracts) of an instrument after one account's size went `old -> new`.
pub fn updated_open_interest(open_interest: u64, old: i64, new: i64) -> u64 {
    (open_interest + new.max(0) as u64).saturating_sub(old.max(0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(size: i64, cost: i64) -> Position {
        Position { size, cost_basis: cost, ..Position::default() }
    }

    const C: i64 = 1_000_000; // one contract

    #[test]
    fn opening_adds_the_cost_rounded_against_the_account() {
        let mut p = pos(0, 0);
        // buy 1.5 at 100.000001: pays 150.0000015 -> 150.000002 (ceil)
        let out = apply_fill(&mut p, 3 * C / 2, 100_000_001, true).unwrap();
        assert_eq!(out, FillOutcome::default());
        assert_eq!((p.size, p.cost_basis), (3 * C / 2, 150_000_002));
        let mut s = pos(0, 0);
        apply_fill(&mut s, -3 * C / 2, 100_000_001, true).unwrap();
        // the seller receives the floor: basis -150.000001
        assert_eq!((s.size, s.cost_basis), (-3 * C / 2, -150_000_001));
    }

    #[test]
    fn reducing_realises_against_the_closed_basis_and_flipping_reopens_at_the_price() {
        let mut p = pos(2 * C, 200_000_000); // long 2 at 100
        let out = apply_fill(&mut p, -C, 120_000_000, true).unwrap(); // sell 1 at 120
        assert_eq!(out, FillOutcome { cash: 20_000_000, realized: 20_000_000 });
        assert_eq!((p.size, p.cost_basis), (C, 100_000_000));
        let out = apply_fill(&mut p, -3 * C, 90_000_000, true).unwrap(); // sell 3 at 90: close 1, short 2
        assert_eq!(out.realized, -10_000_000);
        assert_eq!((p.size, p.cost_basis), (-2 * C, -180_000_000));
        let out = apply_fill(&mut p, 2 * C, 80_000_000, true).unwrap(); // buy back 2 at 80
        assert_eq!(out.realized, 20_000_000);
        assert_eq!((p.size, p.cost_basis), (0, 0));
    }

    #[test]
    fn an_option_fill_moves_its_premium_and_keeps_the_basis_for_display() {
        let mut p = pos(0, 0);
        let out = apply_fill(&mut p, C, 2_500_000_000, false).unwrap();
        assert_eq!(out, FillOutcome { cash: -2_500_000_000, realized: 0 });
        assert_eq!(p.cost_basis, 2_500_000_000);
        let out = apply_fill(&mut p, -C, 3_000_000_000, false).unwrap();
        assert_eq!(out, FillOutcome { cash: 3_000_000_000, realized: 500_000_000 });
        assert_eq!((p.size, p.cost_basis), (0, 0));
    }

    /// Against an exact rational reference: the account never realises more than the true P&L,
    /// and realised + remaining basis account for every unit paid.
    #[test]
    fn random_fills_round_against_the_account_and_lose_no_unit() {
        let mut next = super::super::test_rng(0x9e3779b97f4a7c15u64);
        for _ in 0..20_000 {
            let mut p = pos(0, 0);
            let mut exact: i128 = 0; // quote received for every fill, exactly, in 1e-6 units
            let mut realized: i128 = 0;
            let fills = 6;
            for _ in 0..fills {
                let delta = (next(5_000_000_000) as i64 + 1) * if next(2) == 0 { 1 } else { -1 };
                let price = next(100_000_000_000) + 1;
                let before = p;
                let out = apply_fill(&mut p, delta, price, true).unwrap();
                exact -= delta as i128 * price as i128;
                realized += out.realized as i128;
                // exact P&L of the closed part (rational), which the realised amount never exceeds
                if before.size != 0 && (before.size > 0) != (delta > 0) {
                    let closed = (delta.unsigned_abs().min(before.size.unsigned_abs())) as f64;
                    let exact = closed * price as f64 / 1e6 * (before.size.signum() as f64)
                        - before.cost_basis as f64 * closed / before.size.unsigned_abs() as f64;
                    assert!((out.realized as f64) <= exact + 1e-6 * exact.abs().max(1.0), "{before:?} {delta} {price}: {} > {exact}", out.realized);
                }
            }
            // what was paid is either realised or still in the basis: never more in the account's
            // favour than the exact amounts, and at most two units a fill (rounding) against it
            let kept = (realized - p.cost_basis as i128) * 1_000_000;
            assert!(kept <= exact && kept >= exact - 2_000_000 * fills, "{kept} vs {exact}");
        }
    }
}
