use anchor_lang::prelude::*;
use anchor_spl::token::TokenAccount;
use risk_engine::{mark_value, MarginResult};

use crate::errors::PmError;
use crate::events::{LiquidationEvent, LiquidationLegEvent};
use crate::margin::{engine_error, load_markets, to_engine_units, Evaluation, LoadedMarket, MarketSet};
use crate::oracle::Action;
use crate::state::*;
use crate::trading::*;

/// Legs one liquidation may take (a spread is taken leg by leg in one step when no single leg
/// lowers the requirement on its own).
pub const MAX_LIQUIDATION_LEGS: usize = 4;
pub const LEG_POSITION: u8 = 0;
pub const LEG_COLLATERAL: u8 = 1;

/// What the liquidator takes over.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct LiquidationLeg {
    /// [`LEG_POSITION`] or [`LEG_COLLATERAL`].
    pub kind: u8,
    /// Position legs: the position's market and instrument.
    pub market_index: u16,
    pub instrument_index: u16,
    /// Collateral legs: the mint (any listed collateral but the quote mint).
    pub mint: Pubkey,
    /// Position legs: contracts at 1e6 (at most the position's size; the liquidator takes the
    /// same side). Collateral legs: native token units (at most the balance).
    pub amount: u64,
}

#[derive(Accounts)]
pub struct Liquidate<'info> {
    pub liquidator: Signer<'info>,
    #[account(has_one = insurance_vault @ PmError::InvalidVault)]
    pub clearinghouse: AccountLoader<'info, Clearinghouse>,
    #[account(
        mut,
        constraint = liquidator_account.load()?.owner == liquidator.key() @ PmError::NotAccountOwner,
        constraint = liquidator_account.load()?.clearinghouse == clearinghouse.key() @ PmError::WrongClearinghouse,
    )]
    pub liquidator_account: AccountLoader<'info, MarginAccount>,
    /// The account liquidated.
    #[account(mut, constraint = margin_account.load()?.clearinghouse == clearinghouse.key() @ PmError::WrongClearinghouse)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// Read for the events (the fund's balance).
    pub insurance_vault: Account<'info, TokenAccount>,
}

/// Permissionless, while the account's equity is below MM (oracles at the liquidation class):
/// the liquidator takes over `legs` (positions at mark, collateral at the oracle price); the
/// account pays the step's fee, a share of the MM the step releases (split between the
/// liquidator and the insurance fund by the first leg's market). The step must lower both the
/// account's MM and its shortfall (MM - equity), must not leave equity more than the buffer above
/// MM, and must leave the liquidator at or above IM.
///
/// Remaining accounts: `[market, oracle]` for every market either account holds, ascending, the
/// markets writable.
pub fn handler<'info>(ctx: Context<'_, '_, 'info, 'info, Liquidate<'info>>, legs: Vec<LiquidationLeg>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    require_keys_neq!(ctx.accounts.liquidator.key(), ctx.accounts.margin_account.load()?.owner, PmError::SelfLiquidation);
    require!(!legs.is_empty() && legs.len() <= MAX_LIQUIDATION_LEGS, PmError::InvalidLiquidationLeg);
    let ch = ctx.accounts.clearinghouse.load()?;
    let (account_loader, liquidator_loader) = (&ctx.accounts.margin_account, &ctx.accounts.liquidator_account);
    let (set, loaded) = load_both(account_loader, liquidator_loader, &ch, &ctx.accounts.clearinghouse.key(), ctx.remaining_accounts, now)?;

    let mut evaluation = Evaluation::new();
    evaluation.run(&*account_loader.load()?, &ch, &loaded, &set, now)?;
    let before = *evaluation.result();
    require!(before.equity < before.mm, PmError::AccountNotLiquidatable);

    // the legs, at mark and oracle prices; the fee follows from the margin they release
    let mut fee_market = None;
    for leg in &legs {
        let mut account = account_loader.load_mut()?;
        let mut liquidator = liquidator_loader.load_mut()?;
        let taken = match leg.kind {
            LEG_POSITION => take_position(&mut evaluation, leg, &ch, &loaded, &set, &mut account, &mut liquidator, now)?,
            LEG_COLLATERAL => take_collateral(leg, &ch, &loaded, &set, &mut account, &mut liquidator)?,
            _ => return err!(PmError::InvalidLiquidationLeg),
        };
        fee_market = fee_market.or(taken.market);
        emit!(LiquidationLegEvent { margin_account: account_loader.key(), liquidator_account: liquidator_loader.key(), ..taken.event });
    }
    evaluation.run(&*account_loader.load()?, &ch, &loaded, &set, now)?;
    require_released(&before, evaluation.result())?;
    let released = (before.mm - evaluation.result().mm) as u64;
    let fee = {
        let fee_market = fee_market.map(|at| &loaded[at]);
        let mut account = account_loader.load_mut()?;
        let mut liquidator = liquidator_loader.load_mut()?;
        charge_step_fee(released as u64, fee_market, &ch.quote_mint, &mut account, &mut liquidator, FeeRule::Split)?
    };

    evaluation.run(&*account_loader.load()?, &ch, &loaded, &set, now)?;
    let after = *evaluation.result();
    require_liquidation_step(&before, &after, ch.liquidation_buffer_ppm)?;
    evaluation.run(&*liquidator_loader.load()?, &ch, &loaded, &set, now)?;
    let liquidator = *evaluation.result();
    require_liquidator_margin(&liquidator)?;

    emit!(LiquidationEvent {
        clearinghouse: ctx.accounts.clearinghouse.key(),
        margin_account: account_loader.key(),
        liquidator: ctx.accounts.liquidator.key(),
        liquidator_account: liquidator_loader.key(),
        legs: legs.len() as u8,
        equity_before: before.equity,
        mm_before: before.mm,
        equity_after: after.equity,
        mm_after: after.mm,
        liquidator_equity: liquidator.equity,
        liquidator_im: liquidator.im,
        fee: fee.total,
        liquidator_fee: fee.liquidator,
        insurance_fee: fee.insurance,
        insurance_balance: ctx.accounts.insurance_vault.amount,
        timestamp: now,
    });
    Ok(())
}

/// Loads the markets of both accounts (liquidation oracle class) and moves the perpetual funding
/// and socialised loss both owe into their bases.
pub fn load_both<'info>(
    account: &AccountLoader<'info, MarginAccount>,
    liquidator: &AccountLoader<'info, MarginAccount>,
    ch: &Clearinghouse,
    ch_key: &Pubkey,
    remaining: &'info [AccountInfo<'info>],
    now: i64,
) -> Result<(MarketSet, Vec<LoadedMarket<'info>>)> {
    let set = MarketSet::of_account(&*account.load()?, ch)?.union(&MarketSet::of_account(&*liquidator.load()?, ch)?)?;
    let loaded = load_markets(remaining, ch_key, ch, &set, Action::Liquidation, now)?;
    for loader in [account, liquidator] {
        let mut a = loader.load_mut()?;
        for m in &loaded {
            accrue_funding(&mut a, &*m.market.load()?)?;
        }
    }
    Ok((set, loaded))
}

/// The legs lowered MM (before any fee: the quote balance does not change it).
fn require_released(before: &MarginResult, taken: &MarginResult) -> Result<()> {
    if taken.mm >= before.mm {
        msg!("liquidation: MM {} -> {}", before.mm, taken.mm);
        return err!(PmError::LiquidationNotReducingRisk);
    }
    Ok(())
}

/// The step lowered MM and the shortfall, and stopped within the buffer (ppm of the MM before
/// the step) above MM.
fn require_liquidation_step(before: &MarginResult, after: &MarginResult, buffer_ppm: u32) -> Result<()> {
    let shortfall = |r: &MarginResult| r.mm as i128 - r.equity as i128;
    if after.mm >= before.mm || shortfall(after) >= shortfall(before) {
        msg!("liquidation: MM {} -> {}, equity {} -> {}", before.mm, after.mm, before.equity, after.equity);
        return err!(PmError::LiquidationNotReducingRisk);
    }
    let buffer = (before.mm.max(0) as u128 * buffer_ppm as u128).div_ceil(1_000_000) as i128;
    if -shortfall(after) > buffer {
        msg!("liquidation: equity {} above MM {} by more than the buffer {}", after.equity, after.mm, buffer);
        return err!(PmError::OverLiquidation);
    }
    Ok(())
}

pub fn require_liquidator_margin(r: &MarginResult) -> Result<()> {
    if r.equity < r.im {
        msg!("liquidator: equity {} < initial margin {}", r.equity, r.im);
        return err!(PmError::LiquidatorInsufficientMargin);
    }
    Ok(())
}

/// Who gets a step's fee: split between the liquidator and the insurance fund (a liquidation), or
/// only the liquidator's part, charged to the account (a bankruptcy: the fund pays the deficit,
/// so it would pay its own share).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum FeeRule {
    Split,
    LiquidatorPartOnly,
}

/// Charges the fee of a step that released `released` of MM: the account pays, the liquidator
/// and the fee market's pool (the fund's share, swept into the insurance vault) receive. With no
/// fee market (a stablecoin leg of an account holding no market) the rates are the defaults and
/// the liquidator keeps it all.
pub fn charge_step_fee(
    released: u64,
    fee_market: Option<&LoadedMarket>,
    quote_mint: &Pubkey,
    account: &mut MarginAccount,
    liquidator: &mut MarginAccount,
    rule: FeeRule,
) -> Result<LiquidationFee> {
    let mut fee = match fee_market {
        Some(m) => liquidation_fee(released, &m.market.load()?.trading)?,
        None => {
            let f = liquidation_fee(released, &TradingParams::DEFAULT)?;
            LiquidationFee { total: f.total, liquidator: f.total, insurance: 0 }
        }
    };
    if rule == FeeRule::LiquidatorPartOnly {
        fee = LiquidationFee { total: fee.liquidator, liquidator: fee.liquidator, insurance: 0 };
    }
    let signed = |v: u64| i64::try_from(v).map_err(|_| error!(PmError::MathOverflow));
    account.add_quote(quote_mint, -signed(fee.total)?)?;
    liquidator.add_quote(quote_mint, signed(fee.liquidator)?)?;
    if let Some(m) = fee_market.filter(|_| fee.insurance > 0) {
        let mut market = m.market.load_mut()?;
        market.fee_pool = market.fee_pool.checked_add(fee.insurance).ok_or(PmError::MathOverflow)?;
    }
    Ok(fee)
}

/// A leg moved: its event (fees are per step) and the position in `loaded` of the market that
/// takes the fund's share of the step's fee (the leg's market; none for a stablecoin leg of an
/// account without markets).
pub struct TakenLeg {
    pub event: LiquidationLegEvent,
    pub market: Option<usize>,
}

/// Moves `leg.amount` of the account's position to the liquidator at its mark (the engine's
/// value: the account sells at the long value, buys back at the short value).
#[allow(clippy::too_many_arguments)]
#[inline(never)]
pub fn take_position(
    evaluation: &mut Evaluation,
    leg: &LiquidationLeg,
    ch: &Clearinghouse,
    loaded: &[LoadedMarket],
    set: &MarketSet,
    account: &mut MarginAccount,
    liquidator: &mut MarginAccount,
    now: i64,
) -> Result<TakenLeg> {
    // the account's evaluation has this market's engine state (the leg is a position it holds)
    let local = evaluation.needed.position(leg.market_index).ok_or(PmError::InvalidLiquidationLeg)?;
    let index = account.position_index(leg.market_index, leg.instrument_index).ok_or(PmError::InvalidLiquidationLeg)?;
    let size = account.positions[index].size;
    require!(leg.amount > 0 && leg.amount <= size.unsigned_abs(), PmError::InvalidLiquidationLeg);
    let at = set.position(leg.market_index).ok_or(PmError::MissingMarketAccount)?;
    let mut market = loaded[at].market.load_mut()?;
    let instrument = *market.instrument(leg.instrument_index)?;
    let kind = instrument_kind(instrument.kind).ok_or(PmError::InvalidInstrument)?;
    require!(!market.instrument_expired(&instrument, now), PmError::InstrumentExpired);
    let Evaluation { inputs, workspace, .. } = evaluation;
    let (long_value, short_value) = mark_value(workspace, &inputs.markets[local], kind, instrument.expiry_index, instrument.strike, now)
        .map_err(|e| engine_error(e, PmError::InvalidMarketParams))?;
    let price = u64::try_from(if size > 0 { long_value } else { short_value }).map_err(|_| error!(PmError::MathOverflow))?;
    let taken = if size > 0 { leg.amount as i64 } else { -(leg.amount as i64) };
    let (account_out, account_old, account_new) = fill_position(account, &market, leg.instrument_index, kind, -taken, price)?;
    let (liquidator_out, liquidator_old, liquidator_new) = fill_position(liquidator, &market, leg.instrument_index, kind, taken, price)?;
    account.add_quote(&ch.quote_mint, account_out.cash)?;
    liquidator.add_quote(&ch.quote_mint, liquidator_out.cash)?;
    account.realized_pnl = account.realized_pnl.saturating_add(account_out.realized);
    liquidator.realized_pnl = liquidator.realized_pnl.saturating_add(liquidator_out.realized);
    market.pnl_pool = market.pnl_pool.checked_sub(account_out.cash + liquidator_out.cash).ok_or(PmError::MathOverflow)?;
    let oi = &mut market.instruments[leg.instrument_index as usize].open_interest;
    *oi = updated_open_interest(updated_open_interest(*oi, account_old, account_new), liquidator_old, liquidator_new);
    Ok(TakenLeg {
        event: LiquidationLegEvent {
            margin_account: Pubkey::default(),
            liquidator_account: Pubkey::default(),
            market: loaded[at].market.key(),
            leg_kind: LEG_POSITION,
            instrument_index: leg.instrument_index,
            mint: Pubkey::default(),
            size: taken,
            price,
            cash: account_out.cash,
        },
        market: Some(at),
    })
}

/// Moves `leg.amount` of a non-quote collateral to the liquidator at the oracle price (a
/// stablecoin at 1.0), paid in quote.
#[inline(never)]
fn take_collateral(
    leg: &LiquidationLeg,
    ch: &Clearinghouse,
    loaded: &[LoadedMarket],
    set: &MarketSet,
    account: &mut MarginAccount,
    liquidator: &mut MarginAccount,
) -> Result<TakenLeg> {
    require!(leg.mint != ch.quote_mint && leg.mint != Pubkey::default(), PmError::InvalidLiquidationLeg);
    let config = ch.collateral(&leg.mint).map_err(|_| error!(PmError::InvalidLiquidationLeg))?;
    require!(leg.amount > 0 && leg.amount <= account.collateral_balance(&leg.mint), PmError::InvalidLiquidationLeg);
    require!(liquidator.has_collateral_slot_for(&leg.mint, &ch.quote_mint), PmError::CollateralSlotsFull);
    let (price, at) = if config.is_quote() {
        (1_000_000, (!loaded.is_empty()).then_some(0))
    } else {
        let at = set.position(config.market_index).ok_or(PmError::MissingMarketAccount)?;
        (loaded[at].price.price, Some(at))
    };
    // what the account's margin loses: its balance's engine units (1e6 per token, rounded down)
    // before less after, x price, rounded down
    let held = account.collateral_balance(&leg.mint);
    let units = to_engine_units(held, config.decimals)? - to_engine_units(held - leg.amount, config.decimals)?;
    let value = i64::try_from(units as u128 * price as u128 / 1_000_000).map_err(|_| error!(PmError::MathOverflow))?;
    account.debit_collateral(&leg.mint, leg.amount)?;
    account.add_quote(&ch.quote_mint, value)?;
    liquidator.credit_collateral(&leg.mint, leg.amount)?;
    liquidator.add_quote(&ch.quote_mint, -value)?;
    Ok(TakenLeg {
        event: LiquidationLegEvent {
            margin_account: Pubkey::default(),
            liquidator_account: Pubkey::default(),
            market: at.map_or(Pubkey::default(), |at| loaded[at].market.key()),
            leg_kind: LEG_COLLATERAL,
            instrument_index: 0,
            mint: leg.mint,
            size: i64::try_from(leg.amount).map_err(|_| error!(PmError::MathOverflow))?,
            price,
            cash: value,
        },
        market: at,
    })
}
