use anchor_lang::prelude::*;
use risk_engine::{Kind, MarketParams};

use crate::errors::PmError;
use crate::events::MarketAdded;
use crate::margin::oracle_spec;
use crate::oracle::{read_price, Action, OracleSource};
use crate::state::*;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct AddMarketParams {
    /// 1-8 ASCII letters or digits ("BTC").
    pub symbol: String,
    /// 0 = `PriceUpdateV2` (Pyth receiver), 1 = legacy Pyth price account.
    pub oracle_source: u8,
    /// Pyth feed id (checked in `PriceUpdateV2` accounts; ignored for legacy accounts).
    pub feed_id: [u8; 32],
    /// Engine parameters in the order of `MarketParams::NAMES`.
    pub params: [i64; MarketParams::LEN],
    pub oracle_limits: OracleLimitsParams,
    pub vol_guards: VolGuardsParams,
}

#[derive(Accounts)]
pub struct AddMarket<'info> {
    #[account(mut)]
    pub admin: Signer<'info>,
    #[account(mut, has_one = admin @ PmError::NotAdmin)]
    pub clearinghouse: AccountLoader<'info, Clearinghouse>,
    #[account(
        init,
        payer = admin,
        space = Market::SPACE,
        seeds = [MARKET_SEED, clearinghouse.key().as_ref(), &clearinghouse.load()?.num_markets.to_le_bytes()],
        bump,
    )]
    pub market: AccountLoader<'info, Market>,
    /// CHECK: the market's oracle; read (owner, format, feed id, validity) before it is stored.
    pub oracle: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

/// Creates the market with its perpetual (instrument 0). The oracle is read once with the margin
/// limits, so a wrong owner, format, feed id or a dead feed is caught at listing, not at a user's
/// first trade.
pub fn handler(ctx: Context<AddMarket>, p: AddMarketParams) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let symbol = parse_symbol(&p.symbol)?;
    let source = match p.oracle_source {
        0 => OracleSource::PythPull,
        1 => OracleSource::PythLegacy,
        _ => return err!(PmError::OracleInvalidData),
    };
    let engine_params = params_from_stored(&p.params)?;
    let oracle_limits = OracleLimitsConfig::from(p.oracle_limits);
    oracle_limits.validate(&engine_params)?;
    let vol_guards = VolGuards::from(p.vol_guards);
    vol_guards.validate()?;

    let mut ch = ctx.accounts.clearinghouse.load_mut()?;
    let market_index = ch.num_markets;
    require!(market_index < MAX_MARKETS_PER_CLEARINGHOUSE, PmError::MarketCapacityFull);
    let mut market = ctx.accounts.market.load_init()?;
    market.clearinghouse = ctx.accounts.clearinghouse.key();
    market.oracle = ctx.accounts.oracle.key();
    market.feed_id = p.feed_id;
    market.symbol = symbol;
    market.params = p.params;
    market.oracle_limits = oracle_limits;
    market.vol_guards = vol_guards;
    market.vol_updated_at = now;
    market.funding_updated_at = now;
    market.market_index = market_index;
    market.bump = ctx.bumps.market;
    market.oracle_source = source as u8;
    market.status = MarketStatus::Active as u8;
    market.instruments[PERP_INSTRUMENT as usize] = Instrument { kind: Kind::Perp as u8, ..Instrument::default() };
    market.num_instruments = 1;
    let price = read_price(&ctx.accounts.oracle, &oracle_spec(&market, &ch), &market.oracle_limits.limits(Action::Margin), now)?;
    // default fees and funding (admin: update_trading_params); both EMAs start at the oracle
    market.trading = TradingParams::DEFAULT;
    market.mark_ema = price.price;
    market.oracle_ema = price.price;
    market.mark_ema_updated_at = now;
    market.oracle_ema_updated_at = now;
    ch.num_markets = market_index + 1;
    emit!(MarketAdded {
        clearinghouse: ctx.accounts.clearinghouse.key(),
        market: ctx.accounts.market.key(),
        market_index,
        symbol: p.symbol,
        oracle: market.oracle,
        oracle_source: market.oracle_source,
        spot: price.price,
    });
    Ok(())
}
