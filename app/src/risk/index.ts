// The risk engine's TypeScript mirror: bigint fixed point, bit-exact with crates/risk-engine
// (golden vectors; see docs/risk-model.md). Margin path: fixed, grid, pricer, margin; precise
// single-option path (quotes, greeks): wide, math, black76; the crank's fast scan: scan.
export * from "./wide";
export * from "./math";
export * from "./black76";
export * from "./params";
export * from "./grid";
export * from "./pricer";
export * from "./margin";
export * from "./scan";
export * as fixed from "./fixed";
