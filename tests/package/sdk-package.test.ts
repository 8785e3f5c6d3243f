// The SDK as a dApp developer gets it: `npm pack` in app/ (prepack builds dist/), then the tarball
// is installed into two scratch projects outside the workspace (under os.tmpdir(), so nothing can
// resolve through the repository's node_modules):
//   - a plain Node project that require()s "@portfolio-margin/sdk", ".../testing" and ".../risk/portfolio"
//     and runs the installed `pm` bin (compiled CLI, no ts-node);
//   - a TypeScript project compiled with `tsc` under `strict` (no ts-node; once with the classic
//     "node" module resolution and once with "node16", which reads the "exports" map) and run with node.
// Both derive PDAs, build a deposit instruction offline, decode IDL facts and run the risk mirror,
// print JSON, and the results are compared with the same computations done here on app/src.
//
// Offline: `npm ci` caches tarballs but not registry metadata, so each scratch project gets a
// package-lock.json cut out of the repository's lockfile (the SDK's runtime dependency closure,
// plus typescript for the TS project). npm then installs by integrity from the cache and never needs
// the registry (`--prefer-offline` still allows it to fetch a tarball missing from the cache).
// PM_PACKAGE_TEST_FRESH=1: no lockfile, let npm resolve the SDK's ranges like a new dApp would
// (needs the registry). PM_PACKAGE_TEST_KEEP=1: keep the scratch folder (its path is printed).
import { execFile } from "child_process";
import crypto from "crypto";
import fs from "fs";
import os from "os";
import path from "path";
import { Connection, Keypair, PublicKey, Transaction, VersionedTransaction } from "@solana/web3.js";
import { expect } from "chai";
import {
  IDL,
  PROGRAM_ERRORS,
  PROGRAM_ID,
  PortfolioMarginClient,
  accountFieldOffset,
  accountSize,
  findClearinghouseAddress,
  findMarginAccountAddress,
  findQuoteVaultAddress,
  formatQuoteAmount,
  parseQuoteAmount,
} from "../../app/src";
import { evaluate } from "../../app/src/risk";
import { evaluatePortfolio, marginReport, parsePortfolio } from "../../app/src/risk/portfolio";

const ROOT = path.resolve(__dirname, "..", "..");
const APP = path.join(ROOT, "app");
const PKG = "@portfolio-margin/sdk";
const FRESH = process.env.PM_PACKAGE_TEST_FRESH === "1";
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";
const NPM_FLAGS = ["--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command; never rejects (the caller asserts on the exit code and shows the output). */
function run(cmd: string, args: string[], cwd: string, timeoutMs = 300_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { cwd, env: childEnv(), timeout: timeoutMs, maxBuffer: 64 << 20, shell: process.platform === "win32" },
      (err, stdout, stderr) =>
        resolve({
          code: err ? (typeof err.code === "number" ? err.code : 1) : 0,
          stdout: String(stdout),
          stderr: String(stderr) + (err && typeof err.code !== "number" ? `\n${err.message}` : ""),
        }),
    );
  });
}

/** The environment minus what `npm test` / ts-mocha put there for this workspace. */
function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) {
    if (/^(npm_(lifecycle|package)_|npm_config_(local_prefix|workspaces?|include_workspace_root|prefix|global)$|TS_NODE_|INIT_CWD$)/i.test(k)) {
      delete env[k];
    }
  }
  return env;
}

function ok(r: Run, what: string): string {
  expect(r.code, `${what} failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`).to.equal(0);
  return r.stdout;
}

/** stdout as one JSON object (pretty-printed or not), or else its last line that is one. */
function lastJson(r: Run, what: string): Record<string, unknown> {
  const out = ok(r, what).trim();
  try {
    return JSON.parse(out);
  } catch {
    const line = out.split("\n").reverse().find((l) => l.startsWith("{"));
    expect(line, `${what}: no JSON on stdout:\n${out}\n${r.stderr}`).to.be.a("string");
    return JSON.parse(line as string);
  }
}

// ---------------------------------------------------------------------------------------------
// package-lock.json for a scratch project, cut out of the repository's lockfile.

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  link?: boolean;
  dev?: boolean;
  devOptional?: boolean;
  optional?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [k: string]: unknown;
}

/** "node_modules/a/node_modules/b" -> "node_modules/a"; "node_modules/@s/a" and "app" -> "". */
function parentOf(p: string): string {
  const i = p.lastIndexOf("node_modules/");
  return i <= 0 ? "" : p.slice(0, i - 1);
}

/**
 * The entries (repository paths) needed to install `deps` as seen from the package at `from`:
 * node's lookup (own node_modules, then each parent's) over the lockfile's paths, transitively.
 */
function closure(packages: Record<string, LockEntry>, from: string, deps: Record<string, string>, into: Set<string>): void {
  const queue: [string, Record<string, string>, Record<string, boolean>][] = [[from, deps, {}]];
  while (queue.length) {
    const [at, want, optional] = queue.shift()!;
    for (const name of Object.keys(want)) {
      let found: string | undefined;
      for (let dir = at; ; dir = parentOf(dir)) {
        const candidate = `${dir ? `${dir}/` : ""}node_modules/${name}`;
        if (packages[candidate]) {
          found = candidate;
          break;
        }
        if (!dir) break;
      }
      if (!found) {
        if (optional[name]) continue;
        throw new Error(`package-lock.json has no ${name} (needed by ${at || "the project"}): run npm install`);
      }
      const entry = packages[found];
      if (entry.link) throw new Error(`${name} is a workspace link in package-lock.json; the SDK must not depend on a workspace`);
      if (into.has(found)) continue;
      into.add(found);
      const opt: Record<string, boolean> = {};
      for (const n of Object.keys(entry.optionalDependencies ?? {})) opt[n] = true;
      for (const [n, m] of Object.entries(entry.peerDependenciesMeta ?? {})) if (m.optional) opt[n] = true;
      // Peers are installed by npm >= 7; missing optional ones are fine.
      queue.push([found, { ...entry.dependencies, ...entry.optionalDependencies, ...entry.peerDependencies }, opt]);
    }
  }
}

function scratchLock(
  name: string,
  rootDeps: Record<string, string>,
  sdkSpec: string,
  sdkTarball: string,
  repoLock: { packages: Record<string, LockEntry> },
): unknown {
  const sdkManifest = JSON.parse(fs.readFileSync(path.join(APP, "package.json"), "utf8"));
  const paths = new Set<string>();
  // The SDK is the "app" workspace in the repository: its dependencies resolve from there.
  closure(repoLock.packages, "app", sdkManifest.dependencies ?? {}, paths);
  const others = Object.fromEntries(Object.entries(rootDeps).filter(([n]) => n !== PKG));
  closure(repoLock.packages, "", others, paths);
  const packages: Record<string, LockEntry> = {
    "": { name, version: "1.0.0", dependencies: { ...rootDeps, [PKG]: sdkSpec } },
    [`node_modules/${PKG}`]: {
      version: sdkManifest.version,
      resolved: sdkSpec,
      integrity: `sha512-${crypto.createHash("sha512").update(fs.readFileSync(sdkTarball)).digest("base64")}`,
      license: sdkManifest.license,
      dependencies: sdkManifest.dependencies,
      bin: sdkManifest.bin,
      engines: sdkManifest.engines,
    },
  };
  for (const p of [...paths].sort()) {
    // Everything is a production dependency of the scratch project.
    const entry: LockEntry = { ...repoLock.packages[p] };
    if (entry.devOptional) entry.optional = true;
    delete entry.dev;
    delete entry.devOptional;
    packages[p.startsWith("app/") ? `node_modules/${PKG}/${p.slice("app/".length)}` : p] = entry;
  }
  return { name, version: "1.0.0", lockfileVersion: 3, requires: true, packages };
}

/** A scratch project depending on the tarball (+ `extra`), installed the way a dApp would. */
async function installProject(
  dir: string,
  tarball: string,
  extra: Record<string, string>,
  repoLock: { packages: Record<string, LockEntry> },
): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  const name = path.basename(dir);
  const spec = `file:../${path.basename(tarball)}`;
  const deps = { [PKG]: spec, ...extra };
  fs.writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify({ name, version: "1.0.0", private: true, license: "UNLICENSED", dependencies: deps }, null, 2) + "\n",
  );
  if (FRESH) {
    ok(await run(NPM, ["install", ...NPM_FLAGS], dir), `npm install in ${dir}`);
  } else {
    fs.writeFileSync(path.join(dir, "package-lock.json"), JSON.stringify(scratchLock(name, extra, spec, tarball, repoLock), null, 2) + "\n");
    ok(await run(NPM, ["ci", ...NPM_FLAGS], dir), `npm ci in ${dir}`);
  }
}

/** The version this repository's lockfile installs (what its own tests run against). */
function lockedVersion(repoLock: { packages: Record<string, LockEntry> }, name: string): string {
  const version = repoLock.packages[`node_modules/${name}`]?.version;
  if (!version) throw new Error(`package-lock.json has no node_modules/${name}`);
  return version;
}

// ---------------------------------------------------------------------------------------------
// Fixtures shared by the consumers and the expectations computed here from app/src.

const seed = (b: number) => Keypair.fromSeed(Uint8Array.from({ length: 32 }, (_, i) => (b * 31 + i) & 0xff));
const ADMIN_SEED = 7;
const OWNER_SEED = 11;
const SOURCE_SEED = 13;
const CH_INDEX = 513;
const ACCOUNT_INDEX = 3;
const AMOUNT = "12.5";
// A port nothing listens on: nothing in the consumers may need a node.
const UNUSED_RPC = "http://127.0.0.1:9";

const PORTFOLIO = "covered-call.json";

function expected() {
  const admin = seed(ADMIN_SEED).publicKey;
  const owner = seed(OWNER_SEED).publicKey;
  const source = seed(SOURCE_SEED).publicKey;
  const [clearinghouse] = findClearinghouseAddress(admin, CH_INDEX);
  const [marginAccount] = findMarginAccountAddress(clearinghouse, owner, ACCOUNT_INDEX);
  const [quoteVault] = findQuoteVaultAddress(clearinghouse);
  const doc = JSON.parse(fs.readFileSync(path.join(APP, "examples", PORTFOLIO), "utf8"));
  const parsed = parsePortfolio(doc);
  const result = evaluatePortfolio(parsed);
  const direct = evaluate({ global: parsed.global, markets: parsed.markets, positions: parsed.positions, collateral: parsed.collateral, now: parsed.now });
  return {
    programId: PROGRAM_ID.toBase58(),
    clearinghouse: clearinghouse.toBase58(),
    marginAccount: marginAccount.toBase58(),
    quoteVault: quoteVault.toBase58(),
    amount: parseQuoteAmount(AMOUNT).toString(),
    formatted: formatQuoteAmount(parseQuoteAmount(AMOUNT), { grouping: true }),
    marginAccountSize: accountSize("MarginAccount"),
    ownerOffset: accountFieldOffset("MarginAccount", "owner"),
    idlAddress: IDL.address,
    error6000: PROGRAM_ERRORS.get(6000)?.name,
    risk: { equity: result.equity.toString(), im: result.im.toString(), mm: result.mm.toString() },
    riskDirect: { equity: direct.equity.toString(), im: direct.im.toString(), mm: direct.mm.toString() },
    report: marginReport(parsed, result).raw,
  };
}

async function expectedIx(): Promise<{ programId: string; keys: string[]; data: string }> {
  const owner = seed(OWNER_SEED).publicKey;
  const wallet = {
    publicKey: owner,
    signTransaction: async <T extends Transaction | VersionedTransaction>(tx: T) => tx,
    signAllTransactions: async <T extends Transaction | VersionedTransaction>(txs: T[]) => txs,
  };
  const client = new PortfolioMarginClient(new Connection(UNUSED_RPC, "confirmed"), wallet);
  const [clearinghouse] = findClearinghouseAddress(seed(ADMIN_SEED).publicKey, CH_INDEX);
  const ix = await client.depositIx({
    clearinghouse,
    accountIndex: ACCOUNT_INDEX,
    amount: parseQuoteAmount(AMOUNT),
    source: seed(SOURCE_SEED).publicKey,
  });
  return {
    programId: ix.programId.toBase58(),
    keys: ix.keys.map((k) => `${k.pubkey.toBase58()}:${k.isSigner ? "s" : "-"}${k.isWritable ? "w" : "-"}`),
    data: Buffer.from(ix.data).toString("hex"),
  };
}

// The consumers. Same seeds and calls as above, written as a dApp would write them.
const SHARED_JS = `
const seed = (b) => Keypair.fromSeed(Uint8Array.from({ length: 32 }, (_, i) => (b * 31 + i) & 0xff));
`;

const JS_CONSUMER = `// A plain Node dApp script: CommonJS, no TypeScript anywhere.
const fs = require("fs");
const { Connection, Keypair } = require("@solana/web3.js");
const sdk = require("${PKG}");
const testing = require("${PKG}/testing");
const { parsePortfolio, evaluatePortfolio, marginReport } = require("${PKG}/risk/portfolio");
${SHARED_JS}
async function main() {
  const owner = seed(${OWNER_SEED});
  const [clearinghouse] = sdk.findClearinghouseAddress(seed(${ADMIN_SEED}).publicKey, ${CH_INDEX});
  const [marginAccount] = sdk.findMarginAccountAddress(clearinghouse, owner.publicKey, ${ACCOUNT_INDEX});
  const [quoteVault] = sdk.findQuoteVaultAddress(clearinghouse);
  const wallet = { publicKey: owner.publicKey, signTransaction: async (tx) => tx, signAllTransactions: async (txs) => txs };
  const client = new sdk.PortfolioMarginClient(new Connection("${UNUSED_RPC}", "confirmed"), wallet);
  const amount = sdk.parseQuoteAmount("${AMOUNT}");
  const ix = await client.depositIx({ clearinghouse, accountIndex: ${ACCOUNT_INDEX}, amount, source: seed(${SOURCE_SEED}).publicKey });
  const parsed = parsePortfolio(JSON.parse(fs.readFileSync("portfolio.json", "utf8")));
  const result = evaluatePortfolio(parsed);
  console.log(JSON.stringify({
    programId: sdk.PROGRAM_ID.toBase58(),
    clearinghouse: clearinghouse.toBase58(),
    marginAccount: marginAccount.toBase58(),
    quoteVault: quoteVault.toBase58(),
    amount: amount.toString(),
    formatted: sdk.formatQuoteAmount(amount, { grouping: true }),
    marginAccountSize: sdk.accountSize("MarginAccount"),
    ownerOffset: sdk.accountFieldOffset("MarginAccount", "owner"),
    idlAddress: sdk.IDL.address,
    error6000: sdk.PROGRAM_ERRORS.get(6000).name,
    ix: {
      programId: ix.programId.toBase58(),
      keys: ix.keys.map((k) => k.pubkey.toBase58() + ":" + (k.isSigner ? "s" : "-") + (k.isWritable ? "w" : "-")),
      data: Buffer.from(ix.data).toString("hex"),
    },
    risk: { equity: result.equity.toString(), im: result.im.toString(), mm: result.mm.toString() },
    report: marginReport(parsed, result).raw,
    testing: Object.keys(testing).sort(),
    testHelpersInMain: ["createTestMint", "mintTestTokens", "fundAccounts", "tokenBalance"].filter((k) => k in sdk),
  }));
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
`;

const TS_CONSUMER = `// A TypeScript dApp: strict, compiled by tsc, run by node.
import fs from "fs";
import { Connection, Keypair, PublicKey, TransactionInstruction } from "@solana/web3.js";
import {
  IDL,
  PROGRAM_ERRORS,
  PROGRAM_ID,
  PortfolioMarginClient,
  accountFieldOffset,
  accountSize,
  findClearinghouseAddress,
  findMarginAccountAddress,
  findQuoteVaultAddress,
  formatQuoteAmount,
  parseQuoteAmount,
  type DepositParams,
  type MarginAccountData,
  type PortfolioMargin,
} from "${PKG}";
import { createTestMint, fundAccounts, mintTestTokens, tokenBalance } from "${PKG}/testing";
import { evaluate, type Account, type MarginResult } from "${PKG}/risk";
import { evaluatePortfolio, marginReport, parsePortfolio, type Parsed } from "${PKG}/risk/portfolio";

// The declarations must carry real types: none of these may have decayed to \`any\`.
type IsAny<T> = 0 extends 1 & T ? true : false;
type NoAny<T extends false[]> = T;
export type Checked = NoAny<[
  IsAny<typeof PortfolioMarginClient>,
  IsAny<DepositParams>,
  IsAny<MarginAccountData>,
  IsAny<PortfolioMargin>,
  IsAny<typeof createTestMint>,
  IsAny<Account>,
  IsAny<MarginResult>,
  IsAny<Parsed>,
  IsAny<ReturnType<typeof marginReport>>,
]>;
const helpers: ((...args: never[]) => Promise<unknown>)[] = [createTestMint, mintTestTokens, fundAccounts, tokenBalance];

const seed = (b: number): Keypair => Keypair.fromSeed(Uint8Array.from({ length: 32 }, (_, i) => (b * 31 + i) & 0xff));

async function main(): Promise<void> {
  const owner = seed(${OWNER_SEED});
  const [clearinghouse] = findClearinghouseAddress(seed(${ADMIN_SEED}).publicKey, ${CH_INDEX});
  const [marginAccount]: [PublicKey, number] = findMarginAccountAddress(clearinghouse, owner.publicKey, ${ACCOUNT_INDEX});
  const [quoteVault] = findQuoteVaultAddress(clearinghouse);
  const wallet = {
    publicKey: owner.publicKey,
    signTransaction: async <T>(tx: T): Promise<T> => tx,
    signAllTransactions: async <T>(txs: T[]): Promise<T[]> => txs,
  };
  const client = new PortfolioMarginClient(new Connection("${UNUSED_RPC}", "confirmed"), wallet);
  const amount: bigint = parseQuoteAmount("${AMOUNT}");
  const params: DepositParams = { clearinghouse, accountIndex: ${ACCOUNT_INDEX}, amount, source: seed(${SOURCE_SEED}).publicKey };
  const ix: TransactionInstruction = await client.depositIx(params);
  // @ts-expect-error: amount is required (proves the parameter type is checked, not \`any\`)
  const bad: DepositParams = { clearinghouse };
  void bad;
  const parsed: Parsed = parsePortfolio(JSON.parse(fs.readFileSync("portfolio.json", "utf8")) as unknown);
  const result: MarginResult = evaluatePortfolio(parsed);
  const account: Account = { global: parsed.global, markets: parsed.markets, positions: parsed.positions, collateral: parsed.collateral, now: parsed.now };
  const direct: MarginResult = evaluate(account);
  const idlAddress: string = IDL.address;
  console.log(JSON.stringify({
    programId: PROGRAM_ID.toBase58(),
    clearinghouse: clearinghouse.toBase58(),
    marginAccount: marginAccount.toBase58(),
    quoteVault: quoteVault.toBase58(),
    amount: amount.toString(),
    formatted: formatQuoteAmount(amount, { grouping: true }),
    marginAccountSize: accountSize("MarginAccount"),
    ownerOffset: accountFieldOffset("MarginAccount", "owner"),
    idlAddress,
    error6000: PROGRAM_ERRORS.get(6000)?.name,
    ix: {
      programId: ix.programId.toBase58(),
      keys: ix.keys.map((k) => \`\${k.pubkey.toBase58()}:\${k.isSigner ? "s" : "-"}\${k.isWritable ? "w" : "-"}\`),
      data: Buffer.from(ix.data).toString("hex"),
    },
    risk: { equity: result.equity.toString(), im: result.im.toString(), mm: result.mm.toString() },
    riskDirect: { equity: direct.equity.toString(), im: direct.im.toString(), mm: direct.mm.toString() },
    report: marginReport(parsed, result).raw,
    helpers: helpers.length,
  }));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
`;

function tsconfig(moduleKind: "commonjs" | "node16") {
  return {
    compilerOptions: {
      target: "ES2020",
      module: moduleKind,
      moduleResolution: moduleKind === "commonjs" ? "node" : "node16",
      lib: ["ES2020"],
      types: ["node"],
      strict: true,
      esModuleInterop: true,
      // Check the installed declarations too (ours and those they pull in).
      skipLibCheck: false,
      forceConsistentCasingInFileNames: true,
      outDir: "out",
    },
    files: ["main.ts"],
  };
}

// ---------------------------------------------------------------------------------------------

describe("sdk package: npm pack, install in scratch projects, use like a dApp", function () {
  this.timeout(600_000);
  let work: string;
  let tarball: string;
  let tarFiles: string[];
  let testingSources: string[];
  let repoLock: { packages: Record<string, LockEntry> };
  let installs: Promise<void>[];
  let want: ReturnType<typeof expected>;

  before(async function () {
    work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "pm-sdk-package-")));
    expect(path.relative(ROOT, work).startsWith(".."), `scratch folder ${work} must be outside ${ROOT}`).to.equal(true);
    if (process.env.PM_PACKAGE_TEST_KEEP === "1") console.log(`      scratch folder: ${work}`);
    repoLock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8"));
    want = expected();

    testingSources = fs.readdirSync(path.join(APP, "src", "testing")).filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"));
    // `npm pack` runs prepack (the build) and writes <name>-<version>.tgz into --pack-destination.
    ok(await run(NPM, ["pack", "--pack-destination", work, "--loglevel=error"], APP), "npm pack in app/");
    const tgz = fs.readdirSync(work).filter((f) => f.endsWith(".tgz"));
    expect(tgz, "npm pack produced one tarball").to.have.length(1);
    tarball = path.join(work, tgz[0]);
    tarFiles = ok(await run("tar", ["-tzf", tarball], work), "tar -tzf")
      .split("\n")
      .filter(Boolean)
      .map((f) => f.replace(/^package\//, ""));

    const extraJs = { "@solana/web3.js": lockedVersion(repoLock, "@solana/web3.js") };
    const extraTs = { ...extraJs, typescript: lockedVersion(repoLock, "typescript"), "@types/node": lockedVersion(repoLock, "@types/node") };
    for (const [dir, code] of [["js-dapp", JS_CONSUMER], ["ts-dapp", TS_CONSUMER]] as const) {
      fs.mkdirSync(path.join(work, dir));
      fs.copyFileSync(path.join(APP, "examples", PORTFOLIO), path.join(work, dir, "portfolio.json"));
      fs.writeFileSync(path.join(work, dir, dir === "js-dapp" ? "index.js" : "main.ts"), code);
    }
    // Both installs at once (the npm cache is safe to share); each `it` awaits its own.
    installs = [
      installProject(path.join(work, "js-dapp"), tarball, extraJs, repoLock),
      installProject(path.join(work, "ts-dapp"), tarball, extraTs, repoLock),
    ];
    installs.forEach((p) => p.catch(() => undefined)); // reported by the `it` that awaits it
  });

  after(function () {
    if (work && process.env.PM_PACKAGE_TEST_KEEP !== "1") fs.rmSync(work, { recursive: true, force: true });
  });

  it("packs the compiled SDK, the bin and the README, and nothing from the workspace", function () {
    for (const f of [
      "package.json",
      "README.md",
      "bin/pm.js",
      "dist/index.js",
      "dist/index.d.ts",
      "dist/testing/index.js",
      "dist/testing/index.d.ts",
      "dist/testing/mint.js",
      "dist/risk/index.js",
      "dist/risk/portfolio.d.ts",
      "dist/cli/index.js",
      "dist/idl/portfolio_margin.json",
    ]) {
      expect(tarFiles, f).to.include(f);
    }
    for (const f of testingSources) expect(tarFiles, `app/src/testing/${f}`).to.include(`dist/testing/${f.replace(/\.ts$/, ".js")}`);
    const stray = tarFiles.filter((f) => !/^(package\.json|README\.md|bin\/pm\.js|dist\/.+\.(js|d\.ts|d\.ts\.map|json))$/.test(f));
    expect(stray, "files outside dist/, bin/pm.js, README.md").to.deep.equal([]);
    expect(tarFiles.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts")), "TypeScript sources").to.deep.equal([]);
    expect(tarFiles.some((f) => f.startsWith("dist/test-mint")), "stale dist/test-mint.* (build must start clean)").to.equal(false);

    const manifest = JSON.parse(fs.readFileSync(path.join(APP, "package.json"), "utf8"));
    for (const tool of ["ts-node", "typescript", "ts-mocha", "mocha"]) {
      expect(manifest.dependencies ?? {}, `${tool} is a runtime dependency`).not.to.have.property(tool);
    }
    const size = fs.statSync(tarball).size;
    console.log(`      ${path.basename(tarball)}: ${tarFiles.length} files, ${(size / 1024).toFixed(1)} kB`);
    expect(size, "tarball size").to.be.below(1 << 20);
  });

  it("a plain Node project requires the SDK and its testing entry point, and runs `pm` from dist", async function () {
    await installs[0];
    const dir = path.join(work, "js-dapp");
    const installed = path.join(dir, "node_modules", ...PKG.split("/"));
    expect(fs.existsSync(path.join(installed, "src")), "installed package has no src/").to.equal(false);
    // No TypeScript tooling at run time. (typescript itself may still land in node_modules: npm
    // installs it as a peer of @solana/codecs, which @solana/spl-token pulls in.)
    expect(fs.existsSync(path.join(dir, "node_modules", "ts-node")), "ts-node got installed").to.equal(false);
    const installedManifest = JSON.parse(fs.readFileSync(path.join(installed, "package.json"), "utf8"));
    for (const tool of ["ts-node", "typescript"]) {
      expect({ ...installedManifest.dependencies, ...installedManifest.peerDependencies }, tool).not.to.have.property(tool);
    }

    const out = lastJson(await run(process.execPath, ["index.js"], dir, 60_000), "node index.js");
    const { riskDirect, ...rest } = want;
    void riskDirect;
    expect(out).to.deep.include(rest);
    expect(out.ix).to.deep.equal(await expectedIx());
    expect(out.testing).to.include.members(["createTestMint", "fundAccounts", "mintTestTokens", "tokenBalance"]);
    expect(out.testHelpersInMain, "test helpers exported from the main entry point").to.deep.equal([]);

    // The installed bin: compiled CLI, offline commands only.
    const pm = path.join(dir, "node_modules", ".bin", process.platform === "win32" ? "pm.cmd" : "pm");
    const help = ok(await run(pm, ["--help"], dir, 60_000), "pm --help");
    for (const cmd of ["account", "margin", "price"]) expect(help).to.match(new RegExp(`^\\s+${cmd}\\b`, "m"));
    const price = lastJson(
      await run(pm, ["price", "--type", "call", "--forward", "100", "--strike", "100", "--vol", "0.5", "--years", "1", "--json"], dir, 60_000),
      "pm price",
    );
    // At the money: F * (2 N(vol sqrt(T) / 2) - 1) = 100 * (2 N(0.25) - 1) = 19.7413...
    expect(price.value as number).to.be.closeTo(19.741265, 1e-5);
    const margin = lastJson(await run(pm, ["margin", "--portfolio", "portfolio.json", "--json"], dir, 60_000), "pm margin");
    expect(margin.raw).to.deep.equal(want.report);
  });

  it("a strict TypeScript project type-checks against the declarations (node and node16 resolution), compiles and runs", async function () {
    await installs[1];
    const dir = path.join(work, "ts-dapp");
    const tsc = path.join(dir, "node_modules", "typescript", "bin", "tsc");
    fs.writeFileSync(path.join(dir, "tsconfig.node16.json"), JSON.stringify(tsconfig("node16"), null, 2));
    fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify(tsconfig("commonjs"), null, 2));
    const [node16, commonjs] = await Promise.all([
      run(process.execPath, [tsc, "-p", "tsconfig.node16.json", "--noEmit"], dir),
      run(process.execPath, [tsc, "-p", "tsconfig.json"], dir),
    ]);
    ok(node16, "tsc (module node16: the exports map)");
    ok(commonjs, "tsc (module commonjs, moduleResolution node: main/types/typesVersions)");

    const out = lastJson(await run(process.execPath, [path.join("out", "main.js")], dir, 60_000), "node out/main.js");
    expect(out).to.deep.include(want);
    expect(out.ix).to.deep.equal(await expectedIx());
    expect(out.helpers).to.equal(4);
  });
});
