//! Little-endian field reads at fixed offsets of an oracle account's data.
//!
//! Every read is bounds-checked and fails with `OracleInvalidData`, so a parser can never panic
//! on a short or hostile account, whatever length checks it did (or forgot) before.

use anchor_lang::prelude::*;

use crate::errors::PmError;

/// The `N` bytes at `at`, or `OracleInvalidData` when the data ends before them.
pub(crate) fn field<const N: usize>(data: &[u8], at: usize) -> Result<[u8; N]> {
    let end = at.checked_add(N).ok_or(PmError::OracleInvalidData)?;
    let bytes = data.get(at..end).ok_or(PmError::OracleInvalidData)?;
    // `get` returned exactly N bytes, so the conversion cannot fail.
    bytes
        .try_into()
        .map_err(|_| error!(PmError::OracleInvalidData))
}

pub(crate) fn u32_at(data: &[u8], at: usize) -> Result<u32> {
    field(data, at).map(u32::from_le_bytes)
}

pub(crate) fn i32_at(data: &[u8], at: usize) -> Result<i32> {
    field(data, at).map(i32::from_le_bytes)
}

pub(crate) fn u64_at(data: &[u8], at: usize) -> Result<u64> {
    field(data, at).map(u64::from_le_bytes)
}

pub(crate) fn i64_at(data: &[u8], at: usize) -> Result<i64> {
    field(data, at).map(i64::from_le_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_little_endian_and_rejects_reads_past_the_end() {
        let data = [1u8, 2, 3, 4, 5, 6, 7, 8, 9];
        assert_eq!(u32_at(&data, 0).unwrap(), 0x0403_0201);
        assert_eq!(i64_at(&data, 1).unwrap(), 0x0908_0706_0504_0302);
        assert_eq!(i32_at(&[0xff; 4], 0).unwrap(), -1);
        assert_eq!(u64_at(&data, 2), Err(PmError::OracleInvalidData.into()));
        assert_eq!(
            u32_at(&data, usize::MAX - 1),
            Err(PmError::OracleInvalidData.into())
        );
    }
}
