//! `localnet`: the portfolio-margin local JSON-RPC + WebSocket node (see README.md).

use localnet::{start, Config, DEFAULT_PORT};
use std::{
    io::{Read, Write},
    path::PathBuf,
    process::ExitCode,
};

const USAGE: &str = "\
usage: localnet [--port N] [--wallet PATH] [--quiet] [--exit-on-stdin-close] [--slot-ms N]

  --port N                HTTP JSON-RPC port on 127.0.0.1 (default 8899; 0 picks a free one).
                          WebSocket subscriptions are served on N+1 (and on N).
  --wallet PATH           Solana CLI keypair file of the funded test wallet; created if missing.
                          Default: the program-test payer, written to a temporary file.
  --quiet                 No human logs on stderr.
  --exit-on-stdin-close   Exit when stdin reaches end of file (parent process gone).
  --slot-ms N             Slot length in milliseconds (default 400; 0: slots advance only
                          after transactions and warps).

Prints one JSON line on stdout when ready:
  {\"rpc\":...,\"ws\":...,\"wallet\":...,\"pubkey\":...,\"programId\":...}
LOCALNET_LOG=<filter> sets the log filter of the solana crates (default: error; off with --quiet).";

struct Args {
    config: Config,
    exit_on_stdin_close: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut config = Config {
        port: DEFAULT_PORT,
        ..Config::default()
    };
    let mut exit_on_stdin_close = false;
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "--port" => {
                config.port = value("--port")?
                    .parse()
                    .map_err(|e| format!("--port: {e}"))?
            }
            "--wallet" => config.wallet = Some(PathBuf::from(value("--wallet")?)),
            "--slot-ms" => {
                config.slot_ms = value("--slot-ms")?
                    .parse()
                    .map_err(|e| format!("--slot-ms: {e}"))?
            }
            "--quiet" | "-q" => config.quiet = true,
            "--exit-on-stdin-close" => exit_on_stdin_close = true,
            "--help" | "-h" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(Args {
        config,
        exit_on_stdin_close,
    })
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("localnet: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let code = runtime.block_on(async move {
        let quiet = args.config.quiet;
        let node = match start(args.config).await {
            Ok(n) => n,
            Err(e) => {
                eprintln!("localnet: {e}");
                return 1;
            }
        };
        println!("{}", node.ready_line());
        let _ = std::io::stdout().flush();
        // Stdout carries the ready line only: natively, some program code prints to stdout
        // (`Pubkey::log`, stray `println!`), which would corrupt a parent's line protocol or fill
        // a pipe nobody drains. Send it to stderr (or nowhere with --quiet).
        redirect_stdout(quiet);
        if !quiet {
            eprintln!(
                "[localnet] ready: rpc {} ws {} (also on the rpc port); wallet {} ({}); program {} (native)",
                node.rpc_url(),
                node.ws_url(),
                node.wallet.pubkey_string(),
                node.wallet_path.display(),
                node.program_id
            );
        }

        let (stdin_tx, mut stdin_rx) = tokio::sync::mpsc::channel::<()>(1);
        if args.exit_on_stdin_close {
            std::thread::spawn(move || {
                let mut stdin = std::io::stdin();
                let mut buf = [0u8; 1024];
                while matches!(stdin.read(&mut buf), Ok(n) if n > 0) {}
                let _ = stdin_tx.blocking_send(());
            });
        }
        let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        let reason = tokio::select! {
            _ = tokio::signal::ctrl_c() => "SIGINT",
            _ = sigterm.recv() => "SIGTERM",
            Some(()) = stdin_rx.recv() => "stdin closed",
        };
        if !quiet {
            eprintln!("[localnet] {reason}: shutting down");
        }
        node.shutdown();
        0
    });
    // Exit right away: the bank's background tasks need no orderly teardown.
    std::process::exit(code)
}

trait PubkeyString {
    fn pubkey_string(&self) -> String;
}

impl PubkeyString for solana_sdk::signature::Keypair {
    fn pubkey_string(&self) -> String {
        use solana_sdk::signer::Signer;
        self.pubkey().to_string()
    }
}

fn redirect_stdout(quiet: bool) {
    // SAFETY: plain descriptor calls on fds this process owns; Rust's stdout writes to fd 1.
    unsafe {
        if quiet {
            let devnull = libc::open(c"/dev/null".as_ptr(), libc::O_WRONLY);
            if devnull >= 0 {
                libc::dup2(devnull, 1);
                libc::close(devnull);
            }
        } else {
            libc::dup2(2, 1);
        }
    }
}
