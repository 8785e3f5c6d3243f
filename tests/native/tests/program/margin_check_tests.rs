//! The margin check of withdraw and simulate_margin: equity against IM, and the remaining
//! accounts (exactly one `[market, oracle]` pair per market the account holds, ascending).

use crate::support::*;
use anchor_lang::Discriminator;
use portfolio_margin::{errors::PmError, state::*};
use risk_engine::{MAX_QUOTE_COLLATERAL, MAX_SIZE};
use solana_sdk::pubkey::Pubkey;

/// The world's user with 1,000 USDC and a short BTC call and put (a short strangle).
async fn short_strangle() -> MarketWorld {
    let mut m = MarketWorld::new().await;
    m.deposit_usdc(1_000 * USDC).await;
    let margin = m.user.margin_account;
    m.set_positions(&margin, &[(BTC, BTC_CALL_70K, -20_000, 0), (BTC, BTC_PUT_60K, -20_000, 0)]).await;
    m
}

/// Also short an ETH put: both markets are held.
async fn holding_both() -> MarketWorld {
    let mut m = short_strangle().await;
    let margin = m.user.margin_account;
    m.set_positions(&margin, &[(BTC, BTC_CALL_70K, -20_000, 0), (ETH, ETH_PUT_3500, -100_000, 0)]).await;
    m
}

pm_test! {
    async fn a_withdrawal_may_leave_equity_at_im_but_not_one_unit_below() {
        let mut m = short_strangle().await;
        let btc = m.pairs(&[m.btc]);
        let margin = m.user.margin_account;
        let r = m.report(&margin, &btc).await;
        assert!(r.im > 0 && r.equity > r.im && r.equity < 1_000 * USDC as i64, "{r:?}");
        let free = (r.equity - r.im) as u64;
        // quote collateral has no haircut: IM does not depend on it, equity falls one for one
        let sent = m.withdraw_rejected(free + 1, &btc, PmError::InsufficientMargin).await;
        let line = format!("margin: equity {} < initial margin {} (maintenance {})", r.equity - free as i64 - 1, r.im, r.mm);
        assert!(logged(&sent, &line), "{:#?}", sent.logs);
        let (ix, owner) = (m.withdraw_usdc_ix(free, &btc), m.user.key.insecure_clone());
        send_ok(&mut m.ctx, &[ix], &[&owner]).await;
        let after = m.report(&margin, &btc).await;
        assert_eq!((after.equity, after.im, after.mm), (r.im, r.im, r.mm));
        let token = m.user.token_account;
        assert_eq!(token_balance(&mut m.ctx, &token).await, START_BALANCE - 1_000 * USDC + free);
        m.withdraw_rejected(1, &btc, PmError::InsufficientMargin).await;
    }
}

pm_test! {
    async fn an_account_below_im_can_withdraw_nothing() {
        let mut m = short_strangle().await;
        let margin = m.user.margin_account;
        // 50x the strangle: far beyond the 1,000 USDC
        m.set_positions(&margin, &[(BTC, BTC_CALL_70K, -1_000_000, 0), (BTC, BTC_PUT_60K, -1_000_000, 0)]).await;
        let btc = m.pairs(&[m.btc]);
        let r = m.report(&margin, &btc).await;
        assert!(r.equity < r.im, "{r:?}");
        m.withdraw_rejected(1, &btc, PmError::InsufficientMargin).await;
    }
}

pm_test! {
    async fn every_held_market_must_be_passed_and_nothing_else() {
        let mut m = holding_both().await;
        let (btc, eth) = (m.btc, m.eth);
        let both = m.pairs(&[btc, eth]);
        for remaining in [vec![], m.pairs(&[btc]), m.pairs(&[eth]), both[..3].to_vec(), [both.clone(), vec![btc.key]].concat(), [both.clone(), m.pairs(&[btc])].concat()] {
            m.margin_check_rejected(&remaining, PmError::RemainingAccountsMismatch).await;
        }
        m.margin_check_succeeds(&both).await;
        // Holding only BTC: the ETH pair is one too many.
        let margin = m.user.margin_account;
        m.set_positions(&margin, &[(BTC, BTC_CALL_70K, -20_000, 0)]).await;
        m.margin_check_rejected(&both, PmError::RemainingAccountsMismatch).await;
        // Holding nothing but USDC: no remaining account at all.
        m.set_positions(&margin, &[]).await;
        m.margin_check_rejected(&m.pairs(&[btc]), PmError::RemainingAccountsMismatch).await;
        m.margin_check_succeeds(&[]).await;
    }
}

pm_test! {
    async fn markets_must_be_in_ascending_order_without_duplicates() {
        let mut m = holding_both().await;
        let (btc, eth) = (m.btc, m.eth);
        m.margin_check_rejected(&m.pairs(&[eth, btc]), PmError::MissingMarketAccount).await;
        m.margin_check_rejected(&m.pairs(&[btc, btc]), PmError::MissingMarketAccount).await;
        m.margin_check_rejected(&m.pairs(&[eth, eth]), PmError::MissingMarketAccount).await;
    }
}

pm_test! {
    async fn a_market_of_another_clearinghouse_or_a_non_market_account_is_rejected() {
        let mut m = holding_both().await;
        let (btc, eth) = (m.btc, m.eth);
        // Same index, same oracle, other clearinghouse.
        let (_, other_market) = m.other_clearinghouse().await;
        m.margin_check_rejected(&[other_market, btc.oracle, eth.key, eth.oracle], PmError::WrongMarket).await;
        // Program accounts of other types, a system account, an oracle.
        let (ch, margin) = (m.clearinghouse, m.user.margin_account);
        let nobody = Pubkey::new_unique();
        for not_a_market in [ch, margin, nobody, btc.oracle] {
            m.margin_check_rejected(&[not_a_market, btc.oracle, eth.key, eth.oracle], PmError::WrongMarket).await;
        }
        // The BTC market's exact bytes under another owner.
        let mut forged = account(&mut m.ctx, &btc.key).await.unwrap();
        forged.owner = Pubkey::new_unique();
        let fake = Pubkey::new_unique();
        m.ctx.set_account(&fake, &forged.clone().into());
        m.margin_check_rejected(&[fake, btc.oracle, eth.key, eth.oracle], PmError::WrongMarket).await;
        // Program-owned, but with a Clearinghouse discriminator in front of the market's body.
        forged.owner = portfolio_margin::ID;
        forged.data[..8].copy_from_slice(Clearinghouse::DISCRIMINATOR);
        m.ctx.set_account(&fake, &forged.into());
        m.margin_check_rejected(&[fake, btc.oracle, eth.key, eth.oracle], PmError::WrongMarket).await;
    }
}

pm_test! {
    async fn a_position_in_an_instrument_its_market_does_not_list_is_rejected() {
        let mut m = holding_both().await;
        let margin = m.user.margin_account;
        let both = m.pairs(&[m.btc, m.eth]);
        // ETH lists 4 instruments; BTC's instrument 8 does not exist there.
        let eth_listed = 1 + ETH_INSTRUMENTS.len() as u16;
        for index in [eth_listed, BTC_PUT_65K_1, u16::MAX] {
            m.set_positions(&margin, &[(BTC, BTC_CALL_70K, -20_000, 0), (ETH, index, 10_000, 0)]).await;
            m.margin_check_rejected(&both, PmError::UnknownInstrument).await;
        }
        m.set_positions(&margin, &[(BTC, BTC_CALL_70K, -20_000, 0), (ETH, eth_listed - 1, 10_000, 0)]).await;
        m.margin_check_succeeds(&both).await;
    }
}

pm_test! {
    async fn a_stale_oracle_of_a_market_the_account_does_not_hold_never_blocks_it() {
        let mut m = short_strangle().await;
        let btc = m.pairs(&[m.btc]);
        let max_age = OracleLimitsConfig::DEFAULT.max_age_secs[1] as i64;
        m.set_now(T0 + 10 * max_age).await;
        m.put_btc(btc_update(T0 + 10 * max_age));
        // ETH's oracle is ten margin ages old, and not even Trading.
        let p = eth_price(T0);
        m.put_eth(LegacyPrice { aggregate: LegacyAggregate { status: 2, ..p.aggregate }, ..p });
        m.margin_check_succeeds(&btc).await;
        // Nothing but USDC: both oracles may be dead.
        let margin = m.user.margin_account;
        m.set_positions(&margin, &[]).await;
        m.set_now(T0 + 100 * max_age).await;
        m.margin_check_succeeds(&[]).await;
    }
}

pm_test! {
    async fn amounts_beyond_the_engines_range_are_rejected_not_wrapped() {
        let mut m = holding_both().await;
        let margin = m.user.margin_account;
        let both = m.pairs(&[m.btc, m.eth]);
        let usdc = m.mint;
        // A position larger than the engine accepts.
        m.set_positions(&margin, &[(BTC, PERP, MAX_SIZE + 1, 0), (ETH, ETH_PUT_3500, -1, 0)]).await;
        m.margin_check_rejected(&both, PmError::RiskEngine).await;
        m.set_positions(&margin, &[(BTC, PERP, i64::MIN, 0), (ETH, ETH_PUT_3500, -1, 0)]).await;
        m.margin_check_rejected(&both, PmError::RiskEngine).await;
        // A perpetual whose cost and owed funding overflow i64.
        m.set_positions(&margin, &[(BTC, PERP, 1_000_000, i64::MAX), (ETH, ETH_PUT_3500, -1, 0)]).await;
        let btc_market = m.btc.key;
        edit_account(&mut m.ctx, &btc_market, |mk: &mut Market| mk.funding_index = 1_000_000).await;
        m.margin_check_rejected(&both, PmError::MathOverflow).await;
        // Quote collateral beyond the engine's bound, then beyond i64 (in the engine's units).
        m.set_positions(&margin, &[]).await;
        m.set_collateral(&margin, &usdc, MAX_QUOTE_COLLATERAL as u64 + 2).await;
        m.margin_check_rejected(&[], PmError::RiskEngine).await;
        m.set_collateral(&margin, &usdc, u64::MAX).await;
        m.margin_check_rejected(&[], PmError::MathOverflow).await;
        // wBTC beyond the engine's size bound (1e7 BTC).
        m.set_collateral(&margin, &usdc, 1_000 * USDC).await;
        let wbtc = m.wbtc;
        m.set_collateral(&margin, &wbtc, u64::MAX).await;
        m.margin_check_rejected(&m.pairs(&[m.btc]), PmError::RiskEngine).await;
    }
}

pm_test! {
    async fn simulate_margin_of_another_clearinghouses_account_is_rejected() {
        let mut m = holding_both().await;
        let both = m.pairs(&[m.btc, m.eth]);
        let (other, _) = m.other_clearinghouse().await;
        let ix = simulate_margin_ix(&other, &m.user.margin_account, &both);
        let watch = m.margin_watch(&both);
        assert_rejected(&mut m.ctx, &[ix], &[], &watch, PmError::WrongClearinghouse).await;
    }
}
