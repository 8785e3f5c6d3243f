import { PublicKey } from "@solana/web3.js";
import { useMemo } from "react";
import { AccountPanel } from "./components/AccountPanel";
import { ConfigBar } from "./components/ConfigBar";
import { ErrorNotice } from "./components/ErrorNotice";
import { FundsPanel } from "./components/FundsPanel";
import { RfqPanel } from "./components/RfqPanel";
import { RiskPanel } from "./components/RiskPanel";
import { WhatIfPanel } from "./components/WhatIfPanel";
import type { AppConfig } from "./config";
import { shortKey } from "./format";
import { useAction } from "./hooks/useAction";
import { useMarginAccount } from "./hooks/useMarginAccount";
import { useMarkets } from "./hooks/useMarkets";
import { useSdk } from "./hooks/useSdk";
import { explain } from "./sdk/errors";
import { WalletBar } from "./wallet/WalletBar";
import { useWallet } from "./wallet/WalletProvider";

function parseKey(s: string | undefined): { key?: PublicKey; error?: string } {
  if (!s) return {};
  try {
    return { key: new PublicKey(s) };
  } catch {
    return { error: `?ch=${s} is not an address` };
  }
}

export function App({ cfg }: { cfg: AppConfig }) {
  const { publicKey } = useWallet();
  const sdk = useSdk(cfg);
  const ch = useMemo(() => parseKey(cfg.clearinghouse), [cfg]);
  const acct = useMarginAccount(sdk, publicKey, ch.key);
  const markets = useMarkets(sdk, acct.clearinghouse, acct.version);
  const create = useAction<string>();

  const createAccount = () =>
    void create.run(async () => {
      if (!acct.clearinghouse) throw new Error("no clearinghouse: open the page with ?ch=<address>");
      const sig = await sdk.client.createMarginAccount({ clearinghouse: acct.clearinghouse });
      acct.relocate();
      return sig;
    });

  return (
    <div className="app">
      <header className="top">
        <h1>portfolio-margin</h1>
        <ConfigBar cfg={cfg} />
        {acct.clearinghouse && (
          <span className="muted small" data-testid="clearinghouse" title={acct.clearinghouse.toBase58()}>
            clearinghouse {shortKey(acct.clearinghouse)}
          </span>
        )}
        <WalletBar />
      </header>
      {ch.error && <ErrorNotice error={explain(new Error(ch.error))} prefix="Bad address" />}
      <ErrorNotice error={create.error} prefix="Account not created" />
      <ErrorNotice error={markets.error} prefix="Could not read the markets" />
      <main className="panels">
        <AccountPanel acct={acct} onCreate={acct.clearinghouse ? createAccount : undefined} creating={create.busy} />
        <FundsPanel sdk={sdk} data={markets.data} state={acct.state} version={acct.version} />
        <RiskPanel state={acct.state} />
        <WhatIfPanel state={acct.state} data={markets.data} />
        <RfqPanel sdk={sdk} data={markets.data} clearinghouse={acct.clearinghouse} sharedQuote={cfg.sharedQuote} />
      </main>
    </div>
  );
}
