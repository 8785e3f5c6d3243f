import { useMemo } from "react";
import type { AppConfig } from "../config";
import { makeConnection, makeSdk, Sdk } from "../sdk/client";
import { useWallet } from "../wallet/WalletProvider";

/** The SDK's client for the configured RPC and the connected wallet. */
export function useSdk(cfg: AppConfig): Sdk {
  const { wallet } = useWallet();
  const connection = useMemo(() => makeConnection(cfg), [cfg]);
  return useMemo(() => makeSdk(connection, wallet), [connection, wallet]);
}
