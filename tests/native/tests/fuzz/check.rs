//! The invariants, checked after every instruction and every world change (price, clock).

use crate::stats::Rng;
use crate::support::*;
use crate::world::*;
use portfolio_margin::{events::*, instructions::MarginReport};
use solana_sdk::{account::Account, instruction::Instruction, pubkey::Pubkey, signature::Keypair};
use std::collections::BTreeMap;

/// What an instruction is allowed to do.
#[derive(Clone, Debug)]
pub enum Expect {
    /// A well-formed instruction: succeeds, or fails with one of these program errors.
    Valid(Vec<&'static str>),
    /// A deliberately invalid one: must fail, with one of these errors (program or Anchor).
    Invalid(Vec<&'static str>),
}

impl Expect {
    pub fn valid(errors: &[&'static str]) -> Expect {
        Expect::Valid(errors.to_vec())
    }

    pub fn invalid(errors: &[&'static str]) -> Expect {
        Expect::Invalid(errors.to_vec())
    }

    /// Also allows `error` when `cond` holds.
    pub fn or(mut self, cond: bool, error: &'static str) -> Expect {
        if cond {
            match &mut self {
                Expect::Valid(v) | Expect::Invalid(v) => v.push(error),
            }
        }
        self
    }
}

/// The checks specific to what an instruction did.
#[derive(Clone, Debug)]
pub enum Post {
    None,
    /// A trade: each side at or above IM, or with lower IM and no lower excess.
    Trade(Vec<usize>),
    /// A withdrawal: the account at or above IM.
    Withdraw(usize),
    /// A liquidation step of `target` by `liquidator`.
    Liquidation {
        target: usize,
        liquidator: usize,
    },
    /// A resolved bankruptcy of `target` by `resolver`.
    Bankruptcy {
        target: usize,
        resolver: usize,
    },
}

/// The program's liquidation-buffer arithmetic (ppm of MM before the step, rounded up).
fn buffer(mm_before: i64, buffer_ppm: u32) -> i128 {
    (mm_before.max(0) as u128 * buffer_ppm as u128).div_ceil(1_000_000) as i128
}

fn differs(before: &BTreeMap<Pubkey, Option<Account>>, after: &BTreeMap<Pubkey, Option<Account>>) -> Vec<Pubkey> {
    after.iter().filter(|(k, a)| before.get(*k) != Some(*a)).map(|(k, _)| *k).collect()
}

impl Fuzz {
    /// Sends one instruction of kind `kind` and checks everything after it. Returns the outcome
    /// (the caller may look at the error), or the violation.
    pub async fn instr(&mut self, kind: &str, ixs: Vec<Instruction>, signers: &[&Keypair], expect: Expect, post: Post) -> Result<Outcome, Violation> {
        let before = self.snap.clone();
        let health_before = self.health.clone();
        let outcome = self.send_raw(&ixs, signers).await?;
        self.refresh().await;
        let failure = outcome.failure();
        self.stats.sent(kind, failure.as_ref().map(|f| f.name()));
        let shown = match &failure {
            None => "ok".to_string(),
            Some(f) => f.name().to_string(),
        };
        self.say(&format!("{kind}: {shown}"));
        let context_text = format!("{} -> {}\n    logs:\n    {}", self.op_text, shown, outcome.tail(12));
        let context = || context_text.clone();

        // 4. errors: specific ones only, and a failure changes nothing
        match (&expect, &failure) {
            (Expect::Valid(_), None) => {}
            (Expect::Valid(allowed), Some(Failure::Program(name))) if allowed.contains(&name.as_str()) => {}
            (Expect::Valid(_), Some(Failure::Other(_))) | (Expect::Invalid(_), Some(Failure::Other(_))) => {
                return Err(violation("error", format!("{kind} failed with no program error: {}", context())));
            }
            (Expect::Valid(_), Some(_)) => return Err(violation("error", format!("{kind} failed with an unexpected error: {}", context()))),
            (Expect::Invalid(_), None) => return Err(violation("invalid-accepted", format!("an invalid {kind} succeeded: {}", context()))),
            (Expect::Invalid(allowed), Some(f)) if allowed.contains(&f.name()) => {}
            (Expect::Invalid(allowed), Some(_)) => {
                return Err(violation("error", format!("invalid {kind} failed with another error than {allowed:?}: {}", context())));
            }
        }
        self.stats.check("error is a specific one");
        if failure.is_some() {
            let changed = differs(&before, &self.snap);
            if !changed.is_empty() {
                return Err(violation("rejected-changed", format!("a failed {kind} changed {changed:?}: {}", context())));
            }
            self.stats.check("failed instruction changed nothing");
        } else {
            for e in events::<FeesSwept>(&outcome.logs) {
                self.insurance_expected += e.amount as i128;
            }
            for e in events::<InsuranceDeposited>(&outcome.logs) {
                self.insurance_expected += e.amount as i128;
            }
            for e in events::<BankruptcyResolved>(&outcome.logs) {
                self.insurance_expected -= e.insurance_paid as i128;
            }
        }

        // 1 and 2 (and the health every later check uses)
        self.check_world().await.map_err(|v| Violation { detail: format!("{}\n    after: {}", v.detail, context()), ..v })?;

        // 3 and the per-instruction checks
        if failure.is_none() {
            let markets_before = [self.decode_market(&before, 0), self.decode_market(&before, 1)];
            self.post_checks(&post, &health_before, &markets_before, &outcome)
                .map_err(|v| Violation { detail: format!("{}\n    after: {}", v.detail, context()), ..v })?;
        }
        Ok(outcome)
    }

    /// After a change that is not an instruction (price, clock): conservation, health and the
    /// liquidation probes.
    pub async fn world_changed(&mut self, what: &str) -> Result<(), Violation> {
        self.say(what);
        self.check_world().await.map_err(|v| Violation { detail: format!("{}\n    after: {} ({what})", v.detail, self.op_text), ..v })
    }

    pub async fn initial_checks(&mut self) -> Result<(), Violation> {
        self.op_text = "setup".into();
        self.check_world().await
    }

    /// Conservation, every account's health, the liquidation probes.
    pub async fn check_world(&mut self) -> Result<(), Violation> {
        self.conservation()?;
        self.health = Vec::with_capacity(self.actors.len());
        for i in 0..self.actors.len() {
            let h = self.report(i).await?;
            self.stats.check(if h.is_ok() { "simulate_margin evaluated" } else { "skipped: simulate_margin refused (stale oracle)" });
            self.health.push(h);
        }
        self.probe_all().await
    }

    /// 1. Conservation to the unit.
    pub fn conservation(&self) -> Result<(), Violation> {
        let (usdc, wbtc) = (self.t.mint, self.t.wbtc);
        let mut quote: i128 = 0;
        let mut wbtc_sum: i128 = 0;
        for i in 0..self.actors.len() {
            let a = self.margin(i);
            quote += a.collateral_balance(&usdc) as i128 - a.quote_debt as i128;
            wbtc_sum += a.collateral_balance(&wbtc) as i128;
        }
        let mut pools = 0i128;
        for m in 0..2 {
            let mk = self.market(m);
            pools += mk.fee_pool as i128 + mk.pnl_pool as i128;
        }
        let quote_vault = self.token(&self.t.quote_vault) as i128;
        if quote_vault != quote + pools {
            return Err(violation(
                "conservation",
                format!("quote vault {quote_vault} != accounts {quote} + pools {pools} (off by {})", quote_vault - quote - pools),
            ));
        }
        let wbtc_vault = self.token(&self.t.wbtc_vault) as i128;
        if wbtc_vault != wbtc_sum {
            return Err(violation("conservation", format!("wBTC vault {wbtc_vault} != account balances {wbtc_sum}")));
        }
        let insurance = self.token(&self.t.insurance_vault) as i128;
        if insurance != self.insurance_expected {
            return Err(violation(
                "conservation",
                format!("insurance vault {insurance} != fees swept + deposits - bankruptcy payouts {}", self.insurance_expected),
            ));
        }
        // positions: each instrument's open interest is the sum of the long sizes, and until its
        // expiry settles (accounts are swept one by one after that) longs and shorts match
        for m in 0..2 {
            let mk = self.market(m);
            for ins in 0..mk.num_instruments as usize {
                let (mut long, mut net) = (0i128, 0i128);
                for i in 0..self.actors.len() {
                    for p in self.margin(i).positions.iter().filter(|p| p.size != 0 && p.market_index == m as u16 && p.instrument_index as usize == ins) {
                        long += p.size.max(0) as i128;
                        net += p.size as i128;
                    }
                }
                let instrument = &mk.instruments[ins];
                let settled = instrument.kind != 0 && mk.expiries[instrument.expiry_index as usize].settlement_price != 0;
                if instrument.open_interest as i128 != long || (!settled && net != 0) {
                    return Err(violation(
                        "conservation",
                        format!(
                            "market {m} instrument {ins}: open interest {} vs long sizes {long}, net size {net} (settled: {settled})",
                            instrument.open_interest
                        ),
                    ));
                }
            }
        }
        // the tokens themselves: every unit minted is in a wallet or a vault the fuzzer knows
        let mut usdc_held: u128 =
            self.token(&self.t.quote_vault) as u128 + self.token(&self.t.insurance_vault) as u128 + self.token(&self.funder.token_account) as u128;
        let mut wbtc_held: u128 = self.token(&self.t.wbtc_vault) as u128;
        for a in &self.actors {
            usdc_held += self.token(&a.user.token_account) as u128;
            wbtc_held += self.token(&a.wbtc) as u128;
        }
        if usdc_held != self.supply(&usdc) as u128 || wbtc_held != self.supply(&wbtc) as u128 {
            return Err(violation(
                "conservation",
                format!("token supplies: USDC {} held of {}, wBTC {} held of {}", usdc_held, self.supply(&usdc), wbtc_held, self.supply(&wbtc)),
            ));
        }
        Ok(())
    }

    /// 2. Every account below MM can be liquidated (or resolved); a random healthy one cannot.
    async fn probe_all(&mut self) -> Result<(), Violation> {
        let mut r = Rng::new(self.seed ^ (self.op_index as u64).wrapping_mul(0x9E37_79B9) ^ self.unique);
        let mut healthy = Vec::new();
        for i in 0..self.actors.len() {
            match &self.health[i] {
                Ok(h) if h.equity < h.mm => {
                    self.stats.check("below-mm accounts probed");
                    self.probe_below_mm(i).await?;
                }
                Ok(h) => healthy.push((i, h.equity)),
                Err(_) => {}
            }
        }
        if !healthy.is_empty() {
            let (i, equity) = *r.pick(&healthy);
            self.probe_healthy(i, equity).await?;
        }
        Ok(())
    }

    /// The liquidator that probes actor `i` (never itself): one whose markets' oracles are fresh
    /// enough for a liquidation, if there is one.
    pub fn prober(&self, i: usize) -> usize {
        let candidates: Vec<usize> = self.liquidators().filter(|&l| l != i).collect();
        candidates.iter().copied().find(|&l| !self.liquidation_oracle_stale(i, l)).unwrap_or(candidates[0])
    }

    async fn probe_below_mm(&mut self, i: usize) -> Result<(), Violation> {
        let h = self.health[i].clone().expect("evaluated");
        let prober = self.prober(i);
        let legs = self.eligible_legs(i);
        let unsettled = self.expired_unsettled(i);
        let who = format!("{} (equity {}, MM {}, IM {})", self.name(i), h.equity, h.mm, h.im);
        if self.liquidation_oracle_stale(i, prober) {
            // the account's own markets passed the margin class; a liquidator holding a market
            // whose oracle is past the liquidation age cannot act: the program must say so
            let ix = self.liquidate_ix(prober, i, self.legs_at(&legs[..legs.len().min(4)], 10_000));
            let o = self.simulate(&[ix]).await?;
            if !o.is("OracleStale") && !legs.is_empty() {
                return Err(violation(
                    "error",
                    format!("{who}: liquidation reading an oracle past the liquidation age gave {:?}, not OracleStale", o.error_name()),
                ));
            }
            self.stats.check("skipped: below MM, the liquidators' oracles too old");
            return Ok(());
        }
        if h.equity < 0 && self.wbtc_balance(i) == 0 {
            let ix = self.resolve_ix(prober, i, self.socialization_market(i).unwrap_or(0));
            let o = self.simulate(&[ix]).await?;
            match o.error_name().as_deref() {
                None => {
                    self.stats.check("bankrupt account: resolve_bankruptcy accepted");
                    return Ok(());
                }
                Some("LiquidatorInsufficientMargin") => {
                    self.stats.check("bankrupt account: resolver short of margin (allowed)");
                    return Ok(());
                }
                Some("InstrumentExpired") if unsettled > 0 => {
                    self.stats.check("skipped: bankrupt account awaits settlement");
                    return Ok(());
                }
                Some(e) => {
                    // a liquidation step may still be possible; but a refusal is a finding
                    return Err(violation("liquidatable", format!("bankrupt {who}: resolve_bankruptcy refused with {e}\n    {}", o.tail(10))));
                }
            }
        }
        if legs.is_empty() {
            if unsettled > 0 {
                self.stats.check("skipped: below MM, only expired positions awaiting settlement");
                return Ok(());
            }
            return Err(violation("liquidatable", format!("{who} is below MM with nothing a liquidator can take")));
        }
        // 1% of every leg (at most 4 legs); with more, the 4 largest, then each leg alone
        let mut candidates: Vec<Vec<LegRef>> = vec![legs.iter().take(4).copied().collect()];
        if legs.len() > 4 {
            candidates.extend(legs.iter().map(|l| vec![*l]));
        }
        let mut refusals = Vec::new();
        for cand in &candidates {
            let ix = self.liquidate_ix(prober, i, self.legs_at(cand, 10_000));
            let o = self.simulate(&[ix]).await?;
            match o.error_name().as_deref() {
                None => {
                    self.stats.check("below MM: a 1% liquidation step accepted");
                    return Ok(());
                }
                Some(e @ ("LiquidatorInsufficientMargin" | "OverLiquidation")) => {
                    let ph = self.health[prober].clone();
                    self.say(&format!("probe of {who} by {}: {e}; prober {:?}; {}", self.name(prober), ph.map(|h| (h.equity, h.mm, h.im)), o.tail(3)));
                    self.stats.check(&format!("below MM: 1% step refused with {e} (allowed)"));
                    return Ok(());
                }
                Some("AccountNotLiquidatable") => {
                    return Err(violation(
                        "liquidatable",
                        format!("{who}: simulate_margin says below MM, liquidation says AccountNotLiquidatable\n    {}", o.tail(10)),
                    ));
                }
                Some(e @ "LiquidationNotReducingRisk") => refusals.push(format!("{cand:?}: {e}")),
                Some(e) => return Err(violation("liquidatable", format!("{who}: 1% liquidation step of {cand:?} refused with {e}\n    {}", o.tail(10)))),
            }
        }
        if unsettled > 0 {
            self.stats.check("skipped: below MM, hedged by positions awaiting settlement");
            return Ok(());
        }
        Err(violation("liquidatable", format!("{who}: no liquidation step of at most 4 legs is accepted:\n    {}", refusals.join("\n    "))))
    }

    /// A healthy account: a liquidation is refused with AccountNotLiquidatable, and (if its equity
    /// is not negative) a bankruptcy with AccountNotBankrupt.
    async fn probe_healthy(&mut self, i: usize, equity: i64) -> Result<(), Violation> {
        let prober = self.prober(i);
        let legs = self.eligible_legs(i);
        if self.liquidation_oracle_stale(i, prober) {
            let ix = self.resolve_ix(prober, i, self.socialization_market(i).unwrap_or(0));
            let o = self.simulate(&[ix]).await?;
            if !o.is("OracleStale") {
                return Err(violation(
                    "error",
                    format!("{}: a bankruptcy reading an oracle past the liquidation age gave {:?}, not OracleStale", self.name(i), o.error_name()),
                ));
            }
            self.stats.check("stale oracle: liquidation class refused");
            return Ok(());
        }
        if let Some(first) = legs.first() {
            let ix = self.liquidate_ix(prober, i, self.legs_at(&[*first], 10_000));
            let o = self.simulate(&[ix]).await?;
            if !o.is("AccountNotLiquidatable") {
                return Err(violation(
                    "healthy-liquidated",
                    format!("{} at or above MM: a liquidation step gave {:?}, not AccountNotLiquidatable\n    {}", self.name(i), o.error_name(), o.tail(10)),
                ));
            }
            self.stats.check("healthy account: liquidation refused");
        }
        if equity >= 0 {
            let ix = self.resolve_ix(prober, i, self.socialization_market(i).unwrap_or(0));
            let o = self.simulate(&[ix]).await?;
            if !o.is("AccountNotBankrupt") {
                return Err(violation(
                    "healthy-liquidated",
                    format!("{} (equity {equity}): resolve_bankruptcy gave {:?}, not AccountNotBankrupt\n    {}", self.name(i), o.error_name(), o.tail(10)),
                ));
            }
            self.stats.check("solvent account: bankruptcy refused");
        }
        Ok(())
    }

    /// 3. and the checks of liquidations and bankruptcies, from the health before and after.
    fn decode_market(&self, snap: &BTreeMap<Pubkey, Option<Account>>, m: usize) -> portfolio_margin::state::Market {
        let acc = snap.get(&self.market_ref(m).key).and_then(|a| a.as_ref()).expect("market in the snapshot");
        bytemuck::pod_read_unaligned(&acc.data[8..8 + std::mem::size_of::<portfolio_margin::state::Market>()])
    }

    fn post_checks(
        &mut self,
        post: &Post,
        before: &[Result<MarginReport, String>],
        markets_before: &[portfolio_margin::state::Market; 2],
        outcome: &Outcome,
    ) -> Result<(), Violation> {
        let after = self.health.clone();
        let pair = |i: usize| -> Option<(MarginReport, MarginReport)> { Some((before.get(i)?.clone().ok()?, after.get(i)?.clone().ok()?)) };
        match post {
            Post::None => {}
            Post::Trade(sides) => {
                for &i in sides {
                    let Ok(a) = &after[i] else {
                        self.stats.check("skipped: IM after a trade (not evaluable)");
                        continue;
                    };
                    if a.equity >= a.im {
                        self.stats.check("trade: side at or above IM");
                        continue;
                    }
                    let Ok(b) = &before[i] else {
                        return Err(violation("im", format!("{} below IM after a trade ({} < {}), its state before unknown", self.name(i), a.equity, a.im)));
                    };
                    let excess = |r: &MarginReport| r.equity as i128 - r.im as i128;
                    if a.im < b.im && excess(a) >= excess(b) {
                        self.stats.check("trade: side below IM, risk reduced (allowed)");
                    } else {
                        return Err(violation(
                            "im",
                            format!(
                                "{} left below IM by a trade that did not reduce its risk: equity {} -> {}, IM {} -> {}, excess {} -> {}",
                                self.name(i),
                                b.equity,
                                a.equity,
                                b.im,
                                a.im,
                                excess(b),
                                excess(a)
                            ),
                        ));
                    }
                }
            }
            Post::Withdraw(i) => match &after[*i] {
                Ok(a) if a.equity >= a.im => self.stats.check("withdrawal: account at or above IM"),
                Ok(a) => {
                    return Err(violation("im", format!("{} below IM after a withdrawal: equity {} < IM {} (MM {})", self.name(*i), a.equity, a.im, a.mm)))
                }
                Err(_) => self.stats.check("skipped: IM after a withdrawal (not evaluable)"),
            },
            Post::Liquidation { target, liquidator } => {
                let buffer_ppm = self.clearinghouse().liquidation_buffer_ppm;
                if let Some((b, a)) = pair(*target) {
                    let shortfall = |r: &MarginReport| r.mm as i128 - r.equity as i128;
                    if b.equity >= b.mm {
                        return Err(violation("liquidation", format!("{} was liquidated at or above MM: equity {} MM {}", self.name(*target), b.equity, b.mm)));
                    }
                    if a.mm >= b.mm || shortfall(&a) >= shortfall(&b) {
                        return Err(violation(
                            "liquidation",
                            format!(
                                "a liquidation step of {} did not lower MM and shortfall: MM {} -> {}, equity {} -> {}",
                                self.name(*target),
                                b.mm,
                                a.mm,
                                b.equity,
                                a.equity
                            ),
                        ));
                    }
                    if -shortfall(&a) > buffer(b.mm, buffer_ppm) {
                        return Err(violation(
                            "liquidation",
                            format!(
                                "{} over-liquidated: equity {} above MM {} by more than the buffer {}",
                                self.name(*target),
                                a.equity,
                                a.mm,
                                buffer(b.mm, buffer_ppm)
                            ),
                        ));
                    }
                    self.stats.check("liquidation: MM and shortfall lowered, within the buffer");
                }
                for e in events::<LiquidationEvent>(&outcome.logs) {
                    if let Some((b, a)) = pair(*target) {
                        if (e.equity_before, e.mm_before, e.equity_after, e.mm_after) != (b.equity, b.mm, a.equity, a.mm) {
                            return Err(violation(
                                "liquidation",
                                format!(
                                    "LiquidationEvent (equity {} -> {}, MM {} -> {}) disagrees with simulate_margin (equity {} -> {}, MM {} -> {})",
                                    e.equity_before, e.equity_after, e.mm_before, e.mm_after, b.equity, a.equity, b.mm, a.mm
                                ),
                            ));
                        }
                        self.stats.check("liquidation: event agrees with simulate_margin");
                    }
                }
                match &after[*liquidator] {
                    Ok(a) if a.equity >= a.im => self.stats.check("liquidation: liquidator at or above IM"),
                    Ok(a) => return Err(violation("im", format!("liquidator {} below IM after a step: {} < {}", self.name(*liquidator), a.equity, a.im))),
                    Err(_) => self.stats.check("skipped: liquidator IM (not evaluable)"),
                }
            }
            Post::Bankruptcy { target, resolver } => {
                let a = self.margin(*target);
                let open = a.positions.iter().filter(|p| p.size != 0).count();
                let quote = a.quote_balance(&self.t.mint);
                if open != 0 || quote != 0 || a.quote_debt != 0 {
                    return Err(violation(
                        "bankruptcy",
                        format!("{} not left empty by resolve_bankruptcy: {open} positions, quote balance {quote}", self.name(*target)),
                    ));
                }
                self.stats.check("bankruptcy: account left empty");
                if let Some(b) = before.get(*target).and_then(|b| b.clone().ok()) {
                    if b.equity >= 0 {
                        return Err(violation("bankruptcy", format!("{} resolved as bankrupt with equity {}", self.name(*target), b.equity)));
                    }
                }
                // what the socialised loss did to the others: at most 0.5% of the price per
                // perpetual contract never bankrupts an account that was above MM
                for k in (0..self.actors.len()).filter(|&k| k != *target && k != *resolver) {
                    if let Some((b, a)) = pair(k) {
                        if b.equity >= b.mm && a.equity < 0 {
                            return Err(violation(
                                "socialisation",
                                format!("{} above MM made bankrupt by the socialised loss: equity {} -> {} (MM {})", self.name(k), b.equity, a.equity, b.mm),
                            ));
                        } else if b.equity >= b.mm && a.equity < a.mm {
                            self.stats.check("observed: socialisation pushed an account below MM");
                        }
                        self.stats.check("bankruptcy: socialisation left every account above MM solvent");
                    }
                }
                // the resolver ends at or above IM after taking the positions, its share of the
                // socialised loss included (no requirement when it took nothing)
                let Some(e) = events::<BankruptcyResolved>(&outcome.logs).into_iter().next() else {
                    return Err(violation("bankruptcy", "resolve_bankruptcy succeeded without a BankruptcyResolved event"));
                };
                let m = if e.socialization_market == self.market_ref(0).key { 0 } else { 1 };
                let step = e.loss_index_after as i128 - markets_before[m].loss_index as i128;
                let perp = self
                    .margin(*resolver)
                    .positions
                    .iter()
                    .find(|p| p.size != 0 && p.market_index == m as u16 && p.instrument_index == 0)
                    .map_or(0, |p| p.size);
                let charge = -(-(perp.unsigned_abs() as i128 * step)).div_euclid(1_000_000);
                self.say(&format!(
                    "bankruptcy: {} positions taken, deficit {}, insurance paid {}, socialised {} to {} (loss index step {step}), resolver perp {perp}, charged {charge}",
                    e.positions_taken, e.deficit, e.insurance_paid, e.socialized, if m == 0 { "BTC" } else { "ETH" }
                ));
                match &after[*resolver] {
                    Ok(_) if e.positions_taken == 0 => self.stats.check("bankruptcy: resolver took no position (no margin requirement)"),
                    Ok(a) if a.equity >= a.im => self.stats.check("bankruptcy: resolver at or above IM"),
                    Ok(a) => {
                        return Err(violation(
                            "resolver-im",
                            format!(
                                "resolver {} ends below IM: equity {} < IM {} (MM {}); {} positions taken, socialised charge to its perpetual {charge}",
                                self.name(*resolver),
                                a.equity,
                                a.im,
                                a.mm,
                                e.positions_taken
                            ),
                        ))
                    }
                    Err(_) => self.stats.check("skipped: resolver IM (not evaluable)"),
                }
            }
        }
        Ok(())
    }
}
