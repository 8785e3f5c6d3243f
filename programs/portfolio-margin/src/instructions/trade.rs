use anchor_lang::prelude::*;
use risk_engine::{Kind, MAX_PRICE, MAX_SIZE};

use crate::errors::PmError;
use crate::events::TradeEvent;
use crate::margin::heap::boxed_copy;
use crate::margin::{load_markets, Evaluation, LoadedMarket, MarketSet};
use crate::oracle::{check_limits, Action};
use crate::state::*;
use crate::trading::*;

/// Positions settled on touch per account in one trade (the rest through `settle_positions`).
pub const MAX_SETTLE_ON_TRADE: usize = 4;

/// A maker's RFQ quote, completed by the taker. Both owners sign the transaction that carries it,
/// so every field (and both accounts) is covered by the maker's signature.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct TradeQuote {
    pub instrument_index: u16,
    /// 0: the maker buys (the taker sells), 1: the maker sells.
    pub maker_side: u8,
    /// Contracts at 1e6.
    pub size: u64,
    /// Per contract at 1e6: the perpetual or future price, or the option premium.
    pub price: u64,
    /// The maker's protection against the underlying moving before the taker fills (0: none):
    /// a fill that gives the maker positive delta needs oracle >= limit, negative delta <= limit.
    pub oracle_limit: u64,
    /// Unix seconds after which the quote is void.
    pub expires_at: i64,
    /// Spent on the maker's margin account: a quote fills at most once.
    pub nonce: u64,
}

#[derive(Accounts)]
pub struct Trade<'info> {
    pub maker: Signer<'info>,
    pub taker: Signer<'info>,
    pub clearinghouse: AccountLoader<'info, Clearinghouse>,
    #[account(mut, has_one = clearinghouse @ PmError::WrongMarket)]
    pub market: AccountLoader<'info, Market>,
    #[account(
        mut,
        constraint = maker_account.load()?.owner == maker.key() @ PmError::NotAccountOwner,
        constraint = maker_account.load()?.clearinghouse == clearinghouse.key() @ PmError::WrongClearinghouse,
    )]
    pub maker_account: AccountLoader<'info, MarginAccount>,
    #[account(
        mut,
        constraint = taker_account.load()?.owner == taker.key() @ PmError::NotAccountOwner,
        constraint = taker_account.load()?.clearinghouse == clearinghouse.key() @ PmError::WrongClearinghouse,
    )]
    pub taker_account: AccountLoader<'info, MarginAccount>,
}

/// Fills `quote` between the maker's and the taker's accounts. Remaining accounts: `[market,
/// oracle]` for every market either account holds and the traded one, ascending (each once).
///
/// Both sides must end with equity >= IM under the strict (risk-increasing) oracle and vol
/// validity, unless the trade strictly lowered that side's IM without lowering its excess (a
/// risk-reducing trade goes through even below IM, under the margin-class oracle limits).
pub fn handler<'info>(ctx: Context<'_, '_, 'info, 'info, Trade<'info>>, quote: TradeQuote) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    // different owners (so different accounts too: an account has one owner)
    require_keys_neq!(ctx.accounts.maker.key(), ctx.accounts.taker.key(), PmError::SelfTrade);
    require!(now <= quote.expires_at, PmError::QuoteExpired);
    require!(quote.maker_side <= 1, PmError::InvalidSide);
    require!(quote.size > 0 && quote.size <= MAX_SIZE as u64, PmError::PositionTooLarge);
    require!(quote.price > 0 && quote.price <= MAX_PRICE, PmError::InvalidTradePrice);
    let maker_delta = if quote.maker_side == 0 { quote.size as i64 } else { -(quote.size as i64) };

    let ch = ctx.accounts.clearinghouse.load()?;
    let (market_index, kind, linear) = {
        let market = ctx.accounts.market.load()?;
        match market.status() {
            MarketStatus::Paused => return err!(PmError::MarketPaused),
            MarketStatus::ReduceOnly | MarketStatus::Active => {}
        }
        let instrument = market.instrument(quote.instrument_index)?;
        let kind = instrument_kind(instrument.kind).ok_or(PmError::InvalidInstrument)?;
        require!(!market.instrument_expired(instrument, now), PmError::InstrumentExpired);
        (market.market_index, kind, kind == Kind::Perp || kind == Kind::Future)
    };

    // every market of both accounts, and the traded one, loaded once at the margin class
    let mut set = {
        let maker = ctx.accounts.maker_account.load()?;
        let taker = ctx.accounts.taker_account.load()?;
        MarketSet::of_account(&maker, &ch)?.union(&MarketSet::of_account(&taker, &ch)?)?
    };
    set.insert_within(market_index, crate::margin::MAX_TRADE_MARKETS)?;
    let loaded = load_markets(ctx.remaining_accounts, &ctx.accounts.clearinghouse.key(), &ch, &set, Action::Margin, now)?;
    let traded = set.position(market_index).ok_or(PmError::MissingMarketAccount)?;
    let spot = loaded[traded].price.price;
    check_oracle_limit(&quote, maker_delta, kind, spot)?;

    // touch: funding into every perpetual's basis, settled expiries of the traded market swept
    for account in [&ctx.accounts.maker_account, &ctx.accounts.taker_account] {
        let mut a = account.load_mut()?;
        for m in &loaded {
            if m.market.key() != ctx.accounts.market.key() {
                accrue_funding(&mut a, &*m.market.load()?)?;
            }
        }
        let mut market = ctx.accounts.market.load_mut()?;
        accrue_funding(&mut a, &market)?;
        settle_expired(&mut a, &mut market, &ch.quote_mint, MAX_SETTLE_ON_TRADE, &mut Vec::new())?;
    }
    // the accounts before the fill, for the risk-reducing test (heap copies: 2.3 KB each)
    let maker_before = boxed_copy(&*ctx.accounts.maker_account.load()?);
    let taker_before = boxed_copy(&*ctx.accounts.taker_account.load()?);

    // the fill
    let (maker_fee, taker_fee, maker_out, taker_out, maker_size, taker_size) = {
        let mut market = ctx.accounts.market.load_mut()?;
        let mut maker = ctx.accounts.maker_account.load_mut()?;
        let mut taker = ctx.accounts.taker_account.load_mut()?;
        let reduce_only = market.status() == MarketStatus::ReduceOnly;
        let fill = |account: &mut MarginAccount, delta: i64, liquidity: Liquidity| -> Result<(i64, FillOutcome, i64, i64)> {
            let (out, old_size, new_size) = fill_position(account, &market, quote.instrument_index, kind, delta, quote.price)?;
            require!(!reduce_only || new_size.unsigned_abs() < old_size.unsigned_abs() && (new_size == 0 || (new_size > 0) == (old_size > 0)), PmError::MarketReduceOnly);
            let fee = trade_fee(&market.trading, liquidity, linear, quote.size, quote.price, spot)?;
            account.add_quote(&ch.quote_mint, out.cash.checked_sub(fee).ok_or(PmError::MathOverflow)?)?;
            account.realized_pnl = account.realized_pnl.saturating_add(out.realized);
            Ok((fee, out, old_size, new_size))
        };
        let (maker_fee, maker_out, maker_old, maker_size) = fill(&mut maker, maker_delta, Liquidity::Maker)?;
        let (taker_fee, taker_out, taker_old, taker_size) = fill(&mut taker, -maker_delta, Liquidity::Taker)?;
        maker.spend_quote_nonce(quote.nonce)?;
        // pools: fees collected; linear P&L paid out of (or into) the market; premium rounding
        market.fee_pool = market.fee_pool.checked_add(u64::try_from(maker_fee + taker_fee).map_err(|_| error!(PmError::MathOverflow))?).ok_or(PmError::MathOverflow)?;
        market.pnl_pool = market.pnl_pool.checked_sub(maker_out.cash + taker_out.cash).ok_or(PmError::MathOverflow)?;
        let oi = &mut market.instruments[quote.instrument_index as usize].open_interest;
        *oi = updated_open_interest(updated_open_interest(*oi, maker_old, maker_size), taker_old, taker_size);
        if kind == Kind::Perp {
            market.observe_perp_trade(quote.price, now);
        }
        market.observe_oracle(spot, now);
        (maker_fee, taker_fee, maker_out, taker_out, maker_size, taker_size)
    };

    // margin of each side after the trade (one engine workspace for every evaluation)
    let mut evaluation = Evaluation::new();
    for (account, before) in [(&ctx.accounts.maker_account, &maker_before), (&ctx.accounts.taker_account, &taker_before)] {
        let after = account.load()?;
        require_margin_after_trade(&mut evaluation, &after, before, &ch, &loaded, &set, now)?;
    }

    emit!(TradeEvent {
        market: ctx.accounts.market.key(),
        instrument_index: quote.instrument_index,
        maker_account: ctx.accounts.maker_account.key(),
        taker_account: ctx.accounts.taker_account.key(),
        maker_side: quote.maker_side,
        size: quote.size,
        price: quote.price,
        nonce: quote.nonce,
        maker_fee,
        taker_fee,
        maker_size_after: maker_size,
        taker_size_after: taker_size,
        maker_cash: maker_out.cash,
        taker_cash: taker_out.cash,
        spot,
        timestamp: now,
    });
    Ok(())
}

/// The maker's oracle limit: a fill that gives the maker positive delta (buying a perpetual,
/// future or call, selling a put) needs the oracle at or above the limit; negative delta, at or
/// below.
fn check_oracle_limit(quote: &TradeQuote, maker_delta: i64, kind: Kind, spot: u64) -> Result<()> {
    if quote.oracle_limit == 0 {
        return Ok(());
    }
    let long_delta = (maker_delta > 0) != (kind == Kind::Put);
    let within = if long_delta { spot >= quote.oracle_limit } else { spot <= quote.oracle_limit };
    require!(within, PmError::QuoteOracleLimit);
    Ok(())
}

/// Equity >= IM with every market of the account valid for a risk-increasing action (strict
/// oracle limits, fresh vols); otherwise the trade must have reduced the account's risk: IM
/// strictly lower and excess (equity - IM) no lower than before.
fn require_margin_after_trade(
    evaluation: &mut Evaluation,
    after: &MarginAccount,
    before: &MarginAccount,
    ch: &Clearinghouse,
    loaded: &[LoadedMarket],
    set: &MarketSet,
    now: i64,
) -> Result<()> {
    evaluation.run(after, ch, loaded, set, now)?;
    let strict = strict_validity(evaluation, loaded, set, now);
    let r = *evaluation.result();
    if r.equity >= r.im && strict.is_ok() {
        return Ok(());
    }
    evaluation.run(before, ch, loaded, set, now)?;
    let pre = *evaluation.result();
    let excess = |equity: i64, im: i64| equity as i128 - im as i128;
    if r.im < pre.im && excess(r.equity, r.im) >= excess(pre.equity, pre.im) {
        msg!("trade reduces risk: initial margin {} -> {}", pre.im, r.im);
        return Ok(());
    }
    if r.equity < r.im {
        msg!("margin: equity {} < initial margin {} (maintenance {})", r.equity, r.im, r.mm);
        return err!(PmError::InsufficientMargin);
    }
    strict
}

/// Every market the evaluated account holds passes the risk-increasing oracle limits and has
/// fresh vols.
fn strict_validity(evaluation: &Evaluation, loaded: &[LoadedMarket], set: &MarketSet, now: i64) -> Result<()> {
    for &index in evaluation.needed.as_slice() {
        let m = &loaded[set.position(index).ok_or(PmError::MissingMarketAccount)?];
        let market = m.market.load()?;
        check_limits(&m.price, &market.oracle_limits.limits(Action::RiskIncreasing), now)?;
        require!(!market.vol_stale(now), PmError::VolStale);
    }
    Ok(())
}
