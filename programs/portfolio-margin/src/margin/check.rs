//! Running the engine on an account: load its markets, build the inputs, evaluate.

use anchor_lang::prelude::*;
use risk_engine::{evaluate_into, MarginResult, Workspace};

use crate::errors::PmError;
use crate::margin::heap::zeroed_box;
use crate::margin::{engine_error, load_markets, EngineInputs, LoadedMarket, MarketSet};
use crate::oracle::Action;
use crate::state::*;

/// An evaluated account: the engine's result and what it read.
pub struct Evaluation {
    pub needed: MarketSet,
    pub inputs: Box<EngineInputs>,
    pub workspace: Box<Workspace>,
}

impl Evaluation {
    pub fn result(&self) -> &MarginResult {
        &self.workspace.out
    }

    /// Equity >= IM, else [`PmError::InsufficientMargin`] (with the numbers in the log).
    pub fn require_initial_margin(&self) -> Result<()> {
        let r = self.result();
        if r.equity < r.im {
            msg!("margin: equity {} < initial margin {} (maintenance {})", r.equity, r.im, r.mm);
            return err!(PmError::InsufficientMargin);
        }
        Ok(())
    }
}

/// Evaluates `account` with the markets and oracles in `remaining` (one `[market, oracle]` pair per
/// market the account holds, ascending), oracles checked for `action`.
pub fn evaluate_account<'info>(
    account: &MarginAccount,
    clearinghouse_key: &Pubkey,
    clearinghouse: &Clearinghouse,
    remaining: &'info [AccountInfo<'info>],
    action: Action,
    now: i64,
) -> Result<Evaluation> {
    let needed = MarketSet::of_account(account, clearinghouse)?;
    let markets = load_markets(remaining, clearinghouse_key, clearinghouse, &needed, action, now)?;
    evaluate_loaded(account, clearinghouse, &markets, &needed, now)
}

/// Evaluates `account` with markets already loaded (`loaded`, the markets of `loaded_set` in its
/// order), which must include every market the account holds.
pub fn evaluate_loaded(
    account: &MarginAccount,
    clearinghouse: &Clearinghouse,
    loaded: &[LoadedMarket],
    loaded_set: &MarketSet,
    now: i64,
) -> Result<Evaluation> {
    let mut evaluation = Evaluation::new();
    evaluation.run(account, clearinghouse, loaded, loaded_set, now)?;
    Ok(evaluation)
}

impl Evaluation {
    /// Inputs and workspace allocated once: an instruction that evaluates several accounts (a
    /// trade: both sides, before and after) reuses them, since the program's heap (32 KB) is never
    /// freed and one evaluation takes ~13 KB of it.
    pub fn new() -> Self {
        Evaluation { needed: MarketSet::default(), inputs: zeroed_box::<EngineInputs>(), workspace: zeroed_box::<Workspace>() }
    }

    /// Evaluates `account` with markets already loaded (see [`evaluate_loaded`]).
    pub fn run(&mut self, account: &MarginAccount, clearinghouse: &Clearinghouse, loaded: &[LoadedMarket], loaded_set: &MarketSet, now: i64) -> Result<()> {
        self.needed = MarketSet::of_account(account, clearinghouse)?;
        let markets = self
            .needed
            .as_slice()
            .iter()
            .map(|&index| loaded_set.position(index).map(|at| &loaded[at]).ok_or(error!(PmError::MissingMarketAccount)))
            .collect::<Result<Vec<_>>>()?;
        self.inputs.fill(account, clearinghouse, &self.needed, &markets, now)?;
        evaluate_into(&mut self.workspace, &self.inputs.account()).map_err(|e| engine_error(e, PmError::InvalidMarketParams))
    }
}

impl Default for Evaluation {
    fn default() -> Self {
        Self::new()
    }
}
