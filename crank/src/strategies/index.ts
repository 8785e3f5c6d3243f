// Reference strategies: structures (reference.ts), instrument choice (pick.ts), and the engine's
// view of them (account.ts: IM / MM, per-leg IM, funding).
export * from "./types";
export * from "./pick";
export * from "./reference";
export * from "./account";
