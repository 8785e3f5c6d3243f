// Portfolio files for the margin calculator (`pm margin --portfolio FILE`): parse + validate (errors
// name the field), convert to engine inputs, evaluate, and present (tables / JSON numbers in USD).
// Schema and defaults: README "Margin calculator".
import { MarketPrep, MarketState, MAX_SLICES, SCENARIOS, VolSlice } from "./grid";
import { Collateral, evaluate, Kind, MarginResult, MAX_COLLATERALS, MAX_MARKETS, MAX_POSITIONS, Position, QUOTE } from "./margin";
import {
  DEFAULT_GLOBAL, DEFAULT_HAIRCUT_IM_PPM, DEFAULT_HAIRCUT_MM_PPM, defaultMarketParams, defaultRangePpm, GlobalParams, MarketParams,
  MAX_HAIRCUT_PPM, tailMoves, validateGlobalParams, validateMarketParams,
} from "./params";
import { RiskError } from "./wide";

export class PortfolioError extends Error {}

/** Friendly (fraction / days) names of the MarketParams fields: the field's key without "Ppm". */
export const PARAM_KEYS: { key: string; field: keyof MarketParams; scale: number }[] = (Object.keys(defaultMarketParams()) as (keyof MarketParams)[])
  .filter((k) => !k.startsWith("tailMove"))
  .map((field) => ({ key: field.replace(/Ppm$/, ""), field, scale: field === "volRefDays" ? 1 : 1e6 }));
const GLOBAL_KEYS: { key: string; field: keyof GlobalParams }[] = (Object.keys(DEFAULT_GLOBAL) as (keyof GlobalParams)[]).map((field) => ({ key: field.replace(/Ppm$/, ""), field }));
/** A parameter's friendly key from its engine name (as RiskError.param carries it). */
const friendlyKey = (name: string): string => {
  const m = /^tail_move_(\d)_ppm$/.exec(name);
  if (m) return `tailMoves[${Number(m[1]) - 1}]`;
  return name.replace(/_ppm$/, "").replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
};

export interface Parsed {
  now: bigint;
  nowIso: string;
  global: GlobalParams;
  markets: MarketState[];
  symbols: string[];
  expiries: string[][];
  positions: Position[];
  collateral: Collateral[];
}

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);

function num(x: unknown, field: string, opts: { min?: number; max?: number; gt?: number } = {}): number {
  if (typeof x !== "number" || !Number.isFinite(x)) throw new PortfolioError(`${field}: expected a number, got ${JSON.stringify(x)}`);
  if (opts.min !== undefined && x < opts.min) throw new PortfolioError(`${field}: must be >= ${opts.min} (got ${x})`);
  if (opts.gt !== undefined && x <= opts.gt) throw new PortfolioError(`${field}: must be > ${opts.gt} (got ${x})`);
  if (opts.max !== undefined && x > opts.max) throw new PortfolioError(`${field}: must be <= ${opts.max} (got ${x})`);
  return x;
}
/** x * 1e6 as an exact integer (prices, sizes, amounts, ppm). */
function e6(x: number, field: string): bigint {
  const v = Math.round(x * 1e6);
  if (!Number.isSafeInteger(v)) throw new PortfolioError(`${field}: out of range (${x})`);
  return BigInt(v);
}
function time(x: unknown, field: string): { s: bigint; iso: string } {
  if (typeof x !== "string") throw new PortfolioError(`${field}: expected an ISO-8601 time string, got ${JSON.stringify(x)}`);
  const ms = Date.parse(x);
  if (Number.isNaN(ms)) throw new PortfolioError(`${field}: not an ISO-8601 time: ${JSON.stringify(x)}`);
  return { s: BigInt(Math.floor(ms / 1000)), iso: new Date(ms).toISOString() };
}
function known(o: Record<string, unknown>, keys: string[], field: string): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) throw new PortfolioError(`${field}.${k}: unknown field (expected one of ${keys.join(", ")})`);
}

export function parsePortfolio(doc: unknown): Parsed {
  if (!isObj(doc)) throw new PortfolioError("portfolio: expected a JSON object");
  known(doc, ["now", "global", "markets", "collateral", "positions", "description"], "portfolio");
  const now = time(doc.now, "now");
  const global: GlobalParams = { ...DEFAULT_GLOBAL };
  if (doc.global !== undefined) {
    if (!isObj(doc.global)) throw new PortfolioError("global: expected an object");
    const g = doc.global;
    known(g, GLOBAL_KEYS.map((k) => k.key), "global");
    for (const { key, field } of GLOBAL_KEYS) {
      if (g[key] !== undefined) global[field] = Number(e6(num(g[key], `global.${key}`), `global.${key}`));
    }
    try {
      validateGlobalParams(global);
    } catch (e) {
      if (!(e instanceof RiskError)) throw e;
      throw new PortfolioError(`global.${friendlyKey(e.param ?? "")}: out of bounds (${e.message.replace(/^risk engine error: [^:]*: /, "")})`);
    }
  }
  if (!Array.isArray(doc.markets) || doc.markets.length === 0) throw new PortfolioError("markets: expected a non-empty array");
  if (doc.markets.length > MAX_MARKETS) throw new PortfolioError(`markets: at most ${MAX_MARKETS} underlyings per account`);
  const symbols: string[] = [];
  const expiries: string[][] = [];
  const markets: MarketState[] = doc.markets.map((m: unknown, i: number) => {
    const f = `markets[${i}]`;
    if (!isObj(m)) throw new PortfolioError(`${f}: expected an object`);
    known(m, ["underlying", "spot", "conf", "vols", "basis", "volStale", "params"], f);
    if (typeof m.underlying !== "string" || !/^[A-Za-z0-9]{1,10}$/.test(m.underlying)) throw new PortfolioError(`${f}.underlying: expected a symbol like "BTC"`);
    const sym = m.underlying.toUpperCase();
    if (sym === "USDC") throw new PortfolioError(`${f}.underlying: USDC is the quote currency`);
    if (symbols.includes(sym)) throw new PortfolioError(`${f}.underlying: duplicate market ${sym}`);
    symbols.push(sym);
    const spot = e6(num(m.spot, `${f}.spot`, { gt: 0 }), `${f}.spot`);
    const conf = m.conf === undefined ? 0n : e6(num(m.conf, `${f}.conf`, { min: 0 }), `${f}.conf`);
    const params = defaultMarketParams(defaultRangePpm(sym));
    if (m.params !== undefined) {
      if (!isObj(m.params)) throw new PortfolioError(`${f}.params: expected an object`);
      known(m.params, [...PARAM_KEYS.map((p) => p.key), "tailMoves"], `${f}.params`);
      for (const p of PARAM_KEYS) {
        const v = m.params[p.key];
        if (v !== undefined) params[p.field] = Math.round(num(v, `${f}.params.${p.key}`) * p.scale);
      }
      if (m.params.tailMoves !== undefined) {
        const t = m.params.tailMoves;
        if (!Array.isArray(t) || t.length !== 4) throw new PortfolioError(`${f}.params.tailMoves: expected 4 numbers (0 disables one)`);
        const fields = ["tailMove1Ppm", "tailMove2Ppm", "tailMove3Ppm", "tailMove4Ppm"] as const;
        t.forEach((x, j) => (params[fields[j]] = Math.round(num(x, `${f}.params.tailMoves[${j}]`) * 1e6)));
      }
    }
    try {
      validateMarketParams(params);
    } catch (e) {
      if (!(e instanceof RiskError)) throw e;
      throw new PortfolioError(`${f}.params.${friendlyKey(e.param ?? "")}: out of bounds (${e.message.replace(/^risk engine error: [^:]*: /, "")})`);
    }
    if (!isObj(m.vols)) throw new PortfolioError(`${f}.vols: expected an object { "<expiry ISO>": vol | { atm, skew?, curv?, basis? } }`);
    const defBasis = m.basis === undefined ? 0 : num(m.basis, `${f}.basis`);
    const keys = Object.keys(m.vols);
    if (keys.length > MAX_SLICES) throw new PortfolioError(`${f}.vols: at most ${MAX_SLICES} expiries per market`);
    const exps: string[] = [];
    const slices: VolSlice[] = keys.map((k) => {
      const vf = `${f}.vols["${k}"]`;
      const ex = time(k, vf);
      exps.push(ex.iso);
      const v = (m.vols as Record<string, unknown>)[k];
      let atm: number, skew = 0, curv = 0, basis = defBasis;
      if (typeof v === "number") atm = num(v, vf, { gt: 0 });
      else if (isObj(v)) {
        known(v, ["atm", "skew", "curv", "basis"], vf);
        atm = num(v.atm, `${vf}.atm`, { gt: 0 });
        if (v.skew !== undefined) skew = num(v.skew, `${vf}.skew`);
        if (v.curv !== undefined) curv = num(v.curv, `${vf}.curv`);
        if (v.basis !== undefined) basis = num(v.basis, `${vf}.basis`);
      } else throw new PortfolioError(`${vf}: expected an ATM vol number or { atm, skew?, curv?, basis? }`);
      const atmPpm = e6(atm, `${vf}.atm`);
      if (atmPpm < BigInt(params.volMinPpm) || atmPpm > BigInt(params.volMaxPpm)) throw new PortfolioError(`${vf}: ATM vol ${atm} outside [${params.volMinPpm / 1e6}, ${params.volMaxPpm / 1e6}]`);
      if (Math.abs(basis) * 1e6 > params.basisMaxPpm) throw new PortfolioError(`${vf}: basis ${basis} beyond ±${params.basisMaxPpm / 1e6}`);
      if (ex.s - now.s > 10n * 31_536_000n) throw new PortfolioError(`${vf}: expiry more than 10 years ahead`);
      return { expiry: ex.s, atmPpm, skewPpm: e6(skew, `${vf}.skew`), curvPpm: e6(curv, `${vf}.curv`), basisPpm: e6(basis, `${vf}.basis`) };
    });
    expiries.push(exps);
    if (conf * 1_000_000n > spot * BigInt(params.maxConfPpm)) throw new PortfolioError(`${f}.conf: oracle confidence above ${params.maxConfPpm / 1e4}% of spot`);
    return { spot, conf, volStale: m.volStale === true, slices, params };
  });
  const collateral: Collateral[] = [];
  if (doc.collateral !== undefined) {
    if (!Array.isArray(doc.collateral)) throw new PortfolioError("collateral: expected an array");
    if (doc.collateral.length > MAX_COLLATERALS) throw new PortfolioError(`collateral: at most ${MAX_COLLATERALS} entries`);
    doc.collateral.forEach((c: unknown, i: number) => {
      const f = `collateral[${i}]`;
      if (!isObj(c)) throw new PortfolioError(`${f}: expected an object`);
      known(c, ["asset", "amount", "haircutMm", "haircutIm"], f);
      const a = typeof c.asset === "string" ? c.asset.toUpperCase() : "";
      const asset = a === "USDC" ? QUOTE : symbols.indexOf(a);
      if (asset < 0) throw new PortfolioError(`${f}.asset: expected "USDC" or one of the markets' underlyings (${symbols.join(", ")})`);
      // haircuts: the collateral's liquidation cost (fractions); none for USDC, 2% / 4% otherwise
      const haircut = (key: "haircutMm" | "haircutIm", fallback: number): number =>
        c[key] === undefined ? fallback : Number(e6(num(c[key], `${f}.${key}`, { min: 0, max: MAX_HAIRCUT_PPM / 1e6 }), `${f}.${key}`));
      const haircutMmPpm = haircut("haircutMm", asset === QUOTE ? 0 : DEFAULT_HAIRCUT_MM_PPM);
      const haircutImPpm = haircut("haircutIm", asset === QUOTE ? 0 : Math.max(DEFAULT_HAIRCUT_IM_PPM, haircutMmPpm));
      if (haircutMmPpm > haircutImPpm) throw new PortfolioError(`${f}.haircutIm: must be >= haircutMm`);
      collateral.push({ asset, haircutMmPpm, haircutImPpm, amount: e6(num(c.amount, `${f}.amount`, { min: 0 }), `${f}.amount`) });
    });
  }
  const positions: Position[] = [];
  if (doc.positions !== undefined) {
    if (!Array.isArray(doc.positions)) throw new PortfolioError("positions: expected an array");
    if (doc.positions.length > MAX_POSITIONS) throw new PortfolioError(`positions: at most ${MAX_POSITIONS} legs`);
    doc.positions.forEach((p: unknown, i: number) => {
      const f = `positions[${i}]`;
      if (!isObj(p)) throw new PortfolioError(`${f}: expected an object`);
      known(p, ["underlying", "kind", "strike", "expiry", "size", "entryPrice"], f);
      const mi = typeof p.underlying === "string" ? symbols.indexOf(p.underlying.toUpperCase()) : -1;
      if (mi < 0) throw new PortfolioError(`${f}.underlying: not one of the markets (${symbols.join(", ")})`);
      const kinds: Record<string, Kind> = { perp: Kind.Perp, future: Kind.Future, call: Kind.Call, put: Kind.Put };
      if (typeof p.kind !== "string" || !(p.kind in kinds)) throw new PortfolioError(`${f}.kind: expected "perp", "future", "call" or "put"`);
      const kind = kinds[p.kind];
      const size = e6(num(p.size, `${f}.size`), `${f}.size`);
      let slice = 0;
      let strike = 0n;
      if (kind !== Kind.Perp) {
        const ex = time(p.expiry, `${f}.expiry`);
        slice = expiries[mi].indexOf(ex.iso);
        if (slice < 0) throw new PortfolioError(`${f}.expiry: no vols entry for ${ex.iso} in market ${symbols[mi]} (add it to markets[${mi}].vols)`);
      } else if (p.expiry !== undefined) throw new PortfolioError(`${f}.expiry: a perp has no expiry`);
      if (kind === Kind.Call || kind === Kind.Put) strike = e6(num(p.strike, `${f}.strike`, { gt: 0 }), `${f}.strike`);
      else if (p.strike !== undefined) throw new PortfolioError(`${f}.strike: only options have a strike`);
      let cost = 0n;
      if (kind === Kind.Perp || kind === Kind.Future) {
        // default entry: the current mark (spot for perps, the forward for futures) -> no unrealised P&L
        if (p.entryPrice !== undefined) cost = (size * e6(num(p.entryPrice, `${f}.entryPrice`, { gt: 0 }), `${f}.entryPrice`)) / 1_000_000n;
        else cost = kind === Kind.Perp ? (size * markets[mi].spot) / 1_000_000n : -1n; // future: filled below
      } else if (p.entryPrice !== undefined) num(p.entryPrice, `${f}.entryPrice`, { min: 0 }); // informational
      positions.push({ market: mi, kind, slice, strike, size, cost });
    });
  }
  // futures without entryPrice: entry at the model forward (computed by the engine's slice prep)
  const fix = positions.filter((p) => p.kind === Kind.Future && p.cost === -1n);
  if (fix.length) {
    for (const p of fix) {
      const mp = new MarketPrep(markets[p.market]);
      const fwd = mp.ensureSlice(p.slice, now.s).forwardPx >> BigInt(mp.priceBits);
      p.cost = (p.size * fwd) / 1_000_000n;
    }
  }
  return { now: now.s, nowIso: now.iso, global, markets, symbols, expiries, positions, collateral };
}

export interface ScenarioPnl { index: number; spotShock: number; vol: "unchanged" | "up" | "down"; weight: number; pnl: number }

const VOLS = ["unchanged", "up", "down"] as const;
const usd = (x: bigint): number => Number(x) / 1e6;

export function scenarioList(pp: Parsed, mi: number, r: MarginResult): ScenarioPnl[] {
  const tails = tailMoves(pp.markets[mi].params);
  const R = r.markets[mi].rangePpm / 1e6; // widened by the oracle confidence
  const quarters = [0, 1, -1, 2, -2, 3, -3, 4, -4];
  return SCENARIOS.map(([j, v], s) => {
    const shock = j < 9 ? (quarters[j] * R) / 4 : tails[j - 9] / 1e6;
    const weight = j < 9 ? 1 : shock === 0 ? 0 : Math.min(1, R / Math.abs(shock));
    return { index: s, spotShock: shock, vol: VOLS[v], weight, pnl: usd(r.markets[mi].pnl[s]) };
  });
}

export function describeScenario(sc: ScenarioPnl): string {
  const pct = `${sc.spotShock >= 0 ? "+" : ""}${(sc.spotShock * 100).toFixed(2).replace(/\.?0+$/, "")}%`;
  return `spot ${pct}, vol ${sc.vol}${sc.weight < 1 ? ` (tail, weight ${sc.weight.toFixed(3)})` : ""}`;
}

export function marginReport(pp: Parsed, r: MarginResult) {
  const ao = (a: { mm: bigint; im: bigint }) => ({ mm: usd(a.mm), im: usd(a.im) });
  const markets = pp.symbols.map((sym, mi) => {
    const sc = scenarioList(pp, mi, r);
    const m = r.markets[mi];
    return {
      underlying: sym,
      spot: usd(pp.markets[mi].spot),
      priceRange: pp.markets[mi].params.priceRangePpm / 1e6,
      /** The range in force: widened by conf_mult x conf / spot. */
      effectiveRange: m.rangePpm / 1e6,
      worst: { ...sc[m.worstIndex], description: describeScenario(sc[m.worstIndex]) },
      contingencies: { nakedShort: ao(m.nakedShort), linearLiquidation: ao(m.linear), haircut: ao(m.haircut) },
      scenarios: sc,
    };
  });
  return {
    now: pp.nowIso,
    equity: usd(r.equity),
    im: usd(r.im),
    mm: usd(r.mm),
    excessOverIm: usd(r.equity - r.im),
    excessOverMm: usd(r.equity - r.mm),
    scanLoss: usd(r.scan.loss),
    worstScenario: pp.symbols.length === 1
      ? markets[0].worst
      : {
          index: r.scan.worstJointIndex,
          pnl: usd(r.scan.worstJointPnl),
          description: `aligned scenario #${r.scan.worstJointIndex}: ` + markets.map((m) => `${m.underlying} ${describeScenario(m.scenarios[r.scan.worstJointIndex])}`).join("; "),
        },
    contingencies: {
      scan: ao(r.scanMargin), nakedShort: ao(r.nakedShort), linearLiquidation: ao(r.linear), collateralHaircut: ao(r.haircut),
      staleVol: ao(r.staleVol), imFloor: { mm: 0, im: usd(r.imFloor) },
    },
    correlationCredit: { separate: usd(r.scan.lossSeparate), joint: usd(r.scan.lossJoint), creditPpm: pp.global.corrCreditPpm },
    markets,
    raw: { equity: r.equity.toString(), im: r.im.toString(), mm: r.mm.toString(), unit: "USDC 1e-6" },
  };
}

export function evaluatePortfolio(pp: Parsed): MarginResult {
  try {
    return evaluate({ global: pp.global, markets: pp.markets, positions: pp.positions, collateral: pp.collateral, now: pp.now });
  } catch (e) {
    if (e instanceof RiskError) throw new PortfolioError(`risk engine rejected the portfolio: ${e.message.replace(/^risk engine error: /, "")}`);
    throw e;
  }
}

const fmt = (x: number): string => x.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** Readable report: summary, contingencies, and per underlying the risk matrix (spot x vol). */
export function formatReport(rep: ReturnType<typeof marginReport>): string[] {
  const out: string[] = [];
  const row = (k: string, v: string) => out.push(`  ${k.padEnd(26)}${v.padStart(18)}`);
  out.push(`Portfolio margin at ${rep.now} (USD)`);
  row("equity", fmt(rep.equity));
  row("initial margin (IM)", fmt(rep.im));
  row("maintenance margin (MM)", fmt(rep.mm));
  row("excess over IM", fmt(rep.excessOverIm));
  row("excess over MM", fmt(rep.excessOverMm));
  out.push(`  worst scenario: ${"description" in rep.worstScenario ? rep.worstScenario.description : ""}  P&L ${fmt(rep.worstScenario.pnl)}`);
  out.push("");
  out.push(`  ${"component".padEnd(26)}${"MM".padStart(18)}${"IM".padStart(18)}`);
  const c = rep.contingencies;
  for (const [k, v] of [
    ["scanning risk", c.scan], ["uncovered short options", c.nakedShort], ["linear liquidation cost", c.linearLiquidation],
    ["collateral liquidation cost", c.collateralHaircut], ["stale vol", c.staleVol], ["IM floor (1.1 x MM)", c.imFloor],
  ] as [string, { mm: number; im: number }][]) {
    out.push(`  ${k.padEnd(26)}${fmt(v.mm).padStart(18)}${fmt(v.im).padStart(18)}`);
  }
  out.push(`  ${"total".padEnd(26)}${fmt(rep.mm).padStart(18)}${fmt(rep.im).padStart(18)}`);
  for (const m of rep.markets) {
    out.push("");
    out.push(`Risk matrix ${m.underlying} (spot ${fmt(m.spot)}, range ±${(m.effectiveRange * 100).toFixed(2)}%): P&L in USD`);
    const grid = m.scenarios.filter((s) => s.weight === 1 || s.index < 23);
    const shocks = [...new Set(grid.filter((s) => s.index < 23).map((s) => s.spotShock))].sort((a, b) => a - b);
    const pct = (x: number) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)}%`;
    out.push(`  ${"vol \\ spot".padEnd(10)}${shocks.map((s) => pct(s).padStart(14)).join("")}`);
    for (const v of ["up", "unchanged", "down"] as const) {
      const cells = shocks.map((sh) => {
        const sc = m.scenarios.find((s) => s.index < 23 && s.spotShock === sh && s.vol === v);
        return (sc ? fmt(sc.pnl) : "-").padStart(14);
      });
      out.push(`  ${v.padEnd(10)}${cells.join("")}`);
    }
    const tails = m.scenarios.filter((s) => s.index >= 23 && s.weight > 0);
    if (tails.length) out.push(`  tails (vol up, weighted): ${tails.map((t) => `${pct(t.spotShock)} x${t.weight.toFixed(3)} = ${fmt(t.pnl)}`).join("; ")}`);
    out.push(`  worst: ${m.worst.description}: ${fmt(m.worst.pnl)}`);
  }
  return out;
}
