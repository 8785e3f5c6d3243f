// Prometheus metrics (prom-client), one registry per crank so several cranks (tests, the demo)
// can live in one process.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export class CrankMetrics {
  readonly registry = new Registry();
  readonly accountsTracked = new Gauge({ name: "pm_crank_accounts_tracked", help: "Margin accounts the crank keeps current", registers: [this.registry] });
  readonly accountsBelowMm = new Gauge({ name: "pm_crank_accounts_below_mm", help: "Accounts below maintenance margin at the last scan", registers: [this.registry] });
  readonly accountsUnpriced = new Gauge({
    name: "pm_crank_accounts_unpriced",
    help: "Accounts the last scan could not evaluate (an oracle of theirs is not usable for liquidation)",
    registers: [this.registry],
  });
  readonly scanDuration = new Histogram({
    name: "pm_crank_scan_duration_seconds",
    help: "Health scan of every tracked account (re-pricing instruments included)",
    buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
    registers: [this.registry],
  });
  readonly liquidationsSent = new Counter({ name: "pm_crank_liquidations_sent_total", help: "Liquidation transactions sent", labelNames: ["kind"], registers: [this.registry] });
  readonly liquidationsLanded = new Counter({ name: "pm_crank_liquidations_landed_total", help: "Liquidation transactions confirmed", labelNames: ["kind"], registers: [this.registry] });
  readonly liquidationsFailed = new Counter({
    name: "pm_crank_liquidations_failed_total",
    help: "Liquidation transactions that failed, by program error or transport",
    labelNames: ["kind", "reason"],
    registers: [this.registry],
  });
  readonly liquidatorExcessIm = new Gauge({ name: "pm_crank_liquidator_excess_im", help: "The liquidator account's equity - IM (USDC)", registers: [this.registry] });
  readonly oracleAge = new Gauge({ name: "pm_crank_oracle_age_seconds", help: "Seconds since each market's oracle was published", labelNames: ["market"], registers: [this.registry] });
  readonly volUpdates = new Counter({ name: "pm_crank_vol_updates_total", help: "Vol parameter updates, by result", labelNames: ["market", "result"], registers: [this.registry] });
  readonly fundingUpdates = new Counter({ name: "pm_crank_funding_updates_total", help: "update_funding sent, by result", labelNames: ["market", "result"], registers: [this.registry] });
  readonly settlements = new Counter({ name: "pm_crank_settlements_total", help: "Settlements sent, by kind and result", labelNames: ["kind", "result"], registers: [this.registry] });
  readonly rpcErrors = new Counter({ name: "pm_crank_rpc_errors_total", help: "RPC requests that failed (transport, HTTP or JSON-RPC error)", labelNames: ["method"], registers: [this.registry] });
  readonly loopRuns = new Counter({ name: "pm_crank_loop_runs_total", help: "Loop iterations, by result", labelNames: ["loop", "result"], registers: [this.registry] });
  readonly loopDuration = new Histogram({
    name: "pm_crank_loop_duration_seconds",
    help: "Loop iteration time",
    labelNames: ["loop"],
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30],
    registers: [this.registry],
  });

  constructor(defaultMetrics = false) {
    if (defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: "pm_crank_" });
  }
}
