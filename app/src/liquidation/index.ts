// Liquidation and the insurance fund: the program's liquidation arithmetic and instructions
// mirrored (`simulateLiquidation`, `simulateBankruptcy`), finding accounts below maintenance
// margin, planning their liquidation step by step (`planLiquidation`), instruction builders and
// the insurance fund (`PortfolioMarginLiquidation`).
export * from "./math";
export * from "./simulate";
export * from "./plan";
export * from "./client";
