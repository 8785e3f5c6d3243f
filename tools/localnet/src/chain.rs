//! The ledger side of the node: a bank set up like `solana-program-test`'s (program native, SPL
//! programs in the VM, banks server + `BanksClient`), advanced slot by slot, plus the bookkeeping
//! a real RPC node keeps and `BanksClient` does not (transaction records, a signature index per
//! address, block times).
//!
//! Why not `ProgramTestContext`: it registers a new blockhash every few milliseconds from a
//! background task, so a blockhash from `getLatestBlockhash` expires (150 entries) about a second
//! later, far sooner than on a validator. The bank set-up and the slot warp here follow the
//! runtime calls `solana-program-test` 2.1 makes in `start_with_context` and
//! `ProgramTestContext::warp_to_slot`, driven by our own slot clock instead.

use solana_accounts_db::{
    accounts_db::{CalcAccountsHashDataSource, OldStoragesPolicy},
    accounts_index::ScanConfig,
    epoch_accounts_hash::EpochAccountsHash,
};
use solana_banks_client::{start_client, BanksClient, BanksClientError};
use solana_banks_server::banks_server::start_local_server;
use solana_program_runtime::{
    invoke_context::BuiltinFunctionWithContext, loaded_programs::ProgramCacheEntry,
};
use solana_program_test::ProgramTest;
use solana_runtime::{
    accounts_background_service::{AbsRequestSender, SnapshotRequestKind},
    bank::Bank,
    bank_forks::BankForks,
    commitment::BlockCommitmentCache,
    genesis_utils::create_genesis_config_with_leader_ex,
    runtime_config::RuntimeConfig,
};
use solana_sdk::{
    account::{Account, AccountSharedData, ReadableAccount, WritableAccount},
    address_lookup_table::state::AddressLookupTable,
    clock::Clock,
    fee_calculator::{FeeRateGovernor, DEFAULT_TARGET_LAMPORTS_PER_SIGNATURE},
    genesis_config::{ClusterType, GenesisConfig},
    hash::Hash,
    message::{Message, VersionedMessage},
    native_token::{sol_to_lamports, LAMPORTS_PER_SOL},
    poh_config::PohConfig,
    pubkey::Pubkey,
    rent::Rent,
    signature::{Keypair, Signature},
    signer::Signer,
    system_program,
    transaction::{TransactionError, VersionedTransaction},
    transaction_context::TransactionReturnData,
    vote::state::VoteState,
};
use std::{
    collections::{BTreeMap, HashMap},
    sync::{Arc, RwLock},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

/// Lamports the test wallet gets at genesis.
pub const WALLET_LAMPORTS: u64 = 1_000_000 * LAMPORTS_PER_SOL;
/// Lamports the airdrop faucet gets at genesis.
pub const FAUCET_LAMPORTS: u64 = 1_000_000_000 * LAMPORTS_PER_SOL;

/// What the node remembers about a committed transaction (successful or failed).
#[derive(Debug)]
pub struct TxRecord {
    pub signature: Signature,
    pub slot: u64,
    pub block_time: i64,
    pub tx: VersionedTransaction,
    pub err: Option<TransactionError>,
    pub logs: Vec<String>,
    pub fee: u64,
    pub pre_balances: Vec<u64>,
    pub post_balances: Vec<u64>,
    pub units_consumed: u64,
    pub loaded_writable: Vec<Pubkey>,
    pub loaded_readonly: Vec<Pubkey>,
    pub return_data: Option<TransactionReturnData>,
}

impl TxRecord {
    /// Static keys, then addresses loaded from lookup tables (writable, then readonly): the
    /// order the runtime and `preBalances` use.
    pub fn account_keys(&self) -> Vec<Pubkey> {
        let mut keys = self.tx.message.static_account_keys().to_vec();
        keys.extend_from_slice(&self.loaded_writable);
        keys.extend_from_slice(&self.loaded_readonly);
        keys
    }

    /// Keys whose accounts the transaction may have written (just the fee payer when it failed).
    pub fn written_keys(&self) -> Vec<Pubkey> {
        let statics = self.tx.message.static_account_keys();
        if self.err.is_some() {
            return statics.first().copied().into_iter().collect();
        }
        let header = self.tx.message.header();
        let mut keys: Vec<Pubkey> = statics
            .iter()
            .enumerate()
            .filter(|(i, _)| crate::encode::is_static_writable(header, *i, statics.len()))
            .map(|(_, k)| *k)
            .collect();
        keys.extend_from_slice(&self.loaded_writable);
        keys
    }
}

/// Result of running a transaction through the bank.
pub enum Processed {
    /// Committed (possibly with an execution error, fee charged).
    Landed(Arc<TxRecord>),
    /// Not committed (bad blockhash, already processed, fee payer can't pay, ...).
    Rejected(TransactionError),
}

/// Result of a simulation.
pub struct Simulation {
    pub err: Option<TransactionError>,
    pub logs: Vec<String>,
    pub units_consumed: u64,
    pub return_data: Option<TransactionReturnData>,
}

pub struct Chain {
    bank_forks: Arc<RwLock<BankForks>>,
    commitment: Arc<RwLock<BlockCommitmentCache>>,
    pub banks_client: BanksClient,
    pub genesis_config: GenesisConfig,
    pub faucet: Keypair,
    pub slot: u64,
    pub txs: HashMap<Signature, Arc<TxRecord>>,
    pub by_address: HashMap<Pubkey, Vec<Signature>>,
    /// Set by `setClock`: (unix timestamp, when it was set).
    clock_base: Option<(i64, Instant)>,
    pub last_advance: Instant,
    pub block_times: BTreeMap<u64, i64>,
    pub tx_count: u64,
    slots_since_cleanup: u64,
}

pub type ChainResult<T> = Result<T, String>;

fn banks_err(e: BanksClientError) -> String {
    format!("banks client: {e}")
}

fn wall_clock_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Flush/clean/shrink the accounts db every this many slots (there is no accounts background
/// service; without it every slot's sysvar writes would stay in memory).
const CLEANUP_INTERVAL_SLOTS: u64 = 64;

/// Builds the genesis and starts the bank.
///
/// This mirrors `ProgramTest::start_with_context` (same genesis, fee rate, SPL programs, native
/// builtin, banks server and client) but owns the `BankForks`: `ProgramTestContext` runs a task
/// that registers a fresh blockhash every 6.4 ms and cannot be stopped, which expires every
/// blockhash about one second after it was handed out. Here a new blockhash is registered only
/// when the slot advances, so blockhashes stay valid for 150 slots as on a validator.
///
/// Returns the chain and the genesis mint keypair (funded like program-test's payer).
pub async fn start_chain(
    wallet: Option<&Keypair>,
    log_filter: &str,
) -> ChainResult<(Chain, Keypair)> {
    // program-test installs its syscall stubs (what native programs' `msg!`, CPIs and sysvar
    // getters call) on its first start: start a throwaway context once and drop it (which also
    // stops its blockhash ticker).
    static STUBS: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    STUBS
        .get_or_init(|| async {
            let pt = ProgramTest::default();
            solana_logger::setup_with(log_filter);
            drop(pt.start_with_context().await);
            native_harness::install_log_data_forwarder();
        })
        .await;
    solana_logger::setup_with(log_filter);

    let rent = Rent::default();
    let fee_rate_governor = FeeRateGovernor {
        lamports_per_signature: DEFAULT_TARGET_LAMPORTS_PER_SIGNATURE / 2,
        ..FeeRateGovernor::default()
    };
    let mint_keypair = Keypair::new();
    let faucet = Keypair::new();
    let system_account = |lamports| AccountSharedData::new(lamports, 0, &system_program::id());
    let mut accounts = vec![(faucet.pubkey(), system_account(FAUCET_LAMPORTS))];
    if let Some(w) = wallet {
        accounts.push((w.pubkey(), system_account(WALLET_LAMPORTS)));
    }
    let mut genesis_config = create_genesis_config_with_leader_ex(
        sol_to_lamports(1_000_000.0),
        &mint_keypair.pubkey(),
        &Pubkey::new_unique(),
        &Pubkey::new_unique(),
        &Pubkey::new_unique(),
        rent.minimum_balance(VoteState::size_of()) + sol_to_lamports(1_000_000.0),
        42,
        fee_rate_governor,
        rent,
        ClusterType::Development,
        accounts,
    );
    genesis_config.poh_config = PohConfig::new_sleep(Duration::from_micros(100));

    let bank = Bank::new_with_paths(
        &genesis_config,
        Arc::new(RuntimeConfig::default()),
        Vec::default(),
        None,
        None,
        false,
        None,
        None,
        None,
        Arc::default(),
        None,
        None,
    );
    for (program_id, account) in
        solana_program_test::programs::spl_programs(&Rent::default()).iter()
    {
        bank.store_account(program_id, account);
    }
    // The annotation makes the closure `processor!` builds higher-ranked over the VM lifetime.
    let builtin: Option<BuiltinFunctionWithContext> =
        native_harness::anchor_processor!(portfolio_margin::entry);
    let builtin = builtin.ok_or("no native processor for portfolio_margin")?;
    const NAME: &str = "portfolio_margin";
    bank.add_builtin(
        portfolio_margin::ID,
        NAME,
        ProgramCacheEntry::new_builtin(0, NAME.len(), builtin),
    );
    bank.set_capitalization();
    // Like program-test: start beyond slot 0.
    let bank = {
        let bank = Arc::new(bank);
        bank.fill_bank_with_ticks_for_tests();
        Bank::new_from_parent(bank.clone(), bank.collector_id(), bank.slot() + 1)
    };
    let slot = bank.slot();
    let bank_forks = BankForks::new_rw_arc(bank);
    let commitment = Arc::new(RwLock::new(BlockCommitmentCache::new_for_tests_with_slots(
        slot, slot,
    )));
    let transport = start_local_server(
        bank_forks.clone(),
        commitment.clone(),
        genesis_config.poh_config.target_tick_duration,
    )
    .await;
    let banks_client = start_client(transport).await.map_err(banks_err)?;

    let mut chain = Chain {
        bank_forks,
        commitment,
        banks_client,
        genesis_config,
        faucet,
        slot,
        txs: HashMap::new(),
        by_address: HashMap::new(),
        clock_base: None,
        last_advance: Instant::now(),
        block_times: BTreeMap::new(),
        tx_count: 0,
        slots_since_cleanup: 0,
    };
    chain.apply_clock();
    Ok((chain, mint_keypair))
}

impl Chain {
    /// The working bank (where transactions are processed and accounts read).
    pub fn bank(&self) -> Arc<Bank> {
        self.bank_forks.read().unwrap().working_bank()
    }

    /// The Clock's `unix_timestamp` right now: wall-clock time, or the `setClock` value plus
    /// the time elapsed since.
    pub fn now_timestamp(&self) -> i64 {
        match self.clock_base {
            Some((ts, at)) => ts + at.elapsed().as_secs() as i64,
            None => wall_clock_now(),
        }
    }

    fn apply_clock(&mut self) {
        let bank = self.bank();
        let mut clock = bank.clock();
        clock.unix_timestamp = self.now_timestamp();
        bank.set_sysvar_for_tests(&clock);
        self.block_times.insert(self.slot, clock.unix_timestamp);
    }

    pub async fn clock(&self) -> ChainResult<Clock> {
        Ok(self.bank().clock())
    }

    /// `setClock`: the Clock follows `unix_timestamp` (+ elapsed time) from now on.
    pub async fn set_clock(&mut self, unix_timestamp: i64) -> ChainResult<()> {
        self.clock_base = Some((unix_timestamp, Instant::now()));
        self.apply_clock();
        Ok(())
    }

    /// Forces the working bank ahead to `warp_slot`, as `ProgramTestContext::warp_to_slot`
    /// does (freeze, root, new bank): registers one new blockhash.
    fn warp_bank(&mut self, warp_slot: u64) -> ChainResult<()> {
        let mut bank_forks = self.bank_forks.write().unwrap();
        let bank = bank_forks.working_bank();
        bank.fill_bank_with_ticks_for_tests();
        let working_slot = bank.slot();
        if warp_slot <= working_slot {
            return Err(format!(
                "slot {warp_slot} is not after the current slot {working_slot}"
            ));
        }
        let pre_warp_slot = warp_slot - 1;
        let warp_bank = if pre_warp_slot == working_slot {
            bank.freeze();
            bank
        } else {
            bank_forks
                .insert(Bank::warp_from_parent(
                    bank,
                    &Pubkey::default(),
                    pre_warp_slot,
                    CalcAccountsHashDataSource::IndexForTests,
                ))
                .clone_without_scheduler()
        };
        let (snapshot_request_sender, snapshot_request_receiver) = crossbeam_channel::unbounded();
        let abs_request_sender = AbsRequestSender::new(snapshot_request_sender);
        bank_forks
            .set_root(pre_warp_slot, &abs_request_sender, Some(pre_warp_slot))
            .map_err(|e| format!("set_root({pre_warp_slot}): {e:?}"))?;
        // Nothing computes epoch accounts hashes here: mark requested ones valid so later
        // freezes do not wait for them (as program-test does).
        for request in snapshot_request_receiver.try_iter() {
            if request.request_kind == SnapshotRequestKind::EpochAccountsHash {
                request
                    .snapshot_root_bank
                    .rc
                    .accounts
                    .accounts_db
                    .epoch_accounts_hash_manager
                    .set_valid(
                        EpochAccountsHash::new(Hash::new_unique()),
                        request.snapshot_root_bank.slot(),
                    );
            }
        }
        self.slots_since_cleanup += warp_slot - working_slot;
        if self.slots_since_cleanup >= CLEANUP_INTERVAL_SLOTS {
            // What the accounts background service does on a validator.
            self.slots_since_cleanup = 0;
            let root = bank_forks.root_bank();
            root.force_flush_accounts_cache();
            root.rc.accounts.accounts_db.clean_accounts(
                Some(root.slot().saturating_sub(1)),
                false,
                root.epoch_schedule(),
                OldStoragesPolicy::Clean,
            );
            root.shrink_candidate_slots();
        }
        bank_forks.insert(Bank::new_from_parent(
            warp_bank,
            &Pubkey::default(),
            warp_slot,
        ));
        self.commitment
            .write()
            .unwrap()
            .set_all_slots(warp_slot, warp_slot);
        Ok(())
    }

    /// Moves the working bank to `slot` (> current): new blockhash, Clock re-set.
    pub async fn warp(&mut self, slot: u64) -> ChainResult<()> {
        if slot <= self.slot {
            return Err(format!(
                "slot {slot} is not after the current slot {}",
                self.slot
            ));
        }
        self.warp_bank(slot)?;
        self.slot = slot;
        self.last_advance = Instant::now();
        self.apply_clock();
        Ok(())
    }

    pub async fn advance(&mut self) -> ChainResult<()> {
        self.warp(self.slot + 1).await
    }

    pub async fn block_height(&self) -> ChainResult<u64> {
        Ok(self.bank().block_height())
    }

    /// The latest blockhash and the last block height at which it is valid.
    pub async fn latest_blockhash(&self) -> ChainResult<(Hash, u64)> {
        let bank = self.bank();
        let hash = bank.last_blockhash();
        let last_valid = bank
            .get_blockhash_last_valid_block_height(&hash)
            .ok_or("latest blockhash not in the queue")?;
        Ok((hash, last_valid))
    }

    pub async fn get_account(&self, key: &Pubkey) -> ChainResult<Option<Account>> {
        Ok(self.bank().get_account(key).map(Account::from))
    }

    /// Every account owned by `program`, sorted by address.
    pub fn program_accounts(&self, program: &Pubkey) -> ChainResult<Vec<(Pubkey, Account)>> {
        let mut accounts = self
            .bank()
            .get_program_accounts(program, &ScanConfig::default())
            .map_err(|e| format!("scanning accounts of {program}: {e}"))?;
        accounts.sort_by_key(|(k, _)| *k);
        Ok(accounts
            .into_iter()
            .map(|(k, a)| (k, Account::from(a)))
            .collect())
    }

    /// `setAccount`. `store_account` does not update the bank's capitalization, which warps
    /// verify, so the lamports difference is taken from (or given back to) the faucet: the
    /// total stays unchanged.
    pub async fn set_account(&mut self, key: &Pubkey, account: Account) -> ChainResult<()> {
        let faucet_key = self.faucet.pubkey();
        if *key == faucet_key {
            return Err("setAccount cannot overwrite the airdrop faucet".into());
        }
        let bank = self.bank();
        let old = bank.get_account(key).map(|a| a.lamports()).unwrap_or(0);
        let mut faucet = bank
            .get_account(&faucet_key)
            .ok_or("the airdrop faucet account is gone")?;
        let faucet_lamports = (faucet.lamports() + old)
            .checked_sub(account.lamports)
            .ok_or("setAccount: lamports exceed what the faucet can balance")?;
        faucet.set_lamports(faucet_lamports);
        bank.store_account(key, &AccountSharedData::from(account));
        bank.store_account(&faucet_key, &faucet);
        Ok(())
    }

    /// Whether a transaction using `blockhash` would still be accepted (150 slots).
    pub async fn is_blockhash_valid(&self, blockhash: &Hash) -> ChainResult<bool> {
        Ok(self.bank().is_blockhash_valid(blockhash))
    }

    /// The fee the bank charges for `message` (`None` when its blockhash is unknown).
    pub async fn fee_for_message(&self, message: &VersionedMessage) -> ChainResult<Option<u64>> {
        let legacy = match message {
            VersionedMessage::Legacy(m) => m.clone(),
            VersionedMessage::V0(m) => {
                // Fees depend on signatures and compute-budget/precompile instructions only;
                // keep the instructions that reference static keys alone.
                let n = m.account_keys.len();
                Message {
                    header: m.header,
                    account_keys: m.account_keys.clone(),
                    recent_blockhash: m.recent_blockhash,
                    instructions: m
                        .instructions
                        .iter()
                        .filter(|ix| {
                            (ix.program_id_index as usize) < n
                                && ix.accounts.iter().all(|a| (*a as usize) < n)
                        })
                        .cloned()
                        .collect(),
                }
            }
        };
        self.banks_client
            .get_fee_for_message(legacy)
            .await
            .map_err(banks_err)
    }

    /// Addresses loaded through the transaction's lookup tables (writable, readonly).
    async fn resolve_lookups(&self, tx: &VersionedTransaction) -> (Vec<Pubkey>, Vec<Pubkey>) {
        let mut writable = vec![];
        let mut readonly = vec![];
        for lookup in tx.message.address_table_lookups().unwrap_or_default() {
            let Ok(Some(account)) = self.get_account(&lookup.account_key).await else {
                continue;
            };
            let Ok(table) = AddressLookupTable::deserialize(&account.data) else {
                continue;
            };
            let pick = |idx: &Vec<u8>| -> Vec<Pubkey> {
                idx.iter()
                    .filter_map(|i| table.addresses.get(*i as usize).copied())
                    .collect()
            };
            writable.extend(pick(&lookup.writable_indexes));
            readonly.extend(pick(&lookup.readonly_indexes));
        }
        (writable, readonly)
    }

    async fn balances(&self, keys: &[Pubkey]) -> ChainResult<Vec<u64>> {
        let mut out = Vec::with_capacity(keys.len());
        for k in keys {
            out.push(self.get_account(k).await?.map(|a| a.lamports).unwrap_or(0));
        }
        Ok(out)
    }

    pub async fn simulate(&self, tx: VersionedTransaction) -> ChainResult<Simulation> {
        let res = self
            .banks_client
            .simulate_transaction(tx)
            .await
            .map_err(banks_err)?;
        let err = res.result.and_then(|r| r.err());
        Ok(match res.simulation_details {
            Some(d) => Simulation {
                err,
                logs: native_harness::normalize_logs(d.logs),
                units_consumed: d.units_consumed,
                return_data: d.return_data,
            },
            None => Simulation {
                err,
                logs: vec![],
                units_consumed: 0,
                return_data: None,
            },
        })
    }

    /// Processes a transaction in the current slot and records it when committed. Does not
    /// advance the slot (the caller does, after notifying subscribers).
    pub async fn process(&mut self, tx: VersionedTransaction) -> ChainResult<Processed> {
        let signature = tx.signatures.first().copied().unwrap_or_default();
        let (loaded_writable, loaded_readonly) = self.resolve_lookups(&tx).await;
        let mut keys = tx.message.static_account_keys().to_vec();
        keys.extend_from_slice(&loaded_writable);
        keys.extend_from_slice(&loaded_readonly);
        let pre_balances = self.balances(&keys).await?;
        let fee_estimate = self.fee_for_message(&tx.message).await.ok().flatten();
        let result = self
            .banks_client
            .process_transaction_with_metadata(tx.clone())
            .await
            .map_err(banks_err)?;
        let Some(meta) = result.metadata else {
            return Ok(Processed::Rejected(
                result
                    .result
                    .err()
                    .unwrap_or(TransactionError::UnsupportedVersion),
            ));
        };
        let post_balances = self.balances(&keys).await?;
        let fee = fee_estimate
            .unwrap_or_else(|| 5000 * u64::from(tx.message.header().num_required_signatures));
        let record = Arc::new(TxRecord {
            signature,
            slot: self.slot,
            block_time: self
                .block_times
                .get(&self.slot)
                .copied()
                .unwrap_or_else(|| self.now_timestamp()),
            tx,
            err: result.result.err(),
            logs: native_harness::normalize_logs(meta.log_messages),
            fee,
            pre_balances,
            post_balances,
            units_consumed: meta.compute_units_consumed,
            loaded_writable,
            loaded_readonly,
            return_data: meta.return_data,
        });
        for k in &keys {
            let sigs = self.by_address.entry(*k).or_default();
            if sigs.last() != Some(&signature) {
                sigs.push(signature);
            }
        }
        self.txs.insert(signature, record.clone());
        self.tx_count += 1;
        Ok(Processed::Landed(record))
    }
}
