//! Liquidation fixtures: builders of `liquidate`, `resolve_bankruptcy` and `deposit_insurance`,
//! price moves written to the oracles, and a third funded user who liquidates.

use super::*;
use portfolio_margin::instructions::{LiquidationLeg, LEG_COLLATERAL, LEG_POSITION};
use solana_sdk::instruction::AccountMeta;

/// `[market, oracle]` pairs with the markets writable (a liquidation moves their pools).
pub fn writable_markets(remaining: &[Pubkey]) -> Vec<AccountMeta> {
    remaining
        .iter()
        .enumerate()
        .map(|(i, k)| if i % 2 == 0 { AccountMeta::new(*k, false) } else { AccountMeta::new_readonly(*k, false) })
        .collect()
}

pub fn liquidate_ix(liquidator: &Pubkey, clearinghouse: &Pubkey, liquidator_account: &Pubkey, margin_account: &Pubkey, legs: Vec<LiquidationLeg>, remaining: &[Pubkey]) -> Instruction {
    let (_, insurance_vault) = vault_pdas(clearinghouse);
    let mut ix = ix(
        portfolio_margin::accounts::Liquidate {
            liquidator: *liquidator,
            clearinghouse: *clearinghouse,
            liquidator_account: *liquidator_account,
            margin_account: *margin_account,
            insurance_vault,
        },
        portfolio_margin::instruction::Liquidate { legs },
    );
    ix.accounts.extend(writable_markets(remaining));
    ix
}

pub fn resolve_bankruptcy_ix(resolver: &Pubkey, clearinghouse: &Pubkey, resolver_account: &Pubkey, margin_account: &Pubkey, socialization_market: &Pubkey, remaining: &[Pubkey]) -> Instruction {
    let (quote_vault, insurance_vault) = vault_pdas(clearinghouse);
    let mut ix = ix(
        portfolio_margin::accounts::ResolveBankruptcy {
            resolver: *resolver,
            clearinghouse: *clearinghouse,
            resolver_account: *resolver_account,
            margin_account: *margin_account,
            socialization_market: *socialization_market,
            quote_vault,
            insurance_vault,
            token_program: spl_token::id(),
        },
        portfolio_margin::instruction::ResolveBankruptcy {},
    );
    ix.accounts.extend(writable_markets(remaining));
    ix
}

pub fn deposit_insurance_ix(depositor: &Pubkey, clearinghouse: &Pubkey, source: &Pubkey, amount: u64) -> Instruction {
    let (_, insurance_vault) = vault_pdas(clearinghouse);
    ix(
        portfolio_margin::accounts::DepositInsurance {
            depositor: *depositor,
            clearinghouse: *clearinghouse,
            source: *source,
            insurance_vault,
            token_program: spl_token::id(),
        },
        portfolio_margin::instruction::DepositInsurance { amount },
    )
}

pub fn position_leg(market_index: u16, instrument_index: u16, amount: u64) -> LiquidationLeg {
    LiquidationLeg { kind: LEG_POSITION, market_index, instrument_index, mint: Pubkey::default(), amount }
}

pub fn collateral_leg(mint: &Pubkey, amount: u64) -> LiquidationLeg {
    LiquidationLeg { kind: LEG_COLLATERAL, market_index: 0, instrument_index: 0, mint: *mint, amount }
}

/// The BTC `PriceUpdateV2` at `price_1e6` (the world's exponent), published at `publish_time`.
pub fn btc_update_at(price_1e6: u64, publish_time: i64) -> PriceUpdateV2 {
    PriceUpdateV2::new(feed_id(BTC_FEED_HEX), price_1e6 as i64 * 100, BTC_CONF, EXPONENT, publish_time)
}

impl TradeWorld {
    /// Writes the BTC oracle at `price_1e6`, published now.
    pub fn set_btc_price(&mut self, price_1e6: u64) {
        let now = self.now;
        self.put_btc(btc_update_at(price_1e6, now));
    }

    /// The `[market, oracle]` pairs a liquidation of `account` by `liquidator` reads.
    pub async fn liquidation_remaining(&mut self, account: &Pubkey, liquidator: &Pubkey) -> Vec<Pubkey> {
        self.held_pairs(&[account, liquidator], &[]).await
    }

    pub async fn liquidate_ix(&mut self, liquidator: &User, account: &Pubkey, legs: Vec<LiquidationLeg>) -> Instruction {
        let remaining = self.liquidation_remaining(account, &liquidator.margin_account).await;
        liquidate_ix(&liquidator.key.pubkey(), &self.clearinghouse, &liquidator.margin_account, account, legs, &remaining)
    }

    pub async fn resolve_ix(&mut self, resolver: &User, account: &Pubkey, socialization_market: u16) -> Instruction {
        let remaining = self.liquidation_remaining(account, &resolver.margin_account).await;
        let market = self.market(socialization_market).key;
        resolve_bankruptcy_ix(&resolver.key.pubkey(), &self.clearinghouse, &resolver.margin_account, account, &market, &remaining)
    }

    /// A new user with `usdc` deposited.
    pub async fn funded_user(&mut self, usdc: u64) -> User {
        let user = self.m.new_user().await;
        if usdc > 0 {
            self.fund_usdc(&user, usdc).await;
        }
        user
    }

    /// Mints `amount` USDC to `user` and deposits it into the insurance fund.
    pub async fn fund_insurance(&mut self, user: &User, amount: u64) -> Vec<String> {
        let (mint, authority, ch) = (self.mint, self.mint_authority.insecure_clone(), self.clearinghouse);
        mint_to(&mut self.m.w.ctx, &mint, &authority, &user.token_account, amount).await;
        let ix = deposit_insurance_ix(&user.key.pubkey(), &ch, &user.token_account, amount);
        send_ok(&mut self.m.w.ctx, &[ix], &[&user.key]).await
    }

    /// The account's (equity, MM, IM) from `simulate_margin` (liquidation-class oracles aside:
    /// the margin class, so the oracles must be fresh).
    pub async fn health(&mut self, account: &Pubkey) -> (i64, i64, i64) {
        let remaining = self.held_pairs(&[account], &[]).await;
        let r = self.simulate(account, &remaining).await.unwrap_or_else(|s| panic!("simulate_margin failed: {:?}", s.result));
        (r.equity, r.mm, r.im)
    }

    /// The insurance vault's token balance.
    pub async fn insurance_balance(&mut self) -> u64 {
        let key = self.insurance_vault;
        token_balance(&mut self.m.w.ctx, &key).await
    }
}
