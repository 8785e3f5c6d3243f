// Happy path: clearinghouse -> margin account -> deposit -> withdraw -> list -> close.
import { getAccount } from "@solana/spl-token";
import { Keypair, PublicKey } from "@solana/web3.js";
import { expect } from "chai";
import {
  QUOTE_DECIMALS,
  collateralBalance,
  collaterals,
  fetchTransactionEvents,
  findClearinghouseAddress,
  findInsuranceVaultAddress,
  findMarginAccountAddress,
  findQuoteVaultAddress,
  isDepositEvent,
  isWithdrawEvent,
  toBigInt,
} from "../../app/src";
import { mintTestTokens } from "../../app/src/testing";
import { World, createUser, createWorld, tokenAmount, usdc } from "./helpers";

describe("e2e: margin account lifecycle", function () {
  let w: World;
  let user: Keypair;
  let userAta: PublicKey;
  let marginAccount: PublicKey;

  before(async function () {
    w = await createWorld();
    ({ user, ata: userAta } = await createUser(w, usdc("1000")));
    marginAccount = w.client.marginAccountAddress(w.clearinghouse, user.publicKey, 0);
  });

  it("initializes the clearinghouse with PDA vaults owned by it", async function () {
    const ch = await w.client.fetchClearinghouse(w.clearinghouse);
    const [address, bump] = findClearinghouseAddress(w.admin.publicKey, w.index);
    expect(address.equals(w.clearinghouse)).to.equal(true);
    expect(ch.admin.toBase58()).to.equal(w.admin.publicKey.toBase58());
    expect(ch.quoteMint.toBase58()).to.equal(w.quoteMint.toBase58());
    expect(ch.index).to.equal(w.index);
    expect(ch.bump).to.equal(bump);
    expect(ch.quoteDecimals).to.equal(QUOTE_DECIMALS);
    const [qv, qvBump] = findQuoteVaultAddress(w.clearinghouse);
    const [iv, ivBump] = findInsuranceVaultAddress(w.clearinghouse);
    expect(ch.quoteVault.toBase58()).to.equal(qv.toBase58());
    expect(ch.insuranceVault.toBase58()).to.equal(iv.toBase58());
    expect(ch.quoteVaultBump).to.equal(qvBump);
    expect(ch.insuranceVaultBump).to.equal(ivBump);
    for (const vault of [qv, iv]) {
      const t = await getAccount(w.connection, vault, "confirmed");
      expect(t.mint.toBase58()).to.equal(w.quoteMint.toBase58());
      expect(t.owner.toBase58()).to.equal(w.clearinghouse.toBase58());
      expect(t.amount).to.equal(0n);
    }
    const mine = await w.client.allClearinghouses({ admin: w.admin.publicKey });
    expect(mine.map((c) => c.publicKey.toBase58())).to.deep.equal([w.clearinghouse.toBase58()]);
  });

  it("creates a margin account at the PDA of (clearinghouse, owner, index)", async function () {
    await w.client.createMarginAccount({ clearinghouse: w.clearinghouse, owner: user, accountIndex: 0 });
    const [pda, bump] = findMarginAccountAddress(w.clearinghouse, user.publicKey, 0);
    expect(pda.toBase58()).to.equal(marginAccount.toBase58());
    const acc = await w.client.fetchMarginAccount(marginAccount);
    expect(acc.owner.toBase58()).to.equal(user.publicKey.toBase58());
    expect(acc.clearinghouse.toBase58()).to.equal(w.clearinghouse.toBase58());
    expect(acc.accountIndex).to.equal(0);
    expect(acc.bump).to.equal(bump);
    expect(acc.collaterals).to.have.length(8);
    expect(acc.positions).to.have.length(32);
    expect(collaterals(acc)).to.deep.equal([]);
  });

  it("deposits 250 USDC and emits a DepositEvent", async function () {
    const sig = await w.client.deposit({ clearinghouse: w.clearinghouse, owner: user, amount: usdc("250") });
    const acc = await w.client.fetchMarginAccount(marginAccount);
    expect(collateralBalance(acc, w.quoteMint)).to.equal(usdc("250"));
    expect(toBigInt(acc.totalDeposited)).to.equal(usdc("250"));
    expect(await w.client.quoteVaultBalance(w.clearinghouse)).to.equal(usdc("250"));
    expect(await tokenAmount(w.connection, userAta)).to.equal(usdc("750"));

    const events = await fetchTransactionEvents(w.connection, sig);
    expect(events.map((e) => e.name)).to.deep.equal(["depositEvent"]);
    const ev = events[0];
    if (!isDepositEvent(ev)) throw new Error("not a deposit event");
    expect(ev.data.clearinghouse.toBase58()).to.equal(w.clearinghouse.toBase58());
    expect(ev.data.marginAccount.toBase58()).to.equal(marginAccount.toBase58());
    expect(ev.data.owner.toBase58()).to.equal(user.publicKey.toBase58());
    expect(ev.data.mint.toBase58()).to.equal(w.quoteMint.toBase58());
    expect(toBigInt(ev.data.amount)).to.equal(usdc("250"));
    expect(toBigInt(ev.data.balanceAfter)).to.equal(usdc("250"));
    const now = Math.floor(Date.now() / 1000);
    expect(ev.data.timestamp.toNumber()).to.be.greaterThan(0);
    expect(Math.abs(ev.data.timestamp.toNumber() - now)).to.be.lessThan(3600);
  });

  it("withdraws 100 USDC to the owner's token account and emits a WithdrawEvent", async function () {
    const sig = await w.client.withdraw({ clearinghouse: w.clearinghouse, owner: user, amount: usdc("100") });
    const acc = await w.client.fetchMarginAccount(marginAccount);
    expect(collateralBalance(acc, w.quoteMint)).to.equal(usdc("150"));
    expect(toBigInt(acc.totalWithdrawn)).to.equal(usdc("100"));
    expect(await w.client.quoteVaultBalance(w.clearinghouse)).to.equal(usdc("150"));
    expect(await tokenAmount(w.connection, userAta)).to.equal(usdc("850"));

    const events = await fetchTransactionEvents(w.connection, sig);
    expect(events.map((e) => e.name)).to.deep.equal(["withdrawEvent"]);
    const ev = events[0];
    if (!isWithdrawEvent(ev)) throw new Error("not a withdraw event");
    expect(ev.data.marginAccount.toBase58()).to.equal(marginAccount.toBase58());
    expect(ev.data.owner.toBase58()).to.equal(user.publicKey.toBase58());
    expect(ev.data.destination.toBase58()).to.equal(userAta.toBase58());
    expect(toBigInt(ev.data.amount)).to.equal(usdc("100"));
    expect(toBigInt(ev.data.balanceAfter)).to.equal(usdc("150"));
  });

  it("withdraws to a token account of another wallet", async function () {
    const other = Keypair.generate();
    const otherAta = await mintTestTokens(w.connection, w.mintAuthority, w.quoteMint, other.publicKey, 0n);
    await w.client.withdraw({ clearinghouse: w.clearinghouse, owner: user, amount: usdc("0.000001"), destination: otherAta });
    expect(await tokenAmount(w.connection, otherAta)).to.equal(1n);
    const acc = await w.client.fetchMarginAccount(marginAccount);
    expect(collateralBalance(acc, w.quoteMint)).to.equal(usdc("149.999999"));
  });

  it("lists margin accounts by owner with memcmp filters", async function () {
    await w.client.createMarginAccount({ clearinghouse: w.clearinghouse, owner: user, accountIndex: 7 });
    const { user: stranger } = await createUser(w, 0n);
    await w.client.createMarginAccount({ clearinghouse: w.clearinghouse, owner: stranger, accountIndex: 0 });

    const mine = await w.client.marginAccountsByOwner(user.publicKey);
    expect(mine.map((a) => a.account.accountIndex)).to.deep.equal([0, 7]);
    expect(mine[0].publicKey.toBase58()).to.equal(marginAccount.toBase58());
    expect(mine.every((a) => a.account.owner.equals(user.publicKey))).to.equal(true);
    expect(collateralBalance(mine[0].account, w.quoteMint)).to.equal(usdc("149.999999"));

    const inClearinghouse = await w.client.allMarginAccounts({ clearinghouse: w.clearinghouse });
    expect(inClearinghouse).to.have.length(3);
    const theirs = await w.client.marginAccountsByOwner(stranger.publicKey, w.clearinghouse);
    expect(theirs.map((a) => a.account.owner.toBase58())).to.deep.equal([stranger.publicKey.toBase58()]);
  });

  it("withdraws everything and closes the account, returning the rent", async function () {
    await w.client.withdraw({ clearinghouse: w.clearinghouse, owner: user, amount: usdc("149.999999") });
    const acc = await w.client.fetchMarginAccount(marginAccount);
    expect(collaterals(acc)).to.deep.equal([]); // the zeroed slot is freed
    expect(await w.client.quoteVaultBalance(w.clearinghouse)).to.equal(0n);

    const rent = await w.connection.getBalance(marginAccount, "confirmed");
    const before = await w.connection.getBalance(user.publicKey, "confirmed");
    await w.client.closeMarginAccount({ clearinghouse: w.clearinghouse, owner: user });
    expect(await w.connection.getAccountInfo(marginAccount, "confirmed")).to.equal(null);
    expect(await w.client.fetchMarginAccountNullable(marginAccount)).to.equal(null);
    // The env wallet paid the fee, so the owner gets the rent exactly.
    expect(await w.connection.getBalance(user.publicKey, "confirmed")).to.equal(before + rent);
    const left = await w.client.marginAccountsByOwner(user.publicKey);
    expect(left.map((a) => a.account.accountIndex)).to.deep.equal([7]);
  });
});
