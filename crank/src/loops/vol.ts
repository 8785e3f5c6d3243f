// Vol refresh: each tick every market's oracle is sampled (Pyth's decoders) into the source, the
// source proposes target slices for the listed expiries, and planVolUpdate turns them into an
// update the program accepts (sequence, interval, bounds, per-update change) or a skip. Only the
// clearinghouse's crank authority may send; any other key runs the loop as a dry run and says so.
import { loadMarketBook } from "../chain/markets";
import type { CrankContext } from "../context";
import { send } from "../context";
import { sampleOracle } from "../oracle/pyth";
import { withRetry } from "../rpc";
import { isExecutionError } from "../tx";
import { planVolUpdate, VolPlan, VolSource } from "../vol";

export interface VolReport {
  sent: number;
  landed: number;
  skipped: Record<string, number>;
  plans: { market: string; plan: VolPlan }[];
}

export class VolLoop {
  private warnedAuthority = false;
  private readonly lastSample = new Map<string, number>();

  constructor(
    private readonly ctx: CrankContext,
    readonly source: VolSource,
  ) {}

  async tick(): Promise<VolReport> {
    const { ctx } = this;
    const report: VolReport = { sent: 0, landed: 0, skipped: {}, plans: [] };
    const book = await withRetry(() => loadMarketBook(ctx.client, ctx.clearinghouse), ctx.config.retry, (e) => !isExecutionError(e));
    const authorised = book.clearinghouse.crankAuthority.equals(ctx.operator.publicKey);
    if (!authorised && !this.warnedAuthority) {
      this.warnedAuthority = true;
      ctx.log.warn({ loop: "vol", crankAuthority: book.clearinghouse.crankAuthority.toBase58() }, "this key is not the crank authority: vol updates are planned but not sent");
    }
    for (const v of book.markets) {
      if (ctx.stopping()) break;
      const m = v.info;
      const sample = sampleOracle(m.oracleSource, v.oracle);
      if (sample && this.lastSample.get(m.symbol) !== sample.publishTime) {
        this.lastSample.set(m.symbol, sample.publishTime);
        this.source.observe?.(m.symbol, sample.publishTime, sample.price);
      }
      if (!sample || m.expiries.length === 0) continue;
      const current = m.expiries.map((e) => ({ atmPpm: e.atmPpm, skewPpm: e.skewPpm, curvPpm: e.curvPpm, basisPpm: e.basisPpm }));
      const target = this.source.slices({ symbol: m.symbol, spot: sample.price, now: Number(book.now), expiries: m.expiries.map((e) => Number(e.expiry)), current });
      if (!target) {
        report.skipped["no-opinion"] = (report.skipped["no-opinion"] ?? 0) + 1;
        continue;
      }
      const plan = planVolUpdate({ market: m, target, now: Number(book.now), thresholdPpm: ctx.config.vol.thresholdPpm });
      report.plans.push({ market: m.symbol, plan });
      if (plan.action === "skip") {
        report.skipped[plan.reason] = (report.skipped[plan.reason] ?? 0) + 1;
        ctx.metrics.volUpdates.inc({ market: m.symbol, result: `skip-${plan.reason}` });
        continue;
      }
      if (!authorised) {
        ctx.metrics.volUpdates.inc({ market: m.symbol, result: "not-authorised" });
        continue;
      }
      const ix = await ctx.admin.updateVolParamsIx({
        clearinghouse: ctx.clearinghouse,
        market: m.address,
        sequence: plan.sequence,
        slices: plan.slices.map((s) => ({ expiry: s.expiry, ...s.slice })),
        crank: ctx.operator.publicKey,
      });
      report.sent++;
      const out = await send(ctx, [ix]);
      ctx.metrics.volUpdates.inc({ market: m.symbol, result: out.status === "failed" ? `failed-${out.reason}` : out.status });
      if (out.status === "landed") {
        report.landed++;
        ctx.log.info({ loop: "vol", market: m.symbol, sequence: Number(plan.sequence), trigger: plan.trigger, clamped: plan.clamped, atm: plan.slices.map((s) => Number(s.slice.atmPpm) / 1e4) }, "vol params updated");
      } else {
        ctx.log.warn({ loop: "vol", market: m.symbol, status: out.status, reason: out.status === "failed" ? out.reason : undefined }, "update_vol_params did not land");
      }
    }
    return report;
  }
}
