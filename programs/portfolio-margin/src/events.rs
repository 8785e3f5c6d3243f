use anchor_lang::prelude::*;

#[event]
pub struct DepositEvent {
    pub clearinghouse: Pubkey,
    pub margin_account: Pubkey,
    pub owner: Pubkey,
    pub mint: Pubkey,
    pub amount: u64,
    /// The account's balance of `mint` after the deposit, native units.
    pub balance_after: u64,
    pub timestamp: i64,
}

#[event]
pub struct WithdrawEvent {
    pub clearinghouse: Pubkey,
    pub margin_account: Pubkey,
    pub owner: Pubkey,
    pub mint: Pubkey,
    /// Token account that received the funds.
    pub destination: Pubkey,
    pub amount: u64,
    pub balance_after: u64,
    pub timestamp: i64,
}

/// Every configuration change emits an event with the old and new values, and who made it.
#[event]
pub struct ClearinghouseConfigUpdated {
    pub clearinghouse: Pubkey,
    pub old_security_authority: Pubkey,
    pub new_security_authority: Pubkey,
    pub old_crank_authority: Pubkey,
    pub new_crank_authority: Pubkey,
    pub old_pyth_receiver_program: Pubkey,
    pub new_pyth_receiver_program: Pubkey,
    pub old_pyth_oracle_program: Pubkey,
    pub new_pyth_oracle_program: Pubkey,
    pub old_liquidation_buffer_ppm: u32,
    pub new_liquidation_buffer_ppm: u32,
}

/// Parameters in the order of the engine's table (`GlobalParams::NAMES`).
#[event]
pub struct GlobalParamsUpdated {
    pub clearinghouse: Pubkey,
    pub signer: Pubkey,
    pub old: Vec<i64>,
    pub new: Vec<i64>,
}

#[event]
pub struct MarketAdded {
    pub clearinghouse: Pubkey,
    pub market: Pubkey,
    pub market_index: u16,
    pub symbol: String,
    pub oracle: Pubkey,
    pub oracle_source: u8,
    pub spot: u64,
}

/// Parameters in the order of the engine's table (`MarketParams::NAMES`).
#[event]
pub struct MarketParamsUpdated {
    pub market: Pubkey,
    pub signer: Pubkey,
    pub old: Vec<i64>,
    pub new: Vec<i64>,
}

#[event]
pub struct MarketConfigUpdated {
    pub market: Pubkey,
    pub old_oracle_max_age_secs: [u32; 3],
    pub new_oracle_max_age_secs: [u32; 3],
    pub old_oracle_max_conf_ppm: [u32; 3],
    pub new_oracle_max_conf_ppm: [u32; 3],
    /// VolGuards fields in declaration order.
    pub old_vol_guards: [u32; 6],
    pub new_vol_guards: [u32; 6],
}

#[event]
pub struct MarketStatusUpdated {
    pub market: Pubkey,
    pub signer: Pubkey,
    pub old_status: u8,
    pub new_status: u8,
}

#[event]
pub struct ExpiryAdded {
    pub market: Pubkey,
    pub expiry_index: u8,
    pub expiry: i64,
}

#[event]
pub struct InstrumentsListed {
    pub market: Pubkey,
    pub first_index: u16,
    pub count: u16,
}

#[event]
pub struct CollateralAdded {
    pub clearinghouse: Pubkey,
    pub mint: Pubkey,
    pub vault: Pubkey,
    pub market_index: u16,
    pub haircut_mm_ppm: u32,
    pub haircut_im_ppm: u32,
    pub deposit_cap: u64,
}

#[event]
pub struct CollateralUpdated {
    pub clearinghouse: Pubkey,
    pub mint: Pubkey,
    pub signer: Pubkey,
    pub old_haircut_mm_ppm: u32,
    pub new_haircut_mm_ppm: u32,
    pub old_haircut_im_ppm: u32,
    pub new_haircut_im_ppm: u32,
    pub old_deposit_cap: u64,
    pub new_deposit_cap: u64,
}

#[event]
pub struct VolParamsUpdated {
    pub market: Pubkey,
    pub sequence: u64,
    pub num_slices: u8,
    pub timestamp: i64,
}

/// One RFQ trade: both accounts, what traded, and each side's fee (negative: rebate) and
/// position after.
#[event]
pub struct TradeEvent {
    pub market: Pubkey,
    pub instrument_index: u16,
    pub maker_account: Pubkey,
    pub taker_account: Pubkey,
    /// 0: the maker bought, 1: the maker sold.
    pub maker_side: u8,
    pub size: u64,
    pub price: u64,
    pub nonce: u64,
    pub maker_fee: i64,
    pub taker_fee: i64,
    pub maker_size_after: i64,
    pub taker_size_after: i64,
    /// Quote each side received (> 0) or paid (< 0) from the fill: premium or realised P&L.
    pub maker_cash: i64,
    pub taker_cash: i64,
    pub spot: u64,
    pub timestamp: i64,
}

#[event]
pub struct QuotesCancelled {
    pub margin_account: Pubkey,
    pub nonce_floor: u64,
}

#[event]
pub struct FundingUpdated {
    pub market: Pubkey,
    pub mark_ema: u64,
    pub oracle_ema: u64,
    /// ppm of the oracle per funding period.
    pub rate_ppm: i64,
    pub index_before: i64,
    pub index_after: i64,
    pub elapsed_secs: i64,
    pub timestamp: i64,
}

#[event]
pub struct ExpirySettled {
    pub market: Pubkey,
    pub expiry_index: u8,
    pub expiry: i64,
    pub settlement_price: u64,
    /// The oracle publish time of the price (0 when the admin set it).
    pub publish_time: i64,
    pub by_admin: bool,
    pub timestamp: i64,
}

#[event]
pub struct PositionSettled {
    pub margin_account: Pubkey,
    pub market: Pubkey,
    pub instrument_index: u16,
    pub size: i64,
    pub settlement_price: u64,
    /// Quote the account received (> 0) or paid (< 0).
    pub cash: i64,
    pub timestamp: i64,
}

#[event]
pub struct TradingParamsUpdated {
    pub market: Pubkey,
    pub old: crate::state::TradingParams,
    pub new: crate::state::TradingParams,
}

#[event]
pub struct FeesSwept {
    pub market: Pubkey,
    pub amount: u64,
    pub fee_pool_after: u64,
}

/// Quote deposited into the insurance fund (by anyone).
#[event]
pub struct InsuranceDeposited {
    pub clearinghouse: Pubkey,
    pub depositor: Pubkey,
    pub amount: u64,
    /// The insurance vault's balance after the deposit.
    pub insurance_balance: u64,
    pub timestamp: i64,
}

/// One leg of a liquidation: what the liquidator took over and at what price (the fee is per
/// step: `LiquidationEvent`).
#[event]
pub struct LiquidationLegEvent {
    pub margin_account: Pubkey,
    pub liquidator_account: Pubkey,
    pub market: Pubkey,
    /// 0: a position (`instrument_index`), 1: collateral (`mint`).
    pub leg_kind: u8,
    pub instrument_index: u16,
    pub mint: Pubkey,
    /// Position legs: contracts at 1e6, signed as the liquidated position (the liquidator takes
    /// the same side). Collateral legs: native token units.
    pub size: i64,
    /// Per contract (the mark) or per whole token (the oracle), 1e6.
    pub price: u64,
    /// Quote the liquidated account received (> 0) or paid (< 0) for the leg.
    pub cash: i64,
}

/// A liquidation step (one instruction, up to four legs): the account's health before and after.
#[event]
pub struct LiquidationEvent {
    pub clearinghouse: Pubkey,
    pub margin_account: Pubkey,
    pub liquidator: Pubkey,
    pub liquidator_account: Pubkey,
    pub legs: u8,
    pub equity_before: i64,
    pub mm_before: i64,
    pub equity_after: i64,
    pub mm_after: i64,
    /// The liquidator's equity and IM after taking the legs over.
    pub liquidator_equity: i64,
    pub liquidator_im: i64,
    /// The step's fee (a share of the MM it released), paid by the account: the liquidator's
    /// part and the insurance fund's (kept in the first leg's market's fee pool until swept).
    pub fee: u64,
    pub liquidator_fee: u64,
    pub insurance_fee: u64,
    /// The insurance vault's balance.
    pub insurance_balance: u64,
    pub timestamp: i64,
}

/// A bankrupt account closed: its remaining positions taken over at mark by the resolver, its
/// deficit paid by the insurance fund, the rest socialised.
#[event]
pub struct BankruptcyResolved {
    pub clearinghouse: Pubkey,
    pub margin_account: Pubkey,
    pub resolver: Pubkey,
    pub resolver_account: Pubkey,
    pub equity_before: i64,
    pub positions_taken: u8,
    /// Fee the resolver earned on the positions taken (part of the deficit).
    pub resolver_fee: u64,
    /// Quote owed after every position was taken over.
    pub deficit: u64,
    pub insurance_paid: u64,
    pub insurance_balance: u64,
    /// What the fund could not pay: charged to `socialization_market`'s perpetual holders
    /// (`loss_index` per contract), or bad debt when that market has no perpetual open.
    pub socialized: u64,
    pub bad_debt: u64,
    pub socialization_market: Pubkey,
    pub loss_index_after: i64,
    pub timestamp: i64,
}
