//! Risk arrays: the P&L of one long contract of an instrument in every scenario (the unit the
//! account's positions are multiplied by). Arrays depend only on the market, never on the account,
//! so the crank computes each once per tick and shares it across accounts.

use crate::grid::{MarketPrep, SlicePrep, N_SCEN, N_SPOT, SCENARIOS};
use crate::pricer::{stale_state, OptionPrep};

/// Price units (2^-price_bits quote units) per contract, floor; tails not yet weighted.
pub type UnitPnl = [i64; N_SCEN];

/// An instrument's risk arrays with the fresh and the stale (widened) vol shocks, and its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RiskArray {
    pub pnl: UnitPnl,
    /// Equals `pnl` unless the market's vols are stale.
    pub pnl_stale: UnitPnl,
    /// Value of one contract at the base scenario, price units (options; 0 for linear).
    pub value_px: i64,
    /// A bound on |pnl| and |pnl_stale| (decides the accumulation path).
    pub max_abs_pnl: u64,
}

impl RiskArray {
    pub const EMPTY: RiskArray = RiskArray { pnl: [0; N_SCEN], pnl_stale: [0; N_SCEN], value_px: 0, max_abs_pnl: 0 };

    /// An option's arrays from its prepared terms: every scenario priced, minus the base value.
    /// One pricing per scenario with fresh shocks; with `stale`, the vol-up and vol-down ones twice.
    pub fn fill_option(&mut self, op: &OptionPrep, stale: bool) {
        let base = op.value_px(0, 0);
        self.value_px = base;
        // values are in [0, max(F_s, K)]: a difference is below the largest
        self.max_abs_pnl = op.max_value_px();
        op.scenario_pnl([0, 1, 2], base, &mut self.pnl);
        if stale {
            op.scenario_pnl([0, stale_state(1), stale_state(2)], base, &mut self.pnl_stale);
        } else {
            self.pnl_stale = self.pnl;
        }
    }

    /// A linear instrument's arrays from its P&L at each spot point (vol plays no part).
    pub fn fill_linear(&mut self, spot_pnl: &[i64; N_SPOT]) {
        for (s, &(j, _)) in SCENARIOS.iter().enumerate() {
            self.pnl[s] = spot_pnl[j as usize];
        }
        self.pnl_stale = self.pnl;
        self.value_px = 0;
        self.max_abs_pnl = spot_pnl.iter().fold(0, |m, p| m.max(p.unsigned_abs()));
    }
}

/// P&L per spot point of one long future on `slice`: F_s - F (price units).
pub fn future_spot_pnl(slice: &SlicePrep) -> [i64; N_SPOT] {
    let mut out = [0i64; N_SPOT];
    for (o, &f) in out.iter_mut().zip(slice.forward_at_px.iter()) {
        *o = f - slice.forward_px;
    }
    out
}

/// P&L per spot point of one unit of the underlying (perpetual, collateral).
pub fn spot_pnl(mp: &MarketPrep) -> &[i64; N_SPOT] {
    &mp.spot_pnl
}
