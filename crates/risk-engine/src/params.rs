//! Risk parameters: every field is defined exactly once below (name, type, default, hard bounds),
//! and the ordering constraints between fields (IM >= MM, vol_max >= vol_min, ...) are listed by
//! name. [`validate_market_params`] / [`validate_global_params`] are what the program calls on every
//! admin update. Fractions are integers in parts per million (ppm, 1_000_000 = 100%).
//!
//! The TypeScript SDK's parameter table (`app/src/risk/params.generated.ts`) is generated from these
//! definitions by `npm run golden` and checked by the golden test.

use crate::Error;

/// Defines a parameter struct from one table: the struct, its field names, bounds and defaults,
/// and field access by index (the order of the table is the order of `NAMES`).
macro_rules! param_table {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$fmeta:meta])* $field:ident : $ty:ty = $default:expr, [$lo:expr, $hi:expr], $tighter:ident, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(C)]
        pub struct $name {
            $( $(#[$fmeta])* pub $field: $ty, )*
        }

        impl $name {
            /// Field names, in table order.
            pub const NAMES: &'static [&'static str] = &[$(stringify!($field)),*];
            /// Hard bounds [min, max] per field, in table order.
            pub const BOUNDS: &'static [(i64, i64)] = &[$(($lo, $hi)),*];
            /// Which way each field makes margins stricter, in table order (see [`Tighter`]).
            pub const TIGHTER: &'static [Tighter] = &[$(Tighter::$tighter),*];
            /// Defaults, in table order.
            pub const DEFAULTS: $name = $name { $($field: $default,)* };
            /// Number of fields.
            pub const LEN: usize = Self::NAMES.len();

            /// Field values in table order.
            pub fn fields(&self) -> [i64; Self::LEN] {
                [$(self.$field as i64),*]
            }

            /// Field `index`'s value (a direct load when `index` is a constant).
            #[inline(always)]
            pub fn get(&self, index: usize) -> i64 {
                let mut i = 0usize;
                $(
                    if i == index {
                        return self.$field as i64;
                    }
                    i += 1;
                )*
                let _ = i;
                0
            }

            /// The index of the first field outside its bounds.
            #[inline]
            pub fn first_out_of_bounds(&self) -> Option<usize> {
                let mut i = 0usize;
                $(
                    if (self.$field as i64) < $lo || (self.$field as i64) > $hi {
                        return Some(i);
                    }
                    i += 1;
                )*
                let _ = i;
                None
            }

            /// The index of the first field that `new` changes in a direction that is not stricter
            /// than `self` (a field marked [`Tighter::Never`] may not change at all): what the
            /// program's security authority, which may only tighten, is refused.
            pub fn first_loosened(&self, new: &Self) -> Option<usize> {
                let (old, new) = (self.fields(), new.fields());
                (0..Self::LEN).find(|&i| !Self::TIGHTER[i].allows(old[i], new[i]))
            }

            /// Field `name`'s index in the table.
            pub fn index_of(name: &str) -> Option<usize> {
                Self::NAMES.iter().position(|n| *n == name)
            }

            /// Sets field `index` (checked against the field's type, not its bounds).
            pub fn set_field(&mut self, index: usize, value: i64) -> Result<(), Error> {
                let mut i = 0usize;
                $(
                    if i == index {
                        self.$field = <$ty>::try_from(value).map_err(|_| Error::ParamOutOfBounds(index as u8))?;
                        return Ok(());
                    }
                    i += 1;
                )*
                let _ = i;
                Err(Error::ParamOutOfBounds(index as u8))
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::DEFAULTS
            }
        }
    };
}

/// The direction in which a parameter makes margins stricter: wider shocks and larger charges.
/// (The scan samples a grid, so a wider shock is stricter for the portfolios margin is built for,
/// not for every conceivable P&L shape; see docs/risk-model.md.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tighter {
    /// A higher value is stricter (wider shocks, larger charges).
    Higher,
    /// A lower value is stricter (tighter caps, smaller credits).
    Lower,
    /// Neither direction is stricter for every portfolio (smile clamps, tail placement, exponents).
    Never,
}

impl Tighter {
    /// Whether moving from `old` to `new` keeps or tightens margins.
    pub fn allows(self, old: i64, new: i64) -> bool {
        match self {
            Tighter::Higher => new >= old,
            Tighter::Lower => new <= old,
            Tighter::Never => new == old,
        }
    }
}

param_table! {
    /// Per-underlying parameters (stored in the program's `Market` account).
    pub struct MarketParams {
        /// Price range R of the scan (160_000 = 16%).
        price_range_ppm: u32 = 160_000, [10_000, 500_000], Higher,
        /// Tail moves, signed (-500_000 = -50%); 0 disables a tail; |move| >= R. P&L weighted by R/|move|.
        tail_move_1_ppm: i32 = -500_000, [-900_000, 3_000_000], Never,
        tail_move_2_ppm: i32 = -330_000, [-900_000, 3_000_000], Never,
        tail_move_3_ppm: i32 = 500_000, [-900_000, 3_000_000], Never,
        tail_move_4_ppm: i32 = 1_000_000, [-900_000, 3_000_000], Never,
        /// Vol-up multiplier 1 + up_coef * m.
        vol_up_coef_ppm: u32 = 500_000, [0, 2_000_000], Higher,
        /// Vol-down multiplier max(1 - down_coef * m, down_min_mult).
        vol_down_coef_ppm: u32 = 250_000, [0, 900_000], Higher,
        vol_down_min_mult_ppm: u32 = 100_000, [50_000, 1_000_000], Lower,
        /// m = (ref_days / max(DTE, 1 day))^p, p = exp_short for DTE <= ref_days, else exp_long
        /// (the base is >= 1 for the first, < 1 for the second: m grows with exp_short, falls with
        /// exp_long).
        vol_exp_short_ppm: u32 = 300_000, [0, 1_000_000], Higher,
        vol_exp_long_ppm: u32 = 130_000, [0, 1_000_000], Lower,
        vol_ref_days: u32 = 30, [1, 365], Higher,
        /// Shocked-up vol is at least this (450_000 = 45%).
        vol_up_floor_ppm: u32 = 450_000, [0, 3_000_000], Higher,
        /// Stale vol slices: m is multiplied by this (1_500_000 = 1.5x) for the whole market.
        stale_vol_mult_ppm: u32 = 1_500_000, [1_000_000, 4_000_000], Higher,
        /// Smile output clamp.
        vol_min_ppm: u32 = 10_000, [1_000, 1_000_000], Never,
        vol_max_ppm: u32 = 5_000_000, [10_000, 10_000_000], Never,
        /// |basis| bound (per year) for F = S e^(b T).
        basis_max_ppm: u32 = 1_000_000, [0, 1_000_000], Never,
        /// Uncovered short options, per contract, fraction of spot (additive; covered shorts pay 0).
        naked_short_mm_ppm: u32 = 3_000, [0, 100_000], Higher,
        naked_short_im_ppm: u32 = 5_000, [0, 200_000], Higher,
        /// Liquidation cost of perps and futures not offset by collateral, fraction of notional.
        linear_mm_ppm: u32 = 15_000, [0, 200_000], Higher,
        linear_im_ppm: u32 = 25_000, [0, 300_000], Higher,
        /// Oracle confidence widens the scan: R_eff = R + conf_mult * conf / spot.
        conf_mult_ppm: u32 = 1_000_000, [0, 3_000_000], Higher,
        /// Oracle confidence above this fraction of spot is rejected.
        max_conf_ppm: u32 = 20_000, [0, 100_000], Lower,
    }
}

param_table! {
    /// Account-level parameters (stored in the program's `Clearinghouse`).
    pub struct GlobalParams {
        /// MM = mm_scan * scan loss + MM add-ons (800_000 = 0.8).
        mm_scan_ppm: u32 = 800_000, [500_000, 1_000_000], Higher,
        /// IM = im_scan * scan loss + IM add-ons (1_000_000 = 1.0).
        im_scan_ppm: u32 = 1_000_000, [500_000, 2_000_000], Higher,
        /// Correlation credit c: scan = (1-c) * sum of per-underlying losses + c * loss of the
        /// aligned (same scenario index in every underlying) joint P&L. 0 = no cross-underlying offset.
        corr_credit_ppm: u32 = 0, [0, 900_000], Lower,
        /// IM is at least this multiple of MM (the buffer that keeps a fresh position from being
        /// liquidatable, whatever the rounding).
        im_over_mm_min_ppm: u32 = 1_100_000, [1_000_000, 2_000_000], Higher,
    }
}

/// Ordering constraints `(lower, higher)` between market parameters, by name: the second must be
/// >= the first. The naked-short rate is bounded by the linear rate: a delta-one position that
/// covered a short option carries at least the charge its removal brings back (subadditivity).
pub const MARKET_PARAM_ORDER: &[(&str, &str)] = &[
    ("naked_short_mm_ppm", "naked_short_im_ppm"),
    ("linear_mm_ppm", "linear_im_ppm"),
    ("vol_min_ppm", "vol_max_ppm"),
    ("naked_short_mm_ppm", "linear_mm_ppm"),
    ("naked_short_im_ppm", "linear_im_ppm"),
];
/// Ordering constraints between global parameters.
pub const GLOBAL_PARAM_ORDER: &[(&str, &str)] = &[("mm_scan_ppm", "im_scan_ppm")];
/// Tail-move fields: each is 0 (disabled) or at least the price range in size.
pub const TAIL_FIELDS: [&str; 4] = ["tail_move_1_ppm", "tail_move_2_ppm", "tail_move_3_ppm", "tail_move_4_ppm"];

/// The tables above as field indices, resolved at compile time (a misspelt name fails the build).
const MARKET_ORDER_INDEX: [(usize, usize); MARKET_PARAM_ORDER.len()] = order_index(MarketParams::NAMES, MARKET_PARAM_ORDER);
const GLOBAL_ORDER_INDEX: [(usize, usize); GLOBAL_PARAM_ORDER.len()] = order_index(GlobalParams::NAMES, GLOBAL_PARAM_ORDER);
const TAIL_INDEX: [usize; 4] = [
    const_index(MarketParams::NAMES, TAIL_FIELDS[0]),
    const_index(MarketParams::NAMES, TAIL_FIELDS[1]),
    const_index(MarketParams::NAMES, TAIL_FIELDS[2]),
    const_index(MarketParams::NAMES, TAIL_FIELDS[3]),
];

const fn const_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

const fn const_index(names: &[&str], name: &str) -> usize {
    let mut i = 0;
    while i < names.len() {
        if const_eq(names[i], name) {
            return i;
        }
        i += 1;
    }
    panic!("unknown parameter name")
}

const fn order_index<const N: usize>(names: &[&str], order: &[(&str, &str)]) -> [(usize, usize); N] {
    let mut out = [(0, 0); N];
    let mut i = 0;
    while i < N {
        out[i] = (const_index(names, order[i].0), const_index(names, order[i].1));
        i += 1;
    }
    out
}

/// Validate per-market parameters against the hard bounds and ordering constraints (every
/// evaluation runs this for every market: the checks are unrolled into direct field loads).
pub fn validate_market_params(p: &MarketParams) -> Result<(), Error> {
    if let Some(i) = p.first_out_of_bounds() {
        return Err(Error::ParamOutOfBounds(i as u8));
    }
    let range = p.price_range_ppm as i64;
    for i in TAIL_INDEX {
        let t = p.get(i);
        if t != 0 && t.abs() < range {
            return Err(Error::ParamOutOfBounds(i as u8));
        }
    }
    for (l, h) in MARKET_ORDER_INDEX {
        if p.get(h) < p.get(l) {
            return Err(Error::ParamOutOfBounds(h as u8));
        }
    }
    Ok(())
}

/// Validate account-level parameters.
pub fn validate_global_params(g: &GlobalParams) -> Result<(), Error> {
    if let Some(i) = g.first_out_of_bounds() {
        return Err(Error::GlobalParamOutOfBounds(i as u8));
    }
    for (l, h) in GLOBAL_ORDER_INDEX {
        if g.get(h) < g.get(l) {
            return Err(Error::GlobalParamOutOfBounds(h as u8));
        }
    }
    Ok(())
}

impl MarketParams {
    /// Defaults with price range `range_ppm`.
    pub const fn default_with_range(range_ppm: u32) -> Self {
        let mut p = Self::DEFAULTS;
        p.price_range_ppm = range_ppm;
        p
    }

    /// The four tail moves (ppm, 0 = disabled).
    pub fn tail_moves_ppm(&self) -> [i32; 4] {
        [self.tail_move_1_ppm, self.tail_move_2_ppm, self.tail_move_3_ppm, self.tail_move_4_ppm]
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

/// The name of the parameter an error refers to (`None` for other errors).
pub fn param_name(e: Error) -> Option<&'static str> {
    match e {
        Error::ParamOutOfBounds(i) => MarketParams::NAMES.get(i as usize).copied(),
        Error::GlobalParamOutOfBounds(i) => GlobalParams::NAMES.get(i as usize).copied(),
        _ => None,
    }
}
