// A periodic task that never overlaps itself and never blocks another loop: each loop awaits its
// own iteration, then sleeps until its next slot. Stop waits for the iteration in progress.
import type { Logger } from "./log";
import type { CrankMetrics } from "./metrics";

export class Loop {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  lastOkAt = 0;
  lastRunAt = 0;
  lastError: string | null = null;
  runs = 0;

  constructor(
    readonly name: string,
    readonly intervalMs: number,
    private readonly body: () => Promise<void>,
    private readonly log: Logger,
    private readonly metrics: CrankMetrics,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** One iteration now (tests, the demo's in-process ticks). Errors are logged and counted, not thrown. */
  async runOnce(): Promise<void> {
    if (this.running) return this.running;
    this.running = this.iterate();
    try {
      await this.running;
    } finally {
      this.running = null;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.running) await this.running;
  }

  /** Healthy when the last iteration succeeded within a few intervals. */
  healthy(now = Date.now()): boolean {
    return this.lastOkAt > 0 && now - this.lastOkAt <= Math.max(3 * this.intervalMs, 30_000) && this.lastError === null;
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(async () => {
      await this.runOnce();
      this.schedule(this.intervalMs);
    }, delay);
  }

  private async iterate(): Promise<void> {
    const end = this.metrics.loopDuration.startTimer({ loop: this.name });
    this.lastRunAt = Date.now();
    this.runs++;
    try {
      await this.body();
      this.lastOkAt = Date.now();
      this.lastError = null;
      this.metrics.loopRuns.inc({ loop: this.name, result: "ok" });
    } catch (e) {
      this.lastError = (e as Error)?.message ?? String(e);
      this.metrics.loopRuns.inc({ loop: this.name, result: "error" });
      this.log.error({ loop: this.name, err: e }, "loop iteration failed");
    } finally {
      end();
    }
  }
}
