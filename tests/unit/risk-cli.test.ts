// Margin calculator and pricer (pm margin / pm price): behaviour against independent references.
import { expect } from "chai";
import { Command } from "commander";
import fs from "fs";
import path from "path";
import * as priceCmd from "../../app/src/cli/commands/price";
import * as marginCmd from "../../app/src/cli/commands/margin";
import { evaluatePortfolio, marginReport, parsePortfolio, PortfolioError } from "../../app/src/risk/portfolio";

const EX = path.resolve(__dirname, "../../app/examples");
const load = (f: string) => JSON.parse(fs.readFileSync(path.join(EX, f), "utf8"));

// Independent f64 reference: Hart (1968) normal CDF in double precision + textbook Black-76.
function ncdf(x: number): number {
  const a = Math.abs(x);
  let t: number;
  if (a > 37) t = 0;
  else {
    const e = Math.exp((-a * a) / 2);
    if (a < 7.07106781186547) {
      const n = ((((((0.0352624965998911 * a + 0.700383064443688) * a + 6.37396220353165) * a + 33.912866078383) * a + 112.079291497871) * a + 221.213596169931) * a + 220.206867912376);
      const d = (((((((0.0883883476483184 * a + 1.75566716318264) * a + 16.064177579207) * a + 86.7807322029461) * a + 296.564248779674) * a + 637.333633378831) * a + 793.826512519948) * a + 440.413735824752);
      t = (e * n) / d;
    } else {
      let b = a + 0.65;
      b = a + 4 / b; b = a + 3 / b; b = a + 2 / b; b = a + 1 / b;
      t = e / b / 2.506628274631;
    }
  }
  return x > 0 ? 1 - t : t;
}
function b76(call: boolean, f: number, k: number, vol: number, t: number, df: number) {
  const v = vol * Math.sqrt(t);
  const d1 = Math.log(f / k) / v + v / 2;
  const d2 = d1 - v;
  const value = call ? df * (f * ncdf(d1) - k * ncdf(d2)) : df * (k * ncdf(-d2) - f * ncdf(-d1));
  const pdf = Math.exp((-d1 * d1) / 2) / Math.sqrt(2 * Math.PI);
  return { value, delta: call ? df * ncdf(d1) : -df * ncdf(-d1), gamma: (df * pdf) / (f * v), vega: df * f * pdf * Math.sqrt(t) };
}

function runCli(args: string[]): { out: string; code: number } {
  const program = new Command().name("pm").option("--json", "json output", false).exitOverride();
  priceCmd.register(program);
  marginCmd.register(program);
  const out: string[] = [];
  const log = console.log, err = console.error, exit = process.exit;
  let code = 0;
  console.log = (...a: unknown[]) => out.push(a.join(" "));
  console.error = (...a: unknown[]) => out.push(a.join(" "));
  (process as { exit: (c?: number) => never }).exit = ((c?: number) => {
    code = c ?? 0;
    throw new Error("exit");
  }) as (c?: number) => never;
  try {
    program.parse(["node", "pm", ...args]);
  } catch (e) {
    if ((e as Error).message !== "exit") {
      code = (e as { exitCode?: number }).exitCode ?? 1;
      out.push((e as Error).message);
    }
  } finally {
    console.log = log;
    console.error = err;
    process.exit = exit;
  }
  return { out: out.join("\n"), code };
}

describe("pm price", () => {
  it("--json prints value and greeks matching an independent f64 Black-76", () => {
    for (const [type, f, k, vol, t, df] of [["call", 88530, 95000, 0.43, 0.0849, 1], ["put", 2970, 2600, 0.66, 0.24, 0.99], ["put", 125, 200, 1.2, 2.5, 0.9]] as const) {
      const { out, code } = runCli(["price", "--type", type, "--forward", `${f}`, "--strike", `${k}`, "--vol", `${vol}`, "--years", `${t}`, "--discount", `${df}`, "--json"]);
      expect(code).to.equal(0);
      const j = JSON.parse(out);
      const r = b76(type === "call", f, k, vol, t, df);
      for (const key of ["value", "delta", "gamma", "vega", "theta"]) expect(j[key], key).to.be.a("number");
      expect(Math.abs(j.value - r.value)).to.be.below(1e-8 * f + 2e-6);
      expect(Math.abs(j.delta - r.delta)).to.be.below(1e-9);
      expect(Math.abs(j.gamma / r.gamma - 1)).to.be.below(1e-8);
      expect(Math.abs(j.vega / r.vega - 1)).to.be.below(1e-8);
    }
  });
  it("prints intrinsic value at expiry and rejects bad input", () => {
    const j = JSON.parse(runCli(["price", "--type", "call", "--forward", "110", "--strike", "100", "--vol", "0.5", "--years", "0", "--json"]).out);
    expect(j.value).to.equal(10);
    expect(j.vega).to.equal(0);
    const bad = runCli(["price", "--type", "call", "--forward", "-1", "--strike", "100", "--vol", "0.5", "--years", "1"]);
    expect(bad.code).to.not.equal(0);
    expect(bad.out).to.match(/--forward/);
  });
});

describe("pm margin", () => {
  for (const f of fs.readdirSync(EX).filter((x) => x.endsWith(".json"))) {
    it(`evaluates app/examples/${f} (IM >= MM >= 0, --json numbers)`, () => {
      const { out, code } = runCli(["margin", "--portfolio", path.join(EX, f), "--json"]);
      expect(code, out).to.equal(0);
      const j = JSON.parse(out);
      for (const k of ["equity", "im", "mm"]) expect(j[k], k).to.be.a("number");
      expect(j.im).to.be.at.least(j.mm);
      expect(j.mm).to.be.at.least(0);
      const text = runCli(["margin", "--portfolio", path.join(EX, f)]).out;
      expect(text).to.match(/Risk matrix/).and.match(/initial margin/);
    });
  }

  it("a 1 BTC long perp at spot needs R x notional of scan plus its add-ons", () => {
    const doc = { now: "2025-12-30T00:00:00Z", markets: [{ underlying: "BTC", spot: 100000, vols: {} }], positions: [{ underlying: "BTC", kind: "perp", size: 1 }] };
    const rep = marginReport(parsePortfolio(doc), evaluatePortfolio(parsePortfolio(doc)));
    expect(rep.equity).to.equal(0);
    expect(rep.scanLoss).to.be.closeTo(16000, 0.01);
    expect(rep.contingencies.linearLiquidation.im).to.be.closeTo(2500, 0.01);
    expect(rep.im).to.be.closeTo(16000 + 2500, 0.01);
    expect(rep.mm).to.be.closeTo(0.8 * 16000 + 1500, 0.01);
  });

  it("covered call (ITM/ATM strike) needs less than the naked call", () => {
    // OTM strikes can cross under the design's tail weights R/|move|: see the README.
    for (const strike of [80000, 85000, 88530]) {
      const doc = load("covered-call.json");
      doc.positions[1].strike = strike;
      const covered = marginReport(parsePortfolio(doc), evaluatePortfolio(parsePortfolio(doc)));
      doc.positions = doc.positions.filter((p: { kind: string }) => p.kind === "call");
      const naked = marginReport(parsePortfolio(doc), evaluatePortfolio(parsePortfolio(doc)));
      expect(covered.im, `K=${strike}`).to.be.below(naked.im);
      expect(covered.mm, `K=${strike}`).to.be.below(naked.mm);
    }
  });

  it("collateral and a covered call are charged once (spot 100,000, 29 days, vol 50%)", () => {
    const doc = (collateral: number, positions: object[]) => ({
      now: "2026-01-01T00:00:00Z",
      markets: [{ underlying: "BTC", spot: 100000, vols: { "2026-01-30T00:00:00Z": 0.5 } }],
      collateral: [{ asset: "BTC", amount: collateral }],
      positions,
    });
    const im = (d: object) => marginReport(parsePortfolio(d), evaluatePortfolio(parsePortfolio(d))).im;
    const alone = im(doc(1, []));
    expect(alone).to.be.at.most(22_000); // the 16% scan and the 4% liquidation-cost haircut, once each
    expect(im(doc(1, [{ underlying: "BTC", kind: "perp", size: -1 }]))).to.be.at.most(5_000);
    const covered = im(doc(1, [{ underlying: "BTC", kind: "call", strike: 110000, expiry: "2026-01-30T00:00:00Z", size: -1 }]));
    expect(covered).to.be.below(alone);
  });

  it("a parameter out of bounds is named, with its bound", () => {
    const d = load("covered-call.json");
    d.markets[0].params = { linearMm: 0.03, linearIm: 0.02 };
    expect(() => parsePortfolio(d)).to.throw(PortfolioError, /markets\[0\]\.params\.linearIm: out of bounds \(linear_im_ppm = 20000 is below linear_mm_ppm = 30000\)/);
    d.markets[0].params = { tailMoves: [-0.1, 0, 0, 0] };
    expect(() => parsePortfolio(d)).to.throw(PortfolioError, /params\.tailMoves\[0\]: out of bounds/);
  });

  it("bad files get a clear error naming the field", () => {
    const base = () => load("covered-call.json");
    const cases: [(d: any) => void, RegExp][] = [
      [(d) => delete d.now, /^now:/],
      [(d) => (d.markets[0].spot = "x"), /markets\[0\]\.spot: expected a number/],
      [(d) => (d.positions[1].kind = "swap"), /positions\[1\]\.kind/],
      [(d) => (d.positions[1].expiry = "2026-02-27T08:00:00Z"), /positions\[1\]\.expiry: no vols entry/],
      [(d) => (d.collateral[0].asset = "DOGE"), /collateral\[0\]\.asset/],
      [(d) => (d.markets[0].params = { priceRange: 0.9 }), /markets\[0\]\.params\.priceRange: out of bounds/],
      [(d) => (d.markets[0].vols["2026-01-30T08:00:00Z"].atm = 9), /markets\[0\]\.vols\["2026-01-30T08:00:00Z"\]: ATM vol/],
      [(d) => (d.positions[0].colour = 1), /positions\[0\]\.colour: unknown field/],
    ];
    for (const [mutate, re] of cases) {
      const d = base();
      mutate(d);
      expect(() => parsePortfolio(d)).to.throw(PortfolioError, re);
    }
    const tmp = path.join(require("os").tmpdir(), `pm-bad-${process.pid}.json`);
    fs.writeFileSync(tmp, JSON.stringify({ ...base(), markets: "BTC" }));
    const r = runCli(["margin", "--portfolio", tmp]);
    fs.unlinkSync(tmp);
    expect(r.code).to.equal(1);
    expect(r.out).to.match(/error: markets: expected a non-empty array/);
  });
});
