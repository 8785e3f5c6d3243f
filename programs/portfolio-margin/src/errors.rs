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
    #[msg("Token account mint does not match the collateral's mint")]
    InvalidMint,
    #[msg("Margin account still holds collateral or positions")]
    AccountNotEmpty,
    #[msg("All collateral slots of the margin account are in use")]
    CollateralSlotsFull,
    #[msg("Quote mint must have 6 decimals")]
    UnsupportedQuoteDecimals,
    #[msg("Source token account is not owned by the signer")]
    InvalidTokenOwner,
    // ---- oracles (oracle/) ----
    #[msg("Oracle account is not owned by the configured Pyth program")]
    OracleWrongOwner,
    #[msg("Oracle account is not the market's configured oracle")]
    OracleWrongAccount,
    #[msg("Price update is for another Pyth feed id")]
    OracleFeedMismatch,
    #[msg("Price update is not fully verified")]
    OracleUnverified,
    #[msg("Oracle account data is malformed (size, discriminator, magic, version or type)")]
    OracleInvalidData,
    #[msg("Oracle price status is not Trading")]
    OracleNotTrading,
    #[msg("Oracle price is older than this action allows")]
    OracleStale,
    #[msg("Oracle price is zero or negative")]
    OracleNonPositivePrice,
    #[msg("Oracle confidence is wider than this action allows")]
    OracleConfidenceTooWide,
    #[msg("Oracle exponent or price outside the supported range")]
    OracleOutOfRange,
    // ---- authorities and parameters ----
    #[msg("Signer is not the clearinghouse admin")]
    NotAdmin,
    #[msg("Signer is neither the admin nor the security authority")]
    NotAdminOrSecurity,
    #[msg("Signer is not the clearinghouse's crank authority")]
    NotCrankAuthority,
    #[msg("The security authority may only tighten (the log names the parameter)")]
    LooseningBySecurity,
    #[msg("A market risk parameter is out of bounds (the log names it)")]
    InvalidMarketParams,
    #[msg("A clearinghouse risk parameter is out of bounds (the log names it)")]
    InvalidGlobalParams,
    #[msg("Oracle limits must be within hard bounds and no looser for riskier actions")]
    InvalidOracleLimits,
    #[msg("Volatility update guards are out of bounds")]
    InvalidVolGuards,
    // ---- markets and instruments ----
    #[msg("The clearinghouse already lists the maximum number of markets")]
    MarketCapacityFull,
    #[msg("Market symbol must be 1-8 ASCII letters or digits")]
    InvalidSymbol,
    #[msg("Market account is not the expected market of this clearinghouse")]
    WrongMarket,
    #[msg("Market is paused")]
    MarketPaused,
    #[msg("Market is reduce-only")]
    MarketReduceOnly,
    #[msg("Unknown market status")]
    InvalidMarketStatus,
    #[msg("The market already lists the maximum number of expiries")]
    ExpiryCapacityFull,
    #[msg("Expiry must be in the future (at least the minimum time ahead) and at most 10 years out")]
    InvalidExpiry,
    #[msg("Expiry is already listed")]
    DuplicateExpiry,
    #[msg("Expiry index is not listed in this market")]
    UnknownExpiry,
    #[msg("The market already lists the maximum number of instruments")]
    InstrumentCapacityFull,
    #[msg("Instrument kind or strike is invalid")]
    InvalidInstrument,
    #[msg("Instrument is already listed")]
    DuplicateInstrument,
    #[msg("Instrument has expired: it accepts no new positions")]
    InstrumentExpired,
    #[msg("Instrument index is not listed in this market")]
    UnknownInstrument,
    // ---- remaining accounts of a margin check ----
    #[msg("Remaining accounts must be exactly the account's markets and their oracles")]
    RemainingAccountsMismatch,
    #[msg("A market the account holds is missing, duplicated or out of order in the remaining accounts")]
    MissingMarketAccount,
    #[msg("The account would span more markets than allowed")]
    TooManyMarkets,
    // ---- collateral ----
    #[msg("Mint is not a listed collateral")]
    CollateralNotListed,
    #[msg("Mint is already a listed collateral")]
    CollateralAlreadyListed,
    #[msg("The clearinghouse already lists the maximum number of collateral mints")]
    CollateralRegistryFull,
    #[msg("Deposit would exceed the collateral's deposit cap")]
    DepositCapExceeded,
    #[msg("Haircuts must satisfy MM <= IM <= 95%")]
    InvalidHaircut,
    #[msg("Collateral must reference an existing market, and the mint at most 12 decimals")]
    InvalidCollateralConfig,
    // ---- margin ----
    #[msg("Equity after this action would be below initial margin")]
    InsufficientMargin,
    #[msg("Volatility parameters are stale: risk-increasing actions are refused")]
    VolStale,
    #[msg("Risk engine rejected the inputs (the log has its error)")]
    RiskEngine,
    // ---- volatility updates ----
    #[msg("Vol update sequence must be greater than the last one")]
    VolSequenceNotIncreasing,
    #[msg("Vol update comes before the market's minimum interval")]
    VolUpdateTooSoon,
    #[msg("Vol update changes a value by more than the per-update maximum")]
    VolChangeTooLarge,
    #[msg("Vol update value is outside its absolute bounds")]
    VolOutOfBounds,
    #[msg("Vol update must give one slice per listed expiry, in listing order")]
    VolSliceMismatch,
    // ---- trading ----
    #[msg("The account already holds the maximum number of positions")]
    PositionSlotsFull,
    #[msg("Quote nonce already used or cancelled")]
    QuoteNonceUsed,
    #[msg("Quote has expired")]
    QuoteExpired,
    #[msg("Maker and taker must be different accounts of different owners")]
    SelfTrade,
    #[msg("Trade price must be positive and at most the engine's price bound")]
    InvalidTradePrice,
    #[msg("Position size would exceed the engine's size bound")]
    PositionTooLarge,
    #[msg("The oracle moved past the maker's limit since the quote was made")]
    QuoteOracleLimit,
    #[msg("Trading parameters are out of bounds")]
    InvalidTradingParams,
    #[msg("Quote side must be 0 (maker buys) or 1 (maker sells)")]
    InvalidSide,
    // ---- funding and settlement ----
    #[msg("Funding was updated less than the market's funding interval ago")]
    FundingTooSoon,
    #[msg("The expiry has not been reached")]
    ExpiryNotReached,
    #[msg("The expiry already has a settlement price")]
    ExpiryAlreadySettled,
    #[msg("The settlement window has closed: only the admin may settle this expiry")]
    SettlementWindowClosed,
    #[msg("The settlement window is still open: settle with an oracle price")]
    SettlementWindowOpen,
    #[msg("Nothing to settle: no position of the account is in a settled expiry of these markets")]
    NothingToSettle,
    #[msg("Fee amount exceeds the market's fee pool")]
    InsufficientFees,
    // ---- liquidation ----
    #[msg("An account cannot be liquidated by its own owner")]
    SelfLiquidation,
    #[msg("Account equity is at or above maintenance margin: it cannot be liquidated")]
    AccountNotLiquidatable,
    #[msg("A liquidation takes 1 to 4 legs, each a held position or non-quote collateral of the account, amount > 0 and at most what it holds")]
    InvalidLiquidationLeg,
    #[msg("The liquidation does not reduce the account's maintenance margin and shortfall")]
    LiquidationNotReducingRisk,
    #[msg("The liquidation takes more than needed: equity would end above MM plus the liquidation buffer")]
    OverLiquidation,
    #[msg("The liquidator's account would be below initial margin")]
    LiquidatorInsufficientMargin,
    #[msg("Account equity is not negative: liquidate it instead")]
    AccountNotBankrupt,
    #[msg("The bankrupt account still holds collateral: liquidate it first")]
    BankruptcyCollateralLeft,
    #[msg("Liquidation buffer must be at most 100% of MM")]
    InvalidLiquidationBuffer,
    #[msg("The socialisation market must be the account's market with the most perpetual open interest by value")]
    WrongSocializationMarket,
}
