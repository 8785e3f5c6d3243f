// Tests that need the native localnet's test-only RPC methods (setAccount, setClock, warpToSlot).
// They run only with PM_LOCALNET=1 (set by scripts/test-ts.js when it starts the node itself);
// under `anchor test` / solana-test-validator they are skipped.
import { ACCOUNT_SIZE, AccountLayout, AccountState, TOKEN_PROGRAM_ID } from "@solana/spl-token";
import { Keypair, PublicKey } from "@solana/web3.js";
import { expect } from "chai";
import { U64_MAX, collateralBalance, fetchTransactionEvents, isDepositEvent, toBigInt } from "../../app/src";
import { ON_LOCALNET, World, createUser, createWorld, expectError, tokenAmount, usdc } from "./helpers";

async function rpc<T>(url: string, method: string, params: unknown[]): Promise<T> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: T; error?: { code: number; message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.code} ${body.error.message}`);
  return body.result as T;
}

(ON_LOCALNET ? describe : describe.skip)("e2e (localnet only): test RPC methods", function () {
  let w: World;
  let user: Keypair;
  let userAta: PublicKey;
  let account: PublicKey;
  let url: string;

  before(async function () {
    w = await createWorld();
    url = w.connection.rpcEndpoint;
    ({ user, ata: userAta } = await createUser(w, usdc("100")));
    await w.client.createMarginAccount({ clearinghouse: w.clearinghouse, owner: user });
    account = w.client.marginAccountAddress(w.clearinghouse, user.publicKey, 0);
    await w.client.deposit({ clearinghouse: w.clearinghouse, owner: user, amount: usdc("10") });
  });

  it("setClock: the DepositEvent carries the chain's unix timestamp", async function () {
    const ts = 1_900_000_000;
    const setAt = Date.now();
    await rpc(url, "setClock", [{ unixTimestamp: ts }]);
    const clock = await rpc<{ unixTimestamp: number }>(url, "getClock", []);
    expect(clock.unixTimestamp).to.equal(ts);
    const sig = await w.client.deposit({ clearinghouse: w.clearinghouse, owner: user, amount: usdc("1") });
    const [ev] = await fetchTransactionEvents(w.connection, sig);
    if (!ev || !isDepositEvent(ev)) throw new Error("no deposit event");
    // The clock runs on from the set value, in whole seconds, like a validator's.
    const elapsed = Math.ceil((Date.now() - setAt) / 1000);
    expect(ev.data.timestamp.toNumber()).to.be.within(ts, ts + elapsed);
    expect(toBigInt(ev.data.balanceAfter)).to.equal(usdc("11"));
  });

  it("warpToSlot: the node's slot moves forward", async function () {
    const slot = await w.connection.getSlot("confirmed");
    await rpc(url, "warpToSlot", [slot + 1000]);
    expect(await w.connection.getSlot("confirmed")).to.be.greaterThanOrEqual(slot + 1000);
    // Transactions still land after a warp.
    await w.client.deposit({ clearinghouse: w.clearinghouse, owner: user, amount: usdc("1") });
    expect(collateralBalance(await w.client.fetchMarginAccount(account), w.quoteMint)).to.equal(usdc("12"));
  });

  it("setAccount: a u64::MAX deposit onto a non-zero balance is MathOverflow, not a wrap", async function () {
    // A token account holding u64::MAX test USDC cannot be minted (supply is a u64): write it.
    const whale = Keypair.generate().publicKey;
    const data = Buffer.alloc(ACCOUNT_SIZE);
    AccountLayout.encode(
      {
        mint: w.quoteMint,
        owner: user.publicKey,
        amount: U64_MAX,
        delegateOption: 0,
        delegate: PublicKey.default,
        state: AccountState.Initialized,
        isNativeOption: 0,
        isNative: 0n,
        delegatedAmount: 0n,
        closeAuthorityOption: 0,
        closeAuthority: PublicKey.default,
      },
      data,
    );
    const lamports = await w.connection.getMinimumBalanceForRentExemption(ACCOUNT_SIZE);
    await rpc(url, "setAccount", [
      whale.toBase58(),
      { lamports, data: data.toString("base64"), owner: TOKEN_PROGRAM_ID.toBase58(), executable: false },
    ]);
    expect(await tokenAmount(w.connection, whale)).to.equal(U64_MAX);

    const balance = collateralBalance(await w.client.fetchMarginAccount(account), w.quoteMint);
    const vault = await w.client.quoteVaultBalance(w.clearinghouse);
    await expectError(
      w.client.deposit({ clearinghouse: w.clearinghouse, owner: user, amount: U64_MAX, source: whale }),
      "program",
      "MathOverflow",
    );
    expect(collateralBalance(await w.client.fetchMarginAccount(account), w.quoteMint)).to.equal(balance);
    expect(await w.client.quoteVaultBalance(w.clearinghouse)).to.equal(vault);
    expect(await tokenAmount(w.connection, whale)).to.equal(U64_MAX);
    expect(await tokenAmount(w.connection, userAta)).to.equal(usdc("88"));
  });
});
