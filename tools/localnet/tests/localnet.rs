//! End-to-end test of the node over real HTTP and WebSocket connections (one test binary: each
//! one links the whole solana tree).

use base64::{engine::general_purpose::STANDARD as BASE64, Engine};
use futures_util::{SinkExt, StreamExt};
use localnet::{start, Config};
use serde_json::{json, Value};
use solana_sdk::{
    hash::Hash,
    instruction::{AccountMeta, Instruction},
    message::{v0, VersionedMessage},
    pubkey::Pubkey,
    signature::Keypair,
    signer::Signer,
    system_instruction,
    transaction::{Transaction, VersionedTransaction},
};
use std::{str::FromStr, time::Duration};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};
use tokio_tungstenite::tungstenite::Message;

/// A minimal HTTP/1.1 POST (Connection: close), so the test needs no HTTP client crate.
async fn post(port: u16, body: &Value) -> Value {
    let body = body.to_string();
    let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let req = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut raw = vec![];
    s.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8(raw).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").expect("HTTP response");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    serde_json::from_str(body).unwrap_or_else(|e| panic!("bad JSON {body}: {e}"))
}

async fn call(port: u16, method: &str, params: Value) -> Value {
    post(
        port,
        &json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}),
    )
    .await
}

async fn ok(port: u16, method: &str, params: Value) -> Value {
    let r = call(port, method, params.clone()).await;
    assert!(r.get("error").is_none(), "{method} {params} -> {r}");
    r["result"].clone()
}

async fn blockhash(port: u16) -> Hash {
    let r = ok(
        port,
        "getLatestBlockhash",
        json!([{"commitment": "confirmed"}]),
    )
    .await;
    assert!(r["context"]["slot"].as_u64().is_some());
    assert!(r["value"]["lastValidBlockHeight"].as_u64().is_some());
    Hash::from_str(r["value"]["blockhash"].as_str().unwrap()).unwrap()
}

fn b64_tx(tx: &impl serde::Serialize) -> String {
    BASE64.encode(bincode::serialize(tx).unwrap())
}

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>;

async fn ws_send(ws: &mut Ws, id: u64, method: &str, params: Value) {
    let msg = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).to_string();
    ws.send(Message::Text(msg.into())).await.unwrap();
}

/// Next JSON text frame (with a timeout).
async fn ws_next(ws: &mut Ws) -> Value {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(20), ws.next())
            .await
            .expect("WebSocket message within 20 s")
            .expect("open WebSocket")
            .unwrap();
        if let Message::Text(t) = msg {
            return serde_json::from_str(t.as_str()).unwrap();
        }
    }
}

/// Waits for a notification of `method`, skipping others (slot notifications, ...).
async fn ws_wait(ws: &mut Ws, method: &str) -> Value {
    loop {
        let v = ws_next(ws).await;
        if v["method"] == method {
            return v;
        }
    }
}

async fn subscribe(ws: &mut Ws, id: u64, method: &str, params: Value) -> u64 {
    ws_send(ws, id, method, params).await;
    loop {
        let v = ws_next(ws).await;
        if v["id"] == id {
            return v["result"]
                .as_u64()
                .unwrap_or_else(|| panic!("{method}: {v}"));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_serves_rpc_and_subscriptions() {
    let dir = std::env::temp_dir().join(format!("localnet-test-{}", std::process::id()));
    let wallet_path = dir.join("nested").join("wallet.json");
    let node = start(Config {
        port: 0,
        wallet: Some(wallet_path.clone()),
        quiet: true,
        slot_ms: 400,
    })
    .await
    .unwrap();
    let port = node.rpc_port;
    assert_eq!(node.ws_port, port + 1);
    assert!(wallet_path.exists(), "wallet file written");
    let ready: Value = serde_json::from_str(&node.ready_line()).unwrap();
    assert_eq!(ready["rpc"], format!("http://127.0.0.1:{port}"));
    assert_eq!(ready["ws"], format!("ws://127.0.0.1:{}", port + 1));
    assert_eq!(ready["programId"], portfolio_margin::ID.to_string());
    let wallet = node.wallet.insecure_clone();
    assert_eq!(ready["pubkey"], wallet.pubkey().to_string());

    // --- basics, errors, batches ---
    assert_eq!(ok(port, "getHealth", json!([])).await, "ok");
    assert_eq!(
        ok(port, "getVersion", json!([])).await["solana-core"],
        "2.1.20"
    );
    let r = call(port, "getBlock", json!([1])).await;
    assert_eq!(r["error"]["code"], -32601);
    assert_eq!(
        r["error"]["message"],
        "Method not found: getBlock is not supported by the portfolio-margin localnet"
    );
    assert_eq!(
        call(port, "getBalance", json!(["nope"])).await["error"]["code"],
        -32602
    );
    assert_eq!(
        call(port, "getBalance", json!([])).await["error"]["code"],
        -32602
    );
    let batch = post(port, &json!([
        {"jsonrpc": "2.0", "id": 7, "method": "getSlot"},
        {"jsonrpc": "2.0", "id": 8, "method": "getBalance", "params": [wallet.pubkey().to_string()]},
    ]))
    .await;
    assert_eq!(batch[0]["id"], 7);
    assert_eq!(batch[1]["result"]["value"], 1_000_000u64 * 1_000_000_000);

    // --- slots advance on the timer ---
    let s0 = ok(port, "getSlot", json!([])).await.as_u64().unwrap();
    // Fetched well before use: blockhashes must stay valid for 150 slots, not ~1 s.
    let early = blockhash(port).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let s1 = ok(port, "getSlot", json!([])).await.as_u64().unwrap();
    assert!(s1 > s0, "slot advanced on the timer ({s0} -> {s1})");

    // --- WebSocket on port + 1: subscribe before sending ---
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://127.0.0.1:{}", port + 1))
        .await
        .unwrap();
    let recipient = Pubkey::new_unique();
    assert_eq!(
        ok(port, "isBlockhashValid", json!([early.to_string()])).await["value"],
        true
    );
    let bh = early;
    let transfer = Transaction::new_signed_with_payer(
        &[system_instruction::transfer(
            &wallet.pubkey(),
            &recipient,
            1_000_000,
        )],
        Some(&wallet.pubkey()),
        &[&wallet],
        bh,
    );
    let sig = transfer.signatures[0];
    let sig_sub = subscribe(
        &mut ws,
        1,
        "signatureSubscribe",
        json!([sig.to_string(), {"commitment": "confirmed"}]),
    )
    .await;
    let logs_sub = subscribe(
        &mut ws,
        2,
        "logsSubscribe",
        json!([{"mentions": [recipient.to_string()]}, {"commitment": "confirmed"}]),
    )
    .await;
    let acct_sub = subscribe(
        &mut ws,
        3,
        "accountSubscribe",
        json!([recipient.to_string(), {"encoding": "base64"}]),
    )
    .await;
    // web3.js keepalive: a JSON-RPC notification that gets no answer.
    ws.send(Message::Text(
        json!({"jsonrpc": "2.0", "method": "ping", "params": null})
            .to_string()
            .into(),
    ))
    .await
    .unwrap();

    let sent = ok(
        port,
        "sendTransaction",
        json!([b64_tx(&transfer), {"encoding": "base64", "preflightCommitment": "confirmed"}]),
    )
    .await;
    assert_eq!(sent, sig.to_string());
    let mut got = std::collections::HashSet::new();
    while got.len() < 3 {
        let n = ws_next(&mut ws).await;
        match n["method"].as_str() {
            Some("signatureNotification") => {
                assert_eq!(n["params"]["subscription"], sig_sub);
                assert_eq!(n["params"]["result"]["value"]["err"], Value::Null);
                got.insert("sig");
            }
            Some("logsNotification") => {
                assert_eq!(n["params"]["subscription"], logs_sub);
                assert_eq!(n["params"]["result"]["value"]["signature"], sig.to_string());
                assert!(n["params"]["result"]["value"]["logs"][0]
                    .as_str()
                    .unwrap()
                    .starts_with("Program 11111111111111111111111111111111 invoke"));
                got.insert("logs");
            }
            Some("accountNotification") => {
                assert_eq!(n["params"]["subscription"], acct_sub);
                assert_eq!(n["params"]["result"]["value"]["lamports"], 1_000_000);
                got.insert("account");
            }
            _ => {}
        }
    }

    // statuses, transaction, history
    let st = ok(
        port,
        "getSignatureStatuses",
        json!([[
            sig.to_string(),
            Keypair::new().sign_message(b"x").to_string()
        ]]),
    )
    .await;
    assert_eq!(st["value"][0]["confirmationStatus"], "finalized");
    assert_eq!(st["value"][0]["err"], Value::Null);
    assert_eq!(st["value"][1], Value::Null);
    let tx = ok(
        port,
        "getTransaction",
        json!([sig.to_string(), {"encoding": "json", "commitment": "confirmed"}]),
    )
    .await;
    assert_eq!(tx["meta"]["err"], Value::Null);
    assert_eq!(tx["meta"]["fee"], 5000);
    assert_eq!(tx["meta"]["postBalances"][1], 1_000_000);
    assert_eq!(
        tx["meta"]["preBalances"][0].as_u64().unwrap()
            - tx["meta"]["postBalances"][0].as_u64().unwrap(),
        1_005_000
    );
    assert_eq!(tx["transaction"]["signatures"][0], sig.to_string());
    assert!(tx.get("version").is_none());
    assert!(tx["blockTime"].as_i64().unwrap() > 1_600_000_000);
    let tx64 = ok(
        port,
        "getTransaction",
        json!([sig.to_string(), {"encoding": "base64", "maxSupportedTransactionVersion": 0}]),
    )
    .await;
    assert_eq!(tx64["version"], "legacy");
    assert_eq!(tx64["transaction"][0], b64_tx(&transfer));
    let parsed = ok(
        port,
        "getTransaction",
        json!([sig.to_string(), "jsonParsed"]),
    )
    .await;
    assert_eq!(
        parsed["transaction"]["message"]["accountKeys"][0]["signer"],
        true
    );
    assert_eq!(
        parsed["transaction"]["message"]["instructions"][0]["programId"],
        "11111111111111111111111111111111"
    );
    let hist = ok(
        port,
        "getSignaturesForAddress",
        json!([recipient.to_string()]),
    )
    .await;
    assert_eq!(hist[0]["signature"], sig.to_string());

    // the same transfer again (same amount) lands once the slot timer moved the blockhash on
    let mut bh2 = blockhash(port).await;
    for _ in 0..40 {
        if bh2 != bh {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        bh2 = blockhash(port).await;
    }
    assert_ne!(bh, bh2, "a new blockhash within 2 s of 400 ms slots");
    let again = Transaction::new_signed_with_payer(
        &[system_instruction::transfer(
            &wallet.pubkey(),
            &recipient,
            1_000_000,
        )],
        Some(&wallet.pubkey()),
        &[&wallet],
        bh2,
    );
    ok(
        port,
        "sendTransaction",
        json!([bs58::encode(bincode::serialize(&again).unwrap()).into_string()]),
    )
    .await;
    assert_eq!(
        ok(port, "getBalance", json!([recipient.to_string()])).await["value"],
        2_000_000
    );
    assert_eq!(
        ok(port, "isBlockhashValid", json!([bh2.to_string()])).await["value"],
        true
    );
    assert_eq!(
        ok(
            port,
            "isBlockhashValid",
            json!([Hash::new_unique().to_string()])
        )
        .await["value"],
        false
    );

    // v0 transaction without lookup tables
    let bh3 = blockhash(port).await;
    let msg = v0::Message::try_compile(
        &wallet.pubkey(),
        &[system_instruction::transfer(
            &wallet.pubkey(),
            &recipient,
            5,
        )],
        &[],
        bh3,
    )
    .unwrap();
    let vtx = VersionedTransaction::try_new(VersionedMessage::V0(msg), &[&wallet]).unwrap();
    ok(
        port,
        "sendTransaction",
        json!([b64_tx(&vtx), {"encoding": "base64", "skipPreflight": true}]),
    )
    .await;
    assert_eq!(
        call(
            port,
            "getTransaction",
            json!([vtx.signatures[0].to_string()])
        )
        .await["error"]["code"],
        -32015
    );
    let v = ok(
        port,
        "getTransaction",
        json!([vtx.signatures[0].to_string(), {"maxSupportedTransactionVersion": 0}]),
    )
    .await;
    assert_eq!(v["version"], 0);

    // preflight failure: the real RPC's -32002 shape, with logs
    let bh4 = blockhash(port).await;
    let too_much = Transaction::new_signed_with_payer(
        &[system_instruction::transfer(
            &wallet.pubkey(),
            &recipient,
            u64::MAX / 2,
        )],
        Some(&wallet.pubkey()),
        &[&wallet],
        bh4,
    );
    let r = call(
        port,
        "sendTransaction",
        json!([b64_tx(&too_much), {"encoding": "base64"}]),
    )
    .await;
    assert_eq!(r["error"]["code"], -32002, "{r}");
    assert!(r["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("Transaction simulation failed"));
    assert_eq!(
        r["error"]["data"]["err"],
        json!({"InstructionError": [0, {"Custom": 1}]})
    );
    assert!(!r["error"]["data"]["logs"].as_array().unwrap().is_empty());
    // a bad signature
    let mut forged = again.clone();
    let mut sig_bytes: [u8; 64] = forged.signatures[0].into();
    sig_bytes[0] ^= 1;
    forged.signatures[0] = sig_bytes.into();
    assert_eq!(
        call(
            port,
            "sendTransaction",
            json!([b64_tx(&forged), {"encoding": "base64"}])
        )
        .await["error"]["code"],
        -32003
    );

    // the program runs natively: unknown instruction -> Anchor's InstructionFallbackNotFound (101)
    let ix = Instruction::new_with_bytes(
        portfolio_margin::ID,
        &[0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0],
        vec![AccountMeta::new(wallet.pubkey(), true)],
    );
    let sim_tx = Transaction::new_signed_with_payer(
        &[ix],
        Some(&wallet.pubkey()),
        &[&wallet],
        blockhash(port).await,
    );
    let sim = ok(
        port,
        "simulateTransaction",
        json!([b64_tx(&sim_tx), {"encoding": "base64", "sigVerify": true}]),
    )
    .await;
    assert_eq!(
        sim["value"]["err"],
        json!({"InstructionError": [0, {"Custom": 101}]}),
        "{sim}"
    );
    let logs: Vec<String> = serde_json::from_value(sim["value"]["logs"].clone()).unwrap();
    assert_eq!(
        logs[0],
        format!("Program {} invoke [1]", portfolio_margin::ID)
    );
    assert!(
        logs.iter()
            .any(|l| l.contains("InstructionFallbackNotFound")),
        "{logs:?}"
    );
    let replaced = ok(
        port,
        "simulateTransaction",
        json!([b64_tx(&sim_tx), {"encoding": "base64", "replaceRecentBlockhash": true}]),
    )
    .await;
    assert!(replaced["value"]["replacementBlockhash"]["blockhash"].is_string());

    // --- setAccount + getProgramAccounts filters + encodings ---
    let owner = portfolio_margin::ID;
    let mut data = vec![0u8; 64];
    data[8..40].copy_from_slice(wallet.pubkey().as_ref());
    let (a, b) = (Pubkey::new_unique(), Pubkey::new_unique());
    for (key, d) in [(a, data.clone()), (b, vec![7u8; 64])] {
        let r = ok(port, "setAccount", json!([key.to_string(), {"lamports": 1_000_000, "data": BASE64.encode(&d), "owner": owner.to_string(), "executable": false}])).await;
        assert_eq!(r, Value::Null);
    }
    let found = ok(
        port,
        "getProgramAccounts",
        json!([owner.to_string(), {"encoding": "base64", "filters": [
            {"dataSize": 64},
            {"memcmp": {"offset": 8, "bytes": wallet.pubkey().to_string()}},
        ]}]),
    )
    .await;
    assert_eq!(found.as_array().unwrap().len(), 1, "{found}");
    assert_eq!(found[0]["pubkey"], a.to_string());
    assert_eq!(found[0]["account"]["data"][0], BASE64.encode(&data));
    let both = ok(port, "getProgramAccounts", json!([owner.to_string(), {"encoding": "base64", "withContext": true, "dataSlice": {"offset": 0, "length": 2}, "filters": [{"dataSize": 64}]}])).await;
    assert_eq!(both["value"].as_array().unwrap().len(), 2);
    assert_eq!(
        both["value"][0]["account"]["data"][0]
            .as_str()
            .unwrap()
            .len(),
        4
    );
    let b64 = ok(port, "getProgramAccounts", json!([owner.to_string(), {"encoding": "base64", "filters": [{"memcmp": {"offset": 0, "bytes": BASE64.encode([7u8, 7]), "encoding": "base64"}}]}])).await;
    assert_eq!(b64[0]["pubkey"], b.to_string());
    let info = ok(
        port,
        "getAccountInfo",
        json!([a.to_string(), {"encoding": "base58", "dataSlice": {"offset": 8, "length": 32}}]),
    )
    .await;
    assert_eq!(info["value"]["data"][0], wallet.pubkey().to_string());
    assert_eq!(info["value"]["owner"], owner.to_string());
    assert_eq!(
        ok(
            port,
            "getAccountInfo",
            json!([Pubkey::new_unique().to_string()])
        )
        .await["value"],
        Value::Null
    );
    let multi = ok(
        port,
        "getMultipleAccounts",
        json!([[a.to_string(), Pubkey::new_unique().to_string()]]),
    )
    .await;
    assert_eq!(multi["value"][0]["data"][1], "base64");
    assert_eq!(multi["value"][1], Value::Null);

    // --- SPL token accounts set by hand ---
    let token_program = Pubkey::from_str("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA").unwrap();
    let (mint, token_acc) = (Pubkey::new_unique(), Pubkey::new_unique());
    let mut m = vec![0u8; 82];
    m[36..44].copy_from_slice(&5_000_000u64.to_le_bytes());
    m[44] = 6;
    m[45] = 1;
    let mut t = vec![0u8; 165];
    t[0..32].copy_from_slice(mint.as_ref());
    t[32..64].copy_from_slice(wallet.pubkey().as_ref());
    t[64..72].copy_from_slice(&2_500_000u64.to_le_bytes());
    t[108] = 1;
    for (k, d) in [(mint, m), (token_acc, t)] {
        ok(port, "setAccount", json!([k.to_string(), {"lamports": 10_000_000, "data": BASE64.encode(d), "owner": token_program.to_string()}])).await;
    }
    let bal = ok(
        port,
        "getTokenAccountBalance",
        json!([token_acc.to_string()]),
    )
    .await;
    assert_eq!(
        bal["value"],
        json!({"amount": "2500000", "decimals": 6, "uiAmount": 2.5, "uiAmountString": "2.5"})
    );
    let by_owner = ok(port, "getTokenAccountsByOwner", json!([wallet.pubkey().to_string(), {"mint": mint.to_string()}, {"encoding": "jsonParsed"}])).await;
    assert_eq!(by_owner["value"][0]["pubkey"], token_acc.to_string());
    assert_eq!(
        by_owner["value"][0]["account"]["data"]["parsed"]["info"]["tokenAmount"]["amount"],
        "2500000"
    );
    assert_eq!(
        call(port, "getTokenAccountBalance", json!([a.to_string()])).await["error"]["code"],
        -32602
    );

    // --- airdrop ---
    let lucky = Pubkey::new_unique();
    let air = ok(
        port,
        "requestAirdrop",
        json!([lucky.to_string(), 3_000_000_000u64]),
    )
    .await;
    let st = ok(port, "getSignatureStatuses", json!([[air]])).await;
    assert_eq!(st["value"][0]["err"], Value::Null);
    assert_eq!(
        ok(port, "getBalance", json!([lucky.to_string()])).await["value"],
        3_000_000_000u64
    );

    // --- clock and slots ---
    let clock = ok(port, "setClock", json!([{"unixTimestamp": 1_900_000_000}])).await;
    assert_eq!(clock["unixTimestamp"], 1_900_000_000);
    let slot = ok(port, "getSlot", json!([])).await.as_u64().unwrap();
    let warped = ok(port, "warpToSlot", json!([slot + 1000]))
        .await
        .as_u64()
        .unwrap();
    assert!(warped >= slot + 1000);
    let clock = ok(port, "getClock", json!([])).await;
    assert!(clock["slot"].as_u64().unwrap() >= slot + 1000);
    let ts = clock["unixTimestamp"].as_i64().unwrap();
    assert!((1_900_000_000..1_900_000_060).contains(&ts), "{clock}");
    assert_eq!(
        call(port, "warpToSlot", json!([1])).await["error"]["code"],
        -32602
    );
    let epoch = ok(port, "getEpochInfo", json!([])).await;
    assert!(epoch["absoluteSlot"].as_u64().unwrap() >= slot + 1000);
    assert!(ok(port, "getBlockTime", json!([slot]))
        .await
        .as_i64()
        .is_some());

    // --- WebSocket on the HTTP port too; slot subscription; unsubscribe ---
    let (mut ws2, _) = tokio_tungstenite::connect_async(format!("ws://127.0.0.1:{port}"))
        .await
        .unwrap();
    let slot_sub = subscribe(&mut ws2, 1, "slotSubscribe", json!([])).await;
    let n = ws_wait(&mut ws2, "slotNotification").await;
    assert_eq!(n["params"]["subscription"], slot_sub);
    assert!(n["params"]["result"]["slot"].as_u64().unwrap() > slot);
    ws_send(&mut ws2, 2, "slotUnsubscribe", json!([slot_sub])).await;
    loop {
        let v = ws_next(&mut ws2).await;
        if v["id"] == 2 {
            assert_eq!(v["result"], true);
            break;
        }
    }
    // signatureSubscribe for a signature that already landed: notified at once
    let landed = subscribe(&mut ws2, 3, "signatureSubscribe", json!([sig.to_string()])).await;
    let n = ws_wait(&mut ws2, "signatureNotification").await;
    assert_eq!(n["params"]["subscription"], landed);
    ws_send(&mut ws2, 4, "accountUnsubscribe", json!([12345])).await;
    loop {
        let v = ws_next(&mut ws2).await;
        if v["id"] == 4 {
            assert_eq!(v["error"]["code"], -32602);
            break;
        }
    }

    node.shutdown();
    let _ = std::fs::remove_dir_all(&dir);
}
