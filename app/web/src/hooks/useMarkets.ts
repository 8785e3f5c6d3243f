import { PublicKey } from "@solana/web3.js";
import { useEffect, useState } from "react";
import type { Sdk } from "../sdk/client";
import { explain, Explained } from "../sdk/errors";
import { loadMarkets, MarketsData } from "../sdk/markets";

/** The clearinghouse's markets and oracles, re-read whenever `version` changes. */
export function useMarkets(sdk: Sdk, clearinghouse: PublicKey | null, version: number): { data: MarketsData | null; error: Explained | null } {
  const [data, setData] = useState<MarketsData | null>(null);
  const [error, setError] = useState<Explained | null>(null);
  const key = clearinghouse?.toBase58() ?? "";
  useEffect(() => {
    if (!key) return;
    let live = true;
    loadMarkets(sdk.client, new PublicKey(key))
      .then((d) => {
        if (!live) return;
        setData(d);
        setError(null);
      })
      .catch((e) => live && setError(explain(e)));
    return () => {
      live = false;
    };
  }, [sdk, key, version]);
  return { data, error };
}
