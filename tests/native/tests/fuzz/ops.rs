//! Operations: generated up front from the sequence's seed (a kind and a seed each), interpreted
//! against the world as it is when they run, so dropping some (shrinking) leaves the others
//! meaningful.

use crate::check::{Expect, Post};
use crate::stats::Rng;
use crate::support::*;
use crate::world::*;
use portfolio_margin::{
    instructions::{LiquidationLeg, TradeQuote, VolSliceUpdate},
    state::*,
};
use solana_sdk::{pubkey::Pubkey, signature::Signer};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Trade,
    Deposit,
    Withdraw,
    Price,
    Time,
    Vol,
    Funding,
    Expiry,
    Settle,
    Liquidate,
    Resolve,
    Insurance,
    Sweep,
    Cancel,
    Invalid,
}

const WEIGHTS: &[(Kind, u64)] = &[
    (Kind::Trade, 28),
    (Kind::Deposit, 7),
    (Kind::Withdraw, 9),
    (Kind::Price, 13),
    (Kind::Time, 8),
    (Kind::Vol, 6),
    (Kind::Funding, 3),
    (Kind::Expiry, 1),
    (Kind::Settle, 2),
    (Kind::Liquidate, 10),
    (Kind::Resolve, 4),
    (Kind::Insurance, 2),
    (Kind::Sweep, 2),
    (Kind::Cancel, 1),
    (Kind::Invalid, 8),
];

#[derive(Clone, Copy, Debug)]
pub struct Op {
    pub kind: Kind,
    pub seed: u64,
}

/// The operations of sequence `seed`.
pub fn generate(seed: u64, length: usize) -> Vec<Op> {
    let mut r = Rng::new(seed);
    let total: u64 = WEIGHTS.iter().map(|w| w.1).sum();
    (0..length)
        .map(|_| {
            let mut x = r.below(total);
            let mut kind = Kind::Trade;
            for &(k, w) in WEIGHTS {
                if x < w {
                    kind = k;
                    break;
                }
                x -= w;
            }
            Op { kind, seed: r.next() }
        })
        .collect()
}

const TRADE_ERRORS: &[&str] =
    &["InsufficientMargin", "InstrumentExpired", "QuoteNonceUsed", "QuoteExpired", "QuoteOracleLimit", "PositionTooLarge", "InvalidTradePrice"];
const DEPOSIT_ERRORS: &[&str] = &["ZeroAmount", "InsufficientSourceFunds", "DepositCapExceeded"];
const WITHDRAW_ERRORS: &[&str] = &["ZeroAmount", "InsufficientCollateral", "InsufficientMargin"];
const LIQUIDATE_ERRORS: &[&str] = &["OverLiquidation", "LiquidatorInsufficientMargin", "LiquidationNotReducingRisk"];

pub const PERP_KIND: u8 = 0;

fn sym(m: usize) -> &'static str {
    if m == 0 {
        "BTC"
    } else {
        "ETH"
    }
}

fn fmt_units(v: u64) -> String {
    format!("{}.{:06}", v / 1_000_000, v % 1_000_000)
}

impl Fuzz {
    fn describe(&mut self, text: String) {
        self.op_text = format!("#{} {text}", self.op_index);
        if self.trace {
            println!("  {}", self.op_text);
        }
    }

    pub async fn run_op(&mut self, index: usize, op: Op) -> Result<(), Violation> {
        self.op_index = index;
        self.op_text = format!("#{index} {:?}", op.kind);
        self.stats.op(&format!("{:?}", op.kind).to_lowercase());
        let mut r = Rng::new(op.seed);
        match op.kind {
            Kind::Trade => self.op_trade(&mut r).await,
            Kind::Deposit => self.op_deposit(&mut r).await,
            Kind::Withdraw => self.op_withdraw(&mut r).await,
            Kind::Price => self.op_price(&mut r).await,
            Kind::Time => self.op_time(&mut r).await,
            Kind::Vol => self.op_vol(&mut r).await,
            Kind::Funding => self.op_funding(&mut r).await,
            Kind::Expiry => self.op_expiry(&mut r).await,
            Kind::Settle => self.op_settle(&mut r).await,
            Kind::Liquidate => self.op_liquidate(&mut r).await,
            Kind::Resolve => self.op_resolve(&mut r).await,
            Kind::Insurance => self.op_insurance(&mut r).await,
            Kind::Sweep => self.op_sweep(&mut r).await,
            Kind::Cancel => self.op_cancel(&mut r).await,
            Kind::Invalid => self.op_invalid(&mut r).await,
        }
    }

    fn trader(&self, r: &mut Rng) -> usize {
        r.below(self.n_traders as u64) as usize
    }

    fn other_trader(&self, r: &mut Rng, not: usize) -> usize {
        let n = self.n_traders;
        (not + 1 + r.below(n as u64 - 1) as usize) % n
    }

    fn any_actor(&self, r: &mut Rng) -> usize {
        if r.chance(85) {
            self.trader(r)
        } else {
            self.liquidators().start + r.below(N_LIQUIDATORS as u64) as usize
        }
    }

    fn key(&self, i: usize) -> solana_sdk::signature::Keypair {
        self.actors[i].user.key.insecure_clone()
    }

    fn next_nonce(&mut self, i: usize) -> u64 {
        let n = self.actors[i].nonce;
        self.actors[i].nonce += 1;
        n
    }

    /// `[market, oracle]` pairs of `markets` (ascending, deduplicated).
    fn pairs_of(&self, mut markets: Vec<u16>) -> Vec<Pubkey> {
        markets.sort();
        markets.dedup();
        markets
            .iter()
            .flat_map(|&m| {
                let r = self.market_ref(m as usize);
                [r.key, r.oracle]
            })
            .collect()
    }

    // ---- trading ----

    /// A trade's allowed refusals: the margin and quote ones always; a stale oracle (the
    /// risk-increasing class: a trade that does not reduce risk needs it) or stale vols only when
    /// a market the trade reads has them.
    fn trade_expect(&self, maker: usize, taker: usize, m: usize) -> Expect {
        let mut markets = self.held(&self.margin(maker));
        markets.extend(self.held(&self.margin(taker)));
        markets.push(m as u16);
        let oracle = markets.iter().any(|&x| self.oracle_stale(x as usize, 0));
        let vols = markets.iter().any(|&x| self.market(x as usize).vol_stale(self.now()));
        Expect::valid(TRADE_ERRORS).or(oracle, "OracleStale").or(vols, "VolStale")
    }

    fn trade_ix_of(&self, maker: usize, taker: usize, m: usize, q: TradeQuote) -> solana_sdk::instruction::Instruction {
        let remaining = self.remaining(&[maker, taker], &[m as u16]);
        let (mk, tk) = (&self.actors[maker].user, &self.actors[taker].user);
        trade_ix(&mk.key.pubkey(), &tk.key.pubkey(), &self.t.clearinghouse, &self.market_ref(m).key, &mk.margin_account, &tk.margin_account, q, &remaining)
    }

    async fn op_trade(&mut self, r: &mut Rng) -> Result<(), Violation> {
        let mut maker = self.trader(r);
        let mut taker = self.other_trader(r, maker);
        if r.chance(15) {
            // a liquidator on one side (mostly unloading what it took over)
            taker = self.liquidators().start + r.below(N_LIQUIDATORS as u64) as usize;
            if r.chance(50) {
                std::mem::swap(&mut maker, &mut taker);
            }
        }
        let mut m = if r.chance(62) { 0 } else { 1 };
        let mut inst: u16 = if r.chance(35) { 0 } else { r.range(1, if m == 0 { 8 } else { 3 }) as u16 };
        let mut maker_buys = r.chance(50);
        let unit: u64 = if m == 0 { 1 } else { 20 };
        let mut size = unit
            * match r.below(100) {
                0..=9 => r.log_range(1, 10_000),
                10..=34 => r.log_range(10_000, 200_000),
                35..=54 => r.log_range(200_000, 2_000_000),
                55..=62 => r.log_range(2_000_000, 20_000_000),
                63..=64 => r.log_range(20_000_000, 1_000_000_000),
                _ => 0,
            };
        if size == 0 {
            // levered: most of the free margin of the less capitalised trader (IM of a linear
            // position is about a fifth of its notional)
            let free = |i: usize| match &self.health[i] {
                Ok(h) if !self.is_liquidator(i) => (h.equity as i128 - h.im as i128).max(0) as u128,
                _ => u128::MAX,
            };
            let excess = free(maker).min(free(taker));
            let excess = if excess == u128::MAX { 50_000 * USDC as u128 } else { excess };
            let notional = excess as f64 * 5.0 * r.uniform(0.2, 1.1);
            size = ((notional * 1e6 / self.px[m] as f64) as u64).max(1);
        }
        // a liquidator reduces one of its positions
        let liq_side = if self.is_liquidator(maker) {
            Some(maker)
        } else if self.is_liquidator(taker) {
            Some(taker)
        } else {
            None
        };
        if let Some(l) = liq_side {
            let a = self.margin(l);
            let markets = [self.market(0), self.market(1)];
            let held: Vec<Position> =
                a.positions.iter().filter(|p| p.size != 0 && !self.expired(&markets[p.market_index as usize], p.instrument_index)).copied().collect();
            if !held.is_empty() && r.chance(75) {
                let p = *r.pick(&held);
                m = p.market_index as usize;
                inst = p.instrument_index;
                size = r.range(1, p.size.unsigned_abs());
                // the liquidator's side shrinks its position
                let liq_buys = p.size < 0;
                maker_buys = if l == maker { liq_buys } else { !liq_buys };
            }
        }
        let mark = self.mark(m, inst).unwrap_or(self.px[m]);
        let off = match r.below(100) {
            0..=69 => r.uniform(-0.003, 0.003),
            70..=89 => r.uniform(-0.03, 0.03),
            90..=97 => r.uniform(-0.25, 0.25),
            _ => {
                if r.chance(50) {
                    -0.999
                } else {
                    4.0
                }
            }
        };
        let price = ((mark as f64 * (1.0 + off)).round().max(1.0) as u64).min(risk_engine::MAX_PRICE);
        let nonce = if r.chance(3) && self.actors[maker].nonce > 0 { self.actors[maker].nonce - 1 } else { self.next_nonce(maker) };
        let oracle_limit = if r.chance(5) { (self.px[m] as f64 * r.uniform(0.99, 1.01)) as u64 } else { 0 };
        let expires_at = if r.chance(3) { self.now() - 1 } else { FAR };
        let q =
            TradeQuote { instrument_index: inst, maker_side: if maker_buys { MAKER_BUYS } else { MAKER_SELLS }, size, price, oracle_limit, expires_at, nonce };
        self.describe(format!(
            "trade {} instrument {} {} size {} @ {} (mark {}) maker {} taker {} nonce {nonce}{}{}",
            sym(m),
            inst,
            if maker_buys { "maker buys" } else { "maker sells" },
            fmt_units(size),
            fmt_units(price),
            fmt_units(mark),
            self.name(maker),
            self.name(taker),
            if oracle_limit > 0 { format!(" limit {}", fmt_units(oracle_limit)) } else { String::new() },
            if expires_at < FAR { " (expired quote)" } else { "" },
        ));
        let ix = self.trade_ix_of(maker, taker, m, q);
        let (mk, tk) = (self.key(maker), self.key(taker));
        let o = self.instr("trade", vec![ix], &[&mk, &tk], self.trade_expect(maker, taker, m), Post::Trade(vec![maker, taker])).await?;
        if o.result.is_ok() {
            self.actors[maker].last_spent = Some(nonce);
        }
        Ok(())
    }

    /// Mints `amount` USDC into `wallet` (outside the program: a user's own funds).
    async fn mint_usdc(&mut self, wallet: &Pubkey, amount: u64) -> Result<(), Violation> {
        let (mint, authority) = (self.t.mint, self.t.mint_authority.insecure_clone());
        let ix = spl_token::instruction::mint_to(&spl_token::id(), &mint, wallet, &authority.pubkey(), &[], amount).unwrap();
        self.send_ok(&[ix], &[&authority]).await?;
        self.refresh().await;
        Ok(())
    }

    // ---- deposits and withdrawals ----

    async fn op_deposit(&mut self, r: &mut Rng) -> Result<(), Violation> {
        let i = self.any_actor(r);
        let wbtc = r.chance(25);
        let wallet = if wbtc { self.actors[i].wbtc } else { self.actors[i].user.token_account };
        if !wbtc && r.chance(30) {
            self.mint_usdc(&wallet, r.log_range(1_000, 300_000) * USDC).await?;
        }
        let balance = self.token(&wallet);
        let amount = match r.below(100) {
            0..=64 => r.range(1, balance.max(1)),
            65..=79 => balance,
            80..=87 => balance + r.range(1, 1_000_000),
            88..=93 => 0,
            _ => u64::MAX,
        };
        self.describe(format!("deposit {} {} of {} (wallet {})", self.name(i), amount, if wbtc { "wBTC" } else { "USDC" }, balance));
        let ix = self.transfer(i, wbtc, vec![]).deposit(amount);
        let key = self.key(i);
        self.instr("deposit", vec![ix], &[&key], Expect::valid(DEPOSIT_ERRORS), Post::None).await?;
        Ok(())
    }

    async fn op_withdraw(&mut self, r: &mut Rng) -> Result<(), Violation> {
        // traders only: the liquidators keep their capital
        let i = self.trader(r);
        let wbtc = r.chance(25);
        let a = self.margin(i);
        let balance = if wbtc { a.collateral_balance(&self.t.wbtc) } else { a.collateral_balance(&self.t.mint) };
        let excess = match &self.health[i] {
            Ok(h) => (h.equity as i128 - h.im as i128).max(0) as u128,
            Err(_) => 0,
        };
        // the excess in the asset's units (wBTC: 8 decimals at the oracle price)
        let excess_units = if wbtc { (excess * 100_000_000 / self.px[0] as u128) as u64 } else { excess.min(u64::MAX as u128) as u64 };
        let cap = balance.min(excess_units);
        let amount = match r.below(100) {
            0..=39 => r.range(1, cap.max(1)),
            40..=54 => cap.max(1),
            55..=64 => balance,
            65..=74 => balance.saturating_add(1),
            75..=79 => 0,
            80..=94 => r.range(1, balance.max(1)),
            _ => u64::MAX,
        };
        // the markets held after the withdrawal (all of the wBTC: BTC only if positions need it)
        let mut held: Vec<u16> = a.positions.iter().filter(|p| p.size != 0).map(|p| p.market_index).collect();
        if a.collateral_balance(&self.t.wbtc) > 0 && !(wbtc && amount == balance) {
            held.push(BTC);
        }
        let stale = held.iter().any(|&m| self.oracle_stale(m as usize, 1));
        let remaining = self.pairs_of(held);
        self.describe(format!("withdraw {} {} of {} (balance {balance}, excess {excess})", self.name(i), amount, if wbtc { "wBTC" } else { "USDC" }));
        let ix = self.transfer(i, wbtc, remaining).withdraw(amount);
        let key = self.key(i);
        self.instr("withdraw", vec![ix], &[&key], Expect::valid(WITHDRAW_ERRORS).or(stale, "OracleStale"), Post::Withdraw(i)).await?;
        Ok(())
    }

    // ---- prices, time, vols, funding ----

    async fn op_price(&mut self, r: &mut Rng) -> Result<(), Violation> {
        let m = if r.chance(60) { 0 } else { 1 };
        let roll = r.below(100);
        let (label, factor) = match roll {
            0..=64 => ("walk", 1.0 + r.uniform(-0.02, 0.02)),
            65..=74 => ("crash", 1.0 - r.uniform(0.20, 0.40)),
            75..=82 => ("rally", 1.0 + r.uniform(0.10, 0.30)),
            83..=94 => ("move", if r.chance(50) { 1.0 + r.uniform(0.03, 0.10) } else { 1.0 - r.uniform(0.03, 0.10) }),
            _ => ("revert", 1.0 + (START_PX[m] as f64 / self.px[m] as f64 - 1.0) * r.uniform(0.3, 1.0)),
        };
        let both = matches!(label, "crash" | "rally") && r.chance(40);
        let mut text = Vec::new();
        for mm in 0..2 {
            if mm != m && !both {
                continue;
            }
            let old = self.px[mm];
            let new = ((old as f64 * factor) as u64).clamp(START_PX[mm] / 5, START_PX[mm] * 5);
            self.px[mm] = new;
            self.publish_now(mm);
            text.push(format!("{} {} -> {}", sym(mm), fmt_units(old), fmt_units(new)));
        }
        self.describe(format!("price {label}: {}", text.join(", ")));
        self.world_changed("price written").await
    }

    /// The earliest expiry without a settlement price: (market, index, time).
    pub fn next_unsettled_expiry(&self) -> Option<(usize, u8, i64)> {
        let mut best: Option<(usize, u8, i64)> = None;
        for m in 0..2 {
            let mk = self.market(m);
            for (e, x) in mk.expiries[..mk.num_expiries as usize].iter().enumerate() {
                if x.settlement_price == 0 && best.is_none_or(|b| x.expiry < b.2) {
                    best = Some((m, e as u8, x.expiry));
                }
            }
        }
        best
    }

    async fn op_time(&mut self, r: &mut Rng) -> Result<(), Violation> {
        let dt = match r.below(100) {
            0..=44 => r.range(1, 20),
            45..=69 => r.range(20, 120),
            70..=84 => r.range(120, 1_800),
            85..=94 => r.range(1_800, 7_200),
            _ => r.range(7_200, 14_400),
        } as i64;
        let now = self.now();
        let mut target = now + dt;
        // never over an expiry: the expiry operation steps onto it and settles
        if let Some((_, _, t)) = self.next_unsettled_expiry() {
            if now < t && target >= t {
                target = t - 1;
            }
        }
        let target = target.max(now);
        self.set_now(target).await;
        let republish = r.below(100);
        let which = match republish {
            0..=84 => "both oracles republished",
            85..=94 => {
                let m = r.below(2) as usize;
                self.publish_now(m);
                if m == 0 {
                    "BTC republished"
                } else {
                    "ETH republished"
                }
            }
            _ => "no oracle republished",
        };
        if republish <= 84 {
            self.publish_now(0);
            self.publish_now(1);
        }
        self.describe(format!("time +{}s ({which})", target - now));
        self.world_changed("clock moved").await?;
        if target - now > 600 && r.chance(70) {
            self.crank_vols(r).await?;
        }
        Ok(())
    }

    /// The crank's routine: a small valid vol update of both markets.
    async fn crank_vols(&mut self, r: &mut Rng) -> Result<(), Violation> {
        for m in 0..2 {
            let market = self.market(m);
            let params = market.engine_params().map_err(|e| violation("fuzzer", format!("engine params: {e:?}")))?;
            let (vmin, vmax) = (params.vol_min_ppm as i64, params.vol_max_ppm as i64);
            let slices: Vec<VolSliceUpdate> = market.expiries[..market.num_expiries as usize]
                .iter()
                .map(|e| VolSliceUpdate {
                    expiry: e.expiry,
                    slice: VolSliceParams {
                        atm_ppm: ((e.atm_ppm as f64 * (1.0 + r.uniform(-0.05, 0.05))) as i64).clamp(vmin, vmax),
                        skew_ppm: e.skew_ppm,
                        curv_ppm: e.curv_ppm,
                        basis_ppm: e.basis_ppm,
                    },
                })
                .collect();
            self.say(&format!("crank: vol update {}", sym(m)));
            let admin = self.t.admin.insecure_clone();
            let ix = update_vol_params_ix(&admin.pubkey(), &self.t.clearinghouse, &self.market_ref(m).key, market.vol_sequence + 1, slices);
            self.instr("update_vol_params", vec![ix], &[&admin], Expect::valid(&["VolUpdateTooSoon"]), Post::None).await?;
        }
        Ok(())
    }

    async fn op_vol(&mut self, r: &mut Rng) -> Result<(), Violation> {
        let m = r.below(2) as usize;
        let market = self.market(m);
        let params = market.engine_params().map_err(|e| violation("fuzzer", format!("engine params: {e:?}")))?;
        let n = market.num_expiries as usize;
        let (vmin, vmax, bmax) = (params.vol_min_ppm as i64, params.vol_max_ppm as i64, params.basis_max_ppm as i64);
        let mut slices: Vec<VolSliceUpdate> = market.expiries[..n]
            .iter()
            .map(|e| {
                let atm = ((e.atm_ppm as f64 * (1.0 + r.uniform(-0.2, 0.2))) as i64).clamp(vmin, vmax);
                let skew = (e.skew_ppm + (r.uniform(-0.15, 0.15) * 1e6) as i64).clamp(-2_000_000, 2_000_000);
                let curv = (e.curv_ppm + (r.uniform(-0.15, 0.15) * 1e6) as i64).clamp(-5_000_000, 5_000_000);
                let basis = (e.basis_ppm + (r.uniform(-0.05, 0.05) * 1e6) as i64).clamp(-bmax, bmax);
                VolSliceUpdate { expiry: e.expiry, slice: VolSliceParams { atm_ppm: atm, skew_ppm: skew, curv_ppm: curv, basis_ppm: basis } }
            })
            .collect();
        let mut sequence = market.vol_sequence + 1 + r.below(3);
        let mut signer = self.t.admin.insecure_clone();
        let (label, expect) = match r.below(100) {
            0..=69 => ("valid", Expect::valid(&["VolUpdateTooSoon"])),
            70..=77 => {
                let e = &market.expiries[0];
                slices[0].slice.atm_ppm = if e.atm_ppm * 3 / 2 <= vmax { e.atm_ppm * 3 / 2 } else { e.atm_ppm / 2 };
                ("ATM change too large", Expect::invalid(&["VolChangeTooLarge", "VolOutOfBounds", "VolUpdateTooSoon"]))
            }
            78..=83 => {
                slices[n - 1].slice.atm_ppm = vmax + 1;
                ("ATM out of bounds", Expect::invalid(&["VolOutOfBounds", "VolUpdateTooSoon"]))
            }
            84..=88 => {
                sequence = market.vol_sequence;
                ("sequence not increasing", Expect::invalid(&["VolSequenceNotIncreasing"]))
            }
            89..=94 => {
                if r.chance(50) {
                    slices.pop();
                } else {
                    slices[0].expiry += 1;
                }
                ("slices mismatch", Expect::invalid(&["VolSliceMismatch", "VolUpdateTooSoon"]))
            }
            _ => {
                signer = self.stranger.insecure_clone();
                ("not the crank", Expect::invalid(&["NotCrankAuthority"]))
            }
        };
        self.describe(format!("vol update {} ({label}) seq {sequence}, {} since the last", sym(m), self.now() - market.vol_updated_at));
        let ix = update_vol_params_ix(&signer.pubkey(), &self.t.clearinghouse, &self.market_ref(m).key, sequence, slices);
        self.instr("update_vol_params", vec![ix], &[&signer], expect, Post::None).await?;
        Ok(())
    }

    async fn op_funding(&mut self, r: &mut Rng) -> Result<(), Violation> {
        let m = r.below(2) as usize;
        self.describe(format!("update_funding {}", sym(m)));
        let ix = update_funding_ix(&self.t.clearinghouse, &self.market_ref(m));
        let stale = self.oracle_stale(m, 1);
        self.instr("update_funding", vec![ix], &[], Expect::valid(&["FundingTooSoon"]).or(stale, "OracleStale"), Post::None).await?;
        Ok(())
    }

    // ---- expiries ----

    async fn op_expiry(&mut self, r: &mut Rng) -> Result<(), Violation> {
        let Some((_, _, t)) = self.next_unsettled_expiry() else {
            // everything settled: settling again is refused
            let m = r.below(2) as usize;
            self.describe(format!("settle_expiry {} 0 again", sym(m)));
            let ix = settle_expiry_ix(&self.t.clearinghouse, &self.market_ref(m), 0);
            self.instr("settle_expiry", vec![ix], &[], Expect::invalid(&["ExpiryAlreadySettled"]), Post::None).await?;
            return Ok(());
        };
        let now = self.now();
        if t > now {
            let target = t + r.range(0, 900) as i64;
            self.set_now(target).await;
            self.publish_now(0);
            self.publish_now(1);
            self.describe(format!("expiry: clock to {} (+{}s), oracles republished", target, target - now));
            self.world_changed("expiry reached").await?;
            if r.chance(80) {
                self.crank_vols(r).await?;
            }
        } else {
            self.describe("expiry: settling what has expired".into());
        }
        for m in 0..2 {
            let mk = self.market(m);
            for e in 0..mk.num_expiries {
                let x = mk.expiries[e as usize];
                if x.settlement_price != 0 || x.expiry > self.now() {
                    continue;
                }
                let ix = settle_expiry_ix(&self.t.clearinghouse, &self.market_ref(m), e);
                let o = self.instr("settle_expiry", vec![ix], &[], Expect::valid(&["SettlementWindowClosed"]), Post::None).await?;
                if o.is("SettlementWindowClosed") {
                    let admin = self.t.admin.insecure_clone();
                    let ix = admin_settle_expiry_ix(&admin.pubkey(), &self.t.clearinghouse, &self.market_ref(m).key, e, self.px[m]);
                    self.instr("admin_settle_expiry", vec![ix], &[&admin], Expect::valid(&[]), Post::None).await?;
                }
            }
        }
        for i in 0..self.actors.len() {
            for _ in 0..4 {
                if !self.holds_settled(i) {
                    break;
                }
                let ix = settle_positions_ix(&self.t.clearinghouse, &self.actors[i].user.margin_account, &[self.t.btc.key, self.t.eth.key]);
                let o = self.instr("settle_positions", vec![ix], &[], Expect::valid(&[]), Post::None).await?;
                if o.result.is_err() {
                    break;
                }
            }
        }
        Ok(())
    }

    /// Whether actor `i` holds a position of a settled expiry.
    fn holds_settled(&self, i: usize) -> bool {
        let a = self.margin(i);
        let markets = [self.market(0), self.market(1)];
        a.positions.iter().filter(|p| p.size != 0).any(|p| {
            let mk = &markets[p.market_index as usize];
            let ins = &mk.instruments[p.instrument_index as usize];
            ins.kind != PERP_KIND && mk.expiries[ins.expiry_index as usize].settlement_price != 0
        })
    }

    async fn op_settle(&mut self, r: &mut Rng) -> Result<(), Violation> {
        let i = self.any_actor(r);
        self.describe(format!("settle_positions {}", self.name(i)));
        let ix = settle_positions_ix(&self.t.clearinghouse, &self.actors[i].user.margin_account, &[self.t.btc.key, self.t.eth.key]);
        self.instr("settle_positions", vec![ix], &[], Expect::valid(&["NothingToSettle"]), Post::None).await?;
        Ok(())
    }

    // ---- liquidation and bankruptcy ----

    fn below_mm(&self) -> Vec<usize> {
        (0..self.actors.len()).filter(|&i| matches!(&self.health[i], Ok(h) if h.equity < h.mm)).collect()
    }

    /// The legs a liquidation of `target` takes: all (at most 4), else the first set a simulated
    /// 1% step accepts (the 4 largest, then each alone), else the 4 largest.
    async fn leg_set(&mut self, liquidator: usize, target: usize) -> Result<Vec<LegRef>, Violation> {
        let legs = self.eligible_legs(target);
        if legs.len() <= 4 {
            return Ok(legs);
        }
        let top: Vec<LegRef> = legs.iter().take(4).copied().collect();
        let mut candidates = vec![top.clone()];
        candidates.extend(legs.iter().map(|l| vec![*l]));
        for cand in candidates {
            let ix = self.liquidate_ix(liquidator, target, self.legs_at(&cand, 10_000));
            if self.simulate(&[ix]).await?.result.is_ok() {
                return Ok(cand);
            }
        }
        Ok(top)
    }

    /// The largest fraction (ppm) of `legs` a simulated step accepts (bisection: a refusal,
    /// over-liquidation mostly, means too much); 1 ppm if none.
    async fn max_fraction(&mut self, liquidator: usize, target: usize, legs: &[LegRef]) -> Result<u64, Violation> {
        let ix = self.liquidate_ix(liquidator, target, self.legs_at(legs, 1_000_000));
        if self.simulate(&[ix]).await?.result.is_ok() {
            return Ok(1_000_000);
        }
        let (mut lo, mut hi) = (0u64, 1_000_000u64);
        for _ in 0..16 {
            let mid = (lo + hi) / 2;
            if mid == lo {
                break;
            }
            let ix = self.liquidate_ix(liquidator, target, self.legs_at(legs, mid));
            if self.simulate(&[ix]).await?.result.is_ok() {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        Ok(lo.max(1))
    }

    fn liquidator_for(&self, r: &mut Rng, target: usize) -> usize {
        if r.chance(80) || self.n_traders < 2 {
            let l = self.liquidators().start + r.below(N_LIQUIDATORS as u64) as usize;
            if l == target {
                self.prober(target)
            } else {
                l
            }
        } else {
            let t = self.trader(r);
            if t == target {
                self.other_trader(r, t)
            } else {
                t
            }
        }
    }

    async fn op_liquidate(&mut self, r: &mut Rng) -> Result<(), Violation> {
        let below = self.below_mm();
        if below.is_empty() {
            if r.chance(20) {
                return self.healthy_liquidation(r).await;
            }
            self.describe("liquidate: nobody below MM".into());
            return Ok(());
        }
        let target = *r.pick(&below);
        let liquidator = self.liquidator_for(r, target);
        let legs = self.leg_set(liquidator, target).await?;
        if legs.is_empty() {
            self.describe(format!("liquidate {}: nothing to take", self.name(target)));
            return Ok(());
        }
        let (mode, ix_legs): (String, Vec<LiquidationLeg>) = match r.below(100) {
            0..=59 => {
                let f = self.max_fraction(liquidator, target, &legs).await?;
                (format!("bisected {f} ppm"), self.legs_at(&legs, f))
            }
            60..=79 => {
                let f = r.range(1, 1_000_000);
                (format!("random {f} ppm"), self.legs_at(&legs, f))
            }
            80..=94 => {
                let l = *r.pick(&legs);
                let leg = match l {
                    LegRef::Position { market, instrument, size, .. } => position_leg(market, instrument, r.range(1, size)),
                    LegRef::Wbtc { amount, .. } => collateral_leg(&self.t.wbtc, r.range(1, amount)),
                };
                ("one leg".to_string(), vec![leg])
            }
            _ => ("everything".to_string(), self.legs_at(&legs, 1_000_000)),
        };
        let h = self.health[target].clone().expect("below MM");
        self.describe(format!(
            "liquidate {} (equity {}, MM {}) by {}: {mode}, {} leg(s)",
            self.name(target),
            h.equity,
            h.mm,
            self.name(liquidator),
            ix_legs.len()
        ));
        let ix = self.liquidate_ix(liquidator, target, ix_legs);
        let key = self.key(liquidator);
        self.instr(
            "liquidate",
            vec![ix],
            &[&key],
            Expect::valid(LIQUIDATE_ERRORS).or(self.liquidation_oracle_stale(target, liquidator), "OracleStale"),
            Post::Liquidation { target, liquidator },
        )
        .await?;
        Ok(())
    }

    async fn healthy_liquidation(&mut self, r: &mut Rng) -> Result<(), Violation> {
        let healthy: Vec<usize> =
            (0..self.actors.len()).filter(|&i| matches!(&self.health[i], Ok(h) if h.equity >= h.mm) && !self.eligible_legs(i).is_empty()).collect();
        if healthy.is_empty() {
            self.describe("liquidate: no account to try".into());
            return Ok(());
        }
        let target = *r.pick(&healthy);
        let liquidator = self.prober(target);
        let legs = self.eligible_legs(target);
        let ix_legs = self.legs_at(&legs[..legs.len().min(4)], r.range(1, 1_000_000));
        self.describe(format!("liquidate healthy {} by {}", self.name(target), self.name(liquidator)));
        let ix = self.liquidate_ix(liquidator, target, ix_legs);
        let key = self.key(liquidator);
        let stale = self.liquidation_oracle_stale(target, liquidator);
        self.instr("liquidate", vec![ix], &[&key], Expect::invalid(&["AccountNotLiquidatable"]).or(stale, "OracleStale"), Post::None).await?;
        Ok(())
    }

    async fn op_resolve(&mut self, r: &mut Rng) -> Result<(), Violation> {
        let bankrupt: Vec<usize> = (0..self.actors.len()).filter(|&i| matches!(&self.health[i], Ok(h) if h.equity < 0)).collect();
        if bankrupt.is_empty() {
            let solvent: Vec<usize> = (0..self.actors.len()).filter(|&i| matches!(&self.health[i], Ok(h) if h.equity >= 0)).collect();
            if solvent.is_empty() || r.chance(70) {
                self.describe("resolve_bankruptcy: nobody bankrupt".into());
                return Ok(());
            }
            let target = *r.pick(&solvent);
            let resolver = self.prober(target);
            self.describe(format!("resolve_bankruptcy of solvent {}", self.name(target)));
            let market = self.socialization_market(target).unwrap_or(r.below(2) as usize);
            let ix = self.resolve_ix(resolver, target, market);
            let key = self.key(resolver);
            let stale = self.liquidation_oracle_stale(target, resolver);
            self.instr("resolve_bankruptcy", vec![ix], &[&key], Expect::invalid(&["AccountNotBankrupt"]).or(stale, "OracleStale"), Post::None).await?;
            return Ok(());
        }
        let target = *r.pick(&bankrupt);
        let resolver = self.liquidator_for(r, target);
        if self.wbtc_balance(target) > 0 && r.chance(75) {
            // its collateral first: a step taking everything (its equity is negative: no
            // over-liquidation)
            let legs = self.leg_set(resolver, target).await?;
            self.describe(format!("bankrupt {} holds wBTC: liquidate everything first ({} legs)", self.name(target), legs.len()));
            let ix = self.liquidate_ix(resolver, target, self.legs_at(&legs, 1_000_000));
            let key = self.key(resolver);
            self.instr(
                "liquidate",
                vec![ix],
                &[&key],
                Expect::valid(LIQUIDATE_ERRORS).or(self.liquidation_oracle_stale(target, resolver), "OracleStale"),
                Post::Liquidation { target, liquidator: resolver },
            )
            .await?;
            if !matches!(&self.health[target], Ok(h) if h.equity < 0) {
                return Ok(());
            }
        }
        // the market the program requires, mostly; sometimes the other one
        let expected = self.socialization_market(target);
        let market = match expected {
            Some(m) if r.chance(85) => m,
            Some(m) => 1 - m,
            None => r.below(2) as usize,
        };
        let wrong_market = expected.is_some_and(|m| m != market);
        let collateral = self.wbtc_balance(target) > 0;
        let unsettled = self.expired_unsettled(target) > 0;
        let h = self.health[target].clone().expect("evaluated");
        self.describe(format!(
            "resolve_bankruptcy {} (equity {}) by {}, socialised to {}{}",
            self.name(target),
            h.equity,
            self.name(resolver),
            sym(market),
            if wrong_market { " (not the required market)" } else { "" }
        ));
        let ix = self.resolve_ix(resolver, target, market);
        let key = self.key(resolver);
        let expect: &'static [&'static str] = match (collateral, unsettled) {
            (true, _) => &["BankruptcyCollateralLeft"],
            (false, true) => &["LiquidatorInsufficientMargin", "InstrumentExpired"],
            (false, false) => &["LiquidatorInsufficientMargin"],
        };
        let post = if collateral || wrong_market { Post::None } else { Post::Bankruptcy { target, resolver } };
        let stale = self.liquidation_oracle_stale(target, resolver);
        let expect = if wrong_market {
            Expect::invalid(&["WrongSocializationMarket"])
        } else if collateral {
            Expect::invalid(expect)
        } else {
            Expect::valid(expect)
        }
        .or(stale, "OracleStale");
        self.instr("resolve_bankruptcy", vec![ix], &[&key], expect, post).await?;
        Ok(())
    }

    // ---- insurance, fees, quotes ----

    async fn op_insurance(&mut self, r: &mut Rng) -> Result<(), Violation> {
        let wallet = self.funder.token_account;
        self.mint_usdc(&wallet, r.log_range(100, 100_000) * USDC).await?;
        let balance = self.token(&wallet);
        let amount = match r.below(100) {
            0..=84 => r.range(1, balance),
            85..=92 => 0,
            _ => balance + 1,
        };
        self.describe(format!("deposit_insurance {amount} (wallet {balance})"));
        let key = self.funder.key.insecure_clone();
        let ix = deposit_insurance_ix(&key.pubkey(), &self.t.clearinghouse, &wallet, amount);
        self.instr("deposit_insurance", vec![ix], &[&key], Expect::valid(&["ZeroAmount", "InsufficientSourceFunds"]), Post::None).await?;
        Ok(())
    }

    async fn op_sweep(&mut self, r: &mut Rng) -> Result<(), Violation> {
        let m = r.below(2) as usize;
        let pool = self.market(m).fee_pool;
        let amount = match r.below(100) {
            0..=69 => r.range(1, pool.max(1)),
            70..=84 => pool,
            85..=94 => pool + 1,
            _ => 0,
        };
        self.describe(format!("sweep_fees {} {amount} of {pool}", sym(m)));
        let admin = self.t.admin.insecure_clone();
        let ix = sweep_fees_ix(&admin.pubkey(), &self.t.clearinghouse, &self.market_ref(m).key, amount);
        self.instr("sweep_fees", vec![ix], &[&admin], Expect::valid(&["InsufficientFees", "ZeroAmount"]), Post::None).await?;
        Ok(())
    }

    async fn op_cancel(&mut self, r: &mut Rng) -> Result<(), Violation> {
        let i = self.trader(r);
        let floor = self.margin(i).quote_nonce_floor;
        let key = self.key(i);
        if r.chance(15) {
            self.describe(format!("cancel_quotes {} at the current floor {floor}", self.name(i)));
            let ix = cancel_quotes_ix(&key.pubkey(), &self.actors[i].user.margin_account, floor);
            self.instr("cancel_quotes", vec![ix], &[&key], Expect::invalid(&["QuoteNonceUsed"]), Post::None).await?;
            return Ok(());
        }
        let new = floor.max(self.actors[i].nonce) + r.range(1, 50);
        self.describe(format!("cancel_quotes {} below {new}", self.name(i)));
        let ix = cancel_quotes_ix(&key.pubkey(), &self.actors[i].user.margin_account, new);
        let o = self.instr("cancel_quotes", vec![ix], &[&key], Expect::valid(&[]), Post::None).await?;
        if o.result.is_ok() {
            self.actors[i].nonce = new;
        }
        Ok(())
    }

    // ---- deliberately invalid instructions ----

    async fn op_invalid(&mut self, r: &mut Rng) -> Result<(), Violation> {
        let i = self.trader(r);
        let j = self.other_trader(r, i);
        let (ki, kj) = (self.key(i), self.key(j));
        let ch = self.t.clearinghouse;
        let case = r.below(24);
        match case {
            0 => {
                self.describe(format!("withdraw by {} unsigned", self.name(i)));
                let ix = unsigned(self.transfer(i, false, self.remaining(&[i], &[])).withdraw(1), &ki.pubkey());
                self.instr("withdraw", vec![ix], &[], Expect::invalid(&["AccountNotSigner"]), Post::None).await?;
            }
            1 => {
                self.describe(format!("withdraw by {} from {}'s account", self.name(i), self.name(j)));
                let mut t = self.transfer(j, false, self.remaining(&[j], &[]));
                t.owner = ki.pubkey();
                t.token_account = self.actors[i].user.token_account;
                self.instr("withdraw", vec![t.withdraw(1)], &[&ki], Expect::invalid(&["NotAccountOwner"]), Post::None).await?;
            }
            2 => {
                self.describe(format!("deposit by {} into {}'s account", self.name(i), self.name(j)));
                let mut t = self.transfer(j, false, vec![]);
                t.owner = ki.pubkey();
                t.token_account = self.actors[i].user.token_account;
                self.instr("deposit", vec![t.deposit(1)], &[&ki], Expect::invalid(&["NotAccountOwner"]), Post::None).await?;
            }
            3 => {
                self.describe(format!("deposit by {} from {}'s wallet", self.name(i), self.name(j)));
                let mut t = self.transfer(i, false, vec![]);
                t.token_account = self.actors[j].user.token_account;
                self.instr("deposit", vec![t.deposit(1)], &[&ki], Expect::invalid(&["InvalidTokenOwner"]), Post::None).await?;
            }
            4 => {
                self.describe(format!("trade of {} with itself", self.name(i)));
                let q = quote(PERP, MAKER_BUYS, 1_000, self.px[0], self.actors[i].nonce);
                let ix = self.trade_ix_of(i, i, 0, q);
                self.instr("trade", vec![ix], &[&ki], Expect::invalid(&["SelfTrade"]), Post::None).await?;
            }
            5 => {
                self.describe(format!("trade of {} and {}, the taker unsigned", self.name(i), self.name(j)));
                let nonce = self.next_nonce(i);
                let q = quote(PERP, MAKER_BUYS, 1_000, self.px[0], nonce);
                let ix = unsigned(self.trade_ix_of(i, j, 0, q), &kj.pubkey());
                self.instr("trade", vec![ix], &[&ki], Expect::invalid(&["AccountNotSigner"]), Post::None).await?;
            }
            6 => {
                let nonce = self.next_nonce(i);
                let base = quote(PERP, MAKER_BUYS, 1_000, self.px[0], nonce);
                let (label, q, expect): (&str, TradeQuote, &'static [&'static str]) = match r.below(5) {
                    0 => ("size 0", TradeQuote { size: 0, ..base }, &["PositionTooLarge"]),
                    1 => ("size u64::MAX", TradeQuote { size: u64::MAX, ..base }, &["PositionTooLarge"]),
                    2 => ("price 0", TradeQuote { price: 0, ..base }, &["InvalidTradePrice"]),
                    3 => ("price u64::MAX", TradeQuote { price: u64::MAX, ..base }, &["InvalidTradePrice"]),
                    _ => ("side 7", TradeQuote { maker_side: 7, ..base }, &["InvalidSide"]),
                };
                self.describe(format!("trade with {label}"));
                let ix = self.trade_ix_of(i, j, 0, q);
                self.instr("trade", vec![ix], &[&ki, &kj], Expect::invalid(expect), Post::None).await?;
            }
            7 => return self.healthy_liquidation(r).await,
            8 => {
                let legs = self.eligible_legs(i);
                if legs.is_empty() {
                    self.describe("self-liquidation: nothing to take".into());
                    return Ok(());
                }
                self.describe(format!("{} liquidates its own account", self.name(i)));
                let ix = self.liquidate_ix(i, i, self.legs_at(&legs[..legs.len().min(4)], 10_000));
                self.instr("liquidate", vec![ix], &[&ki], Expect::invalid(&["SelfLiquidation", "ConstraintDuplicateMutableAccount"]), Post::None).await?;
            }
            9 => {
                // a BTC oracle 200 s old: too old for a trade (margin class: 120 s)
                let saved = self.publish[0];
                let now = self.now();
                self.publish_at(0, now - 200);
                self.describe(format!("trade of {} and {} on a 200 s old BTC oracle", self.name(i), self.name(j)));
                let nonce = self.next_nonce(i);
                let q = quote(PERP, MAKER_BUYS, 1_000, self.px[0], nonce);
                let ix = self.trade_ix_of(i, j, 0, q);
                let res = self.instr("trade", vec![ix], &[&ki, &kj], Expect::invalid(&["OracleStale"]), Post::None).await;
                self.publish_at(0, saved);
                res?;
                self.world_changed("BTC oracle restored").await?;
            }
            10 => {
                // a BTC oracle 700 s old: too old even for a liquidation (600 s)
                let target = (0..self.actors.len()).find(|&k| self.held(&self.margin(k)).contains(&BTC) && !self.eligible_legs(k).is_empty());
                let Some(target) = target else {
                    self.describe("stale liquidation: nobody holds BTC".into());
                    return Ok(());
                };
                let liquidator = self.prober(target);
                let saved = self.publish[0];
                let now = self.now();
                self.publish_at(0, now - 700);
                self.describe(format!("liquidate {} on a 700 s old BTC oracle", self.name(target)));
                let legs = self.eligible_legs(target);
                let ix = self.liquidate_ix(liquidator, target, self.legs_at(&legs[..legs.len().min(4)], 10_000));
                let key = self.key(liquidator);
                let res = self.instr("liquidate", vec![ix], &[&key], Expect::invalid(&["OracleStale"]), Post::None).await;
                self.publish_at(0, saved);
                res?;
                self.world_changed("BTC oracle restored").await?;
            }
            11 => {
                self.describe(format!("withdraw by {} through the wBTC vault", self.name(i)));
                let mut t = self.transfer(i, false, self.remaining(&[i], &[]));
                t.vault = self.t.wbtc_vault;
                self.instr("withdraw", vec![t.withdraw(1)], &[&ki], Expect::invalid(&["InvalidVault"]), Post::None).await?;
            }
            12 => {
                if self.held(&self.margin(i)).is_empty() || self.usdc_balance(i) == 0 {
                    self.describe("withdraw without remaining accounts: the account holds no market".into());
                    return Ok(());
                }
                self.describe(format!("withdraw by {} without its markets", self.name(i)));
                let t = self.transfer(i, false, vec![]);
                self.instr("withdraw", vec![t.withdraw(1)], &[&ki], Expect::invalid(&["RemainingAccountsMismatch"]), Post::None).await?;
            }
            13 => {
                self.describe("sweep_fees by a stranger".into());
                let s = self.stranger.insecure_clone();
                let ix = sweep_fees_ix(&s.pubkey(), &ch, &self.t.btc.key, 1);
                self.instr("sweep_fees", vec![ix], &[&s], Expect::invalid(&["NotAdmin"]), Post::None).await?;
            }
            14 => {
                self.describe("settle_expiry before its time".into());
                match self.next_unsettled_expiry() {
                    Some((m, e, t)) if t > self.now() => {
                        let ix = settle_expiry_ix(&ch, &self.market_ref(m), e);
                        self.instr("settle_expiry", vec![ix], &[], Expect::invalid(&["ExpiryNotReached"]), Post::None).await?;
                    }
                    _ => {
                        let ix = settle_expiry_ix(&ch, &self.market_ref(0), 0);
                        self.instr("settle_expiry", vec![ix], &[], Expect::invalid(&["ExpiryAlreadySettled", "ExpiryNotReached"]), Post::None).await?;
                    }
                }
            }
            15 => {
                self.describe("update_funding BTC with the ETH oracle".into());
                let wrong = MarketRef { oracle: self.t.eth.oracle, ..self.t.btc };
                let ix = update_funding_ix(&ch, &wrong);
                self.instr("update_funding", vec![ix], &[], Expect::invalid(&["OracleWrongAccount", "FundingTooSoon"]), Post::None).await?;
            }
            16 => {
                let legs = self.eligible_legs(i);
                let Some(LegRef::Position { market, instrument, size, .. }) = legs.iter().find(|l| matches!(l, LegRef::Position { .. })).copied() else {
                    self.describe("oversized leg: no position".into());
                    return Ok(());
                };
                let liquidator = self.prober(i);
                self.describe(format!("liquidate {} taking more than its position", self.name(i)));
                let ix = self.liquidate_ix(liquidator, i, vec![position_leg(market, instrument, size + 1)]);
                let key = self.key(liquidator);
                let stale = self.liquidation_oracle_stale(i, liquidator);
                self.instr(
                    "liquidate",
                    vec![ix],
                    &[&key],
                    Expect::invalid(&["InvalidLiquidationLeg", "AccountNotLiquidatable"]).or(stale, "OracleStale"),
                    Post::None,
                )
                .await?;
            }
            17 => {
                let (label, ix, expect): (&str, _, &'static [&'static str]) = match r.below(4) {
                    0 => ("deposit 0", self.transfer(i, false, vec![]).deposit(0), &["ZeroAmount"]),
                    1 => ("withdraw 0", self.transfer(i, false, self.remaining(&[i], &[])).withdraw(0), &["ZeroAmount"]),
                    2 => ("deposit u64::MAX", self.transfer(i, r.chance(50), vec![]).deposit(u64::MAX), &["InsufficientSourceFunds"]),
                    _ => ("withdraw u64::MAX", self.transfer(i, false, self.remaining(&[i], &[])).withdraw(u64::MAX), &["InsufficientCollateral"]),
                };
                self.describe(format!("{label} by {}", self.name(i)));
                self.instr(label.split(' ').next().unwrap(), vec![ix], &[&ki], Expect::invalid(expect), Post::None).await?;
            }
            18 => {
                self.describe(format!("{} resolves its own account", self.name(i)));
                let ix = self.resolve_ix(i, i, self.socialization_market(i).unwrap_or(0));
                self.instr("resolve_bankruptcy", vec![ix], &[&ki], Expect::invalid(&["SelfLiquidation", "ConstraintDuplicateMutableAccount"]), Post::None)
                    .await?;
            }
            19 => {
                self.describe(format!("deposit_insurance by {} from {}'s wallet", self.name(i), self.name(j)));
                let ix = deposit_insurance_ix(&ki.pubkey(), &ch, &self.actors[j].user.token_account, 1);
                self.instr("deposit_insurance", vec![ix], &[&ki], Expect::invalid(&["InvalidTokenOwner"]), Post::None).await?;
            }
            20 => {
                self.describe(format!("cancel_quotes of {}'s account by {}", self.name(j), self.name(i)));
                let ix = cancel_quotes_ix(&ki.pubkey(), &self.actors[j].user.margin_account, u64::MAX);
                self.instr("cancel_quotes", vec![ix], &[&ki], Expect::invalid(&["NotAccountOwner"]), Post::None).await?;
            }
            21 => {
                // a trade that leaves out a market either account holds
                let held = {
                    let mut h = self.held(&self.margin(i));
                    h.extend(self.held(&self.margin(j)));
                    h
                };
                let m = r.below(2) as u16;
                if !held.iter().any(|&x| x != m) {
                    self.describe("trade without a held market: they hold no other".into());
                    return Ok(());
                }
                self.describe(format!("trade of {} and {} in {} without their other market", self.name(i), self.name(j), sym(m as usize)));
                let nonce = self.next_nonce(i);
                let q = quote(PERP, MAKER_BUYS, 1_000, self.px[m as usize], nonce);
                let (mi, mj) = (&self.actors[i].user, &self.actors[j].user);
                let ix = trade_ix(
                    &ki.pubkey(),
                    &kj.pubkey(),
                    &ch,
                    &self.market_ref(m as usize).key,
                    &mi.margin_account,
                    &mj.margin_account,
                    q,
                    &self.pairs_of(vec![m]),
                );
                self.instr("trade", vec![ix], &[&ki, &kj], Expect::invalid(&["RemainingAccountsMismatch", "MissingMarketAccount"]), Post::None).await?;
            }
            22 => {
                self.describe("update_vol_params by a stranger".into());
                let s = self.stranger.insecure_clone();
                let mk = self.market(0);
                let slices = mk.expiries[..mk.num_expiries as usize]
                    .iter()
                    .map(|e| VolSliceUpdate {
                        expiry: e.expiry,
                        slice: VolSliceParams { atm_ppm: e.atm_ppm, skew_ppm: e.skew_ppm, curv_ppm: e.curv_ppm, basis_ppm: e.basis_ppm },
                    })
                    .collect();
                let ix = update_vol_params_ix(&s.pubkey(), &ch, &self.t.btc.key, mk.vol_sequence + 1, slices);
                self.instr("update_vol_params", vec![ix], &[&s], Expect::invalid(&["NotCrankAuthority"]), Post::None).await?;
            }
            _ => {
                // a quote nonce the maker's last filled quote spent
                let Some(nonce) = self.actors[i].last_spent else {
                    self.describe(format!("replayed quote: {} has no filled quote", self.name(i)));
                    return Ok(());
                };
                self.describe(format!("replay of {}'s spent quote nonce {nonce}", self.name(i)));
                let q = quote(PERP, MAKER_BUYS, 1_000, self.px[0], nonce);
                let ix = self.trade_ix_of(i, j, 0, q);
                self.instr("trade", vec![ix], &[&ki, &kj], Expect::invalid(&["QuoteNonceUsed", "OracleStale"]), Post::None).await?;
            }
        }
        Ok(())
    }
}
