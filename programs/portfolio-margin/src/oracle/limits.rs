//! Validity limits of an action class: staleness and confidence width.

use anchor_lang::prelude::*;

use super::{OracleLimits, OraclePrice};
use crate::errors::PmError;

/// Parts per million: `max_conf_ppm` is relative to this.
const PPM: u128 = 1_000_000;

/// `OracleStale` when `now - publish_time > max_age_secs` (a publish time ahead of `now`, which
/// clock drift between Pythnet and Solana allows, counts as age 0), then
/// `OracleConfidenceTooWide` when `conf x 1e6 > max_conf_ppm x price`.
pub fn check_limits(price: &OraclePrice, limits: &OracleLimits, now: i64) -> Result<()> {
    // i128: the difference of two arbitrary i64 (the account's publish time is untrusted) fits.
    let age = (i128::from(now) - i128::from(price.publish_time)).max(0);
    require!(age <= i128::from(limits.max_age_secs), PmError::OracleStale);
    // u64 x 1e6 and u32 x u64 both fit u128: no rounding, no overflow.
    require!(
        u128::from(price.conf) * PPM <= u128::from(limits.max_conf_ppm) * u128::from(price.price),
        PmError::OracleConfidenceTooWide
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: OracleLimits = OracleLimits {
        max_age_secs: 60,
        max_conf_ppm: 10_000,
    };
    const NOW: i64 = 1_718_000_000;

    fn price(conf: u64, publish_time: i64) -> OraclePrice {
        OraclePrice {
            price: 100_000_000,
            conf,
            publish_time,
        }
    }

    #[test]
    fn age_boundaries() {
        assert!(check_limits(&price(0, NOW - 60), &LIMITS, NOW).is_ok());
        assert_eq!(
            check_limits(&price(0, NOW - 61), &LIMITS, NOW),
            Err(PmError::OracleStale.into())
        );
        assert!(check_limits(&price(0, NOW + 3600), &LIMITS, NOW).is_ok());
        assert!(check_limits(&price(0, i64::MAX), &LIMITS, i64::MIN).is_ok());
        assert_eq!(
            check_limits(&price(0, i64::MIN), &LIMITS, i64::MAX),
            Err(PmError::OracleStale.into())
        );
        let zero = OracleLimits {
            max_age_secs: 0,
            ..LIMITS
        };
        assert!(check_limits(&price(0, NOW), &zero, NOW).is_ok());
        assert_eq!(
            check_limits(&price(0, NOW - 1), &zero, NOW),
            Err(PmError::OracleStale.into())
        );
    }

    #[test]
    fn confidence_boundaries() {
        // 1% of $100 is exactly 1_000_000 at 1e6.
        assert!(check_limits(&price(1_000_000, NOW), &LIMITS, NOW).is_ok());
        assert_eq!(
            check_limits(&price(1_000_001, NOW), &LIMITS, NOW),
            Err(PmError::OracleConfidenceTooWide.into())
        );
        let widest = OracleLimits {
            max_age_secs: 60,
            max_conf_ppm: u32::MAX,
        };
        let p = OraclePrice {
            price: u64::MAX,
            conf: u64::MAX,
            publish_time: NOW,
        };
        assert!(check_limits(&p, &widest, NOW).is_ok());
        let none = OracleLimits {
            max_conf_ppm: 0,
            ..LIMITS
        };
        assert!(check_limits(&price(0, NOW), &none, NOW).is_ok());
        assert!(check_limits(&price(1, NOW), &none, NOW).is_err());
    }

    #[test]
    fn staleness_is_checked_before_confidence() {
        assert_eq!(
            check_limits(&price(u64::MAX, NOW - 61), &LIMITS, NOW),
            Err(PmError::OracleStale.into())
        );
    }
}
