// The browser side of the dApp tests: Debian's Chromium driven by playwright-core (no browser
// download), the built app served from app/web/dist, pages opened with a dev keypair wallet, and
// what a page shows read back as the exact integers it renders (data-value / data-pnl).
import fs from "fs";
import path from "path";
import { Keypair, PublicKey, VersionedTransaction } from "@solana/web3.js";
import { Browser, BrowserContext, chromium, Page } from "playwright-core";
import { pageUrl } from "../../scripts/lib/web-demo";

const ROOT = path.resolve(__dirname, "..", "..");
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { serveStatic } = require(path.join(ROOT, "scripts", "lib", "static-server.js")) as {
  serveStatic(dir: string, opts?: { port?: number }): Promise<{ url: string; close(): Promise<void> }>;
};

export const CHROMIUM = process.env.PM_CHROMIUM || "/usr/bin/chromium";
/** Screenshots of each panel (the tests' output directory). */
export const OUT_DIR = path.join(ROOT, "target", "browser");
export const WEB_DIST = path.join(ROOT, "app", "web", "dist");

// This machine's network is closed: nothing may try to reach Google's services.
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

const CONTEXT = { viewport: { width: 1440, height: 1100 } };

export interface Harness {
  browser: Browser;
  baseUrl: string;
  /** Uncaught page errors and console errors of every page opened (a test fails on any). */
  problems: string[];
  open(user: Keypair, opts?: { waitFor?: string }): Promise<Page>;
  /** A page with no key in its address, in a context where `wallet` is installed as a browser wallet. */
  openWithBrowserWallet(wallet: TestBrowserWallet): Promise<Page>;
  close(): Promise<void>;
}

export async function startHarness(rpc: string, clearinghouse: PublicKey): Promise<Harness> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (apt-get install chromium, or set PM_CHROMIUM)`);
  const server = await serveStatic(WEB_DIST);
  // Playwright gives every launch a fresh temporary profile (its own --user-data-dir).
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  const problems: string[] = [];
  fs.mkdirSync(OUT_DIR, { recursive: true });
  return {
    browser,
    baseUrl: server.url,
    problems,
    async open(user, opts = {}) {
      const page = await watchedPage(await browser.newContext(CONTEXT), problems);
      await page.goto(pageUrl(server.url, rpc, clearinghouse, user));
      await page.waitForSelector(opts.waitFor ?? '[data-testid="im"]', { timeout: 30_000 });
      return page;
    },
    async openWithBrowserWallet(wallet) {
      const context = await browser.newContext(CONTEXT);
      await wallet.install(context);
      const page = await watchedPage(context, problems);
      await page.goto(pageUrl(server.url, rpc, clearinghouse));
      return page;
    },
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

async function watchedPage(context: BrowserContext, problems: string[]): Promise<Page> {
  const page = await context.newPage();
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    // refusals are shown in the page (and logged as warnings); a console error is a problem
    if (m.type() === "error") problems.push(`console: ${m.text()}`);
  });
  return page;
}

/**
 * A browser wallet as an extension provides one: registered with the Wallet Standard in the page
 * before the app loads (connect, events, solana:signTransaction), its key kept outside the page.
 * Signing requests cross to Node, which signs with the keypair and counts them.
 */
export class TestBrowserWallet {
  /** Transactions signed on the page's request. */
  signed = 0;
  constructor(
    readonly name: string,
    private readonly keypair: Keypair,
  ) {}

  async install(context: BrowserContext): Promise<void> {
    await context.exposeFunction("pmTestWalletSign", (transaction: string): string => {
      const tx = VersionedTransaction.deserialize(Buffer.from(transaction, "base64"));
      tx.sign([this.keypair]);
      this.signed++;
      return Buffer.from(tx.serialize()).toString("base64");
    });
    const arg = { name: this.name, address: this.keypair.publicKey.toBase58(), publicKey: [...this.keypair.publicKey.toBytes()] };
    await context.addInitScript({ content: `${REGISTER_WALLET}(${JSON.stringify(arg)});` });
  }
}

// Runs in the page before its scripts (a string, so this file needs no DOM types): the Wallet
// Standard's registration handshake, both orders (wallet first, or the app first).
const REGISTER_WALLET = `(({ name, address, publicKey }) => {
  const chains = ["solana:mainnet", "solana:devnet", "solana:testnet", "solana:localnet"];
  const account = { address, publicKey: new Uint8Array(publicKey), chains, features: ["solana:signTransaction"], label: name };
  let accounts = [];
  const listeners = new Set();
  const changed = () => listeners.forEach((l) => l({ accounts }));
  const toBase64 = (bytes) => btoa(String.fromCharCode(...bytes));
  const fromBase64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  const wallet = {
    version: "1.0.0",
    name,
    icon: "data:image/svg+xml;base64," + btoa('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="8" fill="#6d28d9"/></svg>'),
    chains,
    get accounts() { return accounts; },
    features: {
      "standard:connect": { version: "1.0.0", connect: async () => { accounts = [account]; changed(); return { accounts }; } },
      "standard:disconnect": { version: "1.0.0", disconnect: async () => { accounts = []; changed(); } },
      "standard:events": { version: "1.0.0", on: (event, listener) => { if (event === "change") listeners.add(listener); return () => listeners.delete(listener); } },
      "solana:signTransaction": {
        version: "1.0.0",
        supportedTransactionVersions: ["legacy", 0],
        signTransaction: (...inputs) => Promise.all(inputs.map(async (input) => ({ signedTransaction: fromBase64(await window.pmTestWalletSign(toBase64(input.transaction))) }))),
      },
    },
  };
  const register = ({ register }) => register(wallet);
  window.dispatchEvent(new CustomEvent("wallet-standard:register-wallet", { detail: register }));
  window.addEventListener("wallet-standard:app-ready", (event) => register(event.detail));
})`;

/** Saves a screenshot of one panel as target/browser/<name>.png. */
export async function shootPanel(page: Page, panel: string, name: string): Promise<string> {
  const file = path.join(OUT_DIR, `${name}.png`);
  await page.locator(`[data-testid="panel-${panel}"]`).screenshot({ path: file });
  return file;
}

/** What the account panel shows, read in one go: exact integers and the report's timestamp. */
export interface ShownAccount {
  ts: bigint;
  version: number;
  amounts: Record<string, bigint>;
  addOns: Record<string, [bigint, bigint]>;
  positions: { market: number; instrument: number; size: bigint }[];
  markets: { market: number; chain: Record<number, bigint>; mirror: Record<number, bigint>; worstChain: number; worstMirror: number; starred: number[] }[];
  match: string | null;
}

// Runs in the page (a string, so this file needs no DOM types).
const READ_ACCOUNT = `(() => {
  const q = (s, el = document) => el.querySelector(s);
  const all = (s, el = document) => [...el.querySelectorAll(s)];
  const live = q('[data-testid="live"]');
  const amounts = {};
  for (const id of ["equity", "im", "mm", "excess", "excess-mm"]) amounts[id] = q('[data-testid="' + id + '"]')?.getAttribute("data-value");
  const addOns = {};
  for (const row of all('[data-testid^="addon-"]')) addOns[row.getAttribute("data-testid").slice(6)] = all("[data-value]", row).map((e) => e.getAttribute("data-value"));
  const positions = all('[data-testid="position"]').map((r) => ({ market: r.getAttribute("data-market"), instrument: r.getAttribute("data-instrument"), size: r.getAttribute("data-size") }));
  const cells = (t) => Object.fromEntries(all("td[data-scenario]", t).map((c) => [c.getAttribute("data-scenario"), c.getAttribute("data-pnl")]));
  const markets = all('[data-testid="market-risk"]').map((m) => {
    const chain = q('[data-testid="heatmap-chain"]', m);
    const mirror = q('[data-testid="heatmap-mirror"]', m);
    return {
      market: m.getAttribute("data-market"),
      chain: cells(chain),
      mirror: mirror ? cells(mirror) : {},
      worstChain: chain.getAttribute("data-worst"),
      worstMirror: mirror ? mirror.getAttribute("data-worst") : null,
      starred: all("td.worst", chain).map((c) => c.getAttribute("data-scenario")),
    };
  });
  return JSON.stringify({ ts: live?.getAttribute("data-report-ts"), version: live?.getAttribute("data-version"), amounts, addOns, positions, markets, match: q('[data-testid="match-badge"]')?.getAttribute("data-match") ?? null });
})()`;

const big = (x: string | null | undefined): bigint => {
  if (x === null || x === undefined) throw new Error("the page shows no value");
  return BigInt(x);
};
const bigMap = (o: Record<string, string>): Record<number, bigint> => Object.fromEntries(Object.entries(o).map(([k, v]) => [Number(k), big(v)]));

export async function readAccount(page: Page): Promise<ShownAccount> {
  const raw = JSON.parse(await page.evaluate<string>(READ_ACCOUNT));
  return {
    ts: big(raw.ts),
    version: Number(raw.version),
    amounts: Object.fromEntries(Object.entries(raw.amounts as Record<string, string>).map(([k, v]) => [k, big(v)])),
    addOns: Object.fromEntries(Object.entries(raw.addOns as Record<string, string[]>).map(([k, v]) => [k, [big(v[0]), big(v[1])]])),
    positions: (raw.positions as { market: string; instrument: string; size: string }[]).map((p) => ({ market: Number(p.market), instrument: Number(p.instrument), size: big(p.size) })),
    markets: (raw.markets as { market: string; chain: Record<string, string>; mirror: Record<string, string>; worstChain: string; worstMirror: string; starred: string[] }[]).map((m) => ({
      market: Number(m.market),
      chain: bigMap(m.chain),
      mirror: bigMap(m.mirror),
      worstChain: Number(m.worstChain),
      worstMirror: Number(m.worstMirror),
      starred: m.starred.map(Number),
    })),
    match: raw.match,
  };
}

/** The exact integer a `data-testid` element renders (data-value). */
export async function valueOf(page: Page, testId: string): Promise<bigint> {
  return big(await page.getAttribute(`[data-testid="${testId}"]`, "data-value"));
}
