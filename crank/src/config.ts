// The crank's configuration: a JSON file, then environment variables, then command-line flags,
// validated by one zod schema so a typo or an out-of-range interval fails at start with the
// field's path, never at 3 a.m. inside a loop.
import fs from "fs";
import { PublicKey } from "@solana/web3.js";
import { z } from "zod";

/** A base58 public key (32 bytes). */
const pubkey = z.string().refine((v) => {
  try {
    return new PublicKey(v).toBase58() === v;
  } catch {
    return false;
  }
}, "not a base58 public key");

const retry = z
  .object({
    attempts: z.number().int().min(1).max(20).default(4),
    baseDelayMs: z.number().int().min(1).max(60_000).default(250),
    maxDelayMs: z.number().int().min(1).max(600_000).default(8_000),
  })
  .default({});

const loop = <T extends z.ZodRawShape>(intervalMs: number, extra: T) =>
  z
    .object({ enabled: z.boolean().default(true), intervalMs: z.number().int().min(10).max(86_400_000).default(intervalMs), ...extra })
    .default({} as any);

const ewma = z
  .object({
    halfLifeSecs: z.number().positive().default(86_400),
    floorVol: z.number().positive().max(20).default(0.15),
    capVol: z.number().positive().max(20).default(5),
    minSamples: z.number().int().min(2).default(20),
    minSpacingSecs: z.number().min(0).default(60),
  })
  .default({})
  .refine((e) => e.capVol > e.floorVol, { message: "capVol must exceed floorVol" });

export const CrankConfigSchema = z
  .object({
    rpcUrl: z.string().url(),
    wsUrl: z.string().url().optional(),
    /** Path of the operator's keypair JSON (liquidator; crank authority for vol updates). */
    keypair: z.string().min(1),
    clearinghouse: pubkey,
    programId: pubkey.optional(),
    commitment: z.enum(["processed", "confirmed", "finalized"]).default("confirmed"),
    /** Per-request timeout of RPC calls (a hung node must not stall a loop forever). */
    rpcTimeoutMs: z.number().int().min(100).max(600_000).default(30_000),
    http: z
      .object({ enabled: z.boolean().default(true), host: z.string().default("127.0.0.1"), port: z.number().int().min(0).max(65_535).default(9464) })
      .default({}),
    log: z.object({ level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info") }).default({}),
    /** Transaction fees: a compute-unit limit and a priority fee on every transaction the crank sends. */
    fees: z
      .object({
        computeUnitLimit: z.number().int().min(10_000).max(1_400_000).default(1_400_000),
        priorityFeeMicroLamports: z.number().int().min(0).max(100_000_000).default(1_000),
      })
      .default({}),
    retry,
    accounts: z
      .object({
        /** Full getProgramAccounts re-list (subscriptions keep accounts current in between). */
        relistIntervalMs: z.number().int().min(100).max(86_400_000).default(60_000),
        subscribe: z.boolean().default(true),
      })
      .default({}),
    liquidation: loop(1_000, {
      /** The liquidator's margin account index (owner = the keypair). */
      accountIndex: z.number().int().min(0).max(65_535).default(0),
      maxConcurrent: z.number().int().min(1).max(64).default(4),
      /** Liquidation steps sent for one account per tick (the rest next tick, re-planned). */
      maxStepsPerAccount: z.number().int().min(1).max(64).default(8),
      resolveBankruptcies: z.boolean().default(true),
    }),
    settlement: loop(30_000, {}),
    funding: loop(60_000, {}),
    vol: loop(60_000, {
      source: z.enum(["ewma", "deribit"]).default("ewma"),
      /** Send only when a slice value moves more than this (ATM relative, shape absolute), ppm. */
      thresholdPpm: z.number().int().min(0).max(1_000_000).default(20_000),
      ewma,
      deribit: z.object({ file: z.string().min(1) }).optional(),
    }),
  })
  .superRefine((c, ctx) => {
    if (c.vol.enabled && c.vol.source === "deribit" && !c.vol.deribit)
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["vol", "deribit", "file"], message: "vol.source is deribit: vol.deribit.file is required" });
    if (c.retry.maxDelayMs < c.retry.baseDelayMs)
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["retry", "maxDelayMs"], message: "must be >= retry.baseDelayMs" });
  });

export type CrankConfig = z.infer<typeof CrankConfigSchema>;
export type CrankConfigInput = z.input<typeof CrankConfigSchema>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** Environment overrides (PM_CRANK_*), for containers where the file is baked in. */
const ENV: Record<string, (c: Record<string, any>, v: string) => void> = {
  PM_CRANK_RPC: (c, v) => (c.rpcUrl = v),
  PM_CRANK_WS: (c, v) => (c.wsUrl = v),
  PM_CRANK_KEYPAIR: (c, v) => (c.keypair = v),
  PM_CRANK_CLEARINGHOUSE: (c, v) => (c.clearinghouse = v),
  PM_CRANK_PROGRAM_ID: (c, v) => (c.programId = v),
  PM_CRANK_LOG_LEVEL: (c, v) => ((c.log ??= {}).level = v),
  PM_CRANK_HTTP_PORT: (c, v) => ((c.http ??= {}).port = Number(v)),
  PM_CRANK_PRIORITY_FEE: (c, v) => ((c.fees ??= {}).priorityFeeMicroLamports = Number(v)),
};

export interface ConfigOverrides {
  rpc?: string;
  keypair?: string;
  clearinghouse?: string;
  port?: number;
  logLevel?: string;
}

/** Validates `input` (an object), throwing a ConfigError listing every bad field. */
export function parseConfig(input: unknown): CrankConfig {
  const r = CrankConfigSchema.safeParse(input);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => `  ${i.path.join(".") || "(root)"}: ${i.message}`);
  throw new ConfigError(`invalid crank configuration:\n${lines.join("\n")}`);
}

/** File (optional), then env, then flags; validated. */
export function loadConfig(file: string | undefined, overrides: ConfigOverrides = {}, env: NodeJS.ProcessEnv = process.env): CrankConfig {
  let raw: Record<string, any> = {};
  if (file) {
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch (e) {
      throw new ConfigError(`cannot read config file ${file}: ${(e as Error).message}`);
    }
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new ConfigError(`config file ${file} is not valid JSON: ${(e as Error).message}`);
    }
  }
  for (const [name, apply] of Object.entries(ENV)) if (env[name] !== undefined && env[name] !== "") apply(raw, env[name]!);
  if (overrides.rpc) raw.rpcUrl = overrides.rpc;
  if (overrides.keypair) raw.keypair = overrides.keypair;
  if (overrides.clearinghouse) raw.clearinghouse = overrides.clearinghouse;
  if (overrides.port !== undefined) (raw.http ??= {}).port = overrides.port;
  if (overrides.logLevel) (raw.log ??= {}).level = overrides.logLevel;
  return parseConfig(raw);
}
