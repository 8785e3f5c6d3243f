// The SDK's trading arithmetic against the program's own unit-test values
// (programs/portfolio-margin/src/trading/*.rs), and signed quotes round-tripped offline.
import { AnchorProvider, Program, Wallet } from "@coral-xyz/anchor";
import { Connection, Keypair, PublicKey, Transaction, TransactionInstruction } from "@solana/web3.js";
import { expect } from "chai";
import {
  addQuote,
  applyFill,
  ClientErrorCode,
  deserializeSignedQuote,
  emaUpdate,
  fundingStep,
  IDL,
  MakerSide,
  MarginAccountInfo,
  PortfolioMarginError,
  PROGRAM_ID,
  quoteArg,
  quoteBalance,
  quoteNonceAvailable,
  serializeSignedQuote,
  settlementCash,
  TradeQuote,
  tradeFee,
  TradingParamsInfo,
} from "../../app/src";
import { Kind } from "../../app/src/risk";

const C = 1_000_000n;
const P: TradingParamsInfo = {
  takerFeePpm: 500,
  makerFeePpm: 200,
  optionTakerFeePpm: 30_000,
  optionMakerFeePpm: 10_000,
  optionFeeCapPpm: 300,
  fundingIntervalSecs: 3_600,
  fundingPeriodSecs: 86_400,
  maxFundingRatePpm: 10_000,
  emaWindowSecs: 3_600,
  settlementWindowSecs: 3_600,
  liquidationFeePpm: 150_000,
  insuranceSharePpm: 250_000,
};

describe("trading arithmetic (mirror of the program's)", function () {
  it("opening adds the cost rounded against the account", function () {
    expect(applyFill({ size: 0n, costBasis: 0n }, (3n * C) / 2n, 100_000_001n, true)).to.deep.equal({ cash: 0n, realized: 0n, size: 1_500_000n, costBasis: 150_000_002n });
    expect(applyFill({ size: 0n, costBasis: 0n }, -(3n * C) / 2n, 100_000_001n, true)).to.include({ size: -1_500_000n, costBasis: -150_000_001n });
  });

  it("reducing realises against the closed basis and flipping reopens at the price", function () {
    let p = applyFill({ size: 2n * C, costBasis: 200_000_000n }, -C, 120_000_000n, true);
    expect(p).to.deep.equal({ cash: 20_000_000n, realized: 20_000_000n, size: C, costBasis: 100_000_000n });
    p = applyFill(p, -3n * C, 90_000_000n, true);
    expect(p).to.include({ realized: -10_000_000n, size: -2n * C, costBasis: -180_000_000n });
    p = applyFill(p, 2n * C, 80_000_000n, true);
    expect(p).to.include({ realized: 20_000_000n, size: 0n, costBasis: 0n });
  });

  it("an option fill moves its premium and keeps the basis for display", function () {
    const a = applyFill({ size: 0n, costBasis: 0n }, C, 2_500_000_000n, false);
    expect(a).to.deep.equal({ cash: -2_500_000_000n, realized: 0n, size: C, costBasis: 2_500_000_000n });
    expect(applyFill(a, -C, 3_000_000_000n, false)).to.deep.equal({ cash: 3_000_000_000n, realized: 500_000_000n, size: 0n, costBasis: 0n });
  });

  it("fees: linear a rate of notional (rebates rounded down), options a rate of premium capped by notional", function () {
    expect(tradeFee(P, "taker", true, 2_000_000n, 100_000_000_000n, 0n)).to.equal(100_000_000n);
    expect(tradeFee(P, "maker", true, 2_000_000n, 100_000_000_000n, 0n)).to.equal(40_000_000n);
    expect(tradeFee(P, "taker", true, 1n, 1_000_000n, 0n)).to.equal(1n);
    const rebate = { ...P, makerFeePpm: -100 };
    expect(tradeFee(rebate, "maker", true, 1n, 1_000_000n, 0n)).to.equal(0n);
    expect(tradeFee(rebate, "maker", true, 2_000_000n, 100_000_000_000n, 0n)).to.equal(-20_000_000n);
    expect(tradeFee(P, "taker", false, 1_000_000n, 2_500_000_000n, 100_000_000_000n)).to.equal(30_000_000n);
    expect(tradeFee(P, "taker", false, 1_000_000n, 50_000_000n, 100_000_000_000n)).to.equal(1_500_000n);
    expect(tradeFee(P, "maker", false, 1_000_000n, 50_000_000n, 100_000_000_000n)).to.equal(500_000n);
  });

  it("EMAs move by the elapsed fraction of the window; the funding rate follows the premium, clamped", function () {
    expect(emaUpdate(0n, 500n, 10n, 3_600)).to.equal(500n);
    expect(emaUpdate(1_000n, 2_000n, 900n, 3_600)).to.equal(1_250n);
    expect(emaUpdate(1_000n, 2_000n, 7_200n, 3_600)).to.equal(2_000n);
    expect(emaUpdate(1_000n, 0n, 1_800n, 3_600)).to.equal(500n);
    expect(emaUpdate(1_000n, 2_000n, -5n, 3_600)).to.equal(1_000n);
    expect(fundingStep(100_100_000_000n, 100_000_000_000n, 3_600n, P)).to.deep.equal({ step: (100_000_000n * 3_600n) / 86_400n, ratePpm: 1_000n });
    expect(fundingStep(105_000_000_000n, 100_000_000_000n, 86_400n, P)).to.deep.equal({ step: 1_000_000_000n, ratePpm: 10_000n });
    expect(fundingStep(95_000_000_000n, 100_000_000_000n, 3n * 86_400n, P)).to.deep.equal({ step: -1_000_000_000n, ratePpm: -10_000n });
  });

  it("settlement pays intrinsic for options and the price less the basis for futures", function () {
    const s = 105_000_000_000n;
    expect(settlementCash(Kind.Call, 100_000_000_000n, 1_500_000n, 0n, s)).to.equal(7_500_000_000n);
    expect(settlementCash(Kind.Call, 100_000_000_000n, -1_500_000n, 0n, s)).to.equal(-7_500_000_000n);
    expect(settlementCash(Kind.Put, 100_000_000_000n, 1_000_000n, 0n, s)).to.equal(0n);
    expect(settlementCash(Kind.Put, 110_000_000_000n, -2_000_000n, 0n, s)).to.equal(-10_000_000_000n);
    expect(settlementCash(Kind.Future, 0n, 1_000_000n, 100_000_000_000n, s)).to.equal(5_000_000_000n);
    expect(settlementCash(Kind.Call, 0n, -1n, 0n, 1n)).to.equal(-1n);
  });

  it("quote balance: a debit past the deposit becomes debt, a credit repays it first; nonces", function () {
    const mint = Keypair.generate().publicKey;
    const a: MarginAccountInfo = {
      address: PublicKey.default, clearinghouse: PublicKey.default, owner: PublicKey.default, accountIndex: 0,
      collaterals: [{ mint, amount: 100n }], positions: [], quoteDebt: 0n, quoteNonceFloor: 37n, quoteNonceBitmap: 1n,
      realizedPnl: 0n, totalDeposited: 0n, totalWithdrawn: 0n,
    };
    const b = addQuote(a, mint, -250n);
    expect([b.collaterals.length, b.quoteDebt, quoteBalance(b, mint)]).to.deep.equal([0, 150n, -150n]);
    const c = addQuote(b, mint, 160n);
    expect([c.collaterals, c.quoteDebt]).to.deep.equal([[{ mint, amount: 10n }], 0n]);
    expect([36n, 37n, 38n, 37n + 64n].map((n) => quoteNonceAvailable(a, n))).to.deep.equal([false, false, true, true]);
  });
});

describe("signed quotes (offline)", function () {
  const maker = Keypair.generate();
  const taker = Keypair.generate();
  const keys = Array.from({ length: 6 }, () => Keypair.generate().publicKey);
  const quote: TradeQuote = { instrumentIndex: 7, makerSide: MakerSide.Sell, size: 2_500_000n, price: 1_234_500_000n, oracleLimit: 99_000_000_000n, expiresAt: 1_800_000_000n, nonce: 42n };

  function signed(feePayer = taker.publicKey): Transaction {
    // the client's own coder (camelCase IDL), as `tradeIx` encodes
    const provider = new AnchorProvider(new Connection("http://127.0.0.1:1"), new Wallet(maker), {});
    const data = new Program(IDL, provider).coder.instruction.encode("trade", { quote: quoteArg(quote) });
    const accounts = [maker.publicKey, taker.publicKey, keys[0], keys[1], keys[2], keys[3], keys[1], keys[4]];
    const ix = new TransactionInstruction({
      programId: PROGRAM_ID,
      keys: accounts.map((pubkey, i) => ({ pubkey, isSigner: i < 2, isWritable: [3, 4, 5].includes(i) })),
      data,
    });
    const tx = new Transaction({ feePayer, blockhash: "11111111111111111111111111111111", lastValidBlockHeight: 1 }).add(ix);
    tx.partialSign(maker);
    return tx;
  }

  it("round-trips the quote and its accounts, and verifies the maker's signature", function () {
    const d = deserializeSignedQuote(serializeSignedQuote(signed()));
    expect(d.quote).to.deep.equal(quote);
    expect(d.makerSigned).to.equal(true);
    expect(d.accounts.maker.equals(maker.publicKey) && d.accounts.taker.equals(taker.publicKey)).to.equal(true);
    expect(d.accounts.makerAccount.equals(keys[2]) && d.accounts.takerAccount.equals(keys[3])).to.equal(true);
    expect(d.accounts.remaining.map((k) => k.toBase58())).to.deep.equal([keys[1], keys[4]].map((k) => k.toBase58()));
    // the taker completes it
    d.transaction.partialSign(taker);
    expect(d.transaction.verifySignatures(true)).to.equal(true);
  });

  it("a tampered quote no longer carries the maker's signature; garbage and other payers are refused", function () {
    const bytes = Buffer.from(serializeSignedQuote(signed()), "base64");
    // the quote's price is near the end of the instruction data; flip one of its bytes
    const at = bytes.length - 30;
    bytes[at] ^= 1;
    const d = deserializeSignedQuote(bytes.toString("base64"));
    expect(d.makerSigned).to.equal(false);
    for (const bad of ["not base64 at all!", serializeSignedQuote(signed(maker.publicKey))]) {
      let err: unknown;
      try {
        deserializeSignedQuote(bad);
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(PortfolioMarginError);
      expect((err as PortfolioMarginError).code).to.equal(ClientErrorCode.InvalidQuote);
      expect((err as PortfolioMarginError).source).to.equal("client");
    }
  });
});
