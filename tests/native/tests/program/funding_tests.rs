//! Perpetual funding: the mark and oracle EMAs, `update_funding`'s clamped index step, and what
//! each side pays or receives when a trade touches its position.

use crate::support::*;
use portfolio_margin::errors::PmError;

pm_test! {
    async fn funding_accrues_from_the_mark_premium_and_is_paid_when_touched() {
        let mut t = TradeWorld::new().await;
        let spot = BTC_SPOT_1E6 as i128;
        let mut model = Model::default();
        // half a window in, the maker buys 0.01 at 65,500: the mark EMA moves half the way
        t.advance(T0 + 1_800).await;
        t.trade(BTC, quote(PERP, MAKER_BUYS, 10_000, 65_500_000_000, 0)).await;
        model.fill(10_000, 65_500_000_000, true, 0);
        let mark = spot + (65_500_000_000 - spot) * 1_800 / 3_600;
        let m = t.market_state(BTC).await;
        assert_eq!((m.mark_ema as i128, m.mark_ema_updated_at, m.oracle_ema as i128, m.funding_index), (mark, T0 + 1_800, spot, 0));
        // not before a funding interval (one hour) since the market's listing
        let (ch, btc) = (t.clearinghouse, t.btc);
        let watch = t.trade_watch();
        assert_rejected(&mut t.ctx, &[update_funding_ix(&ch, &btc)], &[], &watch, PmError::FundingTooSoon).await;
        t.advance(T0 + 3_600).await;
        send_ok(&mut t.ctx, &[update_funding_ix(&ch, &btc)], &[]).await;
        // premium mark - oracle, within 1% of the oracle; one hour of a one-day period
        let premium = mark - spot;
        assert!(premium < spot / 100);
        let step = (premium * 3_600 / 86_400) as i64;
        let m = t.market_state(BTC).await;
        assert_eq!((m.funding_index, m.funding_updated_at), (step, T0 + 3_600));
        assert_eq!(m.last_funding_rate_ppm as i128, premium * 1_000_000 / spot);
        assert_eq!(step, 7_844_650);
        assert_rejected(&mut t.ctx, &[update_funding_ix(&ch, &btc)], &[], &watch, PmError::FundingTooSoon).await;
        // a trade touches both: the long owes 0.01 x 7.84465 = 0.0784465 rounded up, the short
        // receives it rounded down; both into the basis, then the fill
        assert_eq!((model.maker.accrue(step), model.taker.accrue(step)), (78_447, -78_446));
        t.trade(BTC, quote(PERP, MAKER_SELLS, 4_000, 65_400_000_000, 1)).await;
        model.fill(-4_000, 65_400_000_000, true, 0);
        assert_model(&mut t, BTC, PERP, &model).await;
        let maker = t.user.margin_account;
        let a = t.account(&maker).await;
        assert_eq!(a.positions[a.position_index(BTC, PERP).unwrap()].funding_snapshot, step);

        // a mark 7% over the oracle: the rate is clamped to 1% a period
        t.advance(T0 + 7_200).await;
        t.trade(BTC, quote(PERP, MAKER_BUYS, 1_000, 70_000_000_000, 2)).await;
        model.fill(1_000, 70_000_000_000, true, 0);
        assert_eq!(t.market_state(BTC).await.mark_ema, 70_000_000_000);
        send_ok(&mut t.ctx, &[update_funding_ix(&ch, &btc)], &[]).await;
        let bound = spot * 10_000 / 1_000_000;
        let step2 = (bound * 3_600 / 86_400) as i64;
        let m = t.market_state(BTC).await;
        assert_eq!((m.funding_index, m.last_funding_rate_ppm as i128), (step + step2, bound * 1_000_000 / spot));
        // closing pays it: long 0.007 owes 0.007 x step2 rounded up, the short receives it floored
        let owed = ceil_div(7_000 * step2 as i128, 1_000_000) as i64;
        assert_eq!((model.maker.accrue(step2), model.taker.accrue(step2)), (owed, -owed + 1));
        t.trade(BTC, quote(PERP, MAKER_SELLS, 7_000, 65_000_000_000, 3)).await;
        model.fill(-7_000, 65_000_000_000, true, 0);
        assert_model(&mut t, BTC, PERP, &model).await;
        assert_eq!((model.maker.size, model.taker.size), (0, 0));

        // no perpetual trade within a window: the mark falls back to the oracle, no funding
        t.advance(T0 + 7_200 + 7_200).await;
        send_ok(&mut t.ctx, &[update_funding_ix(&ch, &btc)], &[]).await;
        let m = t.market_state(BTC).await;
        assert_eq!((m.mark_ema, m.funding_index, m.last_funding_rate_ppm), (BTC_SPOT_1E6, step + step2, 0));
    }
}
