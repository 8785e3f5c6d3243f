//! The reference arithmetic of the trading tests, written from the documented formulas (never
//! calling the program's): rounding, fees, average-cost netting, funding accrual, and the
//! comparison of a trade world with the model.

use super::*;

pub const E6: i128 = 1_000_000;

pub fn floor_div(a: i128, b: i128) -> i128 {
    a.div_euclid(b)
}

pub fn ceil_div(a: i128, b: i128) -> i128 {
    -(-a).div_euclid(b)
}

/// Quote received for trading `delta` at `price`: the buyer pays the ceiling, the seller gets the
/// floor.
pub fn proceeds(delta: i64, price: u64) -> i128 {
    floor_div(-(delta as i128) * price as i128, E6)
}

/// Fee of one side (rate in ppm): linear of notional, options of premium capped at
/// `cap_ppm` of size x spot; rounded up.
pub fn fee(linear: bool, rate_ppm: i128, size: u64, price: u64, spot: u64) -> i64 {
    let (size, price, spot) = (size as i128, price as i128, spot as i128);
    let raw = if linear { size * price * rate_ppm } else { (size * price * rate_ppm).min(size * spot * 300) };
    ceil_div(raw, E6 * E6) as i64
}

/// A position in the reference model.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Book {
    pub size: i64,
    pub cost: i64,
    /// Quote balance change so far.
    pub cash: i128,
    pub realized: i64,
}

impl Book {
    /// Nets a fill at average cost: the closed part realises its proceeds less its share of the
    /// basis (rounded up), the opened part adds what it cost. Linear: the realised P&L is paid;
    /// options: the premium.
    pub fn fill(&mut self, delta: i64, price: u64, linear: bool, fee: i64) {
        let closing = if self.size != 0 && (self.size > 0) != (delta > 0) { delta.signum() * delta.abs().min(self.size.abs()) } else { 0 };
        let opening = delta - closing;
        let mut cost = self.cost as i128;
        let mut realized = 0i128;
        if closing != 0 {
            let share = ceil_div(cost * closing.abs() as i128, self.size.abs() as i128);
            realized = proceeds(closing, price) - share;
            cost -= share;
        }
        cost -= proceeds(opening, price);
        self.size += delta;
        if self.size == 0 {
            realized -= cost;
            cost = 0;
        }
        self.cost = cost as i64;
        self.realized += realized as i64;
        // an option's premium: the closing and the opening part each rounded against the account
        let cash = if linear { realized } else { proceeds(closing, price) + proceeds(opening, price) };
        self.cash += cash - fee as i128;
    }

    /// Perpetual funding for an index move: the owed amount (rounded up) joins the basis.
    pub fn accrue(&mut self, index_move: i64) -> i64 {
        let owed = ceil_div(self.size as i128 * index_move as i128, E6) as i64;
        self.cost += owed;
        owed
    }
}

/// Maker and taker in the model, with the market's pools.
#[derive(Clone, Copy, Debug, Default)]
pub struct Model {
    pub maker: Book,
    pub taker: Book,
    pub fee_pool: i64,
    pub pnl_pool: i64,
}

impl Model {
    /// Applies a fill of `maker_delta` at `price`; returns (maker fee, taker fee).
    pub fn fill(&mut self, maker_delta: i64, price: u64, linear: bool, spot: u64) -> (i64, i64) {
        let size = maker_delta.unsigned_abs();
        let (mr, tr) = if linear { (200, 500) } else { (10_000, 30_000) };
        let (mf, tf) = (fee(linear, mr, size, price, spot), fee(linear, tr, size, price, spot));
        let before = self.maker.cash + self.taker.cash;
        self.maker.fill(maker_delta, price, linear, mf);
        self.taker.fill(-maker_delta, price, linear, tf);
        self.fee_pool += mf + tf;
        // the pool takes the other side of every cash movement except the fees
        self.pnl_pool -= (self.maker.cash + self.taker.cash - before + (mf + tf) as i128) as i64;
        (mf, tf)
    }
}

/// The world's state against the model: positions, quote balances, realised P&L, pools and
/// open interest.
pub async fn assert_model(t: &mut TradeWorld, market: u16, instrument: u16, model: &Model) {
    let (maker, taker) = (t.user.margin_account, t.taker.margin_account);
    for (key, book, who) in [(maker, model.maker, "maker"), (taker, model.taker, "taker")] {
        assert_eq!(t.position(&key, market, instrument).await, (book.size, book.cost), "{who} position");
        assert_eq!(t.quote_balance(&key).await, TRADER_DEPOSIT as i128 + book.cash, "{who} quote balance");
        assert_eq!(t.account(&key).await.realized_pnl, book.realized, "{who} realised P&L");
    }
    let m = t.market_state(market).await;
    assert_eq!((m.fee_pool as i64, m.pnl_pool), (model.fee_pool, model.pnl_pool), "pools");
    let oi = model.maker.size.max(0) + model.taker.size.max(0);
    assert_eq!(m.instruments[instrument as usize].open_interest, oi as u64, "open interest");
}

