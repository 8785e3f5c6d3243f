// What every command needs from the global options: connection, wallet, client, output mode.
import { AnchorProvider, Wallet } from "@coral-xyz/anchor";
import { Command, InvalidArgumentError, Option } from "commander";
import { Commitment, Connection, Keypair, PublicKey } from "@solana/web3.js";
import fs from "fs";
import os from "os";
import path from "path";
import { PortfolioMarginClient } from "../client";
import { U16_MAX } from "../constants";

export interface GlobalOptions {
  url: string;
  keypair: string;
  clearinghouse?: string;
  index: number;
  json: boolean;
  commitment: Commitment;
}

export function defaultKeypairPath(): string {
  return process.env.ANCHOR_WALLET || path.join(os.homedir(), ".config", "solana", "id.json");
}

export function addGlobalOptions(program: Command): void {
  program
    .option("-u, --url <url>", "JSON-RPC endpoint (env ANCHOR_PROVIDER_URL)", process.env.ANCHOR_PROVIDER_URL || "http://127.0.0.1:8899")
    .option("-k, --keypair <path>", "wallet keypair file (env ANCHOR_WALLET)", defaultKeypairPath())
    .option("-c, --clearinghouse <pubkey>", "clearinghouse address (env PM_CLEARINGHOUSE)", process.env.PM_CLEARINGHOUSE)
    .addOption(new Option("-i, --index <n>", "margin account index").default(0).argParser(parseIndex))
    .addOption(
      new Option("--commitment <level>", "commitment level").choices(["processed", "confirmed", "finalized"]).default("confirmed"),
    )
    .option("--json", "machine-readable JSON output", false);
}

export function parseIndex(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > U16_MAX) throw new InvalidArgumentError(`must be an integer in [0, ${U16_MAX}].`);
  return n;
}

export function parsePubkey(v: string, what = "address"): PublicKey {
  try {
    return new PublicKey(v);
  } catch {
    throw new Error(`invalid ${what}: "${v}" is not a base58 public key`);
  }
}

export function loadKeypair(file: string): Keypair {
  const resolved = file.startsWith("~") ? path.join(os.homedir(), file.slice(1)) : file;
  let raw: string;
  try {
    raw = fs.readFileSync(resolved, "utf8");
  } catch {
    throw new Error(`cannot read keypair file ${resolved} (set --keypair or ANCHOR_WALLET)`);
  }
  try {
    return Keypair.fromSecretKey(Uint8Array.from(JSON.parse(raw)));
  } catch {
    throw new Error(`${resolved} is not a JSON keypair file (64-byte array)`);
  }
}

export interface Context {
  opts: GlobalOptions;
  keypair: Keypair;
  connection: Connection;
  client: PortfolioMarginClient;
  /** The --clearinghouse option, required. */
  clearinghouse(): PublicKey;
}

/** Builds the context from a command's options merged with the global ones. */
export function getContext(cmd: Command): Context {
  const opts = cmd.optsWithGlobals() as GlobalOptions;
  const keypair = loadKeypair(opts.keypair);
  const connection = new Connection(opts.url, { commitment: opts.commitment });
  const provider = new AnchorProvider(connection, new Wallet(keypair), {
    commitment: opts.commitment,
    preflightCommitment: opts.commitment,
  });
  const client = new PortfolioMarginClient(provider);
  return {
    opts,
    keypair,
    connection,
    client,
    clearinghouse() {
      if (!opts.clearinghouse) throw new Error("--clearinghouse <pubkey> is required (or set PM_CLEARINGHOUSE)");
      return parsePubkey(opts.clearinghouse, "clearinghouse");
    },
  };
}
