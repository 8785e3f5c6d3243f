use anchor_lang::prelude::*;
use risk_engine::Kind;

use crate::errors::PmError;
use crate::events::InstrumentsListed;
use crate::state::*;

/// A future (kind 1, strike 0) or an option (2 call, 3 put) of a listed expiry.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug)]
pub struct InstrumentSpec {
    pub kind: u8,
    pub expiry_index: u8,
    /// Strike at 1e6 (options); 0 for futures.
    pub strike: u64,
}

#[derive(Accounts)]
pub struct ListInstruments<'info> {
    pub admin: Signer<'info>,
    #[account(has_one = admin @ PmError::NotAdmin)]
    pub clearinghouse: AccountLoader<'info, Clearinghouse>,
    #[account(mut, has_one = clearinghouse @ PmError::WrongMarket)]
    pub market: AccountLoader<'info, Market>,
}

/// Appends instruments (all or none): each of a listed, unexpired expiry, not already listed.
pub fn handler(ctx: Context<ListInstruments>, specs: Vec<InstrumentSpec>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let mut market = ctx.accounts.market.load_mut()?;
    let first = market.num_instruments;
    require!(first as usize + specs.len() <= MAX_INSTRUMENTS, PmError::InstrumentCapacityFull);
    for spec in &specs {
        let kind = instrument_kind(spec.kind).ok_or(PmError::InvalidInstrument)?;
        let strike_ok = match kind {
            Kind::Future => spec.strike == 0,
            Kind::Call | Kind::Put => spec.strike > 0 && spec.strike <= risk_engine::MAX_PRICE,
            Kind::Perp => false, // listed with the market, once
        };
        require!(strike_ok, PmError::InvalidInstrument);
        require!(spec.expiry_index < market.num_expiries, PmError::UnknownExpiry);
        require!(market.expiries[spec.expiry_index as usize].expiry > now, PmError::InstrumentExpired);
        let n = market.num_instruments as usize;
        let duplicate = market.instruments[..n]
            .iter()
            .any(|i| i.kind == spec.kind && i.expiry_index == spec.expiry_index && i.strike == spec.strike);
        require!(!duplicate, PmError::DuplicateInstrument);
        market.instruments[n] = Instrument { strike: spec.strike, kind: spec.kind, expiry_index: spec.expiry_index, ..Instrument::default() };
        market.num_instruments += 1;
    }
    emit!(InstrumentsListed { market: ctx.accounts.market.key(), first_index: first, count: specs.len() as u16 });
    Ok(())
}
