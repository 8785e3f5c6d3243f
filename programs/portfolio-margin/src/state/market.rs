use anchor_lang::prelude::*;
use risk_engine::{Kind, MarketParams, VolSlice, MAX_SLICES};

use crate::errors::PmError;
use crate::oracle::{Action, OracleLimits, OracleSource, N_ACTIONS};

pub const MARKET_SEED: &[u8] = b"market";
/// Instruments per market: the perpetual, one future per expiry and option strikes x expiries.
pub const MAX_INSTRUMENTS: usize = 256;
/// Expiries per market (the engine's vol slices).
pub const MAX_EXPIRIES: usize = MAX_SLICES;
/// Index of the perpetual, listed with the market.
pub const PERP_INSTRUMENT: u16 = 0;
/// An expiry is listed at least this far ahead (a slice that expires at once cannot be traded).
pub const MIN_EXPIRY_LEAD_SECS: i64 = 3_600;
/// Hard bounds of the oracle limits (liquidation may be lenient, but not unboundedly).
pub const MAX_ORACLE_AGE_SECS: u32 = 3_600;
pub const MAX_ORACLE_CONF_PPM: u32 = 100_000;
/// Highest liquidation fee a market may charge: half the margin a step releases (so a step always
/// shrinks the shortfall by at least the other half).
pub const MAX_LIQUIDATION_FEE_PPM: u32 = 500_000;

/// An instrument kind from its stored byte (the engine's numbering: perp, future, call, put).
pub fn instrument_kind(v: u8) -> Option<Kind> {
    match v {
        0 => Some(Kind::Perp),
        1 => Some(Kind::Future),
        2 => Some(Kind::Call),
        3 => Some(Kind::Put),
        _ => None,
    }
}

/// Trading status; the security authority may only move it up (stricter).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum MarketStatus {
    Active = 0,
    /// Positions may only shrink.
    ReduceOnly = 1,
    /// No trading at all (margin checks, deposits and withdrawals still work).
    Paused = 2,
}

impl MarketStatus {
    pub fn from_u8(v: u8) -> Option<Self> {
        match v {
            0 => Some(Self::Active),
            1 => Some(Self::ReduceOnly),
            2 => Some(Self::Paused),
            _ => None,
        }
    }
}

/// A listed instrument. Positions refer to it by its index in `Market::instruments`.
#[zero_copy]
#[derive(Debug, Default)]
pub struct Instrument {
    /// Strike at 1e6 (options; 0 otherwise).
    pub strike: u64,
    /// Open interest, contracts at 1e6 (maintained by trading).
    pub open_interest: u64,
    /// The engine's [`Kind`] as a byte.
    pub kind: u8,
    /// Index in `Market::expiries` (futures and options; 0 for the perpetual).
    pub expiry_index: u8,
    pub padding: [u8; 6],
}

/// One listed expiry: its vol slice (smile and basis, as the crank last posted it) and its
/// settlement state.
#[zero_copy]
#[derive(Debug, Default)]
pub struct Expiry {
    /// Unix seconds.
    pub expiry: i64,
    /// vol(k) = atm + skew k + curv k^2, k = ln(K/F); F = S e^(basis T). All ppm.
    pub atm_ppm: i64,
    pub skew_ppm: i64,
    pub curv_ppm: i64,
    pub basis_ppm: i64,
    /// Settlement price at 1e6 (0 until settled, by a later instruction).
    pub settlement_price: u64,
}

impl Expiry {
    pub fn slice(&self) -> VolSlice {
        VolSlice { expiry: self.expiry, atm_ppm: self.atm_ppm, skew_ppm: self.skew_ppm, curv_ppm: self.curv_ppm, basis_ppm: self.basis_ppm }
    }
}

/// Validity limits of the market's oracle per action class ([`Action`] order: risk-increasing,
/// margin/withdrawal, liquidation).
#[zero_copy]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct OracleLimitsConfig {
    pub max_age_secs: [u32; N_ACTIONS],
    pub max_conf_ppm: [u32; N_ACTIONS],
}

impl OracleLimitsConfig {
    pub const DEFAULT: Self = Self { max_age_secs: [30, 120, 600], max_conf_ppm: [10_000, 15_000, 20_000] };

    pub fn limits(&self, action: Action) -> OracleLimits {
        let i = action as usize;
        OracleLimits { max_age_secs: self.max_age_secs[i], max_conf_ppm: self.max_conf_ppm[i] }
    }

    /// Risk-increasing no looser than margin, margin no looser than liquidation; liquidation
    /// within the hard bounds and its confidence cap within the engine's (which rejects wider).
    pub fn validate(&self, params: &MarketParams) -> Result<()> {
        let monotone = |v: &[u32; N_ACTIONS]| v[0] <= v[1] && v[1] <= v[2];
        require!(
            monotone(&self.max_age_secs)
                && monotone(&self.max_conf_ppm)
                && self.max_age_secs[0] > 0
                && self.max_age_secs[2] <= MAX_ORACLE_AGE_SECS
                && self.max_conf_ppm[2] <= MAX_ORACLE_CONF_PPM.min(params.max_conf_ppm),
            PmError::InvalidOracleLimits
        );
        Ok(())
    }
}

/// Guards on the crank's vol updates.
#[zero_copy]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct VolGuards {
    /// Minimum seconds between two updates.
    pub min_interval_secs: u32,
    /// Slices older than this are stale (stale-vol add-on; risk-increasing actions refused).
    pub max_age_secs: u32,
    /// Largest relative change of an ATM vol per update (ppm of the old value).
    pub max_atm_change_ppm: u32,
    /// Largest absolute change of skew, curvature or basis per update (ppm).
    pub max_shape_change_ppm: u32,
    /// Absolute bounds of |skew| and |curvature| (ppm).
    pub max_skew_ppm: u32,
    pub max_curv_ppm: u32,
}

impl VolGuards {
    pub const DEFAULT: Self = Self {
        min_interval_secs: 10,
        max_age_secs: 3_600,
        max_atm_change_ppm: 250_000,
        max_shape_change_ppm: 200_000,
        max_skew_ppm: 2_000_000,
        max_curv_ppm: 5_000_000,
    };

    pub fn validate(&self) -> Result<()> {
        require!(
            self.max_age_secs > 0
                && self.max_age_secs <= 7 * 86_400
                && self.min_interval_secs <= self.max_age_secs
                && self.max_atm_change_ppm <= 1_000_000
                && self.max_shape_change_ppm <= 5_000_000
                && self.max_skew_ppm <= 5_000_000
                && self.max_curv_ppm <= 20_000_000,
            PmError::InvalidVolGuards
        );
        Ok(())
    }
}

/// Instruction arguments for [`OracleLimitsConfig`] (borsh; the stored form is zero-copy).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct OracleLimitsParams {
    /// Max age (seconds) for risk-increasing actions, margin/withdrawals, liquidation.
    pub max_age_secs: [u32; N_ACTIONS],
    /// Max confidence (ppm of price), same order.
    pub max_conf_ppm: [u32; N_ACTIONS],
}

impl From<OracleLimitsParams> for OracleLimitsConfig {
    fn from(p: OracleLimitsParams) -> Self {
        OracleLimitsConfig { max_age_secs: p.max_age_secs, max_conf_ppm: p.max_conf_ppm }
    }
}

/// Instruction arguments for [`VolGuards`].
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct VolGuardsParams {
    pub min_interval_secs: u32,
    pub max_age_secs: u32,
    pub max_atm_change_ppm: u32,
    pub max_shape_change_ppm: u32,
    pub max_skew_ppm: u32,
    pub max_curv_ppm: u32,
}

impl From<VolGuardsParams> for VolGuards {
    fn from(p: VolGuardsParams) -> Self {
        VolGuards {
            min_interval_secs: p.min_interval_secs,
            max_age_secs: p.max_age_secs,
            max_atm_change_ppm: p.max_atm_change_ppm,
            max_shape_change_ppm: p.max_shape_change_ppm,
            max_skew_ppm: p.max_skew_ppm,
            max_curv_ppm: p.max_curv_ppm,
        }
    }
}

impl VolGuards {
    /// Field values in declaration order (events).
    pub fn values(&self) -> [u32; 6] {
        [self.min_interval_secs, self.max_age_secs, self.max_atm_change_ppm, self.max_shape_change_ppm, self.max_skew_ppm, self.max_curv_ppm]
    }

    /// A slice within the absolute bounds: ATM within the market's smile clamp, |skew| and
    /// |curvature| within these guards, |basis| within the market's basis bound.
    pub fn check_bounds(&self, slice: &VolSliceParams, params: &MarketParams) -> Result<()> {
        require!(
            slice.atm_ppm >= params.vol_min_ppm as i64
                && slice.atm_ppm <= params.vol_max_ppm as i64
                && slice.skew_ppm.unsigned_abs() <= self.max_skew_ppm as u64
                && slice.curv_ppm.unsigned_abs() <= self.max_curv_ppm as u64
                && slice.basis_ppm.unsigned_abs() <= params.basis_max_ppm as u64,
            PmError::VolOutOfBounds
        );
        Ok(())
    }

    /// The change from `old` is within the per-update maximum: ATM by a fraction of its old value,
    /// skew, curvature and basis by an absolute amount.
    pub fn check_change(&self, old: &Expiry, new: &VolSliceParams) -> Result<()> {
        let atm_limit = (old.atm_ppm.unsigned_abs() as u128 * self.max_atm_change_ppm as u128) / 1_000_000;
        let shape_limit = self.max_shape_change_ppm as u64;
        require!(
            (new.atm_ppm.abs_diff(old.atm_ppm) as u128) <= atm_limit
                && new.skew_ppm.abs_diff(old.skew_ppm) <= shape_limit
                && new.curv_ppm.abs_diff(old.curv_ppm) <= shape_limit
                && new.basis_ppm.abs_diff(old.basis_ppm) <= shape_limit,
            PmError::VolChangeTooLarge
        );
        Ok(())
    }
}

/// One expiry's vol slice as the crank (or the admin, at listing) posts it; all ppm.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VolSliceParams {
    pub atm_ppm: i64,
    pub skew_ppm: i64,
    pub curv_ppm: i64,
    pub basis_ppm: i64,
}

impl Expiry {
    pub fn set_slice(&mut self, s: &VolSliceParams) {
        self.atm_ppm = s.atm_ppm;
        self.skew_ppm = s.skew_ppm;
        self.curv_ppm = s.curv_ppm;
        self.basis_ppm = s.basis_ppm;
    }
}

/// One underlying: its oracle, risk parameters, listed instruments and vol slices.
///
/// Seeds `["market", clearinghouse, market_index (u16 LE)]`. A margin check reads one `Market`
/// and its oracle per underlying the account holds (DESIGN: few accounts per check).
#[account(zero_copy)]
#[derive(Debug)]
pub struct Market {
    pub clearinghouse: Pubkey,
    /// The oracle account (a `PriceUpdateV2` or a legacy price account, per `oracle_source`).
    pub oracle: Pubkey,
    /// Pyth feed id (checked in `PriceUpdateV2` accounts).
    pub feed_id: [u8; 32],
    /// ASCII, zero-padded ("BTC").
    pub symbol: [u8; 8],
    /// Engine parameters in the order of `risk_engine::MarketParams::NAMES`.
    pub params: [i64; MarketParams::LEN],
    pub oracle_limits: OracleLimitsConfig,
    pub vol_guards: VolGuards,
    /// Last accepted vol update's sequence number and time (unix seconds; listing counts).
    pub vol_sequence: u64,
    pub vol_updated_at: i64,
    /// Cumulative funding per contract (quote units; longs pay its increase) and its last update
    /// (maintained by the funding instruction of a later issue).
    pub funding_index: i64,
    pub funding_updated_at: i64,
    pub market_index: u16,
    pub num_instruments: u16,
    pub bump: u8,
    /// [`OracleSource`].
    pub oracle_source: u8,
    /// [`MarketStatus`].
    pub status: u8,
    pub num_expiries: u8,
    pub expiries: [Expiry; MAX_EXPIRIES],
    pub instruments: [Instrument; MAX_INSTRUMENTS],
    /// Fees, funding and settlement parameters (admin).
    pub trading: TradingParams,
    /// Time-weighted EMAs (price at 1e6) of perpetual trade prices and of the oracle, the inputs
    /// of the funding rate, and when each last moved.
    pub mark_ema: u64,
    pub oracle_ema: u64,
    pub mark_ema_updated_at: i64,
    pub oracle_ema_updated_at: i64,
    /// Last funding rate applied, ppm of the oracle per funding period (display).
    pub last_funding_rate_ppm: i64,
    /// Fees collected, native quote units, held in the quote vault until swept.
    pub fee_pool: u64,
    /// Quote the market's positions paid in (realised losses, settlement debits, rounding) less
    /// what they were paid out (realised gains, settlement credits), native units, held in the
    /// quote vault: quote vault = sum of quote balances + every market's fee and P&L pools.
    pub pnl_pool: i64,
    /// Socialised loss per perpetual contract (quote units per 1e6 contracts, cumulative): a
    /// bankruptcy the insurance fund could not cover is charged to every perpetual position of
    /// the market, long and short, pro rata to size (`Position::loss_snapshot`).
    pub loss_index: i64,
    /// Lifetime socialised loss charged to this market's perpetual holders, quote units.
    pub socialized_loss: u64,
    pub reserved: [u8; 136],
}

/// A market's fees, funding and settlement parameters. Fees in ppm: linear instruments of
/// notional (size x price), options of premium, capped at `option_fee_cap_ppm` of notional (size x
/// spot). A negative maker fee is a rebate, never larger than the taker fee (so the fee pool
/// only grows).
///
/// Both the stored form (inside the zero-copy `Market`: `Pod`, every field 4 bytes, so the C and
/// Borsh layouts agree) and the instruction argument.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
pub struct TradingParams {
    pub taker_fee_ppm: u32,
    pub maker_fee_ppm: i32,
    pub option_taker_fee_ppm: u32,
    pub option_maker_fee_ppm: i32,
    pub option_fee_cap_ppm: u32,
    /// `update_funding` at most once per interval; the rate is per period (seconds).
    pub funding_interval_secs: u32,
    pub funding_period_secs: u32,
    /// |funding rate| per period at most this (ppm of the oracle).
    pub max_funding_rate_ppm: u32,
    /// EMA time constant of the mark and oracle EMAs.
    pub ema_window_secs: u32,
    /// `settle_expiry` takes an oracle price published within this long after expiry; later only
    /// the admin may settle.
    pub settlement_window_secs: u32,
    /// Liquidation fee, ppm of the maintenance margin a liquidation step releases, paid by the
    /// liquidated account.
    pub liquidation_fee_ppm: u32,
    /// The insurance fund's share of a liquidation fee (ppm); the liquidator keeps the rest.
    pub insurance_share_ppm: u32,
}

pub const MARKET_SIZE: usize = 32 * 3 + 8 + 8 * MarketParams::LEN + 24 + 24 + 16 + 16 + 8 + 48 * MAX_EXPIRIES + 24 * MAX_INSTRUMENTS
    + 48 + 40 + 16 + 16 + 136;
const _: () = assert!(core::mem::size_of::<Instrument>() == 24);
const _: () = assert!(core::mem::size_of::<Expiry>() == 48);
const _: () = assert!(core::mem::size_of::<Market>() == MARKET_SIZE);
// Created by `init` through a CPI to the system program, which allocates at most 10 KiB.
const _: () = assert!(8 + MARKET_SIZE <= 10_240);

impl TradingParams {
    pub const DEFAULT: Self = Self {
        taker_fee_ppm: 500,
        maker_fee_ppm: 200,
        option_taker_fee_ppm: 30_000,
        option_maker_fee_ppm: 10_000,
        option_fee_cap_ppm: 300,
        funding_interval_secs: 3_600,
        funding_period_secs: 86_400,
        max_funding_rate_ppm: 10_000,
        ema_window_secs: 3_600,
        settlement_window_secs: 3_600,
        liquidation_fee_ppm: 150_000,
        insurance_share_ppm: 250_000,
    };

    pub fn validate(&self) -> Result<()> {
        let rebate_ok = |maker: i32, taker: u32| maker >= -(taker.min(i32::MAX as u32) as i32) && maker <= taker as i32;
        require!(
            self.taker_fee_ppm <= 10_000
                && rebate_ok(self.maker_fee_ppm, self.taker_fee_ppm)
                && self.option_taker_fee_ppm <= 200_000
                && rebate_ok(self.option_maker_fee_ppm, self.option_taker_fee_ppm)
                && self.option_fee_cap_ppm <= 10_000
                && (60..=86_400).contains(&self.funding_interval_secs)
                && self.funding_period_secs >= self.funding_interval_secs
                && self.funding_period_secs <= 30 * 86_400
                && self.max_funding_rate_ppm <= 100_000
                && (60..=7 * 86_400).contains(&self.ema_window_secs)
                && (60..=7 * 86_400).contains(&self.settlement_window_secs)
                && self.liquidation_fee_ppm <= MAX_LIQUIDATION_FEE_PPM
                && self.insurance_share_ppm <= 1_000_000,
            PmError::InvalidTradingParams
        );
        Ok(())
    }
}

impl Market {
    pub const SPACE: usize = 8 + MARKET_SIZE;

    /// Moves the oracle EMA toward `spot` (every trade and funding update).
    pub fn observe_oracle(&mut self, spot: u64, now: i64) {
        self.oracle_ema = crate::trading::ema_update(self.oracle_ema, spot, now - self.oracle_ema_updated_at, self.trading.ema_window_secs);
        self.oracle_ema_updated_at = now;
    }

    /// Moves the mark EMA toward a perpetual trade's `price`.
    pub fn observe_perp_trade(&mut self, price: u64, now: i64) {
        self.mark_ema = crate::trading::ema_update(self.mark_ema, price, now - self.mark_ema_updated_at, self.trading.ema_window_secs);
        self.mark_ema_updated_at = now;
    }

    pub fn engine_params(&self) -> Result<MarketParams> {
        params_from_stored(&self.params)
    }

    pub fn status(&self) -> MarketStatus {
        MarketStatus::from_u8(self.status).unwrap_or(MarketStatus::Paused)
    }

    pub fn source(&self) -> OracleSource {
        if self.oracle_source == OracleSource::PythLegacy as u8 {
            OracleSource::PythLegacy
        } else {
            OracleSource::PythPull
        }
    }

    /// Vols are stale when the market lists expiries and the last update is older than the max
    /// age (a market with no expiries has nothing for vols to price).
    pub fn vol_stale(&self, now: i64) -> bool {
        self.num_expiries > 0 && now.saturating_sub(self.vol_updated_at) > self.vol_guards.max_age_secs as i64
    }

    pub fn instrument(&self, index: u16) -> Result<&Instrument> {
        require!(index < self.num_instruments, PmError::UnknownInstrument);
        Ok(&self.instruments[index as usize])
    }

    /// Whether `instrument` has expired (the perpetual never does).
    pub fn instrument_expired(&self, instrument: &Instrument, now: i64) -> bool {
        instrument.kind != Kind::Perp as u8 && self.expiries[instrument.expiry_index as usize].expiry <= now
    }

    pub fn symbol_str(&self) -> &str {
        let n = self.symbol.iter().position(|&b| b == 0).unwrap_or(self.symbol.len());
        core::str::from_utf8(&self.symbol[..n]).unwrap_or("?")
    }
}

/// Engine parameters from their stored form (type-checked per field, then validated).
pub fn params_from_stored(stored: &[i64; MarketParams::LEN]) -> Result<MarketParams> {
    let mut params = MarketParams::DEFAULTS;
    for (i, &v) in stored.iter().enumerate() {
        params.set_field(i, v).map_err(|e| crate::margin::engine_error(e, PmError::InvalidMarketParams))?;
    }
    risk_engine::validate_market_params(&params).map_err(|e| crate::margin::engine_error(e, PmError::InvalidMarketParams))?;
    Ok(params)
}

/// A 1-8 character ASCII alphanumeric symbol, zero-padded.
pub fn parse_symbol(symbol: &str) -> Result<[u8; 8]> {
    let bytes = symbol.as_bytes();
    require!(!bytes.is_empty() && bytes.len() <= 8 && bytes.iter().all(|b| b.is_ascii_alphanumeric()), PmError::InvalidSymbol);
    let mut out = [0u8; 8];
    out[..bytes.len()].copy_from_slice(bytes);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacities_and_size() {
        assert_eq!(MAX_EXPIRIES, 8);
        assert_eq!(MAX_INSTRUMENTS, 256);
        assert!(Market::SPACE <= 10_240);
    }

    #[test]
    fn oracle_limits_must_tighten_towards_risk_increasing() {
        let p = MarketParams::DEFAULTS;
        assert!(OracleLimitsConfig::DEFAULT.validate(&p).is_ok());
        let looser_trade = OracleLimitsConfig { max_age_secs: [200, 120, 600], ..OracleLimitsConfig::DEFAULT };
        assert!(looser_trade.validate(&p).is_err());
        let beyond_engine = OracleLimitsConfig { max_conf_ppm: [10_000, 15_000, p.max_conf_ppm + 1], ..OracleLimitsConfig::DEFAULT };
        assert!(beyond_engine.validate(&p).is_err());
        let unbounded = OracleLimitsConfig { max_age_secs: [30, 120, MAX_ORACLE_AGE_SECS + 1], ..OracleLimitsConfig::DEFAULT };
        assert!(unbounded.validate(&p).is_err());
    }

    #[test]
    fn symbols() {
        assert_eq!(&parse_symbol("BTC").unwrap()[..4], b"BTC\0");
        assert!(parse_symbol("").is_err());
        assert!(parse_symbol("TOOLONGSYM").is_err());
        assert!(parse_symbol("B-C").is_err());
    }
}
