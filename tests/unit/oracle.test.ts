// Pyth oracles, TypeScript side (app/src/oracle, app/src/testing/pyth.ts), against the program's
// oracle module (programs/portfolio-margin/src/oracle) through shared files:
// - fixtures/*.bin: written here by the test writers, compared byte for byte with the committed
//   files the Rust unit tests load, and decoded by Pyth's own decoders (legacy: @pythnetwork/client
//   `parsePriceData`; pull: the receiver's IDL with the Anchor coder its SDK uses) and by the SDK;
// - fixtures/normalize_golden.json: written by a string-based decimal-shifting reference below,
//   checked against the SDK here and against the program by `cargo test ... oracle`;
// - the validity rules: the Rust tests' cases, through the SDK's `readPrice`.
// PM_WRITE_FIXTURES=1 rewrites the .bin files and the golden file instead of comparing them.
import { createHash } from "crypto";
import { Connection, Keypair, PublicKey } from "@solana/web3.js";
import { parsePriceData, PriceStatus } from "@pythnetwork/client";
import { IDL as RECEIVER_IDL } from "@pythnetwork/pyth-solana-receiver/lib/idl/pyth_solana_receiver";
import BN from "bn.js";
import { expect } from "chai";
import fs from "fs";
import path from "path";
import {
  decodeLegacyPrice,
  decodePriceUpdateV2,
  feedIdFromHex,
  fetchOraclePrice,
  LEGACY_PRICE_ACCOUNT_LEN,
  MAX_EXPONENT,
  MIN_EXPONENT,
  OracleError,
  OracleLimits,
  OraclePrice,
  OracleSource,
  OracleSpec,
  PRICE_UPDATE_V2_DISCRIMINATOR,
  PRICE_UPDATE_V2_LEN,
  PYTH_LEGACY_PROGRAM_ID_MAINNET,
  PYTH_RECEIVER_PROGRAM_ID,
  readPrice,
  to1e6,
} from "../../app/src/oracle";
import { MAX_PRICE } from "../../app/src/risk/black76";
import { encodeLegacyPrice, encodePriceUpdateV2, LegacyPriceFields, PriceUpdateV2Fields, setPythAccount } from "../../app/src/testing/pyth";

const DIR = path.resolve(__dirname, "../../programs/portfolio-margin/src/oracle/fixtures");
const GOLDEN = path.join(DIR, "normalize_golden.json");
const WRITE = process.env.PM_WRITE_FIXTURES === "1";

// ---- fixtures (tests.rs expects exactly these values) ----

const BTC_FEED = feedIdFromHex("e62df6c8b4a85fe1a67db44dc12de5db330f7ac66b72dc658afedf0f4a415b43");
const ETH_FEED = feedIdFromHex("ff61491a931112ddf1bd8147cd1b641375f79f5825126d665480874634fd0ace");
const T = 1_718_000_000n;
const key = (b: number) => new PublicKey(Buffer.alloc(32, b));

const BTC_PULL: PriceUpdateV2Fields = {
  writeAuthority: key(7),
  verification: { kind: "Full" },
  feedId: BTC_FEED,
  price: 6_512_345_678_901n,
  conf: 2_345_678_901n,
  exponent: -8,
  publishTime: T,
  prevPublishTime: T - 1n,
  emaPrice: 6_500_000_000_000n,
  emaConf: 2_000_000_000n,
  postedSlot: 275_000_123n,
};
const PULL: Record<string, PriceUpdateV2Fields> = {
  btc_pull_full: BTC_PULL,
  btc_pull_partial: { ...BTC_PULL, verification: { kind: "Partial", numSignatures: 5 } },
  eth_pull_full: {
    writeAuthority: key(8),
    verification: { kind: "Full" },
    feedId: ETH_FEED,
    price: 345_678_901_234n,
    conf: 123_456_789n,
    exponent: -8,
    publishTime: T + 30n,
    prevPublishTime: T + 29n,
    emaPrice: 345_000_000_000n,
    emaConf: 100_000_000n,
    postedSlot: 275_000_200n,
  },
  pull_negative_price: { verification: { kind: "Full" }, feedId: BTC_FEED, price: -5n, conf: 1n, exponent: -8, publishTime: T },
  pull_expo_min: {
    verification: { kind: "Full" },
    feedId: BTC_FEED,
    price: 1_000_000_000_000_000_001n,
    conf: 999_999_999_999n,
    exponent: -18,
    publishTime: T,
  },
};
const LEGACY: Record<string, LegacyPriceFields> = {
  btc_legacy_trading: {
    size: LEGACY_PRICE_ACCOUNT_LEN,
    priceType: 1,
    exponent: -8,
    numQuoters: 5,
    lastSlot: 275_000_122n,
    validSlot: 275_000_122n,
    emaPrice: { value: 6_500_000_000_000n, numerator: 13_000_000_000_000n, denominator: 2n },
    emaConf: { value: 2_000_000_000n, numerator: 4_000_000_000n, denominator: 2n },
    timestamp: T,
    minPublishers: 3,
    productAccount: key(9),
    nextPriceAccount: key(10),
    prevSlot: 275_000_100n,
    prevPrice: 6_512_000_000_000n,
    prevConf: 2_300_000_000n,
    prevTimestamp: T - 10n,
    aggregate: { price: 6_512_345_678_901n, conf: 2_345_678_901n, status: 1, publishSlot: 275_000_123n },
  },
  legacy_halted: {
    exponent: -8,
    timestamp: T,
    aggregate: { price: 15_000_000_000n, conf: 7_500_000n, status: 2, publishSlot: 275_000_000n },
  },
  legacy_expo_max: { exponent: 6, timestamp: T, aggregate: { price: 10n, conf: 0n, status: 1, publishSlot: 1n } },
};
const FILES: Record<string, Buffer> = {
  ...Object.fromEntries(Object.entries(PULL).map(([n, f]) => [n, encodePriceUpdateV2(f)])),
  ...Object.fromEntries(Object.entries(LEGACY).map(([n, f]) => [n, encodeLegacyPrice(f)])),
};
const fixture = (name: string): Buffer => fs.readFileSync(path.join(DIR, `${name}.bin`));

// ---- normalisation reference: decimal strings, no bigint arithmetic ----

const MAX_PRICE_DEC = "10000000000000";
const U64_MAX_DEC = "18446744073709551615";
const I64_MAX_DEC = "9223372036854775807";

const strip = (s: string) => s.replace(/^0+(?=\d)/, "");
function decCompare(a: string, b: string): number {
  [a, b] = [strip(a), strip(b)];
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}
function decIncrement(s: string): string {
  const d = s.split("");
  let i = d.length - 1;
  while (i >= 0 && d[i] === "9") d[i--] = "0";
  return i < 0 ? "1" + d.join("") : (d[i] = String(Number(d[i]) + 1), d.join(""));
}
/** `digits x 10^shift`, the dropped digits rounded down or (any non-zero one) up. */
function shiftDecimal(digits: string, shift: number, round: "down" | "up"): string {
  if (shift >= 0) return strip(digits + "0".repeat(shift));
  const padded = digits.padStart(-shift + 1, "0");
  const whole = strip(padded.slice(0, padded.length + shift));
  const dropped = padded.slice(padded.length + shift);
  return round === "up" && /[1-9]/.test(dropped) ? decIncrement(whole) : whole;
}
type Golden = { price: string; conf: string; exponent: number } & ({ price_1e6: string; conf_1e6: string } | { error: string });
function reference(price: string, conf: string, exponent: number): Golden {
  const c = { price, conf, exponent };
  if (price.startsWith("-") || strip(price) === "0") return { ...c, error: "OracleNonPositivePrice" };
  if (exponent < -18 || exponent > 6) return { ...c, error: "OracleOutOfRange" };
  const p6 = shiftDecimal(price, exponent + 6, "down");
  const c6 = shiftDecimal(conf, exponent + 6, "up");
  if (p6 === "0" || decCompare(p6, MAX_PRICE_DEC) > 0 || decCompare(c6, U64_MAX_DEC) > 0) return { ...c, error: "OracleOutOfRange" };
  return { ...c, price_1e6: p6, conf_1e6: c6 };
}

/** The golden inputs: boundaries of every exponent from -20 to 8, then pseudo-random ones. */
function goldenInputs(): [string, string, number][] {
  const out: [string, string, number][] = [];
  const i64 = (s: string) => decCompare(s, I64_MAX_DEC) <= 0;
  for (let e = -20; e <= 8; e++) {
    const shift = e + 6;
    const k = Math.min(Math.max(Math.abs(shift), 1), 19);
    const one = "1" + "0".repeat(k); // 10^|shift|
    const nines = "9".repeat(k);
    // Largest raw price that is still <= MAX_PRICE at 1e6, and one more.
    const maxRaw = shift >= 0 ? shiftDecimal(MAX_PRICE_DEC, -shift, "down") : MAX_PRICE_DEC + "9".repeat(-shift);
    const prices = ["1", "9", "10", "11", nines, one, decIncrement(one), "6512345678901", maxRaw, decIncrement(maxRaw), I64_MAX_DEC];
    const confs = ["0", "1", nines, one, decIncrement(one), "2345678901", U64_MAX_DEC];
    prices.filter(i64).forEach((p, i) => {
      out.push([p, confs[i % confs.length], e]);
      out.push([p, confs[(i + 3) % confs.length], e]);
    });
  }
  for (const e of [-100, -19, -18, -8, 0, 6, 7, 100]) for (const p of ["0", "-1", "-9223372036854775808"]) out.push([p, "1", e]);
  // Deterministic pseudo-random digits (a 32-bit LCG), lengths 1..19 (price) and 1..20 (conf).
  let s = 0x5eed;
  const rnd = (n: number) => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), s % n);
  const digits = (len: number) => strip(Array.from({ length: len }, () => rnd(10)).join(""));
  for (let i = 0; i < 240; i++) {
    const e = -20 + rnd(29);
    let p = digits(1 + rnd(19));
    if (!i64(p)) p = p.slice(1);
    let c = digits(1 + rnd(20));
    if (decCompare(c, U64_MAX_DEC) > 0) c = c.slice(1);
    out.push([rnd(8) === 0 ? "-" + p : p, c, e]);
  }
  return out;
}
function renderGolden(): string {
  const lines = goldenInputs().map(([p, c, e]) => "    " + JSON.stringify(reference(p, c, e)).replace(/,"/g, ', "').replace(/":/g, '": '));
  return [
    "{",
    '  "about": "Pyth price/conf/exponent -> 1e6 (price down, conf up) or the PmError name. Written by the decimal-string reference in tests/unit/oracle.test.ts (PM_WRITE_FIXTURES=1); checked against app/src/oracle and programs/portfolio-margin/src/oracle/normalize.rs. One case per line.",',
    '  "cases": [',
    lines.join(",\n"),
    "  ]",
    "}",
    "",
  ].join("\n");
}

// ---- helpers ----

function errorName(f: () => unknown): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    if (e instanceof OracleError) return e.name;
    throw e;
  }
}
/** The Anchor 0.29 coder of the receiver SDK, over the receiver program's IDL. */
function receiverCoder(): { decode(name: string, data: Buffer): any; encode(name: string, v: unknown): Promise<Buffer> } {
  const dir = path.dirname(require.resolve("@pythnetwork/pyth-solana-receiver/package.json"));
  const anchor = require(require.resolve("@coral-xyz/anchor", { paths: [dir] }));
  const version = require(require.resolve("@coral-xyz/anchor/package.json", { paths: [dir] })).version as string;
  expect(version).to.match(/^0\.29\./, "the receiver SDK's own Anchor");
  return new anchor.BorshAccountsCoder(RECEIVER_IDL);
}

if (WRITE) {
  for (const [name, data] of Object.entries(FILES)) fs.writeFileSync(path.join(DIR, `${name}.bin`), data);
  fs.writeFileSync(GOLDEN, renderGolden());
}

describe("oracle: Pyth fixtures, decoders and normalisation (mirror of the program's oracle/)", () => {
  describe("fixtures", () => {
    for (const [name, data] of Object.entries(FILES)) {
      it(`${name}.bin is what the writer produces, byte for byte`, () => {
        expect(fixture(name).equals(data), `${name}.bin is stale: run with PM_WRITE_FIXTURES=1`).to.equal(true);
      });
    }
    it("sizes: 134 bytes per PriceUpdateV2 (Full leaves the last byte 0), 3312 per legacy account", () => {
      for (const n of Object.keys(PULL)) expect(FILES[n].length).to.equal(PRICE_UPDATE_V2_LEN);
      for (const n of Object.keys(LEGACY)) expect(FILES[n].length).to.equal(LEGACY_PRICE_ACCOUNT_LEN);
      expect(FILES.btc_pull_full[133]).to.equal(0);
      // Partial shifts everything after the tag by one: its posted_slot fills the last 8 bytes.
      expect(FILES.btc_pull_partial.readBigUInt64LE(126)).to.equal(BTC_PULL.postedSlot);
    });
    it("the PriceUpdateV2 discriminator is sha256('account:PriceUpdateV2')[..8]", () => {
      const h = createHash("sha256").update("account:PriceUpdateV2").digest().subarray(0, 8);
      expect(Buffer.from(PRICE_UPDATE_V2_DISCRIMINATOR).equals(h)).to.equal(true);
    });
  });

  describe("PriceUpdateV2: the receiver IDL's coder and the SDK decoder agree", () => {
    const coder = receiverCoder();
    for (const [name, f] of Object.entries(PULL)) {
      it(name, async () => {
        const data = fixture(name);
        const pyth = coder.decode("priceUpdateV2", data);
        const sdk = decodePriceUpdateV2(data);
        const m = pyth.priceMessage;
        const full = "full" in pyth.verificationLevel;
        expect(full).to.equal(f.verification.kind === "Full");
        expect(sdk.verified).to.equal(full);
        expect(sdk.numSignatures).to.equal(full ? undefined : pyth.verificationLevel.partial.numSignatures);
        expect(sdk.writeAuthority.toBase58()).to.equal(pyth.writeAuthority.toBase58());
        expect(Buffer.from(sdk.feedId).equals(Buffer.from(m.feedId))).to.equal(true);
        const pairs: [bigint, BN][] = [
          [sdk.price, m.price],
          [sdk.conf, m.conf],
          [sdk.publishTime, m.publishTime],
          [sdk.prevPublishTime, m.prevPublishTime],
          [sdk.emaPrice, m.emaPrice],
          [sdk.emaConf, m.emaConf],
          [sdk.postedSlot, pyth.postedSlot],
        ];
        for (const [a, b] of pairs) expect(a.toString()).to.equal(b.toString());
        expect(sdk.exponent).to.equal(m.exponent);
        // And the fields are what the writer was given.
        expect([sdk.price, sdk.conf, sdk.exponent, sdk.publishTime]).to.deep.equal([f.price, f.conf, f.exponent, f.publishTime]);
        // The IDL's encoder writes the same bytes (it emits the Borsh length; the rest is padding).
        const enc = await coder.encode("priceUpdateV2", pyth);
        expect(enc.equals(data.subarray(0, enc.length))).to.equal(true);
        expect(data.subarray(enc.length).every((b) => b === 0)).to.equal(true);
      });
    }
  });

  describe("legacy: @pythnetwork/client parsePriceData and the SDK decoder agree", () => {
    for (const [name, f] of Object.entries(LEGACY)) {
      it(name, () => {
        const data = fixture(name);
        const pyth = parsePriceData(data);
        const sdk = decodeLegacyPrice(data);
        expect(pyth.magic).to.equal(0xa1b2c3d4);
        expect(pyth.version).to.equal(2);
        expect(pyth.type).to.equal(3);
        expect(sdk.exponent).to.equal(pyth.exponent);
        expect(sdk.publishTime).to.equal(pyth.timestamp);
        expect(sdk.price).to.equal(pyth.aggregate.priceComponent);
        expect(sdk.conf).to.equal(pyth.aggregate.confidenceComponent);
        expect(sdk.status).to.equal(pyth.aggregate.status);
        expect(sdk.publishSlot).to.equal(BigInt(pyth.aggregate.publishSlot));
        expect(pyth.status === PriceStatus.Trading).to.equal(f.aggregate.status === 1);
        // Every field the writer was given lands where Pyth's parser reads it.
        expect(pyth.size).to.equal(f.size ?? 0);
        expect(pyth.priceType).to.equal(f.priceType ?? 0);
        expect(pyth.numComponentPrices).to.equal(0);
        expect(pyth.numQuoters).to.equal(f.numQuoters ?? 0);
        expect(pyth.lastSlot).to.equal(f.lastSlot ?? 0n);
        expect(pyth.validSlot).to.equal(f.validSlot ?? 0n);
        expect([pyth.emaPrice.valueComponent, pyth.emaPrice.numerator, pyth.emaPrice.denominator]).to.deep.equal(
          f.emaPrice ? [f.emaPrice.value, f.emaPrice.numerator, f.emaPrice.denominator] : [0n, 0n, 0n],
        );
        expect([pyth.emaConfidence.valueComponent, pyth.emaConfidence.numerator, pyth.emaConfidence.denominator]).to.deep.equal(
          f.emaConf ? [f.emaConf.value, f.emaConf.numerator, f.emaConf.denominator] : [0n, 0n, 0n],
        );
        expect(pyth.minPublishers).to.equal(f.minPublishers ?? 0);
        expect(pyth.productAccountKey.toBase58()).to.equal((f.productAccount ?? PublicKey.default).toBase58());
        expect(pyth.nextPriceAccountKey?.toBase58()).to.equal(f.nextPriceAccount?.toBase58());
        expect(pyth.previousSlot).to.equal(f.prevSlot ?? 0n);
        expect(pyth.previousPriceComponent).to.equal(f.prevPrice ?? 0n);
        expect(pyth.previousConfidenceComponent).to.equal(f.prevConf ?? 0n);
        expect(pyth.previousTimestamp).to.equal(f.prevTimestamp ?? 0n);
        expect(pyth.aggregate.corporateAction).to.equal(0);
        expect(pyth.aggregate.publishSlot).to.equal(Number(f.aggregate.publishSlot));
      });
    }
  });

  describe("normalisation golden vectors", () => {
    const file = fs.readFileSync(GOLDEN, "utf8");
    const cases = (JSON.parse(file) as { cases: Golden[] }).cases;
    it("the committed file is the reference's output", () => {
      expect(file === renderGolden(), "normalize_golden.json is stale: run with PM_WRITE_FIXTURES=1").to.equal(true);
      expect(cases.length).to.be.at.least(300);
    });
    it("covers every outcome and both ends of the exponent range", () => {
      const outcome = (c: Golden) => ("error" in c ? c.error : "ok");
      expect(new Set(cases.map(outcome))).to.deep.equal(new Set(["ok", "OracleNonPositivePrice", "OracleOutOfRange"]));
      for (const e of [MIN_EXPONENT, MAX_EXPONENT]) expect(cases.some((c) => c.exponent === e && !("error" in c))).to.equal(true);
      expect(cases.some((c) => "price_1e6" in c && BigInt(c.price_1e6) === MAX_PRICE)).to.equal(true);
    });
    it("the SDK's to1e6 reproduces every case", () => {
      for (const c of cases) {
        const want = "error" in c ? c.error : { price: BigInt(c.price_1e6), conf: BigInt(c.conf_1e6) };
        let got: unknown;
        try {
          got = to1e6(BigInt(c.price), BigInt(c.conf), c.exponent);
        } catch (e) {
          if (!(e instanceof OracleError)) throw e;
          got = e.name;
        }
        expect(got, JSON.stringify(c)).to.deep.equal(want);
      }
    });
    it("the reference's decimal helpers", () => {
      expect(shiftDecimal("123456", -2, "down")).to.equal("1234");
      expect(shiftDecimal("123456", -2, "up")).to.equal("1235");
      expect(shiftDecimal("123400", -2, "up")).to.equal("1234");
      expect(shiftDecimal("5", -3, "up")).to.equal("1");
      expect(shiftDecimal("5", -3, "down")).to.equal("0");
      expect(shiftDecimal("999", -1, "up")).to.equal("100");
      expect(shiftDecimal("12", 3, "down")).to.equal("12000");
      expect(decIncrement("999")).to.equal("1000");
      expect(decCompare("0010", "9")).to.be.greaterThan(0);
    });
  });

  describe("readPrice: the program's checks, in its order (same cases as oracle/tests.rs)", () => {
    const ORACLE = key(42);
    const OTHER = key(43);
    const LIMITS: OracleLimits = { maxAgeSecs: 60, maxConfPpm: 10_000 };
    const spec = (source: OracleSource, feedId = BTC_FEED): OracleSpec => ({
      source,
      address: ORACLE,
      feedId,
      ownerProgram: source === OracleSource.PythPull ? PYTH_RECEIVER_PROGRAM_ID : PYTH_LEGACY_PROGRAM_ID_MAINNET,
    });
    const pull = spec(OracleSource.PythPull);
    const legacy = spec(OracleSource.PythLegacy);
    const BTC: OraclePrice = { price: 65_123_456_789n, conf: 23_456_790n, publishTime: T };
    const read = (data: Uint8Array, s: OracleSpec, o: { now?: bigint; address?: PublicKey; owner?: PublicKey; limits?: OracleLimits } = {}) =>
      readPrice({ address: o.address ?? s.address, owner: o.owner ?? s.ownerProgram, data }, s, o.limits ?? LIMITS, o.now ?? T);
    const fails = (f: () => unknown, name: string) => expect(errorName(f)).to.equal(name);
    const patch = (base: Uint8Array, at: number, write: (b: Buffer) => void) => {
      const b = Buffer.from(base);
      write(b.subarray(at));
      return b;
    };
    const i64 = (base: Uint8Array, at: number, v: bigint) => patch(base, at, (b) => b.writeBigInt64LE(v));
    const u64 = (base: Uint8Array, at: number, v: bigint) => patch(base, at, (b) => b.writeBigUInt64LE(v));
    const i32 = (base: Uint8Array, at: number, v: number) => patch(base, at, (b) => b.writeInt32LE(v));
    const u32 = (base: Uint8Array, at: number, v: number) => patch(base, at, (b) => b.writeUInt32LE(v));
    const [PULL_PRICE, PULL_CONF, PULL_EXPONENT, LEGACY_EXPONENT, LEGACY_PRICE, LEGACY_CONF, LEGACY_STATUS] = [73, 81, 89, 20, 208, 216, 224];
    const btcFull = fixture("btc_pull_full");
    const btcPartial = fixture("btc_pull_partial");
    const btcLegacy = fixture("btc_legacy_trading");
    const expoMax = fixture("legacy_expo_max");
    const expoMin = fixture("pull_expo_min");

    it("reads both formats", () => {
      expect(read(btcFull, pull)).to.deep.equal(BTC);
      expect(read(btcLegacy, legacy)).to.deep.equal(BTC);
      expect(read(fixture("eth_pull_full"), spec(OracleSource.PythPull, ETH_FEED), { now: T + 30n })).to.deep.equal({
        price: 3_456_789_012n,
        conf: 1_234_568n,
        publishTime: T + 30n,
      });
      expect(read(btcLegacy, spec(OracleSource.PythLegacy, ETH_FEED))).to.deep.equal(BTC);
    });
    it("account checks come first", () => {
      fails(() => read(btcFull, pull, { address: OTHER }), "OracleWrongAccount");
      fails(() => read(btcFull, pull, { address: OTHER, owner: OTHER }), "OracleWrongAccount");
      fails(() => read(btcFull, pull, { owner: OTHER }), "OracleWrongOwner");
      fails(() => read(btcFull, pull, { owner: PYTH_LEGACY_PROGRAM_ID_MAINNET }), "OracleWrongOwner");
      fails(() => read(btcLegacy, legacy, { owner: PYTH_RECEIVER_PROGRAM_ID }), "OracleWrongOwner");
      fails(() => read(new Uint8Array(), pull, { owner: OTHER }), "OracleWrongOwner");
    });
    it("pull: malformed data", () => {
      const bad = [
        patch(btcFull, 0, (b) => (b[0] = 0x23)),
        patch(btcFull, 7, (b) => (b[0] = 0)),
        patch(btcFull, 40, (b) => (b[0] = 2)),
        new Uint8Array(),
        btcFull.subarray(0, 7),
        btcFull.subarray(0, 40),
        btcFull.subarray(0, 132),
        btcPartial.subarray(0, 133),
        btcLegacy,
      ];
      for (const d of bad) fails(() => read(d, pull), "OracleInvalidData");
      expect(read(btcFull.subarray(0, 133), pull)).to.deep.equal(BTC);
      expect(read(Buffer.concat([btcFull, Buffer.alloc(16, 9)]), pull)).to.deep.equal(BTC);
    });
    it("pull: verification, then feed id", () => {
      fails(() => read(btcPartial, pull), "OracleUnverified");
      fails(() => read(btcPartial, spec(OracleSource.PythPull, ETH_FEED)), "OracleUnverified");
      fails(() => read(fixture("eth_pull_full"), pull), "OracleFeedMismatch");
      fails(() => read(btcFull, spec(OracleSource.PythPull, ETH_FEED)), "OracleFeedMismatch");
    });
    it("legacy: malformed data and status", () => {
      const bad = [u32(btcLegacy, 0, 0xa1b2c3d5), u32(btcLegacy, 4, 1), u32(btcLegacy, 8, 2), btcLegacy.subarray(0, 239), new Uint8Array(), btcFull];
      for (const d of bad) fails(() => read(d, legacy), "OracleInvalidData");
      expect(read(btcLegacy.subarray(0, 240), legacy)).to.deep.equal(BTC);
      fails(() => read(fixture("legacy_halted"), legacy), "OracleNotTrading");
      for (const s of [0, 2, 3, 4, 257, 0xffffffff]) fails(() => read(u32(btcLegacy, LEGACY_STATUS, s), legacy), "OracleNotTrading");
      fails(() => read(u32(fixture("legacy_halted"), 4, 3), legacy), "OracleInvalidData");
    });
    it("non-positive prices", () => {
      fails(() => read(fixture("pull_negative_price"), pull), "OracleNonPositivePrice");
      fails(() => read(i64(btcFull, PULL_PRICE, 0n), pull), "OracleNonPositivePrice");
      fails(() => read(i64(btcLegacy, LEGACY_PRICE, -(1n << 63n)), legacy), "OracleNonPositivePrice");
      fails(() => read(i32(fixture("pull_negative_price"), PULL_EXPONENT, 100), pull), "OracleNonPositivePrice");
    });
    it("exponent extremes and overflow", () => {
      expect(read(expoMin, pull)).to.deep.equal({ price: 1_000_000n, conf: 1n, publishTime: T });
      expect(read(expoMax, legacy)).to.deep.equal({ price: MAX_PRICE, conf: 0n, publishTime: T });
      fails(() => read(i64(expoMax, LEGACY_PRICE, 11n), legacy), "OracleOutOfRange");
      for (const e of [MIN_EXPONENT - 1, MAX_EXPONENT + 1, -(2 ** 31), 2 ** 31 - 1]) {
        fails(() => read(i32(btcFull, PULL_EXPONENT, e), pull), "OracleOutOfRange");
        fails(() => read(i32(btcLegacy, LEGACY_EXPONENT, e), legacy), "OracleOutOfRange");
      }
      fails(() => read(i64(expoMax, LEGACY_PRICE, (1n << 63n) - 1n), legacy), "OracleOutOfRange");
      fails(() => read(i64(expoMin, PULL_PRICE, 999_999_999_999n), pull), "OracleOutOfRange");
      fails(() => read(u64(expoMax, LEGACY_CONF, (1n << 64n) - 1n), legacy), "OracleOutOfRange");
    });
    it("staleness boundaries", () => {
      expect(read(btcFull, pull, { now: T + 60n })).to.deep.equal(BTC);
      fails(() => read(btcFull, pull, { now: T + 61n }), "OracleStale");
      expect(read(btcFull, pull, { now: T - 3600n })).to.deep.equal(BTC);
      expect(read(btcFull, pull, { now: -(1n << 63n) })).to.deep.equal(BTC);
      fails(() => read(btcFull, pull, { now: (1n << 63n) - 1n }), "OracleStale");
      expect(read(btcLegacy, legacy, { now: T + 60n })).to.deep.equal(BTC);
      fails(() => read(btcLegacy, legacy, { now: T + 61n }), "OracleStale");
      fails(() => read(btcPartial, pull, { now: T + 61n }), "OracleUnverified");
    });
    it("confidence at the cap and one unit over", () => {
      const base = i64(btcFull, PULL_PRICE, 10_000_000_000n);
      expect(read(u64(base, PULL_CONF, 100_000_000n), pull)).to.deep.equal({ price: 100_000_000n, conf: 1_000_000n, publishTime: T });
      fails(() => read(u64(base, PULL_CONF, 100_000_001n), pull), "OracleConfidenceTooWide");
      fails(() => read(u64(base, PULL_CONF, ((1n << 64n) - 1n) / 100n), pull, { now: T + 61n }), "OracleStale");
    });
    it("errors carry the program's names", () => {
      const e = (() => {
        try {
          read(btcFull, pull, { now: T + 61n });
        } catch (x) {
          return x;
        }
      })();
      expect(e).to.be.instanceOf(OracleError);
      expect((e as OracleError).name).to.equal("OracleStale");
      expect((e as OracleError).code).to.equal("OracleStale");
    });
  });

  // Needs the native localnet's test-only setAccount (PM_LOCALNET=1, set by scripts/test-ts.js).
  (process.env.PM_LOCALNET === "1" ? describe : describe.skip)("on the localnet: setPythAccount + fetchOraclePrice", () => {
    const LIMITS: OracleLimits = { maxAgeSecs: 60, maxConfPpm: 10_000 };
    const BTC: OraclePrice = { price: 65_123_456_789n, conf: 23_456_790n, publishTime: T };
    it("puts both formats on the node and reads them back like the program", async () => {
      const connection = new Connection(process.env.ANCHOR_PROVIDER_URL ?? "http://127.0.0.1:8899", "confirmed");
      const cases: [string, OracleSource, PublicKey][] = [
        ["btc_pull_full", OracleSource.PythPull, PYTH_RECEIVER_PROGRAM_ID],
        ["btc_legacy_trading", OracleSource.PythLegacy, PYTH_LEGACY_PROGRAM_ID_MAINNET],
      ];
      for (const [name, source, owner] of cases) {
        const address = Keypair.generate().publicKey;
        const data = fixture(name);
        await setPythAccount(connection, address, { owner, data });
        const info = await connection.getAccountInfo(address);
        expect(info?.owner.toBase58()).to.equal(owner.toBase58());
        expect(info?.data.equals(data)).to.equal(true);
        expect(info?.lamports).to.equal(await connection.getMinimumBalanceForRentExemption(data.length));
        const spec: OracleSpec = { source, address, feedId: BTC_FEED, ownerProgram: owner };
        expect(await fetchOraclePrice(connection, spec, LIMITS, T + 60n)).to.deep.equal(BTC);
        const stale = await fetchOraclePrice(connection, spec, LIMITS, T + 61n).catch((e) => e);
        expect(stale).to.be.instanceOf(OracleError).and.to.have.property("name", "OracleStale");
      }
      const missing = { source: OracleSource.PythPull, address: Keypair.generate().publicKey, feedId: BTC_FEED, ownerProgram: PYTH_RECEIVER_PROGRAM_ID };
      const err = await fetchOraclePrice(connection, missing, LIMITS, T).catch((e) => e);
      expect(err).to.be.instanceOf(OracleError).and.to.have.property("name", "OracleWrongOwner");
    });
  });
});
