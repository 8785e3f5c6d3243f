// The connected wallet's margin account, live: the program's report and the mirror are re-read
// whenever the margin account, one of its markets or one of its oracles changes on chain
// (connection.onAccountChange), a few hundred milliseconds after the last change.
import { PublicKey } from "@solana/web3.js";
import { useCallback, useEffect, useRef, useState } from "react";
import { AccountState, loadAccountState } from "../sdk/account";
import type { Sdk } from "../sdk/client";
import { findMarginAccount } from "../sdk/client";
import { explain, Explained } from "../sdk/errors";

export interface MarginAccountHook {
  /** Null until found (or when the wallet has none). */
  address: PublicKey | null;
  clearinghouse: PublicKey | null;
  exists: boolean;
  state: AccountState | null;
  loading: boolean;
  error: Explained | null;
  /** Bumped on every successful load. */
  version: number;
  /** Looks the account up again (after creating it). */
  relocate(): void;
}

const DEBOUNCE_MS = 250;

export function useMarginAccount(sdk: Sdk, owner: PublicKey | null, clearinghouse?: PublicKey): MarginAccountHook {
  const [where, setWhere] = useState<{ address: PublicKey; clearinghouse: PublicKey; exists: boolean } | null>(null);
  const [state, setState] = useState<AccountState | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<Explained | null>(null);
  const [version, setVersion] = useState(0);
  const [lookup, setLookup] = useState(0);
  const seq = useRef(0);

  // find the account
  useEffect(() => {
    setWhere(null);
    setState(null);
    setError(null);
    if (!owner) return;
    let live = true;
    findMarginAccount(sdk.client, owner, clearinghouse)
      .then((w) => live && setWhere(w))
      .catch((e) => live && setError(explain(e)));
    return () => {
      live = false;
    };
  }, [sdk, owner, clearinghouse, lookup]);

  const load = useCallback(async () => {
    if (!where?.exists) return;
    const n = ++seq.current;
    setLoading(true);
    try {
      const s = await loadAccountState(sdk.client, where.address);
      if (n !== seq.current) return; // a newer load started
      setState(s);
      setError(null);
      setVersion((v) => v + 1);
    } catch (e) {
      if (n === seq.current) setError(explain(e));
    } finally {
      if (n === seq.current) setLoading(false);
    }
  }, [sdk, where]);

  // load, then follow the account and what its margin reads
  const watched = state
    ? [where!.address, ...state.snapshot.markets.flatMap((m) => [m.address, m.oracle])].map((k) => k.toBase58()).join(",")
    : where?.exists
      ? where.address.toBase58()
      : "";
  useEffect(() => {
    void load();
  }, [load]);
  useEffect(() => {
    if (!watched) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onChange = () => {
      clearTimeout(timer);
      timer = setTimeout(() => void load(), DEBOUNCE_MS);
    };
    const ids = watched.split(",").map((k) => sdk.connection.onAccountChange(new PublicKey(k), onChange, { commitment: "confirmed" }));
    return () => {
      clearTimeout(timer);
      for (const id of ids) void sdk.connection.removeAccountChangeListener(id).catch(() => undefined);
    };
  }, [sdk, watched, load]);

  return {
    address: where?.address ?? null,
    clearinghouse: where?.clearinghouse ?? null,
    exists: where?.exists ?? false,
    state,
    loading,
    error,
    version,
    relocate: () => setLookup((x) => x + 1),
  };
}
