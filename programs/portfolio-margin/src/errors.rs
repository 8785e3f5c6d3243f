use anchor_lang::prelude::*;

/// Custom errors: on the wire `6000 + position`, so only ever append.
#[error_code]
pub enum PmError {
    #[msg("Amount must be greater than zero")]
    ZeroAmount,
    #[msg("Arithmetic overflow")]
    MathOverflow,
    #[msg("Withdrawal exceeds the margin account's collateral balance")]
    InsufficientCollateral,
    #[msg("Source token account holds less than the deposit amount")]
    InsufficientSourceFunds,
    #[msg("Signer is not the margin account's owner")]
    NotAccountOwner,
    #[msg("Margin account belongs to another clearinghouse")]
    WrongClearinghouse,
    #[msg("Vault is not the clearinghouse's vault")]
    InvalidVault,
    #[msg("Token account mint is not the clearinghouse's quote mint")]
    InvalidMint,
    #[msg("Margin account still holds collateral or positions")]
    AccountNotEmpty,
    #[msg("All collateral slots of the margin account are in use")]
    CollateralSlotsFull,
    #[msg("Quote mint must have 6 decimals")]
    UnsupportedQuoteDecimals,
    #[msg("Source token account is not owned by the signer")]
    InvalidTokenOwner,
}
