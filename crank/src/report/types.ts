// The crash-replay demo's report: filled by the demo, rendered by `html.ts` and `table.ts`.

export interface ReplayReport {
  window: { name: string; start: string; end: string; source: string };
  markets: string[]; // symbols, e.g. ["BTC","ETH","SOL"]
  series: Array<{ t: number /*unix s*/; prices: Record<string, number>; totalEquity: number; totalMm: number; totalIm: number; accountsBelowMm: number; liquidationSteps: number /*in this hour*/; insuranceFund: number }>; // money in USDC (float for display)
  liquidations: Array<{ t: number; account: string; strategy: string; steps: number; fee: number; bankrupt: boolean }>;
  strategies: Array<{ name: string; accounts: number; portfolioIm: number; perLegIm: number; liquidated: number; equityStart: number; equityEnd: number }>;
  summary: { hours: number; liquidationSteps: number; accountsLiquidated: number; bankruptcies: number; insuranceStart: number; insuranceEnd: number; badDebt: number; socializedLoss: number; volUpdates: number; fundingUpdates: number; settlements: number; crankErrors: number };
}
