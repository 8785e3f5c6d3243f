import { FormEvent, useState } from "react";
import { shortKey } from "../format";
import { useBrowserWallets } from "./browser-wallets";
import { KeypairWalletName, parseSecretKey } from "./keypair-adapter";
import { useWallet } from "./WalletProvider";

/** The connected wallet; without one, the browser's wallets to connect, and a dev-only way in: paste a local demo secret key. */
export function WalletBar() {
  const { adapter, publicKey, error, connect, connectKeypair, disconnect } = useWallet();
  const browserWallets = useBrowserWallets();
  const [secret, setSecret] = useState("");
  const [bad, setBad] = useState<string | null>(null);
  if (adapter && publicKey) {
    const dev = adapter.name === KeypairWalletName;
    return (
      <div className="wallet">
        <img src={adapter.icon} alt="" width={18} height={18} />
        <span data-testid="wallet-address" title={publicKey.toBase58()}>
          {shortKey(publicKey)}
        </span>
        {dev && <span className="badge warn" title="The key is in this page: for the local demo and tests only">DEV KEYPAIR · local only</span>}
        <button onClick={() => void disconnect()}>Disconnect</button>
      </div>
    );
  }
  const submit = (e: FormEvent) => {
    e.preventDefault();
    try {
      void connectKeypair(parseSecretKey(secret));
      setSecret("");
      setBad(null);
    } catch (err) {
      setBad((err as Error).message);
    }
  };
  return (
    <form className="wallet" onSubmit={submit}>
      {browserWallets.length === 0 ? (
        <span className="muted small" data-testid="no-browser-wallet" title="Phantom, Solflare, Backpack and other Wallet Standard wallets appear here">
          no browser wallet found
        </span>
      ) : (
        browserWallets.map((w) => (
          <button key={w.name} type="button" data-testid="connect-wallet" data-wallet={w.name} onClick={() => void connect(w)}>
            <img src={w.icon} alt="" width={16} height={16} /> {w.name}
          </button>
        ))
      )}
      <input placeholder="dev secret key (local demo only)" value={secret} onChange={(e) => setSecret(e.target.value)} size={28} />
      <button type="submit">Connect dev keypair</button>
      {bad !== null && <span className="neg">{bad}</span>}
      {bad === null && error !== null && <span className="neg">{error instanceof Error ? error.message : String(error)}</span>}
    </form>
  );
}
