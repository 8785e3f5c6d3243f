//! portfolio-margin: an on-chain portfolio-margin clearinghouse.
//!
//! Each handler here is one line: account validation lives in `instructions/`, stored layouts
//! in `state/`, and the risk math in the `risk-engine` crate, so a change to one never touches
//! the others.
#![allow(unexpected_cfgs)]

extern crate alloc;

use anchor_lang::prelude::*;

pub mod errors;
pub mod events;
pub mod instructions;
pub mod margin;
pub mod oracle;
pub mod state;
pub mod trading;

use instructions::*;
use state::{OracleLimitsParams, TradingParams, VolGuardsParams, VolSliceParams};

declare_id!("5UJANWP8QFt2rHrCkxcRveooCCarpwM4MwjZapi6jjUu");

#[program]
pub mod portfolio_margin {
    use super::*;

    /// Creates a clearinghouse (admin, quote mint, quote vault and insurance-fund vault).
    pub fn initialize_clearinghouse(ctx: Context<InitializeClearinghouse>, index: u16) -> Result<()> {
        instructions::initialize_clearinghouse::handler(ctx, index)
    }

    /// Creates a margin account for `owner`; one wallet may hold several (by `account_index`).
    pub fn create_margin_account(ctx: Context<CreateMarginAccount>, account_index: u16) -> Result<()> {
        instructions::create_margin_account::handler(ctx, account_index)
    }

    /// Moves tokens of a listed collateral mint from the owner's token account into its vault.
    pub fn deposit(ctx: Context<Deposit>, amount: u64) -> Result<()> {
        instructions::deposit::handler(ctx, amount)
    }

    /// Moves collateral out of its vault to any token account of the mint, if equity stays >= IM.
    /// Remaining accounts: `[market, oracle]` per market the account holds, ascending.
    pub fn withdraw<'info>(ctx: Context<'_, '_, 'info, 'info, Withdraw<'info>>, amount: u64) -> Result<()> {
        instructions::withdraw::handler(ctx, amount)
    }

    /// Closes an empty margin account and returns its rent.
    pub fn close_margin_account(ctx: Context<CloseMarginAccount>) -> Result<()> {
        instructions::close_margin_account::handler(ctx)
    }

    /// Read-only: equity, MM, IM, itemised add-ons and scenario P&Ls of a margin account (return
    /// data). Remaining accounts: `[market, oracle]` per market the account holds, ascending.
    pub fn simulate_margin<'info>(ctx: Context<'_, '_, 'info, 'info, SimulateMargin<'info>>) -> Result<MarginReport> {
        instructions::simulate_margin::handler(ctx)
    }

    // ---- trading, funding and settlement ----

    /// A two-party RFQ trade: the maker's quote, filled by the taker; both owners sign. Remaining
    /// accounts: `[market, oracle]` for every market either account holds and the traded one,
    /// ascending.
    pub fn trade<'info>(ctx: Context<'_, '_, 'info, 'info, Trade<'info>>, quote: TradeQuote) -> Result<()> {
        instructions::trade::handler(ctx, quote)
    }

    /// The maker's kill switch: voids every quote of the account with a nonce below `nonce_floor`.
    pub fn cancel_quotes(ctx: Context<CancelQuotes>, nonce_floor: u64) -> Result<()> {
        instructions::cancel_quotes::handler(ctx, nonce_floor)
    }

    /// Permissionless, once per funding interval: the perpetual's funding step from the mark and
    /// oracle EMAs.
    pub fn update_funding(ctx: Context<UpdateFunding>) -> Result<()> {
        instructions::update_funding::handler(ctx)
    }

    /// Permissionless: an expiry's settlement price from the first oracle price after it.
    pub fn settle_expiry(ctx: Context<SettleExpiry>, expiry_index: u8) -> Result<()> {
        instructions::settle_expiry::handler(ctx, expiry_index)
    }

    /// Admin, once the settlement window has closed unsettled: an expiry's settlement price.
    pub fn admin_settle_expiry(ctx: Context<AdminSettleExpiry>, expiry_index: u8, settlement_price: u64) -> Result<()> {
        instructions::settle_expiry::admin_handler(ctx, expiry_index, settlement_price)
    }

    /// Permissionless: settles an account's positions in settled expiries into quote. Remaining
    /// accounts: the (writable) markets to settle in.
    pub fn settle_positions<'info>(ctx: Context<'_, '_, 'info, 'info, SettlePositions<'info>>) -> Result<()> {
        instructions::settle_positions::handler(ctx)
    }

    // ---- liquidation and insurance ----

    /// Permissionless, for an account below maintenance margin: the liquidator takes over up to
    /// four legs (positions at mark, collateral at the oracle price) for a fee, only as far as MM
    /// plus the buffer.
    pub fn liquidate<'info>(ctx: Context<'_, '_, 'info, 'info, Liquidate<'info>>, legs: Vec<LiquidationLeg>) -> Result<()> {
        instructions::liquidate::handler(ctx, legs)
    }

    /// Permissionless, for an account with negative equity and only quote left: the resolver
    /// takes its positions at mark, the insurance fund pays the deficit, the rest is socialised.
    pub fn resolve_bankruptcy<'info>(ctx: Context<'_, '_, 'info, 'info, ResolveBankruptcy<'info>>) -> Result<()> {
        instructions::resolve_bankruptcy::handler(ctx)
    }

    /// Anyone: adds quote to the insurance fund.
    pub fn deposit_insurance(ctx: Context<DepositInsurance>, amount: u64) -> Result<()> {
        instructions::deposit_insurance::handler(ctx, amount)
    }

    // ---- admin, security authority and crank ----

    /// Admin: a market's fees, funding and settlement parameters.
    pub fn update_trading_params(ctx: Context<UpdateTradingParams>, params: TradingParams) -> Result<()> {
        instructions::update_trading_params::handler(ctx, params)
    }

    /// Admin: moves collected fees of a market from the quote vault into the insurance fund.
    pub fn sweep_fees(ctx: Context<SweepFees>, amount: u64) -> Result<()> {
        instructions::sweep_fees::handler(ctx, amount)
    }

    /// Admin: hands out the security and crank authorities, sets the Pyth owner programs.
    pub fn update_clearinghouse_config(ctx: Context<UpdateClearinghouseConfig>, params: ClearinghouseConfigParams) -> Result<()> {
        instructions::update_clearinghouse_config::handler(ctx, params)
    }

    /// Admin (within hard bounds) or security authority (tighten only): account-level parameters.
    pub fn update_global_params(ctx: Context<UpdateGlobalParams>, params: [i64; risk_engine::GlobalParams::LEN]) -> Result<()> {
        instructions::update_global_params::handler(ctx, params)
    }

    /// Admin: a market for one underlying, its oracle, parameters and perpetual.
    pub fn add_market(ctx: Context<AddMarket>, params: AddMarketParams) -> Result<()> {
        instructions::add_market::handler(ctx, params)
    }

    /// Admin (within hard bounds) or security authority (tighten only): a market's parameters.
    pub fn update_market_params(ctx: Context<UpdateMarketParams>, params: [i64; risk_engine::MarketParams::LEN]) -> Result<()> {
        instructions::update_market_params::handler(ctx, params)
    }

    /// Admin: a market's oracle limits per action and vol-update guards.
    pub fn update_market_config(
        ctx: Context<UpdateMarketConfig>,
        oracle_limits: OracleLimitsParams,
        vol_guards: VolGuardsParams,
    ) -> Result<()> {
        instructions::update_market_config::handler(ctx, oracle_limits, vol_guards)
    }

    /// Admin (any) or security authority (stricter only): active, reduce-only or paused.
    pub fn set_market_status(ctx: Context<SetMarketStatus>, status: u8) -> Result<()> {
        instructions::set_market_status::handler(ctx, status)
    }

    /// Admin: lists an expiry with its first vol slice.
    pub fn add_expiry(ctx: Context<AddExpiry>, expiry: i64, slice: VolSliceParams) -> Result<()> {
        instructions::add_expiry::handler(ctx, expiry, slice)
    }

    /// Admin: lists futures and options of listed expiries.
    pub fn list_instruments(ctx: Context<ListInstruments>, specs: Vec<InstrumentSpec>) -> Result<()> {
        instructions::list_instruments::handler(ctx, specs)
    }

    /// Admin: accepts a new collateral mint (vault created here).
    pub fn add_collateral(ctx: Context<AddCollateral>, params: AddCollateralParams) -> Result<()> {
        instructions::add_collateral::handler(ctx, params)
    }

    /// Admin (within bounds) or security authority (tighten only): a collateral's haircuts and cap.
    pub fn update_collateral(
        ctx: Context<UpdateCollateral>,
        mint: Pubkey,
        haircut_mm_ppm: u32,
        haircut_im_ppm: u32,
        deposit_cap: u64,
    ) -> Result<()> {
        instructions::update_collateral::handler(ctx, mint, haircut_mm_ppm, haircut_im_ppm, deposit_cap)
    }

    /// Crank authority: every listed expiry's vol slice, rate-limited and bounded.
    pub fn update_vol_params(ctx: Context<UpdateVolParams>, sequence: u64, slices: Vec<VolSliceUpdate>) -> Result<()> {
        instructions::update_vol_params::handler(ctx, sequence, slices)
    }
}
