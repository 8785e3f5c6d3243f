//! WebSocket subscriptions in the Solana pubsub shapes.
//!
//! Ordering: a subscription is registered and its response queued on the connection while the
//! subscription lock is held, and notifiers queue while holding it too (or after snapshotting
//! subscriptions that were registered under it), so a client always sees the subscription id
//! before the first notification for it.

use crate::{
    chain::{Chain, TxRecord},
    encode::{AccountEncoding, DataSlice, Filter},
    rpc::{self, RpcError},
    Shared,
};
use serde_json::{json, Value};
use solana_sdk::{pubkey::Pubkey, signature::Signature};
use std::{collections::HashMap, str::FromStr, sync::Arc};
use tokio::sync::mpsc::UnboundedSender;

#[derive(Clone, Debug)]
pub enum LogsFilter {
    All,
    Mentions(Pubkey),
}

#[derive(Clone, Debug)]
pub enum SubKind {
    Signature(Signature),
    Account {
        key: Pubkey,
        encoding: AccountEncoding,
    },
    Program {
        program: Pubkey,
        encoding: AccountEncoding,
        filters: Vec<Filter>,
    },
    Logs(LogsFilter),
    Slot,
    Root,
}

impl SubKind {
    fn unsubscribe_method(&self) -> &'static str {
        match self {
            SubKind::Signature(_) => "signatureUnsubscribe",
            SubKind::Account { .. } => "accountUnsubscribe",
            SubKind::Program { .. } => "programUnsubscribe",
            SubKind::Logs(_) => "logsUnsubscribe",
            SubKind::Slot => "slotUnsubscribe",
            SubKind::Root => "rootUnsubscribe",
        }
    }
}

struct Sub {
    conn: u64,
    out: UnboundedSender<String>,
    kind: SubKind,
}

#[derive(Default)]
pub struct Subs {
    next_id: u64,
    next_conn: u64,
    subs: HashMap<u64, Sub>,
}

impl Subs {
    pub fn new_conn(&mut self) -> u64 {
        self.next_conn += 1;
        self.next_conn
    }
    pub fn drop_conn(&mut self, conn: u64) {
        self.subs.retain(|_, s| s.conn != conn);
    }
    pub fn len(&self) -> usize {
        self.subs.len()
    }
    pub fn is_empty(&self) -> bool {
        self.subs.is_empty()
    }
}

/// A WebSocket connection as the handlers see it.
pub struct Conn {
    pub id: u64,
    pub out: UnboundedSender<String>,
}

pub fn is_pubsub_method(m: &str) -> bool {
    m.ends_with("Subscribe") || m.ends_with("Unsubscribe")
}

fn notification(method: &str, sub: u64, result: Value) -> String {
    json!({"jsonrpc": "2.0", "method": method, "params": {"result": result, "subscription": sub}})
        .to_string()
}

fn ctx(slot: u64) -> Value {
    json!({"slot": slot})
}

fn err_value(rec: &TxRecord) -> Value {
    rec.err
        .as_ref()
        .map(|e| serde_json::to_value(e).unwrap_or_else(|_| json!(e.to_string())))
        .unwrap_or(Value::Null)
}

fn signature_notification(rec: &TxRecord, sub: u64) -> String {
    notification(
        "signatureNotification",
        sub,
        json!({"context": ctx(rec.slot), "value": {"err": err_value(rec)}}),
    )
}

/// Handles one WebSocket JSON-RPC request. Subscription responses are queued on `conn` here;
/// other methods (answered like HTTP ones) are queued too. Notifications (no `id`), such as
/// web3.js's `ping` keepalive, get no answer.
pub async fn handle_ws_request(shared: &Arc<Shared>, conn: &Conn, req: &Value) {
    let Some(id) = req.get("id").cloned() else {
        return;
    };
    let Some(method) = req.get("method").and_then(Value::as_str) else {
        let _ = conn
            .out
            .send(rpc::response(id, Err(RpcError::new(-32600, "Invalid request"))).to_string());
        return;
    };
    let params = match rpc::params_array(req.get("params").unwrap_or(&Value::Null)) {
        Ok(p) => p,
        Err(e) => {
            let _ = conn.out.send(rpc::response(id, Err(e)).to_string());
            return;
        }
    };
    if method == "ping" {
        let _ = conn
            .out
            .send(rpc::response(id, Ok(json!("pong"))).to_string());
        return;
    }
    if method.ends_with("Unsubscribe") {
        let result = unsubscribe(shared, conn, method, params);
        let _ = conn.out.send(rpc::response(id, result).to_string());
        return;
    }
    if method.ends_with("Subscribe") {
        if let Err(e) = subscribe(shared, conn, id.clone(), method, params).await {
            let _ = conn.out.send(rpc::response(id, Err(e)).to_string());
        }
        return;
    }
    let result = rpc::guarded(rpc::call(shared, method, params)).await;
    let _ = conn.out.send(rpc::response(id, result).to_string());
}

fn parse_kind(method: &str, p: &[Value]) -> Result<SubKind, RpcError> {
    Ok(match method {
        "signatureSubscribe" => {
            let s = rpc::str_at(p, 0, "signature")?;
            SubKind::Signature(Signature::from_str(s).map_err(|e| {
                RpcError::invalid_params(format!(
                    "Invalid param: {s} is not a valid signature ({e})"
                ))
            })?)
        }
        "accountSubscribe" => {
            let key = rpc::pubkey_at(p, 0)?;
            let cfg = rpc::config_at(p, 1)?;
            SubKind::Account {
                key,
                encoding: AccountEncoding::parse(&cfg, AccountEncoding::Binary)?,
            }
        }
        "programSubscribe" => {
            let program = rpc::pubkey_at(p, 0)?;
            let cfg = rpc::config_at(p, 1)?;
            SubKind::Program {
                program,
                encoding: AccountEncoding::parse(&cfg, AccountEncoding::Binary)?,
                filters: Filter::parse_list(cfg.get("filters"))?,
            }
        }
        "logsSubscribe" => SubKind::Logs(match p.first() {
            Some(Value::String(s)) if s == "all" || s == "allWithVotes" => LogsFilter::All,
            Some(Value::Object(o)) => {
                let list = o.get("mentions").and_then(Value::as_array).ok_or_else(|| {
                    RpcError::invalid_params("Invalid params: expected \"all\", \"allWithVotes\" or {\"mentions\": [pubkey]}")
                })?;
                if list.len() != 1 {
                    return Err(RpcError::invalid_params(
                        "Invalid Request: Only 1 address supported",
                    ));
                }
                LogsFilter::Mentions(rpc::pubkey_at(list, 0)?)
            }
            _ => return Err(RpcError::invalid_params(
                "Invalid params: expected \"all\", \"allWithVotes\" or {\"mentions\": [pubkey]}",
            )),
        }),
        "slotSubscribe" => SubKind::Slot,
        "rootSubscribe" => SubKind::Root,
        other => return Err(RpcError::method_not_found(other)),
    })
}

async fn subscribe(
    shared: &Arc<Shared>,
    conn: &Conn,
    id: Value,
    method: &str,
    p: &[Value],
) -> Result<(), RpcError> {
    let kind = parse_kind(method, p)?;
    // Lock order: chain, then subscriptions (as notifiers do).
    let chain = match kind {
        SubKind::Signature(_) => Some(shared.chain.lock().await),
        _ => None,
    };
    let mut subs = shared.subs.lock().unwrap();
    subs.next_id += 1;
    let sub_id = subs.next_id;
    let _ = conn
        .out
        .send(rpc::response(id, Ok(json!(sub_id))).to_string());
    if let (SubKind::Signature(sig), Some(chain)) = (&kind, &chain) {
        if let Some(rec) = chain.txs.get(sig) {
            // Already landed: notify now; the subscription is done.
            let _ = conn.out.send(signature_notification(rec, sub_id));
            return Ok(());
        }
    }
    subs.subs.insert(
        sub_id,
        Sub {
            conn: conn.id,
            out: conn.out.clone(),
            kind,
        },
    );
    Ok(())
}

fn unsubscribe(shared: &Shared, conn: &Conn, method: &str, p: &[Value]) -> rpc::RpcResult {
    let id = rpc::u64_at(p, 0, "subscription id")?;
    let mut subs = shared.subs.lock().unwrap();
    match subs.subs.get(&id) {
        Some(s) if s.conn == conn.id && s.kind.unsubscribe_method() == method => {
            subs.subs.remove(&id);
            Ok(json!(true))
        }
        _ => Err(RpcError::invalid_params("Invalid subscription id.")),
    }
}

/// After a transaction landed: signature, logs, account and program notifications.
pub async fn notify_transaction(shared: &Shared, chain: &Chain, rec: &TxRecord) {
    let keys = rec.account_keys();
    {
        let mut subs = shared.subs.lock().unwrap();
        let mut done = vec![];
        for (id, s) in subs.subs.iter() {
            match &s.kind {
                SubKind::Signature(sig) if *sig == rec.signature => {
                    let _ = s.out.send(signature_notification(rec, *id));
                    done.push(*id);
                }
                SubKind::Logs(filter) => {
                    let wanted = match filter {
                        LogsFilter::All => true,
                        LogsFilter::Mentions(k) => keys.contains(k),
                    };
                    if wanted {
                        let value = json!({"signature": rec.signature.to_string(), "err": err_value(rec), "logs": rec.logs});
                        let _ = s.out.send(notification(
                            "logsNotification",
                            *id,
                            json!({"context": ctx(rec.slot), "value": value}),
                        ));
                    }
                }
                _ => {}
            }
        }
        for id in done {
            subs.subs.remove(&id);
        }
    }
    notify_accounts(shared, chain, &rec.written_keys()).await;
}

/// Account and program notifications for accounts that may have changed.
pub async fn notify_accounts(shared: &Shared, chain: &Chain, keys: &[Pubkey]) {
    let interested: Vec<(u64, UnboundedSender<String>, SubKind)> = {
        let subs = shared.subs.lock().unwrap();
        subs.subs
            .iter()
            .filter(|(_, s)| match &s.kind {
                SubKind::Account { key, .. } => keys.contains(key),
                SubKind::Program { .. } => true,
                _ => false,
            })
            .map(|(id, s)| (*id, s.out.clone(), s.kind.clone()))
            .collect()
    };
    if interested.is_empty() {
        return;
    }
    let mut accounts = HashMap::new();
    for k in keys {
        if let Ok(a) = chain.get_account(k).await {
            accounts.insert(*k, a);
        }
    }
    for (id, out, kind) in interested {
        match kind {
            SubKind::Account { key, encoding } => {
                let Some(account) = accounts.get(&key) else {
                    continue;
                };
                // A deleted account is reported as empty and owned by the system program.
                let account = account.clone().unwrap_or_default();
                if let Ok(v) =
                    rpc::account_value(chain, &account, encoding, None::<DataSlice>).await
                {
                    let _ = out.send(notification(
                        "accountNotification",
                        id,
                        json!({"context": ctx(chain.slot), "value": v}),
                    ));
                }
            }
            SubKind::Program {
                program,
                encoding,
                filters,
            } => {
                for key in keys {
                    let Some(Some(account)) = accounts.get(key) else {
                        continue;
                    };
                    if account.owner != program
                        || !crate::encode::matches_all(&filters, &account.data)
                    {
                        continue;
                    }
                    if let Ok(v) = rpc::account_value(chain, account, encoding, None).await {
                        let value = json!({"pubkey": key.to_string(), "account": v});
                        let _ = out.send(notification(
                            "programNotification",
                            id,
                            json!({"context": ctx(chain.slot), "value": value}),
                        ));
                    }
                }
            }
            _ => {}
        }
    }
}

/// After the slot advanced.
pub fn notify_slot(shared: &Shared, parent: u64, slot: u64) {
    let subs = shared.subs.lock().unwrap();
    for (id, s) in subs.subs.iter() {
        match s.kind {
            SubKind::Slot => {
                let _ = s.out.send(notification(
                    "slotNotification",
                    *id,
                    json!({"parent": parent, "root": parent, "slot": slot}),
                ));
            }
            SubKind::Root => {
                let _ = s
                    .out
                    .send(notification("rootNotification", *id, json!(parent)));
            }
            _ => {}
        }
    }
}
