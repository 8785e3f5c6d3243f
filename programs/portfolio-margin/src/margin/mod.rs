//! The margin check: which markets an account needs, loading them and their oracles from the
//! remaining accounts, turning the accounts into risk-engine inputs, and evaluating them.
//!
//! This is the only place the program talks to `risk_engine`'s margin path: instructions call
//! [`MarginCheck`], never the engine directly.

pub mod check;
pub mod heap;
pub mod inputs;
pub mod markets;

pub use check::*;
pub use inputs::*;
pub use markets::*;

use anchor_lang::prelude::*;
use risk_engine::{param_name, Error as EngineError, GlobalParams};

use crate::errors::PmError;

/// Maps an engine error to a program error, logging what the engine said (and the parameter's
/// name for a parameter error). `fallback` is the error for parameter and input errors.
pub fn engine_error(e: EngineError, fallback: PmError) -> anchor_lang::error::Error {
    match (e, param_name(e)) {
        (_, Some(name)) => msg!("risk engine: parameter {} out of bounds", name),
        _ => msg!("risk engine: {:?} (code {})", e, e.code()),
    }
    match e {
        EngineError::Overflow => error!(PmError::MathOverflow),
        EngineError::OracleConfidenceTooWide => error!(PmError::OracleConfidenceTooWide),
        EngineError::TooManyMarkets => error!(PmError::TooManyMarkets),
        EngineError::BadHaircut => error!(PmError::InvalidHaircut),
        EngineError::ParamOutOfBounds(_) | EngineError::GlobalParamOutOfBounds(_) => error!(fallback),
        _ => error!(PmError::RiskEngine),
    }
}

/// A global parameter whose stored value does not fit its type.
pub fn global_param_error(index: usize) -> anchor_lang::error::Error {
    msg!("risk engine: parameter {} out of bounds", GlobalParams::NAMES.get(index).copied().unwrap_or("?"));
    error!(PmError::InvalidGlobalParams)
}
