//! The `msg!` macro and `sol_log`, as in upstream `solana-msg` 2.1.20, plus a native log sink.

/// Logs a message: `msg!("text")`, or `msg!("fmt {}", args)` through `format!`.
#[macro_export]
macro_rules! msg {
    ($msg:expr) => {
        $crate::sol_log($msg)
    };
    ($($arg:tt)*) => ($crate::sol_log(&format!($($arg)*)));
}

#[cfg(target_os = "solana")]
pub mod syscalls {
    use solana_define_syscall::define_syscall;

    define_syscall!(fn sol_log_(message: *const u8, len: u64));
    define_syscall!(fn sol_log_64_(arg1: u64, arg2: u64, arg3: u64, arg4: u64, arg5: u64));
    define_syscall!(fn sol_log_compute_units_());
    define_syscall!(fn sol_log_data(data: *const u8, data_len: u64));
}

#[cfg(not(target_os = "solana"))]
static NATIVE_SINK: std::sync::OnceLock<fn(&str)> = std::sync::OnceLock::new();

/// Routes native `sol_log` calls to `sink` (once per process; later calls return `false`).
/// Without a sink, messages go to stdout as upstream does.
#[cfg(not(target_os = "solana"))]
pub fn set_native_log_sink(sink: fn(&str)) -> bool {
    NATIVE_SINK.set(sink).is_ok()
}

/// Prints a string to the log.
#[inline]
pub fn sol_log(message: &str) {
    #[cfg(target_os = "solana")]
    unsafe {
        syscalls::sol_log_(message.as_ptr(), message.len() as u64);
    }

    #[cfg(not(target_os = "solana"))]
    match NATIVE_SINK.get() {
        Some(sink) => sink(message),
        None => println!("{message}"),
    }
}
