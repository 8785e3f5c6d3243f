import { createRoot } from "react-dom/client";
import { App } from "./App";
import { readConfig } from "./config";
import "./styles.css";
import { KeypairWalletAdapter, parseSecretKey } from "./wallet/keypair-adapter";
import { WalletProvider } from "./wallet/WalletProvider";

const cfg = readConfig();
let initial: KeypairWalletAdapter | undefined;
let keyError: string | null = null;
if (cfg.demoKey) {
  try {
    initial = new KeypairWalletAdapter(parseSecretKey(cfg.demoKey)); // dev only: see keypair-adapter.ts
  } catch (e) {
    keyError = `#key= is not a secret key: ${(e as Error).message}`;
  }
}

createRoot(document.getElementById("root")!).render(
  <WalletProvider initial={initial}>
    {keyError && <div className="error">{keyError}</div>}
    <App cfg={cfg} />
  </WalletProvider>,
);
