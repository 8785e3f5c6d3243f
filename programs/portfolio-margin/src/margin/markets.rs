//! Which markets a margin check needs, and loading them (with their oracles) from the remaining
//! accounts.

use anchor_lang::prelude::*;
use risk_engine::MAX_MARKETS;

use crate::errors::PmError;
use crate::oracle::{read_price, Action, OraclePrice, OracleSource, OracleSpec};
use crate::state::*;

/// The markets an account holds (positions or collateral of their underlying), ascending. A
/// margin check needs exactly these: a market the account holds nothing in is never read, so its
/// stale oracle cannot block the account.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MarketSet {
    indices: [u16; MAX_TRADE_MARKETS],
    len: usize,
}

/// Markets one instruction may load: a trade loads both sides' markets (each side at most
/// [`MAX_MARKETS`], the traded one in both after the trade).
pub const MAX_TRADE_MARKETS: usize = 2 * MAX_MARKETS;

impl MarketSet {
    pub fn as_slice(&self) -> &[u16] {
        &self.indices[..self.len]
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The position of `market_index` in the set (its engine-side market index).
    pub fn position(&self, market_index: u16) -> Option<usize> {
        self.as_slice().iter().position(|&m| m == market_index)
    }

    /// Adds `market_index` (kept sorted, no duplicates); more than [`MAX_MARKETS`] is an error.
    pub fn insert(&mut self, market_index: u16) -> Result<()> {
        self.insert_within(market_index, MAX_MARKETS)
    }

    /// The markets of both sets (a trade's two accounts).
    pub fn union(&self, other: &MarketSet) -> Result<MarketSet> {
        let mut out = *self;
        for &m in other.as_slice() {
            out.insert_within(m, MAX_TRADE_MARKETS)?;
        }
        Ok(out)
    }

    /// `insert` with a capacity of `limit` markets.
    pub fn insert_within(&mut self, market_index: u16, limit: usize) -> Result<()> {
        let at = match self.as_slice().binary_search(&market_index) {
            Ok(_) => return Ok(()),
            Err(at) => at,
        };
        require!(self.len < limit, PmError::TooManyMarkets);
        self.indices.copy_within(at..self.len, at + 1);
        self.indices[at] = market_index;
        self.len += 1;
        Ok(())
    }

    /// The markets of `account`: of its open positions and of its non-quote collateral.
    pub fn of_account(account: &MarginAccount, clearinghouse: &Clearinghouse) -> Result<MarketSet> {
        let mut set = MarketSet::default();
        for p in account.positions.iter().filter(|p| p.size != 0) {
            set.insert(p.market_index)?;
        }
        for c in account.collaterals.iter().filter(|c| c.amount > 0) {
            let config = clearinghouse.collateral(&c.mint)?;
            if !config.is_quote() {
                set.insert(config.market_index)?;
            }
        }
        Ok(set)
    }
}

/// A market of the check with its validated oracle price.
pub struct LoadedMarket<'info> {
    pub market: AccountLoader<'info, Market>,
    pub price: OraclePrice,
}

/// The oracle a market expects, with the owner program the clearinghouse configures for its format.
pub fn oracle_spec<'a>(market: &'a Market, clearinghouse: &'a Clearinghouse) -> OracleSpec<'a> {
    let source = market.source();
    let owner_program = match source {
        OracleSource::PythPull => &clearinghouse.pyth_receiver_program,
        OracleSource::PythLegacy => &clearinghouse.pyth_oracle_program,
    };
    OracleSpec { source, address: &market.oracle, feed_id: &market.feed_id, owner_program }
}

/// Loads `needed`'s markets from `remaining`: exactly one `[market, oracle]` pair per market, in
/// ascending market index; each market of this clearinghouse, each oracle the market's own and
/// valid for `action`.
pub fn load_markets<'info>(
    remaining: &'info [AccountInfo<'info>],
    clearinghouse_key: &Pubkey,
    clearinghouse: &Clearinghouse,
    needed: &MarketSet,
    action: Action,
    now: i64,
) -> Result<Vec<LoadedMarket<'info>>> {
    require!(remaining.len() == 2 * needed.len(), PmError::RemainingAccountsMismatch);
    let mut loaded = Vec::with_capacity(needed.len());
    for (pair, &index) in remaining.chunks_exact(2).zip(needed.as_slice()) {
        let (market_info, oracle_info) = (&pair[0], &pair[1]);
        require_keys_eq!(*market_info.owner, crate::ID, PmError::WrongMarket);
        let market = AccountLoader::<Market>::try_from(market_info).map_err(|_| error!(PmError::WrongMarket))?;
        let price = {
            let m = market.load()?;
            require_keys_eq!(m.clearinghouse, *clearinghouse_key, PmError::WrongMarket);
            require!(m.market_index == index, PmError::MissingMarketAccount);
            read_price(oracle_info, &oracle_spec(&m, clearinghouse), &m.oracle_limits.limits(action), now)?
        };
        loaded.push(LoadedMarket { market, price });
    }
    Ok(loaded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn market_sets_stay_sorted_unique_and_bounded() {
        let mut s = MarketSet::default();
        for m in [7, 2, 7, 5, 2] {
            s.insert(m).unwrap();
        }
        assert_eq!(s.as_slice(), &[2, 5, 7]);
        assert_eq!(s.position(5), Some(1));
        s.insert(0).unwrap();
        assert_eq!(s.as_slice(), &[0, 2, 5, 7]);
        assert_eq!(s.insert(9).unwrap_err(), PmError::TooManyMarkets.into());
        assert!(s.insert(5).is_ok(), "a held market is not a new one");
    }
}
