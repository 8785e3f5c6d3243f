// The browser's own wallets (Phantom, Solflare, Backpack, ...): every wallet that registers through
// the Wallet Standard (as wallet extensions do) and can sign a transaction without sending it,
// wrapped in the wallet-adapter interface the rest of the page uses. Sign-only is required: an RFQ
// maker signs a trade partially and hands it to the taker, and the SDK sends what it signed itself.
import { type Adapter, isWalletAdapterCompatibleStandardWallet, type SignerWalletAdapter } from "@solana/wallet-adapter-base";
import { StandardWalletAdapter } from "@solana/wallet-standard-wallet-adapter-base";
import { getWallets } from "@wallet-standard/app";
import type { Wallet } from "@wallet-standard/base";
import { useEffect, useState } from "react";

const SIGN_TRANSACTION = "solana:signTransaction";

/** An adapter that can sign without sending (the SDK's wallets must). */
export function canSign(adapter: Adapter): adapter is SignerWalletAdapter {
  const a = adapter as Partial<SignerWalletAdapter>;
  return typeof a.signTransaction === "function" && typeof a.signAllTransactions === "function";
}

// one adapter per wallet for the page's lifetime, so a connected adapter survives re-discovery
const adapters = new WeakMap<Wallet, StandardWalletAdapter>();

function adapterFor(wallet: Wallet): StandardWalletAdapter | null {
  const known = adapters.get(wallet);
  if (known) return known;
  // the adapter grows its sign methods only once an account that can sign is connected (canSign)
  if (!isWalletAdapterCompatibleStandardWallet(wallet) || !(SIGN_TRANSACTION in wallet.features)) return null;
  const adapter = new StandardWalletAdapter({ wallet });
  adapters.set(wallet, adapter);
  return adapter;
}

function discover(): StandardWalletAdapter[] {
  return getWallets()
    .get()
    .map(adapterFor)
    .filter((a): a is StandardWalletAdapter => a !== null);
}

/** The Wallet Standard wallets in this browser that the page can use, kept current as wallets register. */
export function useBrowserWallets(): StandardWalletAdapter[] {
  const [wallets, setWallets] = useState<StandardWalletAdapter[]>(discover);
  useEffect(() => {
    const { on } = getWallets();
    const refresh = () => setWallets(discover());
    const offs = [on("register", refresh), on("unregister", refresh)];
    refresh(); // a wallet may have registered between the first render and this effect
    return () => offs.forEach((off) => off());
  }, []);
  return wallets;
}
