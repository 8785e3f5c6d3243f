//! An account's equity, maintenance margin (MM) and initial margin (IM) (docs/risk-model.md).
//!
//! Per underlying: the positions are netted per instrument, each instrument's risk array is
//! multiplied by its size and summed (with the collateral of that underlying) into 27 scenario
//! P&Ls; the worst is the market's loss. Across underlyings: the sum of losses, less an optional
//! correlation credit. Then
//!   MM = mm_scan x scan loss + MM add-ons,  IM = max(im_scan x scan loss + IM add-ons, ceil(1.1 MM)),
//! with add-ons for what the scan does not cover: uncovered short options, the liquidation cost of
//! linear positions not offset by collateral, the liquidation cost of collateral, stale vols.
//!
//! Rounding is always against the account: unit P&Ls are floored, each scenario sum is reduced by
//! one quote unit per contract (the bound of that rounding) and floored; long values are floored
//! and short values ceiled in equity; every margin amount is rounded up.

use crate::accumulate::ScenarioSums;
use crate::fixed::{mul_div_u64, mul_q32, ppm_of_ceil};
use crate::grid::{MarketPrep, MarketState, FIRST_TAIL, N_SCEN};
use crate::params::{validate_global_params, GlobalParams};
use crate::pricer::{OptionPrep, OptionSpec};
use crate::risk_array::{future_spot_pnl, RiskArray};
use crate::wide::{self, wadd, wmul, Wide};
use crate::{Error, MAX_COLLATERALS, MAX_COST, MAX_MARKETS, MAX_POSITIONS, MAX_SIZE, PRICE_PRECISION};

/// Collateral asset id of the quote stablecoin (USDC); other ids are market indices.
pub const QUOTE: u8 = 255;
/// Size and amount precision (base units per contract), as a divisor.
const UNIT: i64 = PRICE_PRECISION;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum Kind {
    Perp = 0,
    Future = 1,
    Call = 2,
    Put = 3,
}

/// A position: `size` signed at 1e6 contracts (1 contract = 1 unit of the underlying); `cost` is the
/// quote amount paid for the linear exposure (size x entry price for perps/futures, incl. funding
/// owed; 0 for options, whose premium moved through collateral). Equity counts value - cost.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
pub struct Position {
    pub market: u8,
    pub kind: Kind,
    /// Expiry slice index (futures and options; ignored for perps).
    pub slice: u8,
    /// Strike at 1e6 (options; ignored otherwise).
    pub strike: u64,
    pub size: i64,
    pub cost: i64,
}

impl Position {
    pub const EMPTY: Position = Position { market: 0, kind: Kind::Perp, slice: 0, strike: 0, size: 0, cost: 0 };

}

/// Collateral: `asset` is [`QUOTE`] (USDC, amount in quote units) or a market index (amount at 1e6).
/// The haircuts are the collateral's own liquidation cost (its price risk is in the scan), so two
/// tokens of one underlying (say two wrapped BTCs of different liquidity) can differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
pub struct Collateral {
    pub asset: u8,
    pub haircut_mm_ppm: u32,
    pub haircut_im_ppm: u32,
    pub amount: i64,
}

/// Largest quote collateral amount, either sign (quote units: $1B). Quote collateral only shifts
/// equity, so it may exceed the size bound of underlyings, whose amounts enter the scenario sums.
pub const MAX_QUOTE_COLLATERAL: i64 = 1_000_000_000_000_000;
/// Bounds of collateral haircuts (ppm): MM <= IM <= this.
pub const MAX_HAIRCUT_PPM: u32 = 950_000;
/// Default haircuts of non-stable collateral of a major (MM 2%, IM 4%), for tools and examples.
pub const DEFAULT_HAIRCUT_MM_PPM: u32 = 20_000;
pub const DEFAULT_HAIRCUT_IM_PPM: u32 = 40_000;

impl Collateral {
    /// Quote collateral without haircut.
    pub const fn quote(amount: i64) -> Self {
        Collateral { asset: QUOTE, haircut_mm_ppm: 0, haircut_im_ppm: 0, amount }
    }

    /// Collateral of market `asset` with the default haircuts.
    pub const fn underlying(asset: u8, amount: i64) -> Self {
        Collateral { asset, haircut_mm_ppm: DEFAULT_HAIRCUT_MM_PPM, haircut_im_ppm: DEFAULT_HAIRCUT_IM_PPM, amount }
    }

    /// `amount` and haircuts within bounds (MM <= IM <= [`MAX_HAIRCUT_PPM`]).
    pub fn validate(&self) -> Result<(), Error> {
        // Quote may be negative: premium, fees and realised losses paid beyond the account's
        // quote deposits are a debt, secured by the rest of the portfolio.
        let (min, max) = if self.asset == QUOTE { (-MAX_QUOTE_COLLATERAL, MAX_QUOTE_COLLATERAL) } else { (0, MAX_SIZE) };
        if self.amount < min || self.amount > max {
            return Err(Error::BadSize);
        }
        if self.haircut_mm_ppm > self.haircut_im_ppm || self.haircut_im_ppm > MAX_HAIRCUT_PPM {
            return Err(Error::BadHaircut);
        }
        Ok(())
    }
}

/// Everything an evaluation reads.
#[derive(Clone, Copy, Debug)]
pub struct Account<'a> {
    pub global: &'a GlobalParams,
    /// `markets[i]` is market index i (positions and collateral refer to it).
    pub markets: &'a [MarketState],
    pub positions: &'a [Position],
    pub collateral: &'a [Collateral],
    /// Unix seconds.
    pub now: i64,
}

/// An itemised add-on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AddOn {
    pub mm: i64,
    pub im: i64,
}

impl AddOn {
    fn add(&mut self, o: AddOn) -> Result<(), Error> {
        self.mm = self.mm.checked_add(o.mm).ok_or(Error::Overflow)?;
        self.im = self.im.checked_add(o.im).ok_or(Error::Overflow)?;
        Ok(())
    }

    /// `amount` (>= 0) x (mm, im) ppm, rounded up.
    fn of(amount: i64, mm_ppm: u32, im_ppm: u32) -> Result<AddOn, Error> {
        Ok(AddOn { mm: ppm_of_ceil(amount, mm_ppm)?, im: ppm_of_ceil(amount, im_ppm)? })
    }
}

/// Per-underlying output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MarketResult {
    /// Scenario P&L in quote units (rounded down; tails weighted) with the shocks in force
    /// (stale-widened when the market's vols are stale).
    pub pnl: [i64; N_SCEN],
    pub worst: i64,
    pub worst_index: u8,
    /// Scan range after the oracle-confidence widening, ppm (rounded down).
    pub range_ppm: u32,
    pub naked_short: AddOn,
    pub linear: AddOn,
    pub haircut: AddOn,
}

/// The scanning loss and its parts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScanResult {
    /// After the correlation credit, with the shocks in force.
    pub loss: i64,
    /// The same with fresh-vol shocks (equals `loss` when no market is stale).
    pub loss_fresh: i64,
    /// Sum of per-underlying losses and the aligned joint loss (inputs of the credit).
    pub loss_separate: i64,
    pub loss_joint: i64,
    /// Scenario index with the worst aligned joint P&L, and that P&L.
    pub worst_joint_index: u8,
    pub worst_joint_pnl: i64,
}

/// Full evaluation output. All amounts in quote units (USDC 1e6).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MarginResult {
    /// Collateral value + mark-to-market of positions, rounded down.
    pub equity: i64,
    pub mm: i64,
    pub im: i64,
    pub scan: ScanResult,
    /// mm/im_scan x fresh scan loss (rounded up).
    pub scan_margin: AddOn,
    pub naked_short: AddOn,
    pub linear: AddOn,
    pub haircut: AddOn,
    pub stale_vol: AddOn,
    /// What the IM >= im_over_mm_min x MM floor added to IM.
    pub im_floor: i64,
    pub n_markets: u8,
    pub markets: [MarketResult; MAX_MARKETS],
}

/// Per-underlying exposure counts (contracts at 1e6) for the add-ons.
#[derive(Clone, Copy, Debug, Default)]
struct Exposure {
    short_calls: i64,
    long_calls: i64,
    short_puts: i64,
    long_puts: i64,
    /// Net perps + futures.
    linear: i64,
    /// Collateral of this underlying.
    collateral: i64,
}

/// Scratch space and output of one evaluation (on the program's heap: a few KB, well inside SBF's
/// 32 KB; every large array lives here so that stack frames stay small).
#[derive(Clone, Copy, Debug)]
pub struct Workspace {
    pub net: [Position; MAX_POSITIONS],
    pub prep: MarketPrep,
    pub option: OptionPrep,
    pub risk: RiskArray,
    pub sums: ScenarioSums,
    pub sums_stale: ScenarioSums,
    pub fresh: [[i64; N_SCEN]; MAX_MARKETS],
    pub out: MarginResult,
}

impl Workspace {
    pub fn new() -> Self {
        Workspace {
            net: [Position::EMPTY; MAX_POSITIONS],
            prep: MarketPrep::EMPTY,
            option: OptionPrep::EMPTY,
            risk: RiskArray::EMPTY,
            sums: ScenarioSums::ZERO,
            sums_stale: ScenarioSums::ZERO,
            fresh: [[0; N_SCEN]; MAX_MARKETS],
            out: MarginResult { ..MarginResult::default() },
        }
    }
}

impl Default for Workspace {
    fn default() -> Self {
        Self::new()
    }
}

/// Net positions per instrument (sizes and costs summed; zero sizes kept for their cost).
pub fn net_positions(positions: &[Position], out: &mut [Position; MAX_POSITIONS]) -> Result<usize, Error> {
    if positions.len() > MAX_POSITIONS {
        return Err(Error::TooManyPositions);
    }
    let mut n = 0usize;
    for p in positions {
        if p.size.unsigned_abs() > MAX_SIZE as u64 || p.cost.unsigned_abs() > MAX_COST as u64 {
            return Err(Error::BadSize);
        }
        // the instrument's canonical form: perps have no expiry, only options a strike; the
        // netted positions are stored in it, so they compare field by field
        let (slice, strike) = match p.kind {
            Kind::Perp => (0, 0),
            Kind::Future => (p.slice, 0),
            _ => (p.slice, p.strike),
        };
        let same = |q: &&mut Position| q.market == p.market && q.kind == p.kind && q.slice == slice && q.strike == strike;
        match out[..n].iter_mut().find(same) {
            Some(q) => {
                q.size = q.size.checked_add(p.size).ok_or(Error::Overflow)?;
                q.cost = q.cost.checked_add(p.cost).ok_or(Error::Overflow)?;
            }
            None => {
                out[n] = Position { slice, strike, ..*p };
                n += 1;
            }
        }
    }
    Ok(n)
}

/// Evaluate an account (convenience wrapper; the program calls [`evaluate_into`] with a
/// heap-allocated [`Workspace`]).
pub fn evaluate(account: &Account) -> Result<MarginResult, Error> {
    let mut ws = Workspace::new();
    evaluate_into(&mut ws, account)?;
    Ok(ws.out)
}

/// Evaluate an account into `ws.out`.
pub fn evaluate_into(ws: &mut Workspace, account: &Account) -> Result<(), Error> {
    let g = account.global;
    validate_global_params(g)?;
    if account.markets.len() > MAX_MARKETS {
        return Err(Error::TooManyMarkets);
    }
    if account.collateral.len() > MAX_COLLATERALS {
        return Err(Error::TooManyCollaterals);
    }
    let n = net_positions(account.positions, &mut ws.net)?;
    ws.out = MarginResult { n_markets: account.markets.len() as u8, ..MarginResult::default() };
    // equity in quote units x 1e6 (exact products of sizes and values)
    let mut equity: Wide = 0;
    let mut collateral_by_market = [0i64; MAX_MARKETS];
    for c in account.collateral {
        c.validate()?;
        if c.asset == QUOTE {
            equity = wadd(equity, wmul(c.amount, UNIT))?;
            // a haircut lowers what an asset is worth; a debt is owed in full
            ws.out.haircut.add(AddOn::of(c.amount.max(0), c.haircut_mm_ppm, c.haircut_im_ppm)?)?;
        } else if (c.asset as usize) < account.markets.len() {
            let a = &mut collateral_by_market[c.asset as usize];
            *a = a.checked_add(c.amount).ok_or(Error::Overflow)?;
        } else {
            return Err(Error::BadMarketIndex);
        }
    }
    // costs summed first (|sum| < 2^70), multiplied once
    let mut cost_total: Wide = 0;
    for p in &ws.net[..n] {
        if p.market as usize >= account.markets.len() {
            return Err(Error::BadMarketIndex);
        }
        cost_total += p.cost as Wide;
    }
    equity = wadd(equity, -wide::wmul_w(cost_total, UNIT as Wide)?)?;
    for (index, m) in account.markets.iter().enumerate() {
        let call = MarketCall {
            index,
            n_net: n,
            collateral: collateral_by_market[index],
            collaterals: account.collateral,
            now: account.now,
        };
        let market_equity = eval_market(ws, m, &call)?;
        equity = wadd(equity, market_equity)?;
    }
    ws.out.equity = wide::wdiv_floor(equity, UNIT)?;
    aggregate(ws, g, account.markets.iter().any(|m| m.vol_stale))
}

/// One contract's value of an instrument of market `m` at its spot and vols (quote units: long
/// rounded down, short rounded up): the mark at which a liquidation transfers a position.
pub fn mark_value(ws: &mut Workspace, m: &MarketState, kind: Kind, slice: u8, strike: u64, now: i64) -> Result<(i64, i64), Error> {
    ws.prep.init(m)?;
    let contract = Position { market: 0, kind, slice, strike, size: UNIT, cost: 0 };
    let value = instrument_arrays(ws, m, &contract, now)?;
    Ok((value(true), value(false)))
}

/// Which market [`eval_market`] evaluates, and with what (a struct: SBF passes five arguments in
/// registers).
struct MarketCall<'a> {
    index: usize,
    /// Number of netted positions in `ws.net` (all markets).
    n_net: usize,
    /// Collateral of this underlying (1e6 base units).
    collateral: i64,
    /// The account's collateral entries (for the haircuts of this underlying's).
    collaterals: &'a [Collateral],
    now: i64,
}

/// One underlying: accumulates its instruments and collateral into `ws.out.markets[index]` and
/// the add-ons; returns its equity contribution (quote units x 1e6). A frame of its own: the
/// per-option set-up and the accumulation loops are inlined into it.
#[inline(never)]
fn eval_market(ws: &mut Workspace, m: &MarketState, call: &MarketCall) -> Result<Wide, Error> {
    let (mi, n, collateral, now) = (call.index, call.n_net, call.collateral, call.now);
    ws.prep.init(m)?;
    let stale = m.vol_stale;
    ws.sums = ScenarioSums::ZERO;
    if stale {
        ws.sums_stale = ScenarioSums::ZERO;
    }
    let mut equity: Wide = 0;
    // one price unit per contract: the bound of the unit P&Ls' rounding
    let mut allowance = collateral;
    let mut exposure = Exposure { collateral, ..Exposure::default() };
    for i in 0..n {
        let p = ws.net[i];
        if p.market as usize != mi {
            continue;
        }
        let unit_value = instrument_arrays(ws, m, &p, now)?;
        if p.size == 0 {
            continue;
        }
        ws.sums.add(p.size, &ws.risk.pnl, ws.risk.max_abs_pnl)?;
        if stale {
            ws.sums_stale.add(p.size, &ws.risk.pnl_stale, ws.risk.max_abs_pnl)?;
        }
        allowance = allowance.checked_add(p.size.abs()).ok_or(Error::Overflow)?;
        equity = wadd(equity, size_times(p.size, unit_value(p.size > 0)))?;
        exposure.record(&p)?;
    }
    if collateral > 0 {
        ws.risk.fill_linear(&ws.prep.spot_pnl);
        ws.sums.add(collateral, &ws.risk.pnl, ws.risk.max_abs_pnl)?;
        if stale {
            ws.sums_stale.add(collateral, &ws.risk.pnl, ws.risk.max_abs_pnl)?;
        }
        equity = wadd(equity, size_times(collateral, ws.prep.spot))?;
    }
    let (bits, tail_weight) = (ws.prep.price_bits, ws.prep.tail_weight_q32);
    ws.sums.subtract_all(allowance)?;
    reduce(&ws.sums, bits, &tail_weight, &mut ws.fresh[mi])?;
    let mr = &mut ws.out.markets[mi];
    if stale {
        ws.sums_stale.subtract_all(allowance)?;
        reduce(&ws.sums_stale, bits, &tail_weight, &mut mr.pnl)?;
    } else {
        mr.pnl = ws.fresh[mi];
    }
    let (worst_index, worst) = worst_scenario(&mr.pnl);
    mr.worst = worst;
    mr.worst_index = worst_index as u8;
    mr.range_ppm = ((ws.prep.range_q48 >> 16).wrapping_mul(1_000_000) >> 32) as u32; // < 2^33 x 2^20
    exposure.add_ons(mr, m)?;
    mr.haircut = haircuts(call.collaterals, mi, m.spot)?;
    let (naked, linear, haircut) = (mr.naked_short, mr.linear, mr.haircut);
    ws.out.naked_short.add(naked)?;
    ws.out.linear.add(linear)?;
    ws.out.haircut.add(haircut)?;
    Ok(equity)
}

/// Fills `ws.risk` for the instrument of `p`; returns its per-contract value in quote units x 1e6
/// as a function of the side (long values rounded down, short values up).
#[inline(always)]
fn instrument_arrays(ws: &mut Workspace, m: &MarketState, p: &Position, now: i64) -> Result<impl Fn(bool) -> i64, Error> {
    let stale = m.vol_stale;
    let (floor, ceil) = match p.kind {
        Kind::Perp => {
            ws.risk.fill_linear(&ws.prep.spot_pnl);
            (ws.prep.spot, ws.prep.spot)
        }
        Kind::Future => {
            let slice = ws.prep.ensure_slice(m, p.slice as usize, now)?;
            let (pnl, forward) = (future_spot_pnl(slice), slice.forward_px);
            ws.risk.fill_linear(&pnl);
            to_quote(forward, ws.prep.price_bits)
        }
        Kind::Call | Kind::Put => {
            ws.prep.ensure_slice(m, p.slice as usize, now)?;
            let slice = &ws.prep.slices[p.slice as usize];
            ws.option.init(&ws.prep, slice, &OptionSpec { call: p.kind == Kind::Call, strike: p.strike, stale })?;
            ws.risk.fill_option(&ws.option, stale);
            to_quote(ws.risk.value_px, ws.prep.price_bits)
        }
    };
    // quote units per contract x 1e6 / 1e6 (sizes are at 1e6): the value itself
    Ok(move |long: bool| if long { floor } else { ceil })
}

/// size x value exactly: in two native products when they fit 63 bits (sizes below ~68,000
/// contracts, values below 2^42 quote units), else one 128-bit product.
#[inline(always)]
fn size_times(size: i64, value: i64) -> Wide {
    let (size_hi, size_lo) = (size >> 21, size & ((1 << 21) - 1));
    if size_hi.unsigned_abs() < 1 << 15 && value.unsigned_abs() < 1 << 42 {
        ((size_hi.wrapping_mul(value) as Wide) << 21) + size_lo.wrapping_mul(value) as Wide
    } else {
        wmul(size, value)
    }
}

/// A value in price units as quote units, rounded down and up.
fn to_quote(value_px: i64, price_bits: u32) -> (i64, i64) {
    (value_px >> price_bits, (value_px + (1 << price_bits) - 1) >> price_bits)
}

impl Exposure {
    fn record(&mut self, p: &Position) -> Result<(), Error> {
        let size = p.size;
        let slot = match (p.kind, size > 0) {
            (Kind::Call, true) => &mut self.long_calls,
            (Kind::Call, false) => &mut self.short_calls,
            (Kind::Put, true) => &mut self.long_puts,
            (Kind::Put, false) => &mut self.short_puts,
            _ => &mut self.linear,
        };
        let delta = if matches!(p.kind, Kind::Perp | Kind::Future) { size } else { size.abs() };
        *slot = slot.checked_add(delta).ok_or(Error::Overflow)?;
        Ok(())
    }

    /// Net delta-one exposure: collateral + perps + futures.
    fn delta_one(&self) -> Result<i64, Error> {
        self.linear.checked_add(self.collateral).ok_or(Error::Overflow)
    }

    /// Uncovered short calls and short puts (contracts at 1e6): short calls beyond long calls and
    /// beyond the net long delta-one exposure (collateral + perps + futures), short puts beyond
    /// long puts and beyond the short perps and futures. (Collateral never uncovers a put: adding
    /// collateral must not raise a charge the collateral's own haircut does not pay for.)
    fn naked(&self) -> Result<(i64, i64), Error> {
        let delta_one = self.delta_one()?;
        Ok((
            (self.short_calls - self.long_calls - delta_one.max(0)).max(0),
            (self.short_puts - self.long_puts - (-self.linear).max(0)).max(0),
        ))
    }

    /// The add-ons of one underlying (amounts in quote units, rounded up).
    ///
    /// - Uncovered short options: short calls beyond long calls and beyond the long delta-one
    ///   exposure (collateral + perps + futures), short puts beyond long puts and beyond the short
    ///   delta-one exposure, x spot x naked rate. Covered shorts pay nothing: the scan nets them.
    /// - Linear liquidation cost: perps/futures long, or short beyond the collateral that hedges
    ///   them, x spot x linear rate; the part that covers short calls (long) or short puts (short)
    ///   pays the naked-short rate instead (collateral carries its own haircut; options none: a
    ///   long option can lose at most its premium, which the scan already charges). A covered pair
    ///   so pays the naked rate once, on its delta-one leg: separating the legs (into another
    ///   account, or by netting the cover away) can never lower the total.
        fn add_ons(&self, mr: &mut MarketResult, m: &MarketState) -> Result<(), Error> {
        let p = &m.params;
        let (naked_calls, naked_puts) = self.naked()?;
        let long_linear = self.linear.max(0);
        let short_linear = (-self.delta_one()?).max(0); // after the collateral it hedges
        let covering = long_linear.min(self.short_calls) + short_linear.min(self.short_puts);
        let uncovered = (long_linear - self.short_calls).max(0) + (short_linear - self.short_puts).max(0);
        // contracts (>= 0, 1e6) x spot, rounded up; spot x 1e6 < 2^64
        let notional = |contracts: i64| mul_div_u64(contracts.max(0) as u64, m.spot, UNIT as u64, true);
        mr.naked_short = AddOn::of(notional(naked_calls + naked_puts)?, p.naked_short_mm_ppm, p.naked_short_im_ppm)?;
        mr.linear = AddOn::of(notional(uncovered)?, p.linear_mm_ppm, p.linear_im_ppm)?;
        mr.linear.add(AddOn::of(notional(covering)?, p.naked_short_mm_ppm, p.naked_short_im_ppm)?)?;
        Ok(())
    }
}

/// Haircuts of the collateral of market `index`: each entry's value at spot (rounded up) x its
/// own rates (rounded up).
fn haircuts(collaterals: &[Collateral], index: usize, spot: u64) -> Result<AddOn, Error> {
    let mut total = AddOn::default();
    for c in collaterals.iter().filter(|c| c.asset as usize == index) {
        // amount <= MAX_SIZE, spot <= MAX_PRICE (validated): the product fits u64 / 1e6 in i64
        let value = mul_div_u64(c.amount as u64, spot, UNIT as u64, true)?;
        total.add(AddOn::of(value, c.haircut_mm_ppm, c.haircut_im_ppm)?)?;
    }
    Ok(total)
}

/// Scenario P&L in quote units from the sums (the allowance already subtracted), tails weighted.
fn reduce(sums: &ScenarioSums, price_bits: u32, tail_weight: &[i64; 4], out: &mut [i64; N_SCEN]) -> Result<(), Error> {
    out[0] = 0;
    for s in 1..N_SCEN {
        let pnl = sums.quote_floor(s, price_bits)?;
        out[s] = if s >= FIRST_TAIL { mul_q32(pnl, tail_weight[s - FIRST_TAIL])? } else { pnl };
    }
    Ok(())
}

/// (index, P&L) of the worst scenario; (0, 0) when none loses.
fn worst_scenario(pnl: &[i64; N_SCEN]) -> (usize, i64) {
    let (mut index, mut worst) = (0usize, 0i64);
    for (s, &x) in pnl.iter().enumerate() {
        if x < worst {
            worst = x;
            index = s;
        }
    }
    (index, worst)
}

/// Scan loss of the markets' scenario arrays (`array(i)` for market i < n), aligned by scenario.
#[inline(never)]
fn scan_loss<'a>(n: usize, array: impl Fn(usize) -> &'a [i64; N_SCEN], credit_ppm: u32) -> Result<ScanResult, Error> {
    let mut separate: i64 = 0;
    for i in 0..n {
        separate = separate.checked_sub(worst_scenario(array(i)).1).ok_or(Error::Overflow)?;
    }
    // the joint P&L scenario by scenario (no array of it: a few live values only)
    let (mut joint_index, mut joint_pnl) = (0usize, 0i64);
    for s in 1..N_SCEN {
        let mut sum = 0i64;
        for i in 0..n {
            sum = sum.checked_add(array(i)[s]).ok_or(Error::Overflow)?;
        }
        if sum < joint_pnl {
            joint_pnl = sum;
            joint_index = s;
        }
    }
    let joint_loss = joint_pnl.checked_neg().ok_or(Error::Overflow)?;
    // credit c: separate - floor(c (separate - joint)), so the loss rounds up
    let spread = separate.checked_sub(joint_loss).ok_or(Error::Overflow)?.max(0);
    let credit = mul_div_u64(spread as u64, credit_ppm as u64, 1_000_000, false)?;
    let loss = separate.checked_sub(credit).ok_or(Error::Overflow)?;
    Ok(ScanResult {
        loss,
        loss_fresh: loss,
        loss_separate: separate,
        loss_joint: joint_loss,
        worst_joint_index: joint_index as u8,
        worst_joint_pnl: joint_pnl,
    })
}

/// Across underlyings: scan losses (fresh and in force), MM, IM.
fn aggregate(ws: &mut Workspace, g: &GlobalParams, any_stale: bool) -> Result<(), Error> {
    let out = &mut ws.out;
    let n = out.n_markets as usize;
    let fresh_arrays = &ws.fresh;
    let fresh = scan_loss(n, |i| &fresh_arrays[i], g.corr_credit_ppm)?;
    let mut in_force = fresh;
    if any_stale {
        let markets = &out.markets;
        in_force = scan_loss(n, |i| &markets[i].pnl, g.corr_credit_ppm)?;
        in_force.loss = in_force.loss.max(fresh.loss);
    }
    out.scan = ScanResult { loss_fresh: fresh.loss, ..in_force };
    out.scan_margin = AddOn::of(fresh.loss, g.mm_scan_ppm, g.im_scan_ppm)?;
    let widened = AddOn::of(in_force.loss, g.mm_scan_ppm, g.im_scan_ppm)?;
    out.stale_vol = AddOn { mm: widened.mm - out.scan_margin.mm, im: widened.im - out.scan_margin.im };
    let mut total = out.scan_margin;
    for a in [out.stale_vol, out.naked_short, out.linear, out.haircut] {
        total.add(a)?;
    }
    out.mm = total.mm;
    let floor = ppm_of_ceil(total.mm, g.im_over_mm_min_ppm)?;
    out.im_floor = (floor - total.im).max(0);
    out.im = total.im.max(floor);
    Ok(())
}
