// The program's margin check, mirrored: which markets it reads, the engine inputs it builds, and
// predictions of simulate_margin and withdraw from fetched accounts.
export * from "./errors";
export * from "./markets";
export * from "./inputs";
export * from "./snapshot";
export * from "./prices";
