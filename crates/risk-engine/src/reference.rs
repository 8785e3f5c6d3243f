//! Reference portfolios of the benchmarks: `risk-bench` (native, callgrind, `npm run bench`) and the
//! upstream-eBPF instruction count (`tools/bpf-bench`, `npm run bench:cu`) build their accounts
//! here, so both measure the same books. `no_std`, fixed capacity, no heap.
//!
//! `legs` positions spread round-robin over `unds` underlyings (BTC, ETH, SOL, a small coin), each
//! with three expiries (7, 30, 90 days); per underlying the k-th leg is an option (calls for even k,
//! puts for odd k, strike 80% + 5k% of spot, expiry k mod 3, short 2 when k mod 3 == 0 else long 1)
//! except every 8th, a long perp. Collateral: 1,000,000 USDC.

use crate::{
    Collateral, Error, Kind, MarketParams, MarketState, Position, VolSlice, MAX_COLLATERALS,
    MAX_MARKETS, MAX_POSITIONS,
};

/// Evaluation time of the reference portfolios (unix seconds).
pub const REF_NOW: i64 = 1_767_000_000;
const DAY: i64 = 86_400;
/// Spot prices (1e6) of the four reference underlyings.
pub const REF_SPOTS: [u64; 4] = [88_530_000_000, 2_970_000_000, 125_000_000, 180_000];

/// One reference account with its market states (an all-zero value is a valid empty one).
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct Reference {
    pub markets: [MarketState; MAX_MARKETS],
    pub positions: [Position; MAX_POSITIONS],
    pub collateral: [Collateral; MAX_COLLATERALS],
    pub n_markets: usize,
    pub n_positions: usize,
    pub n_collateral: usize,
}

impl Reference {
    /// The reference portfolio of `legs` legs (1..=32) on `unds` underlyings (1..=4).
    pub fn new(legs: usize, unds: usize) -> Result<Self, Error> {
        let blank = MarketState::new(1, 0, MarketParams::default_with_range(160_000));
        let mut r = Reference {
            markets: [blank; MAX_MARKETS],
            positions: [Position::EMPTY; MAX_POSITIONS],
            collateral: [Collateral::quote(0); MAX_COLLATERALS],
            n_markets: 0,
            n_positions: 0,
            n_collateral: 0,
        };
        r.fill(legs, unds)?;
        Ok(r)
    }

    /// Overwrite `self` with the reference portfolio (in place: no large temporaries).
    pub fn fill(&mut self, legs: usize, unds: usize) -> Result<(), Error> {
        if unds == 0 || unds > MAX_MARKETS {
            return Err(Error::TooManyMarkets);
        }
        if legs > MAX_POSITIONS {
            return Err(Error::TooManyPositions);
        }
        for i in 0..unds {
            let spot = REF_SPOTS[i];
            let m = &mut self.markets[i];
            *m = MarketState::new(
                spot,
                spot / 2000,
                MarketParams::default_with_range(160_000 + 20_000 * i as u32),
            );
            for (j, d) in [7i64, 30, 90].iter().enumerate() {
                m.push_slice(VolSlice {
                    expiry: REF_NOW + d * DAY,
                    atm_ppm: 450_000 + 50_000 * j as i64,
                    skew_ppm: -100_000,
                    curv_ppm: 300_000,
                    basis_ppm: 50_000,
                })?;
            }
        }
        for l in 0..legs {
            let mi = l % unds;
            let spot = REF_SPOTS[mi];
            let k = l / unds;
            self.positions[l] = match k % 8 {
                7 => Position {
                    market: mi as u8,
                    kind: Kind::Perp,
                    slice: 0,
                    strike: 0,
                    size: 1_000_000,
                    cost: spot as i64,
                },
                _ => Position {
                    market: mi as u8,
                    kind: if k % 2 == 0 { Kind::Call } else { Kind::Put },
                    slice: (k % 3) as u8,
                    // (wrapping: no overflow check, i.e. no 128-bit multiply on eBPF; cannot overflow)
                    strike: (spot / 100).wrapping_mul(80 + 5 * k as u64),
                    size: if k % 3 == 0 { -2_000_000 } else { 1_000_000 },
                    cost: 0,
                },
            };
        }
        self.collateral[0] = Collateral::quote(1_000_000_000_000);
        self.n_markets = unds;
        self.n_positions = legs;
        self.n_collateral = 1;
        Ok(())
    }

    pub fn markets(&self) -> &[MarketState] {
        &self.markets[..self.n_markets]
    }
    pub fn positions(&self) -> &[Position] {
        &self.positions[..self.n_positions]
    }
    pub fn collateral(&self) -> &[Collateral] {
        &self.collateral[..self.n_collateral]
    }
}
