//! Glue for running an Anchor program as a native processor inside `solana-program-test`.
//!
//! Three gaps of native execution are closed here:
//! * Anchor's generated `entry` ties the account slice and its elements to one lifetime, so it
//!   does not coerce to `processor!`'s plain signature: [`anchor_processor!`] wraps it.
//! * program-test stubs `sol_log` into the transaction's log collector but not `sol_log_data`
//!   (Anchor's `emit!`), which only reaches stdout. [`install_log_data_forwarder`] routes it through
//!   `sol_log` behind a marker, and [`normalize_logs`] turns those lines back into the
//!   `Program data: <base64>` lines a real validator writes.
//! * `msg!` prints to stdout natively; the patched `solana-msg` (tools/solana-msg) takes a sink,
//!   which [`install_log_data_forwarder`] points at the same log collector.
//!
//! [`normalize_logs`] also removes the doubled `invoke`/`success` lines that program-test's
//! builtin wrapper and CPI stub add next to the runtime's own.

use base64::{engine::general_purpose::STANDARD as BASE64, Engine};
use solana_program::{
    account_info::AccountInfo, entrypoint::ProgramResult, instruction::Instruction,
    program_stubs::SyscallStubs, pubkey::Pubkey,
};
use std::sync::{Arc, Once, OnceLock};

/// What a forwarded `sol_log_data` line starts with inside `Program log: `.
/// The control characters keep it from colliding with text a program would log.
pub const DATA_MARKER: &str = "\u{1f}pm-program-data\u{1f}";
const LOG_PREFIX: &str = "Program log: ";
const DATA_PREFIX: &str = "Program data: ";

/// Wraps an Anchor program's `entry` into a `fn` that `solana_program_test::processor!` accepts.
///
/// The account infos are copied into a leaked `Vec` so that slice and elements share one lifetime
/// (a few hundred bytes per instruction: fine for tests and a local node).
#[macro_export]
macro_rules! anchor_processor {
    ($entry:path) => {{
        fn native_entry(
            program_id: &$crate::reexport::Pubkey,
            accounts: &[$crate::reexport::AccountInfo],
            data: &[u8],
        ) -> $crate::reexport::ProgramResult {
            let accounts = ::std::boxed::Box::leak(accounts.to_vec().into_boxed_slice());
            $entry(program_id, accounts, data)
        }
        // Expanded here, on a fn item, so the closure it builds captures nothing.
        $crate::reexport::solana_program_test::processor!(native_entry)
    }};
}

#[doc(hidden)]
pub mod reexport {
    pub use solana_program::{account_info::AccountInfo, entrypoint::ProgramResult, pubkey::Pubkey};
    pub use solana_program_test;
}

/// Delegates every syscall to the stubs program-test installed, except `sol_log_data`.
struct ForwardingStubs {
    inner: Arc<dyn SyscallStubs>,
}

/// program-test's stubs, for the `msg!` sink (a plain `fn` cannot capture them).
static PROGRAM_TEST_STUBS: OnceLock<Arc<dyn SyscallStubs>> = OnceLock::new();

fn log_to_collector(message: &str) {
    match PROGRAM_TEST_STUBS.get() {
        Some(stubs) => stubs.sol_log(message),
        None => println!("{message}"),
    }
}

impl SyscallStubs for ForwardingStubs {
    fn sol_log_data(&self, fields: &[&[u8]]) {
        let encoded: Vec<String> = fields.iter().map(|f| BASE64.encode(f)).collect();
        self.inner.sol_log(&format!("{DATA_MARKER}{}", encoded.join(" ")));
    }
    fn sol_log(&self, message: &str) {
        self.inner.sol_log(message)
    }
    fn sol_log_compute_units(&self) {
        self.inner.sol_log_compute_units()
    }
    fn sol_remaining_compute_units(&self) -> u64 {
        self.inner.sol_remaining_compute_units()
    }
    fn sol_invoke_signed(
        &self,
        instruction: &Instruction,
        account_infos: &[AccountInfo],
        signers_seeds: &[&[&[u8]]],
    ) -> ProgramResult {
        self.inner.sol_invoke_signed(instruction, account_infos, signers_seeds)
    }
    fn sol_get_sysvar(&self, id: *const u8, var: *mut u8, offset: u64, length: u64) -> u64 {
        self.inner.sol_get_sysvar(id, var, offset, length)
    }
    fn sol_get_clock_sysvar(&self, var_addr: *mut u8) -> u64 {
        self.inner.sol_get_clock_sysvar(var_addr)
    }
    fn sol_get_epoch_schedule_sysvar(&self, var_addr: *mut u8) -> u64 {
        self.inner.sol_get_epoch_schedule_sysvar(var_addr)
    }
    fn sol_get_fees_sysvar(&self, var_addr: *mut u8) -> u64 {
        self.inner.sol_get_fees_sysvar(var_addr)
    }
    fn sol_get_rent_sysvar(&self, var_addr: *mut u8) -> u64 {
        self.inner.sol_get_rent_sysvar(var_addr)
    }
    fn sol_get_epoch_rewards_sysvar(&self, var_addr: *mut u8) -> u64 {
        self.inner.sol_get_epoch_rewards_sysvar(var_addr)
    }
    fn sol_get_last_restart_slot(&self, var_addr: *mut u8) -> u64 {
        self.inner.sol_get_last_restart_slot(var_addr)
    }
    fn sol_get_epoch_stake(&self, vote_address: *const u8) -> u64 {
        self.inner.sol_get_epoch_stake(vote_address)
    }
    unsafe fn sol_memcpy(&self, dst: *mut u8, src: *const u8, n: usize) {
        self.inner.sol_memcpy(dst, src, n)
    }
    unsafe fn sol_memmove(&self, dst: *mut u8, src: *const u8, n: usize) {
        self.inner.sol_memmove(dst, src, n)
    }
    unsafe fn sol_memcmp(&self, s1: *const u8, s2: *const u8, n: usize, result: *mut i32) {
        self.inner.sol_memcmp(s1, s2, n, result)
    }
    unsafe fn sol_memset(&self, s: *mut u8, c: u8, n: usize) {
        self.inner.sol_memset(s, c, n)
    }
    fn sol_get_return_data(&self) -> Option<(Pubkey, Vec<u8>)> {
        self.inner.sol_get_return_data()
    }
    fn sol_set_return_data(&self, data: &[u8]) {
        self.inner.sol_set_return_data(data)
    }
    fn sol_get_processed_sibling_instruction(&self, index: usize) -> Option<Instruction> {
        self.inner.sol_get_processed_sibling_instruction(index)
    }
    fn sol_get_stack_height(&self) -> u64 {
        self.inner.sol_get_stack_height()
    }
}

/// Installs the `sol_log_data` forwarder on top of program-test's stubs.
///
/// program-test installs its stubs on the first `start()`, so call this after that; it is
/// idempotent (later starts do not replace the stubs again).
pub fn install_log_data_forwarder() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let placeholder: Box<dyn SyscallStubs> = Box::new(NoStubs);
        let inner: Arc<dyn SyscallStubs> = solana_program::program_stubs::set_syscall_stubs(placeholder).into();
        let _ = PROGRAM_TEST_STUBS.set(inner.clone());
        solana_program::program_stubs::set_syscall_stubs(Box::new(ForwardingStubs { inner }));
        solana_msg::set_native_log_sink(log_to_collector);
    });
}

struct NoStubs;
impl SyscallStubs for NoStubs {}

/// Turns native-run logs into what a validator writes: forwarded event lines become
/// `Program data: <base64>`, and the doubled frame lines are merged.
///
/// Natively, program-test logs `Program P invoke [n]` and `Program P success|failed` for its
/// builtin wrapper and CPI stub, next to the runtime's own lines for the same frame (the CPI
/// stub's `invoke` with the caller's depth). Of two adjacent `invoke` lines of one program the
/// second (the runtime's, right depth) is kept; adjacent identical `success`/`failed` lines are
/// kept once. (A program that CPIs into itself as its very first act would lose a real line:
/// no program here does.)
pub fn normalize_logs(logs: Vec<String>) -> Vec<String> {
    let marked = format!("{LOG_PREFIX}{DATA_MARKER}");
    let mut out: Vec<String> = Vec::with_capacity(logs.len());
    for line in logs {
        let line = match line.strip_prefix(&marked) {
            Some(payload) => format!("{DATA_PREFIX}{payload}"),
            None => line,
        };
        if let Some(prev) = out.last() {
            let same_invoke = matches!((invoke_of(prev), invoke_of(&line)), (Some(a), Some(b)) if a == b);
            if same_invoke {
                *out.last_mut().expect("non-empty") = line;
                continue;
            }
            if *prev == line && is_frame_end(&line) {
                continue;
            }
        }
        out.push(line);
    }
    out
}

/// The program id of a `Program <id> invoke [n]` line.
fn invoke_of(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("Program ")?;
    let (program, tail) = rest.split_once(' ')?;
    tail.starts_with("invoke [").then_some(program)
}

fn is_frame_end(line: &str) -> bool {
    line.strip_prefix("Program ")
        .and_then(|rest| rest.split_once(' '))
        .is_some_and(|(_, tail)| tail == "success" || tail.starts_with("failed: "))
}

/// The base64 payloads of a transaction's `Program data:` lines (after [`normalize_logs`]).
pub fn program_data(logs: &[String]) -> Vec<Vec<u8>> {
    logs.iter()
        .filter_map(|l| l.strip_prefix(DATA_PREFIX))
        .flat_map(|p| p.split(' '))
        .filter_map(|b| BASE64.decode(b).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn native_deposit_logs_become_validator_logs() {
        let native = lines(&[
            "Program P invoke [1]",
            "Program P invoke [1]",
            "Program log: Instruction: Deposit",
            "Program T invoke [1]",
            "Program T invoke [2]",
            "Program log: Instruction: Transfer",
            "Program T consumed 4645 of 199999 compute units",
            "Program T success",
            "Program T success",
            &format!("Program log: {DATA_MARKER}AAEC"),
            "Program P success",
            "Program P success",
        ]);
        let validator = lines(&[
            "Program P invoke [1]",
            "Program log: Instruction: Deposit",
            "Program T invoke [2]",
            "Program log: Instruction: Transfer",
            "Program T consumed 4645 of 199999 compute units",
            "Program T success",
            "Program data: AAEC",
            "Program P success",
        ]);
        assert_eq!(normalize_logs(native), validator);
    }

    #[test]
    fn failures_and_distinct_programs_are_kept() {
        let native = lines(&[
            "Program A invoke [1]",
            "Program A invoke [1]",
            "Program A failed: custom program error: 0x1770",
            "Program A failed: custom program error: 0x1770",
            "Program B invoke [1]",
            "Program B success",
            "Program log: same",
            "Program log: same",
        ]);
        assert_eq!(
            normalize_logs(native),
            lines(&[
                "Program A invoke [1]",
                "Program A failed: custom program error: 0x1770",
                "Program B invoke [1]",
                "Program B success",
                "Program log: same",
                "Program log: same",
            ])
        );
    }

    #[test]
    fn program_data_decodes_every_field() {
        let logs = lines(&["Program data: AAEC AwQ=", "Program log: AAEC"]);
        assert_eq!(program_data(&logs), vec![vec![0, 1, 2], vec![3, 4]]);
    }
}
