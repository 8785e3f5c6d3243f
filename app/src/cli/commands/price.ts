// `pm price`: Black-76 value and greeks of one option contract (the risk engine's fixed-point
// pricer, bit-exact with the on-chain program).
import { Command, InvalidArgumentError, Option } from "commander";
import { black76, ONE, RiskError } from "../../risk";

const Q = Number(ONE);

function positive(name: string, max?: number) {
  return (v: string): number => {
    const x = Number(v);
    if (v.trim() === "" || !Number.isFinite(x) || x <= 0) throw new InvalidArgumentError(`${name} must be a positive number.`);
    if (max !== undefined && x > max) throw new InvalidArgumentError(`${name} must be at most ${max}.`);
    return x;
  };
}
function finite(name: string) {
  return (v: string): number => {
    const x = Number(v);
    if (v.trim() === "" || !Number.isFinite(x)) throw new InvalidArgumentError(`${name} must be a number.`);
    return x;
  };
}

export function priceOption(type: "call" | "put", forward: number, strike: number, vol: number, years: number, discount = 1) {
  const e6 = (x: number) => BigInt(Math.round(x * 1e6));
  const q = (x: number) => BigInt(Math.round(x * Q));
  const g = black76(type, e6(forward), e6(strike), q(vol), q(years), q(discount));
  return {
    type, forward, strike, vol, years, discount,
    value: Number(g.value) / 1e6,
    delta: Number(g.delta) / Q,
    gamma: Number(g.gamma) / Q,
    vega: Number(g.vega) / Q,
    theta: Number(g.theta) / Q,
    thetaPerDay: Number(g.theta) / Q / 365,
    units: { value: "quote (USD) per 1 unit, rounded down to 1e-6", gamma: "per 1 USD of forward", vega: "USD per 1.00 (100 vol points)", theta: "USD per year (thetaPerDay: per day)" },
  };
}

export function register(program: Command): void {
  program
    .command("price")
    .description("Black-76 value and greeks of a European option on a forward (fixed-point engine)")
    .addOption(new Option("--type <type>", "call or put").choices(["call", "put"]).makeOptionMandatory())
    .requiredOption("--forward <F>", "forward price (USD)", positive("--forward", 1e7))
    .requiredOption("--strike <K>", "strike (USD)", positive("--strike", 1e7))
    .requiredOption("--vol <V>", "implied vol as a fraction (0.5 = 50%)", positive("--vol", 20))
    .requiredOption("--years <T>", "time to expiry in years (<= 0: expired, intrinsic value)", finite("--years"))
    .option("--discount <D>", "discount factor in (0, 1]", positive("--discount", 1), 1)
    .action((opts, cmd: Command) => {
      const json = !!cmd.optsWithGlobals().json;
      try {
        if (opts.years > 10) throw new InvalidArgumentError("--years must be at most 10.");
        const r = priceOption(opts.type, opts.forward, opts.strike, opts.vol, opts.years, opts.discount);
        if (json) {
          console.log(JSON.stringify(r, null, 2));
          return;
        }
        const rows: [string, string][] = [
          ["value", `${r.value.toFixed(6)} USD`],
          ["delta", r.delta.toFixed(8)],
          ["gamma", `${r.gamma.toExponential(8)} per USD`],
          ["vega", `${r.vega.toFixed(6)} USD per 1.00 vol (${(r.vega / 100).toFixed(6)} per vol point)`],
          ["theta", `${r.theta.toFixed(6)} USD per year (${r.thetaPerDay.toFixed(6)} per day)`],
        ];
        console.log(`${opts.type} F=${opts.forward} K=${opts.strike} vol=${opts.vol} T=${opts.years}y D=${opts.discount}`);
        for (const [k, v] of rows) console.log(`  ${(k + ":").padEnd(8)}${v}`);
      } catch (e) {
        const msg = e instanceof RiskError ? `pricing failed: ${e.code}` : (e as Error).message;
        if (json) console.log(JSON.stringify({ error: msg }));
        else console.error(`error: ${msg}`);
        process.exit(1);
      }
    });
}
