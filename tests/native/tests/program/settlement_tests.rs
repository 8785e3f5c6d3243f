//! Expiry settlement: `settle_expiry` from an oracle price published inside the settlement window
//! (`PriceUpdateV2` and legacy), `admin_settle_expiry` after it, and positions turned into quote
//! by `settle_positions` or by a trade touching the account.

use crate::support::*;
use portfolio_margin::{errors::PmError, state::TradingParams};
use solana_sdk::{signature::Keypair, signer::Signer};

const S: i128 = BTC_SPOT_1E6 as i128;

/// The maker's BTC expiry-0 book (maker delta, price), all 0.1: long the ITM 60K call and 70K put,
/// short the OTM 70K call and 60K put, short the future.
const BOOK: [(u16, i64, u64); 5] = [
    (BTC_CALL_60K, 100_000, 5_500_000_000),
    (BTC_PUT_70K, 100_000, 5_200_000_000),
    (BTC_CALL_70K, -100_000, 400_000_000),
    (BTC_PUT_60K, -100_000, 300_000_000),
    (BTC_FUT_0, -100_000, 65_000_000_000),
];

/// What a holder of `size` of `BOOK[i]` receives at settlement price `S` (credits floored, debits
/// ceiled), and the basis the position carries.
fn settles(i: usize, size: i64) -> (i128, i128) {
    let (instrument, _, price) = BOOK[i];
    let size = size as i128;
    let basis = if size > 0 { ceil_div(size * price as i128, E6) } else { floor_div(size * price as i128, E6) };
    let cash = match instrument {
        BTC_CALL_60K => floor_div(size * (S - 60_000 * E6).max(0), E6),
        BTC_PUT_70K => floor_div(size * (70_000 * E6 - S).max(0), E6),
        BTC_CALL_70K => floor_div(size * (S - 70_000 * E6).max(0), E6),
        BTC_PUT_60K => floor_div(size * (60_000 * E6 - S).max(0), E6),
        _ => floor_div(size * S, E6) - basis,
    };
    (cash, basis)
}

pm_test! {
    async fn options_and_futures_settle_itm_and_otm_by_crank_and_on_touch() {
        let mut t = TradeWorld::new().await;
        for (nonce, &(instrument, delta, price)) in BOOK.iter().enumerate() {
            let side = if delta > 0 { MAKER_BUYS } else { MAKER_SELLS };
            t.trade(BTC, quote(instrument, side, delta.unsigned_abs(), price, nonce as u64)).await;
        }
        let (maker, taker) = (t.maker(), t.taker.clone_user());
        let (ch, btc) = (t.clearinghouse, t.btc);
        let expiry = BTC_EXPIRIES[0];
        let watch = t.trade_watch();
        // not before the expiry
        t.advance(expiry - 1).await;
        assert_rejected(&mut t.ctx, &[settle_expiry_ix(&ch, &btc, 0)], &[], &watch, PmError::ExpiryNotReached).await;
        // a price published before the expiry is stale for it
        t.advance(expiry + 60).await;
        t.put_btc(btc_update(expiry - 1));
        assert_rejected(&mut t.ctx, &[settle_expiry_ix(&ch, &btc, 0)], &[], &watch, PmError::OracleStale).await;
        // inside the window only the oracle settles; the admin neither, nor anyone else
        let (admin, stranger) = (t.admin.insecure_clone(), Keypair::new());
        let by_admin = admin_settle_expiry_ix(&admin.pubkey(), &ch, &btc.key, 0, 65_000 * STRIKE);
        assert_rejected(&mut t.ctx, &[by_admin], &[&admin], &watch, PmError::SettlementWindowOpen).await;
        let by_stranger = admin_settle_expiry_ix(&stranger.pubkey(), &ch, &btc.key, 0, 65_000 * STRIKE);
        assert_rejected(&mut t.ctx, &[by_stranger], &[&stranger], &watch, PmError::NotAdmin).await;
        assert_rejected(&mut t.ctx, &[settle_expiry_ix(&ch, &btc, 9)], &[], &watch, PmError::UnknownExpiry).await;
        // nothing to settle yet
        let settle_maker = settle_positions_ix(&ch, &maker.margin_account, &[btc.key]);
        assert_rejected(&mut t.ctx, &[settle_maker.clone()], &[], &watch, PmError::NothingToSettle).await;
        // a price published 30 s after the expiry
        t.put_btc(btc_update(expiry + 30));
        send_ok(&mut t.ctx, &[settle_expiry_ix(&ch, &btc, 0)], &[]).await;
        let m = t.market_state(BTC).await;
        assert_eq!((m.expiries[0].settlement_price, m.expiries[1].settlement_price), (BTC_SPOT_1E6, 0));
        assert_rejected(&mut t.ctx, &[settle_expiry_ix(&ch, &btc, 0)], &[], &watch, PmError::ExpiryAlreadySettled).await;

        // the maker's five positions by the crank
        let (maker_before, pool_before) = (t.quote_balance(&maker.margin_account).await, m.pnl_pool);
        let maker_cash: Vec<(i128, i128)> = BOOK.iter().enumerate().map(|(i, b)| settles(i, b.1)).collect();
        let taker_cash: Vec<(i128, i128)> = BOOK.iter().enumerate().map(|(i, b)| settles(i, -b.1)).collect();
        // ITM options pay intrinsic, OTM nothing, the short future pays the price over its basis
        assert_eq!(maker_cash.iter().map(|c| c.0).collect::<Vec<_>>(), vec![512_345_678, 487_654_321, 0, 0, -12_345_679]);
        assert_eq!(taker_cash.iter().map(|c| c.0).collect::<Vec<_>>(), vec![-512_345_679, -487_654_322, 0, 0, 12_345_678]);
        send_ok(&mut t.ctx, &[settle_maker.clone()], &[]).await;
        let total: i128 = maker_cash.iter().map(|c| c.0).sum();
        assert_eq!(t.quote_balance(&maker.margin_account).await, maker_before + total);
        let a = t.account(&maker.margin_account).await;
        assert!(a.positions.iter().all(|p| p.size == 0));
        // realised: options their cash less the premium basis, the future its cash
        let realized: i128 = maker_cash.iter().enumerate().map(|(i, c)| if i == 4 { c.0 } else { c.0 - c.1 }).sum();
        assert_eq!(a.realized_pnl as i128, realized);
        assert_eq!(t.market_state(BTC).await.pnl_pool as i128, pool_before as i128 - total);
        assert_rejected(&mut t.ctx, &[settle_maker], &[], &watch, PmError::NothingToSettle).await;

        // the taker's by touch: a perpetual trade settles four of the five, the crank the last
        let taker_before = t.quote_balance(&taker.margin_account).await;
        t.trade(BTC, quote(PERP, MAKER_BUYS, 10_000, 65_000_000_000, 9)).await;
        let touched: i128 = taker_cash[..4].iter().map(|c| c.0).sum();
        let taker_fee = ceil_div(10_000 * 65_000_000_000 * 500, E6 * E6);
        assert_eq!(t.quote_balance(&taker.margin_account).await, taker_before + touched - taker_fee);
        assert_eq!(t.position(&taker.margin_account, BTC, BTC_FUT_0).await.0, 100_000);
        let (other_ch, other_market) = t.other_clearinghouse().await;
        let _ = other_ch;
        let wrong = settle_positions_ix(&ch, &taker.margin_account, &[other_market]);
        assert_rejected(&mut t.ctx, &[wrong], &[], &watch, PmError::WrongMarket).await;
        send_ok(&mut t.ctx, &[settle_positions_ix(&ch, &taker.margin_account, &[btc.key])], &[]).await;
        assert_eq!(t.quote_balance(&taker.margin_account).await, taker_before + touched - taker_fee + taker_cash[4].0);
        // every expiry-0 contract is gone; the pool kept the rounding of both sides
        let m = t.market_state(BTC).await;
        for (instrument, _, _) in BOOK {
            assert_eq!(m.instruments[instrument as usize].open_interest, 0);
        }
        let rounding: i128 = maker_cash.iter().zip(&taker_cash).map(|(a, b)| -(a.0 + b.0)).sum();
        assert_eq!(rounding, 3);
    }
}

pm_test! {
    async fn a_legacy_oracle_settles_and_after_the_window_only_the_admin() {
        let mut t = TradeWorld::new().await;
        t.trade(ETH, quote(ETH_FUT_0, MAKER_BUYS, 100_000, 3_400_000_000, 0)).await;
        let (maker, taker) = (t.maker(), t.taker.clone_user());
        let (ch, eth, admin) = (t.clearinghouse, t.eth, t.admin.insecure_clone());
        let expiry = ETH_EXPIRIES[0];
        let watch = t.trade_watch();
        // a legacy price published after the window closed
        t.advance(expiry + 3_600 + 100).await;
        t.put_eth(eth_price(expiry + 3_600 + 50));
        assert_rejected(&mut t.ctx, &[settle_expiry_ix(&ch, &eth, 0)], &[], &watch, PmError::SettlementWindowClosed).await;
        // the admin then, with a valid price
        let ix = admin_settle_expiry_ix(&admin.pubkey(), &ch, &eth.key, 0, 0);
        assert_rejected(&mut t.ctx, &[ix], &[&admin], &watch, PmError::InvalidTradePrice).await;
        t.send_admin(admin_settle_expiry_ix(&admin.pubkey(), &ch, &eth.key, 0, 3_456_000_000)).await;
        let ix = admin_settle_expiry_ix(&admin.pubkey(), &ch, &eth.key, 0, 3_456_000_000);
        assert_rejected(&mut t.ctx, &[ix], &[&admin], &watch, PmError::ExpiryAlreadySettled).await;
        let before = (t.quote_balance(&maker.margin_account).await, t.quote_balance(&taker.margin_account).await);
        for user in [&maker, &taker] {
            send_ok(&mut t.ctx, &[settle_positions_ix(&ch, &user.margin_account, &[eth.key])], &[]).await;
        }
        // 0.1 x 3,456 - 340 = 5.6 each way
        assert_eq!(t.quote_balance(&maker.margin_account).await, before.0 + 5_600_000);
        assert_eq!(t.quote_balance(&taker.margin_account).await, before.1 - 5_600_000);
    }
}

pm_test! {
    async fn a_legacy_price_inside_the_window_settles() {
        let mut t = TradeWorld::new().await;
        t.trade(ETH, quote(ETH_FUT_0, MAKER_SELLS, 100_000, 3_500_000_000, 0)).await;
        let (ch, eth) = (t.clearinghouse, t.eth);
        let expiry = ETH_EXPIRIES[0];
        t.advance(expiry + 10).await;
        t.put_eth(eth_price(expiry + 5));
        send_ok(&mut t.ctx, &[settle_expiry_ix(&ch, &eth, 0)], &[]).await;
        assert_eq!(t.market_state(ETH).await.expiries[0].settlement_price, ETH_SPOT_1E6);
        let maker = t.user.margin_account;
        let before = t.quote_balance(&maker).await;
        send_ok(&mut t.ctx, &[settle_positions_ix(&ch, &maker, &[eth.key])], &[]).await;
        // short 0.1 sold at 3,500, settled at 3,456.789012: + floor(-345.6789012) + 350
        assert_eq!(t.quote_balance(&maker).await, before + floor_div(-100_000 * ETH_SPOT_1E6 as i128, E6) + 350_000_000);
    }
}

pm_test! {
    async fn trading_and_crank_instructions_take_only_this_clearinghouses_markets_and_accounts() {
        let mut t = TradeWorld::new().await;
        let (ch, admin, btc) = (t.clearinghouse, t.admin.insecure_clone(), t.btc);
        let (other_ch, other_market) = t.other_clearinghouse().await;
        let other = MarketRef { index: BTC, key: other_market, oracle: btc.oracle };
        let watch = [t.trade_watch(), vec![other_market, other_ch]].concat();
        t.advance(T0 + 3_600).await;
        for ix in [update_funding_ix(&ch, &other), settle_expiry_ix(&ch, &other, 0)] {
            assert_rejected(&mut t.ctx, &[ix], &[], &watch, PmError::WrongMarket).await;
        }
        for ix in [
            admin_settle_expiry_ix(&admin.pubkey(), &ch, &other_market, 0, 65_000 * STRIKE),
            update_trading_params_ix(&admin.pubkey(), &ch, &other_market, TradingParams::DEFAULT),
            sweep_fees_ix(&admin.pubkey(), &ch, &other_market, 1),
        ] {
            assert_rejected(&mut t.ctx, &[ix], &[&admin], &watch, PmError::WrongMarket).await;
        }
        // the maker's account in the other clearinghouse
        let (maker, taker) = (t.maker(), t.taker.clone_user());
        let payer = t.ctx.payer.pubkey();
        send_ok(&mut t.ctx, &[create_account_ix(&other_ch, &maker.key.pubkey(), &payer, 0)], &[&maker.key]).await;
        let foreign = User { margin_account: margin_account_pda(&other_ch, &maker.key.pubkey(), 0), ..maker.clone_user() };
        let watch = [watch, vec![foreign.margin_account]].concat();
        let ix = settle_positions_ix(&ch, &foreign.margin_account, &[btc.key]);
        assert_rejected(&mut t.ctx, &[ix], &[], &watch, PmError::WrongClearinghouse).await;
        let q = quote(PERP, MAKER_BUYS, 10_000, 65_000_000_000, 0);
        let remaining = t.pairs(&[btc]);
        let as_maker = trade_ix(&maker.key.pubkey(), &taker.key.pubkey(), &ch, &btc.key, &foreign.margin_account, &taker.margin_account, q, &remaining);
        assert_rejected(&mut t.ctx, &[as_maker], &[&maker.key, &taker.key], &watch, PmError::WrongClearinghouse).await;
        let as_taker = trade_ix(&taker.key.pubkey(), &maker.key.pubkey(), &ch, &btc.key, &taker.margin_account, &foreign.margin_account, q, &remaining);
        assert_rejected(&mut t.ctx, &[as_taker], &[&maker.key, &taker.key], &watch, PmError::WrongClearinghouse).await;
    }
}
