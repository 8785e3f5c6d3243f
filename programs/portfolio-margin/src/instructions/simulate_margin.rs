use anchor_lang::prelude::*;
use risk_engine::{AddOn, N_SCEN};

use crate::errors::PmError;
use crate::margin::evaluate_account;
use crate::oracle::Action;
use crate::state::*;

/// Margin add-on amounts (quote units).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AddOnReport {
    pub mm: i64,
    pub im: i64,
}

impl From<AddOn> for AddOnReport {
    fn from(a: AddOn) -> Self {
        AddOnReport { mm: a.mm, im: a.im }
    }
}

/// One market's scenario P&Ls (quote units, tails weighted; scenario order of the engine's grid).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct MarketScenarios {
    pub market_index: u16,
    pub worst_index: u8,
    pub pnl: [i64; N_SCEN],
}

/// What `simulate_margin` returns (return data, at most 1,009 of Solana's 1,024 bytes for 4 markets).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct MarginReport {
    /// The unix time the account was evaluated at (expiries, staleness).
    pub timestamp: i64,
    pub equity: i64,
    pub mm: i64,
    pub im: i64,
    /// Scanning loss in force (after any correlation credit, stale-widened shocks included).
    pub scan_loss: i64,
    pub scan_margin: AddOnReport,
    pub naked_short: AddOnReport,
    pub linear: AddOnReport,
    pub haircut: AddOnReport,
    pub stale_vol: AddOnReport,
    /// What the IM >= 1.1 x MM floor added to IM.
    pub im_floor: i64,
    /// The scenario with the worst P&L summed across markets.
    pub worst_joint_index: u8,
    pub markets: Vec<MarketScenarios>,
}

#[derive(Accounts)]
pub struct SimulateMargin<'info> {
    pub clearinghouse: AccountLoader<'info, Clearinghouse>,
    #[account(has_one = clearinghouse @ PmError::WrongClearinghouse)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
}

/// Read-only: the account's equity, MM, IM, add-ons and scenario P&Ls, with the oracles checked
/// at the margin (withdrawal) level. Remaining accounts: `[market, oracle]` per market held.
pub fn handler<'info>(ctx: Context<'_, '_, 'info, 'info, SimulateMargin<'info>>) -> Result<MarginReport> {
    let now = Clock::get()?.unix_timestamp;
    let ch = ctx.accounts.clearinghouse.load()?;
    let account = ctx.accounts.margin_account.load()?;
    let evaluation = evaluate_account(&account, &ctx.accounts.clearinghouse.key(), &ch, ctx.remaining_accounts, Action::Margin, now)?;
    let r = evaluation.result();
    let markets = evaluation
        .needed
        .as_slice()
        .iter()
        .zip(&r.markets)
        .map(|(&market_index, m)| MarketScenarios { market_index, worst_index: m.worst_index, pnl: m.pnl })
        .collect();
    Ok(MarginReport {
        timestamp: now,
        equity: r.equity,
        mm: r.mm,
        im: r.im,
        scan_loss: r.scan.loss,
        scan_margin: r.scan_margin.into(),
        naked_short: r.naked_short.into(),
        linear: r.linear.into(),
        haircut: r.haircut.into(),
        stale_vol: r.stale_vol.into(),
        im_floor: r.im_floor,
        worst_joint_index: r.scan.worst_joint_index,
        markets,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_four_market_report_fits_solana_return_data() {
        let market = MarketScenarios { market_index: u16::MAX, worst_index: 26, pnl: [i64::MIN; N_SCEN] };
        let report = MarginReport {
            timestamp: 0,
            equity: 0,
            mm: 0,
            im: 0,
            scan_loss: 0,
            scan_margin: AddOnReport::default(),
            naked_short: AddOnReport::default(),
            linear: AddOnReport::default(),
            haircut: AddOnReport::default(),
            stale_vol: AddOnReport::default(),
            im_floor: 0,
            worst_joint_index: 0,
            markets: vec![market; risk_engine::MAX_MARKETS],
        };
        let bytes = report.try_to_vec().unwrap();
        assert_eq!(bytes.len(), 1_009);
        assert!(bytes.len() <= anchor_lang::solana_program::program::MAX_RETURN_DATA);
    }
}
