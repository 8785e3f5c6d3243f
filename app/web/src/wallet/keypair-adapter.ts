// DEV ONLY: a wallet-adapter whose key lives in the page (a "burner"). It exists so the local demo
// (`npm run web`) and the browser tests can sign without a browser extension. Never give it a key
// that holds anything of value: the key is in the page's address (fragment) and memory.
import {
  BaseSignerWalletAdapter,
  isVersionedTransaction,
  WalletName,
  WalletNotConnectedError,
  WalletReadyState,
  type TransactionOrVersionedTransaction,
} from "@solana/wallet-adapter-base";
import { Keypair, PublicKey, type TransactionVersion } from "@solana/web3.js";

export const KeypairWalletName = "Dev keypair (local demo only)" as WalletName<"Dev keypair (local demo only)">;

const ICON =
  "data:image/svg+xml;base64," +
  btoa('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#b45309"/><text x="16" y="22" font-size="16" text-anchor="middle" fill="#fff" font-family="sans-serif">K</text></svg>');

/** Parses a secret key: a JSON byte array (a Solana CLI keypair file) or its 64 bytes in base64(url). */
export function parseSecretKey(text: string): Keypair {
  const t = text.trim();
  const bytes = t.startsWith("[") ? Uint8Array.from(JSON.parse(t) as number[]) : fromBase64(t);
  if (bytes.length !== 64) throw new Error(`a secret key has 64 bytes, this one ${bytes.length}`);
  return Keypair.fromSecretKey(bytes);
}

function fromBase64(s: string): Uint8Array {
  const b64 = s.replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0));
}

/** The form `npm run web` and the tests put in the page's fragment: base64url of the 64 bytes. */
export function encodeSecretKey(kp: Keypair): string {
  return btoa(String.fromCharCode(...kp.secretKey)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export class KeypairWalletAdapter extends BaseSignerWalletAdapter<"Dev keypair (local demo only)"> {
  readonly name = KeypairWalletName;
  readonly url = "https://github.com/anza-xyz/wallet-adapter";
  readonly icon = ICON;
  readonly supportedTransactionVersions: ReadonlySet<TransactionVersion> = new Set<TransactionVersion>(["legacy", 0]);
  private connected_: Keypair | null = null;

  constructor(private readonly keypair: Keypair) {
    super();
  }

  get publicKey(): PublicKey | null {
    return this.connected_?.publicKey ?? null;
  }
  get connecting(): boolean {
    return false;
  }
  get readyState(): WalletReadyState {
    return WalletReadyState.Loadable;
  }

  async connect(): Promise<void> {
    this.connected_ = this.keypair;
    this.emit("connect", this.keypair.publicKey);
  }

  async disconnect(): Promise<void> {
    this.connected_ = null;
    this.emit("disconnect");
  }

  async signTransaction<T extends TransactionOrVersionedTransaction<this["supportedTransactionVersions"]>>(tx: T): Promise<T> {
    const kp = this.connected_;
    if (!kp) throw new WalletNotConnectedError();
    // partialSign keeps the signatures already there (a maker's, on an RFQ quote)
    if (isVersionedTransaction(tx)) tx.sign([kp]);
    else tx.partialSign(kp);
    return tx;
  }
}
