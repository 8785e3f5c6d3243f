// The liquidation loop. Each tick: re-read the markets (prices, clock), scan every tracked account
// with the SDK mirror (HealthBook), and for each account below MM plan and send liquidation steps
// (planLiquidation), then resolve_bankruptcy when the plan ends bankrupt.
//
// Safety comes from the program (every step must leave the account in (MM, MM + buffer], and a
// healthy account cannot be liquidated), so the crank's job is to waste nothing: one job per
// account at a time, every plan made from freshly read state, a step whose response was lost is
// looked up by signature before anything else is sent, and a failed account backs off.
import { PublicKey } from "@solana/web3.js";
import { loadMarketBook, MarketBook } from "../chain/markets";
import type { CrankContext } from "../context";
import { send } from "../context";
import { HealthBook, ScanResult } from "../health";
import { backoffDelay, withRetry } from "../rpc";
import { evaluate } from "../../../app/src/risk";
import {
  engineAccount,
  LiquidationPlan,
  LiquidationSnapshot,
  marketsHeld,
  OracleAction,
  planLiquidation,
  readPrice,
  oracleSpecOf,
  formatQuoteAmount,
} from "../sdk";
import { isExecutionError } from "../tx";

export interface LiquidationTickReport {
  scan: ScanResult | null;
  attempted: string[];
  stepsLanded: number;
  resolutions: number;
  refused: string | null;
}

export class LiquidationLoop {
  readonly health = new HealthBook();
  private readonly inFlight = new Set<string>();
  private readonly backoff = new Map<string, { until: number; failures: number }>();
  /** Why the loop last refused to act (null: it acts). */
  refusal: string | null = null;
  lastScan: ScanResult | null = null;

  constructor(private readonly ctx: CrankContext) {}

  get liquidatorAccount(): PublicKey {
    return this.ctx.client.marginAccountAddress(this.ctx.clearinghouse, this.ctx.operator.publicKey, this.ctx.config.liquidation.accountIndex);
  }

  async tick(): Promise<LiquidationTickReport> {
    const { ctx } = this;
    const book = await withRetry(() => loadMarketBook(ctx.client, ctx.clearinghouse), ctx.config.retry, (e) => !isExecutionError(e));
    for (const v of book.markets) {
      if (v.status.ageSecs !== null) ctx.metrics.oracleAge.set({ market: v.info.symbol }, Number(v.status.ageSecs));
    }
    const end = ctx.metrics.scanDuration.startTimer();
    const scan = this.health.scan(ctx.tracker.accounts, book);
    end();
    this.lastScan = scan;
    ctx.metrics.accountsTracked.set(ctx.tracker.accounts.size);
    ctx.metrics.accountsBelowMm.set(scan.belowMm.length);
    ctx.metrics.accountsUnpriced.set(scan.unpriced.length);
    const report: LiquidationTickReport = { scan, attempted: [], stepsLanded: 0, resolutions: 0, refused: null };
    if (scan.belowMm.length) ctx.log.info({ loop: "liquidation", belowMm: scan.belowMm.length, scanned: scan.scanned, ms: Math.round(scan.durationMs) }, "accounts below maintenance margin");
    const now = Date.now();
    const queue = scan.belowMm
      .map((a) => a.address)
      .filter((a) => a !== this.liquidatorAccount.toBase58() && !this.inFlight.has(a) && (this.backoff.get(a)?.until ?? 0) <= now);
    if (!queue.length) return report;
    this.refusal = this.liquidatorRefusal(book);
    if (this.refusal) {
      report.refused = this.refusal;
      ctx.log.warn({ loop: "liquidation", reason: this.refusal, waiting: queue.length }, "not liquidating: the liquidator account cannot take risk");
      return report;
    }
    const workers = Array.from({ length: Math.min(ctx.config.liquidation.maxConcurrent, queue.length) }, async () => {
      for (let a = queue.shift(); a !== undefined && !ctx.stopping(); a = queue.shift()) {
        report.attempted.push(a);
        const r = await this.liquidateAccount(new PublicKey(a));
        report.stepsLanded += r.steps;
        report.resolutions += r.resolved ? 1 : 0;
      }
    });
    await Promise.all(workers);
    return report;
  }

  /** Null when the liquidator may act: its account exists, its oracles are usable and it is above IM. */
  private liquidatorRefusal(book: MarketBook): string | null {
    const own = this.ctx.tracker.accounts.get(this.liquidatorAccount.toBase58());
    if (!own) return `liquidator account ${this.liquidatorAccount.toBase58()} does not exist (create it and deposit collateral)`;
    try {
      const held = marketsHeld(own.info, book.clearinghouse);
      const views = held.map((i) => book.byIndex(i)!);
      const prices = views.map((v) => readPrice(v.oracle, oracleSpecOf(v.info, book.clearinghouse), v.info.oracleLimits[OracleAction.Liquidation], book.now));
      const r = evaluate(engineAccount(own.info, book.clearinghouse, views.map((v) => v.info), prices, book.now));
      this.ctx.metrics.liquidatorExcessIm.set(Number(r.equity - r.im) / 1e6);
      if (r.equity <= r.im) return `liquidator account is at or below IM (equity ${formatQuoteAmount(r.equity)}, IM ${formatQuoteAmount(r.im)})`;
      return null;
    } catch (e) {
      return `liquidator account cannot be evaluated: ${(e as Error).message}`;
    }
  }

  private async snapshot(account: PublicKey): Promise<LiquidationSnapshot> {
    const { ctx } = this;
    return withRetry(() => ctx.liquidation.liquidationSnapshot(account, this.liquidatorAccount), ctx.config.retry, (e) => !isExecutionError(e));
  }

  private fail(address: string): void {
    const prev = this.backoff.get(address);
    const failures = (prev?.failures ?? 0) + 1;
    this.backoff.set(address, { failures, until: Date.now() + backoffDelay(failures, this.ctx.config.retry) });
  }

  /** Plans and sends steps for one account; at most one job per account at a time. */
  async liquidateAccount(account: PublicKey): Promise<{ steps: number; resolved: boolean }> {
    const key = account.toBase58();
    if (this.inFlight.has(key)) return { steps: 0, resolved: false };
    this.inFlight.add(key);
    const { ctx } = this;
    const log = ctx.log.child({ loop: "liquidation", account: key });
    let steps = 0;
    let resolved = false;
    try {
      for (let round = 0; round < ctx.config.liquidation.maxStepsPerAccount && !ctx.stopping(); round++) {
        const s = await this.snapshot(account);
        const plan: LiquidationPlan = planLiquidation(s, { targetBufferPpm: 500_000, maxSteps: 1 });
        if (!plan.liquidatable && !plan.bankrupt) break;
        if (plan.steps.length === 0 && !plan.resolveBankruptcy) {
          log.warn({ reason: plan.error?.name ?? "no step", detail: plan.error?.msg, blocked: plan.blocked.length }, "no liquidation step possible");
          ctx.metrics.liquidationsFailed.inc({ kind: "plan", reason: plan.error?.name ?? "NoStep" });
          this.fail(key);
          break;
        }
        const resolving = plan.steps.length === 0;
        if (resolving && !ctx.config.liquidation.resolveBankruptcies) break;
        const kind = resolving ? "resolve_bankruptcy" : "liquidate";
        const ixs = resolving
          ? await ctx.liquidation.resolveBankruptcyIx({ marginAccount: account, resolverAccount: this.liquidatorAccount, resolver: ctx.operator.publicKey })
          : await ctx.liquidation.liquidateIxFrom(s, plan.steps[0].legs, ctx.operator.publicKey);
        ctx.metrics.liquidationsSent.inc({ kind });
        const out = await send(ctx, [ixs]);
        if (out.status === "landed") {
          ctx.metrics.liquidationsLanded.inc({ kind });
          log.info({ kind, signature: out.signature, legs: resolving ? 0 : plan.steps[0].legs.length, fee: plan.steps[0] ? formatQuoteAmount(plan.steps[0].preview.fee.total) : undefined }, `${kind} landed`);
          this.backoff.delete(key);
          if (resolving) {
            resolved = true;
            break;
          }
          steps++;
          continue;
        }
        const reason = out.status === "failed" ? out.reason : "Unknown";
        ctx.metrics.liquidationsFailed.inc({ kind, reason });
        log.warn({ kind, status: out.status, reason, signature: out.signature, error: out.error.message }, `${kind} did not land`);
        // a concurrent job's step gave the (shared) liquidator account a new market after this
        // snapshot: nothing is wrong with the account, so re-read and re-plan at once
        if (reason === "RemainingAccountsMismatch") continue;
        this.fail(key);
        break;
      }
    } catch (e) {
      ctx.metrics.liquidationsFailed.inc({ kind: "plan", reason: (e as Error).name ?? "Error" });
      log.warn({ err: e }, "liquidation job failed");
      this.fail(key);
    } finally {
      this.inFlight.delete(key);
      await ctx.tracker.refresh(account).catch(() => {});
    }
    return { steps, resolved };
  }
}
