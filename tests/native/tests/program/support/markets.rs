//! A clearinghouse with markets: a BTC market on a `PriceUpdateV2` oracle and an ETH market on a
//! legacy oracle (accounts written with `set_account`, owned by the configured Pyth programs), a
//! few expiries and options, and 8-decimal wBTC collateral on the BTC market. The clock is fixed
//! (`T0`, moved only by `warp`), so staleness is deterministic. Also the builders of every admin,
//! crank and margin instruction.

use super::*;
use portfolio_margin::{
    instructions::{AddCollateralParams, AddMarketParams, ClearinghouseConfigParams, InstrumentSpec, MarginReport, VolSliceUpdate},
    oracle::{PYTH_LEGACY_PROGRAM_ID_MAINNET, PYTH_RECEIVER_PROGRAM_ID},
    state::{OracleLimitsConfig, OracleLimitsParams, VolGuards, VolGuardsParams, VolSliceParams},
};
use risk_engine::{GlobalParams, MarketParams};
use solana_sdk::account::AccountSharedData;
use std::ops::{Deref, DerefMut};

/// The clock of every market world at start (unix seconds).
pub const T0: i64 = 1_750_000_000;
pub const DAY: i64 = 86_400;

pub const BTC: u16 = 0;
pub const ETH: u16 = 1;
pub const BTC_FEED_HEX: &str = "e62df6c8b4a85fe1a67db44dc12de5db330f7ac66b72dc658afedf0f4a415b43";
pub const ETH_FEED_HEX: &str = "ff61491a931112ddf1bd8147cd1b641375f79f5825126d665480874634fd0ace";

/// BTC/USD as Pyth publishes it (exponent -8) and at 1e6 (price down, confidence up), by hand.
pub const BTC_PRICE: i64 = 6_512_345_678_901;
pub const BTC_CONF: u64 = 2_345_678_901;
pub const BTC_SPOT_1E6: u64 = 65_123_456_789;
pub const BTC_CONF_1E6: u64 = 23_456_790;
/// ETH/USD likewise: 3,456.78901234 +- 1.23456789.
pub const ETH_PRICE: i64 = 345_678_901_234;
pub const ETH_CONF: u64 = 123_456_789;
pub const ETH_SPOT_1E6: u64 = 3_456_789_012;
pub const ETH_CONF_1E6: u64 = 1_234_568;
pub const EXPONENT: i32 = -8;

/// Expiries and their first slices.
pub const BTC_EXPIRIES: [i64; 2] = [T0 + 7 * DAY, T0 + 30 * DAY];
pub const BTC_SLICES: [VolSliceParams; 2] = [
    VolSliceParams { atm_ppm: 600_000, skew_ppm: -100_000, curv_ppm: 200_000, basis_ppm: 50_000 },
    VolSliceParams { atm_ppm: 550_000, skew_ppm: -50_000, curv_ppm: 100_000, basis_ppm: 40_000 },
];
pub const ETH_EXPIRIES: [i64; 1] = [T0 + 14 * DAY];
pub const ETH_SLICES: [VolSliceParams; 1] = [VolSliceParams { atm_ppm: 700_000, skew_ppm: -80_000, curv_ppm: 150_000, basis_ppm: 30_000 }];

/// Instrument kinds (the engine's numbering).
pub const FUTURE: u8 = 1;
pub const CALL: u8 = 2;
pub const PUT: u8 = 3;
pub const STRIKE: u64 = 1_000_000;

/// BTC instruments in listing order (index 0 is the perpetual).
pub const BTC_INSTRUMENTS: [InstrumentSpec; 8] = [
    InstrumentSpec { kind: FUTURE, expiry_index: 0, strike: 0 },
    InstrumentSpec { kind: FUTURE, expiry_index: 1, strike: 0 },
    InstrumentSpec { kind: CALL, expiry_index: 0, strike: 60_000 * STRIKE },
    InstrumentSpec { kind: PUT, expiry_index: 0, strike: 60_000 * STRIKE },
    InstrumentSpec { kind: CALL, expiry_index: 0, strike: 70_000 * STRIKE },
    InstrumentSpec { kind: PUT, expiry_index: 0, strike: 70_000 * STRIKE },
    InstrumentSpec { kind: CALL, expiry_index: 1, strike: 65_000 * STRIKE },
    InstrumentSpec { kind: PUT, expiry_index: 1, strike: 65_000 * STRIKE },
];
pub const PERP: u16 = 0;
pub const BTC_FUT_0: u16 = 1;
pub const BTC_FUT_1: u16 = 2;
pub const BTC_CALL_60K: u16 = 3;
pub const BTC_PUT_60K: u16 = 4;
pub const BTC_CALL_70K: u16 = 5;
pub const BTC_PUT_70K: u16 = 6;
pub const BTC_CALL_65K_1: u16 = 7;
pub const BTC_PUT_65K_1: u16 = 8;
/// ETH instruments in listing order.
pub const ETH_INSTRUMENTS: [InstrumentSpec; 3] = [
    InstrumentSpec { kind: FUTURE, expiry_index: 0, strike: 0 },
    InstrumentSpec { kind: CALL, expiry_index: 0, strike: 3_500 * STRIKE },
    InstrumentSpec { kind: PUT, expiry_index: 0, strike: 3_500 * STRIKE },
];
pub const ETH_FUT_0: u16 = 1;
pub const ETH_CALL_3500: u16 = 2;
pub const ETH_PUT_3500: u16 = 3;

/// wBTC: 8 decimals, priced by the BTC market.
pub const WBTC: u64 = 100_000_000;
pub const WBTC_DECIMALS: u8 = 8;
pub const WBTC_HAIRCUT_MM: u32 = 20_000;
pub const WBTC_HAIRCUT_IM: u32 = 40_000;
pub const WBTC_CAP: u64 = 10 * WBTC;
/// wBTC every funded wallet starts with.
pub const WBTC_START: u64 = 2 * WBTC;

// ---- addresses ----

pub fn market_pda(clearinghouse: &Pubkey, index: u16) -> Pubkey {
    Pubkey::find_program_address(&[MARKET_SEED, clearinghouse.as_ref(), &index.to_le_bytes()], &portfolio_margin::ID).0
}

pub fn collateral_vault_pda(clearinghouse: &Pubkey, mint: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[COLLATERAL_VAULT_SEED, clearinghouse.as_ref(), mint.as_ref()], &portfolio_margin::ID).0
}

// ---- instruction builders ----

pub fn default_oracle_limits() -> OracleLimitsParams {
    let d = OracleLimitsConfig::DEFAULT;
    OracleLimitsParams { max_age_secs: d.max_age_secs, max_conf_ppm: d.max_conf_ppm }
}

pub fn default_vol_guards() -> VolGuardsParams {
    let d = VolGuards::DEFAULT;
    VolGuardsParams {
        min_interval_secs: d.min_interval_secs,
        max_age_secs: d.max_age_secs,
        max_atm_change_ppm: d.max_atm_change_ppm,
        max_shape_change_ppm: d.max_shape_change_ppm,
        max_skew_ppm: d.max_skew_ppm,
        max_curv_ppm: d.max_curv_ppm,
    }
}

/// A market with the engine's default parameters at price range `range_ppm`.
pub fn market_params(symbol: &str, oracle_source: u8, feed_id: [u8; 32], range_ppm: u32) -> AddMarketParams {
    AddMarketParams {
        symbol: symbol.into(),
        oracle_source,
        feed_id,
        params: MarketParams::default_with_range(range_ppm).fields(),
        oracle_limits: default_oracle_limits(),
        vol_guards: default_vol_guards(),
    }
}

pub fn btc_params() -> AddMarketParams {
    market_params("BTC", 0, feed_id(BTC_FEED_HEX), 160_000)
}

pub fn eth_params() -> AddMarketParams {
    market_params("ETH", 1, [0; 32], 180_000)
}

pub fn add_market_ix(admin: &Pubkey, clearinghouse: &Pubkey, market: &Pubkey, oracle: &Pubkey, params: AddMarketParams) -> Instruction {
    ix(
        portfolio_margin::accounts::AddMarket {
            admin: *admin,
            clearinghouse: *clearinghouse,
            market: *market,
            oracle: *oracle,
            system_program: solana_sdk::system_program::id(),
        },
        portfolio_margin::instruction::AddMarket { params },
    )
}

pub fn add_expiry_ix(admin: &Pubkey, clearinghouse: &Pubkey, market: &Pubkey, expiry: i64, slice: VolSliceParams) -> Instruction {
    ix(
        portfolio_margin::accounts::AddExpiry { admin: *admin, clearinghouse: *clearinghouse, market: *market },
        portfolio_margin::instruction::AddExpiry { expiry, slice },
    )
}

pub fn list_instruments_ix(admin: &Pubkey, clearinghouse: &Pubkey, market: &Pubkey, specs: Vec<InstrumentSpec>) -> Instruction {
    ix(
        portfolio_margin::accounts::ListInstruments { admin: *admin, clearinghouse: *clearinghouse, market: *market },
        portfolio_margin::instruction::ListInstruments { specs },
    )
}

pub fn add_collateral_ix(admin: &Pubkey, clearinghouse: &Pubkey, mint: &Pubkey, params: AddCollateralParams) -> Instruction {
    ix(
        portfolio_margin::accounts::AddCollateral {
            admin: *admin,
            clearinghouse: *clearinghouse,
            mint: *mint,
            vault: collateral_vault_pda(clearinghouse, mint),
            token_program: spl_token::id(),
            system_program: solana_sdk::system_program::id(),
        },
        portfolio_margin::instruction::AddCollateral { params },
    )
}

pub fn update_collateral_ix(signer: &Pubkey, clearinghouse: &Pubkey, mint: &Pubkey, mm: u32, im: u32, cap: u64) -> Instruction {
    ix(
        portfolio_margin::accounts::UpdateCollateral { signer: *signer, clearinghouse: *clearinghouse },
        portfolio_margin::instruction::UpdateCollateral { mint: *mint, haircut_mm_ppm: mm, haircut_im_ppm: im, deposit_cap: cap },
    )
}

pub fn update_global_params_ix(signer: &Pubkey, clearinghouse: &Pubkey, params: [i64; GlobalParams::LEN]) -> Instruction {
    ix(
        portfolio_margin::accounts::UpdateGlobalParams { signer: *signer, clearinghouse: *clearinghouse },
        portfolio_margin::instruction::UpdateGlobalParams { params },
    )
}

pub fn update_market_params_ix(signer: &Pubkey, clearinghouse: &Pubkey, market: &Pubkey, params: [i64; MarketParams::LEN]) -> Instruction {
    ix(
        portfolio_margin::accounts::UpdateMarketParams { signer: *signer, clearinghouse: *clearinghouse, market: *market },
        portfolio_margin::instruction::UpdateMarketParams { params },
    )
}

pub fn update_market_config_ix(
    admin: &Pubkey,
    clearinghouse: &Pubkey,
    market: &Pubkey,
    oracle_limits: OracleLimitsParams,
    vol_guards: VolGuardsParams,
) -> Instruction {
    ix(
        portfolio_margin::accounts::UpdateMarketConfig { admin: *admin, clearinghouse: *clearinghouse, market: *market },
        portfolio_margin::instruction::UpdateMarketConfig { oracle_limits, vol_guards },
    )
}

pub fn set_market_status_ix(signer: &Pubkey, clearinghouse: &Pubkey, market: &Pubkey, status: u8) -> Instruction {
    ix(
        portfolio_margin::accounts::SetMarketStatus { signer: *signer, clearinghouse: *clearinghouse, market: *market },
        portfolio_margin::instruction::SetMarketStatus { status },
    )
}

pub fn update_clearinghouse_config_ix(admin: &Pubkey, clearinghouse: &Pubkey, params: ClearinghouseConfigParams) -> Instruction {
    ix(
        portfolio_margin::accounts::UpdateClearinghouseConfig { admin: *admin, clearinghouse: *clearinghouse },
        portfolio_margin::instruction::UpdateClearinghouseConfig { params },
    )
}

pub fn update_vol_params_ix(crank: &Pubkey, clearinghouse: &Pubkey, market: &Pubkey, sequence: u64, slices: Vec<VolSliceUpdate>) -> Instruction {
    ix(
        portfolio_margin::accounts::UpdateVolParams { crank: *crank, clearinghouse: *clearinghouse, market: *market },
        portfolio_margin::instruction::UpdateVolParams { sequence, slices },
    )
}

pub fn simulate_margin_ix(clearinghouse: &Pubkey, margin_account: &Pubkey, remaining: &[Pubkey]) -> Instruction {
    ix(
        portfolio_margin::accounts::SimulateMargin { clearinghouse: *clearinghouse, margin_account: *margin_account },
        portfolio_margin::instruction::SimulateMargin {},
    )
    .with_remaining(remaining)
}

/// Writes an oracle account (rent-exempt lamports) owned by `owner`.
pub fn put_oracle(ctx: &mut ProgramTestContext, key: &Pubkey, owner: &Pubkey, data: Vec<u8>) {
    let mut acc = AccountSharedData::new(1_000_000_000, data.len(), owner);
    acc.set_data_from_slice(&data);
    ctx.set_account(key, &acc);
}

/// The BTC `PriceUpdateV2` of the world at `publish_time`.
pub fn btc_update(publish_time: i64) -> PriceUpdateV2 {
    PriceUpdateV2::new(feed_id(BTC_FEED_HEX), BTC_PRICE, BTC_CONF, EXPONENT, publish_time)
}

/// The ETH legacy price account of the world at `publish_time`.
pub fn eth_price(publish_time: i64) -> LegacyPrice {
    LegacyPrice::new(ETH_PRICE, ETH_CONF, EXPONENT, publish_time)
}

/// A listed market and its oracle.
#[derive(Clone, Copy, Debug)]
pub struct MarketRef {
    pub index: u16,
    pub key: Pubkey,
    pub oracle: Pubkey,
}

/// A `World` (clearinghouse, USDC, one user) with the BTC and ETH markets and wBTC collateral.
pub struct MarketWorld {
    pub w: World,
    pub btc: MarketRef,
    pub eth: MarketRef,
    pub wbtc: Pubkey,
    pub wbtc_authority: Keypair,
    pub wbtc_vault: Pubkey,
    /// The user's wBTC token account (WBTC_START).
    pub user_wbtc: Pubkey,
    /// The clock's unix time.
    pub now: i64,
}

impl Deref for MarketWorld {
    type Target = World;
    fn deref(&self) -> &World {
        &self.w
    }
}

impl DerefMut for MarketWorld {
    fn deref_mut(&mut self) -> &mut World {
        &mut self.w
    }
}

impl MarketWorld {
    /// The clearinghouse at `T0` with both oracles written (publish time `T0`), no market listed
    /// yet (`btc` and `eth` hold the addresses the markets will have), no wBTC listed.
    pub async fn without_markets() -> Self {
        let mut w = World::new().await;
        set_clock(&mut w.ctx, T0).await;
        let btc = MarketRef { index: BTC, key: market_pda(&w.clearinghouse, BTC), oracle: Pubkey::new_unique() };
        let eth = MarketRef { index: ETH, key: market_pda(&w.clearinghouse, ETH), oracle: Pubkey::new_unique() };
        let wbtc_authority = Keypair::new();
        let wbtc = create_mint(&mut w.ctx, &wbtc_authority.pubkey(), WBTC_DECIMALS).await;
        let wbtc_vault = collateral_vault_pda(&w.clearinghouse, &wbtc);
        let mut m = MarketWorld { w, btc, eth, wbtc, wbtc_authority, wbtc_vault, user_wbtc: Pubkey::default(), now: T0 };
        m.refresh_oracles();
        let owner = m.user.key.pubkey();
        m.user_wbtc = m.fund_wbtc(&owner).await;
        m
    }

    /// Both markets listed with their expiries and instruments, wBTC listed on BTC.
    pub async fn new() -> Self {
        let mut m = Self::without_markets().await;
        let admin = m.admin.insecure_clone();
        let ch = m.clearinghouse;
        let (btc, eth) = (m.btc, m.eth);
        m.send_admin(add_market_ix(&admin.pubkey(), &ch, &btc.key, &btc.oracle, btc_params())).await;
        m.send_admin(add_market_ix(&admin.pubkey(), &ch, &eth.key, &eth.oracle, eth_params())).await;
        for (market, expiries, slices) in [(btc.key, &BTC_EXPIRIES[..], &BTC_SLICES[..]), (eth.key, &ETH_EXPIRIES[..], &ETH_SLICES[..])] {
            for (&expiry, slice) in expiries.iter().zip(slices) {
                m.send_admin(add_expiry_ix(&admin.pubkey(), &ch, &market, expiry, *slice)).await;
            }
        }
        m.send_admin(list_instruments_ix(&admin.pubkey(), &ch, &btc.key, BTC_INSTRUMENTS.to_vec())).await;
        m.send_admin(list_instruments_ix(&admin.pubkey(), &ch, &eth.key, ETH_INSTRUMENTS.to_vec())).await;
        let wbtc = m.wbtc;
        m.send_admin(add_collateral_ix(&admin.pubkey(), &ch, &wbtc, wbtc_params())).await;
        m
    }

    /// Sends `ix` signed by the admin; it must succeed. Returns the logs.
    pub async fn send_admin(&mut self, ix: Instruction) -> Vec<String> {
        let admin = self.admin.insecure_clone();
        send_ok(&mut self.ctx, &[ix], &[&admin]).await
    }

    /// A token account of `owner` holding WBTC_START wBTC.
    pub async fn fund_wbtc(&mut self, owner: &Pubkey) -> Pubkey {
        let (wbtc, authority) = (self.wbtc, self.wbtc_authority.insecure_clone());
        funded_token_account(&mut self.ctx, &wbtc, &authority, owner, WBTC_START).await
    }

    /// Writes both oracles with the world's prices, published at `self.now`.
    pub fn refresh_oracles(&mut self) {
        let now = self.now;
        self.put_btc(btc_update(now));
        self.put_eth(eth_price(now));
    }

    pub fn put_btc(&mut self, update: PriceUpdateV2) {
        let key = self.btc.oracle;
        put_oracle(&mut self.w.ctx, &key, &PYTH_RECEIVER_PROGRAM_ID, update.encode());
    }

    pub fn put_eth(&mut self, price: LegacyPrice) {
        let key = self.eth.oracle;
        put_oracle(&mut self.w.ctx, &key, &PYTH_LEGACY_PROGRAM_ID_MAINNET, price.encode());
    }

    /// Moves the clock to `now` (oracles untouched).
    pub async fn set_now(&mut self, now: i64) {
        self.now = now;
        set_clock(&mut self.w.ctx, now).await;
    }

    /// Moves the clock to `now` and republishes both oracles at `now`.
    pub async fn warp(&mut self, now: i64) {
        self.set_now(now).await;
        self.refresh_oracles();
    }

    /// The `[market, oracle]` remaining accounts of `markets`, in the order given.
    pub fn pairs(&self, markets: &[MarketRef]) -> Vec<Pubkey> {
        markets.iter().flat_map(|m| [m.key, m.oracle]).collect()
    }

    /// A wBTC deposit or withdrawal of `user` (its wBTC token account `token_account`).
    pub fn wbtc_transfer(&self, user: &User, token_account: Pubkey) -> Transfer {
        Transfer { vault: self.wbtc_vault, token_account, ..self.transfer(user) }
    }

    /// Replaces the user's positions by `positions` (market, instrument, size, cost basis).
    pub async fn set_positions(&mut self, margin_account: &Pubkey, positions: &[(u16, u16, i64, i64)]) {
        edit_margin_account(&mut self.w.ctx, margin_account, |a| {
            a.positions = [Position::default(); MAX_POSITIONS];
            for (slot, &(market_index, instrument_index, size, cost_basis)) in a.positions.iter_mut().zip(positions) {
                *slot = Position { market_index, instrument_index, size, cost_basis, ..Position::default() };
            }
        })
        .await
    }

    /// Sets the account's balance of `mint` (native units), as deposits would.
    pub async fn set_collateral(&mut self, margin_account: &Pubkey, mint: &Pubkey, amount: u64) {
        let mint = *mint;
        edit_margin_account(&mut self.w.ctx, margin_account, |a| {
            let slot = match a.collaterals.iter().position(|c| c.mint == mint) {
                Some(i) => i,
                None => a.collaterals.iter().position(|c| c.mint == Pubkey::default()).expect("free slot"),
            };
            a.collaterals[slot] = CollateralBalance { mint, amount, ..CollateralBalance::default() };
        })
        .await
    }

    /// `simulate_margin` of `margin_account` with `remaining`: the decoded report, or what failed.
    pub async fn simulate(&mut self, margin_account: &Pubkey, remaining: &[Pubkey]) -> Result<MarginReport, Sent> {
        let ix = simulate_margin_ix(&self.clearinghouse, margin_account, remaining);
        let sent = send(&mut self.w.ctx, &[ix], &[]).await;
        if sent.result.is_err() {
            return Err(sent);
        }
        let data = sent.return_data.as_deref().expect("simulate_margin sets return data");
        Ok(anchor_lang::AnchorDeserialize::deserialize(&mut &data[..]).expect("MarginReport decodes"))
    }

    /// `simulate` that must succeed.
    pub async fn report(&mut self, margin_account: &Pubkey, remaining: &[Pubkey]) -> MarginReport {
        match self.simulate(margin_account, remaining).await {
            Ok(r) => r,
            Err(sent) => panic!("simulate_margin failed: {:?}\n{}", sent.result, sent.logs.join("\n")),
        }
    }

    /// Deposits `amount` USDC of the world's user into its margin account.
    pub async fn deposit_usdc(&mut self, amount: u64) {
        let owner = self.user.key.insecure_clone();
        let ix = self.transfer(&self.user).deposit(amount);
        send_ok(&mut self.ctx, &[ix], &[&owner]).await;
    }

    /// A USDC withdrawal of `amount` by the world's user with `remaining`.
    pub fn withdraw_usdc_ix(&self, amount: u64, remaining: &[Pubkey]) -> Instruction {
        Transfer { remaining: remaining.to_vec(), ..self.transfer(&self.user) }.withdraw(amount)
    }

    /// Every account a margin check of the world's user could change or read.
    pub fn margin_watch(&self, remaining: &[Pubkey]) -> Vec<Pubkey> {
        let mut watch = vec![
            self.user.token_account,
            self.user.margin_account,
            self.quote_vault,
            self.user_wbtc,
            self.wbtc_vault,
            self.clearinghouse,
        ];
        watch.extend_from_slice(remaining);
        watch
    }

    /// A 1-unit USDC withdrawal of the world's user and its simulate_margin, with `remaining`:
    /// both rejected with `expected`, nothing changed.
    pub async fn margin_check_rejected<E: Into<u32> + Copy + std::fmt::Debug>(&mut self, remaining: &[Pubkey], expected: E) {
        self.withdraw_rejected(1, remaining, expected).await;
        let watch = self.margin_watch(remaining);
        let simulate = simulate_margin_ix(&self.clearinghouse, &self.user.margin_account, remaining);
        assert_rejected(&mut self.w.ctx, &[simulate], &[], &watch, expected).await;
    }

    /// A USDC withdrawal of `amount` by the world's user, rejected with `expected`, nothing changed.
    pub async fn withdraw_rejected<E: Into<u32> + Copy + std::fmt::Debug>(&mut self, amount: u64, remaining: &[Pubkey], expected: E) -> Sent {
        let owner = self.user.key.insecure_clone();
        let watch = self.margin_watch(remaining);
        let withdraw = self.withdraw_usdc_ix(amount, remaining);
        assert_rejected(&mut self.w.ctx, &[withdraw], &[&owner], &watch, expected).await
    }

    /// The same two instructions succeed (the withdrawal moves 1 unit).
    pub async fn margin_check_succeeds(&mut self, remaining: &[Pubkey]) {
        let owner = self.user.key.insecure_clone();
        let withdraw = self.withdraw_usdc_ix(1, remaining);
        send_ok(&mut self.w.ctx, &[withdraw], &[&owner]).await;
        let margin = self.user.margin_account;
        self.report(&margin, remaining).await;
    }

    /// A second clearinghouse of the same admin (index 1) with a BTC market on the same oracle.
    pub async fn other_clearinghouse(&mut self) -> (Pubkey, Pubkey) {
        let admin = self.admin.insecure_clone();
        let mint = self.mint;
        self.send_admin(init_clearinghouse_ix(&admin.pubkey(), &mint, 1)).await;
        let other = clearinghouse_pda(&admin.pubkey(), 1);
        let market = market_pda(&other, 0);
        let oracle = self.btc.oracle;
        self.send_admin(add_market_ix(&admin.pubkey(), &other, &market, &oracle, btc_params())).await;
        (other, market)
    }

    /// Hands the security and crank authorities to new keys: (security, crank).
    pub async fn hand_out_authorities(&mut self) -> (Keypair, Keypair) {
        let (security, crank) = (Keypair::new(), Keypair::new());
        let admin = self.admin.pubkey();
        let ch = self.clearinghouse;
        let params = ClearinghouseConfigParams {
            security_authority: Some(security.pubkey()),
            crank_authority: Some(crank.pubkey()),
            ..ClearinghouseConfigParams::default()
        };
        self.send_admin(update_clearinghouse_config_ix(&admin, &ch, params)).await;
        (security, crank)
    }
}

pub fn wbtc_params() -> AddCollateralParams {
    AddCollateralParams { market_index: BTC, haircut_mm_ppm: WBTC_HAIRCUT_MM, haircut_im_ppm: WBTC_HAIRCUT_IM, deposit_cap: WBTC_CAP }
}
