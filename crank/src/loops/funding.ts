// Funding: update_funding on every market whose funding interval has elapsed (permissionless;
// the program refuses early calls with FundingTooSoon, which the crank never sends).
import { loadMarketBook } from "../chain/markets";
import type { CrankContext } from "../context";
import { send } from "../context";
import { withRetry } from "../rpc";
import { isExecutionError } from "../tx";

export async function fundingTick(ctx: CrankContext): Promise<{ updated: number; failed: number }> {
  const report = { updated: 0, failed: 0 };
  const book = await withRetry(() => loadMarketBook(ctx.client, ctx.clearinghouse), ctx.config.retry, (e) => !isExecutionError(e));
  for (const v of book.markets) {
    if (ctx.stopping()) break;
    const m = v.info;
    if (book.now - m.fundingUpdatedAt < BigInt(m.trading.fundingIntervalSecs)) continue;
    if (!v.status.price || v.status.actions[1].error) {
      ctx.log.warn({ loop: "funding", market: m.symbol, oracle: v.status.error ?? v.status.actions[1].error }, "funding skipped: oracle not usable");
      continue;
    }
    const out = await send(ctx, [await ctx.trading.updateFundingIx({ market: m })]);
    ctx.metrics.fundingUpdates.inc({ market: m.symbol, result: out.status });
    if (out.status === "landed") report.updated++;
    else {
      report.failed++;
      ctx.log.warn({ loop: "funding", market: m.symbol, status: out.status, reason: out.status === "failed" ? out.reason : undefined }, "update_funding did not land");
    }
  }
  return report;
}
