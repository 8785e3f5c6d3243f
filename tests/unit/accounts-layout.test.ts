// The fixed-offset MarginAccount decoder against the Anchor coder: random accounts encoded by the
// coder decode to exactly what `marginAccountInfo(coder.decode(...))` gives.
import { BorshAccountsCoder, Wallet } from "@coral-xyz/anchor";
import { Connection, Keypair, PublicKey } from "@solana/web3.js";
import BN from "bn.js";
import { expect } from "chai";
import { accountSize, decodeMarginAccountInfo, isMarginAccountData, marginAccountInfo, PortfolioMarginClient } from "../../app/src";

describe("MarginAccount fixed-offset decoder", () => {
  // the program's own coder (camelCase field names, as the SDK decodes accounts)
  const coder = new PortfolioMarginClient(new Connection("http://127.0.0.1:1"), new Wallet(Keypair.generate())).program.coder.accounts as BorshAccountsCoder;
  let seed = 17;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
  const u64 = () => new BN(rnd(2) ? rnd(1_000_000_000) : 0).mul(new BN(rnd(1_000_000) + 1));
  const i64 = () => (rnd(2) ? u64() : u64().neg());
  const key = () => Keypair.generate().publicKey;

  it("agrees with the Anchor coder on 300 random accounts (sparse and full slots, signed fields)", async () => {
    for (let n = 0; n < 300; n++) {
      const account = {
        clearinghouse: key(),
        owner: key(),
        collaterals: Array.from({ length: 8 }, () => ({ mint: rnd(3) ? PublicKey.default : key(), amount: rnd(2) ? u64() : new BN(0), reserved: Array(8).fill(0) })),
        positions: Array.from({ length: 32 }, () => ({
          marketIndex: rnd(65_536),
          instrumentIndex: rnd(65_536),
          padding: Array(4).fill(0),
          size: rnd(3) ? new BN(0) : i64(),
          costBasis: i64(),
          fundingSnapshot: i64(),
          lossSnapshot: i64(),
          reserved: Array(8).fill(0),
        })),
        accountIndex: rnd(65_536),
        bump: rnd(256),
        padding: Array(5).fill(0),
        totalDeposited: u64(),
        totalWithdrawn: u64(),
        quoteDebt: u64(),
        quoteNonceFloor: u64(),
        quoteNonceBitmap: u64(),
        realizedPnl: i64(),
        reserved: Array(224).fill(0),
      };
      // (coder.encode writes into a 1,000-byte buffer: too small for this account, so its layout directly)
      const body = Buffer.alloc(accountSize("MarginAccount"));
      const len = (coder as any).accountLayouts.get("marginAccount").layout.encode(account, body);
      const data = Buffer.concat([coder.accountDiscriminator("marginAccount"), body.subarray(0, len)]);
      expect(data.length).to.equal(accountSize("MarginAccount"));
      const address = key();
      const viaCoder = marginAccountInfo(address, coder.decode("marginAccount", data));
      const fast = decodeMarginAccountInfo(address, data);
      expect(fast).to.deep.equal(viaCoder);
    }
  });

  it("refuses data that is not a MarginAccount", () => {
    const data = Buffer.alloc(accountSize("MarginAccount"));
    expect(isMarginAccountData(data)).to.equal(false);
    expect(() => decodeMarginAccountInfo(PublicKey.default, data)).to.throw(/not a MarginAccount/);
    expect(() => decodeMarginAccountInfo(PublicKey.default, Buffer.alloc(10))).to.throw(/not a MarginAccount/);
  });
});
