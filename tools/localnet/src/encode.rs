//! Pure helpers: account data encodings, `getProgramAccounts` filters, SPL Token layouts and
//! the JSON shapes of transactions. No I/O here, so everything is unit-tested.

use crate::rpc::RpcError;
use base64::{engine::general_purpose::STANDARD as BASE64, Engine};
use serde_json::{json, Map, Value};
use solana_sdk::{
    account::Account,
    message::{MessageHeader, VersionedMessage},
    pubkey,
    pubkey::Pubkey,
    transaction::VersionedTransaction,
};

pub const TOKEN_PROGRAM_ID: Pubkey = pubkey!("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");
pub const TOKEN_2022_PROGRAM_ID: Pubkey = pubkey!("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb");

/// Largest account data (after `dataSlice`) the RPC encodes in base58.
pub const MAX_BASE58_BYTES: usize = 128;

/// `encoding` of account data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountEncoding {
    /// The legacy default (`"binary"` or absent): a bare base58 string.
    Binary,
    Base58,
    Base64,
    /// Parsed for SPL Token accounts and mints, base64 otherwise.
    JsonParsed,
}

impl AccountEncoding {
    /// Parses an `encoding` config value; `default` applies when it is absent.
    pub fn parse(config: &Map<String, Value>, default: AccountEncoding) -> Result<Self, RpcError> {
        match config.get("encoding") {
            None | Some(Value::Null) => Ok(default),
            Some(Value::String(s)) => match s.as_str() {
                "binary" => Ok(Self::Binary),
                "base58" => Ok(Self::Base58),
                "base64" => Ok(Self::Base64),
                "jsonParsed" => Ok(Self::JsonParsed),
                "base64+zstd" => Err(RpcError::invalid_params(
                    "base64+zstd encoding is not supported by the portfolio-margin localnet; use base64",
                )),
                other => Err(RpcError::invalid_params(format!(
                    "Invalid params: unknown variant `{other}`, expected one of `binary`, `base64`, `base58`, `base64+zstd`, `jsonParsed`"
                ))),
            },
            Some(_) => Err(RpcError::invalid_params("Invalid params: encoding must be a string")),
        }
    }
}

/// `dataSlice: {offset, length}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DataSlice {
    pub offset: usize,
    pub length: usize,
}

impl DataSlice {
    pub fn parse(config: &Map<String, Value>) -> Result<Option<Self>, RpcError> {
        match config.get("dataSlice") {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(o)) => {
                let field = |name: &str| {
                    o.get(name).and_then(Value::as_u64).ok_or_else(|| {
                        RpcError::invalid_params(format!(
                            "Invalid params: dataSlice.{name} must be a non-negative integer"
                        ))
                    })
                };
                Ok(Some(DataSlice {
                    offset: field("offset")? as usize,
                    length: field("length")? as usize,
                }))
            }
            Some(_) => Err(RpcError::invalid_params(
                "Invalid params: dataSlice must be an object",
            )),
        }
    }

    pub fn apply<'a>(slice: Option<Self>, data: &'a [u8]) -> &'a [u8] {
        match slice {
            None => data,
            Some(s) => {
                let start = s.offset.min(data.len());
                let end = s.offset.saturating_add(s.length).min(data.len());
                &data[start..end]
            }
        }
    }
}

/// The `data` field of an account in a non-parsed encoding.
pub fn encode_data(data: &[u8], encoding: AccountEncoding) -> Result<Value, RpcError> {
    match encoding {
        AccountEncoding::Binary | AccountEncoding::Base58 => {
            if data.len() > MAX_BASE58_BYTES {
                return Err(RpcError::new(
                    -32600,
                    format!(
                        "Encoded binary (base 58) data should be less than {MAX_BASE58_BYTES} bytes, please use Base64 encoding."
                    ),
                ));
            }
            let s = bs58::encode(data).into_string();
            Ok(if encoding == AccountEncoding::Binary {
                Value::String(s)
            } else {
                json!([s, "base58"])
            })
        }
        AccountEncoding::Base64 | AccountEncoding::JsonParsed => {
            Ok(json!([BASE64.encode(data), "base64"]))
        }
    }
}

/// An account in the RPC's `UiAccount` shape. `parsed` is the jsonParsed `data` when the caller
/// could parse it (only used with [`AccountEncoding::JsonParsed`]).
pub fn ui_account(
    account: &Account,
    encoding: AccountEncoding,
    slice: Option<DataSlice>,
    parsed: Option<Value>,
) -> Result<Value, RpcError> {
    let data = match (encoding, parsed) {
        (AccountEncoding::JsonParsed, Some(p)) => p,
        _ => encode_data(DataSlice::apply(slice, &account.data), encoding)?,
    };
    Ok(json!({
        "lamports": account.lamports,
        "owner": account.owner.to_string(),
        "data": data,
        "executable": account.executable,
        "rentEpoch": account.rent_epoch,
        "space": account.data.len(),
    }))
}

/// A `getProgramAccounts` / `programSubscribe` filter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Filter {
    DataSize(u64),
    Memcmp {
        offset: usize,
        bytes: Vec<u8>,
    },
    /// `tokenAccountState`: an initialized SPL Token account.
    TokenAccountState,
}

impl Filter {
    pub fn parse_list(value: Option<&Value>) -> Result<Vec<Filter>, RpcError> {
        let list = match value {
            None | Some(Value::Null) => return Ok(vec![]),
            Some(Value::Array(a)) => a,
            Some(_) => {
                return Err(RpcError::invalid_params(
                    "Invalid params: filters must be an array",
                ))
            }
        };
        if list.len() > 4 {
            return Err(RpcError::invalid_params("Too many filters provided; max 4"));
        }
        list.iter().map(Filter::parse).collect()
    }

    pub fn parse(value: &Value) -> Result<Filter, RpcError> {
        let bad = |m: &str| RpcError::invalid_params(format!("Invalid params: {m}"));
        if let Some(size) = value.get("dataSize") {
            return size
                .as_u64()
                .map(Filter::DataSize)
                .ok_or_else(|| bad("dataSize must be a non-negative integer"));
        }
        if let Some(m) = value.get("memcmp") {
            let offset = m
                .get("offset")
                .and_then(Value::as_u64)
                .ok_or_else(|| bad("memcmp.offset must be a non-negative integer"))?
                as usize;
            let bytes = m
                .get("bytes")
                .and_then(Value::as_str)
                .ok_or_else(|| bad("memcmp.bytes must be a string"))?;
            let encoding = m
                .get("encoding")
                .and_then(Value::as_str)
                .unwrap_or("base58");
            let bytes = match encoding {
                "base58" => {
                    if bytes.len() > MAX_BASE58_BYTES {
                        return Err(bad("base58 encoded bytes longer than 128"));
                    }
                    bs58::decode(bytes)
                        .into_vec()
                        .map_err(|e| bad(&format!("memcmp.bytes is not base58: {e}")))?
                }
                "base64" => BASE64
                    .decode(bytes)
                    .map_err(|e| bad(&format!("memcmp.bytes is not base64: {e}")))?,
                other => return Err(bad(&format!("unsupported memcmp encoding `{other}`"))),
            };
            return Ok(Filter::Memcmp { offset, bytes });
        }
        if value.get("tokenAccountState").is_some() {
            return Ok(Filter::TokenAccountState);
        }
        Err(bad(&format!("unsupported filter {value}")))
    }

    pub fn matches(&self, data: &[u8]) -> bool {
        match self {
            Filter::DataSize(n) => data.len() as u64 == *n,
            Filter::Memcmp { offset, bytes } => data
                .get(*offset..offset.saturating_add(bytes.len()))
                .is_some_and(|window| window == bytes.as_slice()),
            Filter::TokenAccountState => parse_token_account(data).is_some_and(|a| a.state != 0),
        }
    }
}

pub fn matches_all(filters: &[Filter], data: &[u8]) -> bool {
    filters.iter().all(|f| f.matches(data))
}

pub fn is_token_program(owner: &Pubkey) -> bool {
    *owner == TOKEN_PROGRAM_ID || *owner == TOKEN_2022_PROGRAM_ID
}

fn read_pubkey(data: &[u8], at: usize) -> Pubkey {
    Pubkey::new_from_array(data[at..at + 32].try_into().unwrap())
}

fn read_u64(data: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(data[at..at + 8].try_into().unwrap())
}

fn read_coption_pubkey(data: &[u8], at: usize) -> Option<Pubkey> {
    (u32::from_le_bytes(data[at..at + 4].try_into().unwrap()) == 1)
        .then(|| read_pubkey(data, at + 4))
}

/// The base (165-byte) part of an SPL Token / Token-2022 account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenAccount {
    pub mint: Pubkey,
    pub owner: Pubkey,
    pub amount: u64,
    pub delegate: Option<Pubkey>,
    /// 0 uninitialized, 1 initialized, 2 frozen.
    pub state: u8,
    pub is_native: Option<u64>,
    pub delegated_amount: u64,
    pub close_authority: Option<Pubkey>,
}

const TOKEN_ACCOUNT_LEN: usize = 165;
const MINT_LEN: usize = 82;
/// Token-2022 writes the account type after the 165-byte base: 1 mint, 2 account.
const ACCOUNT_TYPE_MINT: u8 = 1;
const ACCOUNT_TYPE_ACCOUNT: u8 = 2;

/// Parses token account data (Token or Token-2022 with extensions). Does not check the owner.
pub fn parse_token_account(data: &[u8]) -> Option<TokenAccount> {
    let is_account = data.len() == TOKEN_ACCOUNT_LEN
        || (data.len() > TOKEN_ACCOUNT_LEN && data[TOKEN_ACCOUNT_LEN] == ACCOUNT_TYPE_ACCOUNT);
    if !is_account {
        return None;
    }
    let state = data[108];
    if state > 2 {
        return None;
    }
    Some(TokenAccount {
        mint: read_pubkey(data, 0),
        owner: read_pubkey(data, 32),
        amount: read_u64(data, 64),
        delegate: read_coption_pubkey(data, 72),
        state,
        is_native: (u32::from_le_bytes(data[109..113].try_into().unwrap()) == 1)
            .then(|| read_u64(data, 113)),
        delegated_amount: read_u64(data, 121),
        close_authority: read_coption_pubkey(data, 129),
    })
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mint {
    pub mint_authority: Option<Pubkey>,
    pub supply: u64,
    pub decimals: u8,
    pub is_initialized: bool,
    pub freeze_authority: Option<Pubkey>,
}

/// Parses mint data (Token, or Token-2022 with extensions).
pub fn parse_mint(data: &[u8]) -> Option<Mint> {
    let is_mint = data.len() == MINT_LEN
        || (data.len() > TOKEN_ACCOUNT_LEN && data[TOKEN_ACCOUNT_LEN] == ACCOUNT_TYPE_MINT);
    if !is_mint {
        return None;
    }
    Some(Mint {
        mint_authority: read_coption_pubkey(data, 0),
        supply: read_u64(data, 36),
        decimals: data[44],
        is_initialized: data[45] != 0,
        freeze_authority: read_coption_pubkey(data, 46),
    })
}

/// `amount / 10^decimals` written exactly, trailing zeros trimmed (the RPC's `uiAmountString`).
pub fn ui_amount_string(amount: u64, decimals: u8) -> String {
    let digits = amount.to_string();
    let decimals = decimals as usize;
    if decimals == 0 {
        return digits;
    }
    let padded = format!("{digits:0>width$}", width = decimals + 1);
    let (int, frac) = padded.split_at(padded.len() - decimals);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        int.to_string()
    } else {
        format!("{int}.{frac}")
    }
}

/// The RPC's `UiTokenAmount`.
pub fn token_amount_json(amount: u64, decimals: u8) -> Value {
    json!({
        "amount": amount.to_string(),
        "decimals": decimals,
        "uiAmount": amount as f64 / 10f64.powi(decimals as i32),
        "uiAmountString": ui_amount_string(amount, decimals),
    })
}

fn opt_key(k: &Option<Pubkey>) -> Value {
    k.map(|k| Value::String(k.to_string()))
        .unwrap_or(Value::Null)
}

fn token_program_name(owner: &Pubkey) -> &'static str {
    if *owner == TOKEN_2022_PROGRAM_ID {
        "spl-token-2022"
    } else {
        "spl-token"
    }
}

/// jsonParsed `data` of a mint.
pub fn parsed_mint_json(owner: &Pubkey, data: &[u8], mint: &Mint) -> Value {
    json!({
        "program": token_program_name(owner),
        "parsed": {
            "type": "mint",
            "info": {
                "mintAuthority": opt_key(&mint.mint_authority),
                "supply": mint.supply.to_string(),
                "decimals": mint.decimals,
                "isInitialized": mint.is_initialized,
                "freezeAuthority": opt_key(&mint.freeze_authority),
            }
        },
        "space": data.len(),
    })
}

/// jsonParsed `data` of a token account (`decimals` from its mint).
pub fn parsed_token_account_json(
    owner: &Pubkey,
    data: &[u8],
    acc: &TokenAccount,
    decimals: u8,
) -> Value {
    let mut info = json!({
        "isNative": acc.is_native.is_some(),
        "mint": acc.mint.to_string(),
        "owner": acc.owner.to_string(),
        "state": match acc.state { 0 => "uninitialized", 1 => "initialized", _ => "frozen" },
        "tokenAmount": token_amount_json(acc.amount, decimals),
    });
    let obj = info.as_object_mut().unwrap();
    if let Some(d) = acc.delegate {
        obj.insert("delegate".into(), json!(d.to_string()));
        obj.insert(
            "delegatedAmount".into(),
            token_amount_json(acc.delegated_amount, decimals),
        );
    }
    if let Some(c) = acc.close_authority {
        obj.insert("closeAuthority".into(), json!(c.to_string()));
    }
    if let Some(reserve) = acc.is_native {
        obj.insert(
            "rentExemptReserve".into(),
            token_amount_json(reserve, decimals),
        );
    }
    json!({
        "program": token_program_name(owner),
        "parsed": { "type": "account", "info": info },
        "space": data.len(),
    })
}

/// Whether static account `index` of a message with `header` and `n` static keys is writable.
pub fn is_static_writable(header: &MessageHeader, index: usize, n: usize) -> bool {
    let signers = header.num_required_signatures as usize;
    if index < signers {
        index < signers - header.num_readonly_signed_accounts as usize
    } else {
        index < n.saturating_sub(header.num_readonly_unsigned_accounts as usize)
    }
}

/// Transaction `version` as the RPC writes it.
pub fn version_json(tx: &VersionedTransaction) -> Value {
    match &tx.message {
        VersionedMessage::Legacy(_) => json!("legacy"),
        VersionedMessage::V0(_) => json!(0),
    }
}

fn lookups_json(message: &VersionedMessage) -> Option<Value> {
    message.address_table_lookups().map(|lookups| {
        Value::Array(
            lookups
                .iter()
                .map(|l| {
                    json!({
                        "accountKey": l.account_key.to_string(),
                        "writableIndexes": l.writable_indexes,
                        "readonlyIndexes": l.readonly_indexes,
                    })
                })
                .collect(),
        )
    })
}

/// `transaction` in `json` encoding (`UiRawMessage`).
pub fn transaction_json(tx: &VersionedTransaction) -> Value {
    let m = &tx.message;
    let header = m.header();
    let message = json!({
        "header": {
            "numRequiredSignatures": header.num_required_signatures,
            "numReadonlySignedAccounts": header.num_readonly_signed_accounts,
            "numReadonlyUnsignedAccounts": header.num_readonly_unsigned_accounts,
        },
        "accountKeys": m.static_account_keys().iter().map(|k| k.to_string()).collect::<Vec<_>>(),
        "recentBlockhash": m.recent_blockhash().to_string(),
        "instructions": m.instructions().iter().map(|ix| json!({
            "programIdIndex": ix.program_id_index,
            "accounts": ix.accounts,
            "data": bs58::encode(&ix.data).into_string(),
            "stackHeight": null,
        })).collect::<Vec<_>>(),
    });
    with_signatures(tx, message)
}

/// The `{signatures, message}` object, with the message's lookup tables when it has any.
fn with_signatures(tx: &VersionedTransaction, mut message: Value) -> Value {
    if let Some(l) = lookups_json(&tx.message) {
        message["addressTableLookups"] = l;
    }
    json!({
        "signatures": tx.signatures.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        "message": message,
    })
}

/// `transaction` in `jsonParsed` encoding: account keys annotated, instructions left
/// partially decoded (`programId`, `accounts`, `data`), which clients accept for any program.
pub fn transaction_json_parsed(
    tx: &VersionedTransaction,
    loaded_writable: &[Pubkey],
    loaded_readonly: &[Pubkey],
) -> Value {
    let m = &tx.message;
    let header = m.header();
    let statics = m.static_account_keys();
    let mut all: Vec<Pubkey> = statics.to_vec();
    all.extend_from_slice(loaded_writable);
    all.extend_from_slice(loaded_readonly);
    let mut keys: Vec<Value> = statics
        .iter()
        .enumerate()
        .map(|(i, k)| {
            json!({
                "pubkey": k.to_string(),
                "writable": is_static_writable(header, i, statics.len()),
                "signer": i < header.num_required_signatures as usize,
                "source": "transaction",
            })
        })
        .collect();
    for (k, writable) in loaded_writable
        .iter()
        .map(|k| (k, true))
        .chain(loaded_readonly.iter().map(|k| (k, false)))
    {
        keys.push(json!({"pubkey": k.to_string(), "writable": writable, "signer": false, "source": "lookupTable"}));
    }
    let key = |i: u8| {
        all.get(i as usize)
            .map(|k| k.to_string())
            .unwrap_or_default()
    };
    let message = json!({
        "accountKeys": keys,
        "recentBlockhash": m.recent_blockhash().to_string(),
        "instructions": m.instructions().iter().map(|ix| json!({
            "programId": key(ix.program_id_index),
            "accounts": ix.accounts.iter().map(|a| key(*a)).collect::<Vec<_>>(),
            "data": bs58::encode(&ix.data).into_string(),
            "stackHeight": null,
        })).collect::<Vec<_>>(),
    });
    with_signatures(tx, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use solana_sdk::{
        hash::Hash,
        message::{v0, Message},
        signature::Keypair,
        signer::Signer,
        system_instruction,
        transaction::Transaction,
    };

    fn cfg(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn encodings_parse_with_defaults_and_errors() {
        assert_eq!(
            AccountEncoding::parse(&cfg(json!({})), AccountEncoding::Binary).unwrap(),
            AccountEncoding::Binary
        );
        assert_eq!(
            AccountEncoding::parse(&cfg(json!({})), AccountEncoding::Base64).unwrap(),
            AccountEncoding::Base64
        );
        assert_eq!(
            AccountEncoding::parse(
                &cfg(json!({"encoding": "jsonParsed"})),
                AccountEncoding::Binary
            )
            .unwrap(),
            AccountEncoding::JsonParsed
        );
        assert_eq!(
            AccountEncoding::parse(
                &cfg(json!({"encoding": "base64+zstd"})),
                AccountEncoding::Binary
            )
            .unwrap_err()
            .code,
            -32602
        );
        assert_eq!(
            AccountEncoding::parse(&cfg(json!({"encoding": "hex"})), AccountEncoding::Binary)
                .unwrap_err()
                .code,
            -32602
        );
    }

    #[test]
    fn data_encodings_and_slices() {
        let data: Vec<u8> = (0u8..10).collect();
        assert_eq!(
            encode_data(&data, AccountEncoding::Base64).unwrap(),
            json!([BASE64.encode(&data), "base64"])
        );
        assert_eq!(
            encode_data(&data, AccountEncoding::Base58).unwrap(),
            json!([bs58::encode(&data).into_string(), "base58"])
        );
        assert_eq!(
            encode_data(&data, AccountEncoding::Binary).unwrap(),
            json!(bs58::encode(&data).into_string())
        );
        assert_eq!(
            encode_data(&[0u8; 129], AccountEncoding::Base58)
                .unwrap_err()
                .code,
            -32600
        );
        assert!(encode_data(&[0u8; 129], AccountEncoding::Base64).is_ok());

        let slice =
            DataSlice::parse(&cfg(json!({"dataSlice": {"offset": 2, "length": 3}}))).unwrap();
        assert_eq!(DataSlice::apply(slice, &data), &[2, 3, 4]);
        let past_end = Some(DataSlice {
            offset: 8,
            length: 10,
        });
        assert_eq!(DataSlice::apply(past_end, &data), &[8, 9]);
        let beyond = Some(DataSlice {
            offset: 20,
            length: 1,
        });
        assert!(DataSlice::apply(beyond, &data).is_empty());
        assert!(DataSlice::parse(&cfg(json!({"dataSlice": {"offset": 1}}))).is_err());

        let account = Account {
            lamports: 7,
            data: data.clone(),
            owner: TOKEN_PROGRAM_ID,
            executable: false,
            rent_epoch: u64::MAX,
        };
        let ui = ui_account(&account, AccountEncoding::Base64, slice, None).unwrap();
        assert_eq!(ui["data"], json!([BASE64.encode([2u8, 3, 4]), "base64"]));
        assert_eq!(ui["space"], json!(10));
        assert_eq!(ui["owner"], json!(TOKEN_PROGRAM_ID.to_string()));
        assert_eq!(ui["rentEpoch"], json!(u64::MAX));
    }

    #[test]
    fn filters_parse_and_match() {
        let data = [1u8, 2, 3, 4, 5, 6];
        let fs = Filter::parse_list(Some(&json!([
            {"dataSize": 6},
            {"memcmp": {"offset": 1, "bytes": bs58::encode([2u8, 3]).into_string()}},
            {"memcmp": {"offset": 4, "bytes": BASE64.encode([5u8, 6]), "encoding": "base64"}},
        ])))
        .unwrap();
        assert_eq!(fs.len(), 3);
        assert!(matches_all(&fs, &data));
        assert!(!matches_all(&fs, &data[..5]));
        assert!(!Filter::Memcmp {
            offset: 5,
            bytes: vec![6, 7]
        }
        .matches(&data));
        assert!(!Filter::Memcmp {
            offset: usize::MAX,
            bytes: vec![6]
        }
        .matches(&data));
        assert!(Filter::Memcmp {
            offset: 6,
            bytes: vec![]
        }
        .matches(&data));
        assert!(!Filter::DataSize(5).matches(&data));
        assert!(Filter::parse_list(None).unwrap().is_empty());
        assert!(Filter::parse(&json!({"memcmp": {"offset": 0, "bytes": "0OIl"}})).is_err());
        assert!(
            Filter::parse(&json!({"memcmp": {"offset": 0, "bytes": "x", "encoding": "hex"}}))
                .is_err()
        );
        assert!(Filter::parse(&json!({"other": 1})).is_err());
        assert!(Filter::parse_list(Some(&json!([{"dataSize": 1}, {"dataSize": 1}, {"dataSize": 1}, {"dataSize": 1}, {"dataSize": 1}]))).is_err());
    }

    fn token_account_bytes(mint: Pubkey, owner: Pubkey, amount: u64, state: u8) -> Vec<u8> {
        let mut d = vec![0u8; 165];
        d[0..32].copy_from_slice(mint.as_ref());
        d[32..64].copy_from_slice(owner.as_ref());
        d[64..72].copy_from_slice(&amount.to_le_bytes());
        d[108] = state;
        d
    }

    #[test]
    fn token_layouts() {
        let (mint, owner, auth) = (
            Pubkey::new_unique(),
            Pubkey::new_unique(),
            Pubkey::new_unique(),
        );
        let acc = token_account_bytes(mint, owner, 1_500_000, 1);
        let parsed = parse_token_account(&acc).unwrap();
        assert_eq!(
            (parsed.mint, parsed.owner, parsed.amount, parsed.state),
            (mint, owner, 1_500_000, 1)
        );
        assert_eq!(parsed.delegate, None);
        assert!(Filter::TokenAccountState.matches(&acc));
        assert!(!Filter::TokenAccountState.matches(&token_account_bytes(mint, owner, 0, 0)));
        assert!(parse_mint(&acc).is_none());

        let mut m = vec![0u8; 82];
        m[0..4].copy_from_slice(&1u32.to_le_bytes());
        m[4..36].copy_from_slice(auth.as_ref());
        m[36..44].copy_from_slice(&42u64.to_le_bytes());
        m[44] = 6;
        m[45] = 1;
        let mint_state = parse_mint(&m).unwrap();
        assert_eq!(
            mint_state,
            Mint {
                mint_authority: Some(auth),
                supply: 42,
                decimals: 6,
                is_initialized: true,
                freeze_authority: None
            }
        );
        assert!(parse_token_account(&m).is_none());

        // Token-2022 with extensions: account type byte after the 165-byte base.
        let mut ext = acc.clone();
        ext.resize(200, 0);
        ext[165] = 2;
        assert_eq!(parse_token_account(&ext).unwrap().amount, 1_500_000);
        let mut ext_mint = m.clone();
        ext_mint.resize(200, 0);
        ext_mint[165] = 1;
        assert_eq!(parse_mint(&ext_mint).unwrap().decimals, 6);
        assert!(parse_token_account(&ext_mint).is_none());

        let j = parsed_token_account_json(&TOKEN_PROGRAM_ID, &acc, &parsed, 6);
        assert_eq!(j["program"], "spl-token");
        assert_eq!(j["parsed"]["type"], "account");
        assert_eq!(j["parsed"]["info"]["tokenAmount"]["uiAmountString"], "1.5");
        assert_eq!(j["parsed"]["info"]["state"], "initialized");
        let jm = parsed_mint_json(&TOKEN_2022_PROGRAM_ID, &m, &mint_state);
        assert_eq!(jm["program"], "spl-token-2022");
        assert_eq!(jm["parsed"]["info"]["supply"], "42");
        assert_eq!(jm["parsed"]["info"]["mintAuthority"], auth.to_string());
    }

    #[test]
    fn ui_amounts() {
        assert_eq!(ui_amount_string(0, 0), "0");
        assert_eq!(ui_amount_string(0, 6), "0");
        assert_eq!(ui_amount_string(1, 6), "0.000001");
        assert_eq!(ui_amount_string(1_000_000, 6), "1");
        assert_eq!(ui_amount_string(1_234_500, 6), "1.2345");
        assert_eq!(ui_amount_string(123, 0), "123");
        assert_eq!(ui_amount_string(u64::MAX, 9), "18446744073.709551615");
        let j = token_amount_json(2_500_000, 6);
        assert_eq!(
            j,
            json!({"amount": "2500000", "decimals": 6, "uiAmount": 2.5, "uiAmountString": "2.5"})
        );
    }

    #[test]
    fn writable_flags_follow_the_header() {
        // 2 signers (1 readonly), 3 unsigned (1 readonly): [w-signer, r-signer, w, w, r]
        let h = MessageHeader {
            num_required_signatures: 2,
            num_readonly_signed_accounts: 1,
            num_readonly_unsigned_accounts: 1,
        };
        let flags: Vec<bool> = (0..5).map(|i| is_static_writable(&h, i, 5)).collect();
        assert_eq!(flags, vec![true, false, true, true, false]);
    }

    #[test]
    fn transaction_shapes() {
        let payer = Keypair::new();
        let to = Pubkey::new_unique();
        let ix = system_instruction::transfer(&payer.pubkey(), &to, 5);
        let legacy = Transaction::new_signed_with_payer(
            &[ix.clone()],
            Some(&payer.pubkey()),
            &[&payer],
            Hash::new_unique(),
        );
        let legacy = VersionedTransaction::from(legacy);
        let j = transaction_json(&legacy);
        assert_eq!(j["message"]["accountKeys"].as_array().unwrap().len(), 3);
        assert_eq!(j["message"]["header"]["numRequiredSignatures"], 1);
        assert!(j["message"].get("addressTableLookups").is_none());
        assert_eq!(j["message"]["instructions"][0]["programIdIndex"], 2);
        assert_eq!(version_json(&legacy), json!("legacy"));

        let v0 = v0::Message::try_compile(&payer.pubkey(), &[ix], &[], Hash::new_unique()).unwrap();
        let v0 = VersionedTransaction::try_new(VersionedMessage::V0(v0), &[&payer]).unwrap();
        let j = transaction_json(&v0);
        assert_eq!(j["message"]["addressTableLookups"], json!([]));
        assert_eq!(version_json(&v0), json!(0));
        let p = transaction_json_parsed(&v0, &[], &[]);
        assert_eq!(p["message"]["accountKeys"][0]["signer"], true);
        assert_eq!(p["message"]["accountKeys"][1]["writable"], true);
        assert_eq!(p["message"]["accountKeys"][2]["writable"], false);
        assert_eq!(
            p["message"]["instructions"][0]["programId"],
            solana_sdk::system_program::id().to_string()
        );
        let _ = Message::default();
    }
}
