// The page's wallet: one wallet-adapter (SignerWalletAdapter) at a time, its public key, and an
// Anchor-style wallet (publicKey + signTransaction) for the SDK's client. Any adapter implementing
// the wallet-adapter interface and can sign without sending plugs in: the browser's Wallet Standard
// wallets (browser-wallets.ts), and for the local demo and tests the dev keypair adapter.
import { type Adapter, type SignerWalletAdapter, WalletError } from "@solana/wallet-adapter-base";
import { Keypair, PublicKey, Transaction, VersionedTransaction } from "@solana/web3.js";
import { createContext, ReactNode, useCallback, useContext, useEffect, useMemo, useState } from "react";
import { canSign } from "./browser-wallets";
import { KeypairWalletAdapter } from "./keypair-adapter";

/** What the SDK's client needs from a wallet (Anchor's `Wallet` without `payer`). */
export interface SigningWallet {
  publicKey: PublicKey;
  signTransaction<T extends Transaction | VersionedTransaction>(tx: T): Promise<T>;
  signAllTransactions<T extends Transaction | VersionedTransaction>(txs: T[]): Promise<T[]>;
}

interface WalletContextValue {
  adapter: SignerWalletAdapter | null;
  publicKey: PublicKey | null;
  /** Null until connected. */
  wallet: SigningWallet | null;
  error: unknown;
  connect(adapter: Adapter): Promise<void>;
  connectKeypair(kp: Keypair): Promise<void>;
  disconnect(): Promise<void>;
}

const WalletContext = createContext<WalletContextValue | null>(null);

export function useWallet(): WalletContextValue {
  const v = useContext(WalletContext);
  if (!v) throw new Error("useWallet outside <WalletProvider>");
  return v;
}

function signingWallet(adapter: SignerWalletAdapter, publicKey: PublicKey): SigningWallet {
  return {
    publicKey,
    signTransaction: (tx) => adapter.signTransaction(tx),
    signAllTransactions: (txs) => adapter.signAllTransactions(txs),
  };
}

export function WalletProvider({ initial, children }: { initial?: SignerWalletAdapter; children: ReactNode }) {
  const [adapter, setAdapter] = useState<SignerWalletAdapter | null>(null);
  const [publicKey, setPublicKey] = useState<PublicKey | null>(null);
  const [error, setError] = useState<unknown>(null);

  const connect = useCallback(async (next: Adapter) => {
    setError(null);
    try {
      await next.connect();
      if (!canSign(next)) {
        await next.disconnect().catch(() => undefined);
        throw new WalletError(`${next.name} cannot sign a transaction without sending it (RFQ quotes and the SDK need that)`);
      }
      setAdapter(next);
      setPublicKey(next.publicKey);
    } catch (e) {
      setError(e);
    }
  }, []);

  const disconnect = useCallback(async () => {
    await adapter?.disconnect().catch(setError);
    setAdapter(null);
    setPublicKey(null);
  }, [adapter]);

  const connectKeypair = useCallback((kp: Keypair) => connect(new KeypairWalletAdapter(kp)), [connect]);

  // follow the adapter's own events (a wallet may disconnect or switch accounts by itself)
  useEffect(() => {
    if (!adapter) return;
    const onConnect = (pk: PublicKey) => setPublicKey(pk);
    const onDisconnect = () => setPublicKey(null);
    const onError = (e: WalletError) => setError(e);
    adapter.on("connect", onConnect);
    adapter.on("disconnect", onDisconnect);
    adapter.on("error", onError);
    return () => {
      adapter.off("connect", onConnect);
      adapter.off("disconnect", onDisconnect);
      adapter.off("error", onError);
    };
  }, [adapter]);

  useEffect(() => {
    if (initial) void connect(initial);
  }, [initial, connect]);

  const value = useMemo<WalletContextValue>(
    () => ({
      adapter,
      publicKey,
      wallet: adapter && publicKey ? signingWallet(adapter, publicKey) : null,
      error,
      connect,
      connectKeypair,
      disconnect,
    }),
    [adapter, publicKey, error, connect, connectKeypair, disconnect],
  );
  return <WalletContext.Provider value={value}>{children}</WalletContext.Provider>;
}
