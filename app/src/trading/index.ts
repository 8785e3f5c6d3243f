// RFQ trading, funding and settlement: the program's trading arithmetic mirrored, signed quotes,
// trade previews, instruction builders, and liquidation-price estimates.
export * from "./math";
export * from "./position";
export * from "./quote";
export * from "./preview";
export * from "./liquidation";
export * from "./client";
