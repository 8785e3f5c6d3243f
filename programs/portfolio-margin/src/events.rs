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
