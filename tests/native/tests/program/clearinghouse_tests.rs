use crate::support::*;
use anchor_lang::error::ErrorCode as AnchorError;
use portfolio_margin::{errors::PmError, state::*};
use solana_sdk::{
    instruction::InstructionError, program_pack::Pack, signature::{Keypair, Signer}, transaction::TransactionError,
};

pm_test! {
    async fn initialize_sets_admin_mint_and_program_owned_vaults() {
        let mut w = World::new().await;
        let ch: Clearinghouse = load(&mut w.ctx, &w.clearinghouse).await;
        assert_eq!(ch.admin, w.admin.pubkey());
        assert_eq!(ch.quote_mint, w.mint);
        assert_eq!((ch.quote_vault, ch.insurance_vault), (w.quote_vault, w.insurance_vault));
        assert_eq!(ch.quote_decimals, 6);
        for vault in [w.quote_vault, w.insurance_vault] {
            let acc = account(&mut w.ctx, &vault).await.unwrap();
            assert_eq!(acc.owner, spl_token::id());
            let token = spl_token::state::Account::unpack(&acc.data).unwrap();
            assert_eq!(token.mint, w.mint);
            assert_eq!(token.owner, w.clearinghouse, "vault authority is the clearinghouse PDA");
            assert_eq!(token.amount, 0);
        }
    }
}

pm_test! {
    async fn one_admin_can_run_several_clearinghouses() {
        let mut w = World::new().await;
        let admin = w.admin.insecure_clone();
        send_ok(&mut w.ctx, &[init_clearinghouse_ix(&admin.pubkey(), &w.mint, 1)], &[&admin]).await;
        let second: Clearinghouse = load(&mut w.ctx, &clearinghouse_pda(&admin.pubkey(), 1)).await;
        assert_eq!(second.index, 1);
    }
}

pm_test! {
    async fn double_initialisation_fails_and_keeps_the_first() {
        let mut w = World::new().await;
        let before = account(&mut w.ctx, &w.clearinghouse).await.unwrap();
        let other_mint = create_mint(&mut w.ctx, &Keypair::new().pubkey(), 6).await;
        let admin = w.admin.insecure_clone();
        let sent = send(&mut w.ctx, &[init_clearinghouse_ix(&admin.pubkey(), &other_mint, 0)], &[&admin]).await;
        // The system program refuses to allocate an account that already exists (AccountAlreadyInUse).
        assert_eq!(sent.result, Err(TransactionError::InstructionError(0, InstructionError::Custom(0))));
        assert_eq!(account(&mut w.ctx, &w.clearinghouse).await.unwrap(), before);
    }
}

pm_test! {
    async fn quote_mint_with_other_decimals_is_rejected() {
        let mut ctx = start().await;
        let admin = Keypair::new();
        fund(&mut ctx, &admin.pubkey()).await;
        let mint = create_mint(&mut ctx, &admin.pubkey(), 9).await;
        let sent = send(&mut ctx, &[init_clearinghouse_ix(&admin.pubkey(), &mint, 0)], &[&admin]).await;
        assert_pm_error(&sent, PmError::UnsupportedQuoteDecimals);
        assert!(account(&mut ctx, &clearinghouse_pda(&admin.pubkey(), 0)).await.is_none());
    }
}

pm_test! {
    async fn a_token_account_passed_as_the_mint_is_rejected() {
        let mut ctx = start().await;
        let admin = Keypair::new();
        fund(&mut ctx, &admin.pubkey()).await;
        let mint = create_mint(&mut ctx, &admin.pubkey(), 6).await;
        let not_a_mint = create_token_account(&mut ctx, &mint, &admin.pubkey()).await;
        let sent = send(&mut ctx, &[init_clearinghouse_ix(&admin.pubkey(), &not_a_mint, 0)], &[&admin]).await;
        // Anchor's `Account<Mint>` reports the failed unpack as InvalidAccountData (and logs the field).
        assert_eq!(sent.result, Err(TransactionError::InstructionError(0, InstructionError::InvalidAccountData)));
        assert!(sent.logs.iter().any(|l| l.contains("caused by account: quote_mint")), "{:?}", sent.logs);
        assert!(account(&mut ctx, &clearinghouse_pda(&admin.pubkey(), 0)).await.is_none());
    }
}

pm_test! {
    async fn admin_must_sign() {
        let mut ctx = start().await;
        let admin = Keypair::new();
        fund(&mut ctx, &admin.pubkey()).await;
        let mint = create_mint(&mut ctx, &admin.pubkey(), 6).await;
        let ix = unsigned(init_clearinghouse_ix(&admin.pubkey(), &mint, 0), &admin.pubkey());
        let sent = send(&mut ctx, &[ix], &[]).await;
        assert_anchor_error(&sent, AnchorError::AccountNotSigner);
        assert!(account(&mut ctx, &clearinghouse_pda(&admin.pubkey(), 0)).await.is_none());
    }
}

pm_test! {
    async fn clearinghouse_at_a_foreign_address_is_rejected() {
        let mut ctx = start().await;
        let admin = Keypair::new();
        fund(&mut ctx, &admin.pubkey()).await;
        let mint = create_mint(&mut ctx, &admin.pubkey(), 6).await;
        let mut ix = init_clearinghouse_ix(&admin.pubkey(), &mint, 0);
        // Seeds of index 7 while the instruction says index 0: a PDA that does not match.
        ix.accounts[1].pubkey = clearinghouse_pda(&admin.pubkey(), 7);
        let sent = send(&mut ctx, &[ix], &[&admin]).await;
        assert_anchor_error(&sent, AnchorError::ConstraintSeeds);
    }
}

pm_test! {
    async fn substituted_vault_address_is_rejected() {
        let mut ctx = start().await;
        let admin = Keypair::new();
        fund(&mut ctx, &admin.pubkey()).await;
        let mint = create_mint(&mut ctx, &admin.pubkey(), 6).await;
        let mut ix = init_clearinghouse_ix(&admin.pubkey(), &mint, 0);
        let attacker_vault = Keypair::new();
        ix.accounts[3].pubkey = attacker_vault.pubkey();
        ix.accounts[3].is_signer = true;
        let sent = send(&mut ctx, &[ix], &[&admin, &attacker_vault]).await;
        assert_anchor_error(&sent, AnchorError::ConstraintSeeds);
        assert!(account(&mut ctx, &clearinghouse_pda(&admin.pubkey(), 0)).await.is_none());
    }
}

pm_test! {
    async fn account_layouts_have_the_asserted_sizes() {
        // Clients and indexers decode these offsets: a silent size change would break them.
        assert_eq!(Clearinghouse::SPACE, 8 + 2224);
        assert_eq!(MarginAccount::SPACE, 8 + 2264);
        assert_eq!(Market::SPACE, 8 + 7152);
        // capacities (one definition: risk_engine's, re-exported by the program)
        assert_eq!(MAX_COLLATERALS, 8);
        assert_eq!(MAX_POSITIONS, 32);
        assert_eq!(MAX_MARKETS_PER_ACCOUNT, 4);
        assert_eq!((MAX_INSTRUMENTS, MAX_EXPIRIES, MAX_COLLATERAL_MINTS), (256, 8, 16));
    }
}
