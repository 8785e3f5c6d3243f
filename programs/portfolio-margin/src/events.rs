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
