// `npm run demo`: the crash replay (docs/demo.md). scripts/demo.js starts the local node (or takes
// ANCHOR_PROVIDER_URL + ANCHOR_WALLET) and calls `runDemo`; tests call `runReplay` directly.
import * as fs from "fs";
import { Connection, Keypair } from "@solana/web3.js";
import { summaryTable } from "../report";
import type { DemoOptions } from "./args";
import { writeReport } from "./output";
import { ReplayResult, runReplay } from "./replay";

export * from "./args";
export * from "./accounting";
export * from "./output";
export * from "./population";
export * from "./prices";
export * from "./replay";
export * from "./world";

export function readWallet(file: string): Keypair {
  return Keypair.fromSecretKey(Uint8Array.from(JSON.parse(fs.readFileSync(file, "utf8"))));
}

/** The replay against `rpc` with the wallet file as admin and crank operator; prints progress, the summary and the report's path. */
export async function runDemo(
  o: DemoOptions,
  node: { rpc: string; wallet: string },
  print: (line: string) => void = (l) => console.log(l),
): Promise<ReplayResult & { files: { html: string; json: string } }> {
  const connection = new Connection(node.rpc, "confirmed");
  const result = await runReplay(o, { connection, admin: readWallet(node.wallet) }, (l) => print(`  ${l}`));
  const files = writeReport(result.report, o.outDir);
  print("");
  print(summaryTable(result.report));
  const crankErrors = result.report.summary.crankErrors;
  if (crankErrors || result.errors.length) {
    print(`crank errors: ${crankErrors} (failed sends, refusals and exceptions); the first warnings the crank logged:`);
    for (const e of result.errors.slice(0, 5)) print(`  ${e.length > 240 ? `${e.slice(0, 240)}...` : e}`);
  }
  const s = result.seconds;
  print(`time: ${s.total.toFixed(0)} s (setup, warm-up and opening ${s.setup.toFixed(0)} s, replay ${s.replay.toFixed(0)} s)`);
  print(`report: ${files.html}`);
  print(`        ${files.json}`);
  return { ...result, files };
}
