//! `liquidate`, `resolve_bankruptcy`, `deposit_insurance`: partial liquidation to MM plus the
//! buffer, every refusal (specific error, nothing changed), collateral takeover, bankruptcy paid
//! by the insurance fund and socialised beyond it, two liquidators racing in one slot.
//!
//! Expected sizes and amounts come from a linear model of the account (a perpetual's MM is
//! proportional to its size) and hand arithmetic, never from the program's own helpers.

use crate::support::*;
use anchor_lang::error::ErrorCode as AnchorError;
use portfolio_margin::{errors::PmError, events::*, instructions::LiquidationLeg, oracle::PYTH_RECEIVER_PROGRAM_ID, state::*};
use solana_sdk::{instruction::Instruction, pubkey::Pubkey, signer::Signer};

const CRASH: u64 = 50_000_000_000;
/// The default fee: 15% of the MM a step releases.
const FEE_PPM: i128 = 150_000;
const INSURANCE_SHARE_PPM: i128 = 250_000;
const BUFFER_PPM: i128 = 100_000;

fn ceil_div_i(a: i128, b: i128) -> i128 {
    -((-a).div_euclid(b))
}

/// A world where the taker is long 1 BTC perpetual bought at the oracle, the oracle then crashed
/// to `CRASH`, and a third user with 200,000 USDC liquidates.
async fn crashed() -> (TradeWorld, User) {
    let mut t = TradeWorld::new().await;
    t.trade(BTC, quote(PERP, MAKER_SELLS, 1_000_000, BTC_SPOT_1E6, 0)).await;
    t.set_btc_price(CRASH);
    let liquidator = t.funded_user(200_000 * USDC).await;
    (t, liquidator)
}

/// `crashed()` with the taker's account, its equity and MM, and its perpetual's size.
struct Crashed {
    t: TradeWorld,
    liquidator: User,
    taker: Pubkey,
    equity: i64,
    mm: i64,
    size: i64,
}

impl Crashed {
    async fn new() -> Self {
        let (mut t, liquidator) = crashed().await;
        let taker = t.taker.margin_account;
        let (equity, mm, _) = t.health(&taker).await;
        let (size, _) = t.position(&taker, BTC, PERP).await;
        Crashed { t, liquidator, taker, equity, mm, size }
    }
}

/// The size (contracts at 1e6) that leaves the account's excess (equity - MM) at `excess_target`,
/// from a linear model: MM per contract `mm / size`; taking x contracts releases x of those, of
/// which the account pays 15% as the fee.
fn size_to_restore(equity: i64, mm: i64, size: i64, excess_target: f64) -> u64 {
    let per_contract_mm = mm as f64 / (size as f64 / 1e6);
    let contracts = (mm as f64 - equity as f64 + excess_target) / (per_contract_mm * (1.0 - FEE_PPM as f64 / 1e6));
    (contracts * 1e6).round() as u64
}

/// The fee of a step that released `released` of MM, and the fund's part of it.
fn step_fee(released: i64) -> (i128, i128) {
    let fee = ceil_div_i(released as i128 * FEE_PPM, 1_000_000);
    (fee, ceil_div_i(fee * INSURANCE_SHARE_PPM, 1_000_000))
}

fn buffer(mm_before: i64) -> i64 {
    ceil_div_i(mm_before as i128 * BUFFER_PPM, 1_000_000) as i64
}

impl TradeWorld {
    /// Every account a liquidation could write or read, with the liquidator's.
    fn liquidation_watch(&self, liquidator: &User) -> Vec<Pubkey> {
        let mut watch = self.trade_watch();
        watch.push(liquidator.margin_account);
        watch
    }

    async fn liquidation_rejected<E: Into<u32> + Copy + std::fmt::Debug>(&mut self, liquidator: &User, ix: Instruction, expected: E) -> Sent {
        let watch = self.liquidation_watch(liquidator);
        let key = liquidator.key.insecure_clone();
        assert_rejected(&mut self.m.w.ctx, &[ix], &[&key], &watch, expected).await
    }

    async fn liquidate(&mut self, liquidator: &User, account: &Pubkey, legs: Vec<LiquidationLeg>) -> Vec<String> {
        let ix = self.liquidate_ix(liquidator, account, legs).await;
        let key = liquidator.key.insecure_clone();
        send_ok(&mut self.m.w.ctx, &[ix], &[&key]).await
    }
}


pm_test! {
    async fn a_partial_liquidation_takes_only_what_brings_the_account_back_to_mm_plus_the_buffer() {
        let (mut t, liquidator) = crashed().await;
        let taker = t.taker.margin_account;
        let (equity, mm, _) = t.health(&taker).await;
        assert!(equity < mm, "the crash leaves the account below MM: {equity} {mm}");
        let (size, cost) = t.position(&taker, BTC, PERP).await;
        let balance_before = t.quote_balance(&taker).await;
        let take = size_to_restore(equity, mm, size, buffer(mm) as f64 / 2.0);
        assert!(take > 0 && take < size as u64, "a part of the position: {take}");

        let logs = t.liquidate(&liquidator, &taker, vec![position_leg(BTC, PERP, take)]).await;
        let (equity_after, mm_after, _) = t.health(&taker).await;
        assert!(equity_after > mm_after && equity_after - mm_after <= buffer(mm), "{equity_after} {mm_after} buffer {}", buffer(mm));

        // by hand: the perpetual's mark is the oracle; 15% of the MM released, a quarter to the fund
        let (fee, insurance) = step_fee(mm - mm_after);
        let leg = &events::<LiquidationLegEvent>(&logs)[0];
        assert_eq!((leg.size, leg.price), (take as i64, CRASH));
        let e = &events::<LiquidationEvent>(&logs)[0];
        assert_eq!((e.equity_before, e.mm_before, e.equity_after, e.mm_after), (equity, mm, equity_after, mm_after));
        assert_eq!((e.fee as i128, e.insurance_fee as i128, e.liquidator_fee as i128, e.legs), (fee, insurance, fee - insurance, 1));
        // the account sold `take` at the crash price: it realised the loss on that part of its
        // basis (rounded up against it) and paid the fee
        let closed_cost = ceil_div_i(cost as i128 * take as i128, size as i128);
        let proceeds = (take as i128 * CRASH as i128).div_euclid(1_000_000);
        assert_eq!(t.quote_balance(&taker).await - balance_before, proceeds - closed_cost - fee);
        assert_eq!(t.position(&taker, BTC, PERP).await.0, size - take as i64);
        // the liquidator holds the same side at the mark, and earned its part of the fee
        let (liq_size, liq_cost) = t.position(&liquidator.margin_account, BTC, PERP).await;
        assert_eq!((liq_size, liq_cost as i128), (take as i64, ceil_div_i(take as i128 * CRASH as i128, 1_000_000)));
        assert_eq!(t.quote_balance(&liquidator.margin_account).await, 200_000 * USDC as i128 + fee - insurance);
        let trade_fees = ceil_div_i(1_000_000 * BTC_SPOT_1E6 as i128 * 200, 1_000_000_000_000) + ceil_div_i(1_000_000 * BTC_SPOT_1E6 as i128 * 500, 1_000_000_000_000);
        assert_eq!(t.market_state(BTC).await.fee_pool as i128, trade_fees + insurance);

        // healthy again: a further step is refused, nothing changed
        let ix = t.liquidate_ix(&liquidator, &taker, vec![position_leg(BTC, PERP, 1_000)]).await;
        t.liquidation_rejected(&liquidator, ix, PmError::AccountNotLiquidatable).await;
    }
}

pm_test! {
    async fn taking_more_than_the_buffer_allows_is_over_liquidation() {
        let Crashed { mut t, liquidator, taker, equity, mm, size } = Crashed::new().await;
        // what lands at twice the buffer above MM, and the whole position
        let too_much = size_to_restore(equity, mm, size, 2.0 * buffer(mm) as f64);
        for take in [too_much, size as u64] {
            let ix = t.liquidate_ix(&liquidator, &taker, vec![position_leg(BTC, PERP, take)]).await;
            t.liquidation_rejected(&liquidator, ix, PmError::OverLiquidation).await;
        }
        // and the buffer's edge from below is accepted
        let enough = size_to_restore(equity, mm, size, 0.9 * buffer(mm) as f64);
        t.liquidate(&liquidator, &taker, vec![position_leg(BTC, PERP, enough)]).await;
    }
}

pm_test! {
    async fn a_liquidator_left_below_initial_margin_is_refused() {
        let Crashed { mut t, taker, equity, mm, size, .. } = Crashed::new().await;
        let poor = t.funded_user(1_000 * USDC).await;
        let take = size_to_restore(equity, mm, size, buffer(mm) as f64 / 2.0);
        let ix = t.liquidate_ix(&poor, &taker, vec![position_leg(BTC, PERP, take)]).await;
        t.liquidation_rejected(&poor, ix, PmError::LiquidatorInsufficientMargin).await;
    }
}

pm_test! {
    async fn an_owner_cannot_liquidate_its_own_account() {
        let (mut t, _) = crashed().await;
        let taker = t.taker.clone_user();
        // the taker's second margin account, funded, as the liquidator's
        let (ch, payer) = (t.clearinghouse, t.m.w.ctx.payer.pubkey());
        send_ok(&mut t.m.w.ctx, &[create_account_ix(&ch, &taker.key.pubkey(), &payer, 1)], &[&taker.key]).await;
        let second = User { margin_account: margin_account_pda(&ch, &taker.key.pubkey(), 1), ..taker.clone_user() };
        t.fund_usdc(&second, 100_000 * USDC).await;
        let ix = t.liquidate_ix(&second, &taker.margin_account, vec![position_leg(BTC, PERP, 100_000)]).await;
        t.liquidation_rejected(&second, ix, PmError::SelfLiquidation).await;
        // nor with the account itself as the liquidator's
        let ix = t.liquidate_ix(&taker, &taker.margin_account, vec![position_leg(BTC, PERP, 100_000)]).await;
        t.liquidation_rejected(&taker, ix, PmError::SelfLiquidation).await;
    }
}

pm_test! {
    async fn a_healthy_account_cannot_be_liquidated() {
        let mut t = TradeWorld::new().await;
        t.trade(BTC, quote(PERP, MAKER_SELLS, 1_000_000, BTC_SPOT_1E6, 0)).await;
        let liquidator = t.funded_user(200_000 * USDC).await;
        let taker = t.taker.margin_account;
        let (equity, mm, _) = t.health(&taker).await;
        assert!(equity > mm);
        let ix = t.liquidate_ix(&liquidator, &taker, vec![position_leg(BTC, PERP, 10_000)]).await;
        t.liquidation_rejected(&liquidator, ix, PmError::AccountNotLiquidatable).await;
    }
}

pm_test! {
    async fn bad_legs_and_substituted_accounts_are_refused_and_change_nothing() {
        let (mut t, liquidator) = crashed().await;
        let taker = t.taker.margin_account;
        let (mint, wbtc) = (t.mint, t.wbtc);
        let bad_legs: Vec<(Vec<LiquidationLeg>, PmError)> = vec![
            (vec![], PmError::InvalidLiquidationLeg),
            (vec![position_leg(BTC, PERP, 1_000); 5], PmError::InvalidLiquidationLeg),
            (vec![position_leg(BTC, PERP, 0)], PmError::InvalidLiquidationLeg),
            (vec![position_leg(BTC, PERP, 1_000_001)], PmError::InvalidLiquidationLeg),
            (vec![position_leg(BTC, PERP, u64::MAX)], PmError::InvalidLiquidationLeg),
            (vec![position_leg(BTC, BTC_CALL_60K, 1_000)], PmError::InvalidLiquidationLeg),
            (vec![position_leg(ETH, PERP, 1_000)], PmError::InvalidLiquidationLeg),
            (vec![collateral_leg(&mint, 1_000)], PmError::InvalidLiquidationLeg),
            (vec![collateral_leg(&wbtc, 1_000)], PmError::InvalidLiquidationLeg),
            (vec![collateral_leg(&Pubkey::new_unique(), 1_000)], PmError::InvalidLiquidationLeg),
            (vec![LiquidationLeg { kind: 2, ..position_leg(BTC, PERP, 1_000) }], PmError::InvalidLiquidationLeg),
        ];
        for (legs, expected) in bad_legs {
            let ix = t.liquidate_ix(&liquidator, &taker, legs).await;
            t.liquidation_rejected(&liquidator, ix, expected).await;
        }
        let leg = || vec![position_leg(BTC, PERP, 100_000)];
        let (btc, eth) = (t.btc, t.eth);
        let ch = t.clearinghouse;
        let liq = liquidator.key.pubkey();
        // unsigned liquidator
        let ix = unsigned(t.liquidate_ix(&liquidator, &taker, leg()).await, &liq);
        let watch = t.liquidation_watch(&liquidator);
        assert_rejected(&mut t.m.w.ctx, &[ix], &[], &watch, AnchorError::AccountNotSigner).await;
        // a liquidator account its signer does not own (the maker's)
        let maker_account = t.user.margin_account;
        let ix = liquidate_ix(&liq, &ch, &maker_account, &taker, leg(), &t.pairs(&[btc]));
        t.liquidation_rejected(&liquidator, ix, PmError::NotAccountOwner).await;
        // a fake insurance vault
        let mut ix = t.liquidate_ix(&liquidator, &taker, leg()).await;
        ix.accounts[4].pubkey = t.quote_vault;
        t.liquidation_rejected(&liquidator, ix, PmError::InvalidVault).await;
        // a fake oracle, another market's oracle, a missing market, a market twice
        let fake = Pubkey::new_unique();
        put_oracle(&mut t.m.w.ctx, &fake, &PYTH_RECEIVER_PROGRAM_ID, btc_update_at(60_000_000_000, T0).encode());
        let ix = liquidate_ix(&liq, &ch, &liquidator.margin_account, &taker, leg(), &[btc.key, fake]);
        t.liquidation_rejected(&liquidator, ix, PmError::OracleWrongAccount).await;
        let ix = liquidate_ix(&liq, &ch, &liquidator.margin_account, &taker, leg(), &[btc.key, eth.oracle]);
        t.liquidation_rejected(&liquidator, ix, PmError::OracleWrongAccount).await;
        // the market's oracle address holding an account of another owner (a forged price)
        put_oracle(&mut t.m.w.ctx, &btc.oracle, &Pubkey::new_unique(), btc_update_at(60_000_000_000, T0).encode());
        let ix = liquidate_ix(&liq, &ch, &liquidator.margin_account, &taker, leg(), &[btc.key, btc.oracle]);
        t.liquidation_rejected(&liquidator, ix, PmError::OracleWrongOwner).await;
        t.set_btc_price(CRASH);
        let ix = liquidate_ix(&liq, &ch, &liquidator.margin_account, &taker, leg(), &[]);
        t.liquidation_rejected(&liquidator, ix, PmError::RemainingAccountsMismatch).await;
        let ix = liquidate_ix(&liq, &ch, &liquidator.margin_account, &taker, leg(), &[eth.key, eth.oracle]);
        t.liquidation_rejected(&liquidator, ix, PmError::MissingMarketAccount).await;
        // an oracle older than the liquidation class allows (600 s)
        t.set_now(T0 + 601).await;
        let ix = t.liquidate_ix(&liquidator, &taker, leg()).await;
        t.liquidation_rejected(&liquidator, ix, PmError::OracleStale).await;
    }
}

pm_test! {
    async fn a_step_that_does_not_lower_the_requirement_is_refused() {
        // the taker is long a BTC perpetual hedged by a short future: taking the hedge alone
        // raises MM
        let mut t = TradeWorld::new().await;
        t.trade(BTC, quote(PERP, MAKER_SELLS, 1_000_000, BTC_SPOT_1E6, 0)).await;
        t.trade(BTC, quote(BTC_FUT_0, MAKER_BUYS, 900_000, BTC_SPOT_1E6, 1)).await;
        let liquidator = t.funded_user(200_000 * USDC).await;
        let taker = t.taker.margin_account;
        // a basis blow-out: the account loses on the pair (its quote balance drained by hand)
        let mint = t.mint;
        edit_margin_account(&mut t.m.w.ctx, &taker, |a| a.add_quote(&mint, -19_000 * USDC as i64).unwrap()).await;
        let (equity, mm, _) = t.health(&taker).await;
        assert!(equity < mm, "{equity} {mm}");
        let ix = t.liquidate_ix(&liquidator, &taker, vec![position_leg(BTC, BTC_FUT_0, 900_000)]).await;
        t.liquidation_rejected(&liquidator, ix, PmError::LiquidationNotReducingRisk).await;
        // both legs together, a fraction of each, lower it
        t.liquidate(&liquidator, &taker, vec![position_leg(BTC, PERP, 100_000), position_leg(BTC, BTC_FUT_0, 90_000)]).await;
        let (_, mm_after, _) = t.health(&taker).await;
        assert!(mm_after < mm);
    }
}

pm_test! {
    async fn collateral_is_taken_over_at_the_oracle_less_the_fee() {
        // the maker holds 1 wBTC and is long 3 BTC perpetual; BTC crashes
        let mut t = TradeWorld::new().await;
        let maker = t.maker();
        let taker = t.taker.clone_user();
        t.fund_usdc(&taker, 100_000 * USDC).await;
        let wbtc_ix = t.wbtc_transfer(&maker, t.user_wbtc).deposit(WBTC);
        send_ok(&mut t.m.w.ctx, &[wbtc_ix], &[&maker.key]).await;
        t.trade(BTC, quote(PERP, MAKER_BUYS, 3_000_000, BTC_SPOT_1E6, 0)).await;
        t.set_btc_price(45_000_000_000);
        let liquidator = t.funded_user(200_000 * USDC).await;
        let account = maker.margin_account;
        let (equity, mm, _) = t.health(&account).await;
        assert!(equity < mm, "{equity} {mm}");
        let balance_before = t.quote_balance(&account).await;
        let amount = WBTC / 10; // 0.1 wBTC (8 decimals)
        let logs = t.liquidate(&liquidator, &account, vec![collateral_leg(&t.wbtc.clone(), amount)]).await;
        // 0.1 BTC at 45,000 = 4,500 paid in quote; the fee on the MM released
        let value = 4_500 * USDC as i128;
        let e = &events::<LiquidationEvent>(&logs)[0];
        let (fee, insurance) = step_fee(mm - e.mm_after);
        assert_eq!((e.fee as i128, e.insurance_fee as i128), (fee, insurance));
        let leg = &events::<LiquidationLegEvent>(&logs)[0];
        assert_eq!((leg.leg_kind, leg.mint, leg.size, leg.price, leg.cash as i128), (1, t.wbtc, amount as i64, 45_000_000_000, value));
        assert_eq!(t.quote_balance(&account).await - balance_before, value - fee);
        let wbtc = t.wbtc;
        assert_eq!(t.account(&account).await.collateral_balance(&wbtc), WBTC - amount);
        assert_eq!(t.account(&liquidator.margin_account).await.collateral_balance(&wbtc), amount);
        assert_eq!(t.quote_balance(&liquidator.margin_account).await, 200_000 * USDC as i128 - value + (fee - insurance));
        let (equity_after, mm_after, _) = t.health(&account).await;
        assert!(mm_after < mm && mm_after - equity_after < mm - equity);

        // an amount off the engine's unit (1e-6 wBTC = 100 satoshi) is paid for the units the
        // account's margin loses: 0.9 wBTC counts 0.900000, 150 sat less counts 0.899998, so
        // 150 sat are paid 2e-6 x 45,000 = 0.09 (valuing 150 sat alone would pay 0.045)
        let held = WBTC - amount;
        let odd = 150;
        let logs = t.liquidate(&liquidator, &account, vec![collateral_leg(&wbtc, odd), position_leg(BTC, PERP, 100_000)]).await;
        let leg = &events::<LiquidationLegEvent>(&logs)[0];
        let lost_units = (held / 100) as i128 - ((held - odd) / 100) as i128;
        assert_eq!((leg.cash as i128, lost_units), (lost_units * 45_000, 2));
    }
}

/// The taker long 1 BTC perpetual from 20,000 USDC, BTC at 40,000: equity about -5,000.
async fn bankrupt() -> (TradeWorld, User) {
    let mut t = TradeWorld::new().await;
    t.trade(BTC, quote(PERP, MAKER_SELLS, 1_000_000, BTC_SPOT_1E6, 0)).await;
    let resolver = t.funded_user(200_000 * USDC).await;
    t.set_btc_price(40_000_000_000);
    (t, resolver)
}

pm_test! {
    async fn a_bankruptcy_is_paid_by_the_insurance_fund() {
        let (mut t, resolver) = bankrupt().await;
        let funder = t.funded_user(0).await;
        let logs = t.fund_insurance(&funder, 10_000 * USDC).await;
        let d = &events::<InsuranceDeposited>(&logs)[0];
        assert_eq!((d.amount, d.insurance_balance), (10_000 * USDC, 10_000 * USDC));
        let taker = t.taker.margin_account;
        let (equity, mm, _) = t.health(&taker).await;
        assert!(equity < 0);
        let (size, cost) = t.position(&taker, BTC, PERP).await;
        let balance = t.quote_balance(&taker).await;

        let ix = t.resolve_ix(&resolver, &taker, BTC).await;
        let key = resolver.key.insecure_clone();
        let logs = send_ok(&mut t.m.w.ctx, &[ix], &[&key]).await;
        // by hand: the position sold at 40,000 against its basis; the resolver earns the
        // liquidator's part of the fee on all the MM released
        let (fee, insurance) = step_fee(mm);
        let resolver_fee = fee - insurance;
        let deficit = -(balance + (size as i128 * 40_000_000_000).div_euclid(1_000_000) - cost as i128 - resolver_fee);
        let e = &events::<BankruptcyResolved>(&logs)[0];
        assert_eq!((e.positions_taken, e.resolver_fee as i128, e.deficit as i128), (1, resolver_fee, deficit));
        assert_eq!((e.insurance_paid as i128, e.socialized, e.bad_debt), (deficit, 0, 0));
        assert_eq!(t.insurance_balance().await as i128, 10_000 * USDC as i128 - deficit);
        assert!(t.account(&taker).await.is_empty(), "the bankrupt account is left empty");
        assert_eq!(t.position(&resolver.margin_account, BTC, PERP).await, (size, 40_000 * USDC as i64));
        let ch_key = t.clearinghouse;
        let ch: Clearinghouse = load_zc(&mut t.m.w.ctx, &ch_key).await;
        assert_eq!((ch.insurance_deposited, ch.insurance_paid as i128, ch.socialized_loss), (10_000 * USDC, deficit, 0));
        // nothing left to resolve
        let ix = t.resolve_ix(&resolver, &taker, BTC).await;
        t.liquidation_rejected(&resolver, ix, PmError::AccountNotBankrupt).await;
    }
}

pm_test! {
    async fn what_the_fund_cannot_pay_is_socialised_to_perpetual_holders_and_recorded() {
        let (mut t, resolver) = bankrupt().await;
        let funder = t.funded_user(0).await;
        t.fund_insurance(&funder, 1_000 * USDC).await;
        let taker = t.taker.margin_account;
        let maker = t.user.margin_account;
        let ix = t.resolve_ix(&resolver, &taker, BTC).await;
        let key = resolver.key.insecure_clone();
        let (maker_equity, _, _) = t.health(&maker).await;
        let logs = send_ok(&mut t.m.w.ctx, &[ix], &[&key]).await;
        let e = &events::<BankruptcyResolved>(&logs)[0];
        assert_eq!(e.insurance_paid, 1_000 * USDC);
        assert!(e.deficit > 4_000 * USDC, "about 4,300 left after the fund: {}", e.deficit);
        assert_eq!(t.insurance_balance().await, 0);
        // one BTC open each side (the resolver long, the maker short); the charge is capped at
        // 0.5% of the oracle EMA (the trade's 65,123.456789) per contract: 325.617283 each side,
        // 651.234566 in all; the rest is bad debt
        let m = t.market_state(BTC).await;
        assert_eq!((m.instruments[PERP as usize].open_interest, m.oracle_ema), (1_000_000, BTC_SPOT_1E6));
        let cap = BTC_SPOT_1E6 as i64 * 5_000 / 1_000_000;
        assert_eq!((m.loss_index, e.loss_index_after, e.socialization_market), (cap, cap, t.btc.key));
        assert_eq!((e.socialized, m.socialized_loss), (2 * cap as u64, 2 * cap as u64));
        assert_eq!(e.bad_debt, e.deficit - 1_000 * USDC - e.socialized);
        let ch_key = t.clearinghouse;
        let ch: Clearinghouse = load_zc(&mut t.m.w.ctx, &ch_key).await;
        assert_eq!((ch.socialized_loss, ch.bad_debt), (e.socialized, e.bad_debt));
        // the maker's equity carries its share at once (the resolver's too)
        let (maker_after, _, _) = t.health(&maker).await;
        assert_eq!(maker_equity - maker_after, cap);
        assert!(t.account(&taker).await.is_empty());
    }
}

pm_test! {
    async fn an_account_liquidated_flat_leaves_its_uncovered_loss_as_bad_debt() {
        // a liquidator takes the bankrupt account's whole position; only its debt is left, in no
        // market, so nothing is socialised: the fund pays what it can, the rest is bad debt
        let (mut t, resolver) = bankrupt().await;
        let taker = t.taker.margin_account;
        let funder = t.funded_user(0).await;
        t.fund_insurance(&funder, 1_000 * USDC).await;
        t.liquidate(&resolver, &taker, vec![position_leg(BTC, PERP, 1_000_000)]).await;
        assert_eq!(t.held_markets(&taker).await, Vec::<u16>::new());
        let debt = t.account(&taker).await.quote_debt;
        let ix = t.resolve_ix(&resolver, &taker, ETH).await;
        let key = resolver.key.insecure_clone();
        let logs = send_ok(&mut t.m.w.ctx, &[ix], &[&key]).await;
        let e = &events::<BankruptcyResolved>(&logs)[0];
        assert_eq!((e.positions_taken, e.deficit, e.insurance_paid, e.socialized), (0, debt, 1_000 * USDC, 0));
        assert_eq!((e.bad_debt, e.socialization_market), (debt - 1_000 * USDC, t.eth.key));
        assert_eq!(t.market_state(ETH).await.loss_index, 0);
        assert!(t.account(&taker).await.is_empty());
    }
}

pm_test! {
    async fn bankruptcy_refusals_change_nothing() {
        let (mut t, resolver) = bankrupt().await;
        let taker = t.taker.clone_user();
        // not bankrupt: the maker
        let maker = t.user.margin_account;
        let ix = t.resolve_ix(&resolver, &maker, BTC).await;
        t.liquidation_rejected(&resolver, ix, PmError::AccountNotBankrupt).await;
        // its own owner
        let ix = t.resolve_ix(&taker, &taker.margin_account, BTC).await;
        t.liquidation_rejected(&taker, ix, PmError::SelfLiquidation).await;
        // a resolver who cannot carry the position
        let poor = t.funded_user(1_000 * USDC).await;
        let ix = t.resolve_ix(&poor, &taker.margin_account, BTC).await;
        t.liquidation_rejected(&poor, ix, PmError::LiquidatorInsufficientMargin).await;
        // substituted vaults
        let mut ix = t.resolve_ix(&resolver, &taker.margin_account, BTC).await;
        ix.accounts[6].pubkey = t.quote_vault;
        t.liquidation_rejected(&resolver, ix, PmError::InvalidVault).await;
        let mut ix = t.resolve_ix(&resolver, &taker.margin_account, BTC).await;
        ix.accounts[5].pubkey = t.insurance_vault;
        t.liquidation_rejected(&resolver, ix, PmError::InvalidVault).await;
        // a socialisation market of another clearinghouse is not a market of this one
        let mut ix = t.resolve_ix(&resolver, &taker.margin_account, BTC).await;
        ix.accounts[4].pubkey = taker.margin_account;
        t.liquidation_rejected(&resolver, ix, AnchorError::AccountDiscriminatorMismatch).await;
        // the loss goes to the account's market with the most perpetual open interest (BTC), not
        // a market the resolver picks
        let ix = t.resolve_ix(&resolver, &taker.margin_account, ETH).await;
        t.liquidation_rejected(&resolver, ix, PmError::WrongSocializationMarket).await;
        // collateral left: wBTC in the account
        let wbtc = t.wbtc;
        t.set_collateral(&taker.margin_account, &wbtc, 1).await;
        let ix = t.resolve_ix(&resolver, &taker.margin_account, BTC).await;
        t.liquidation_rejected(&resolver, ix, PmError::BankruptcyCollateralLeft).await;
    }
}

pm_test! {
    async fn insurance_deposits_are_checked() {
        let mut t = TradeWorld::new().await;
        let funder = t.funded_user(0).await;
        let ch = t.clearinghouse;
        let key = funder.key.pubkey();
        let watch = [t.insurance_vault, funder.token_account, ch];
        let signer = funder.key.insecure_clone();
        for (ix, expected) in [
            (deposit_insurance_ix(&key, &ch, &funder.token_account, 0), PmError::ZeroAmount),
            (deposit_insurance_ix(&key, &ch, &funder.token_account, START_BALANCE + 1), PmError::InsufficientSourceFunds),
            (deposit_insurance_ix(&key, &ch, &t.taker.token_account.clone(), 1), PmError::InvalidTokenOwner),
        ] {
            assert_rejected(&mut t.m.w.ctx, &[ix], &[&signer], &watch, expected).await;
        }
        let mut ix = deposit_insurance_ix(&key, &ch, &funder.token_account, 1);
        ix.accounts[3].pubkey = t.quote_vault;
        assert_rejected(&mut t.m.w.ctx, &[ix], &[&signer], &watch, PmError::InvalidVault).await;
        let ix = unsigned(deposit_insurance_ix(&key, &ch, &funder.token_account, 1), &key);
        assert_rejected(&mut t.m.w.ctx, &[ix], &[], &watch, AnchorError::AccountNotSigner).await;
        send_ok(&mut t.m.w.ctx, &[deposit_insurance_ix(&key, &ch, &funder.token_account, START_BALANCE)], &[&signer]).await;
        assert_eq!(t.insurance_balance().await, START_BALANCE);
    }
}

pm_test! {
    async fn two_liquidators_in_one_slot_never_take_more_than_allowed() {
        let Crashed { mut t, liquidator: first, taker, equity, mm, size } = Crashed::new().await;
        let second = t.funded_user(200_000 * USDC).await;
        let take = size_to_restore(equity, mm, size, buffer(mm) as f64 / 2.0);
        let slot = t.m.w.ctx.banks_client.get_root_slot().await.unwrap();
        // both planned the same step from the same state: the first lands, the second is refused
        t.liquidate(&first, &taker, vec![position_leg(BTC, PERP, take)]).await;
        let ix = t.liquidate_ix(&second, &taker, vec![position_leg(BTC, PERP, take)]).await;
        t.liquidation_rejected(&second, ix, PmError::AccountNotLiquidatable).await;
        assert_eq!(t.m.w.ctx.banks_client.get_root_slot().await.unwrap(), slot, "one slot");
        assert_eq!(t.position(&second.margin_account, BTC, PERP).await, (0, 0));
    }
}

pm_test! {
    async fn two_liquidators_in_one_slot_share_what_is_allowed() {
        let Crashed { mut t, liquidator: first, taker, equity, mm, size } = Crashed::new().await;
        let second = t.funded_user(200_000 * USDC).await;
        let take = size_to_restore(equity, mm, size, buffer(mm) as f64 / 2.0);
        // half each: the second sees the first's step and takes the rest
        t.liquidate(&first, &taker, vec![position_leg(BTC, PERP, take / 2)]).await;
        let (e1, m1, _) = t.health(&taker).await;
        assert!(e1 < m1, "still below MM after half");
        t.liquidate(&second, &taker, vec![position_leg(BTC, PERP, take - take / 2)]).await;
        let (e2, m2, _) = t.health(&taker).await;
        assert!(e2 > m2);
        // a third step would over-liquidate nothing: the account is healthy
        let ix = t.liquidate_ix(&first, &taker, vec![position_leg(BTC, PERP, 1_000)]).await;
        t.liquidation_rejected(&first, ix, PmError::AccountNotLiquidatable).await;
        let total = t.position(&first.margin_account, BTC, PERP).await.0 + t.position(&second.margin_account, BTC, PERP).await.0;
        assert_eq!(total, take as i64);
    }
}

pm_test! {
    async fn an_expired_position_is_settled_not_taken_over() {
        // the taker is long a BTC future; past its expiry (no settlement price yet) BTC crashes
        let mut t = TradeWorld::new().await;
        t.trade(BTC, quote(BTC_FUT_0, MAKER_SELLS, 1_000_000, BTC_SPOT_1E6, 0)).await;
        let liquidator = t.funded_user(200_000 * USDC).await;
        t.advance(BTC_EXPIRIES[0] + 60).await;
        t.set_btc_price(CRASH);
        let taker = t.taker.margin_account;
        let (equity, mm, _) = t.health(&taker).await;
        assert!(equity < mm, "{equity} {mm}");
        let ix = t.liquidate_ix(&liquidator, &taker, vec![position_leg(BTC, BTC_FUT_0, 100_000)]).await;
        t.liquidation_rejected(&liquidator, ix, PmError::InstrumentExpired).await;
    }
}
