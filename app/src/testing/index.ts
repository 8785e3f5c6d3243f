// Test helpers: `@portfolio-margin/sdk/testing` (localnet, tests, demos; not for mainnet).
// Kept out of the main entry point so a dApp bundle never pulls them in by accident.
export * from "./mint";
export * from "./pyth";
