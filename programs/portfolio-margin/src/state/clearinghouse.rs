use anchor_lang::prelude::*;

pub const CLEARINGHOUSE_SEED: &[u8] = b"clearinghouse";
pub const QUOTE_VAULT_SEED: &[u8] = b"quote_vault";
pub const INSURANCE_VAULT_SEED: &[u8] = b"insurance_vault";
/// Quote amounts are stored in native units of a 6-decimal stablecoin (DESIGN.md §2).
pub const QUOTE_DECIMALS: u8 = 6;

/// The root of one deployment: who administers it and where its quote tokens live.
///
/// Seeds `["clearinghouse", admin, index (u16 LE)]`, so one admin can run several isolated
/// clearinghouses (as Mango v4 groups). Deposits and withdrawals only read it, so user
/// transactions never write-lock this account.
#[account(zero_copy)]
#[derive(Debug)]
pub struct Clearinghouse {
    pub admin: Pubkey,
    pub quote_mint: Pubkey,
    /// PDA `["quote_vault", clearinghouse]`: holds every account's quote collateral.
    pub quote_vault: Pubkey,
    /// PDA `["insurance_vault", clearinghouse]`: absorbs losses of bankrupt accounts.
    pub insurance_vault: Pubkey,
    pub index: u16,
    pub bump: u8,
    pub quote_vault_bump: u8,
    pub insurance_vault_bump: u8,
    pub quote_decimals: u8,
    pub padding: [u8; 2],
    pub reserved: [u8; 256],
}

pub const CLEARINGHOUSE_SIZE: usize = 392;
const _: () = assert!(core::mem::size_of::<Clearinghouse>() == CLEARINGHOUSE_SIZE);

impl Clearinghouse {
    pub const SPACE: usize = 8 + CLEARINGHOUSE_SIZE;

    /// An owned copy of the PDA seeds, so the account need not stay borrowed during a CPI.
    pub fn signer(&self) -> ClearinghouseSigner {
        ClearinghouseSigner { admin: self.admin, index: self.index.to_le_bytes(), bump: [self.bump] }
    }
}

pub struct ClearinghouseSigner {
    admin: Pubkey,
    index: [u8; 2],
    bump: [u8; 1],
}

impl ClearinghouseSigner {
    pub fn seeds(&self) -> [&[u8]; 4] {
        [CLEARINGHOUSE_SEED, self.admin.as_ref(), &self.index, &self.bump]
    }
}
