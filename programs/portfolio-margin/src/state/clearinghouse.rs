use anchor_lang::prelude::*;
use risk_engine::GlobalParams;

use crate::errors::PmError;

pub const CLEARINGHOUSE_SEED: &[u8] = b"clearinghouse";
pub const QUOTE_VAULT_SEED: &[u8] = b"quote_vault";
pub const INSURANCE_VAULT_SEED: &[u8] = b"insurance_vault";
/// Vault of a non-quote collateral mint: `["vault", clearinghouse, mint]`.
pub const COLLATERAL_VAULT_SEED: &[u8] = b"vault";
/// Quote amounts are stored in native units of a 6-decimal stablecoin.
pub const QUOTE_DECIMALS: u8 = 6;
/// Collateral mints one clearinghouse can list (the quote mint is entry 0).
pub const MAX_COLLATERAL_MINTS: usize = 16;
/// Markets one clearinghouse can list (indices are u16 in seeds and positions).
pub const MAX_MARKETS_PER_CLEARINGHOUSE: u16 = 1_024;
/// `CollateralConfig::market_index` of a stablecoin valued at 1.0 (no oracle, no scenario moves).
pub const QUOTE_MARKET: u16 = u16::MAX;
/// Largest accepted collateral mint decimals (amounts convert to the engine's 1e6 units).
pub const MAX_COLLATERAL_DECIMALS: u8 = 12;

/// A listed collateral mint.
#[zero_copy]
#[derive(Debug, Default)]
pub struct CollateralConfig {
    pub mint: Pubkey,
    /// Token account holding every margin account's balance of this mint.
    pub vault: Pubkey,
    /// Deposits stop once the vault would hold more than this (native units).
    pub deposit_cap: u64,
    /// The token's own liquidation cost (its price risk is in the scan), ppm: MM <= IM <= 95%.
    pub haircut_mm_ppm: u32,
    pub haircut_im_ppm: u32,
    /// The market whose oracle prices this token and whose scenarios move it; [`QUOTE_MARKET`]
    /// for a stablecoin valued at 1.0.
    pub market_index: u16,
    pub decimals: u8,
    pub vault_bump: u8,
    pub padding: [u8; 4],
    pub reserved: [u8; 16],
}

impl CollateralConfig {
    pub fn is_quote(&self) -> bool {
        self.market_index == QUOTE_MARKET
    }

    pub fn validate_haircuts(mm_ppm: u32, im_ppm: u32) -> Result<()> {
        require!(mm_ppm <= im_ppm && im_ppm <= risk_engine::MAX_HAIRCUT_PPM, PmError::InvalidHaircut);
        Ok(())
    }
}

/// The root of one deployment: who administers it, its authorities, global risk parameters, and
/// the collateral mints it accepts.
///
/// Seeds `["clearinghouse", admin, index (u16 LE)]`, so one admin can run several isolated
/// clearinghouses (as Mango v4 groups). User transactions only read it (deposit caps are checked
/// against the vault's balance), so they never write-lock this account.
#[account(zero_copy)]
#[derive(Debug)]
pub struct Clearinghouse {
    pub admin: Pubkey,
    pub quote_mint: Pubkey,
    /// PDA `["quote_vault", clearinghouse]`: holds every account's quote collateral.
    pub quote_vault: Pubkey,
    /// PDA `["insurance_vault", clearinghouse]`: absorbs losses of bankrupt accounts.
    pub insurance_vault: Pubkey,
    /// May only tighten: pause or reduce-only a market, raise margins and haircuts, lower caps.
    pub security_authority: Pubkey,
    /// Posts vol slices (`update_vol_params`).
    pub crank_authority: Pubkey,
    /// Owners that oracle accounts must have: the Pyth receiver (`PriceUpdateV2`) and the legacy
    /// Pyth oracle program.
    pub pyth_receiver_program: Pubkey,
    pub pyth_oracle_program: Pubkey,
    /// Engine parameters in the order of `risk_engine::GlobalParams::NAMES`.
    pub global_params: [i64; GlobalParams::LEN],
    pub index: u16,
    pub num_markets: u16,
    pub bump: u8,
    pub quote_vault_bump: u8,
    pub insurance_vault_bump: u8,
    pub quote_decimals: u8,
    pub num_collaterals: u8,
    pub padding: [u8; 7],
    pub collaterals: [CollateralConfig; MAX_COLLATERAL_MINTS],
    /// A liquidation stops once equity is back above MM: a step may leave equity at most this
    /// much (ppm of MM) above MM; taking more is over-liquidation.
    pub liquidation_buffer_ppm: u32,
    pub padding2: [u8; 4],
    /// Lifetime insurance-fund flows, quote units: deposited by anyone (`deposit_insurance`),
    /// paid to cover bankrupt accounts, and losses beyond the fund socialised to perpetual holders
    /// (`Market::loss_index`) or, with no perpetual open anywhere, left as bad debt.
    pub insurance_deposited: u64,
    pub insurance_paid: u64,
    pub socialized_loss: u64,
    pub bad_debt: u64,
    pub reserved: [u8; 216],
}

/// Liquidation buffer: a liquidated account may end up to 10% of its MM above MM (at most 100%).
pub const DEFAULT_LIQUIDATION_BUFFER_PPM: u32 = 100_000;
pub const MAX_LIQUIDATION_BUFFER_PPM: u32 = 1_000_000;

pub const CLEARINGHOUSE_SIZE: usize = 32 * 8 + 8 * GlobalParams::LEN + 16 + 104 * MAX_COLLATERAL_MINTS + 8 + 32 + 216;
const _: () = assert!(core::mem::size_of::<CollateralConfig>() == 104);
const _: () = assert!(core::mem::size_of::<Clearinghouse>() == CLEARINGHOUSE_SIZE);

impl Clearinghouse {
    pub const SPACE: usize = 8 + CLEARINGHOUSE_SIZE;

    /// An owned copy of the PDA seeds, so the account need not stay borrowed during a CPI.
    pub fn signer(&self) -> ClearinghouseSigner {
        ClearinghouseSigner { admin: self.admin, index: self.index.to_le_bytes(), bump: [self.bump] }
    }

    pub fn engine_global_params(&self) -> Result<GlobalParams> {
        global_params_from_stored(&self.global_params)
    }

    pub fn listed_collaterals(&self) -> &[CollateralConfig] {
        &self.collaterals[..self.num_collaterals as usize]
    }

    pub fn collateral(&self, mint: &Pubkey) -> Result<&CollateralConfig> {
        self.listed_collaterals().iter().find(|c| c.mint == *mint).ok_or_else(|| error!(PmError::CollateralNotListed))
    }

    pub fn collateral_mut(&mut self, mint: &Pubkey) -> Result<&mut CollateralConfig> {
        let n = self.num_collaterals as usize;
        self.collaterals[..n].iter_mut().find(|c| c.mint == *mint).ok_or_else(|| error!(PmError::CollateralNotListed))
    }

    /// Whether `signer` may make a change that only tightens (admin or security authority).
    pub fn require_admin_or_security(&self, signer: &Pubkey) -> Result<bool> {
        let admin = *signer == self.admin;
        require!(admin || *signer == self.security_authority, PmError::NotAdminOrSecurity);
        Ok(admin)
    }
}

/// Global parameters from their stored form (type-checked per field, then validated).
pub fn global_params_from_stored(stored: &[i64; GlobalParams::LEN]) -> Result<GlobalParams> {
    let mut params = GlobalParams::DEFAULTS;
    for (i, &v) in stored.iter().enumerate() {
        params.set_field(i, v).map_err(|_| crate::margin::global_param_error(i))?;
    }
    risk_engine::validate_global_params(&params).map_err(|e| crate::margin::engine_error(e, PmError::InvalidGlobalParams))?;
    Ok(params)
}

pub struct ClearinghouseSigner {
    admin: Pubkey,
    index: [u8; 2],
    bump: [u8; 1],
}

impl ClearinghouseSigner {
    pub fn seeds(&self) -> [&[u8]; 4] {
        [CLEARINGHOUSE_SEED, self.admin.as_ref(), &self.index, &self.bump]
    }
}
