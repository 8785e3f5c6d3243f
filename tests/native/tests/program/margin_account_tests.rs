use crate::support::*;
use anchor_lang::error::ErrorCode as AnchorError;
use portfolio_margin::{errors::PmError, state::*};
use solana_sdk::{
    instruction::InstructionError, signature::{Keypair, Signer}, system_program, transaction::TransactionError,
};

pm_test! {
    async fn create_sets_owner_and_one_wallet_can_hold_several() {
        let mut w = World::new().await;
        let owner = w.user.key.insecure_clone();
        let acc: MarginAccount = load(&mut w.ctx, &w.user.margin_account).await;
        assert_eq!((acc.owner, acc.clearinghouse, acc.account_index), (owner.pubkey(), w.clearinghouse, 0));
        assert!(acc.is_empty());

        // A sponsor pays the rent of the owner's second account.
        let sponsor = Keypair::new();
        fund(&mut w.ctx, &sponsor.pubkey()).await;
        send_ok(&mut w.ctx, &[create_account_ix(&w.clearinghouse, &owner.pubkey(), &sponsor.pubkey(), 1)], &[&owner, &sponsor]).await;
        let second: MarginAccount = load(&mut w.ctx, &margin_account_pda(&w.clearinghouse, &owner.pubkey(), 1)).await;
        assert_eq!((second.owner, second.account_index), (owner.pubkey(), 1));
    }
}

pm_test! {
    async fn owner_must_sign_create() {
        let mut w = World::new().await;
        let victim = Keypair::new().pubkey();
        let payer = w.ctx.payer.pubkey();
        let ix = unsigned(create_account_ix(&w.clearinghouse, &victim, &payer, 0), &victim);
        let sent = send(&mut w.ctx, &[ix], &[]).await;
        assert_anchor_error(&sent, AnchorError::AccountNotSigner);
        assert!(account(&mut w.ctx, &margin_account_pda(&w.clearinghouse, &victim, 0)).await.is_none());
    }
}

pm_test! {
    async fn creating_at_another_owners_address_is_rejected() {
        let mut w = World::new().await;
        let attacker = Keypair::new();
        let victim = Keypair::new().pubkey();
        let payer = w.ctx.payer.pubkey();
        let mut ix = create_account_ix(&w.clearinghouse, &attacker.pubkey(), &payer, 0);
        ix.accounts[3].pubkey = margin_account_pda(&w.clearinghouse, &victim, 0);
        let sent = send(&mut w.ctx, &[ix], &[&attacker]).await;
        assert_anchor_error(&sent, AnchorError::ConstraintSeeds);
        assert!(account(&mut w.ctx, &margin_account_pda(&w.clearinghouse, &victim, 0)).await.is_none());
    }
}

pm_test! {
    async fn creating_the_same_account_twice_fails() {
        let mut w = World::new().await;
        let owner = w.user.key.insecure_clone();
        let before = account(&mut w.ctx, &w.user.margin_account).await;
        let payer = w.ctx.payer.pubkey();
        let sent = send(&mut w.ctx, &[create_account_ix(&w.clearinghouse, &owner.pubkey(), &payer, 0)], &[&owner]).await;
        assert_eq!(sent.result, Err(TransactionError::InstructionError(0, InstructionError::Custom(0))));
        assert_eq!(account(&mut w.ctx, &w.user.margin_account).await, before);
    }
}

pm_test! {
    async fn fake_clearinghouse_is_rejected() {
        let mut w = World::new().await;
        let owner = Keypair::new();
        // An account of the right size owned by the system program, not by this program.
        let fake = Keypair::new().pubkey();
        w.ctx.set_account(&fake, &solana_sdk::account::AccountSharedData::new(1_000_000_000, Clearinghouse::SPACE, &system_program::id()));
        let payer = w.ctx.payer.pubkey();
        let sent = send(&mut w.ctx, &[create_account_ix(&fake, &owner.pubkey(), &payer, 0)], &[&owner]).await;
        assert_anchor_error(&sent, AnchorError::AccountOwnedByWrongProgram);
        assert!(account(&mut w.ctx, &margin_account_pda(&fake, &owner.pubkey(), 0)).await.is_none());
    }
}

pm_test! {
    async fn close_returns_rent_and_removes_the_account() {
        let mut w = World::new().await;
        let owner = w.user.key.insecure_clone();
        let receiver = Keypair::new().pubkey();
        let rent = account(&mut w.ctx, &w.user.margin_account).await.unwrap().lamports;
        send_ok(&mut w.ctx, &[close_ix(&owner.pubkey(), &w.clearinghouse, &w.user.margin_account, &receiver)], &[&owner]).await;
        assert!(account(&mut w.ctx, &w.user.margin_account).await.is_none());
        assert_eq!(account(&mut w.ctx, &receiver).await.unwrap().lamports, rent);
    }
}

pm_test! {
    async fn closing_an_account_with_collateral_fails() {
        let mut w = World::new().await;
        let owner = w.user.key.insecure_clone();
        let t = w.transfer(&w.user);
        send_ok(&mut w.ctx, &[t.deposit(1)], &[&owner]).await;
        let (token, margin) = (w.user.token_account, w.user.margin_account);
        let before = w.balances(&token, &margin).await;
        let sent = send(&mut w.ctx, &[close_ix(&owner.pubkey(), &w.clearinghouse, &margin, &owner.pubkey())], &[&owner]).await;
        assert_pm_error(&sent, PmError::AccountNotEmpty);
        assert_eq!(w.balances(&token, &margin).await, before);
    }
}

pm_test! {
    async fn closing_an_account_with_a_position_fails() {
        let mut w = World::new().await;
        let owner = w.user.key.insecure_clone();
        let margin = w.user.margin_account;
        edit_margin_account(&mut w.ctx, &margin, |a| a.positions[3].size = -1).await;
        let sent = send(&mut w.ctx, &[close_ix(&owner.pubkey(), &w.clearinghouse, &margin, &owner.pubkey())], &[&owner]).await;
        assert_pm_error(&sent, PmError::AccountNotEmpty);
        assert!(account(&mut w.ctx, &margin).await.is_some());
    }
}

pm_test! {
    async fn only_the_owner_can_close() {
        let mut w = World::new().await;
        let attacker = Keypair::new();
        let margin = w.user.margin_account;
        let sent = send(&mut w.ctx, &[close_ix(&attacker.pubkey(), &w.clearinghouse, &margin, &attacker.pubkey())], &[&attacker]).await;
        assert_pm_error(&sent, PmError::NotAccountOwner);
        assert!(account(&mut w.ctx, &margin).await.is_some());

        let owner = w.user.key.pubkey();
        let ix = unsigned(close_ix(&owner, &w.clearinghouse, &margin, &owner), &owner);
        let sent = send(&mut w.ctx, &[ix], &[]).await;
        assert_anchor_error(&sent, AnchorError::AccountNotSigner);
        assert!(account(&mut w.ctx, &margin).await.is_some());
    }
}
