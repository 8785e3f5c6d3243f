// Failure cases: every rejection reaches the caller as a typed PortfolioMarginError (code AND
// name asserted) and leaves balances untouched.
import { Keypair, PublicKey, TransactionInstruction } from "@solana/web3.js";
import { expect } from "chai";
import {
  ClientErrorCode,
  U64_MAX,
  clearinghouseAddresses,
} from "../../app/src";
import { createTestMint, mintTestTokens } from "../../app/src/testing";
import { Snapshot, World, createUser, createWorld, expectError, snapshot, usdc } from "./helpers";

describe("e2e: failures surface as typed errors and change nothing", function () {
  let w: World;
  let alice: Keypair;
  let aliceAta: PublicKey;
  let aliceAccount: PublicKey;
  let bob: Keypair;
  let bobAta: PublicKey;
  let bobAccount: PublicKey;
  let baseline: Snapshot;

  const snap = () =>
    snapshot(
      w,
      { alice: aliceAta, bob: bobAta, vault: w.quoteVault, insurance: w.insuranceVault },
      { alice: aliceAccount, bob: bobAccount },
    );

  before(async function () {
    w = await createWorld();
    ({ user: alice, ata: aliceAta } = await createUser(w, usdc("1000")));
    ({ user: bob, ata: bobAta } = await createUser(w, usdc("1000")));
    await w.client.createMarginAccount({ clearinghouse: w.clearinghouse, owner: alice });
    await w.client.createMarginAccount({ clearinghouse: w.clearinghouse, owner: bob });
    aliceAccount = w.client.marginAccountAddress(w.clearinghouse, alice.publicKey, 0);
    bobAccount = w.client.marginAccountAddress(w.clearinghouse, bob.publicKey, 0);
    await w.client.deposit({ clearinghouse: w.clearinghouse, owner: alice, amount: usdc("150") });
    await w.client.deposit({ clearinghouse: w.clearinghouse, owner: bob, amount: usdc("40") });
  });

  beforeEach(async function () {
    baseline = await snap();
  });

  afterEach(async function () {
    if (this.currentTest?.state === "passed") {
      expect(await snap(), "balances changed after a failed instruction").to.deep.equal(baseline);
    }
  });

  it("zero-amount deposit: ZeroAmount", async function () {
    await expectError(w.client.deposit({ clearinghouse: w.clearinghouse, owner: alice, amount: 0 }), "program", "ZeroAmount");
  });

  it("zero-amount withdrawal: ZeroAmount", async function () {
    await expectError(w.client.withdraw({ clearinghouse: w.clearinghouse, owner: alice, amount: 0 }), "program", "ZeroAmount");
  });

  it("withdrawal above the balance: InsufficientCollateral", async function () {
    await expectError(
      w.client.withdraw({ clearinghouse: w.clearinghouse, owner: alice, amount: usdc("150.000001") }),
      "program",
      "InsufficientCollateral",
    );
  });

  it("deposit above the source balance: InsufficientSourceFunds", async function () {
    await expectError(
      w.client.deposit({ clearinghouse: w.clearinghouse, owner: alice, amount: usdc("850.000001") }),
      "program",
      "InsufficientSourceFunds",
    );
  });

  it("u64::MAX deposit: InsufficientSourceFunds (no wrap-around)", async function () {
    await expectError(
      w.client.deposit({ clearinghouse: w.clearinghouse, owner: alice, amount: U64_MAX }),
      "program",
      "InsufficientSourceFunds",
    );
  });

  it("u64::MAX withdrawal: InsufficientCollateral", async function () {
    await expectError(
      w.client.withdraw({ clearinghouse: w.clearinghouse, owner: alice, amount: U64_MAX }),
      "program",
      "InsufficientCollateral",
    );
  });

  it("withdrawing from another owner's margin account: NotAccountOwner", async function () {
    // Bob signs, but names Alice's margin account (and his own token account as destination).
    await expectError(
      w.client.withdraw({ clearinghouse: w.clearinghouse, owner: bob, marginAccount: aliceAccount, amount: usdc("1"), destination: bobAta }),
      "program",
      "NotAccountOwner",
    );
  });

  it("depositing into another owner's margin account: NotAccountOwner", async function () {
    await expectError(
      w.client.deposit({ clearinghouse: w.clearinghouse, owner: bob, marginAccount: aliceAccount, amount: usdc("1") }),
      "program",
      "NotAccountOwner",
    );
  });

  it("closing another owner's margin account: NotAccountOwner", async function () {
    await expectError(
      w.client.closeMarginAccount({ clearinghouse: w.clearinghouse, owner: bob, marginAccount: aliceAccount }),
      "program",
      "NotAccountOwner",
    );
  });

  it("withdrawing from a substituted vault: InvalidVault", async function () {
    // Bob's token account posing as the vault: the transfer would debit it, not the real vault.
    await expectError(
      w.client.withdraw({ clearinghouse: w.clearinghouse, owner: alice, amount: usdc("1"), vault: bobAta }),
      "program",
      "InvalidVault",
    );
  });

  it("depositing into a substituted vault: InvalidVault", async function () {
    await expectError(
      w.client.deposit({ clearinghouse: w.clearinghouse, owner: alice, amount: usdc("1"), vault: w.insuranceVault }),
      "program",
      "InvalidVault",
    );
  });

  it("margin account of another clearinghouse: WrongClearinghouse", async function () {
    const other = await createWorld(w.provider);
    const otherAta = await mintTestTokens(other.connection, other.mintAuthority, other.quoteMint, alice.publicKey, 0n);
    await expectError(
      w.client.withdraw({
        clearinghouse: other.clearinghouse,
        owner: alice,
        marginAccount: aliceAccount,
        amount: usdc("1"),
        vault: other.quoteVault,
        destination: otherAta,
      }),
      "program",
      "WrongClearinghouse",
    );
  });

  describe("token account of an unlisted mint: CollateralNotListed", function () {
    let otherMint: PublicKey;
    let aliceOtherAta: PublicKey;
    before(async function () {
      otherMint = await createTestMint(w.connection, w.mintAuthority);
      aliceOtherAta = await mintTestTokens(w.connection, w.mintAuthority, otherMint, alice.publicKey, usdc("500"));
    });

    it("as the deposit source", async function () {
      await expectError(
        w.client.deposit({ clearinghouse: w.clearinghouse, owner: alice, amount: usdc("1"), source: aliceOtherAta }),
        "program",
        "CollateralNotListed",
      );
    });

    it("as the withdrawal destination", async function () {
      await expectError(
        w.client.withdraw({ clearinghouse: w.clearinghouse, owner: alice, amount: usdc("1"), destination: aliceOtherAta }),
        "program",
        "CollateralNotListed",
      );
    });
  });

  it("depositing from someone else's token account: InvalidTokenOwner", async function () {
    await expectError(
      w.client.deposit({ clearinghouse: w.clearinghouse, owner: alice, amount: usdc("1"), source: bobAta }),
      "program",
      "InvalidTokenOwner",
    );
  });

  it("a quote mint without 6 decimals: UnsupportedQuoteDecimals", async function () {
    const nineDecimals = await createTestMint(w.connection, w.mintAuthority, { decimals: 9 });
    // The env wallet is the admin here (it can pay); a fresh index keeps reruns independent.
    const index = Math.floor(Math.random() * 0x10000);
    await expectError(
      w.client.initializeClearinghouse({ index, quoteMint: nineDecimals }),
      "program",
      "UnsupportedQuoteDecimals",
    );
    const addrs = clearinghouseAddresses(w.client.walletAddress, index);
    expect(await w.connection.getAccountInfo(addrs.clearinghouse, "confirmed")).to.equal(null);
    expect(await w.connection.getAccountInfo(addrs.quoteVault, "confirmed")).to.equal(null);
  });

  it("closing a margin account that holds collateral: AccountNotEmpty", async function () {
    await expectError(w.client.closeMarginAccount({ clearinghouse: w.clearinghouse, owner: alice }), "program", "AccountNotEmpty");
    expect(await w.client.fetchMarginAccountNullable(aliceAccount)).to.not.equal(null);
  });

  it("initializing the same clearinghouse twice: the system program's AccountAlreadyInUse", async function () {
    const chBefore = (await w.connection.getAccountInfo(w.clearinghouse, "confirmed"))!;
    await expectError(
      w.client.initializeClearinghouse({ admin: w.admin, index: w.index, quoteMint: w.quoteMint }),
      "system",
      "AccountAlreadyInUse",
    );
    const chAfter = (await w.connection.getAccountInfo(w.clearinghouse, "confirmed"))!;
    expect(chAfter.data.equals(chBefore.data)).to.equal(true);
    expect(chAfter.lamports).to.equal(chBefore.lamports);
  });

  it("creating the same margin account twice: the system program's AccountAlreadyInUse", async function () {
    await expectError(w.client.createMarginAccount({ clearinghouse: w.clearinghouse, owner: alice }), "system", "AccountAlreadyInUse");
  });

  it("skipPreflight: a failure that lands on chain is typed from its status and logs", async function () {
    const err = await expectError(
      w.client.withdraw({ clearinghouse: w.clearinghouse, owner: alice, amount: usdc("1000") }, { skipPreflight: true }),
      "program",
      "InsufficientCollateral",
    );
    expect(err.instructionIndex).to.equal(0);
    expect(err.logs?.some((l) => l.includes("InsufficientCollateral"))).to.equal(true);
  });

  it("owner not signing, caught client-side: MissingSignature", async function () {
    // The instruction names Alice as a signer but her key is not given: web3.js refuses to serialize.
    const err = await expectError(
      w.client.withdraw({ clearinghouse: w.clearinghouse, owner: alice.publicKey, amount: usdc("1") }),
      "client",
      "MissingSignature",
      ClientErrorCode.MissingSignature,
    );
    expect(err.msg).to.contain(alice.publicKey.toBase58());
  });

  it("owner not marked as a signer on chain: Anchor AccountNotSigner", async function () {
    const ix = await w.client.withdrawIx({ clearinghouse: w.clearinghouse, owner: alice.publicKey, amount: usdc("1") });
    const unsigned = new TransactionInstruction({
      programId: ix.programId,
      data: ix.data,
      keys: ix.keys.map((k) => (k.pubkey.equals(alice.publicKey) ? { ...k, isSigner: false } : k)),
    });
    await expectError(w.client.send([unsigned]), "anchor", "AccountNotSigner");
  });

  it("a clearinghouse passed as the margin account: Anchor AccountDiscriminatorMismatch", async function () {
    await expectError(
      w.client.deposit({ clearinghouse: w.clearinghouse, owner: alice, marginAccount: w.clearinghouse, amount: usdc("1") }),
      "anchor",
      "AccountDiscriminatorMismatch",
    );
  });

  it("a margin account that does not exist: Anchor AccountOwnedByWrongProgram", async function () {
    // AccountLoader checks the owner first; an absent account is owned by the system program.
    await expectError(
      w.client.deposit({ clearinghouse: w.clearinghouse, owner: alice, accountIndex: 9, amount: usdc("1") }),
      "anchor",
      "AccountOwnedByWrongProgram",
    );
  });
});
