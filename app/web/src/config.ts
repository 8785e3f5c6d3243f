// Where the dApp points, from the page's address:
//   ?rpc=<http url>   the JSON-RPC endpoint (default: the local node, or the last one used)
//   ?ws=<ws url>      its WebSocket endpoint (default: web3.js's rule, the RPC port + 1)
//   ?ch=<address>     the clearinghouse (default: that of the wallet's first margin account)
//   #key=<base58>     LOCAL DEMO ONLY: a secret key for the dev keypair wallet (the fragment is
//                     never sent to a server); `npm run web` prints such a link
//   #quote=<base64>   a signed RFQ quote to accept (a maker's share link)
export const DEFAULT_RPC = "http://127.0.0.1:8899";
const RPC_KEY = "pm.rpc";

export interface AppConfig {
  rpc: string;
  ws?: string;
  clearinghouse?: string;
  demoKey?: string;
  sharedQuote?: string;
}

function fragment(loc: Location): URLSearchParams {
  return new URLSearchParams(loc.hash.replace(/^#/, ""));
}

export function readConfig(loc: Location = window.location): AppConfig {
  const q = new URLSearchParams(loc.search);
  const f = fragment(loc);
  const stored = safeStorage()?.getItem(RPC_KEY) ?? undefined;
  return {
    rpc: q.get("rpc") || stored || DEFAULT_RPC,
    ws: q.get("ws") || undefined,
    clearinghouse: q.get("ch") || undefined,
    demoKey: f.get("key") || undefined,
    sharedQuote: f.get("quote") || undefined,
  };
}

/** Points the page at another RPC endpoint (kept for the next visit) and reloads. */
export function switchRpc(rpc: string, loc: Location = window.location): void {
  const url = new URL(rpc); // throws on a malformed URL: the caller shows it
  safeStorage()?.setItem(RPC_KEY, url.toString());
  const q = new URLSearchParams(loc.search);
  q.set("rpc", url.toString());
  q.delete("ws");
  loc.search = q.toString();
}

/** A link to this page (same RPC and clearinghouse) that carries a signed quote, without any key. */
export function quoteLink(encoded: string, loc: Location = window.location): string {
  return `${loc.origin}${loc.pathname}${loc.search}#quote=${encodeURIComponent(encoded)}`;
}

function safeStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}
