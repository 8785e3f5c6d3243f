//! Trading fixtures: builders of the trading, funding and settlement instructions, and a market
//! world with two funded traders (a maker, the world's user, and a taker) that trade through
//! signed RFQ quotes.

use super::*;
use portfolio_margin::instructions::TradeQuote;
use solana_sdk::instruction::AccountMeta;
use std::ops::{Deref, DerefMut};

/// A quote expiry far beyond every test's clock.
pub const FAR: i64 = T0 + 365 * DAY;
pub const MAKER_BUYS: u8 = 0;
pub const MAKER_SELLS: u8 = 1;
/// USDC each trader deposits.
pub const TRADER_DEPOSIT: u64 = 20_000 * USDC;

// ---- instruction builders ----

#[allow(clippy::too_many_arguments)]
pub fn trade_ix(
    maker: &Pubkey,
    taker: &Pubkey,
    clearinghouse: &Pubkey,
    market: &Pubkey,
    maker_account: &Pubkey,
    taker_account: &Pubkey,
    quote: TradeQuote,
    remaining: &[Pubkey],
) -> Instruction {
    ix(
        portfolio_margin::accounts::Trade {
            maker: *maker,
            taker: *taker,
            clearinghouse: *clearinghouse,
            market: *market,
            maker_account: *maker_account,
            taker_account: *taker_account,
        },
        portfolio_margin::instruction::Trade { quote },
    )
    .with_remaining(remaining)
}

pub fn cancel_quotes_ix(owner: &Pubkey, margin_account: &Pubkey, nonce_floor: u64) -> Instruction {
    ix(
        portfolio_margin::accounts::CancelQuotes { owner: *owner, margin_account: *margin_account },
        portfolio_margin::instruction::CancelQuotes { nonce_floor },
    )
}

pub fn update_funding_ix(clearinghouse: &Pubkey, market: &MarketRef) -> Instruction {
    ix(
        portfolio_margin::accounts::UpdateFunding { clearinghouse: *clearinghouse, market: market.key, oracle: market.oracle },
        portfolio_margin::instruction::UpdateFunding {},
    )
}

pub fn settle_expiry_ix(clearinghouse: &Pubkey, market: &MarketRef, expiry_index: u8) -> Instruction {
    ix(
        portfolio_margin::accounts::SettleExpiry { clearinghouse: *clearinghouse, market: market.key, oracle: market.oracle },
        portfolio_margin::instruction::SettleExpiry { expiry_index },
    )
}

pub fn admin_settle_expiry_ix(admin: &Pubkey, clearinghouse: &Pubkey, market: &Pubkey, expiry_index: u8, settlement_price: u64) -> Instruction {
    ix(
        portfolio_margin::accounts::AdminSettleExpiry { admin: *admin, clearinghouse: *clearinghouse, market: *market },
        portfolio_margin::instruction::AdminSettleExpiry { expiry_index, settlement_price },
    )
}

/// `markets` are writable remaining accounts (settlement moves their P&L pools).
pub fn settle_positions_ix(clearinghouse: &Pubkey, margin_account: &Pubkey, markets: &[Pubkey]) -> Instruction {
    let mut ix = ix(
        portfolio_margin::accounts::SettlePositions { clearinghouse: *clearinghouse, margin_account: *margin_account },
        portfolio_margin::instruction::SettlePositions {},
    );
    ix.accounts.extend(markets.iter().map(|k| AccountMeta::new(*k, false)));
    ix
}

pub fn update_trading_params_ix(admin: &Pubkey, clearinghouse: &Pubkey, market: &Pubkey, params: TradingParams) -> Instruction {
    ix(
        portfolio_margin::accounts::UpdateTradingParams { admin: *admin, clearinghouse: *clearinghouse, market: *market },
        portfolio_margin::instruction::UpdateTradingParams { params },
    )
}

pub fn sweep_fees_ix(admin: &Pubkey, clearinghouse: &Pubkey, market: &Pubkey, amount: u64) -> Instruction {
    let (quote_vault, insurance_vault) = vault_pdas(clearinghouse);
    ix(
        portfolio_margin::accounts::SweepFees {
            admin: *admin,
            clearinghouse: *clearinghouse,
            market: *market,
            quote_vault,
            insurance_vault,
            token_program: spl_token::id(),
        },
        portfolio_margin::instruction::SweepFees { amount },
    )
}

/// A quote valid until `FAR`, with no oracle limit.
pub fn quote(instrument_index: u16, maker_side: u8, size: u64, price: u64, nonce: u64) -> TradeQuote {
    TradeQuote { instrument_index, maker_side, size, price, oracle_limit: 0, expires_at: FAR, nonce }
}

// ---- two traders ----

/// A `MarketWorld` whose user is the maker, with a second user, the taker; both deposited
/// `TRADER_DEPOSIT` USDC.
pub struct TradeWorld {
    pub m: MarketWorld,
    pub taker: User,
}

impl Deref for TradeWorld {
    type Target = MarketWorld;
    fn deref(&self) -> &MarketWorld {
        &self.m
    }
}

impl DerefMut for TradeWorld {
    fn deref_mut(&mut self) -> &mut MarketWorld {
        &mut self.m
    }
}

impl TradeWorld {
    pub async fn new() -> Self {
        let mut m = MarketWorld::new().await;
        let taker = m.new_user().await;
        let mut t = TradeWorld { m, taker };
        for user in [t.maker(), t.taker.clone_user()] {
            t.fund_usdc(&user, TRADER_DEPOSIT).await;
        }
        t
    }

    /// Mints `amount` USDC to `user`'s wallet and deposits it.
    pub async fn fund_usdc(&mut self, user: &User, amount: u64) {
        let (mint, authority) = (self.mint, self.mint_authority.insecure_clone());
        mint_to(&mut self.m.w.ctx, &mint, &authority, &user.token_account, amount).await;
        let ix = self.transfer(user).deposit(amount);
        send_ok(&mut self.m.w.ctx, &[ix], &[&user.key]).await;
    }

    pub fn maker(&self) -> User {
        self.user.clone_user()
    }

    pub fn market(&self, index: u16) -> MarketRef {
        if index == BTC { self.btc } else { self.eth }
    }

    /// The `[market, oracle]` pairs a trade of `maker` and `taker` in `market` reads: every market
    /// either account holds (positions and collateral) and the traded one, ascending.
    pub async fn trade_remaining(&mut self, maker_account: &Pubkey, taker_account: &Pubkey, market: u16) -> Vec<Pubkey> {
        self.held_pairs(&[maker_account, taker_account], &[market]).await
    }

    /// The `[market, oracle]` pairs of every market `accounts` hold and of `extra`, ascending,
    /// each once.
    pub async fn held_pairs(&mut self, accounts: &[&Pubkey], extra: &[u16]) -> Vec<Pubkey> {
        let mut held = extra.to_vec();
        for key in accounts {
            held.extend(self.held_markets(key).await);
        }
        held.sort();
        held.dedup();
        let refs: Vec<MarketRef> = held.into_iter().map(|i| self.market(i)).collect();
        self.pairs(&refs)
    }

    /// The markets `margin_account` holds positions or (non-quote) collateral in.
    pub async fn held_markets(&mut self, margin_account: &Pubkey) -> Vec<u16> {
        let a: MarginAccount = load_zc(&mut self.m.w.ctx, margin_account).await;
        let mut held: Vec<u16> = a.positions.iter().filter(|p| p.size != 0).map(|p| p.market_index).collect();
        if a.collateral_balance(&self.wbtc) > 0 {
            held.push(BTC);
        }
        held
    }

    /// The trade of `quote` in `market` between the maker and the taker, both signing.
    pub async fn trade_between(&mut self, maker: &User, taker: &User, market: u16, quote: TradeQuote) -> Instruction {
        let remaining = self.trade_remaining(&maker.margin_account, &taker.margin_account, market).await;
        trade_ix(&maker.key.pubkey(), &taker.key.pubkey(), &self.clearinghouse, &self.market(market).key, &maker.margin_account, &taker.margin_account, quote, &remaining)
    }

    pub async fn trade_ix(&mut self, market: u16, quote: TradeQuote) -> Instruction {
        let (maker, taker) = (self.maker(), self.taker.clone_user());
        self.trade_between(&maker, &taker, market, quote).await
    }

    /// The maker's and taker's trade of `quote`, which must succeed. Returns the logs.
    pub async fn trade(&mut self, market: u16, quote: TradeQuote) -> Vec<String> {
        let ix = self.trade_ix(market, quote).await;
        let (maker, taker) = (self.maker(), self.taker.clone_user());
        send_ok(&mut self.m.w.ctx, &[ix], &[&maker.key, &taker.key]).await
    }

    /// Every account a trade could write or read: both margin accounts, both markets and oracles,
    /// the vaults and the clearinghouse.
    pub fn trade_watch(&self) -> Vec<Pubkey> {
        let mut watch = vec![self.user.margin_account, self.taker.margin_account, self.clearinghouse, self.quote_vault, self.insurance_vault];
        watch.extend(self.pairs(&[self.btc, self.eth]));
        watch
    }

    /// `ix` signed by `signers` fails with `expected` and changes nothing a trade could touch.
    pub async fn rejected<E: Into<u32> + Copy + std::fmt::Debug>(&mut self, ix: Instruction, signers: &[&Keypair], expected: E) -> Sent {
        let watch = self.trade_watch();
        assert_rejected(&mut self.m.w.ctx, &[ix], signers, &watch, expected).await
    }

    /// The maker's and taker's trade of `quote` is rejected with `expected`, nothing changed.
    pub async fn trade_rejected<E: Into<u32> + Copy + std::fmt::Debug>(&mut self, market: u16, quote: TradeQuote, expected: E) -> Sent {
        let ix = self.trade_ix(market, quote).await;
        let (maker, taker) = (self.maker(), self.taker.clone_user());
        self.rejected(ix, &[&maker.key, &taker.key], expected).await
    }

    pub async fn account(&mut self, key: &Pubkey) -> MarginAccount {
        load_zc(&mut self.m.w.ctx, key).await
    }

    pub async fn market_state(&mut self, index: u16) -> Market {
        let key = self.market(index).key;
        load_zc(&mut self.m.w.ctx, &key).await
    }

    /// Quote balance (deposit - debt) of a margin account, native units.
    pub async fn quote_balance(&mut self, key: &Pubkey) -> i128 {
        let mint = self.mint;
        self.account(key).await.quote_balance(&mint)
    }

    /// (size, cost basis) of the account's position in `(market, instrument)` ((0, 0) if none).
    pub async fn position(&mut self, key: &Pubkey, market: u16, instrument: u16) -> (i64, i64) {
        let a = self.account(key).await;
        a.position_index(market, instrument).map(|i| (a.positions[i].size, a.positions[i].cost_basis)).unwrap_or((0, 0))
    }

    /// Marks both markets' vols as just updated (the crank would).
    pub async fn fresh_vols(&mut self) {
        let now = self.now;
        for key in [self.btc.key, self.eth.key] {
            edit_account(&mut self.m.w.ctx, &key, |mk: &mut Market| mk.vol_updated_at = now).await;
        }
    }

    /// Moves the clock, republishes both oracles and refreshes the vols.
    pub async fn advance(&mut self, now: i64) {
        self.warp(now).await;
        self.fresh_vols().await;
    }
}

impl User {
    /// The same user (keypair cloned).
    pub fn clone_user(&self) -> User {
        User { key: self.key.insecure_clone(), token_account: self.token_account, margin_account: self.margin_account }
    }
}
