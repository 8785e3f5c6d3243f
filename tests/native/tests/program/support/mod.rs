//! Test fixtures: a started bank with the program, token helpers, instruction builders, and
//! assertions on error codes and on "nothing changed".

#[macro_use]
pub mod conservation;
pub mod liquidation;
pub mod markets;
pub mod model;
pub mod pyth;
pub mod trading;

pub use liquidation::*;
pub use markets::*;
pub use model::*;
pub use pyth::*;
pub use trading::*;

use anchor_lang::{AccountDeserialize, Discriminator, InstructionData, ToAccountMetas};
use portfolio_margin::state::*;
use solana_program_test::{BanksClientError, ProgramTest, ProgramTestContext};
use solana_sdk::{
    account::Account,
    clock::Clock,
    instruction::{Instruction, InstructionError},
    program_pack::Pack,
    pubkey::Pubkey,
    signature::{Keypair, Signature, Signer},
    system_instruction,
    transaction::{Transaction, TransactionError},
};
use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

pub const USDC: u64 = 1_000_000;

pub async fn start() -> ProgramTestContext {
    let mut pt = ProgramTest::new(
        "portfolio_margin",
        portfolio_margin::ID,
        native_harness::anchor_processor!(portfolio_margin::entry),
    );
    pt.prefer_bpf(false);
    let ctx = pt.start_with_context().await;
    native_harness::install_log_data_forwarder();
    conservation::on_start(ctx.banks_client.clone());
    ctx
}

/// Outcome of a processed transaction: logs (normalised as a validator writes them), error and
/// the return data of its last instruction that set one.
pub struct Sent {
    pub logs: Vec<String>,
    pub result: Result<(), TransactionError>,
    pub return_data: Option<Vec<u8>>,
}

/// Signatures of every transaction sent so far (all tests of the binary).
fn sent_signatures() -> &'static Mutex<HashSet<Signature>> {
    static SENT: OnceLock<Mutex<HashSet<Signature>>> = OnceLock::new();
    SENT.get_or_init(Default::default)
}

pub async fn send(ctx: &mut ProgramTestContext, ixs: &[Instruction], signers: &[&Keypair]) -> Sent {
    let payer = ctx.payer.insecure_clone();
    let mut all: Vec<&Keypair> = vec![&payer];
    all.extend_from_slice(signers);
    // The latest blockhash, unless a transaction identical to this one was already signed with it:
    // then a fresh one (the bank registers one per slot time), so the two cannot collide. Waiting
    // for a fresh blockhash before every transaction would cost a slot time each.
    let mut blockhash = ctx.banks_client.get_latest_blockhash().await.expect("blockhash");
    let tx = loop {
        let tx = Transaction::new_signed_with_payer(ixs, Some(&payer.pubkey()), &all, blockhash);
        if sent_signatures().lock().unwrap().insert(tx.signatures[0]) {
            break tx;
        }
        blockhash = ctx.get_new_latest_blockhash().await.expect("blockhash");
    };
    let sent = match ctx.banks_client.process_transaction_with_metadata(tx).await {
        Ok(r) => {
            let (logs, return_data) = match r.metadata {
                Some(m) => (m.log_messages, m.return_data.map(|d| d.data)),
                None => (vec![], None),
            };
            Sent { logs: native_harness::normalize_logs(logs), result: r.result, return_data }
        }
        Err(BanksClientError::TransactionError(e)) => Sent { logs: vec![], result: Err(e), return_data: None },
        Err(e) => panic!("transport error: {e:?}"),
    };
    conservation::on_send(ixs, &sent);
    sent
}

pub async fn send_ok(ctx: &mut ProgramTestContext, ixs: &[Instruction], signers: &[&Keypair]) -> Vec<String> {
    let sent = send(ctx, ixs, signers).await;
    if let Err(e) = &sent.result {
        panic!("transaction failed: {e:?}\n{}", sent.logs.join("\n"));
    }
    sent.logs
}

/// The custom error code of the first failing instruction.
pub fn custom_code(sent: &Sent) -> u32 {
    match &sent.result {
        Err(TransactionError::InstructionError(_, InstructionError::Custom(code))) => *code,
        other => panic!("expected a custom program error, got {other:?}\n{}", sent.logs.join("\n")),
    }
}

pub fn assert_pm_error(sent: &Sent, expected: portfolio_margin::errors::PmError) {
    assert_eq!(custom_code(sent), u32::from(expected), "expected {expected:?}; logs:\n{}", sent.logs.join("\n"));
}

pub fn assert_anchor_error(sent: &Sent, expected: anchor_lang::error::ErrorCode) {
    assert_eq!(custom_code(sent), u32::from(expected), "expected {expected:?}; logs:\n{}", sent.logs.join("\n"));
}

pub async fn account(ctx: &mut ProgramTestContext, key: &Pubkey) -> Option<Account> {
    ctx.banks_client.get_account(*key).await.expect("get_account")
}

// ---- SPL Token ----

pub async fn create_mint(ctx: &mut ProgramTestContext, authority: &Pubkey, decimals: u8) -> Pubkey {
    let mint = Keypair::new();
    let rent = ctx.banks_client.get_rent().await.unwrap();
    let ixs = [
        system_instruction::create_account(
            &ctx.payer.pubkey(),
            &mint.pubkey(),
            rent.minimum_balance(spl_token::state::Mint::LEN),
            spl_token::state::Mint::LEN as u64,
            &spl_token::id(),
        ),
        spl_token::instruction::initialize_mint2(&spl_token::id(), &mint.pubkey(), authority, None, decimals).unwrap(),
    ];
    send_ok(ctx, &ixs, &[&mint]).await;
    mint.pubkey()
}

pub async fn create_token_account(ctx: &mut ProgramTestContext, mint: &Pubkey, owner: &Pubkey) -> Pubkey {
    let account = Keypair::new();
    let rent = ctx.banks_client.get_rent().await.unwrap();
    let ixs = [
        system_instruction::create_account(
            &ctx.payer.pubkey(),
            &account.pubkey(),
            rent.minimum_balance(spl_token::state::Account::LEN),
            spl_token::state::Account::LEN as u64,
            &spl_token::id(),
        ),
        spl_token::instruction::initialize_account3(&spl_token::id(), &account.pubkey(), mint, owner).unwrap(),
    ];
    send_ok(ctx, &ixs, &[&account]).await;
    account.pubkey()
}

pub async fn mint_to(ctx: &mut ProgramTestContext, mint: &Pubkey, authority: &Keypair, dest: &Pubkey, amount: u64) {
    let ix = spl_token::instruction::mint_to(&spl_token::id(), mint, dest, &authority.pubkey(), &[], amount).unwrap();
    send_ok(ctx, &[ix], &[authority]).await;
}

/// A token account of `owner` holding `amount` of `mint` (minted by `authority`).
pub async fn funded_token_account(ctx: &mut ProgramTestContext, mint: &Pubkey, authority: &Keypair, owner: &Pubkey, amount: u64) -> Pubkey {
    let account = create_token_account(ctx, mint, owner).await;
    mint_to(ctx, mint, authority, &account, amount).await;
    account
}

/// A new mint of `decimals` and a token account of `owner` holding `amount` of it.
pub async fn new_mint_with_tokens(ctx: &mut ProgramTestContext, owner: &Pubkey, decimals: u8, amount: u64) -> (Pubkey, Pubkey) {
    let authority = Keypair::new();
    let mint = create_mint(ctx, &authority.pubkey(), decimals).await;
    let account = funded_token_account(ctx, &mint, &authority, owner, amount).await;
    (mint, account)
}

pub async fn token_balance(ctx: &mut ProgramTestContext, account: &Pubkey) -> u64 {
    let acc = self::account(ctx, account).await.expect("token account exists");
    spl_token::state::Account::unpack(&acc.data).unwrap().amount
}

// ---- program accounts ----

pub fn clearinghouse_pda(admin: &Pubkey, index: u16) -> Pubkey {
    Pubkey::find_program_address(&[CLEARINGHOUSE_SEED, admin.as_ref(), &index.to_le_bytes()], &portfolio_margin::ID).0
}

pub fn vault_pdas(clearinghouse: &Pubkey) -> (Pubkey, Pubkey) {
    let quote = Pubkey::find_program_address(&[QUOTE_VAULT_SEED, clearinghouse.as_ref()], &portfolio_margin::ID).0;
    let insurance = Pubkey::find_program_address(&[INSURANCE_VAULT_SEED, clearinghouse.as_ref()], &portfolio_margin::ID).0;
    (quote, insurance)
}

pub fn margin_account_pda(clearinghouse: &Pubkey, owner: &Pubkey, index: u16) -> Pubkey {
    Pubkey::find_program_address(
        &[MARGIN_ACCOUNT_SEED, clearinghouse.as_ref(), owner.as_ref(), &index.to_le_bytes()],
        &portfolio_margin::ID,
    )
    .0
}

pub async fn load<T: AccountDeserialize>(ctx: &mut ProgramTestContext, key: &Pubkey) -> T {
    let acc = account(ctx, key).await.expect("account exists");
    T::try_deserialize(&mut acc.data.as_slice()).expect("deserialize")
}

/// Overwrites a zero-copy account's fields in the bank (for states tests cannot reach otherwise).
pub async fn edit_account<T: bytemuck::Pod>(ctx: &mut ProgramTestContext, key: &Pubkey, edit: impl FnOnce(&mut T)) {
    let before = account(ctx, key).await.expect("account exists");
    let mut acc = before.clone();
    let body: &mut T = bytemuck::from_bytes_mut(&mut acc.data[8..8 + std::mem::size_of::<T>()]);
    edit(body);
    conservation::on_edit(key, &before, &acc);
    ctx.set_account(key, &acc.into());
}

pub async fn edit_margin_account(ctx: &mut ProgramTestContext, key: &Pubkey, edit: impl FnOnce(&mut MarginAccount)) {
    edit_account(ctx, key, edit).await
}

/// A zero-copy account's body (after the discriminator), read straight from its bytes.
pub async fn load_zc<T: bytemuck::Pod>(ctx: &mut ProgramTestContext, key: &Pubkey) -> T {
    let acc = account(ctx, key).await.expect("account exists");
    *bytemuck::from_bytes(&acc.data[8..8 + std::mem::size_of::<T>()])
}

/// The whole state of some accounts (lamports, owner, data), for "nothing changed" assertions.
pub async fn snapshot(ctx: &mut ProgramTestContext, keys: &[Pubkey]) -> Vec<Option<Account>> {
    let mut out = Vec::with_capacity(keys.len());
    for key in keys {
        out.push(account(ctx, key).await);
    }
    out
}

/// Sends `ixs` and asserts that the transaction fails with custom error `expected` (a `PmError`
/// or an Anchor `ErrorCode`) and that none of `watch` changed, byte for byte. Returns what was
/// sent (its logs, for tests that check them).
pub async fn assert_rejected<E: Into<u32> + Copy + std::fmt::Debug>(
    ctx: &mut ProgramTestContext,
    ixs: &[Instruction],
    signers: &[&Keypair],
    watch: &[Pubkey],
    expected: E,
) -> Sent {
    let before = snapshot(ctx, watch).await;
    let sent = send(ctx, ixs, signers).await;
    assert_eq!(custom_code(&sent), expected.into(), "expected {expected:?}; logs:\n{}", sent.logs.join("\n"));
    let after = snapshot(ctx, watch).await;
    for ((key, b), a) in watch.iter().zip(&before).zip(&after) {
        assert_eq!(a, b, "{expected:?}: a rejected transaction changed {key}");
    }
    sent
}

/// Whether a log line of `sent` contains `text`.
pub fn logged(sent: &Sent, text: &str) -> bool {
    sent.logs.iter().any(|l| l.contains(text))
}

// ---- time ----

/// Sets the Clock sysvar's unix time (slot and epoch unchanged): the program's `now`.
pub async fn set_clock(ctx: &mut ProgramTestContext, unix_timestamp: i64) {
    let clock: Clock = ctx.banks_client.get_sysvar().await.expect("clock");
    ctx.set_sysvar(&Clock { unix_timestamp, ..clock });
}

pub fn ix(accounts: impl ToAccountMetas, data: impl InstructionData) -> Instruction {
    Instruction { program_id: portfolio_margin::ID, accounts: accounts.to_account_metas(None), data: data.data() }
}

/// Appends read-only remaining accounts (a margin check's `[market, oracle]` pairs).
pub trait WithRemaining {
    fn with_remaining(self, keys: &[Pubkey]) -> Instruction;
}

impl WithRemaining for Instruction {
    fn with_remaining(mut self, keys: &[Pubkey]) -> Instruction {
        self.accounts.extend(keys.iter().map(|k| solana_sdk::instruction::AccountMeta::new_readonly(*k, false)));
        self
    }
}

/// The same instruction with `key`'s signer flag cleared: the on-chain signer check must catch it.
pub fn unsigned(mut ix: Instruction, key: &Pubkey) -> Instruction {
    for meta in ix.accounts.iter_mut().filter(|m| m.pubkey == *key) {
        meta.is_signer = false;
    }
    ix
}

pub fn init_clearinghouse_ix(admin: &Pubkey, mint: &Pubkey, index: u16) -> Instruction {
    let clearinghouse = clearinghouse_pda(admin, index);
    let (quote_vault, insurance_vault) = vault_pdas(&clearinghouse);
    ix(
        portfolio_margin::accounts::InitializeClearinghouse {
            admin: *admin,
            clearinghouse,
            quote_mint: *mint,
            quote_vault,
            insurance_vault,
            token_program: spl_token::id(),
            system_program: solana_sdk::system_program::id(),
        },
        portfolio_margin::instruction::InitializeClearinghouse { index },
    )
}

pub fn create_account_ix(clearinghouse: &Pubkey, owner: &Pubkey, payer: &Pubkey, account_index: u16) -> Instruction {
    ix(
        portfolio_margin::accounts::CreateMarginAccount {
            owner: *owner,
            payer: *payer,
            clearinghouse: *clearinghouse,
            margin_account: margin_account_pda(clearinghouse, owner, account_index),
            system_program: solana_sdk::system_program::id(),
        },
        portfolio_margin::instruction::CreateMarginAccount { account_index },
    )
}

/// A deposit's or withdrawal's accounts, so tests can substitute any one of them. `remaining`:
/// the `[market, oracle]` pairs a withdrawal's margin check reads.
#[derive(Clone)]
pub struct Transfer {
    pub owner: Pubkey,
    pub clearinghouse: Pubkey,
    pub margin_account: Pubkey,
    pub vault: Pubkey,
    pub token_account: Pubkey,
    pub token_program: Pubkey,
    pub remaining: Vec<Pubkey>,
}

impl Transfer {
    pub fn deposit(&self, amount: u64) -> Instruction {
        ix(
            portfolio_margin::accounts::Deposit {
                owner: self.owner,
                clearinghouse: self.clearinghouse,
                margin_account: self.margin_account,
                vault: self.vault,
                source: self.token_account,
                token_program: self.token_program,
            },
            portfolio_margin::instruction::Deposit { amount },
        )
    }

    pub fn withdraw(&self, amount: u64) -> Instruction {
        ix(
            portfolio_margin::accounts::Withdraw {
                owner: self.owner,
                clearinghouse: self.clearinghouse,
                margin_account: self.margin_account,
                vault: self.vault,
                destination: self.token_account,
                token_program: self.token_program,
            },
            portfolio_margin::instruction::Withdraw { amount },
        )
        .with_remaining(&self.remaining)
    }
}

pub fn close_ix(owner: &Pubkey, clearinghouse: &Pubkey, margin_account: &Pubkey, rent_receiver: &Pubkey) -> Instruction {
    ix(
        portfolio_margin::accounts::CloseMarginAccount {
            owner: *owner,
            clearinghouse: *clearinghouse,
            margin_account: *margin_account,
            rent_receiver: *rent_receiver,
        },
        portfolio_margin::instruction::CloseMarginAccount {},
    )
}

/// A started bank with one clearinghouse on a 6-decimal mint and one funded user with a margin
/// account: the starting point of most tests.
pub struct World {
    pub ctx: ProgramTestContext,
    pub admin: Keypair,
    pub mint: Pubkey,
    pub mint_authority: Keypair,
    pub clearinghouse: Pubkey,
    pub quote_vault: Pubkey,
    pub insurance_vault: Pubkey,
    pub user: User,
}

pub struct User {
    pub key: Keypair,
    pub token_account: Pubkey,
    pub margin_account: Pubkey,
}

pub const START_BALANCE: u64 = 1_000 * USDC;

impl World {
    pub async fn new() -> Self {
        let mut ctx = start().await;
        let admin = Keypair::new();
        let mint_authority = Keypair::new();
        fund(&mut ctx, &admin.pubkey()).await;
        let mint = create_mint(&mut ctx, &mint_authority.pubkey(), 6).await;
        send_ok(&mut ctx, &[init_clearinghouse_ix(&admin.pubkey(), &mint, 0)], &[&admin]).await;
        let clearinghouse = clearinghouse_pda(&admin.pubkey(), 0);
        let (quote_vault, insurance_vault) = vault_pdas(&clearinghouse);
        let placeholder = User { key: Keypair::new(), token_account: Pubkey::default(), margin_account: Pubkey::default() };
        let mut world = World { ctx, admin, mint, mint_authority, clearinghouse, quote_vault, insurance_vault, user: placeholder };
        world.user = world.new_user().await;
        world
    }

    /// A user with START_BALANCE quote tokens and an empty margin account (index 0).
    pub async fn new_user(&mut self) -> User {
        let key = Keypair::new();
        let (mint, authority) = (self.mint, self.mint_authority.insecure_clone());
        let token_account = funded_token_account(&mut self.ctx, &mint, &authority, &key.pubkey(), START_BALANCE).await;
        let payer = self.ctx.payer.pubkey();
        send_ok(&mut self.ctx, &[create_account_ix(&self.clearinghouse, &key.pubkey(), &payer, 0)], &[&key]).await;
        let margin_account = margin_account_pda(&self.clearinghouse, &key.pubkey(), 0);
        User { key, token_account, margin_account }
    }

    pub fn transfer(&self, user: &User) -> Transfer {
        Transfer {
            owner: user.key.pubkey(),
            clearinghouse: self.clearinghouse,
            margin_account: user.margin_account,
            vault: self.quote_vault,
            token_account: user.token_account,
            token_program: spl_token::id(),
            remaining: vec![],
        }
    }

    pub async fn collateral(&mut self, margin_account: &Pubkey) -> u64 {
        let mint = self.mint;
        let acc: MarginAccount = load(&mut self.ctx, margin_account).await;
        acc.collateral_balance(&mint)
    }

    /// Every balance a deposit or withdrawal could move, for "nothing changed" assertions.
    pub async fn balances(&mut self, user_token: &Pubkey, margin_account: &Pubkey) -> Balances {
        Balances {
            user_token: token_balance(&mut self.ctx, user_token).await,
            vault: token_balance(&mut self.ctx, &self.quote_vault.clone()).await,
            insurance: token_balance(&mut self.ctx, &self.insurance_vault.clone()).await,
            margin_account_data: account(&mut self.ctx, margin_account).await.map(|a| a.data),
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub struct Balances {
    pub user_token: u64,
    pub vault: u64,
    pub insurance: u64,
    /// The whole margin account, byte for byte.
    pub margin_account_data: Option<Vec<u8>>,
}

pub async fn fund(ctx: &mut ProgramTestContext, key: &Pubkey) {
    let ix = system_instruction::transfer(&ctx.payer.pubkey(), key, 10_000_000_000);
    send_ok(ctx, &[ix], &[]).await;
}

/// Decodes the Anchor events of type `E` from a transaction's `Program data:` lines.
pub fn events<E: anchor_lang::AnchorDeserialize + Discriminator>(logs: &[String]) -> Vec<E> {
    native_harness::program_data(logs)
        .into_iter()
        .filter(|d| d.starts_with(E::DISCRIMINATOR))
        .map(|d| E::deserialize(&mut &d[E::DISCRIMINATOR.len()..]).expect("event decodes"))
        .collect()
}
