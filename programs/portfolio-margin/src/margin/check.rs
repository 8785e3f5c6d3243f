//! Running the engine on an account: load its markets, build the inputs, evaluate.

use anchor_lang::prelude::*;
use risk_engine::{evaluate_into, MarginResult, Workspace};

use crate::errors::PmError;
use crate::margin::heap::zeroed_box;
use crate::margin::{engine_error, load_markets, EngineInputs, MarketSet};
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
    let mut inputs = zeroed_box::<EngineInputs>();
    inputs.fill(account, clearinghouse, &needed, &markets, now)?;
    let mut workspace = zeroed_box::<Workspace>();
    evaluate_into(&mut workspace, &inputs.account()).map_err(|e| engine_error(e, PmError::InvalidMarketParams))?;
    Ok(Evaluation { needed, inputs, workspace })
}
