// The SDK's client for the page's RPC endpoint and wallet.
import { PortfolioMarginClient, PortfolioMarginTrading } from "@portfolio-margin/sdk";
import { Connection, Keypair, PublicKey, Transaction, VersionedTransaction } from "@solana/web3.js";
import type { AppConfig } from "../config";
import type { SigningWallet } from "../wallet/WalletProvider";

export interface Sdk {
  connection: Connection;
  client: PortfolioMarginClient;
  trading: PortfolioMarginTrading;
  /** Whether a wallet can sign (else the client is read-only). */
  canSign: boolean;
}

export function makeConnection(cfg: AppConfig): Connection {
  return new Connection(cfg.rpc, { commitment: "confirmed", wsEndpoint: cfg.ws });
}

/** A wallet that signs nothing: reads and simulations only (its key pays no fee in a simulation). */
function readOnlyWallet(): SigningWallet {
  const refuse = async (): Promise<never> => {
    throw new Error("connect a wallet to sign");
  };
  return {
    publicKey: Keypair.generate().publicKey,
    signTransaction: refuse as <T extends Transaction | VersionedTransaction>(tx: T) => Promise<T>,
    signAllTransactions: refuse as <T extends Transaction | VersionedTransaction>(txs: T[]) => Promise<T[]>,
  };
}

export function makeSdk(connection: Connection, wallet: SigningWallet | null): Sdk {
  const client = new PortfolioMarginClient(connection, wallet ?? readOnlyWallet(), {
    confirmOptions: { commitment: "confirmed", preflightCommitment: "confirmed" },
  });
  return { connection, client, trading: new PortfolioMarginTrading(client), canSign: wallet !== null };
}

/** The margin account to show: the wallet's account in `clearinghouse`, else its first one anywhere. */
export async function findMarginAccount(
  client: PortfolioMarginClient,
  owner: PublicKey,
  clearinghouse?: PublicKey,
): Promise<{ clearinghouse: PublicKey; address: PublicKey; exists: boolean } | null> {
  if (clearinghouse) {
    const address = client.marginAccountAddress(clearinghouse, owner, 0);
    return { clearinghouse, address, exists: (await client.fetchMarginAccountNullable(address)) !== null };
  }
  const mine = await client.marginAccountsByOwner(owner);
  if (!mine.length) return null;
  return { clearinghouse: mine[0].account.clearinghouse, address: mine[0].publicKey, exists: true };
}
