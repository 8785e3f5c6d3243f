// SDK pieces that need no cluster: units, PDAs, IDL layout, error parsing, event decoding.
import { BorshCoder } from "@coral-xyz/anchor";
import { convertIdlToCamelCase } from "@coral-xyz/anchor/dist/cjs/idl";
import { Keypair, PublicKey, SendTransactionError } from "@solana/web3.js";
import BN from "bn.js";
import { expect } from "chai";
import {
  ClientErrorCode,
  IDL,
  PROGRAM_ID,
  PortfolioMarginError,
  U64_MAX,
  accountFieldOffset,
  accountSize,
  findClearinghouseAddress,
  findMarginAccountAddress,
  formatQuoteAmount,
  parseError,
  parseEvents,
  parseQuoteAmount,
  toBN,
  u16Seed,
} from "../../app/src";

const TOKEN = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA";
const SYSTEM = "11111111111111111111111111111111";
const PM = PROGRAM_ID.toBase58();

describe("sdk (offline): units", function () {
  it("parses decimal USDC strings exactly", function () {
    expect(parseQuoteAmount("250")).to.equal(250_000_000n);
    expect(parseQuoteAmount("0.000001")).to.equal(1n);
    expect(parseQuoteAmount("1,000.5")).to.equal(1_000_500_000n);
    expect(parseQuoteAmount(".5")).to.equal(500_000n);
    expect(parseQuoteAmount("18446744073709.551615")).to.equal(U64_MAX);
    // 0.1 + 0.2 style float traps do not exist here.
    expect(parseQuoteAmount("0.3")).to.equal(parseQuoteAmount("0.1") + parseQuoteAmount("0.2"));
  });

  it("rejects what it cannot represent instead of rounding", function () {
    for (const bad of ["1.0000001", "-1", "abc", "", ".", "1e6", "18446744073709.551616"]) {
      expect(() => parseQuoteAmount(bad), bad).to.throw(RangeError);
    }
  });

  it("formats native units exactly", function () {
    expect(formatQuoteAmount(250_000_000n)).to.equal("250.00");
    expect(formatQuoteAmount(1n)).to.equal("0.000001");
    expect(formatQuoteAmount(new BN("1234567890123"), { grouping: true })).to.equal("1,234,567.890123");
    expect(formatQuoteAmount(U64_MAX)).to.equal("18446744073709.551615");
    expect(formatQuoteAmount(-1_500_000n)).to.equal("-1.50");
    expect(toBN(U64_MAX).toString()).to.equal("18446744073709551615");
  });
});

describe("sdk (offline): PDAs and layout", function () {
  it("derives addresses from the documented seeds", function () {
    const admin = Keypair.generate().publicKey;
    expect(u16Seed(0x1234).equals(Buffer.from([0x34, 0x12]))).to.equal(true);
    expect(() => u16Seed(65536)).to.throw(RangeError);
    const [ch] = findClearinghouseAddress(admin, 513);
    const [expected] = PublicKey.findProgramAddressSync([Buffer.from("clearinghouse"), admin.toBuffer(), Buffer.from([1, 2])], PROGRAM_ID);
    expect(ch.toBase58()).to.equal(expected.toBase58());
    const owner = Keypair.generate().publicKey;
    const [ma] = findMarginAccountAddress(ch, owner, 7);
    const [ma2] = PublicKey.findProgramAddressSync(
      [Buffer.from("margin_account"), ch.toBuffer(), owner.toBuffer(), Buffer.from([7, 0])],
      PROGRAM_ID,
    );
    expect(ma.toBase58()).to.equal(ma2.toBase58());
  });

  it("computes memcmp offsets and sizes from the IDL", function () {
    expect(accountFieldOffset("MarginAccount", "clearinghouse")).to.equal(8);
    expect(accountFieldOffset("MarginAccount", "owner")).to.equal(40);
    expect(accountFieldOffset("Clearinghouse", "admin")).to.equal(8);
    // MarginAccount::SPACE and Clearinghouse::SPACE in programs/portfolio-margin/src/state.
    expect(accountSize("MarginAccount")).to.equal(8 + 64 + 48 * 8 + 48 * 32 + 8 + 16 + 256);
    // 8 authorities/keys, 4 global params, header, 16 collateral configs of 104 bytes, reserve
    expect(accountSize("Clearinghouse")).to.equal(8 + 32 * 8 + 8 * 4 + 16 + 104 * 16 + 256);
    expect(accountFieldOffset("Market", "clearinghouse")).to.equal(8);
    // header, 22 params, limits, guards, vol/funding state, 8 expiries of 48, 256 instruments of 24
    expect(accountSize("Market")).to.equal(8 + 32 * 3 + 8 + 8 * 22 + 24 + 24 + 32 + 8 + 48 * 8 + 24 * 256 + 256);
  });
});

describe("sdk (offline): parseError", function () {
  const ixLogs = (inner: string[], failing: string, code: number) => [
    `Program ${PM} invoke [1]`,
    ...inner,
    `Program ${failing} failed: custom program error: 0x${code.toString(16)}`,
    ...(failing === PM ? [] : [`Program ${PM} failed: custom program error: 0x${code.toString(16)}`]),
  ];

  it("maps a preflight SendTransactionError to the IDL error", function () {
    const logs = ixLogs(
      ["Program log: AnchorError thrown in programs/x.rs:1. Error Code: ZeroAmount. Error Number: 6000. Error Message: Amount must be greater than zero."],
      PM,
      6000,
    );
    const e = new SendTransactionError({
      action: "simulate",
      signature: "",
      transactionMessage: "Transaction simulation failed: Error processing Instruction 0: custom program error: 0x1770",
      logs,
    });
    const err = parseError(e);
    expect(err).to.be.instanceOf(PortfolioMarginError);
    expect(err).to.include({ code: 6000, name: "ZeroAmount", source: "program", instructionIndex: 0 });
    expect(err.msg).to.equal("Amount must be greater than zero");
    expect(err.logs).to.deep.equal(logs);
  });

  it("maps a failed confirmation status (no message text) to the IDL error", function () {
    const err = parseError({ err: { InstructionError: [1, { Custom: 6002 }] } });
    expect(err).to.include({ code: 6002, name: "InsufficientCollateral", source: "program", instructionIndex: 1 });
    const fromText = parseError(new Error('Raw transaction x failed ({"err":{"InstructionError":[0,{"Custom":6008}]}})'));
    expect(fromText).to.include({ code: 6008, name: "AccountNotEmpty" });
  });

  it("maps Anchor framework errors", function () {
    const err = parseError({ err: { InstructionError: [0, { Custom: 3010 }] } });
    expect(err).to.include({ code: 3010, name: "AccountNotSigner", source: "anchor" });
    expect(parseError({ err: { InstructionError: [0, { Custom: 2006 }] } })).to.include({ name: "ConstraintSeeds" });
  });

  it("attributes a CPI failure to SPL Token by the logs", function () {
    const logs = ixLogs([`Program ${TOKEN} invoke [2]`, "Program log: Error: insufficient funds"], TOKEN, 1);
    const err = parseError({ err: { InstructionError: [0, { Custom: 1 }] }, logs });
    expect(err).to.include({ code: 1, name: "InsufficientFunds", source: "token" });
    expect(err.programId?.toBase58()).to.equal(TOKEN);
  });

  it("attributes a double init to the system program", function () {
    const logs = ixLogs(
      [`Program ${SYSTEM} invoke [2]`, "Allocate: account Address { address: x, base: None } already in use"],
      SYSTEM,
      0,
    );
    const err = parseError(new SendTransactionError({ action: "simulate", signature: "", transactionMessage: "Transaction simulation failed: Error processing Instruction 0: custom program error: 0x0", logs }));
    expect(err).to.include({ code: 0, name: "AccountAlreadyInUse", source: "system" });
  });

  it("types web3's client-side missing signature", function () {
    const pk = Keypair.generate().publicKey.toBase58();
    const err = parseError(new Error(`Signature verification failed.\nMissing signature for public key [\`${pk}\`].`));
    expect(err).to.include({ code: ClientErrorCode.MissingSignature, name: "MissingSignature", source: "client" });
    expect(err.msg).to.contain(pk);
  });

  it("keeps non-custom runtime errors and passes typed errors through", function () {
    const err = parseError({ err: { InstructionError: [0, "MissingRequiredSignature"] } });
    expect(err).to.include({ code: ClientErrorCode.InstructionError, name: "MissingRequiredSignature", source: "runtime" });
    expect(parseError({ err: "AccountNotFound" })).to.include({ code: ClientErrorCode.TransactionError, name: "AccountNotFound" });
    expect(parseError(err)).to.equal(err);
  });
});

describe("sdk (offline): events", function () {
  it("decodes DepositEvent from Program data lines, only inside our program's frames", function () {
    const coder = new BorshCoder(convertIdlToCamelCase(IDL));
    const data = {
      clearinghouse: Keypair.generate().publicKey,
      marginAccount: Keypair.generate().publicKey,
      owner: Keypair.generate().publicKey,
      mint: Keypair.generate().publicKey,
      amount: new BN(250_000_000),
      balanceAfter: new BN(250_000_000),
      timestamp: new BN(1_700_000_000),
    };
    const disc = Buffer.from(IDL.events.find((e) => e.name === "depositEvent" || e.name === ("DepositEvent" as string))!.discriminator);
    const body = (coder.types as unknown as { encode(name: string, v: unknown): Buffer }).encode("depositEvent", data);
    const b64 = Buffer.concat([disc, body]).toString("base64");
    const logs = [
      `Program ${PM} invoke [1]`,
      "Program log: Instruction: Deposit",
      `Program ${TOKEN} invoke [2]`,
      `Program data: ${b64}`, // emitted by another program: ignored
      `Program ${TOKEN} success`,
      `Program data: ${b64}`,
      `Program ${PM} success`,
    ];
    const events = parseEvents(logs);
    expect(events).to.have.length(1);
    expect(events[0].name).to.equal("depositEvent");
    const d = events[0].data as typeof data;
    expect(d.owner.toBase58()).to.equal(data.owner.toBase58());
    expect(d.balanceAfter.toString()).to.equal("250000000");
    expect(d.timestamp.toNumber()).to.equal(1_700_000_000);
  });
});
