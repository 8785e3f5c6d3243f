//! Engine inputs from the program's accounts: the account's markets (oracle price, vol slices,
//! parameters), its positions (instrument looked up in its market) and its collateral (converted
//! to the engine's units, with each mint's haircuts).

use anchor_lang::prelude::*;
use risk_engine::{
    Account, Collateral, GlobalParams, Kind, MarketState, Position as EnginePosition, MAX_COLLATERALS, MAX_MARKETS, MAX_POSITIONS, QUOTE,
};

use crate::errors::PmError;
use crate::margin::{LoadedMarket, MarketSet};
use crate::trading::{perp_owed, settlement_cash};
use crate::state::*;

/// Everything one evaluation reads, in the engine's types. Lives on the heap (a few KB: SBF stack
/// frames are 4 KB), allocated zeroed (`margin::heap`); `fill` sets every entry it counts.
pub struct EngineInputs {
    pub global: GlobalParams,
    pub markets: [MarketState; MAX_MARKETS],
    pub n_markets: usize,
    pub positions: [EnginePosition; MAX_POSITIONS],
    pub n_positions: usize,
    pub collateral: [Collateral; MAX_COLLATERALS],
    pub n_collateral: usize,
    pub now: i64,
}

impl EngineInputs {
    pub fn account(&self) -> Account<'_> {
        Account {
            global: &self.global,
            markets: &self.markets[..self.n_markets],
            positions: &self.positions[..self.n_positions],
            collateral: &self.collateral[..self.n_collateral],
            now: self.now,
        }
    }

    /// Fills `self` from a margin account and its loaded markets (in `needed` order).
    ///
    /// The quote balance (deposit less debt) enters as one quote collateral, together with the
    /// settlement value of expired positions whose expiry has a settlement price and that no one
    /// has swept yet: those never count at model value.
    pub fn fill(
        &mut self,
        account: &MarginAccount,
        clearinghouse: &Clearinghouse,
        needed: &MarketSet,
        markets: &[&LoadedMarket],
        now: i64,
    ) -> Result<()> {
        require!(markets.len() == needed.len(), PmError::RemainingAccountsMismatch);
        self.global = clearinghouse.engine_global_params()?;
        self.now = now;
        self.n_markets = markets.len();
        // each market borrowed once (a load checks the account's discriminator)
        let views = markets.iter().map(|m| m.market.load()).collect::<Result<Vec<_>>>()?;
        for ((state, loaded), market) in self.markets.iter_mut().zip(markets).zip(&views) {
            fill_market(state, market, loaded, now)?;
        }
        let mut quote = account.quote_balance(&clearinghouse.quote_mint);
        self.n_positions = 0;
        for p in account.positions.iter().filter(|p| p.size != 0) {
            let local = needed.position(p.market_index).ok_or(PmError::MissingMarketAccount)?;
            match settled_value(p, &views[local])? {
                Some(cash) => quote += cash as i128,
                None => {
                    self.positions[self.n_positions] = engine_position(p, &views[local], local)?;
                    self.n_positions += 1;
                }
            }
        }
        self.n_collateral = 0;
        for c in account.collaterals.iter().filter(|c| c.amount > 0 && c.mint != clearinghouse.quote_mint) {
            let config = clearinghouse.collateral(&c.mint)?;
            // a stablecoin other than the quote mint is valued at 1.0, with its own haircuts
            let asset = if config.is_quote() {
                QUOTE
            } else {
                needed.position(config.market_index).ok_or(PmError::MissingMarketAccount)? as u8
            };
            self.push_collateral(Collateral {
                asset,
                haircut_mm_ppm: config.haircut_mm_ppm,
                haircut_im_ppm: config.haircut_im_ppm,
                amount: to_engine_units(c.amount, config.decimals)?,
            })?;
        }
        if quote != 0 {
            let config = clearinghouse.collateral(&clearinghouse.quote_mint)?;
            let amount = i64::try_from(quote).map_err(|_| error!(PmError::MathOverflow))?;
            self.push_collateral(Collateral { asset: QUOTE, haircut_mm_ppm: config.haircut_mm_ppm, haircut_im_ppm: config.haircut_im_ppm, amount })?;
        }
        Ok(())
    }

    fn push_collateral(&mut self, c: Collateral) -> Result<()> {
        let slot = self.collateral.get_mut(self.n_collateral).ok_or(PmError::CollateralSlotsFull)?;
        *slot = c;
        self.n_collateral += 1;
        Ok(())
    }
}

/// The settlement value of a position whose expiry has passed and has a settlement price (it
/// counts as that cash, not at model value); `None` for anything still priced by the engine.
pub fn settled_value(p: &Position, market: &Market) -> Result<Option<i64>> {
    let instrument = market.instrument(p.instrument_index)?;
    let kind = instrument_kind(instrument.kind).ok_or(PmError::InvalidInstrument)?;
    if kind == Kind::Perp {
        return Ok(None);
    }
    let expiry = &market.expiries[instrument.expiry_index as usize];
    if expiry.settlement_price == 0 {
        return Ok(None);
    }
    settlement_cash(kind, instrument.strike, p.size, p.cost_basis, expiry.settlement_price).map(Some)
}

fn fill_market(state: &mut MarketState, market: &Market, loaded: &LoadedMarket, now: i64) -> Result<()> {
    state.spot = loaded.price.price;
    state.conf = loaded.price.conf;
    state.vol_stale = market.vol_stale(now);
    state.params = market.engine_params()?;
    let n = market.num_expiries as usize;
    state.n_slices = n as u8;
    for (slice, expiry) in state.slices.iter_mut().zip(&market.expiries[..n]) {
        *slice = expiry.slice();
    }
    Ok(())
}

/// A stored position as the engine sees it. `cost` is what the linear exposure cost, funding and
/// socialised loss owed included (rounded up: against the account); an option's premium moved through collateral when
/// it traded, so its engine cost is 0.
fn engine_position(p: &Position, market: &Market, local_market: usize) -> Result<EnginePosition> {
    let instrument = market.instrument(p.instrument_index)?;
    let kind = instrument_kind(instrument.kind).ok_or(PmError::InvalidInstrument)?;
    let cost = match kind {
        Kind::Perp => p.cost_basis.checked_add(perp_owed(p, market)?).ok_or(PmError::MathOverflow)?,
        Kind::Future => p.cost_basis,
        Kind::Call | Kind::Put => 0,
    };
    Ok(EnginePosition {
        market: local_market as u8,
        kind,
        slice: instrument.expiry_index,
        strike: instrument.strike,
        size: p.size,
        cost,
    })
}

/// A native token amount in the engine's units (1e6 per whole token), rounded down.
pub fn to_engine_units(amount: u64, decimals: u8) -> Result<i64> {
    require!(decimals <= MAX_COLLATERAL_DECIMALS, PmError::InvalidCollateralConfig);
    let units = if decimals >= 6 {
        amount as u128 / 10u128.pow(decimals as u32 - 6)
    } else {
        amount as u128 * 10u128.pow(6 - decimals as u32)
    };
    i64::try_from(units).map_err(|_| error!(PmError::MathOverflow))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_amounts_convert_down_to_engine_units() {
        assert_eq!(to_engine_units(123_456_789, 6).unwrap(), 123_456_789);
        assert_eq!(to_engine_units(123_456_789, 8).unwrap(), 1_234_567); // 1.23456789 -> 1.234567
        assert_eq!(to_engine_units(1_999_999_999, 9).unwrap(), 1_999_999);
        assert_eq!(to_engine_units(5, 0).unwrap(), 5_000_000);
        assert_eq!(to_engine_units(u64::MAX, 0).unwrap_err(), PmError::MathOverflow.into());
        assert!(to_engine_units(1, 13).is_err());
    }
}
