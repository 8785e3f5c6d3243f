//! The conservation check every program test ends with: for every collateral vault of every
//! clearinghouse a test touched, its token balance equals the sum over the clearinghouse's margin
//! accounts of that mint's balance (the quote vault: quote deposits - quote debt + every market's
//! fee and P&L pools), and the insurance vault holds exactly the fees swept into it plus the
//! insurance deposits less what it paid for bankruptcies.
//!
//! Accounts are found, not listed: every account any sent instruction named is remembered (per
//! test thread), and at the end those that are program accounts at their own PDA are summed.
//! Tests that forge balances with `edit_account` have the forged difference recorded, so the check
//! still holds them to every unit the program itself moved. `pm_test!` runs the check after the
//! test body, and `start()` refuses to start a bank outside `pm_test!`.

use super::*;
use anchor_lang::Discriminator;
use portfolio_margin::events::{BankruptcyResolved, FeesSwept, InsuranceDeposited};
use solana_program_test::BanksClient;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

/// A program test: the body, then `assert_conservation()` over everything it touched.
macro_rules! pm_test {
    ($(#[$meta:meta])* async fn $name:ident() $body:block) => {
        $(#[$meta])*
        #[::tokio::test]
        async fn $name() {
            $crate::support::conservation::arm();
            async move $body.await;
            $crate::support::conservation::assert_conservation().await;
        }
    };
}

/// Quote-denominated amounts that are not a mint slot (quote debt, market pools) are kept under
/// this key and added to the clearinghouse's quote mint.
const QUOTE: Pubkey = Pubkey::new_from_array([0; 32]);

#[derive(Default)]
struct Tracker {
    armed: bool,
    banks: Option<BanksClient>,
    keys: BTreeSet<Pubkey>,
    /// (clearinghouse, mint or QUOTE) -> balances written by tests rather than by the program.
    forged: BTreeMap<(Pubkey, Pubkey), i128>,
    /// market -> fees swept out of it (from `FeesSwept` events).
    swept: BTreeMap<Pubkey, u128>,
    /// clearinghouse -> insurance deposited less insurance paid (from the events).
    insurance_flows: BTreeMap<Pubkey, i128>,
}

thread_local! {
    static TRACKER: RefCell<Tracker> = RefCell::default();
}

/// Called by `pm_test!` before the body.
pub fn arm() {
    TRACKER.with(|t| *t.borrow_mut() = Tracker { armed: true, ..Tracker::default() });
}

pub(crate) fn on_start(banks: BanksClient) {
    TRACKER.with(|t| {
        let mut t = t.borrow_mut();
        assert!(t.armed, "program tests are declared with pm_test! (it runs the conservation check)");
        t.banks = Some(banks);
    });
}

pub(crate) fn on_send(ixs: &[Instruction], sent: &Sent) {
    TRACKER.with(|t| {
        let mut t = t.borrow_mut();
        t.keys.extend(ixs.iter().flat_map(|ix| ix.accounts.iter().map(|m| m.pubkey)));
        if sent.result.is_ok() {
            for e in events::<FeesSwept>(&sent.logs) {
                *t.swept.entry(e.market).or_default() += e.amount as u128;
            }
            for e in events::<InsuranceDeposited>(&sent.logs) {
                *t.insurance_flows.entry(e.clearinghouse).or_default() += e.amount as i128;
            }
            for e in events::<BankruptcyResolved>(&sent.logs) {
                *t.insurance_flows.entry(e.clearinghouse).or_default() -= e.insurance_paid as i128;
            }
        }
    });
}

/// Records what a test's direct write to `key` changed in the balances the check sums.
pub(crate) fn on_edit(key: &Pubkey, before: &Account, after: &Account) {
    let mut delta = BTreeMap::new();
    contribute(key, after, 1, &mut delta);
    contribute(key, before, -1, &mut delta);
    TRACKER.with(|t| {
        let mut t = t.borrow_mut();
        t.keys.insert(*key);
        for (k, v) in delta {
            *t.forged.entry(k).or_default() += v;
        }
    });
}

fn body<T: bytemuck::Pod>(acc: &Account) -> Option<T> {
    (acc.owner == portfolio_margin::ID && acc.data.len() >= 8 + std::mem::size_of::<T>())
        .then(|| bytemuck::pod_read_unaligned(&acc.data[8..8 + std::mem::size_of::<T>()]))
}

fn is<T: Discriminator>(acc: &Account) -> bool {
    acc.data.starts_with(T::DISCRIMINATOR)
}

/// Adds `sign` x what account `key` holds to the per-(clearinghouse, mint) sums: a margin
/// account's collateral slots and quote debt, a market's pools. Only accounts at their own PDA.
fn contribute(key: &Pubkey, acc: &Account, sign: i128, sums: &mut BTreeMap<(Pubkey, Pubkey), i128>) {
    if is::<MarginAccount>(acc) {
        if let Some(a) = body::<MarginAccount>(acc) {
            if margin_account_pda(&a.clearinghouse, &a.owner, a.account_index) == *key {
                for c in a.collaterals.iter().filter(|c| c.mint != Pubkey::default()) {
                    *sums.entry((a.clearinghouse, c.mint)).or_default() += sign * c.amount as i128;
                }
                *sums.entry((a.clearinghouse, QUOTE)).or_default() -= sign * a.quote_debt as i128;
            }
        }
    } else if is::<Market>(acc) {
        if let Some(m) = body::<Market>(acc) {
            if market_pda(&m.clearinghouse, m.market_index) == *key {
                *sums.entry((m.clearinghouse, QUOTE)).or_default() += sign * (m.fee_pool as i128 + m.pnl_pool as i128);
            }
        }
    }
}

/// The check (see the module doc), over every account the current test touched.
pub async fn assert_conservation() {
    let (banks, keys, forged, swept, insurance_flows) = TRACKER.with(|t| {
        let mut t = t.borrow_mut();
        let t = std::mem::take(&mut *t);
        (t.banks, t.keys, t.forged, t.swept, t.insurance_flows)
    });
    let Some(mut banks) = banks else { return };
    let mut sums = BTreeMap::new();
    let mut clearinghouses = BTreeMap::new();
    let mut market_of = BTreeMap::new();
    for key in &keys {
        let Some(acc) = banks.get_account(*key).await.expect("get_account") else { continue };
        contribute(key, &acc, 1, &mut sums);
        if is::<Clearinghouse>(&acc) {
            if let Some(c) = body::<Clearinghouse>(&acc) {
                if clearinghouse_pda(&c.admin, c.index) == *key {
                    clearinghouses.insert(*key, c);
                }
            }
        } else if is::<Market>(&acc) {
            if let Some(m) = body::<Market>(&acc) {
                market_of.insert(*key, m.clearinghouse);
            }
        }
    }
    for (ch_key, ch) in &clearinghouses {
        let get = |mint: &Pubkey| sums.get(&(*ch_key, *mint)).copied().unwrap_or(0) - forged.get(&(*ch_key, *mint)).copied().unwrap_or(0);
        for c in ch.listed_collaterals() {
            let mut expected = get(&c.mint);
            if c.mint == ch.quote_mint {
                expected += get(&QUOTE);
            }
            let vault = vault_amount(&mut banks, &c.vault).await;
            assert_eq!(vault, expected, "conservation: vault {} of mint {} (clearinghouse {ch_key})", c.vault, c.mint);
        }
        let fees: u128 = swept.iter().filter(|(m, _)| market_of.get(*m) == Some(ch_key)).map(|(_, a)| *a).sum();
        let insurance = vault_amount(&mut banks, &ch.insurance_vault).await;
        let flows = insurance_flows.get(ch_key).copied().unwrap_or(0);
        assert_eq!(insurance, fees as i128 + flows, "conservation: insurance vault of {ch_key} = fees swept + deposits - bankruptcy payouts");
    }
}

/// A vault's token balance (0 when it is no token account: a registry entry a test wrote).
async fn vault_amount(banks: &mut BanksClient, key: &Pubkey) -> i128 {
    match banks.get_account(*key).await.expect("get_account") {
        Some(acc) if acc.owner == spl_token::id() => spl_token::state::Account::unpack(&acc.data).unwrap().amount as i128,
        _ => 0,
    }
}
