// The crank: one process, independent loops (account re-list, liquidation, settlement, funding,
// vol refresh), a status server, graceful stop. All state is re-read from chain (accounts,
// markets, oracles, the vol sequence), so a restart loses nothing and repeats nothing.
import fs from "fs";
import { AnchorProvider, Wallet } from "@coral-xyz/anchor";
import { Keypair, PublicKey } from "@solana/web3.js";
import { AccountTracker } from "./chain/accounts";
import type { CrankConfig } from "./config";
import type { CrankContext } from "./context";
import { HealthReport, startStatusServer, StatusServer } from "./http";
import { createLogger, Logger } from "./log";
import { Loop } from "./loop";
import { fundingTick } from "./loops/funding";
import { LiquidationLoop } from "./loops/liquidation";
import { settlementTick } from "./loops/settlement";
import { VolLoop } from "./loops/vol";
import { CrankMetrics } from "./metrics";
import { createConnection, FaultInjector, withRetry } from "./rpc";
import { PortfolioMarginAdmin, PortfolioMarginClient, PortfolioMarginLiquidation, PortfolioMarginTrading } from "./sdk";
import { isExecutionError } from "./tx";
import { DeribitChainSource, EwmaRealisedVol, VolSource } from "./vol";

export interface CrankOptions {
  config: CrankConfig;
  /** The operator key (default: read from config.keypair). */
  operator?: Keypair;
  logger?: Logger;
  /** Tests: faults injected into every RPC request. */
  faults?: FaultInjector;
  /** Default: from config.vol.source. */
  volSource?: VolSource;
  /** Collect Node's process metrics too (off when several cranks share a process). */
  processMetrics?: boolean;
}

export function readKeypair(file: string): Keypair {
  let raw: string;
  try {
    raw = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new Error(`cannot read keypair ${file}: ${(e as Error).message}`);
  }
  return Keypair.fromSecretKey(Uint8Array.from(JSON.parse(raw)));
}

export function volSourceFor(config: CrankConfig): VolSource {
  if (config.vol.source === "deribit") return DeribitChainSource.fromFile(config.vol.deribit!.file);
  return new EwmaRealisedVol(config.vol.ewma);
}

export class Crank {
  readonly ctx: CrankContext;
  readonly metrics: CrankMetrics;
  readonly log: Logger;
  readonly liquidation: LiquidationLoop;
  readonly vol: VolLoop;
  readonly loops: Record<"accounts" | "liquidation" | "settlement" | "funding" | "vol", Loop>;
  private server: StatusServer | null = null;
  private stopped = false;
  private started = false;

  constructor(opts: CrankOptions) {
    const config = opts.config;
    this.metrics = new CrankMetrics(opts.processMetrics ?? false);
    this.log = opts.logger ?? createLogger(config.log.level);
    const operator = opts.operator ?? readKeypair(config.keypair);
    const connection = createConnection({
      rpcUrl: config.rpcUrl,
      wsUrl: config.wsUrl,
      commitment: config.commitment,
      timeoutMs: config.rpcTimeoutMs,
      metrics: this.metrics,
      faults: opts.faults,
    });
    const provider = new AnchorProvider(connection, new Wallet(operator), { commitment: config.commitment, preflightCommitment: config.commitment });
    const client = new PortfolioMarginClient(provider, config.programId ? { programId: new PublicKey(config.programId) } : undefined);
    const clearinghouse = new PublicKey(config.clearinghouse);
    const liquidationLoop = { current: null as LiquidationLoop | null };
    const tracker = new AccountTracker(client, clearinghouse, (address) => liquidationLoop.current?.health.forget(address));
    this.ctx = {
      config,
      connection,
      client,
      liquidation: new PortfolioMarginLiquidation(client),
      trading: new PortfolioMarginTrading(client),
      admin: new PortfolioMarginAdmin(client),
      operator,
      clearinghouse,
      log: this.log,
      metrics: this.metrics,
      tracker,
      stopping: () => this.stopped,
    };
    this.liquidation = new LiquidationLoop(this.ctx);
    liquidationLoop.current = this.liquidation;
    this.vol = new VolLoop(this.ctx, opts.volSource ?? volSourceFor(config));
    const loop = (name: string, intervalMs: number, body: () => Promise<unknown>) => new Loop(name, intervalMs, async () => void (await body()), this.log, this.metrics);
    this.loops = {
      accounts: loop("accounts", config.accounts.relistIntervalMs, () => withRetry(() => tracker.relist(), config.retry, (e) => !isExecutionError(e))),
      liquidation: loop("liquidation", config.liquidation.intervalMs, () => this.liquidation.tick()),
      settlement: loop("settlement", config.settlement.intervalMs, () => settlementTick(this.ctx)),
      funding: loop("funding", config.funding.intervalMs, () => fundingTick(this.ctx)),
      vol: loop("vol", config.vol.intervalMs, () => this.vol.tick()),
    };
  }

  private enabled(name: keyof Crank["loops"]): boolean {
    return name === "accounts" || this.ctx.config[name].enabled;
  }

  /** Lists the accounts, subscribes, starts every enabled loop and the status server. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const { config } = this.ctx;
    await this.loops.accounts.runOnce();
    if (config.accounts.subscribe) this.ctx.tracker.subscribe();
    for (const [name, l] of Object.entries(this.loops)) {
      if (name === "accounts") {
        l.lastOkAt ||= Date.now();
        setTimeout(() => !this.stopped && l.start(), config.accounts.relistIntervalMs).unref();
      } else if (this.enabled(name as keyof Crank["loops"])) l.start();
    }
    if (config.http.enabled) {
      this.server = await startStatusServer(config.http.host, config.http.port, this.metrics, () => this.healthReport());
      this.log.info({ port: this.server.port }, "status server: /metrics, /healthz");
    }
    this.log.info(
      { clearinghouse: config.clearinghouse, operator: this.ctx.operator.publicKey.toBase58(), accounts: this.ctx.tracker.accounts.size, rpc: config.rpcUrl },
      "crank started",
    );
  }

  get statusPort(): number | null {
    return this.server?.port ?? null;
  }

  /** Stops the loops (each finishes its iteration in progress), the subscription and the server. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all(Object.values(this.loops).map((l) => l.stop()));
    await this.ctx.tracker.unsubscribe();
    if (this.server) await this.server.close();
    this.log.info("crank stopped");
  }

  healthReport(now = Date.now()): HealthReport {
    const problems: string[] = [];
    const loops: Record<string, unknown> = {};
    for (const [name, l] of Object.entries(this.loops)) {
      if (!this.enabled(name as keyof Crank["loops"])) continue;
      const ok = l.healthy(now);
      loops[name] = { ok, runs: l.runs, lastOkAt: l.lastOkAt ? new Date(l.lastOkAt).toISOString() : null, lastError: l.lastError };
      if (!ok) problems.push(`${name}: ${l.lastError ?? (l.lastOkAt ? "no successful run recently" : "not run yet")}`);
    }
    if (this.liquidation.refusal) problems.push(`liquidation: ${this.liquidation.refusal}`);
    if (this.stopped) problems.push("stopping");
    return { ok: problems.length === 0, problems, loops, accounts: this.ctx.tracker.accounts.size };
  }
}
