//! JSON-RPC: envelope handling (single and batch requests) and the HTTP methods.

use crate::{
    chain::{Chain, Processed, TxRecord},
    encode::{self, AccountEncoding, DataSlice, Filter},
    pubsub, Shared,
};
use base64::{engine::general_purpose::STANDARD as BASE64, Engine};
use serde_json::{json, Map, Value};
use solana_sdk::{
    account::Account,
    hash::Hash,
    message::VersionedMessage,
    pubkey,
    pubkey::Pubkey,
    signature::Signature,
    system_program,
    transaction::{TransactionError, VersionedTransaction},
    transaction_context::TransactionReturnData,
};
use std::{str::FromStr, sync::Arc};

/// The RPC API version the node reports (the solana crates it is built from).
pub const API_VERSION: &str = "2.1.20";
const NATIVE_MINT: Pubkey = pubkey!("So11111111111111111111111111111111111111112");

#[derive(Debug, Clone, PartialEq)]
pub struct RpcError {
    pub code: i64,
    pub message: String,
    pub data: Option<Value>,
}

impl RpcError {
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        RpcError {
            code,
            message: message.into(),
            data: None,
        }
    }
    pub fn invalid_params(message: impl Into<String>) -> Self {
        Self::new(-32602, message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(-32603, message)
    }
    pub fn method_not_found(method: &str) -> Self {
        Self::new(
            -32601,
            format!("Method not found: {method} is not supported by the portfolio-margin localnet"),
        )
    }
    pub fn to_json(&self) -> Value {
        let mut e = json!({"code": self.code, "message": self.message});
        if let Some(d) = &self.data {
            e["data"] = d.clone();
        }
        e
    }
}

impl From<String> for RpcError {
    fn from(s: String) -> Self {
        RpcError::internal(s)
    }
}

pub type RpcResult = Result<Value, RpcError>;

pub fn response(id: Value, result: RpcResult) -> Value {
    match result {
        Ok(r) => json!({"jsonrpc": "2.0", "result": r, "id": id}),
        Err(e) => json!({"jsonrpc": "2.0", "error": e.to_json(), "id": id}),
    }
}

/// Handles an HTTP request body: one request or a batch.
pub async fn handle_body(shared: &Arc<Shared>, body: &[u8]) -> Value {
    let parsed: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(_) => return response(Value::Null, Err(RpcError::new(-32700, "Parse error"))),
    };
    match parsed {
        Value::Array(items) if !items.is_empty() => {
            let mut out = Vec::with_capacity(items.len());
            for item in &items {
                out.push(handle_request(shared, item).await);
            }
            Value::Array(out)
        }
        v => handle_request(shared, &v).await,
    }
}

/// Handles one request object (never panics, never hangs on bad input).
pub async fn handle_request(shared: &Arc<Shared>, req: &Value) -> Value {
    let id = req.get("id").cloned().unwrap_or(Value::Null);
    let Some(method) = req.get("method").and_then(Value::as_str) else {
        return response(id, Err(RpcError::new(-32600, "Invalid request")));
    };
    let params = req.get("params").unwrap_or(&Value::Null);
    let result = match params_array(params) {
        Ok(p) => guarded(call(shared, method, p)).await,
        Err(e) => Err(e),
    };
    response(id, result)
}

/// Runs a handler, turning a panic into an internal error (the client gets an answer, not a
/// dropped connection).
pub async fn guarded(fut: impl std::future::Future<Output = RpcResult>) -> RpcResult {
    use futures_util::FutureExt;
    match std::panic::AssertUnwindSafe(fut).catch_unwind().await {
        Ok(r) => r,
        Err(panic) => {
            let what = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Err(RpcError::internal(format!(
                "internal error (panic): {what}"
            )))
        }
    }
}

pub fn params_array(params: &Value) -> Result<&[Value], RpcError> {
    match params {
        Value::Null => Ok(&[]),
        Value::Array(a) => Ok(a),
        _ => Err(RpcError::invalid_params(
            "Invalid params: expected an array of parameters",
        )),
    }
}

// ---- parameter helpers ----

pub fn str_at<'a>(p: &'a [Value], i: usize, what: &str) -> Result<&'a str, RpcError> {
    p.get(i).and_then(Value::as_str).ok_or_else(|| {
        RpcError::invalid_params(format!(
            "Invalid params: missing or non-string parameter {i} ({what})"
        ))
    })
}

pub fn pubkey_at(p: &[Value], i: usize) -> Result<Pubkey, RpcError> {
    parse_pubkey(str_at(p, i, "pubkey")?)
}

pub fn parse_pubkey(s: &str) -> Result<Pubkey, RpcError> {
    Pubkey::from_str(s).map_err(|e| {
        RpcError::invalid_params(format!("Invalid param: {s} is not a valid pubkey ({e})"))
    })
}

pub fn u64_at(p: &[Value], i: usize, what: &str) -> Result<u64, RpcError> {
    p.get(i).and_then(Value::as_u64).ok_or_else(|| {
        RpcError::invalid_params(format!(
            "Invalid params: missing or invalid parameter {i} ({what}: a non-negative integer)"
        ))
    })
}

/// The optional config object at `i` (absent or null: empty).
pub fn config_at(p: &[Value], i: usize) -> Result<Map<String, Value>, RpcError> {
    match p.get(i) {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(o)) => Ok(o.clone()),
        Some(_) => Err(RpcError::invalid_params(format!(
            "Invalid params: parameter {i} must be a configuration object"
        ))),
    }
}

fn bool_cfg(cfg: &Map<String, Value>, key: &str) -> bool {
    cfg.get(key).and_then(Value::as_bool).unwrap_or(false)
}

fn with_ctx(slot: u64, value: Value) -> Value {
    json!({"context": {"slot": slot, "apiVersion": API_VERSION}, "value": value})
}

fn err_json(err: &Option<TransactionError>) -> Value {
    match err {
        None => Value::Null,
        Some(e) => serde_json::to_value(e).unwrap_or_else(|_| json!(e.to_string())),
    }
}

fn return_data_json(rd: &Option<TransactionReturnData>) -> Value {
    match rd {
        Some(rd) => {
            json!({"programId": rd.program_id.to_string(), "data": [BASE64.encode(&rd.data), "base64"]})
        }
        None => Value::Null,
    }
}

/// The error a real RPC node answers when preflight simulation fails.
pub fn preflight_error(
    err: &TransactionError,
    logs: Vec<String>,
    units: u64,
    return_data: &Option<TransactionReturnData>,
) -> RpcError {
    RpcError {
        code: -32002,
        message: format!("Transaction simulation failed: {err}"),
        data: Some(json!({
            "err": err_json(&Some(err.clone())),
            "logs": logs,
            "accounts": null,
            "unitsConsumed": units,
            "returnData": return_data_json(return_data),
            "innerInstructions": null,
            "replacementBlockhash": null,
        })),
    }
}

pub fn decode_transaction(raw: &str, encoding: &str) -> Result<VersionedTransaction, RpcError> {
    let bytes = match encoding {
        "base58" => bs58::decode(raw)
            .into_vec()
            .map_err(|e| RpcError::invalid_params(format!("invalid base58 encoding: {e}")))?,
        "base64" => BASE64
            .decode(raw)
            .map_err(|e| RpcError::invalid_params(format!("invalid base64 encoding: {e}")))?,
        other => {
            return Err(RpcError::invalid_params(format!(
                "unsupported encoding: {other}. Supported encodings: base58, base64"
            )))
        }
    };
    let tx: VersionedTransaction = bincode::deserialize(&bytes).map_err(|e| {
        RpcError::invalid_params(format!(
            "failed to deserialize solana_sdk::transaction::versioned::VersionedTransaction: {e}"
        ))
    })?;
    tx.sanitize()
        .map_err(|e| RpcError::invalid_params(format!("invalid transaction: {e}")))?;
    Ok(tx)
}

fn encoding_str(cfg: &Map<String, Value>, default: &'static str) -> Result<String, RpcError> {
    match cfg.get("encoding") {
        None | Some(Value::Null) => Ok(default.to_string()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(RpcError::invalid_params(
            "Invalid params: encoding must be a string",
        )),
    }
}

/// An account in the requested encoding; jsonParsed parses SPL Token accounts and mints.
pub async fn account_value(
    chain: &Chain,
    account: &Account,
    enc: AccountEncoding,
    slice: Option<DataSlice>,
) -> RpcResult {
    let mut parsed = None;
    if enc == AccountEncoding::JsonParsed && encode::is_token_program(&account.owner) {
        if let Some(m) = encode::parse_mint(&account.data) {
            parsed = Some(encode::parsed_mint_json(&account.owner, &account.data, &m));
        } else if let Some(t) = encode::parse_token_account(&account.data) {
            if let Some(decimals) = mint_decimals(chain, &t.mint).await {
                parsed = Some(encode::parsed_token_account_json(
                    &account.owner,
                    &account.data,
                    &t,
                    decimals,
                ));
            }
        }
    }
    encode::ui_account(account, enc, slice, parsed)
}

async fn mint_decimals(chain: &Chain, mint: &Pubkey) -> Option<u8> {
    match chain.get_account(mint).await.ok().flatten() {
        Some(a) => encode::parse_mint(&a.data).map(|m| m.decimals),
        None if *mint == NATIVE_MINT => Some(9),
        None => None,
    }
}

async fn optional_account_value(
    chain: &Chain,
    key: &Pubkey,
    enc: AccountEncoding,
    slice: Option<DataSlice>,
) -> RpcResult {
    match chain.get_account(key).await? {
        Some(a) => account_value(chain, &a, enc, slice).await,
        None => Ok(Value::Null),
    }
}

fn signature_at(p: &[Value], i: usize) -> Result<Signature, RpcError> {
    let s = str_at(p, i, "signature")?;
    Signature::from_str(s).map_err(|e| {
        RpcError::invalid_params(format!("Invalid param: {s} is not a valid signature ({e})"))
    })
}

fn status_json(rec: &TxRecord) -> Value {
    json!({
        "slot": rec.slot,
        "confirmations": null,
        "err": err_json(&rec.err),
        "status": match &rec.err { None => json!({"Ok": null}), Some(_) => json!({"Err": err_json(&rec.err)}) },
        "confirmationStatus": "finalized",
    })
}

fn meta_json(rec: &TxRecord) -> Value {
    let mut meta = json!({
        "err": err_json(&rec.err),
        "status": match &rec.err { None => json!({"Ok": null}), Some(_) => json!({"Err": err_json(&rec.err)}) },
        "fee": rec.fee,
        "preBalances": rec.pre_balances,
        "postBalances": rec.post_balances,
        "innerInstructions": [],
        "logMessages": rec.logs,
        "preTokenBalances": [],
        "postTokenBalances": [],
        "rewards": [],
        "loadedAddresses": {
            "writable": rec.loaded_writable.iter().map(|k| k.to_string()).collect::<Vec<_>>(),
            "readonly": rec.loaded_readonly.iter().map(|k| k.to_string()).collect::<Vec<_>>(),
        },
        "computeUnitsConsumed": rec.units_consumed,
    });
    if rec.return_data.is_some() {
        meta["returnData"] = return_data_json(&rec.return_data);
    }
    meta
}

/// Processes a transaction and notifies subscribers; without a slot timer, a landed transaction
/// also ends the slot.
pub async fn submit(
    shared: &Shared,
    chain: &mut Chain,
    tx: VersionedTransaction,
    what: &str,
) -> Result<Processed, RpcError> {
    let processed = chain.process(tx).await?;
    match &processed {
        Processed::Landed(rec) => {
            shared.log(|| {
                let mut line = format!(
                    "{what} {} slot {} {}",
                    rec.signature,
                    rec.slot,
                    rec.err
                        .as_ref()
                        .map(|e| format!("FAILED: {e}"))
                        .unwrap_or_else(|| "ok".into())
                );
                if rec.err.is_some() {
                    for l in &rec.logs {
                        line.push_str("\n    ");
                        line.push_str(l);
                    }
                }
                line
            });
            pubsub::notify_transaction(shared, chain, rec).await;
            // The transaction landed whatever happens next: report a failed advance in the log.
            if shared.advance_per_transaction {
                if let Err(e) = shared.advance(chain).await {
                    eprintln!("[localnet] advancing the slot after {}: {e}", rec.signature);
                }
            }
        }
        Processed::Rejected(err) => {
            shared.log(|| format!("{what} rejected (not committed): {err}"))
        }
    }
    Ok(processed)
}

/// Dispatches one HTTP JSON-RPC method.
pub async fn call(shared: &Arc<Shared>, method: &str, p: &[Value]) -> RpcResult {
    match method {
        "getHealth" => Ok(json!("ok")),
        "getVersion" => Ok(json!({
            "solana-core": API_VERSION,
            "feature-set": u32::from_le_bytes(solana_sdk::feature_set::ID.to_bytes()[..4].try_into().unwrap()),
        })),
        "getGenesisHash" => Ok(json!(shared.genesis_hash.to_string())),
        "getIdentity" => Ok(json!({"identity": shared.identity.to_string()})),
        "getSlotLeader" => Ok(json!(shared.identity.to_string())),
        "getFirstAvailableBlock" | "minimumLedgerSlot" => Ok(json!(0)),
        "getRecentPrioritizationFees" => Ok(json!([])),
        "getEpochSchedule" => {
            let s = &shared.epoch_schedule;
            Ok(json!({
                "slotsPerEpoch": s.slots_per_epoch,
                "leaderScheduleSlotOffset": s.leader_schedule_slot_offset,
                "warmup": s.warmup,
                "firstNormalEpoch": s.first_normal_epoch,
                "firstNormalSlot": s.first_normal_slot,
            }))
        }
        "getMinimumBalanceForRentExemption" => {
            let size = u64_at(p, 0, "data length")?;
            Ok(json!(shared.rent.minimum_balance(size as usize)))
        }
        "getSlot" => Ok(json!(shared.chain.lock().await.slot)),
        "getBlockHeight" => Ok(json!(shared.chain.lock().await.block_height().await?)),
        "getTransactionCount" => Ok(json!(shared.chain.lock().await.tx_count)),
        "getEpochInfo" => {
            let c = shared.chain.lock().await;
            let (epoch, slot_index) = shared.epoch_schedule.get_epoch_and_slot_index(c.slot);
            Ok(json!({
                "absoluteSlot": c.slot,
                "blockHeight": c.block_height().await?,
                "epoch": epoch,
                "slotIndex": slot_index,
                "slotsInEpoch": shared.epoch_schedule.get_slots_in_epoch(epoch),
                "transactionCount": c.tx_count,
            }))
        }
        "getLatestBlockhash" => {
            let c = shared.chain.lock().await;
            let (hash, last_valid) = c.latest_blockhash().await?;
            Ok(with_ctx(
                c.slot,
                json!({"blockhash": hash.to_string(), "lastValidBlockHeight": last_valid}),
            ))
        }
        "isBlockhashValid" => {
            let s = str_at(p, 0, "blockhash")?;
            let hash = Hash::from_str(s).map_err(|e| {
                RpcError::invalid_params(format!(
                    "Invalid param: {s} is not a valid blockhash ({e})"
                ))
            })?;
            let c = shared.chain.lock().await;
            Ok(with_ctx(c.slot, json!(c.is_blockhash_valid(&hash).await?)))
        }
        "getBlockTime" => {
            let slot = u64_at(p, 0, "slot")?;
            let c = shared.chain.lock().await;
            if slot > c.slot {
                return Err(RpcError::new(
                    -32004,
                    format!("Block not available for slot {slot}"),
                ));
            }
            Ok(match c.block_times.range(..=slot).next_back() {
                Some((_, t)) => json!(t),
                None => Value::Null,
            })
        }
        "getFeeForMessage" => {
            let raw = str_at(p, 0, "message")?;
            let bytes = BASE64
                .decode(raw)
                .map_err(|e| RpcError::invalid_params(format!("invalid base64 encoding: {e}")))?;
            let message: VersionedMessage = bincode::deserialize(&bytes).map_err(|e| {
                RpcError::invalid_params(format!("failed to deserialize message: {e}"))
            })?;
            let c = shared.chain.lock().await;
            Ok(with_ctx(c.slot, json!(c.fee_for_message(&message).await?)))
        }
        "getBalance" => {
            let key = pubkey_at(p, 0)?;
            let c = shared.chain.lock().await;
            let lamports = c.get_account(&key).await?.map(|a| a.lamports).unwrap_or(0);
            Ok(with_ctx(c.slot, json!(lamports)))
        }
        "getAccountInfo" => {
            let key = pubkey_at(p, 0)?;
            let cfg = config_at(p, 1)?;
            let enc = AccountEncoding::parse(&cfg, AccountEncoding::Binary)?;
            let slice = DataSlice::parse(&cfg)?;
            let c = shared.chain.lock().await;
            let v = optional_account_value(&c, &key, enc, slice).await?;
            Ok(with_ctx(c.slot, v))
        }
        "getMultipleAccounts" => {
            let keys = p.first().and_then(Value::as_array).ok_or_else(|| {
                RpcError::invalid_params("Invalid params: expected an array of pubkeys")
            })?;
            if keys.len() > 100 {
                return Err(RpcError::invalid_params(
                    "Too many inputs provided; max 100",
                ));
            }
            let keys = keys
                .iter()
                .map(|k| {
                    k.as_str()
                        .ok_or_else(|| {
                            RpcError::invalid_params("Invalid params: pubkeys must be strings")
                        })
                        .and_then(parse_pubkey)
                })
                .collect::<Result<Vec<_>, _>>()?;
            let cfg = config_at(p, 1)?;
            let enc = AccountEncoding::parse(&cfg, AccountEncoding::Base64)?;
            let slice = DataSlice::parse(&cfg)?;
            let c = shared.chain.lock().await;
            let mut out = Vec::with_capacity(keys.len());
            for k in &keys {
                out.push(optional_account_value(&c, k, enc, slice).await?);
            }
            Ok(with_ctx(c.slot, Value::Array(out)))
        }
        "getProgramAccounts" => {
            let program = pubkey_at(p, 0)?;
            let cfg = config_at(p, 1)?;
            let enc = AccountEncoding::parse(&cfg, AccountEncoding::Binary)?;
            let slice = DataSlice::parse(&cfg)?;
            let filters = Filter::parse_list(cfg.get("filters"))?;
            let c = shared.chain.lock().await;
            let mut out = vec![];
            for (key, account) in c.program_accounts(&program)? {
                if !encode::matches_all(&filters, &account.data) {
                    continue;
                }
                out.push(json!({"pubkey": key.to_string(), "account": account_value(&c, &account, enc, slice).await?}));
            }
            Ok(if bool_cfg(&cfg, "withContext") {
                with_ctx(c.slot, Value::Array(out))
            } else {
                Value::Array(out)
            })
        }
        "getTokenAccountsByOwner" | "getTokenAccountsByDelegate" => {
            let who = pubkey_at(p, 0)?;
            let sel = config_at(p, 1)?;
            let (mint, program) = if let Some(m) = sel.get("mint").and_then(Value::as_str) {
                (Some(parse_pubkey(m)?), None)
            } else if let Some(pid) = sel.get("programId").and_then(Value::as_str) {
                let pid = parse_pubkey(pid)?;
                if !encode::is_token_program(&pid) {
                    return Err(RpcError::invalid_params(
                        "Invalid param: unrecognized Token program id",
                    ));
                }
                (None, Some(pid))
            } else {
                return Err(RpcError::invalid_params(
                    "Invalid params: expected {\"mint\": ...} or {\"programId\": ...}",
                ));
            };
            let cfg = config_at(p, 2)?;
            let enc = AccountEncoding::parse(&cfg, AccountEncoding::Binary)?;
            let slice = DataSlice::parse(&cfg)?;
            let by_delegate = method == "getTokenAccountsByDelegate";
            let c = shared.chain.lock().await;
            let mut out = vec![];
            let programs = match program {
                Some(pid) => vec![pid],
                None => vec![encode::TOKEN_PROGRAM_ID, encode::TOKEN_2022_PROGRAM_ID],
            };
            let mut candidates = vec![];
            for pid in &programs {
                candidates.extend(c.program_accounts(pid)?);
            }
            for (key, account) in candidates {
                let Some(t) = encode::parse_token_account(&account.data) else {
                    continue;
                };
                let holder = if by_delegate {
                    t.delegate
                } else {
                    Some(t.owner)
                };
                if holder != Some(who) || mint.is_some_and(|m| m != t.mint) {
                    continue;
                }
                out.push(json!({"pubkey": key.to_string(), "account": account_value(&c, &account, enc, slice).await?}));
            }
            Ok(with_ctx(c.slot, Value::Array(out)))
        }
        "getTokenAccountBalance" => {
            let key = pubkey_at(p, 0)?;
            let c = shared.chain.lock().await;
            let account = c
                .get_account(&key)
                .await?
                .filter(|a| encode::is_token_program(&a.owner));
            let t = account
                .as_ref()
                .and_then(|a| encode::parse_token_account(&a.data))
                .ok_or_else(|| RpcError::invalid_params("Invalid param: not a Token account"))?;
            let decimals = mint_decimals(&c, &t.mint).await.ok_or_else(|| {
                RpcError::invalid_params("Invalid param: mint could not be unpacked")
            })?;
            Ok(with_ctx(
                c.slot,
                encode::token_amount_json(t.amount, decimals),
            ))
        }
        "getTokenSupply" => {
            let key = pubkey_at(p, 0)?;
            let c = shared.chain.lock().await;
            let m = c
                .get_account(&key)
                .await?
                .filter(|a| encode::is_token_program(&a.owner))
                .and_then(|a| encode::parse_mint(&a.data))
                .ok_or_else(|| RpcError::invalid_params("Invalid param: not a Token mint"))?;
            Ok(with_ctx(
                c.slot,
                encode::token_amount_json(m.supply, m.decimals),
            ))
        }
        "getSignatureStatuses" => {
            let sigs = p.first().and_then(Value::as_array).ok_or_else(|| {
                RpcError::invalid_params("Invalid params: expected an array of signatures")
            })?;
            if sigs.len() > 256 {
                return Err(RpcError::invalid_params(
                    "Too many inputs provided; max 256",
                ));
            }
            let sigs = sigs
                .iter()
                .enumerate()
                .map(|(i, _)| signature_at(sigs, i))
                .collect::<Result<Vec<_>, _>>()?;
            let c = shared.chain.lock().await;
            let value: Vec<Value> = sigs
                .iter()
                .map(|s| c.txs.get(s).map(|r| status_json(r)).unwrap_or(Value::Null))
                .collect();
            Ok(with_ctx(c.slot, Value::Array(value)))
        }
        "getTransaction" => {
            let sig = signature_at(p, 0)?;
            let (encoding, max_version) = match p.get(1) {
                Some(Value::String(s)) => (s.clone(), None),
                _ => {
                    let cfg = config_at(p, 1)?;
                    (
                        encoding_str(&cfg, "json")?,
                        cfg.get("maxSupportedTransactionVersion")
                            .and_then(Value::as_u64),
                    )
                }
            };
            let c = shared.chain.lock().await;
            let Some(rec) = c.txs.get(&sig).cloned() else {
                return Ok(Value::Null);
            };
            drop(c);
            let is_v0 = matches!(rec.tx.message, VersionedMessage::V0(_));
            if is_v0 && max_version.is_none() {
                return Err(RpcError::new(
                    -32015,
                    "Transaction version (0) is not supported by the requesting client. Please try the request again with the following configuration parameter: \"maxSupportedTransactionVersion\": 0",
                ));
            }
            let transaction = match encoding.as_str() {
                "json" => encode::transaction_json(&rec.tx),
                "jsonParsed" => encode::transaction_json_parsed(
                    &rec.tx,
                    &rec.loaded_writable,
                    &rec.loaded_readonly,
                ),
                "base64" => json!([
                    BASE64.encode(bincode::serialize(&rec.tx).unwrap()),
                    "base64"
                ]),
                "base58" => json!([
                    bs58::encode(bincode::serialize(&rec.tx).unwrap()).into_string(),
                    "base58"
                ]),
                other => {
                    return Err(RpcError::invalid_params(format!(
                        "Invalid params: unsupported encoding `{other}`"
                    )))
                }
            };
            let mut out = json!({
                "slot": rec.slot,
                "blockTime": rec.block_time,
                "transaction": transaction,
                "meta": meta_json(&rec),
            });
            if max_version.is_some() {
                out["version"] = encode::version_json(&rec.tx);
            }
            Ok(out)
        }
        "getSignaturesForAddress" => {
            let key = pubkey_at(p, 0)?;
            let cfg = config_at(p, 1)?;
            let limit = cfg.get("limit").and_then(Value::as_u64).unwrap_or(1000);
            if limit == 0 || limit > 1000 {
                return Err(RpcError::invalid_params("Invalid limit; max 1000"));
            }
            let parse_opt = |k: &str| -> Result<Option<Signature>, RpcError> {
                match cfg.get(k).and_then(Value::as_str) {
                    Some(s) => Signature::from_str(s)
                        .map(Some)
                        .map_err(|e| RpcError::invalid_params(format!("Invalid param: {k}: {e}"))),
                    None => Ok(None),
                }
            };
            let (before, until) = (parse_opt("before")?, parse_opt("until")?);
            let c = shared.chain.lock().await;
            let mut out = vec![];
            let mut started = before.is_none();
            for sig in c
                .by_address
                .get(&key)
                .map(|v| v.as_slice())
                .unwrap_or_default()
                .iter()
                .rev()
            {
                if !started {
                    started = Some(*sig) == before;
                    continue;
                }
                if Some(*sig) == until || out.len() as u64 >= limit {
                    break;
                }
                let rec = &c.txs[sig];
                out.push(json!({
                    "signature": sig.to_string(),
                    "slot": rec.slot,
                    "err": err_json(&rec.err),
                    "memo": null,
                    "blockTime": rec.block_time,
                    "confirmationStatus": "finalized",
                }));
            }
            Ok(Value::Array(out))
        }
        "simulateTransaction" => {
            let raw = str_at(p, 0, "transaction")?;
            let cfg = config_at(p, 1)?;
            let mut tx = decode_transaction(raw, &encoding_str(&cfg, "base58")?)?;
            let sig_verify = bool_cfg(&cfg, "sigVerify");
            let replace = bool_cfg(&cfg, "replaceRecentBlockhash");
            if sig_verify && replace {
                return Err(RpcError::invalid_params(
                    "sigVerify may not be used with replaceRecentBlockhash",
                ));
            }
            let c = shared.chain.lock().await;
            let mut replacement = Value::Null;
            if replace {
                let (hash, last_valid) = c.latest_blockhash().await?;
                tx.message.set_recent_blockhash(hash);
                replacement =
                    json!({"blockhash": hash.to_string(), "lastValidBlockHeight": last_valid});
            }
            if sig_verify && !tx.verify_with_results().iter().all(|ok| *ok) {
                return Err(RpcError::new(
                    -32003,
                    "Transaction signature verification failure",
                ));
            }
            let sim = c.simulate(tx).await?;
            Ok(with_ctx(
                c.slot,
                json!({
                    "err": err_json(&sim.err),
                    "logs": sim.logs,
                    "accounts": null,
                    "unitsConsumed": sim.units_consumed,
                    "returnData": return_data_json(&sim.return_data),
                    "innerInstructions": null,
                    "replacementBlockhash": replacement,
                }),
            ))
        }
        "sendTransaction" => {
            let raw = str_at(p, 0, "transaction")?;
            let cfg = config_at(p, 1)?;
            let tx = decode_transaction(raw, &encoding_str(&cfg, "base58")?)?;
            // Unlike a real node, bad signatures are rejected even with skipPreflight (a real
            // leader would drop the transaction silently).
            if !tx.verify_with_results().iter().all(|ok| *ok) {
                return Err(RpcError::new(
                    -32003,
                    "Transaction signature verification failure",
                ));
            }
            let signature = tx.signatures[0];
            let skip_preflight = bool_cfg(&cfg, "skipPreflight");
            let mut c = shared.chain.lock().await;
            if !skip_preflight {
                let sim = c.simulate(tx.clone()).await?;
                if let Some(err) = sim.err {
                    shared.log(|| {
                        let mut line =
                            format!("sendTransaction {signature} preflight FAILED: {err}");
                        for l in &sim.logs {
                            line.push_str("\n    ");
                            line.push_str(l);
                        }
                        line
                    });
                    return Err(preflight_error(
                        &err,
                        sim.logs,
                        sim.units_consumed,
                        &sim.return_data,
                    ));
                }
            }
            match submit(shared, &mut c, tx, "sendTransaction").await? {
                Processed::Landed(_) => Ok(json!(signature.to_string())),
                Processed::Rejected(TransactionError::AlreadyProcessed)
                    if skip_preflight && c.txs.contains_key(&signature) =>
                {
                    Ok(json!(signature.to_string()))
                }
                Processed::Rejected(err) => Err(preflight_error(&err, vec![], 0, &None)),
            }
        }
        "requestAirdrop" => {
            let key = pubkey_at(p, 0)?;
            let lamports = u64_at(p, 1, "lamports")?;
            let mut c = shared.chain.lock().await;
            let tx = {
                let (blockhash, _) = c.latest_blockhash().await?;
                solana_sdk::system_transaction::transfer(&c.faucet, &key, lamports, blockhash)
            };
            match submit(shared, &mut c, tx.into(), "requestAirdrop").await? {
                Processed::Landed(rec) if rec.err.is_none() => Ok(json!(rec.signature.to_string())),
                Processed::Landed(rec) => Err(RpcError::internal(format!(
                    "airdrop failed: {}",
                    rec.err.as_ref().unwrap()
                ))),
                Processed::Rejected(err) => {
                    Err(RpcError::internal(format!("airdrop failed: {err}")))
                }
            }
        }

        // ---- test-only methods (not part of the Solana RPC) ----
        "setAccount" => {
            let key = pubkey_at(p, 0)?;
            let account = parse_account_param(p.get(1))?;
            let mut c = shared.chain.lock().await;
            c.set_account(&key, account)
                .await
                .map_err(RpcError::invalid_params)?;
            shared.log(|| format!("setAccount {key}"));
            let faucet = solana_sdk::signer::Signer::pubkey(&c.faucet);
            pubsub::notify_accounts(shared, &c, &[key, faucet]).await;
            Ok(Value::Null)
        }
        "warpToSlot" => {
            let slot = u64_at(p, 0, "slot")?;
            let mut c = shared.chain.lock().await;
            if slot <= c.slot {
                return Err(RpcError::invalid_params(format!(
                    "warpToSlot: slot {slot} must be greater than the current slot {}",
                    c.slot
                )));
            }
            shared.warp(&mut c, slot).await?;
            shared.log(|| format!("warpToSlot {slot}"));
            Ok(json!(c.slot))
        }
        "setClock" => {
            let cfg = config_at(p, 0)?;
            let ts = cfg
                .get("unixTimestamp")
                .and_then(Value::as_i64)
                .ok_or_else(|| {
                    RpcError::invalid_params(
                        "Invalid params: expected [{unixTimestamp: <i64>, slot?: <u64>}]",
                    )
                })?;
            let slot = match cfg.get("slot") {
                None | Some(Value::Null) => None,
                Some(v) => Some(v.as_u64().ok_or_else(|| {
                    RpcError::invalid_params("Invalid params: slot must be a non-negative integer")
                })?),
            };
            let mut c = shared.chain.lock().await;
            if let Some(slot) = slot {
                if slot < c.slot {
                    return Err(RpcError::invalid_params(format!(
                        "setClock: slot {slot} is before the current slot {}",
                        c.slot
                    )));
                }
                if slot > c.slot {
                    shared.warp(&mut c, slot).await?;
                }
            }
            c.set_clock(ts).await?;
            shared.log(|| format!("setClock unixTimestamp={ts} slot={}", c.slot));
            Ok(clock_json(&c.clock().await?))
        }
        "getClock" => {
            let c = shared.chain.lock().await;
            Ok(clock_json(&c.clock().await?))
        }
        m if pubsub::is_pubsub_method(m) => Err(RpcError::method_not_found(m)),
        m => Err(RpcError::method_not_found(m)),
    }
}

fn clock_json(clock: &solana_sdk::clock::Clock) -> Value {
    json!({
        "slot": clock.slot,
        "epochStartTimestamp": clock.epoch_start_timestamp,
        "epoch": clock.epoch,
        "leaderScheduleEpoch": clock.leader_schedule_epoch,
        "unixTimestamp": clock.unix_timestamp,
    })
}

/// `setAccount`'s account object: `{lamports, data?, owner?, executable?, rentEpoch?}`;
/// `data` is base64, or `[string, "base64" | "base58"]`.
pub fn parse_account_param(v: Option<&Value>) -> Result<Account, RpcError> {
    let bad = |m: &str| RpcError::invalid_params(format!("Invalid params: setAccount: {m}"));
    let o = v
        .and_then(Value::as_object)
        .ok_or_else(|| bad("expected [pubkey, {lamports, data, owner, executable, rentEpoch?}]"))?;
    let lamports = o
        .get("lamports")
        .and_then(Value::as_u64)
        .ok_or_else(|| bad("lamports must be a non-negative integer"))?;
    let data = match o.get("data") {
        None | Some(Value::Null) => vec![],
        Some(Value::String(s)) => BASE64
            .decode(s)
            .map_err(|e| bad(&format!("data is not base64: {e}")))?,
        Some(Value::Array(a)) => {
            let s = a
                .first()
                .and_then(Value::as_str)
                .ok_or_else(|| bad("data must be [string, encoding]"))?;
            match a.get(1).and_then(Value::as_str).unwrap_or("base64") {
                "base64" => BASE64
                    .decode(s)
                    .map_err(|e| bad(&format!("data is not base64: {e}")))?,
                "base58" => bs58::decode(s)
                    .into_vec()
                    .map_err(|e| bad(&format!("data is not base58: {e}")))?,
                other => return Err(bad(&format!("unsupported data encoding `{other}`"))),
            }
        }
        Some(_) => return Err(bad("data must be a base64 string")),
    };
    let owner = match o.get("owner").and_then(Value::as_str) {
        Some(s) => parse_pubkey(s)?,
        None if o.get("owner").is_none_or(Value::is_null) => system_program::id(),
        None => return Err(bad("owner must be a base58 pubkey")),
    };
    let executable = match o.get("executable") {
        None | Some(Value::Null) => false,
        Some(v) => v
            .as_bool()
            .ok_or_else(|| bad("executable must be a boolean"))?,
    };
    let rent_epoch = match o.get("rentEpoch") {
        None | Some(Value::Null) => 0,
        Some(v) => v
            .as_u64()
            .ok_or_else(|| bad("rentEpoch must be a non-negative integer"))?,
    };
    Ok(Account {
        lamports,
        data,
        owner,
        executable,
        rent_epoch,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use solana_sdk::{
        hash::Hash, signature::Keypair, signer::Signer, system_instruction,
        transaction::Transaction,
    };

    #[test]
    fn params_and_errors() {
        assert!(params_array(&Value::Null).unwrap().is_empty());
        assert_eq!(params_array(&json!({"a": 1})).unwrap_err().code, -32602);
        let p = [json!("not a key"), json!(-1)];
        assert_eq!(pubkey_at(&p, 0).unwrap_err().code, -32602);
        assert_eq!(u64_at(&p, 1, "n").unwrap_err().code, -32602);
        assert_eq!(str_at(&p, 5, "x").unwrap_err().code, -32602);
        assert_eq!(config_at(&p, 0).unwrap_err().code, -32602);
        assert!(config_at(&p, 7).unwrap().is_empty());
        let e = RpcError::method_not_found("getBlock");
        assert_eq!(e.code, -32601);
        assert_eq!(
            e.message,
            "Method not found: getBlock is not supported by the portfolio-margin localnet"
        );
        let r = response(json!(3), Err(e));
        assert_eq!(r["id"], 3);
        assert_eq!(r["error"]["code"], -32601);
    }

    #[test]
    fn transactions_decode_in_both_encodings() {
        let payer = Keypair::new();
        let ix = system_instruction::transfer(&payer.pubkey(), &Pubkey::new_unique(), 1);
        let tx = Transaction::new_signed_with_payer(
            &[ix],
            Some(&payer.pubkey()),
            &[&payer],
            Hash::new_unique(),
        );
        let bytes = bincode::serialize(&tx).unwrap();
        let a = decode_transaction(&BASE64.encode(&bytes), "base64").unwrap();
        let b = decode_transaction(&bs58::encode(&bytes).into_string(), "base58").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.signatures[0], tx.signatures[0]);
        assert_eq!(decode_transaction("!!", "base64").unwrap_err().code, -32602);
        assert_eq!(
            decode_transaction(&BASE64.encode([1u8, 2, 3]), "base64")
                .unwrap_err()
                .code,
            -32602
        );
        assert_eq!(decode_transaction("", "hex").unwrap_err().code, -32602);
    }

    #[test]
    fn preflight_error_shape() {
        let err = TransactionError::InstructionError(
            0,
            solana_sdk::instruction::InstructionError::Custom(6000),
        );
        let e = preflight_error(&err, vec!["Program log: x".into()], 42, &None);
        assert_eq!(e.code, -32002);
        assert_eq!(e.message, "Transaction simulation failed: Error processing Instruction 0: custom program error: 0x1770");
        let d = e.data.unwrap();
        assert_eq!(d["err"], json!({"InstructionError": [0, {"Custom": 6000}]}));
        assert_eq!(d["logs"], json!(["Program log: x"]));
        assert_eq!(d["accounts"], Value::Null);
        assert_eq!(d["unitsConsumed"], 42);
        assert_eq!(
            err_json(&Some(TransactionError::BlockhashNotFound)),
            json!("BlockhashNotFound")
        );
    }

    #[test]
    fn set_account_params() {
        let owner = Pubkey::new_unique();
        let a = parse_account_param(Some(&json!({"lamports": 5, "data": BASE64.encode([1u8, 2]), "owner": owner.to_string(), "executable": false}))).unwrap();
        assert_eq!(
            (
                a.lamports,
                a.data.clone(),
                a.owner,
                a.executable,
                a.rent_epoch
            ),
            (5, vec![1, 2], owner, false, 0)
        );
        let a = parse_account_param(Some(&json!({"lamports": 1, "data": [bs58::encode([9u8]).into_string(), "base58"], "rentEpoch": 3}))).unwrap();
        assert_eq!(
            (a.data, a.owner, a.rent_epoch),
            (vec![9], system_program::id(), 3)
        );
        assert!(parse_account_param(Some(&json!({"data": ""}))).is_err());
        assert!(parse_account_param(Some(&json!({"lamports": 1, "data": "%%%"}))).is_err());
        assert!(parse_account_param(Some(&json!({"lamports": 1, "owner": 3}))).is_err());
        assert!(parse_account_param(None).is_err());
    }
}
