// Test helpers (`@portfolio-margin/sdk/testing`): test mints, Pyth account writers, and the local
// node's test-only methods. Not for production use.
export * from "./mint";
export * from "./pyth";
export * from "./localnet";
export * from "./accounts";
export * from "./bootstrap";
