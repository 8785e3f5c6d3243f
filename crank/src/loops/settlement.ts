// Settlement: every listed expiry past its time without a settlement price gets settle_expiry
// (permissionless; the program reads the oracle), then every tracked account holding positions in
// a settled expiry gets settle_positions, which turns them into cash.
import { loadMarketBook } from "../chain/markets";
import type { CrankContext } from "../context";
import { send } from "../context";
import { withRetry } from "../rpc";
import { Kind } from "../../../app/src/risk";
import { isExecutionError } from "../tx";

export interface SettlementReport {
  expiriesSettled: number;
  accountsSettled: number;
  failed: number;
}

export async function settlementTick(ctx: CrankContext): Promise<SettlementReport> {
  const report: SettlementReport = { expiriesSettled: 0, accountsSettled: 0, failed: 0 };
  const log = ctx.log.child({ loop: "settlement" });
  let book = await withRetry(() => loadMarketBook(ctx.client, ctx.clearinghouse), ctx.config.retry, (e) => !isExecutionError(e));
  for (const v of book.markets) {
    for (const e of v.info.expiries) {
      if (ctx.stopping()) return report;
      if (e.settlementPrice !== 0n || e.expiry > book.now) continue;
      const out = await send(ctx, [await ctx.trading.settleExpiryIx({ market: v.info, expiryIndex: e.index })]);
      ctx.metrics.settlements.inc({ kind: "expiry", result: out.status });
      if (out.status === "landed") {
        report.expiriesSettled++;
        log.info({ market: v.info.symbol, expiry: Number(e.expiry), signature: out.signature }, "expiry settled");
      } else {
        report.failed++;
        log.warn({ market: v.info.symbol, expiry: Number(e.expiry), status: out.status, reason: out.status === "failed" ? out.reason : undefined }, "settle_expiry did not land");
      }
    }
  }
  if (report.expiriesSettled) book = await loadMarketBook(ctx.client, ctx.clearinghouse);
  for (const [address, tracked] of ctx.tracker.accounts) {
    if (ctx.stopping()) break;
    const markets = book.markets
      .map((v) => v.info)
      .filter((m) =>
        tracked.info.positions.some((p) => {
          if (p.marketIndex !== m.marketIndex || p.size === 0n) return false;
          const ins = m.instruments[p.instrumentIndex];
          return !!ins && ins.kind !== Kind.Perp && (m.expiries[ins.expiryIndex]?.settlementPrice ?? 0n) !== 0n;
        }),
      );
    if (!markets.length) continue;
    const ix = await ctx.trading.settlePositionsIx({ marginAccount: tracked.info.address, markets: markets.map((m) => m.address) });
    const out = await send(ctx, [ix]);
    ctx.metrics.settlements.inc({ kind: "positions", result: out.status });
    if (out.status === "landed") report.accountsSettled++;
    else {
      report.failed++;
      log.warn({ account: address, status: out.status, reason: out.status === "failed" ? out.reason : undefined }, "settle_positions did not land");
    }
    await ctx.tracker.refresh(tracked.info.address).catch(() => {});
  }
  return report;
}
