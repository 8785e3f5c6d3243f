use crate::support::*;
use anchor_lang::error::ErrorCode as AnchorError;
use portfolio_margin::{
    errors::PmError,
    events::{DepositEvent, WithdrawEvent},
    state::*,
};
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

pm_test! {
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
}

pm_test! {
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
}

pm_test! {
    async fn deposit_above_the_wallet_balance_is_rejected() {
        let mut w = World::new().await;
        let owner = w.user.key.insecure_clone();
        let t = w.transfer(&w.user);
        rejects(&mut w, t.deposit(START_BALANCE + 1), &[&owner], |s| assert_pm_error(s, PmError::InsufficientSourceFunds)).await;
        rejects(&mut w, t.deposit(u64::MAX), &[&owner], |s| assert_pm_error(s, PmError::InsufficientSourceFunds)).await;
    }
}

pm_test! {
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
}

pm_test! {
    async fn deposit_into_another_owners_account_is_rejected() {
        let mut w = World::new().await;
        let attacker = w.new_user().await;
        let mut t = w.transfer(&attacker);
        t.margin_account = w.user.margin_account;
        let signer = attacker.key.insecure_clone();
        rejects(&mut w, t.deposit(USDC), &[&signer], |s| assert_pm_error(s, PmError::NotAccountOwner)).await;
    }
}

pm_test! {
    async fn deposit_from_someone_elses_token_account_is_rejected() {
        let mut w = World::new().await;
        let attacker = w.new_user().await;
        let mut t = w.transfer(&attacker);
        t.token_account = w.user.token_account; // the victim's tokens
        let signer = attacker.key.insecure_clone();
        rejects(&mut w, t.deposit(USDC), &[&signer], |s| assert_pm_error(s, PmError::InvalidTokenOwner)).await;
    }
}

pm_test! {
    async fn deposit_needs_the_owners_signature() {
        let mut w = World::new().await;
        let owner = w.user.key.pubkey();
        let ix = unsigned(w.transfer(&w.user).deposit(USDC), &owner);
        rejects(&mut w, ix, &[], |s| assert_anchor_error(s, AnchorError::AccountNotSigner)).await;
    }
}

pm_test! {
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
}

pm_test! {
    async fn deposit_of_another_mint_is_rejected() {
        let mut w = World::new().await;
        let owner = w.user.key.insecure_clone();
        let (_, other_tokens) = new_mint_with_tokens(&mut w.ctx, &owner.pubkey(), 6, START_BALANCE).await;
        let mut t = w.transfer(&w.user);
        t.token_account = other_tokens;
        rejects(&mut w, t.deposit(USDC), &[&owner], |s| assert_pm_error(s, PmError::CollateralNotListed)).await;
        assert_eq!(token_balance(&mut w.ctx, &other_tokens).await, START_BALANCE);
    }
}

pm_test! {
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
}

pm_test! {
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
}

pm_test! {
    async fn deposit_through_a_fake_token_program_is_rejected() {
        let mut w = World::new().await;
        let owner = w.user.key.insecure_clone();
        let mut t = w.transfer(&w.user);
        t.token_program = solana_sdk::system_program::id();
        rejects(&mut w, t.deposit(USDC), &[&owner], |s| assert_anchor_error(s, AnchorError::InvalidProgramId)).await;
    }
}

// ---- withdraw ----

async fn funded(amount: u64) -> World {
    let mut w = World::new().await;
    let owner = w.user.key.insecure_clone();
    let t = w.transfer(&w.user);
    send_ok(&mut w.ctx, &[t.deposit(amount)], &[&owner]).await;
    w
}

pm_test! {
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
}

pm_test! {
    async fn withdraw_of_zero_is_rejected() {
        let mut w = funded(10 * USDC).await;
        let owner = w.user.key.insecure_clone();
        let ix = w.transfer(&w.user).withdraw(0);
        rejects(&mut w, ix, &[&owner], |s| assert_pm_error(s, PmError::ZeroAmount)).await;
    }
}

pm_test! {
    async fn withdraw_above_the_balance_is_rejected() {
        let mut w = funded(10 * USDC).await;
        let owner = w.user.key.insecure_clone();
        let t = w.transfer(&w.user);
        rejects(&mut w, t.withdraw(10 * USDC + 1), &[&owner], |s| assert_pm_error(s, PmError::InsufficientCollateral)).await;
        rejects(&mut w, t.withdraw(u64::MAX), &[&owner], |s| assert_pm_error(s, PmError::InsufficientCollateral)).await;
    }
}

pm_test! {
    async fn withdraw_from_another_owners_account_is_rejected() {
        let mut w = funded(10 * USDC).await;
        let attacker = w.new_user().await;
        let mut t = w.transfer(&attacker);
        t.margin_account = w.user.margin_account; // victim's collateral, attacker's token account
        let signer = attacker.key.insecure_clone();
        rejects(&mut w, t.withdraw(USDC), &[&signer], |s| assert_pm_error(s, PmError::NotAccountOwner)).await;
    }
}

pm_test! {
    async fn withdraw_needs_the_owners_signature() {
        let mut w = funded(10 * USDC).await;
        let owner = w.user.key.pubkey();
        let ix = unsigned(w.transfer(&w.user).withdraw(USDC), &owner);
        rejects(&mut w, ix, &[], |s| assert_anchor_error(s, AnchorError::AccountNotSigner)).await;
    }
}

pm_test! {
    async fn withdraw_from_a_substituted_vault_is_rejected() {
        let mut w = funded(10 * USDC).await;
        let owner = w.user.key.insecure_clone();
        let mut t = w.transfer(&w.user);
        t.vault = w.insurance_vault; // program-owned, right mint, wrong vault
        rejects(&mut w, t.withdraw(USDC), &[&owner], |s| assert_pm_error(s, PmError::InvalidVault)).await;
    }
}

pm_test! {
    async fn withdraw_into_the_vault_itself_is_rejected() {
        // SPL Token accepts a transfer from an account to itself and moves nothing: the balance would
        // be debited while the vault kept the tokens.
        let mut w = funded(10 * USDC).await;
        let owner = w.user.key.insecure_clone();
        let mut t = w.transfer(&w.user);
        t.token_account = w.quote_vault;
        rejects(&mut w, t.withdraw(USDC), &[&owner], |s| assert_pm_error(s, PmError::InvalidVault)).await;
        assert_eq!(token_balance(&mut w.ctx, &w.quote_vault).await, 10 * USDC);
    }
}

pm_test! {
    async fn withdraw_to_a_token_account_of_another_mint_is_rejected() {
        let mut w = funded(10 * USDC).await;
        let owner = w.user.key.insecure_clone();
        let other_mint = create_mint(&mut w.ctx, &Keypair::new().pubkey(), 6).await;
        let mut t = w.transfer(&w.user);
        t.token_account = create_token_account(&mut w.ctx, &other_mint, &owner.pubkey()).await;
        rejects(&mut w, t.withdraw(USDC), &[&owner], |s| assert_pm_error(s, PmError::CollateralNotListed)).await;
    }
}

pm_test! {
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
}

// ---- non-stable collateral: wBTC (8 decimals) on the BTC market ----

mod non_stable {
    use crate::support::*;
    use portfolio_margin::{
        errors::PmError,
        events::{CollateralAdded, DepositEvent, WithdrawEvent},
        instructions::AddCollateralParams,
        state::*,
    };
    use risk_engine::MAX_HAIRCUT_PPM;
        use solana_sdk::{program_pack::Pack, pubkey::Pubkey, signature::{Keypair, Signer}};

    /// add_collateral of `mint` by the admin, rejected with `expected`; the clearinghouse and the
    /// vault address unchanged.
    async fn add_rejected<E: Into<u32> + Copy + std::fmt::Debug>(m: &mut MarketWorld, mint: Pubkey, params: AddCollateralParams, expected: E) {
        let admin = m.admin.insecure_clone();
        let ix = add_collateral_ix(&admin.pubkey(), &m.clearinghouse, &mint, params);
        let watch = [m.clearinghouse, collateral_vault_pda(&m.clearinghouse, &mint), admin.pubkey()];
        assert_rejected(&mut m.ctx, &[ix], &[&admin], &watch, expected).await;
    }

    /// A deposit or withdrawal `ix` of the world's user, rejected with `expected`: no token
    /// account, vault or margin account changed.
    async fn transfer_rejected<E: Into<u32> + Copy + std::fmt::Debug>(m: &mut MarketWorld, ix: solana_sdk::instruction::Instruction, expected: E) {
        let owner = m.user.key.insecure_clone();
        let watch = m.margin_watch(&[]);
        assert_rejected(&mut m.ctx, &[ix], &[&owner], &watch, expected).await;
    }

    pm_test! {
        async fn add_collateral_registers_the_mint_and_creates_its_vault() {
            let mut m = MarketWorld::new().await;
            let (admin, ch, wbtc) = (m.admin.pubkey(), m.clearinghouse, m.wbtc);
            let clearinghouse: Clearinghouse = load_zc(&mut m.ctx, &ch).await;
            assert_eq!(clearinghouse.num_collaterals, 2);
            let c = clearinghouse.collaterals[1];
            let (vault, bump) = Pubkey::find_program_address(&[COLLATERAL_VAULT_SEED, ch.as_ref(), wbtc.as_ref()], &portfolio_margin::ID);
            assert_eq!((c.mint, c.vault, c.vault_bump, c.decimals, c.market_index), (wbtc, vault, bump, WBTC_DECIMALS, BTC));
            assert_eq!((c.haircut_mm_ppm, c.haircut_im_ppm, c.deposit_cap), (WBTC_HAIRCUT_MM, WBTC_HAIRCUT_IM, WBTC_CAP));
            let acc = account(&mut m.ctx, &vault).await.unwrap();
            assert_eq!(acc.owner, spl_token::id());
            let token = spl_token::state::Account::unpack(&acc.data).unwrap();
            assert_eq!((token.mint, token.owner, token.amount), (wbtc, ch, 0), "vault authority is the clearinghouse PDA");

            // A 9-decimal token on ETH, and a second stablecoin valued at 1.0.
            let steth = create_mint(&mut m.ctx, &Keypair::new().pubkey(), 9).await;
            let params = AddCollateralParams { market_index: ETH, haircut_mm_ppm: 30_000, haircut_im_ppm: 60_000, deposit_cap: 7 };
            let logs = m.send_admin(add_collateral_ix(&admin, &ch, &steth, params)).await;
            let e = &events::<CollateralAdded>(&logs)[0];
            let vault = collateral_vault_pda(&ch, &steth);
            assert_eq!((e.clearinghouse, e.mint, e.vault, e.market_index), (ch, steth, vault, ETH));
            assert_eq!((e.haircut_mm_ppm, e.haircut_im_ppm, e.deposit_cap), (30_000, 60_000, 7));
            let usdt = create_mint(&mut m.ctx, &Keypair::new().pubkey(), 6).await;
            let params = AddCollateralParams { market_index: QUOTE_MARKET, haircut_mm_ppm: 5_000, haircut_im_ppm: 10_000, deposit_cap: u64::MAX };
            m.send_admin(add_collateral_ix(&admin, &ch, &usdt, params)).await;
            let clearinghouse: Clearinghouse = load_zc(&mut m.ctx, &ch).await;
            assert_eq!(clearinghouse.num_collaterals, 4);
            let c = clearinghouse.collaterals[2];
            assert_eq!((c.mint, c.decimals, c.market_index, c.deposit_cap), (steth, 9, ETH, 7));
            assert_eq!((clearinghouse.collaterals[3].mint, clearinghouse.collaterals[3].market_index), (usdt, QUOTE_MARKET));
        }
    }

    pm_test! {
        async fn a_second_stablecoin_counts_at_one_less_its_haircut_and_needs_no_market() {
            let mut m = MarketWorld::new().await;
            let (admin, ch, owner, margin) = (m.admin.pubkey(), m.clearinghouse, m.user.key.insecure_clone(), m.user.margin_account);
            let (usdt, token) = new_mint_with_tokens(&mut m.ctx, &owner.pubkey(), 6, 1_000 * USDC).await;
            let params = AddCollateralParams { market_index: QUOTE_MARKET, haircut_mm_ppm: 5_000, haircut_im_ppm: 10_000, deposit_cap: u64::MAX };
            m.send_admin(add_collateral_ix(&admin, &ch, &usdt, params)).await;
            let t = Transfer { vault: collateral_vault_pda(&ch, &usdt), token_account: token, ..m.transfer(&m.user) };
            send_ok(&mut m.ctx, &[t.deposit(1_000 * USDC)], &[&owner]).await;
            // no market held: valued at 1.0 with its own haircuts (0.5% MM, 1% IM of 1,000)
            let r = m.report(&margin, &[]).await;
            assert_eq!((r.equity, r.haircut.mm, r.haircut.im, r.im), (1_000 * USDC as i64, 5 * USDC as i64, 10 * USDC as i64, 10 * USDC as i64));
            // a margin-checked withdrawal needs no market account either
            send_ok(&mut m.ctx, &[t.withdraw(990 * USDC)], &[&owner]).await;
            assert_eq!(token_balance(&mut m.ctx, &token).await, 990 * USDC);
            let r = m.report(&margin, &[]).await;
            assert_eq!((r.equity, r.im), (10 * USDC as i64, USDC as i64 / 10));
        }
    }

    pm_test! {
        async fn add_collateral_rejects_listed_mints_bad_haircuts_and_unknown_markets() {
            let mut m = MarketWorld::new().await;
            let (usdc, wbtc) = (m.mint, m.wbtc);
            add_rejected(&mut m, usdc, wbtc_params(), PmError::CollateralAlreadyListed).await;
            // wBTC again: its vault already exists, so the system program refuses first (AccountAlreadyInUse).
            add_rejected(&mut m, wbtc, wbtc_params(), 0u32).await;

            let mint = create_mint(&mut m.ctx, &Keypair::new().pubkey(), 8).await;
            for (mm, im) in [(40_001, 40_000), (0, MAX_HAIRCUT_PPM + 1), (MAX_HAIRCUT_PPM + 1, MAX_HAIRCUT_PPM + 1), (u32::MAX, 0)] {
                let params = AddCollateralParams { haircut_mm_ppm: mm, haircut_im_ppm: im, ..wbtc_params() };
                add_rejected(&mut m, mint, params, PmError::InvalidHaircut).await;
            }
            for market_index in [2, 1_000, QUOTE_MARKET - 1] {
                add_rejected(&mut m, mint, AddCollateralParams { market_index, ..wbtc_params() }, PmError::InvalidCollateralConfig).await;
            }
            let thirteen = create_mint(&mut m.ctx, &Keypair::new().pubkey(), 13).await;
            add_rejected(&mut m, thirteen, wbtc_params(), PmError::InvalidCollateralConfig).await;
            add_rejected(&mut m, thirteen, AddCollateralParams { market_index: QUOTE_MARKET, ..wbtc_params() }, PmError::InvalidCollateralConfig).await;
            // The boundaries list.
            let (admin, ch) = (m.admin.pubkey(), m.clearinghouse);
            let params = AddCollateralParams { market_index: ETH, haircut_mm_ppm: MAX_HAIRCUT_PPM, haircut_im_ppm: MAX_HAIRCUT_PPM, deposit_cap: 0 };
            m.send_admin(add_collateral_ix(&admin, &ch, &mint, params)).await;
            let twelve = create_mint(&mut m.ctx, &Keypair::new().pubkey(), 12).await;
            m.send_admin(add_collateral_ix(&admin, &ch, &twelve, wbtc_params())).await;
        }
    }

    pm_test! {
        async fn add_collateral_needs_the_admin_and_a_free_registry_slot() {
            let mut m = MarketWorld::new().await;
            let ch = m.clearinghouse;
            let mint = create_mint(&mut m.ctx, &Keypair::new().pubkey(), 8).await;
            let attacker = Keypair::new();
            fund(&mut m.ctx, &attacker.pubkey()).await;
            let ix = add_collateral_ix(&attacker.pubkey(), &ch, &mint, wbtc_params());
            assert_rejected(&mut m.ctx, &[ix], &[&attacker], &[ch, collateral_vault_pda(&ch, &mint)], PmError::NotAdmin).await;
            edit_account(&mut m.ctx, &ch, |c: &mut Clearinghouse| {
                for i in 2..MAX_COLLATERAL_MINTS {
                    c.collaterals[i] = CollateralConfig { mint: Pubkey::new_unique(), market_index: QUOTE_MARKET, decimals: 6, ..Default::default() };
                }
                c.num_collaterals = MAX_COLLATERAL_MINTS as u8;
            })
            .await;
            add_rejected(&mut m, mint, wbtc_params(), PmError::CollateralRegistryFull).await;
        }
    }

    pm_test! {
        async fn wbtc_deposits_and_withdrawals_move_tokens_and_count_at_spot_in_engine_units() {
            let mut m = MarketWorld::new().await;
            let (owner, margin, wbtc, vault, token) = (m.user.key.insecure_clone(), m.user.margin_account, m.wbtc, m.wbtc_vault, m.user_wbtc);
            let t = m.wbtc_transfer(&m.user, token);
            // 0.50000123 wBTC: the engine counts 0.500001 (1e6 units, rounded down).
            let amount = WBTC / 2 + 123;
            let logs = send_ok(&mut m.ctx, &[t.deposit(amount)], &[&owner]).await;
            let e = &events::<DepositEvent>(&logs)[0];
            assert_eq!((e.mint, e.amount, e.balance_after), (wbtc, amount, amount));
            assert_eq!(token_balance(&mut m.ctx, &vault).await, amount);
            assert_eq!(token_balance(&mut m.ctx, &token).await, WBTC_START - amount);
            let acc: MarginAccount = load(&mut m.ctx, &margin).await;
            assert_eq!(acc.collateral_balance(&wbtc), amount);

            let btc = m.pairs(&[m.btc]);
            let r = m.report(&margin, &btc).await;
            let units = 500_001u128;
            let value_floor = (units * BTC_SPOT_1E6 as u128 / 1_000_000) as i64;
            let value_ceil = (units * BTC_SPOT_1E6 as u128).div_ceil(1_000_000) as u64;
            assert_eq!(r.equity, value_floor);
            let ppm_ceil = |v: u64, ppm: u32| (v as u128 * ppm as u128).div_ceil(1_000_000) as i64;
            assert_eq!((r.haircut.mm, r.haircut.im), (ppm_ceil(value_ceil, WBTC_HAIRCUT_MM), ppm_ceil(value_ceil, WBTC_HAIRCUT_IM)));
            assert!(r.scan_loss > 0, "the scan moves the collateral with BTC: {r:?}");

            // Part of it: the margin check reads BTC.
            let mut partial = t.clone();
            partial.remaining = btc.clone();
            let logs = send_ok(&mut m.ctx, &[partial.withdraw(WBTC / 4)], &[&owner]).await;
            let e = &events::<WithdrawEvent>(&logs)[0];
            assert_eq!((e.mint, e.amount, e.balance_after, e.destination), (wbtc, WBTC / 4, amount - WBTC / 4, token));
            // Without the BTC market the check is refused.
            transfer_rejected(&mut m, t.withdraw(1), PmError::RemainingAccountsMismatch).await;
            // All of the rest: afterwards the account holds nothing on BTC, so no market is read.
            transfer_rejected(&mut m, partial.withdraw(amount - WBTC / 4), PmError::RemainingAccountsMismatch).await;
            send_ok(&mut m.ctx, &[t.withdraw(amount - WBTC / 4)], &[&owner]).await;
            assert_eq!(token_balance(&mut m.ctx, &vault).await, 0);
            assert_eq!(token_balance(&mut m.ctx, &token).await, WBTC_START);
            let acc: MarginAccount = load(&mut m.ctx, &margin).await;
            assert!(acc.is_empty());
        }
    }

    pm_test! {
        async fn deposits_stop_at_the_cap_counted_over_every_account() {
            let mut m = MarketWorld::new().await;
            let (admin, ch, wbtc) = (m.admin.pubkey(), m.clearinghouse, m.wbtc);
            m.send_admin(update_collateral_ix(&admin, &ch, &wbtc, WBTC_HAIRCUT_MM, WBTC_HAIRCUT_IM, WBTC)).await;
            let other = m.new_user().await;
            let other_wbtc = m.fund_wbtc(&other.key.pubkey()).await;
            let t = m.wbtc_transfer(&other, other_wbtc);
            send_ok(&mut m.ctx, &[t.deposit(WBTC / 4)], &[&other.key]).await;
            let token = m.user_wbtc;
            let t = m.wbtc_transfer(&m.user, token);
            transfer_rejected(&mut m, t.deposit(3 * WBTC / 4 + 1), PmError::DepositCapExceeded).await;
            let owner = m.user.key.insecure_clone();
            send_ok(&mut m.ctx, &[t.deposit(3 * WBTC / 4)], &[&owner]).await;
            transfer_rejected(&mut m, t.deposit(1), PmError::DepositCapExceeded).await;
            let vault = m.wbtc_vault;
            assert_eq!(token_balance(&mut m.ctx, &vault).await, WBTC);
        }
    }

    pm_test! {
        async fn deposit_of_an_unlisted_mint_or_into_another_mints_vault_is_rejected() {
            let mut m = MarketWorld::new().await;
            let owner = m.user.key.pubkey();
            let (_, tokens) = new_mint_with_tokens(&mut m.ctx, &owner, 8, WBTC).await;
            let (quote_vault, wbtc_vault, user_wbtc) = (m.quote_vault, m.wbtc_vault, m.user_wbtc);
            for vault in [quote_vault, wbtc_vault] {
                let t = Transfer { vault, token_account: tokens, ..m.transfer(&m.user) };
                transfer_rejected(&mut m, t.deposit(WBTC), PmError::CollateralNotListed).await;
            }
            assert_eq!(token_balance(&mut m.ctx, &tokens).await, WBTC);
            // wBTC into the USDC vault, USDC into the wBTC vault, and back out of the wrong ones.
            let wbtc_into_quote = m.wbtc_transfer(&m.user, user_wbtc);
            let wbtc_into_quote = Transfer { vault: quote_vault, ..wbtc_into_quote };
            transfer_rejected(&mut m, wbtc_into_quote.deposit(WBTC), PmError::InvalidVault).await;
            let usdc_into_wbtc = Transfer { vault: wbtc_vault, ..m.transfer(&m.user) };
            transfer_rejected(&mut m, usdc_into_wbtc.deposit(USDC), PmError::InvalidVault).await;
            let signer = m.user.key.insecure_clone();
            let t = m.wbtc_transfer(&m.user, user_wbtc);
            send_ok(&mut m.ctx, &[t.deposit(WBTC)], &[&signer]).await;
            let btc = m.pairs(&[m.btc]);
            let out_of_quote = Transfer { vault: quote_vault, remaining: btc, ..t };
            transfer_rejected(&mut m, out_of_quote.withdraw(1), PmError::InvalidVault).await;
            // The insurance vault (program-owned, USDC) is no collateral vault either.
            let insurance = m.insurance_vault;
            let usdc_into_insurance = Transfer { vault: insurance, ..m.transfer(&m.user) };
            transfer_rejected(&mut m, usdc_into_insurance.deposit(USDC), PmError::InvalidVault).await;
        }
    }

    pm_test! {
        async fn a_deposit_may_not_make_the_account_span_a_fifth_market() {
            let mut m = MarketWorld::new().await;
            let margin = m.user.margin_account;
            // Positions on four markets other than BTC (2..4 are indices no market has yet).
            m.set_positions(&margin, &[(ETH, PERP, 1, 0), (2, PERP, 1, 0), (3, PERP, 1, 0), (4, PERP, 1, 0)]).await;
            let token = m.user_wbtc;
            let t = m.wbtc_transfer(&m.user, token);
            transfer_rejected(&mut m, t.deposit(WBTC), PmError::TooManyMarkets).await;
            // USDC needs no market: fine. And with BTC among the four, wBTC is no new market.
            let owner = m.user.key.insecure_clone();
            let usdc = m.transfer(&m.user);
            send_ok(&mut m.ctx, &[usdc.deposit(USDC)], &[&owner]).await;
            m.set_positions(&margin, &[(BTC, PERP, 1, 0), (2, PERP, 1, 0), (3, PERP, 1, 0), (4, PERP, 1, 0)]).await;
            send_ok(&mut m.ctx, &[t.deposit(WBTC)], &[&owner]).await;
        }
    }
}
