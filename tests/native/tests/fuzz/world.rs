//! The fuzzer's world: a `TradeWorld` with several traders, two well-funded liquidators and an
//! insurance funder; sending (every transaction unique), simulating, snapshots of every account
//! the fuzzer knows, and decoding them.

use crate::stats::*;
use crate::support::*;
use portfolio_margin::{
    instructions::{LiquidationLeg, MarginReport},
    margin::heap::zeroed_box,
    state::*,
};
use risk_engine::{mark_value, MarketState, Workspace};
use solana_program_test::BanksClientError;
use solana_sdk::{
    account::Account,
    commitment_config::CommitmentLevel,
    compute_budget::ComputeBudgetInstruction,
    instruction::{Instruction, InstructionError},
    message::Message,
    program_pack::Pack,
    pubkey::Pubkey,
    signature::{Keypair, Signer},
    transaction::{Transaction, TransactionError},
};
use std::collections::BTreeMap;

/// Liquidators (well funded: they can always carry what they take).
pub const N_LIQUIDATORS: usize = 2;
pub const LIQUIDATOR_DEPOSIT: u64 = 50_000_000 * USDC;
/// Oracle prices at the start (1e6).
pub const START_PX: [u64; 2] = [BTC_SPOT_1E6, ETH_SPOT_1E6];
pub const CONF_1E6: [u64; 2] = [BTC_CONF_1E6, ETH_CONF_1E6];

/// A broken invariant.
#[derive(Clone, Debug)]
pub struct Violation {
    pub class: String,
    pub detail: String,
}

pub fn violation(class: &str, detail: impl Into<String>) -> Violation {
    Violation { class: class.to_string(), detail: detail.into() }
}

/// A transaction's (or simulation's) outcome.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub result: Result<(), TransactionError>,
    pub logs: Vec<String>,
    pub return_data: Option<Vec<u8>>,
}

/// How a failure reads: `Ok`, a named custom error, or something else entirely.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    Program(String),
    Anchor(String),
    Other(String),
}

impl Failure {
    pub fn name(&self) -> &str {
        match self {
            Failure::Program(n) | Failure::Anchor(n) | Failure::Other(n) => n,
        }
    }
}

impl Outcome {
    pub fn failure(&self) -> Option<Failure> {
        match &self.result {
            Ok(()) => None,
            Err(TransactionError::InstructionError(_, InstructionError::Custom(code))) => {
                let name = error_name(*code, &self.logs);
                Some(if is_program_error(*code) {
                    Failure::Program(name)
                } else if is_anchor_error(*code) {
                    Failure::Anchor(name)
                } else {
                    Failure::Other(name)
                })
            }
            Err(e) => Some(Failure::Other(format!("{e:?}"))),
        }
    }

    pub fn error_name(&self) -> Option<String> {
        self.failure().map(|f| f.name().to_string())
    }

    pub fn is(&self, name: &str) -> bool {
        self.error_name().as_deref() == Some(name)
    }

    pub fn tail(&self, n: usize) -> String {
        let start = self.logs.len().saturating_sub(n);
        self.logs[start..].join("\n    ")
    }
}

pub struct Actor {
    pub user: User,
    /// Its wBTC wallet.
    pub wbtc: Pubkey,
    /// The next RFQ nonce it quotes with.
    pub nonce: u64,
    /// The nonce of its last filled quote.
    pub last_spent: Option<u64>,
    pub label: String,
}

/// A liquidation leg of an account: a position (market, instrument, |size|) or its wBTC.
#[derive(Clone, Copy, Debug)]
pub enum LegRef {
    Position { market: u16, instrument: u16, size: u64, notional: u128 },
    Wbtc { amount: u64, notional: u128 },
}

impl LegRef {
    pub fn notional(&self) -> u128 {
        match self {
            LegRef::Position { notional, .. } | LegRef::Wbtc { notional, .. } => *notional,
        }
    }
}

pub struct Fuzz {
    pub t: TradeWorld,
    pub seed: u64,
    pub actors: Vec<Actor>,
    pub n_traders: usize,
    pub funder: User,
    pub stranger: Keypair,
    /// Oracle prices (1e6) and publish times as last written.
    pub px: [u64; 2],
    pub publish: [i64; 2],
    /// Makes every transaction unique (a compute-unit limit that differs per transaction).
    pub unique: u64,
    /// Every account the fuzzer knows, as of the last instruction.
    pub snap: BTreeMap<Pubkey, Option<Account>>,
    pub tracked: Vec<Pubkey>,
    /// Each actor's `simulate_margin` after the last instruction or world change.
    pub health: Vec<Result<MarginReport, String>>,
    /// Fees swept + insurance deposited - insurance paid (from the events).
    pub insurance_expected: i128,
    pub ws: Box<Workspace>,
    pub stats: Stats,
    pub trace: bool,
    /// The operation running (for messages).
    pub op_index: usize,
    pub op_text: String,
}

impl Fuzz {
    pub async fn setup(seed: u64, trace: bool) -> Result<Fuzz, Violation> {
        conservation::arm();
        let mut r = Rng::new(seed ^ 0xA5A5_5A5A_0F0F_F0F0);
        let mut t = TradeWorld::new().await;
        let taker_key = t.taker.key.pubkey();
        let taker_wbtc = t.fund_wbtc(&taker_key).await;
        let n_traders = 4 + r.below(2) as usize;
        let mut actors = vec![
            Actor { user: t.maker(), wbtc: t.user_wbtc, nonce: 0, last_spent: None, label: "T0".into() },
            Actor { user: t.taker.clone_user(), wbtc: taker_wbtc, nonce: 0, last_spent: None, label: "T1".into() },
        ];
        for i in 2..n_traders {
            let user = t.funded_user(0).await;
            let wbtc = t.fund_wbtc(&user.key.pubkey()).await;
            actors.push(Actor { user, wbtc, nonce: 0, last_spent: None, label: format!("T{i}") });
        }
        for i in 0..N_LIQUIDATORS {
            let user = t.funded_user(LIQUIDATOR_DEPOSIT).await;
            let wbtc = t.fund_wbtc(&user.key.pubkey()).await;
            actors.push(Actor { user, wbtc, nonce: 0, last_spent: None, label: format!("L{i}") });
        }
        let funder = t.funded_user(0).await;
        let stranger = Keypair::new();
        fund(&mut t.m.w.ctx, &stranger.pubkey()).await;

        let mut tracked = vec![t.clearinghouse, t.btc.key, t.eth.key, t.quote_vault, t.insurance_vault, t.wbtc_vault, t.mint, t.wbtc, funder.token_account];
        for a in &actors {
            tracked.extend([a.user.margin_account, a.user.token_account, a.wbtc]);
        }
        let now = t.now;
        let mut f = Fuzz {
            t,
            seed,
            actors,
            n_traders,
            funder,
            stranger,
            px: START_PX,
            publish: [now, now],
            unique: 0,
            snap: BTreeMap::new(),
            tracked,
            health: Vec::new(),
            insurance_expected: 0,
            ws: zeroed_box::<Workspace>(),
            stats: Stats::default(),
            trace,
            op_index: usize::MAX,
            op_text: "setup".into(),
        };
        // wallets and first deposits: each trader gets 10k-400k USDC more, deposits part of it,
        // and some deposit wBTC
        for i in 0..n_traders {
            let extra = r.range(10_000, 400_000) * USDC;
            let (mint, authority, wallet) = (f.t.mint, f.t.mint_authority.insecure_clone(), f.actors[i].user.token_account);
            mint_to(&mut f.t.m.w.ctx, &mint, &authority, &wallet, extra).await;
            let deposit = extra / 100 * r.range(20, 100);
            let ix = f.transfer(i, false, vec![]).deposit(deposit);
            let key = f.actors[i].user.key.insecure_clone();
            f.send_ok(&[ix], &[&key]).await?;
            if r.chance(40) {
                let amount = r.range(WBTC / 100, WBTC);
                let ix = f.transfer(i, true, vec![]).deposit(amount);
                f.send_ok(&[ix], &[&key]).await?;
            }
        }
        let insurance = r.range(0, 50_000) * USDC;
        if insurance > 0 {
            let (mint, authority, wallet) = (f.t.mint, f.t.mint_authority.insecure_clone(), f.funder.token_account);
            mint_to(&mut f.t.m.w.ctx, &mint, &authority, &wallet, insurance).await;
            let ix = deposit_insurance_ix(&f.funder.key.pubkey(), &f.t.clearinghouse, &wallet, insurance);
            let key = f.funder.key.insecure_clone();
            f.send_ok(&[ix], &[&key]).await?;
            f.insurance_expected += insurance as i128;
        }
        f.refresh().await;
        Ok(f)
    }

    pub fn ctx(&mut self) -> &mut solana_program_test::ProgramTestContext {
        &mut self.t.m.w.ctx
    }

    pub fn now(&self) -> i64 {
        self.t.now
    }

    pub fn liquidators(&self) -> std::ops::Range<usize> {
        self.n_traders..self.actors.len()
    }

    pub fn is_liquidator(&self, i: usize) -> bool {
        i >= self.n_traders
    }

    pub fn market_ref(&self, m: usize) -> MarketRef {
        if m == 0 {
            self.t.btc
        } else {
            self.t.eth
        }
    }

    pub fn name(&self, i: usize) -> &str {
        &self.actors[i].label
    }

    // ---- sending ----

    /// Sends `ixs` (plus a compute-unit limit that makes the transaction unique) signed by the
    /// payer and those of `signers` the message needs. A transport error (the bank's task died)
    /// is a violation.
    pub async fn send_raw(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> Result<Outcome, Violation> {
        self.unique += 1;
        let mut all = ixs.to_vec();
        all.push(ComputeBudgetInstruction::set_compute_unit_limit(1_400_000 - (self.unique % 400_000) as u32));
        let payer = self.ctx().payer.insecure_clone();
        let message = Message::new(&all, Some(&payer.pubkey()));
        let required = &message.account_keys[..message.header.num_required_signatures as usize];
        let mut keys: Vec<&Keypair> = vec![&payer];
        for s in signers {
            if required.contains(&s.pubkey()) && !keys.iter().any(|k| k.pubkey() == s.pubkey()) {
                keys.push(s);
            }
        }
        let blockhash = self.ctx().banks_client.get_latest_blockhash().await.map_err(|e| violation("transport", format!("blockhash: {e:?}")))?;
        let mut tx = Transaction::new_unsigned(message);
        tx.try_sign(&keys, blockhash).map_err(|e| violation("fuzzer", format!("signing: {e:?}")))?;
        let outcome = match self.ctx().banks_client.process_transaction_with_metadata(tx).await {
            Ok(r) => {
                let (logs, return_data) = match r.metadata {
                    Some(m) => (m.log_messages, m.return_data.map(|d| d.data)),
                    None => (vec![], None),
                };
                Outcome { result: r.result, logs: native_harness::normalize_logs(logs), return_data }
            }
            Err(BanksClientError::TransactionError(e)) => Outcome { result: Err(e), logs: vec![], return_data: None },
            Err(e) => return Err(violation("panic", format!("transport error (the bank's task died: a panic?): {e:?}"))),
        };
        let sent = Sent { logs: outcome.logs.clone(), result: outcome.result.clone(), return_data: outcome.return_data.clone() };
        conservation::on_send(ixs, &sent);
        Ok(outcome)
    }

    /// A setup transaction that must succeed.
    pub async fn send_ok(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> Result<Outcome, Violation> {
        let o = self.send_raw(ixs, signers).await?;
        if o.result.is_err() {
            return Err(violation("fuzzer", format!("setup transaction failed: {:?}\n    {}", o.result, o.tail(8))));
        }
        Ok(o)
    }

    /// Simulates `ixs` (unsigned: simulation checks no signature) against the current state.
    pub async fn simulate(&mut self, ixs: &[Instruction]) -> Result<Outcome, Violation> {
        let payer = self.ctx().payer.pubkey();
        let blockhash = self.ctx().banks_client.get_latest_blockhash().await.map_err(|e| violation("transport", format!("blockhash: {e:?}")))?;
        let mut tx = Transaction::new_unsigned(Message::new(ixs, Some(&payer)));
        tx.message.recent_blockhash = blockhash;
        let r = self
            .ctx()
            .banks_client
            .simulate_transaction_with_commitment(tx, CommitmentLevel::Processed)
            .await
            .map_err(|e| violation("panic", format!("transport error in a simulation: {e:?}")))?;
        let result = r.result.unwrap_or(Ok(()));
        let (logs, return_data) = match r.simulation_details {
            Some(d) => (d.logs, d.return_data.map(|d| d.data)),
            None => (vec![], None),
        };
        Ok(Outcome { result, logs: native_harness::normalize_logs(logs), return_data })
    }

    // ---- snapshots and decoding ----

    pub async fn take_snapshot(&mut self) -> BTreeMap<Pubkey, Option<Account>> {
        let mut out = BTreeMap::new();
        for key in self.tracked.clone() {
            let acc = self.ctx().banks_client.get_account_with_commitment(key, CommitmentLevel::Processed).await.expect("get_account");
            out.insert(key, acc);
        }
        out
    }

    pub async fn refresh(&mut self) {
        self.snap = self.take_snapshot().await;
    }

    fn body<T: bytemuck::Pod>(&self, key: &Pubkey) -> T {
        let acc = self.snap.get(key).and_then(|a| a.as_ref()).unwrap_or_else(|| panic!("account {key} missing from the snapshot"));
        bytemuck::pod_read_unaligned(&acc.data[8..8 + std::mem::size_of::<T>()])
    }

    pub fn margin(&self, i: usize) -> MarginAccount {
        self.body(&self.actors[i].user.margin_account)
    }

    pub fn market(&self, m: usize) -> Market {
        self.body(&self.market_ref(m).key)
    }

    pub fn clearinghouse(&self) -> Clearinghouse {
        self.body(&self.t.clearinghouse)
    }

    pub fn token(&self, key: &Pubkey) -> u64 {
        match self.snap.get(key).and_then(|a| a.as_ref()) {
            Some(acc) if acc.owner == spl_token::id() && acc.data.len() == spl_token::state::Account::LEN => {
                spl_token::state::Account::unpack(&acc.data).map(|a| a.amount).unwrap_or(0)
            }
            _ => 0,
        }
    }

    pub fn supply(&self, mint: &Pubkey) -> u64 {
        let acc = self.snap.get(mint).and_then(|a| a.as_ref()).expect("mint");
        spl_token::state::Mint::unpack(&acc.data).expect("mint").supply
    }

    pub fn wbtc_balance(&self, i: usize) -> u64 {
        self.margin(i).collateral_balance(&self.t.wbtc)
    }

    pub fn usdc_balance(&self, i: usize) -> u64 {
        self.margin(i).collateral_balance(&self.t.mint)
    }

    /// Markets the account holds (positions and wBTC), ascending.
    pub fn held(&self, a: &MarginAccount) -> Vec<u16> {
        let mut held: Vec<u16> = a.positions.iter().filter(|p| p.size != 0).map(|p| p.market_index).collect();
        if a.collateral_balance(&self.t.wbtc) > 0 {
            held.push(BTC);
        }
        held.sort();
        held.dedup();
        held
    }

    /// `[market, oracle]` pairs of the markets `accounts` hold, plus `extra`, ascending.
    pub fn remaining(&self, accounts: &[usize], extra: &[u16]) -> Vec<Pubkey> {
        let mut held: Vec<u16> = extra.to_vec();
        for &i in accounts {
            held.extend(self.held(&self.margin(i)));
        }
        held.sort();
        held.dedup();
        held.iter()
            .flat_map(|&m| {
                let r = self.market_ref(m as usize);
                [r.key, r.oracle]
            })
            .collect()
    }

    /// A deposit's or withdrawal's accounts for actor `i` (USDC or wBTC).
    pub fn transfer(&self, i: usize, wbtc: bool, remaining: Vec<Pubkey>) -> Transfer {
        let a = &self.actors[i];
        Transfer {
            owner: a.user.key.pubkey(),
            clearinghouse: self.t.clearinghouse,
            margin_account: a.user.margin_account,
            vault: if wbtc { self.t.wbtc_vault } else { self.t.quote_vault },
            token_account: if wbtc { a.wbtc } else { a.user.token_account },
            token_program: spl_token::id(),
            remaining,
        }
    }

    // ---- oracles and clock ----

    /// Writes market `m`'s oracle at the current price, published at `publish_time`.
    pub fn publish_at(&mut self, m: usize, publish_time: i64) {
        self.publish[m] = publish_time;
        let price = self.px[m] as i64 * 100; // exponent -8
        if m == 0 {
            self.t.put_btc(PriceUpdateV2::new(feed_id(BTC_FEED_HEX), price, BTC_CONF, EXPONENT, publish_time));
        } else {
            self.t.put_eth(LegacyPrice::new(price, ETH_CONF, EXPONENT, publish_time));
        }
    }

    pub fn publish_now(&mut self, m: usize) {
        let now = self.now();
        self.publish_at(m, now);
    }

    /// Whether market `m`'s oracle is too old for action class `class` (0 risk-increasing, 1
    /// margin, 2 liquidation) at the market's configured limit.
    pub fn oracle_stale(&self, m: usize, class: usize) -> bool {
        let limit = self.market(m).oracle_limits.max_age_secs[class] as i64;
        self.now() - self.publish[m] > limit
    }

    /// Whether a liquidation (or bankruptcy) of `target` by `liquidator` reads an oracle too old
    /// for the liquidation class.
    pub fn liquidation_oracle_stale(&self, target: usize, liquidator: usize) -> bool {
        let mut held = self.held(&self.margin(target));
        held.extend(self.held(&self.margin(liquidator)));
        held.iter().any(|&m| self.oracle_stale(m as usize, 2))
    }

    pub async fn set_now(&mut self, now: i64) {
        self.t.set_now(now).await;
    }

    // ---- engine values ----

    /// The mid of the engine's long and short mark of one contract of `instrument` (1e6), at the
    /// current oracle price.
    pub fn mark(&mut self, m: usize, instrument: u16) -> Option<u64> {
        let market = self.market(m);
        let ins = *market.instrument(instrument).ok()?;
        let kind = instrument_kind(ins.kind)?;
        let mut st = MarketState::new(self.px[m], CONF_1E6[m], market.engine_params().ok()?);
        let now = self.now();
        st.vol_stale = market.vol_stale(now);
        for e in &market.expiries[..market.num_expiries as usize] {
            st.push_slice(e.slice()).ok()?;
        }
        let (long, short) = mark_value(&mut self.ws, &st, kind, ins.expiry_index, ins.strike, now).ok()?;
        Some(((long as i128 + short as i128) / 2).max(1) as u64)
    }

    /// Whether `instrument` of market `m` has expired (the perpetual never does).
    pub fn expired(&self, market: &Market, instrument: u16) -> bool {
        let ins = &market.instruments[instrument as usize];
        ins.kind != 0 && market.expiries[ins.expiry_index as usize].expiry <= self.now()
    }

    /// Positions of actor `i` in expiries that have passed without a settlement price.
    pub fn expired_unsettled(&self, i: usize) -> usize {
        let a = self.margin(i);
        let markets = [self.market(0), self.market(1)];
        a.positions
            .iter()
            .filter(|p| p.size != 0)
            .filter(|p| {
                let mk = &markets[p.market_index as usize];
                let ins = &mk.instruments[p.instrument_index as usize];
                ins.kind != 0 && mk.expiries[ins.expiry_index as usize].expiry <= self.now() && mk.expiries[ins.expiry_index as usize].settlement_price == 0
            })
            .count()
    }

    /// What a liquidator can take from actor `i`: its unexpired positions and its wBTC, largest
    /// notional first.
    pub fn eligible_legs(&self, i: usize) -> Vec<LegRef> {
        let a = self.margin(i);
        let markets = [self.market(0), self.market(1)];
        let mut legs: Vec<LegRef> = a
            .positions
            .iter()
            .filter(|p| p.size != 0 && !self.expired(&markets[p.market_index as usize], p.instrument_index))
            .map(|p| LegRef::Position {
                market: p.market_index,
                instrument: p.instrument_index,
                size: p.size.unsigned_abs(),
                notional: p.size.unsigned_abs() as u128 * self.px[p.market_index as usize] as u128,
            })
            .collect();
        let wbtc = a.collateral_balance(&self.t.wbtc);
        if wbtc > 0 {
            legs.push(LegRef::Wbtc { amount: wbtc, notional: wbtc as u128 * self.px[0] as u128 / 100 });
        }
        legs.sort_by(|a, b| b.notional().cmp(&a.notional()));
        legs
    }

    /// The legs taking fraction `f_ppm` (rounded up, at least one unit) of each of `legs`.
    pub fn legs_at(&self, legs: &[LegRef], f_ppm: u64) -> Vec<LiquidationLeg> {
        let part = |size: u64| ((size as u128 * f_ppm as u128).div_ceil(1_000_000) as u64).clamp(1, size);
        legs.iter()
            .map(|l| match *l {
                LegRef::Position { market, instrument, size, .. } => position_leg(market, instrument, part(size)),
                LegRef::Wbtc { amount, .. } => collateral_leg(&self.t.wbtc, part(amount)),
            })
            .collect()
    }

    /// A liquidation of actor `target` by actor `liquidator` taking `legs`.
    pub fn liquidate_ix(&self, liquidator: usize, target: usize, legs: Vec<LiquidationLeg>) -> Instruction {
        let remaining = self.remaining(&[target, liquidator], &[]);
        let l = &self.actors[liquidator].user;
        liquidate_ix(&l.key.pubkey(), &self.t.clearinghouse, &l.margin_account, &self.actors[target].user.margin_account, legs, &remaining)
    }

    /// The market a bankruptcy of actor `i` must socialise to: of the markets it holds once its
    /// settled positions are swept, the one with the most perpetual open interest by value (open
    /// interest x oracle EMA; the lowest index on a tie); `None` (any) when it holds none.
    pub fn socialization_market(&self, i: usize) -> Option<usize> {
        let a = self.margin(i);
        let markets = [self.market(0), self.market(1)];
        let mut own: Vec<usize> = a
            .positions
            .iter()
            .filter(|p| p.size != 0)
            .filter(|p| {
                let mk = &markets[p.market_index as usize];
                let ins = &mk.instruments[p.instrument_index as usize];
                ins.kind == 0 || mk.expiries[ins.expiry_index as usize].settlement_price == 0
            })
            .map(|p| p.market_index as usize)
            .collect();
        if a.collateral_balance(&self.t.wbtc) > 0 {
            own.push(0);
        }
        own.sort();
        own.dedup();
        let mut best: Option<(u128, usize)> = None;
        for m in own {
            let weight = markets[m].instruments[0].open_interest as u128 * markets[m].oracle_ema as u128;
            if best.is_none_or(|(w, _)| weight > w) {
                best = Some((weight, m));
            }
        }
        best.map(|(_, m)| m)
    }

    pub fn resolve_ix(&self, resolver: usize, target: usize, socialization_market: usize) -> Instruction {
        let remaining = self.remaining(&[target, resolver], &[]);
        let r = &self.actors[resolver].user;
        let market = self.market_ref(socialization_market).key;
        resolve_bankruptcy_ix(&r.key.pubkey(), &self.t.clearinghouse, &r.margin_account, &self.actors[target].user.margin_account, &market, &remaining)
    }

    /// `simulate_margin` of actor `i` (margin-class oracles).
    pub async fn report(&mut self, i: usize) -> Result<Result<MarginReport, String>, Violation> {
        let remaining = self.remaining(&[i], &[]);
        let ix = simulate_margin_ix(&self.t.clearinghouse, &self.actors[i].user.margin_account, &remaining);
        let o = self.simulate(&[ix]).await?;
        if let Some(f) = o.failure() {
            return Ok(Err(f.name().to_string()));
        }
        let data = o.return_data.ok_or_else(|| violation("fuzzer", "simulate_margin returned no data"))?;
        let report: MarginReport =
            anchor_lang::AnchorDeserialize::deserialize(&mut &data[..]).map_err(|e| violation("fuzzer", format!("MarginReport: {e}")))?;
        Ok(Ok(report))
    }

    pub fn say(&self, text: &str) {
        if self.trace {
            println!("    {text}");
        }
    }
}
