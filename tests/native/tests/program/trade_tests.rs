//! `trade`: fills netted into both accounts (cost basis, realised P&L, premium, fees, pools) for
//! every instrument kind, and every refusal (specific error, nothing changed).

use crate::support::*;
use portfolio_margin::{errors::PmError, events::TradeEvent, instructions::TradeQuote, state::*};
use solana_sdk::{pubkey::Pubkey, signature::Keypair, signer::Signer};

/// Trades every `(maker delta, price)` of `steps` in BTC `instrument` and checks the world against
/// the model after each.
async fn lifecycle(instrument: u16, linear: bool, steps: &[(i64, u64)]) -> (TradeWorld, Model) {
    let mut t = TradeWorld::new().await;
    let mut model = Model::default();
    for (nonce, &(delta, price)) in steps.iter().enumerate() {
        let side = if delta > 0 { MAKER_BUYS } else { MAKER_SELLS };
        let logs = t.trade(BTC, quote(instrument, side, delta.unsigned_abs(), price, nonce as u64)).await;
        let (mf, tf) = model.fill(delta, price, linear, BTC_SPOT_1E6);
        let e = &events::<TradeEvent>(&logs)[0];
        assert_eq!((e.maker_fee, e.taker_fee, e.maker_size_after, e.taker_size_after), (mf, tf, model.maker.size, model.taker.size));
        assert_model(&mut t, BTC, instrument, &model).await;
    }
    (t, model)
}

/// Open, add, reduce, flip, close (maker's deltas; 0.01 BTC = 10,000).
const LINEAR_STEPS: [(i64, u64); 5] = [
    (20_000, 65_000_000_000),
    (10_000, 66_000_000_000),
    (-10_000, 67_000_000_000),
    (-40_000, 64_000_000_000),
    (20_000, 63_000_000_000),
];

pm_test! {
    async fn a_perpetual_opens_adds_reduces_flips_and_closes_at_average_cost() {
        let (mut t, model) = lifecycle(PERP, true, &LINEAR_STEPS).await;
        // by hand: long 0.03 at a basis of 1,960; selling 0.01 at 67,000 closes a third of it,
        // rounded up (653.333334): the maker realises 16.666666, the short taker -16.666667 and
        // the pool keeps the unit
        let mut check = Model::default();
        for &(d, p) in &LINEAR_STEPS[..3] {
            check.fill(d, p, true, 0);
        }
        assert_eq!((check.maker.realized, check.taker.realized), (16_666_666, -16_666_667));
        assert_eq!((check.maker.cost, check.taker.cost), (1_306_666_666, -1_306_666_667));
        // closed: both flat, every realised unit paid in cash, the pools hold the rest
        assert_eq!((model.maker.size, model.taker.size), (0, 0));
        assert_eq!(model.maker.realized, 16_666_666 - 26_666_666 + 20_000_000);
        assert_eq!(model.taker.realized, -16_666_667 + 26_666_667 - 20_000_000);
        // the reduce left a unit in the pool, the flip took it back
        assert_eq!(model.pnl_pool, 0);
        let fees: i64 = LINEAR_STEPS.iter().map(|&(d, p)| ceil_div(d.unsigned_abs() as i128 * p as i128 * 700, E6 * E6) as i64).sum();
        assert_eq!(model.fee_pool, fees);
        // the perpetual's trades moved the mark EMA: at T0 no time had passed, so it stayed
        let m = t.market_state(BTC).await;
        assert_eq!((m.mark_ema, m.mark_ema_updated_at), (BTC_SPOT_1E6, T0));
    }
}

pm_test! {
    async fn a_future_nets_like_the_perpetual() {
        lifecycle(BTC_FUT_0, true, &LINEAR_STEPS).await;
    }
}

/// Odd sizes and premiums, so buyers' ceilings and sellers' floors differ.
const OPTION_STEPS: [(i64, u64); 5] = [
    (100_003, 5_432_123_457),
    (50_001, 5_500_000_001),
    (-30_007, 5_600_123_456),
    (-240_000, 5_300_000_007),
    (120_003, 5_250_000_003),
];

pm_test! {
    async fn a_call_pays_premium_with_fees_capped_by_notional() {
        let (_, model) = lifecycle(BTC_CALL_60K, false, &OPTION_STEPS).await;
        // the first fill by hand: the buyer pays the ceiling of 543.253...; 1% and 3% of that premium
        // are above the cap of 0.03% of 100,003 x 65,123.456789, so both fees are the cap
        let premium = 100_003i128 * 5_432_123_457;
        let cap = ceil_div(100_003 * BTC_SPOT_1E6 as i128 * 300, E6 * E6) as i64;
        let mut first = Model::default();
        let (mf, tf) = first.fill(100_003, 5_432_123_457, false, BTC_SPOT_1E6);
        assert_eq!((mf, tf), (cap, cap));
        assert_eq!(first.maker.cash, -ceil_div(premium, E6) - cap as i128);
        assert_eq!(first.taker.cash, floor_div(premium, E6) - cap as i128);
        assert_eq!(first.pnl_pool, 1);
        assert_eq!((model.maker.size, model.taker.size), (0, 0));
    }
}

pm_test! {
    async fn a_put_pays_premium_with_fees_at_their_rates() {
        let steps = [(70_001, 301_234_567), (30_000, 310_000_001), (-50_003, 320_000_003), (-100_000, 290_000_009), (50_002, 280_000_001)];
        let (_, model) = lifecycle(BTC_PUT_60K, false, &steps).await;
        // 3% of a 0.07 x 301.23 premium is below the cap: the rate applies
        let (size, price) = (70_001i128, 301_234_567i128);
        let mut first = Model::default();
        let (mf, tf) = first.fill(70_001, 301_234_567, false, BTC_SPOT_1E6);
        assert_eq!((mf, tf), (ceil_div(size * price * 10_000, E6 * E6) as i64, ceil_div(size * price * 30_000, E6 * E6) as i64));
        assert!(size * price * 30_000 < size * BTC_SPOT_1E6 as i128 * 300);
        assert_eq!((model.maker.size, model.taker.size), (0, 0));
    }
}

// ---- refusals ----

/// The world with the maker long 0.02 BTC perpetual against the taker (nonce 0 spent).
async fn with_open_perp() -> TradeWorld {
    let mut t = TradeWorld::new().await;
    t.trade(BTC, quote(PERP, MAKER_BUYS, 20_000, 65_000_000_000, 0)).await;
    t
}

pm_test! {
    async fn maker_and_taker_must_differ_in_account_and_owner() {
        let mut t = TradeWorld::new().await;
        let maker = t.maker();
        let remaining = t.pairs(&[t.btc]);
        let q = quote(PERP, MAKER_BUYS, 10_000, 65_000_000_000, 1);
        let same = trade_ix(&maker.key.pubkey(), &maker.key.pubkey(), &t.clearinghouse, &t.btc.key, &maker.margin_account, &maker.margin_account, q, &remaining);
        t.rejected(same, &[&maker.key], PmError::SelfTrade).await;
        // the maker's second account
        let payer = t.ctx.payer.pubkey();
        let ch = t.clearinghouse;
        send_ok(&mut t.ctx, &[create_account_ix(&ch, &maker.key.pubkey(), &payer, 1)], &[&maker.key]).await;
        let second = User { margin_account: margin_account_pda(&ch, &maker.key.pubkey(), 1), ..maker.clone_user() };
        t.fund_usdc(&second, 1_000 * USDC).await;
        let ix = t.trade_between(&maker, &second, BTC, q).await;
        let watch = [t.trade_watch(), vec![second.margin_account]].concat();
        assert_rejected(&mut t.ctx, &[ix], &[&maker.key], &watch, PmError::SelfTrade).await;
    }
}

pm_test! {
    async fn an_expired_quote_is_refused_and_one_expiring_now_fills() {
        let mut t = TradeWorld::new().await;
        let q = TradeQuote { expires_at: T0 - 1, ..quote(PERP, MAKER_BUYS, 10_000, 65_000_000_000, 0) };
        t.trade_rejected(BTC, q, PmError::QuoteExpired).await;
        t.trade(BTC, TradeQuote { expires_at: T0, ..q }).await;
    }
}

pm_test! {
    async fn a_quote_fills_once_and_cancelled_quotes_never() {
        let mut t = with_open_perp().await;
        // replay of nonce 0
        t.trade_rejected(BTC, quote(PERP, MAKER_BUYS, 20_000, 65_000_000_000, 0), PmError::QuoteNonceUsed).await;
        t.trade(BTC, quote(PERP, MAKER_SELLS, 10_000, 65_000_000_000, 7)).await;
        // the kill switch: every nonce below 10 is void, 10 still fills
        let maker = t.maker();
        let cancel = cancel_quotes_ix(&maker.key.pubkey(), &maker.margin_account, 10);
        send_ok(&mut t.ctx, &[cancel], &[&maker.key]).await;
        let a = t.account(&maker.margin_account).await;
        assert_eq!((a.quote_nonce_floor, a.quote_nonce_bitmap), (10, 0));
        for nonce in [1, 5, 9] {
            t.trade_rejected(BTC, quote(PERP, MAKER_SELLS, 5_000, 65_000_000_000, nonce), PmError::QuoteNonceUsed).await;
        }
        t.trade(BTC, quote(PERP, MAKER_SELLS, 5_000, 65_000_000_000, 10)).await;
        // cancelling needs the owner and a higher floor
        let stranger = Keypair::new();
        let ix = cancel_quotes_ix(&stranger.pubkey(), &maker.margin_account, 20);
        t.rejected(ix, &[&stranger], PmError::NotAccountOwner).await;
        let ix = cancel_quotes_ix(&maker.key.pubkey(), &maker.margin_account, 10);
        t.rejected(ix, &[&maker.key], PmError::QuoteNonceUsed).await;
    }
}

pm_test! {
    async fn the_oracle_past_the_makers_limit_refuses_the_fill() {
        let mut t = TradeWorld::new().await;
        let spot = BTC_SPOT_1E6;
        // maker buys a perpetual (positive delta): needs the oracle at or above the limit
        let q = TradeQuote { oracle_limit: spot + 1, ..quote(PERP, MAKER_BUYS, 10_000, 65_000_000_000, 0) };
        t.trade_rejected(BTC, q, PmError::QuoteOracleLimit).await;
        // maker buys a put (negative delta): needs the oracle at or below
        let q = TradeQuote { oracle_limit: spot - 1, ..quote(BTC_PUT_60K, MAKER_BUYS, 10_000, 300_000_000, 1) };
        t.trade_rejected(BTC, q, PmError::QuoteOracleLimit).await;
        // maker sells a perpetual: at or below
        let q = TradeQuote { oracle_limit: spot - 1, ..quote(PERP, MAKER_SELLS, 10_000, 65_000_000_000, 2) };
        t.trade_rejected(BTC, q, PmError::QuoteOracleLimit).await;
        // at the limit: fills
        t.trade(BTC, TradeQuote { oracle_limit: spot, ..q }).await;
        t.trade(BTC, TradeQuote { oracle_limit: spot, ..quote(PERP, MAKER_BUYS, 10_000, 65_000_000_000, 3) }).await;
        t.trade(BTC, TradeQuote { oracle_limit: spot, ..quote(BTC_PUT_60K, MAKER_BUYS, 10_000, 300_000_000, 4) }).await;
    }
}

pm_test! {
    async fn an_expired_instrument_is_refused() {
        let mut t = TradeWorld::new().await;
        t.advance(BTC_EXPIRIES[0]).await;
        t.trade_rejected(BTC, quote(BTC_CALL_60K, MAKER_BUYS, 10_000, 5_000_000_000, 0), PmError::InstrumentExpired).await;
        t.trade_rejected(BTC, quote(BTC_FUT_0, MAKER_BUYS, 10_000, 65_000_000_000, 0), PmError::InstrumentExpired).await;
        // the later expiry and the perpetual still trade
        t.trade(BTC, quote(BTC_FUT_1, MAKER_BUYS, 10_000, 65_000_000_000, 1)).await;
        t.trade(BTC, quote(PERP, MAKER_BUYS, 10_000, 65_000_000_000, 2)).await;
    }
}

/// `with_open_perp`, then the BTC market set to `status`.
async fn open_perp_in(status: MarketStatus) -> TradeWorld {
    let mut t = with_open_perp().await;
    let (admin, ch, btc) = (t.admin.pubkey(), t.clearinghouse, t.btc.key);
    t.send_admin(set_market_status_ix(&admin, &ch, &btc, status as u8)).await;
    t
}

pm_test! {
    async fn a_paused_market_refuses_every_trade() {
        let mut t = open_perp_in(MarketStatus::Paused).await;
        t.trade_rejected(BTC, quote(PERP, MAKER_SELLS, 10_000, 65_000_000_000, 1), PmError::MarketPaused).await;
        t.trade_rejected(BTC, quote(PERP, MAKER_BUYS, 10_000, 65_000_000_000, 1), PmError::MarketPaused).await;
    }
}

pm_test! {
    async fn a_reduce_only_market_lets_positions_shrink_only() {
        let mut t = open_perp_in(MarketStatus::ReduceOnly).await;
        // grows both
        t.trade_rejected(BTC, quote(PERP, MAKER_BUYS, 1, 65_000_000_000, 1), PmError::MarketReduceOnly).await;
        // flips both
        t.trade_rejected(BTC, quote(PERP, MAKER_SELLS, 30_000, 65_000_000_000, 1), PmError::MarketReduceOnly).await;
        // a new option position
        t.trade_rejected(BTC, quote(BTC_CALL_60K, MAKER_SELLS, 1_000, 5_000_000_000, 1), PmError::MarketReduceOnly).await;
        // shrinks both
        t.trade(BTC, quote(PERP, MAKER_SELLS, 5_000, 65_000_000_000, 1)).await;
        // one side shrinking (the taker's short) and the other opening is refused too
        let third = t.new_user().await;
        t.fund_usdc(&third, 1_000 * USDC).await;
        let taker = t.taker.clone_user();
        let ix = t.trade_between(&third, &taker, BTC, quote(PERP, MAKER_SELLS, 5_000, 65_000_000_000, 0)).await;
        let watch = [t.trade_watch(), vec![third.margin_account]].concat();
        assert_rejected(&mut t.ctx, &[ix], &[&third.key, &taker.key], &watch, PmError::MarketReduceOnly).await;
        // closes both
        t.trade(BTC, quote(PERP, MAKER_SELLS, 15_000, 65_000_000_000, 2)).await;
        let (maker, taker) = (t.user.margin_account, t.taker.margin_account);
        assert_eq!((t.position(&maker, BTC, PERP).await, t.position(&taker, BTC, PERP).await), ((0, 0), (0, 0)));
    }
}

pm_test! {
    async fn malformed_quotes_are_refused() {
        let mut t = TradeWorld::new().await;
        let q = quote(PERP, MAKER_BUYS, 10_000, 65_000_000_000, 0);
        t.trade_rejected(BTC, TradeQuote { maker_side: 2, ..q }, PmError::InvalidSide).await;
        t.trade_rejected(BTC, TradeQuote { size: 0, ..q }, PmError::PositionTooLarge).await;
        t.trade_rejected(BTC, TradeQuote { size: risk_engine::MAX_SIZE as u64 + 1, ..q }, PmError::PositionTooLarge).await;
        t.trade_rejected(BTC, TradeQuote { price: 0, ..q }, PmError::InvalidTradePrice).await;
        t.trade_rejected(BTC, TradeQuote { price: risk_engine::MAX_PRICE + 1, ..q }, PmError::InvalidTradePrice).await;
        t.trade_rejected(BTC, TradeQuote { instrument_index: BTC_INSTRUMENTS.len() as u16 + 1, ..q }, PmError::UnknownInstrument).await;
        // a fill taking a position past the engine's size bound
        let maker = t.user.margin_account;
        t.set_positions(&maker, &[(BTC, PERP, risk_engine::MAX_SIZE, 0)]).await;
        t.trade_rejected(BTC, TradeQuote { size: 1, ..q }, PmError::PositionTooLarge).await;
    }
}

/// The logged equity of a margin refusal.
fn refused_equity(sent: &Sent) -> i64 {
    let line = sent.logs.iter().find(|l| l.contains("margin: equity ")).expect("margin refusal logged");
    line.split("margin: equity ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap()
}

pm_test! {
    async fn a_trade_leaving_either_side_below_im_is_refused() {
        let mut t = TradeWorld::new().await;
        // 10 BTC against 20,000 USDC: far below IM. The taker can afford it, the maker cannot.
        let taker = t.taker.clone_user();
        t.fund_usdc(&taker, 10_000_000 * USDC).await;
        let big = quote(PERP, MAKER_BUYS, 10_000_000, 65_000_000_000, 0);
        let sent = t.trade_rejected(BTC, big, PmError::InsufficientMargin).await;
        assert!(refused_equity(&sent) < 25_000 * USDC as i64, "the maker's equity: {:?}", sent.logs);
        // the maker can afford it, the taker cannot
        let maker = t.maker();
        t.fund_usdc(&maker, 20_000_000 * USDC).await;
        let fresh = t.new_user().await;
        t.fund_usdc(&fresh, 20_000 * USDC).await;
        let ix = t.trade_between(&maker, &fresh, BTC, big).await;
        let watch = [t.trade_watch(), vec![fresh.margin_account]].concat();
        let sent = assert_rejected(&mut t.ctx, &[ix], &[&maker.key, &fresh.key], &watch, PmError::InsufficientMargin).await;
        assert!(refused_equity(&sent) < 25_000 * USDC as i64, "the taker's equity: {:?}", sent.logs);
        // both can: fills
        t.trade(BTC, big).await;
    }
}

pm_test! {
    async fn a_risk_reducing_trade_goes_through_below_im_and_a_risk_increasing_one_does_not() {
        let mut t = TradeWorld::new().await;
        t.trade(BTC, quote(PERP, MAKER_BUYS, 1_000_000, 65_000_000_000, 0)).await;
        // the maker withdraws everything above IM, then BTC falls 1%: below IM
        let (maker, btc) = (t.maker(), t.pairs(&[t.btc]));
        let r = t.report(&maker.margin_account, &btc).await;
        let withdraw = Transfer { remaining: btc.clone(), ..t.transfer(&maker) }.withdraw((r.equity - r.im) as u64);
        send_ok(&mut t.ctx, &[withdraw], &[&maker.key]).await;
        let now = t.now;
        t.put_btc(PriceUpdateV2::new(feed_id(BTC_FEED_HEX), BTC_PRICE / 100 * 99, BTC_CONF, EXPONENT, now));
        let r = t.report(&maker.margin_account, &btc).await;
        assert!(r.equity < r.im, "{r:?}");
        t.trade_rejected(BTC, quote(PERP, MAKER_BUYS, 10_000, 64_000_000_000, 1), PmError::InsufficientMargin).await;
        // selling 0.01 far below the oracle lowers IM but loses more than that: refused
        t.trade_rejected(BTC, quote(PERP, MAKER_SELLS, 10_000, 10_000_000_000, 1), PmError::InsufficientMargin).await;
        // selling 0.01 above the oracle lowers IM and raises the excess, still below IM
        let ix = t.trade_ix(BTC, quote(PERP, MAKER_SELLS, 10_000, 64_500_000_000, 2)).await;
        let taker = t.taker.clone_user();
        let sent = send(&mut t.ctx, &[ix], &[&maker.key, &taker.key]).await;
        assert!(sent.result.is_ok(), "{:?}", sent.logs);
        assert!(logged(&sent, "trade reduces risk: initial margin"), "{:?}", sent.logs);
        let after = t.report(&maker.margin_account, &btc).await;
        assert!(after.im < r.im && after.equity - after.im > r.equity - r.im && after.equity < after.im, "{after:?} vs {r:?}");
    }
}

pm_test! {
    async fn both_owners_must_sign_for_their_own_accounts() {
        let mut t = TradeWorld::new().await;
        let (maker, taker, stranger) = (t.maker(), t.taker.clone_user(), Keypair::new());
        let q = quote(PERP, MAKER_BUYS, 10_000, 65_000_000_000, 0);
        let remaining = t.pairs(&[t.btc]);
        let (ch, btc) = (t.clearinghouse, t.btc.key);
        let build = |maker_key: &Pubkey, taker_key: &Pubkey| trade_ix(maker_key, taker_key, &ch, &btc, &maker.margin_account, &taker.margin_account, q, &remaining);
        t.rejected(build(&stranger.pubkey(), &taker.key.pubkey()), &[&stranger, &taker.key], PmError::NotAccountOwner).await;
        t.rejected(build(&maker.key.pubkey(), &stranger.pubkey()), &[&maker.key, &stranger], PmError::NotAccountOwner).await;
        let ix = build(&maker.key.pubkey(), &taker.key.pubkey());
        t.rejected(unsigned(ix.clone(), &maker.key.pubkey()), &[&taker.key], anchor_lang::error::ErrorCode::AccountNotSigner).await;
        t.rejected(unsigned(ix.clone(), &taker.key.pubkey()), &[&maker.key], anchor_lang::error::ErrorCode::AccountNotSigner).await;
        send_ok(&mut t.ctx, &[ix], &[&maker.key, &taker.key]).await;
    }
}

pm_test! {
    async fn the_market_must_be_of_this_clearinghouse_and_every_held_market_passed() {
        let mut t = with_open_perp().await;
        let (maker, taker) = (t.maker(), t.taker.clone_user());
        let (_, other_market) = t.other_clearinghouse().await;
        let q = quote(ETH_CALL_3500, MAKER_BUYS, 10_000, 100_000_000, 1);
        let remaining = t.pairs(&[t.btc, t.eth]);
        let ch = t.clearinghouse;
        let build = |market: &Pubkey, remaining: &[Pubkey]| trade_ix(&maker.key.pubkey(), &taker.key.pubkey(), &ch, market, &maker.margin_account, &taker.margin_account, q, remaining);
        let signers = [&maker.key, &taker.key];
        t.rejected(build(&other_market, &remaining), &signers, PmError::WrongMarket).await;
        // both hold BTC: trading ETH needs the BTC pair too
        let eth = t.pairs(&[t.eth]);
        let eth_key = t.eth.key;
        t.rejected(build(&eth_key, &eth), &signers, PmError::RemainingAccountsMismatch).await;
        t.rejected(build(&eth_key, &[eth.clone(), eth.clone()].concat()), &signers, PmError::MissingMarketAccount).await;
        send_ok(&mut t.ctx, &[build(&eth_key, &remaining)], &signers).await;
    }
}

pm_test! {
    async fn a_stale_oracle_or_stale_vols_refuse_risk_but_not_its_reduction() {
        let mut t = with_open_perp().await;
        // 60 s old: too old to add risk (30 s), fine for margin (120 s)
        t.set_now(T0 + 60).await;
        t.trade_rejected(BTC, quote(PERP, MAKER_BUYS, 10_000, 65_000_000_000, 1), PmError::OracleStale).await;
        t.trade(BTC, quote(PERP, MAKER_SELLS, 5_000, 65_000_000_000, 1)).await;
        // vols older than their maximum age
        t.warp(T0 + 120).await;
        let btc = t.btc.key;
        edit_account(&mut t.ctx, &btc, |mk: &mut Market| mk.vol_updated_at = T0 + 120 - 3_601).await;
        t.trade_rejected(BTC, quote(PERP, MAKER_BUYS, 10_000, 65_000_000_000, 2), PmError::VolStale).await;
        t.trade(BTC, quote(PERP, MAKER_SELLS, 5_000, 65_000_000_000, 2)).await;
        t.fresh_vols().await;
        t.trade(BTC, quote(PERP, MAKER_BUYS, 10_000, 65_000_000_000, 3)).await;
    }
}

pm_test! {
    async fn fees_are_swept_to_the_insurance_fund_by_the_admin_only() {
        let mut t = with_open_perp().await;
        let fees = (ceil_div(20_000 * 65_000_000_000i128 * 200, E6 * E6) + ceil_div(20_000 * 65_000_000_000i128 * 500, E6 * E6)) as u64;
        assert_eq!(t.market_state(BTC).await.fee_pool, fees);
        let (admin, ch, btc) = (t.admin.insecure_clone(), t.clearinghouse, t.btc.key);
        t.rejected(sweep_fees_ix(&admin.pubkey(), &ch, &btc, fees + 1), &[&admin], PmError::InsufficientFees).await;
        t.rejected(sweep_fees_ix(&admin.pubkey(), &ch, &btc, 0), &[&admin], PmError::ZeroAmount).await;
        let stranger = Keypair::new();
        t.rejected(sweep_fees_ix(&stranger.pubkey(), &ch, &btc, 1), &[&stranger], PmError::NotAdmin).await;
        let (quote_vault, insurance_vault) = (t.quote_vault, t.insurance_vault);
        let vault_before = token_balance(&mut t.ctx, &quote_vault).await;
        t.send_admin(sweep_fees_ix(&admin.pubkey(), &ch, &btc, fees - 1)).await;
        t.send_admin(sweep_fees_ix(&admin.pubkey(), &ch, &btc, 1)).await;
        assert_eq!(t.market_state(BTC).await.fee_pool, 0);
        assert_eq!(token_balance(&mut t.ctx, &insurance_vault).await, fees);
        assert_eq!(token_balance(&mut t.ctx, &quote_vault).await, vault_before - fees);
        t.rejected(sweep_fees_ix(&admin.pubkey(), &ch, &btc, 1), &[&admin], PmError::InsufficientFees).await;
    }
}

pm_test! {
    async fn trading_params_are_the_admins_and_within_bounds() {
        let mut t = TradeWorld::new().await;
        let (admin, ch, btc) = (t.admin.insecure_clone(), t.clearinghouse, t.btc.key);
        let d = TradingParams::DEFAULT;
        for bad in [
            TradingParams { taker_fee_ppm: 10_001, ..d },
            TradingParams { maker_fee_ppm: -501, ..d },
            TradingParams { maker_fee_ppm: 501, ..d },
            TradingParams { option_taker_fee_ppm: 200_001, ..d },
            TradingParams { option_fee_cap_ppm: 10_001, ..d },
            TradingParams { funding_interval_secs: 59, ..d },
            TradingParams { funding_period_secs: 3_599, ..d },
            TradingParams { max_funding_rate_ppm: 100_001, ..d },
            TradingParams { ema_window_secs: 59, ..d },
            TradingParams { settlement_window_secs: 7 * 86_400 + 1, ..d },
        ] {
            t.rejected(update_trading_params_ix(&admin.pubkey(), &ch, &btc, bad), &[&admin], PmError::InvalidTradingParams).await;
        }
        let stranger = Keypair::new();
        t.rejected(update_trading_params_ix(&stranger.pubkey(), &ch, &btc, d), &[&stranger], PmError::NotAdmin).await;
        // a maker rebate as large as the taker fee: the maker is paid, the pool keeps the difference
        let rebate = TradingParams { maker_fee_ppm: -500, ..d };
        t.send_admin(update_trading_params_ix(&admin.pubkey(), &ch, &btc, rebate)).await;
        assert_eq!(t.market_state(BTC).await.trading, rebate);
        t.trade(BTC, quote(PERP, MAKER_BUYS, 10_001, 65_000_000_001, 0)).await;
        let notional = 10_001i128 * 65_000_000_001;
        let (taker_fee, rebate_paid) = (ceil_div(notional * 500, E6 * E6), floor_div(notional * 500, E6 * E6));
        let maker = t.user.margin_account;
        assert_eq!(t.quote_balance(&maker).await, TRADER_DEPOSIT as i128 + rebate_paid);
        assert_eq!(t.market_state(BTC).await.fee_pool as i128, taker_fee - rebate_paid);
    }
}
