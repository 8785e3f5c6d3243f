//! Risk parameters (DESIGN.md §3), all configurable per market within hard bounds that
//! [`validate_market_params`] / [`validate_global_params`] enforce (the program calls these on
//! every admin update). Fractions are integers in parts per million (ppm, 1_000_000 = 100%).

use crate::Error;

/// Per-underlying parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
pub struct MarketParams {
    /// Price range R of the scan (160_000 = 16%).
    pub price_range_ppm: u32,
    /// Tail moves, signed (-500_000 = -50%); 0 disables a tail. |move| >= R. Weighted by R/|move|.
    pub tail_moves_ppm: [i32; 4],
    /// Vol-up multiplier 1 + up_coef * m.
    pub vol_up_coef_ppm: u32,
    /// Vol-down multiplier 1 - down_coef * m ...
    pub vol_down_coef_ppm: u32,
    /// ... but never below this multiplier.
    pub vol_down_min_mult_ppm: u32,
    /// m = (ref_days / max(DTE, 1 day))^p, p = exp_short for DTE <= ref_days, else exp_long.
    pub vol_exp_short_ppm: u32,
    pub vol_exp_long_ppm: u32,
    pub vol_ref_days: u32,
    /// Shocked-up vol is at least this (450_000 = 45%).
    pub vol_up_floor_ppm: u32,
    /// Stale vol slices: m is multiplied by this (1_500_000 = 1.5x) for the whole market.
    pub stale_vol_mult_ppm: u32,
    /// Smile output clamp.
    pub vol_min_ppm: u32,
    pub vol_max_ppm: u32,
    /// |basis| bound (per year, ppm) for F = S e^(b T).
    pub basis_max_ppm: u32,
    /// Naked-short option minimum, fraction of spot per uncovered short contract (short calls beyond
    /// long calls, short puts beyond long puts, per underlying).
    pub naked_short_mm_ppm: u32,
    pub naked_short_im_ppm: u32,
    /// Delta-one notional charge on |net delta of the positions| x spot (a pure perp/future book:
    /// |net size| x spot; options' deltas net against it, estimated from the ±R/4 slide).
    pub perp_mm_ppm: u32,
    pub perp_im_ppm: u32,
    /// Haircut on collateral of this underlying.
    pub haircut_mm_ppm: u32,
    pub haircut_im_ppm: u32,
    /// Oracle-confidence add-on multiplier on conf x |portfolio delta|.
    pub conf_mm_mult_ppm: u32,
    pub conf_im_mult_ppm: u32,
    /// Oracle confidence above this fraction of spot is rejected.
    pub max_conf_ppm: u32,
}

/// Account-level parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
pub struct GlobalParams {
    /// MM = mm_scan * scan loss + MM contingencies (800_000 = 0.8).
    pub mm_scan_ppm: u32,
    /// IM = im_scan * scan loss + IM contingencies (1_000_000 = 1.0).
    pub im_scan_ppm: u32,
    /// Correlation credit c: scan = (1-c) * sum of per-underlying losses + c * loss of the
    /// aligned (same scenario index in every underlying) joint P&L. 0 = no cross-underlying offset.
    pub corr_credit_ppm: u32,
}

pub const MARKET_PARAM_NAMES: [&str; 25] = [
    "price_range_ppm",
    "tail_moves_ppm[0]",
    "tail_moves_ppm[1]",
    "tail_moves_ppm[2]",
    "tail_moves_ppm[3]",
    "vol_up_coef_ppm",
    "vol_down_coef_ppm",
    "vol_down_min_mult_ppm",
    "vol_exp_short_ppm",
    "vol_exp_long_ppm",
    "vol_ref_days",
    "vol_up_floor_ppm",
    "stale_vol_mult_ppm",
    "vol_min_ppm",
    "vol_max_ppm",
    "basis_max_ppm",
    "naked_short_mm_ppm",
    "naked_short_im_ppm",
    "perp_mm_ppm",
    "perp_im_ppm",
    "haircut_mm_ppm",
    "haircut_im_ppm",
    "conf_mm_mult_ppm",
    "conf_im_mult_ppm",
    "max_conf_ppm",
];
pub const GLOBAL_PARAM_NAMES: [&str; 3] = ["mm_scan_ppm", "im_scan_ppm", "corr_credit_ppm"];

/// Hard bounds [min, max] of the plain fields (tails and IM>=MM pairs are checked separately).
pub const MARKET_PARAM_BOUNDS: [(i64, i64); 25] = [
    (10_000, 500_000),        // price_range
    (-900_000, 3_000_000),    // tails (also |t| >= R or t == 0)
    (-900_000, 3_000_000),
    (-900_000, 3_000_000),
    (-900_000, 3_000_000),
    (0, 2_000_000),           // vol_up_coef
    (0, 900_000),             // vol_down_coef
    (50_000, 1_000_000),      // vol_down_min_mult
    (0, 1_000_000),           // vol_exp_short
    (0, 1_000_000),           // vol_exp_long
    (1, 365),                 // vol_ref_days
    (0, 3_000_000),           // vol_up_floor
    (1_000_000, 4_000_000),   // stale_vol_mult
    (1_000, 1_000_000),       // vol_min
    (10_000, 10_000_000),     // vol_max (>= vol_min)
    (0, 2_000_000),           // basis_max
    (0, 100_000),             // naked mm
    (0, 200_000),             // naked im (>= mm)
    (0, 200_000),             // perp mm
    (0, 300_000),             // perp im (>= mm)
    (0, 900_000),             // haircut mm
    (0, 950_000),             // haircut im (>= mm)
    (0, 10_000_000),          // conf mm mult
    (0, 10_000_000),          // conf im mult (>= mm)
    (0, 100_000),             // max_conf
];
pub const GLOBAL_PARAM_BOUNDS: [(i64, i64); 3] = [(500_000, 1_000_000), (500_000, 2_000_000), (0, 900_000)];

impl MarketParams {
    /// Field values in `MARKET_PARAM_NAMES` order.
    pub fn fields(&self) -> [i64; 25] {
        let t = self.tail_moves_ppm;
        [
            self.price_range_ppm as i64,
            t[0] as i64,
            t[1] as i64,
            t[2] as i64,
            t[3] as i64,
            self.vol_up_coef_ppm as i64,
            self.vol_down_coef_ppm as i64,
            self.vol_down_min_mult_ppm as i64,
            self.vol_exp_short_ppm as i64,
            self.vol_exp_long_ppm as i64,
            self.vol_ref_days as i64,
            self.vol_up_floor_ppm as i64,
            self.stale_vol_mult_ppm as i64,
            self.vol_min_ppm as i64,
            self.vol_max_ppm as i64,
            self.basis_max_ppm as i64,
            self.naked_short_mm_ppm as i64,
            self.naked_short_im_ppm as i64,
            self.perp_mm_ppm as i64,
            self.perp_im_ppm as i64,
            self.haircut_mm_ppm as i64,
            self.haircut_im_ppm as i64,
            self.conf_mm_mult_ppm as i64,
            self.conf_im_mult_ppm as i64,
            self.max_conf_ppm as i64,
        ]
    }

    /// Starting parameters (DESIGN.md §3) with price range `range_ppm`.
    pub const fn default_with_range(range_ppm: u32) -> Self {
        MarketParams {
            price_range_ppm: range_ppm,
            tail_moves_ppm: [-500_000, -330_000, 500_000, 1_000_000],
            vol_up_coef_ppm: 500_000,
            vol_down_coef_ppm: 250_000,
            vol_down_min_mult_ppm: 100_000,
            vol_exp_short_ppm: 300_000,
            vol_exp_long_ppm: 130_000,
            vol_ref_days: 30,
            vol_up_floor_ppm: 450_000,
            stale_vol_mult_ppm: 1_500_000,
            vol_min_ppm: 10_000,
            vol_max_ppm: 5_000_000,
            basis_max_ppm: 1_000_000,
            naked_short_mm_ppm: 3_000,
            naked_short_im_ppm: 5_000,
            perp_mm_ppm: 15_000,
            perp_im_ppm: 25_000,
            haircut_mm_ppm: 100_000,
            haircut_im_ppm: 150_000,
            conf_mm_mult_ppm: 1_000_000,
            conf_im_mult_ppm: 1_500_000,
            max_conf_ppm: 20_000,
        }
    }
}

impl Default for MarketParams {
    fn default() -> Self {
        Self::default_with_range(160_000)
    }
}

impl Default for GlobalParams {
    fn default() -> Self {
        GlobalParams { mm_scan_ppm: 800_000, im_scan_ppm: 1_000_000, corr_credit_ppm: 0 }
    }
}

/// Default price range per underlying symbol (BTC 16%, ETH 18%, SOL 23%, others 25%).
pub fn default_range_ppm(symbol: &[u8]) -> u32 {
    match symbol {
        b"BTC" => 160_000,
        b"ETH" => 180_000,
        b"SOL" => 230_000,
        _ => 250_000,
    }
}

/// Validate per-market parameters against the hard bounds.
pub fn validate_market_params(p: &MarketParams) -> Result<(), Error> {
    let f = p.fields();
    for (i, (v, (lo, hi))) in f.iter().zip(MARKET_PARAM_BOUNDS.iter()).enumerate() {
        if v < lo || v > hi {
            return Err(Error::ParamOutOfBounds(i as u8));
        }
    }
    let r = f[0];
    for i in 1..5 {
        let t = f[i];
        if t != 0 && t.abs() < r {
            return Err(Error::ParamOutOfBounds(i as u8));
        }
    }
    // IM >= MM pairs, vol_max >= vol_min
    for &(mm, im) in &[(16usize, 17usize), (18, 19), (20, 21), (22, 23), (13, 14)] {
        if f[im] < f[mm] {
            return Err(Error::ParamOutOfBounds(im as u8));
        }
    }
    Ok(())
}

/// Validate account-level parameters.
pub fn validate_global_params(g: &GlobalParams) -> Result<(), Error> {
    let f = [g.mm_scan_ppm as i64, g.im_scan_ppm as i64, g.corr_credit_ppm as i64];
    for (i, (v, (lo, hi))) in f.iter().zip(GLOBAL_PARAM_BOUNDS.iter()).enumerate() {
        if v < lo || v > hi {
            return Err(Error::ParamOutOfBounds(100 + i as u8));
        }
    }
    if f[1] < f[0] {
        return Err(Error::ParamOutOfBounds(101));
    }
    Ok(())
}
