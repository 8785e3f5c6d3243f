// Bit-exact mirror of crates/risk-engine/src/math.rs.
import { ONE, RiskError, bitLength, div, mul } from "./wide";

export const LN2 = 195_103_586_505_167n;
export const LN2_LO = 7_973_834n;
export const SQRT2 = 398_065_729_532_861n;
export const INV_SQRT2PI = 112_292_269_084_889n;
export const SQRT2PI = 705_553_135_224_033n;

export const kLn2 = (k: bigint): bigint => k * LN2 + ((k * LN2_LO) >> 24n);

function norm(x: bigint, k: bigint): bigint {
  return k >= 48n ? x >> (k - 48n) : x << (48n - k);
}

export function lnU64(x: bigint): bigint {
  if (x <= 0n) throw new RiskError("Domain");
  let k = BigInt(bitLength(x) - 1);
  let m = norm(x, k);
  if (m >= SQRT2) {
    k += 1n;
    m = norm(x, k);
  }
  const s = div(m - ONE, m + ONE);
  const s2 = mul(s, s);
  let p = ONE / 21n;
  for (let i = 9n; i >= 0n; i--) p = ONE / (2n * i + 1n) + mul(s2, p);
  return kLn2(k) + 2n * mul(s, p);
}

export function lnQ(x: bigint): bigint {
  if (x <= 0n) throw new RiskError("Domain");
  return lnU64(x) - kLn2(48n);
}

function taylor(r: bigint): bigint {
  let p = ONE;
  for (let i = 13n; i >= 1n; i--) p = ONE + mul(r, p) / i;
  return p;
}
const floorDivPos = (a: bigint, b: bigint): bigint => {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
};

export function expQ(x: bigint): bigint {
  if (x < -34n * ONE) return 0n;
  if (x > 10n * ONE + 111_795_440_405_285n) throw new RiskError("Overflow");
  const k = floorDivPos(x + LN2 / 2n, LN2);
  const p = taylor(x - kLn2(k));
  if (k >= 0n) {
    const v = p << k;
    if (v > (1n << 63n) - 1n) throw new RiskError("Overflow");
    return v;
  }
  return p >> -k;
}

export function expSplit(x: bigint): [bigint, bigint] {
  if (x > 0n) throw new RiskError("Domain");
  const k = floorDivPos(x + LN2 / 2n, LN2);
  return [taylor(x - kLn2(k)), -k];
}

const HP = [9_692_881_259n, 192_519_830_813n, 1_752_061_389_447n, 9_321_897_646_098n, 30_808_121_058_701n, 60_806_730_302_746n, 60_530_002_946_448n];
const HQ = [24_296_004_000n, 482_594_115_106n, 4_415_687_509_749n, 23_854_106_031_014n, 81_518_959_978_976n, 175_188_935_168_188n, 218_205_370_238_138n, 121_060_005_892_896n];
const HART_SPLIT = 1_990_328_647_664_302n;
const TAIL_CUT = 8n * ONE + ONE / 2n;
const C065 = 182_958_734_861_926n;

function normalTail(a: bigint): bigint {
  if (a >= TAIL_CUT) return 0n;
  const e = expQ(-(mul(a, a) >> 1n));
  if (a < HART_SPLIT) {
    let n = HP[0];
    for (const c of HP.slice(1)) n = mul(n, a) + c;
    let d = HQ[0];
    for (const c of HQ.slice(1)) d = mul(d, a) + c;
    return mul(e, div(n, d));
  }
  let b = a + C065;
  b = a + div(4n * ONE, b);
  b = a + div(3n * ONE, b);
  b = a + div(2n * ONE, b);
  b = a + div(ONE, b);
  return div(e, mul(b, SQRT2PI));
}

export function ncdf(x: bigint): bigint {
  return x >= 0n ? ONE - normalTail(x) : normalTail(-x);
}

export function npdf(x: bigint): bigint {
  const a = x < 0n ? -x : x;
  if (a >= 9n * ONE) return 0n;
  return mul(expQ(-(mul(a, a) >> 1n)), INV_SQRT2PI);
}
