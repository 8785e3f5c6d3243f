//! A local Solana JSON-RPC + WebSocket node for portfolio-margin, running the program natively
//! inside `solana-program-test` (see README.md).

pub mod chain;
pub mod encode;
pub mod pubsub;
pub mod rpc;

use axum::{
    body::Bytes,
    extract::{
        ws::{rejection::WebSocketUpgradeRejection, Message, WebSocket, WebSocketUpgrade},
        State,
    },
    http::{header, HeaderValue, Method, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use chain::Chain;
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use solana_sdk::{
    epoch_schedule::EpochSchedule,
    hash::Hash,
    pubkey::Pubkey,
    rent::Rent,
    signature::Keypair,
    signer::{
        keypair::{read_keypair_file, write_keypair_file},
        Signer,
    },
};
use std::{
    net::{Ipv4Addr, SocketAddr},
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};
use tokio::{net::TcpListener, task::JoinHandle};

pub const DEFAULT_PORT: u16 = 8899;

#[derive(Clone, Debug)]
pub struct Config {
    /// HTTP port; 0 picks a free one. WebSocket is served on port + 1 (and on port too).
    pub port: u16,
    /// Keypair file for the funded test wallet (created when missing). `None`: the
    /// program-test payer, written to a temporary file.
    pub wallet: Option<PathBuf>,
    pub quiet: bool,
    /// Slot length; 0 turns the slot timer off (slots then advance only after transactions and
    /// warps).
    pub slot_ms: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            port: DEFAULT_PORT,
            wallet: None,
            quiet: false,
            slot_ms: 400,
        }
    }
}

/// State shared by the HTTP and WebSocket handlers and the slot timer.
pub struct Shared {
    pub chain: tokio::sync::Mutex<Chain>,
    pub subs: std::sync::Mutex<pubsub::Subs>,
    pub genesis_hash: Hash,
    pub identity: Pubkey,
    pub epoch_schedule: EpochSchedule,
    pub rent: Rent,
    pub quiet: bool,
    /// Only without the slot timer does a landed transaction end its slot. With the timer,
    /// slots pass with time as on a validator, so a blockhash stays valid ~60 s however many
    /// transactions use it (web3.js and spl-token reuse one for up to 30 s).
    pub advance_per_transaction: bool,
}

impl Shared {
    /// A human log line on stderr (unless quiet).
    pub fn log(&self, line: impl FnOnce() -> String) {
        if !self.quiet {
            eprintln!("[localnet] {}", line());
        }
    }

    /// Next slot, with slot/root notifications.
    pub async fn advance(&self, chain: &mut Chain) -> Result<(), String> {
        let slot = chain.slot + 1;
        self.warp(chain, slot).await
    }

    pub async fn warp(&self, chain: &mut Chain, slot: u64) -> Result<(), String> {
        let parent = chain.slot;
        chain.warp(slot).await?;
        pubsub::notify_slot(self, parent, slot);
        Ok(())
    }
}

/// A running node.
pub struct Localnet {
    pub rpc_port: u16,
    pub ws_port: u16,
    pub wallet_path: PathBuf,
    pub wallet: Keypair,
    pub program_id: Pubkey,
    pub shared: Arc<Shared>,
    temp_wallet: bool,
    tasks: Vec<JoinHandle<()>>,
}

impl Localnet {
    pub fn rpc_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.rpc_port)
    }
    pub fn ws_url(&self) -> String {
        format!("ws://127.0.0.1:{}", self.ws_port)
    }
    /// The single JSON line printed on stdout when the node is ready.
    pub fn ready_line(&self) -> String {
        // Written by hand to keep the documented key order.
        let s = |v: String| Value::String(v).to_string();
        format!(
            r#"{{"rpc":{},"ws":{},"wallet":{},"pubkey":{},"programId":{}}}"#,
            s(self.rpc_url()),
            s(self.ws_url()),
            s(self.wallet_path.display().to_string()),
            s(self.wallet.pubkey().to_string()),
            s(self.program_id.to_string()),
        )
    }
    /// Stops serving; removes the wallet file if it was a temporary one.
    pub fn shutdown(self) {
        for t in &self.tasks {
            t.abort();
        }
        if self.temp_wallet {
            let _ = std::fs::remove_file(&self.wallet_path);
            if let Some(dir) = self.wallet_path.parent() {
                let _ = std::fs::remove_dir(dir);
            }
        }
    }
}

fn load_or_create_wallet(path: &Path) -> Result<Keypair, String> {
    if path.exists() {
        return read_keypair_file(path)
            .map_err(|e| format!("reading wallet {}: {e}", path.display()));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    }
    let kp = Keypair::new();
    write_keypair_file(&kp, path).map_err(|e| format!("writing wallet {}: {e}", path.display()))?;
    Ok(kp)
}

async fn bind_pair(port: u16) -> Result<(TcpListener, TcpListener), String> {
    let localhost = |p: u16| SocketAddr::from((Ipv4Addr::LOCALHOST, p));
    if port != 0 {
        let http = TcpListener::bind(localhost(port))
            .await
            .map_err(|e| format!("binding 127.0.0.1:{port}: {e}"))?;
        let ws_port = port.checked_add(1).ok_or("port + 1 overflows")?;
        let ws = TcpListener::bind(localhost(ws_port))
            .await
            .map_err(|e| format!("binding 127.0.0.1:{ws_port} (WebSocket, port + 1): {e}"))?;
        return Ok((http, ws));
    }
    for _ in 0..64 {
        let http = TcpListener::bind(localhost(0))
            .await
            .map_err(|e| format!("binding 127.0.0.1:0: {e}"))?;
        let p = http.local_addr().map_err(|e| e.to_string())?.port();
        if p == u16::MAX {
            continue;
        }
        if let Ok(ws) = TcpListener::bind(localhost(p + 1)).await {
            return Ok((http, ws));
        }
    }
    Err("could not find a free pair of adjacent ports".into())
}

/// Starts the node (bank, HTTP + WS servers, slot timer) on the current tokio runtime.
pub async fn start(config: Config) -> Result<Localnet, String> {
    let log_filter = std::env::var("LOCALNET_LOG").unwrap_or_else(|_| {
        if config.quiet {
            "off".into()
        } else {
            "error".into()
        }
    });
    let wallet_file = match &config.wallet {
        Some(path) => Some(load_or_create_wallet(path)?),
        None => None,
    };
    let (http_listener, ws_listener) = bind_pair(config.port).await?;
    let (chain, payer) = chain::start_chain(wallet_file.as_ref(), &log_filter).await?;
    let (wallet, wallet_path, temp_wallet) = match (wallet_file, &config.wallet) {
        (Some(kp), Some(path)) => (kp, path.clone(), false),
        _ => {
            let dir = std::env::temp_dir()
                .join(format!("portfolio-margin-localnet-{}", std::process::id()));
            std::fs::create_dir_all(&dir)
                .map_err(|e| format!("creating {}: {e}", dir.display()))?;
            let path = dir.join(format!("wallet-{}.json", payer.pubkey()));
            write_keypair_file(&payer, &path)
                .map_err(|e| format!("writing wallet {}: {e}", path.display()))?;
            (payer, path, true)
        }
    };
    let genesis = chain.genesis_config.clone();
    let shared = Arc::new(Shared {
        genesis_hash: genesis.hash(),
        identity: Pubkey::new_unique(),
        epoch_schedule: genesis.epoch_schedule.clone(),
        rent: genesis.rent.clone(),
        quiet: config.quiet,
        advance_per_transaction: config.slot_ms == 0,
        subs: Default::default(),
        chain: tokio::sync::Mutex::new(chain),
    });

    let app = Router::new()
        .route("/", get(ws_or_reject).post(http_rpc).options(preflight))
        .route("/health", get(health))
        .with_state(shared.clone());
    let rpc_port = http_listener
        .local_addr()
        .map_err(|e| e.to_string())?
        .port();
    let ws_port = ws_listener.local_addr().map_err(|e| e.to_string())?.port();
    let mut tasks = vec![];
    for listener in [http_listener, ws_listener] {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                eprintln!("[localnet] server error: {e}");
            }
        }));
    }
    if config.slot_ms > 0 {
        let shared = shared.clone();
        let period = Duration::from_millis(config.slot_ms);
        tasks.push(tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis((config.slot_ms / 8).clamp(10, 50))).await;
                let mut chain = shared.chain.lock().await;
                if chain.last_advance.elapsed() >= period {
                    if let Err(e) = shared.advance(&mut chain).await {
                        eprintln!("[localnet] slot timer: {e}");
                    }
                }
            }
        }));
    }
    Ok(Localnet {
        rpc_port,
        ws_port,
        wallet_path,
        wallet,
        program_id: portfolio_margin::ID,
        shared,
        temp_wallet,
        tasks,
    })
}

fn cors(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("POST, GET, OPTIONS"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("*"),
    );
    r
}

async fn http_rpc(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let out = rpc::handle_body(&shared, &body).await;
    cors(
        (
            [(header::CONTENT_TYPE, "application/json")],
            out.to_string(),
        )
            .into_response(),
    )
}

async fn preflight(_m: Method) -> Response {
    cors(StatusCode::OK.into_response())
}

async fn health() -> &'static str {
    "ok"
}

async fn ws_or_reject(
    State(shared): State<Arc<Shared>>,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    match ws {
        Ok(ws) => ws.on_upgrade(move |socket| ws_connection(shared, socket)),
        Err(_) => cors(
            (
                StatusCode::METHOD_NOT_ALLOWED,
                "Used HTTP Method is not allowed. POST or OPTIONS is required",
            )
                .into_response(),
        ),
    }
}

async fn ws_connection(shared: Arc<Shared>, socket: WebSocket) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let id = shared.subs.lock().unwrap().new_conn();
    let conn = pubsub::Conn { id, out: tx };
    let (mut sink, mut stream) = socket.split();
    // Writer: everything queued on the connection, in order.
    let writer = tokio::spawn(async move {
        while let Some(msg) = rx.recv().await {
            if sink.send(Message::Text(msg.into())).await.is_err() {
                break;
            }
        }
    });
    while let Some(Ok(msg)) = stream.next().await {
        let text = match msg {
            Message::Text(t) => t.to_string(),
            Message::Binary(b) => String::from_utf8_lossy(&b).into_owned(),
            Message::Close(_) => break,
            // Pings are answered by the WebSocket layer itself.
            _ => continue,
        };
        match serde_json::from_str::<Value>(&text) {
            Ok(Value::Array(items)) => {
                for item in &items {
                    pubsub::handle_ws_request(&shared, &conn, item).await;
                }
            }
            Ok(v) => pubsub::handle_ws_request(&shared, &conn, &v).await,
            Err(_) => {
                let _ = conn.out.send(
                    rpc::response(Value::Null, Err(rpc::RpcError::new(-32700, "Parse error")))
                        .to_string(),
                );
            }
        }
    }
    shared.subs.lock().unwrap().drop_conn(id);
    drop(conn);
    writer.abort();
}
