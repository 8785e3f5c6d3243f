use anchor_lang::prelude::*;
use anchor_spl::token::{self, Token, TokenAccount, Transfer};

use crate::errors::PmError;
use crate::events::{BankruptcyResolved, LiquidationLegEvent};
use crate::instructions::liquidate::{charge_step_fee, load_both, require_liquidator_margin, take_position, FeeRule, LiquidationLeg, LEG_POSITION};
use crate::margin::{Evaluation, LoadedMarket, MarketSet};
use crate::state::*;
use crate::trading::*;

#[derive(Accounts)]
pub struct ResolveBankruptcy<'info> {
    pub resolver: Signer<'info>,
    #[account(
        mut,
        has_one = quote_vault @ PmError::InvalidVault,
        has_one = insurance_vault @ PmError::InvalidVault,
    )]
    pub clearinghouse: AccountLoader<'info, Clearinghouse>,
    #[account(
        mut,
        constraint = resolver_account.load()?.owner == resolver.key() @ PmError::NotAccountOwner,
        constraint = resolver_account.load()?.clearinghouse == clearinghouse.key() @ PmError::WrongClearinghouse,
    )]
    pub resolver_account: AccountLoader<'info, MarginAccount>,
    /// The bankrupt account.
    #[account(mut, constraint = margin_account.load()?.clearinghouse == clearinghouse.key() @ PmError::WrongClearinghouse)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// Bears what the insurance fund cannot pay: charged to its perpetual holders (beyond their
    /// cap, or with no perpetual open: bad debt in its P&L pool). Of the account's markets, the
    /// one whose perpetual has the largest open interest x oracle EMA (ties: the lowest index);
    /// when the account holds no market any more, any market (its pool records the bad debt).
    #[account(mut, has_one = clearinghouse @ PmError::WrongMarket)]
    pub socialization_market: AccountLoader<'info, Market>,
    #[account(mut)]
    pub quote_vault: Account<'info, TokenAccount>,
    #[account(mut)]
    pub insurance_vault: Account<'info, TokenAccount>,
    pub token_program: Program<'info, Token>,
}

/// Permissionless, for an account whose equity is negative (liquidation oracle class) and that
/// holds no collateral but quote (liquidate that first). The resolver takes over every remaining
/// position at mark (earning the liquidator's part of a step's fee on the MM released; its account
/// must end at or above IM), so no position is left without a counterparty; the insurance fund
/// then pays the quote deficit, and what it cannot pay is socialised to the perpetual holders of the account's market
/// with the most perpetual open interest, long and short, pro rata to size (`Market::loss_index`),
/// at most 0.5% of the price per contract; the rest (all of it when the account holds no market
/// any more) is bad debt. Both are recorded.
///
/// Remaining accounts: `[market, oracle]` for every market either account holds, ascending, the
/// markets writable.
pub fn handler<'info>(ctx: Context<'_, '_, 'info, 'info, ResolveBankruptcy<'info>>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let account_key = ctx.accounts.margin_account.key();
    require_keys_neq!(ctx.accounts.resolver.key(), ctx.accounts.margin_account.load()?.owner, PmError::SelfLiquidation);
    let ch = ctx.accounts.clearinghouse.load()?;
    let ch_key = ctx.accounts.clearinghouse.key();
    let (set, loaded) = load_both(&ctx.accounts.margin_account, &ctx.accounts.resolver_account, &ch, &ch_key, ctx.remaining_accounts, now)?;
    {
        // positions of settled expiries turn into quote first (they are not taken over)
        let mut account = ctx.accounts.margin_account.load_mut()?;
        for m in &loaded {
            settle_expired(&mut account, &mut *m.market.load_mut()?, &ch.quote_mint, MAX_POSITIONS, &mut Vec::new())?;
        }
    }
    // the loss the fund cannot pay goes to the account's own market with the most perpetual open
    // interest; an account that holds no market any more leaves it as bad debt
    let own = MarketSet::of_account(&*ctx.accounts.margin_account.load()?, &ch)?;
    let socialize = socialization_market(&own, &loaded, &set)?;
    if let Some(expected) = socialize {
        require_keys_eq!(ctx.accounts.socialization_market.key(), expected, PmError::WrongSocializationMarket);
    }

    let mut evaluation = Evaluation::new();
    evaluation.run(&*ctx.accounts.margin_account.load()?, &ch, &loaded, &set, now)?;
    let before = *evaluation.result();
    require!(before.equity < 0, PmError::AccountNotBankrupt);
    {
        let account = ctx.accounts.margin_account.load()?;
        require!(account.collaterals.iter().all(|c| c.amount == 0 || c.mint == ch.quote_mint), PmError::BankruptcyCollateralLeft);
    }

    // every remaining position to the resolver, at mark; its fee is the liquidator's part of a
    // step's fee on the margin released
    let mut positions_taken = 0u8;
    let mut fee_market = None;
    loop {
        let mut account = ctx.accounts.margin_account.load_mut()?;
        let Some(p) = account.positions.iter().find(|p| p.size != 0).copied() else { break };
        let leg = LiquidationLeg { kind: LEG_POSITION, market_index: p.market_index, instrument_index: p.instrument_index, mint: Pubkey::default(), amount: p.size.unsigned_abs() };
        let mut resolver = ctx.accounts.resolver_account.load_mut()?;
        let taken = take_position(&mut evaluation, &leg, &ch, &loaded, &set, &mut account, &mut resolver, now)?;
        positions_taken += 1;
        fee_market = fee_market.or(taken.market);
        emit!(LiquidationLegEvent { margin_account: account_key, liquidator_account: ctx.accounts.resolver_account.key(), ..taken.event });
    }
    let mut resolver_fee = 0;
    if positions_taken > 0 {
        evaluation.run(&*ctx.accounts.margin_account.load()?, &ch, &loaded, &set, now)?;
        let released = before.mm.saturating_sub(evaluation.result().mm).max(0) as u64;
        let mut account = ctx.accounts.margin_account.load_mut()?;
        let mut resolver = ctx.accounts.resolver_account.load_mut()?;
        resolver_fee = charge_step_fee(released, fee_market.map(|at| &loaded[at]), &ch.quote_mint, &mut account, &mut resolver, FeeRule::LiquidatorPartOnly)?.liquidator;
    }

    // the deficit: the insurance fund pays what it can, the rest is socialised
    let (signer, quote_mint) = (ch.signer(), ch.quote_mint);
    drop(ch);
    let deficit = ctx.accounts.margin_account.load()?.quote_debt;
    let insurance_paid = deficit.min(ctx.accounts.insurance_vault.amount);
    if insurance_paid > 0 {
        token::transfer(
            CpiContext::new_with_signer(
                ctx.accounts.token_program.to_account_info(),
                Transfer {
                    from: ctx.accounts.insurance_vault.to_account_info(),
                    to: ctx.accounts.quote_vault.to_account_info(),
                    authority: ctx.accounts.clearinghouse.to_account_info(),
                },
                &[&signer.seeds()],
            ),
            insurance_paid,
        )?;
    }
    let uncovered = deficit - insurance_paid;
    let (socialized, bad_debt, loss_index_after) = {
        let mut market = ctx.accounts.socialization_market.load_mut()?;
        market.pnl_pool = market.pnl_pool.checked_sub(i64::try_from(uncovered).map_err(|_| error!(PmError::MathOverflow))?).ok_or(PmError::MathOverflow)?;
        let (step, socialized) = match socialize {
            Some(_) => socialization(uncovered, market.instruments[PERP_INSTRUMENT as usize].open_interest, market.oracle_ema)?,
            None => (0, 0),
        };
        market.loss_index = market.loss_index.checked_add(step).ok_or(PmError::MathOverflow)?;
        market.socialized_loss = market.socialized_loss.saturating_add(socialized);
        (socialized, uncovered - socialized, market.loss_index)
    };
    {
        let mut account = ctx.accounts.margin_account.load_mut()?;
        account.add_quote(&quote_mint, i64::try_from(deficit).map_err(|_| error!(PmError::MathOverflow))?)?;
        let mut clearinghouse = ctx.accounts.clearinghouse.load_mut()?;
        clearinghouse.insurance_paid = clearinghouse.insurance_paid.saturating_add(insurance_paid);
        clearinghouse.socialized_loss = clearinghouse.socialized_loss.saturating_add(socialized);
        clearinghouse.bad_debt = clearinghouse.bad_debt.saturating_add(bad_debt);
    }
    if positions_taken > 0 {
        // the resolver carries what it took, its share of the socialised loss included
        let ch = ctx.accounts.clearinghouse.load()?;
        evaluation.run(&*ctx.accounts.resolver_account.load()?, &ch, &loaded, &set, now)?;
        require_liquidator_margin(evaluation.result())?;
    }
    ctx.accounts.insurance_vault.reload()?;
    emit!(BankruptcyResolved {
        clearinghouse: ch_key,
        margin_account: account_key,
        resolver: ctx.accounts.resolver.key(),
        resolver_account: ctx.accounts.resolver_account.key(),
        equity_before: before.equity,
        positions_taken,
        resolver_fee,
        deficit,
        insurance_paid,
        insurance_balance: ctx.accounts.insurance_vault.amount,
        socialized,
        bad_debt,
        socialization_market: ctx.accounts.socialization_market.key(),
        loss_index_after,
        timestamp: now,
    });
    Ok(())
}

/// The market a bankruptcy's uncovered loss is charged to: of the markets the account holds, the
/// one whose perpetual carries the most open interest by value (long contracts x oracle EMA; ties:
/// the lowest index). `None` when it holds none.
fn socialization_market(own: &MarketSet, loaded: &[LoadedMarket], set: &MarketSet) -> Result<Option<Pubkey>> {
    let mut best: Option<(u128, Pubkey)> = None;
    for &index in own.as_slice() {
        let m = &loaded[set.position(index).ok_or(PmError::MissingMarketAccount)?];
        let market = m.market.load()?;
        let weight = market.instruments[PERP_INSTRUMENT as usize].open_interest as u128 * market.oracle_ema as u128;
        if best.is_none_or(|(w, _)| weight > w) {
            best = Some((weight, m.market.key()));
        }
    }
    Ok(best.map(|(_, key)| key))
}
