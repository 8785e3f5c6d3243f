use anchor_lang::prelude::*;

use crate::errors::PmError;
use crate::events::ExpirySettled;
use crate::margin::oracle_spec;
use crate::oracle::{read_price, Action, OracleLimits};
use crate::state::*;

#[derive(Accounts)]
pub struct SettleExpiry<'info> {
    pub clearinghouse: AccountLoader<'info, Clearinghouse>,
    #[account(mut, has_one = clearinghouse @ PmError::WrongMarket)]
    pub market: AccountLoader<'info, Market>,
    /// CHECK: the market's oracle; `read_price` checks address, owner, format and validity.
    pub oracle: UncheckedAccount<'info>,
}

/// Permissionless: records the settlement price of expiry `expiry_index` from an oracle price
/// published at or after the expiry and within the market's settlement window (a pull oracle
/// update can be posted for exactly that moment), with confidence within the margin-class cap.
pub fn handler(ctx: Context<SettleExpiry>, expiry_index: u8) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let ch = ctx.accounts.clearinghouse.load()?;
    let mut market = ctx.accounts.market.load_mut()?;
    let expiry = settleable_expiry(&market, expiry_index, now)?;
    let window = market.trading.settlement_window_secs as i64;
    // a price published before the expiry is stale for settlement: the age limit is the time
    // since expiry
    let margin = market.oracle_limits.limits(Action::Margin);
    let limits = OracleLimits { max_age_secs: u32::try_from(now - expiry).unwrap_or(u32::MAX), max_conf_ppm: margin.max_conf_ppm };
    let price = read_price(&ctx.accounts.oracle, &oracle_spec(&market, &ch), &limits, now)?;
    require!(price.publish_time <= expiry + window, PmError::SettlementWindowClosed);
    market.expiries[expiry_index as usize].settlement_price = price.price;
    emit!(ExpirySettled {
        market: ctx.accounts.market.key(),
        expiry_index,
        expiry,
        settlement_price: price.price,
        publish_time: price.publish_time,
        by_admin: false,
        timestamp: now,
    });
    Ok(())
}

/// The expiry at `expiry_index` if it is listed, reached and not yet settled.
pub fn settleable_expiry(market: &Market, expiry_index: u8, now: i64) -> Result<i64> {
    require!(expiry_index < market.num_expiries, PmError::UnknownExpiry);
    let e = &market.expiries[expiry_index as usize];
    require!(e.settlement_price == 0, PmError::ExpiryAlreadySettled);
    require!(now >= e.expiry, PmError::ExpiryNotReached);
    Ok(e.expiry)
}

#[derive(Accounts)]
pub struct AdminSettleExpiry<'info> {
    pub admin: Signer<'info>,
    #[account(has_one = admin @ PmError::NotAdmin)]
    pub clearinghouse: AccountLoader<'info, Clearinghouse>,
    #[account(mut, has_one = clearinghouse @ PmError::WrongMarket)]
    pub market: AccountLoader<'info, Market>,
}

/// Admin, only once the settlement window has closed without a permissionless settlement: sets
/// the settlement price (1e6) by hand.
pub fn admin_handler(ctx: Context<AdminSettleExpiry>, expiry_index: u8, settlement_price: u64) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let mut market = ctx.accounts.market.load_mut()?;
    let expiry = settleable_expiry(&market, expiry_index, now)?;
    require!(now > expiry + market.trading.settlement_window_secs as i64, PmError::SettlementWindowOpen);
    require!(settlement_price > 0 && settlement_price <= risk_engine::MAX_PRICE, PmError::InvalidTradePrice);
    market.expiries[expiry_index as usize].settlement_price = settlement_price;
    emit!(ExpirySettled {
        market: ctx.accounts.market.key(),
        expiry_index,
        expiry,
        settlement_price,
        publish_time: 0,
        by_admin: true,
        timestamp: now,
    });
    Ok(())
}
