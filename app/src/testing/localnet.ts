// The local node's test-only JSON-RPC methods (tools/localnet): write any account, set the clock.
// Not available on a real cluster or solana-test-validator.
import { Connection, PublicKey } from "@solana/web3.js";

async function rpc<T>(connection: Connection, method: string, params: unknown[]): Promise<T> {
  const res = await fetch(connection.rpcEndpoint, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: T; error?: { code: number; message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.code} ${body.error.message}`);
  return body.result as T;
}

/** Writes `address` (rent-exempt lamports unless given). */
export async function setAccount(
  connection: Connection,
  address: PublicKey,
  account: { owner: PublicKey; data: Uint8Array; lamports?: number },
): Promise<void> {
  const lamports = account.lamports ?? (await connection.getMinimumBalanceForRentExemption(account.data.length));
  await rpc(connection, "setAccount", [
    address.toBase58(),
    { lamports, data: Buffer.from(account.data).toString("base64"), owner: account.owner.toBase58(), executable: false },
  ]);
}

/** Sets the Clock's unix time (it runs on from there with wall time). */
export async function setClock(connection: Connection, unixTimestamp: bigint | number): Promise<void> {
  await rpc(connection, "setClock", [{ unixTimestamp: Number(unixTimestamp) }]);
}
