//! Pyth's `value x 10^exponent` to the program's 1e6 fixed point, in integers only.
//!
//! Rounding is adverse to the protocol's counterparties: the price is rounded down and the
//! confidence up, so a truncated digit can only make a price look less certain, never more.

use anchor_lang::prelude::*;
// The risk engine's own bound ($10M at 1e6): every price returned here is one the engine accepts.
use risk_engine::MAX_PRICE;

use crate::errors::PmError;

/// Decimals of every price in the program (`PRICE_PRECISION` = 10^6).
pub const PRICE_DECIMALS: i32 = 6;

/// Lowest supported Pyth exponent. Real feeds use about -5..=-10 (BTC/USD is -8); with
/// -18..=6 the rescaling shift `exponent + 6` stays in -12..=12, so the factor 10^|shift| is a
/// table entry below u64::MAX and `i64::MAX x 10^12` still fits a u128: no step can overflow.
pub const MIN_EXPONENT: i32 = -18;
/// Highest supported Pyth exponent (see `MIN_EXPONENT`).
pub const MAX_EXPONENT: i32 = 6;

/// 10^0 ..= 10^12: the only scale factors the supported exponents need.
const POW10: [u64; 13] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
    1_000_000_000,
    10_000_000_000,
    100_000_000_000,
    1_000_000_000_000,
];

/// `(price, conf)` at 1e6 from a Pyth price, confidence and exponent.
///
/// Checks, in this order: `price > 0` (else `OracleNonPositivePrice`); exponent in
/// `MIN_EXPONENT..=MAX_EXPONENT` (else `OracleOutOfRange`); the rescaled price in
/// `1..=MAX_PRICE` and the rescaled confidence in u64 (else `OracleOutOfRange`).
pub fn to_1e6(price: i64, conf: u64, exponent: i32) -> Result<(u64, u64)> {
    require!(price > 0, PmError::OracleNonPositivePrice);
    require!(
        (MIN_EXPONENT..=MAX_EXPONENT).contains(&exponent),
        PmError::OracleOutOfRange
    );
    let shift = exponent + PRICE_DECIMALS;
    // In range by the exponent check above.
    let scale = u128::from(POW10[shift.unsigned_abs() as usize]);
    let (price, conf) = (price as u128, u128::from(conf));
    let (price, conf) = if shift >= 0 {
        (
            price.checked_mul(scale).ok_or(PmError::MathOverflow)?,
            conf.checked_mul(scale).ok_or(PmError::MathOverflow)?,
        )
    } else {
        // floor for the price, ceiling for the confidence.
        (price / scale, conf / scale + u128::from(conf % scale != 0))
    };
    require!(
        price != 0 && price <= u128::from(MAX_PRICE),
        PmError::OracleOutOfRange
    );
    // A confidence beyond u64 is far wider than any limit allows; reject it as out of range
    // rather than saturate, so the result is always the exact rounded value.
    let conf = u64::try_from(conf).map_err(|_| error!(PmError::OracleOutOfRange))?;
    Ok((price as u64, conf))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Written by a string-based decimal-shifting reference in tests/unit/oracle.test.ts (which
    /// checks the TypeScript mirror against it too); one case per line.
    const GOLDEN: &str = include_str!("fixtures/normalize_golden.json");

    /// One `{"k": v, ...}` line of the golden file, as (key, unquoted value) pairs. The file is
    /// JSON, but the program crate has no JSON dependency and its lines hold no nested values.
    fn fields(line: &str) -> Vec<(&str, &str)> {
        let body = line.trim().trim_end_matches(',');
        let body = body.trim_start_matches('{').trim_end_matches('}');
        body.split(',')
            .map(|kv| {
                let (k, v) = kv.split_once(':').expect("key: value");
                (k.trim().trim_matches('"'), v.trim().trim_matches('"'))
            })
            .collect()
    }

    fn name(e: &Error) -> String {
        match e {
            Error::AnchorError(a) => a.error_name.clone(),
            Error::ProgramError(p) => format!("{p:?}"),
        }
    }

    #[test]
    fn golden_vectors() {
        let mut n = 0;
        for line in GOLDEN
            .lines()
            .filter(|l| l.trim_start().starts_with("{\"price\""))
        {
            let f = fields(line);
            let get = |k: &str| f.iter().find(|(key, _)| *key == k).map(|(_, v)| *v);
            let price: i64 = get("price").unwrap().parse().unwrap();
            let conf: u64 = get("conf").unwrap().parse().unwrap();
            let exponent: i32 = get("exponent").unwrap().parse().unwrap();
            let got = to_1e6(price, conf, exponent);
            match get("error") {
                Some(err) => assert_eq!(got.map_err(|e| name(&e)), Err(err.to_string()), "{line}"),
                None => {
                    let want = (
                        get("price_1e6").unwrap().parse::<u64>().unwrap(),
                        get("conf_1e6").unwrap().parse::<u64>().unwrap(),
                    );
                    assert_eq!(got.map_err(|e| name(&e)), Ok(want), "{line}");
                }
            }
            n += 1;
        }
        assert!(n >= 300, "only {n} golden cases");
    }

    #[test]
    fn pow10_table_is_powers_of_ten() {
        for (i, p) in POW10.iter().enumerate() {
            assert_eq!(*p, 10u64.pow(i as u32));
        }
        assert_eq!(POW10.len() as i32, MAX_EXPONENT + PRICE_DECIMALS + 1);
        assert_eq!(POW10.len() as i32, -(MIN_EXPONENT + PRICE_DECIMALS) + 1);
    }

    #[test]
    fn rounding_and_bounds() {
        let ok = |p, c, e| to_1e6(p, c, e).map_err(|e| name(&e));
        // BTC at expo -8: two digits dropped, price down, conf up.
        assert_eq!(
            ok(6_512_345_678_901, 2_345_678_901, -8),
            Ok((65_123_456_789, 23_456_790))
        );
        assert_eq!(
            ok(6_512_345_678_999, 2_345_678_900, -8),
            Ok((65_123_456_789, 23_456_789))
        );
        // Exponent extremes: the whole supported range, both ends and one past.
        assert_eq!(
            ok(1_000_000_000_000_000_001, 999_999_999_999, -18),
            Ok((1_000_000, 1))
        );
        assert_eq!(ok(10, 0, 6), Ok((MAX_PRICE, 0)));
        assert_eq!(ok(11, 0, 6), Err("OracleOutOfRange".into()));
        assert_eq!(ok(1, 0, 7), Err("OracleOutOfRange".into()));
        assert_eq!(ok(i64::MAX, 0, -19), Err("OracleOutOfRange".into()));
        assert_eq!(ok(1, 0, i32::MIN), Err("OracleOutOfRange".into()));
        assert_eq!(ok(1, 0, i32::MAX), Err("OracleOutOfRange".into()));
        // The largest product the code forms: no overflow, just out of range.
        assert_eq!(ok(i64::MAX, u64::MAX, 6), Err("OracleOutOfRange".into()));
        assert_eq!(ok(1, u64::MAX, 6), Err("OracleOutOfRange".into()));
        assert_eq!(
            ok(1, u64::MAX / 1_000_000, 0),
            Ok((1_000_000, u64::MAX / 1_000_000 * 1_000_000))
        );
        // Non-positive before anything else; a positive price that rounds to 0 is out of range.
        assert_eq!(ok(0, 0, 100), Err("OracleNonPositivePrice".into()));
        assert_eq!(ok(i64::MIN, 0, -8), Err("OracleNonPositivePrice".into()));
        assert_eq!(ok(999_999_999_999, 0, -18), Err("OracleOutOfRange".into()));
    }
}
