#!/usr/bin/env node
// `npm run crank -- --config FILE [--rpc URL] [--keypair FILE] [--clearinghouse KEY] [--port N]`
// Runs until SIGINT / SIGTERM, then stops every loop after its current iteration and exits 0.
import { Command } from "commander";
import { ConfigError, loadConfig } from "./config";
import { createLogger } from "./log";
import { Crank } from "./service";

export * from "./service";
export * from "./config";

export async function main(argv: string[]): Promise<void> {
  const program = new Command()
    .name("pm-crank")
    .description("portfolio-margin crank: vol refresh, liquidations, settlement, funding")
    .option("-c, --config <file>", "JSON config file")
    .option("--rpc <url>", "RPC URL (overrides the file and PM_CRANK_RPC)")
    .option("--keypair <file>", "operator keypair JSON")
    .option("--clearinghouse <address>", "clearinghouse to crank")
    .option("--port <n>", "status server port (/metrics, /healthz)", (v) => Number(v))
    .option("--log-level <level>", "fatal|error|warn|info|debug|trace|silent")
    .parse(argv);
  const o = program.opts();
  let config;
  try {
    config = loadConfig(o.config, { rpc: o.rpc, keypair: o.keypair, clearinghouse: o.clearinghouse, port: o.port, logLevel: o.logLevel });
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const log = createLogger(config.log.level);
  const crank = new Crank({ config, logger: log, processMetrics: true });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down");
    crank.stop().then(
      () => process.exit(0),
      (e) => {
        log.error({ err: e }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  await crank.start();
}

if (require.main === module) {
  main(process.argv).catch((e) => {
    process.stderr.write(`crank: ${(e as Error)?.stack ?? e}\n`);
    process.exit(1);
  });
}
