// Risk engine mirror (bigint fixed point, bit-exact with crates/risk-engine; see its README).
export * from "./wide";
export * from "./math";
export * from "./black76";
export * from "./params";
export * from "./engine";
