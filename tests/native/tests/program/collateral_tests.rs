use crate::support::*;
use anchor_lang::error::ErrorCode as AnchorError;
use portfolio_margin::{
    errors::PmError,
    events::{DepositEvent, WithdrawEvent},
    state::*,
};
use solana_program_test::tokio;
use solana_sdk::{pubkey::Pubkey, signature::{Keypair, Signer}};

/// Sends `ix` signed by `signers`, asserts the error code, and that no balance moved.
async fn rejects(w: &mut World, ix: solana_sdk::instruction::Instruction, signers: &[&Keypair], check: impl Fn(&Sent)) {
    let (token, margin) = (w.user.token_account, w.user.margin_account);
    let before = w.balances(&token, &margin).await;
    let sent = send(&mut w.ctx, &[ix], signers).await;
    check(&sent);
    assert_eq!(w.balances(&token, &margin).await, before, "a rejected instruction moved funds");
}

// ---- deposit ----

#[tokio::test]
async fn deposit_moves_tokens_credits_the_account_and_emits_an_event() {
    let mut w = World::new().await;
    let owner = w.user.key.insecure_clone();
    let t = w.transfer(&w.user);
    let logs = send_ok(&mut w.ctx, &[t.deposit(250 * USDC)], &[&owner]).await;
    send_ok(&mut w.ctx, &[t.deposit(5)], &[&owner]).await;

    assert_eq!(token_balance(&mut w.ctx, &w.user.token_account).await, START_BALANCE - 250 * USDC - 5);
    assert_eq!(token_balance(&mut w.ctx, &w.quote_vault).await, 250 * USDC + 5);
    let margin = w.user.margin_account;
    assert_eq!(w.collateral(&margin).await, 250 * USDC + 5);
    let acc: MarginAccount = load(&mut w.ctx, &margin).await;
    assert_eq!(acc.total_deposited, 250 * USDC + 5);

    let events: Vec<DepositEvent> = events(&logs);
    assert_eq!(events.len(), 1, "logs:\n{}", logs.join("\n"));
    let e = &events[0];
    assert_eq!((e.owner, e.margin_account, e.mint, e.amount, e.balance_after), (owner.pubkey(), margin, w.mint, 250 * USDC, 250 * USDC));
    // The transaction log reads as on a validator: one frame per program, the program's own
    // `msg!` lines, the event as a `Program data:` line.
    assert_eq!(logs.iter().filter(|l| l.ends_with("invoke [1]")).count(), 1, "{logs:#?}");
    assert!(logs.iter().any(|l| l == "Program log: Instruction: Deposit"), "{logs:#?}");
    assert!(logs.iter().any(|l| l == &format!("Program {} invoke [2]", spl_token::id())), "{logs:#?}");
    assert!(logs.iter().any(|l| l.starts_with("Program data: ")), "{logs:#?}");
}

#[tokio::test]
async fn deposit_of_zero_is_rejected() {
    let mut w = World::new().await;
    let owner = w.user.key.insecure_clone();
    let ix = w.transfer(&w.user).deposit(0);
    rejects(&mut w, ix, &[&owner], |s| {
        assert_pm_error(s, PmError::ZeroAmount);
        // Anchor's error line, which clients parse, reaches the transaction log.
        assert!(s.logs.iter().any(|l| l.starts_with("Program log: AnchorError") && l.contains("Error Code: ZeroAmount")), "{:#?}", s.logs);
    })
    .await;
}

#[tokio::test]
async fn deposit_above_the_wallet_balance_is_rejected() {
    let mut w = World::new().await;
    let owner = w.user.key.insecure_clone();
    let t = w.transfer(&w.user);
    rejects(&mut w, t.deposit(START_BALANCE + 1), &[&owner], |s| assert_pm_error(s, PmError::InsufficientSourceFunds)).await;
    rejects(&mut w, t.deposit(u64::MAX), &[&owner], |s| assert_pm_error(s, PmError::InsufficientSourceFunds)).await;
}

#[tokio::test]
async fn deposit_that_would_overflow_the_balance_is_rejected() {
    let mut w = World::new().await;
    let owner = w.user.key.insecure_clone();
    let (mint, margin) = (w.mint, w.user.margin_account);
    edit_margin_account(&mut w.ctx, &margin, |a| {
        a.collaterals[0].mint = mint;
        a.collaterals[0].amount = u64::MAX - 5;
    })
    .await;
    let ix = w.transfer(&w.user).deposit(10);
    rejects(&mut w, ix, &[&owner], |s| assert_pm_error(s, PmError::MathOverflow)).await;
}

#[tokio::test]
async fn deposit_into_another_owners_account_is_rejected() {
    let mut w = World::new().await;
    let attacker = w.new_user().await;
    let mut t = w.transfer(&attacker);
    t.margin_account = w.user.margin_account;
    let signer = attacker.key.insecure_clone();
    rejects(&mut w, t.deposit(USDC), &[&signer], |s| assert_pm_error(s, PmError::NotAccountOwner)).await;
}

#[tokio::test]
async fn deposit_from_someone_elses_token_account_is_rejected() {
    let mut w = World::new().await;
    let attacker = w.new_user().await;
    let mut t = w.transfer(&attacker);
    t.token_account = w.user.token_account; // the victim's tokens
    let signer = attacker.key.insecure_clone();
    rejects(&mut w, t.deposit(USDC), &[&signer], |s| assert_pm_error(s, PmError::InvalidTokenOwner)).await;
}

#[tokio::test]
async fn deposit_needs_the_owners_signature() {
    let mut w = World::new().await;
    let owner = w.user.key.pubkey();
    let ix = unsigned(w.transfer(&w.user).deposit(USDC), &owner);
    rejects(&mut w, ix, &[], |s| assert_anchor_error(s, AnchorError::AccountNotSigner)).await;
}

#[tokio::test]
async fn deposit_into_a_substituted_vault_is_rejected() {
    let mut w = World::new().await;
    let owner = w.user.key.insecure_clone();
    let fake_vault = create_token_account(&mut w.ctx, &w.mint, &owner.pubkey()).await;
    for vault in [fake_vault, w.insurance_vault] {
        let mut t = w.transfer(&w.user);
        t.vault = vault;
        rejects(&mut w, t.deposit(USDC), &[&owner], |s| assert_pm_error(s, PmError::InvalidVault)).await;
    }
}

#[tokio::test]
async fn deposit_of_another_mint_is_rejected() {
    let mut w = World::new().await;
    let owner = w.user.key.insecure_clone();
    let other_authority = Keypair::new();
    let other_mint = create_mint(&mut w.ctx, &other_authority.pubkey(), 6).await;
    let other_tokens = create_token_account(&mut w.ctx, &other_mint, &owner.pubkey()).await;
    mint_to(&mut w.ctx, &other_mint, &other_authority, &other_tokens, START_BALANCE).await;
    let mut t = w.transfer(&w.user);
    t.token_account = other_tokens;
    rejects(&mut w, t.deposit(USDC), &[&owner], |s| assert_pm_error(s, PmError::CollateralNotListed)).await;
    assert_eq!(token_balance(&mut w.ctx, &other_tokens).await, START_BALANCE);
}

#[tokio::test]
async fn deposit_through_a_margin_account_of_another_clearinghouse_is_rejected() {
    let mut w = World::new().await;
    let owner = w.user.key.insecure_clone();
    // Same admin and mint, second clearinghouse; the user's account there.
    let admin = w.admin.insecure_clone();
    send_ok(&mut w.ctx, &[init_clearinghouse_ix(&admin.pubkey(), &w.mint, 1)], &[&admin]).await;
    let other = clearinghouse_pda(&admin.pubkey(), 1);
    let payer = w.ctx.payer.pubkey();
    send_ok(&mut w.ctx, &[create_account_ix(&other, &owner.pubkey(), &payer, 0)], &[&owner]).await;
    let mut t = w.transfer(&w.user);
    t.margin_account = margin_account_pda(&other, &owner.pubkey(), 0);
    rejects(&mut w, t.deposit(USDC), &[&owner], |s| assert_pm_error(s, PmError::WrongClearinghouse)).await;
}

#[tokio::test]
async fn deposit_into_a_fake_margin_account_is_rejected() {
    let mut w = World::new().await;
    let owner = w.user.key.insecure_clone();
    // A byte-for-byte copy of the real account, but owned by another program.
    let mut forged = account(&mut w.ctx, &w.user.margin_account).await.unwrap();
    forged.owner = Pubkey::new_unique();
    let fake = Pubkey::new_unique();
    w.ctx.set_account(&fake, &forged.into());
    let mut t = w.transfer(&w.user);
    t.margin_account = fake;
    rejects(&mut w, t.deposit(USDC), &[&owner], |s| assert_anchor_error(s, AnchorError::AccountOwnedByWrongProgram)).await;
}

#[tokio::test]
async fn deposit_through_a_fake_token_program_is_rejected() {
    let mut w = World::new().await;
    let owner = w.user.key.insecure_clone();
    let mut t = w.transfer(&w.user);
    t.token_program = solana_sdk::system_program::id();
    rejects(&mut w, t.deposit(USDC), &[&owner], |s| assert_anchor_error(s, AnchorError::InvalidProgramId)).await;
}

// ---- withdraw ----

async fn funded(amount: u64) -> World {
    let mut w = World::new().await;
    let owner = w.user.key.insecure_clone();
    let t = w.transfer(&w.user);
    send_ok(&mut w.ctx, &[t.deposit(amount)], &[&owner]).await;
    w
}

#[tokio::test]
async fn withdraw_pays_out_debits_and_emits_an_event() {
    let mut w = funded(300 * USDC).await;
    let owner = w.user.key.insecure_clone();
    let t = w.transfer(&w.user);
    let logs = send_ok(&mut w.ctx, &[t.withdraw(100 * USDC)], &[&owner]).await;
    assert_eq!(token_balance(&mut w.ctx, &w.user.token_account).await, START_BALANCE - 200 * USDC);
    assert_eq!(token_balance(&mut w.ctx, &w.quote_vault).await, 200 * USDC);
    let margin = w.user.margin_account;
    assert_eq!(w.collateral(&margin).await, 200 * USDC);

    let events: Vec<WithdrawEvent> = events(&logs);
    assert_eq!(events.len(), 1);
    assert_eq!((events[0].amount, events[0].balance_after, events[0].destination), (100 * USDC, 200 * USDC, w.user.token_account));

    // Everything out, to another wallet's token account: the slot is freed, the account closable.
    let friend = create_token_account(&mut w.ctx, &w.mint, &Keypair::new().pubkey()).await;
    let mut to_friend = t;
    to_friend.token_account = friend;
    send_ok(&mut w.ctx, &[to_friend.withdraw(200 * USDC)], &[&owner]).await;
    assert_eq!(token_balance(&mut w.ctx, &friend).await, 200 * USDC);
    let acc: MarginAccount = load(&mut w.ctx, &margin).await;
    assert!(acc.is_empty());
    assert_eq!((acc.total_deposited, acc.total_withdrawn), (300 * USDC, 300 * USDC));
}

#[tokio::test]
async fn withdraw_of_zero_is_rejected() {
    let mut w = funded(10 * USDC).await;
    let owner = w.user.key.insecure_clone();
    let ix = w.transfer(&w.user).withdraw(0);
    rejects(&mut w, ix, &[&owner], |s| assert_pm_error(s, PmError::ZeroAmount)).await;
}

#[tokio::test]
async fn withdraw_above_the_balance_is_rejected() {
    let mut w = funded(10 * USDC).await;
    let owner = w.user.key.insecure_clone();
    let t = w.transfer(&w.user);
    rejects(&mut w, t.withdraw(10 * USDC + 1), &[&owner], |s| assert_pm_error(s, PmError::InsufficientCollateral)).await;
    rejects(&mut w, t.withdraw(u64::MAX), &[&owner], |s| assert_pm_error(s, PmError::InsufficientCollateral)).await;
}

#[tokio::test]
async fn withdraw_from_another_owners_account_is_rejected() {
    let mut w = funded(10 * USDC).await;
    let attacker = w.new_user().await;
    let mut t = w.transfer(&attacker);
    t.margin_account = w.user.margin_account; // victim's collateral, attacker's token account
    let signer = attacker.key.insecure_clone();
    rejects(&mut w, t.withdraw(USDC), &[&signer], |s| assert_pm_error(s, PmError::NotAccountOwner)).await;
}

#[tokio::test]
async fn withdraw_needs_the_owners_signature() {
    let mut w = funded(10 * USDC).await;
    let owner = w.user.key.pubkey();
    let ix = unsigned(w.transfer(&w.user).withdraw(USDC), &owner);
    rejects(&mut w, ix, &[], |s| assert_anchor_error(s, AnchorError::AccountNotSigner)).await;
}

#[tokio::test]
async fn withdraw_from_a_substituted_vault_is_rejected() {
    let mut w = funded(10 * USDC).await;
    let owner = w.user.key.insecure_clone();
    let mut t = w.transfer(&w.user);
    t.vault = w.insurance_vault; // program-owned, right mint, wrong vault
    rejects(&mut w, t.withdraw(USDC), &[&owner], |s| assert_pm_error(s, PmError::InvalidVault)).await;
}

#[tokio::test]
async fn withdraw_to_a_token_account_of_another_mint_is_rejected() {
    let mut w = funded(10 * USDC).await;
    let owner = w.user.key.insecure_clone();
    let other_mint = create_mint(&mut w.ctx, &Keypair::new().pubkey(), 6).await;
    let mut t = w.transfer(&w.user);
    t.token_account = create_token_account(&mut w.ctx, &other_mint, &owner.pubkey()).await;
    rejects(&mut w, t.withdraw(USDC), &[&owner], |s| assert_pm_error(s, PmError::CollateralNotListed)).await;
}

#[tokio::test]
async fn withdraw_with_the_vault_of_another_clearinghouse_is_rejected() {
    // The user's account in clearinghouse B, B's vault, but A named as the clearinghouse.
    let mut w = funded(10 * USDC).await;
    let owner = w.user.key.insecure_clone();
    let admin = w.admin.insecure_clone();
    send_ok(&mut w.ctx, &[init_clearinghouse_ix(&admin.pubkey(), &w.mint, 1)], &[&admin]).await;
    let other = clearinghouse_pda(&admin.pubkey(), 1);
    let mut t = w.transfer(&w.user);
    t.clearinghouse = other;
    rejects(&mut w, t.withdraw(USDC), &[&owner], |s| assert_pm_error(s, PmError::WrongClearinghouse)).await;
}
