// The margin backtest over one price series: at each start time, build every strategy on the market
// of that time, margin it with the engine (MM, IM, per-leg IM), and check whether the loss over each
// horizon (value now minus value at the bar `horizon` seconds later, repriced at the new spot and
// vol with time advanced) stayed within the MM held at the start.
import { RiskArrayCache } from "../../../app/src/risk";
import { Bar } from "../data/prices";
import { marginOf, perLegIm, Strategy } from "../strategies";
import { DEFAULT_MARKET, listMarket, MarketConfig, moveMarket, price } from "./market";
import { Marks } from "./marks";
import { DEFAULT_EWMA, EwmaConfig, ewmaVols } from "./vol";

export interface RunConfig {
  /** Market symbol: picks the engine's default parameters (price range) for it. */
  symbol: string;
  /** USD notional (1e6) of each strategy. */
  notional: bigint;
  /** Loss horizons, seconds. A start without a bar exactly that much later is skipped for that horizon. */
  horizons: number[];
  /** A start every `stride` bars. */
  stride: number;
  /** No start in the first `warmupSecs` of the series (the vol estimate's warm-up: it must span
   * the EWMA's seed returns, which would otherwise look ahead), nor outside [startFrom, startTo). */
  warmupSecs: number;
  startFrom?: number;
  startTo?: number;
  /** Per-leg IM (capital efficiency) at every `perLegEvery`-th start only: it is a median, not a tail. */
  perLegEvery: number;
  ewma: EwmaConfig;
  market: MarketConfig;
}

export const defaultRunConfig = (symbol: string): RunConfig => ({
  symbol, notional: 100_000_000_000n, horizons: [3_600, 86_400], stride: 1, warmupSecs: 30 * 86_400, perLegEvery: 1, ewma: DEFAULT_EWMA, market: DEFAULT_MARKET,
});

/** A loss beyond the MM held at the start. Money in USD. */
export interface Breach { t: number; horizon: number; loss: number; mm: number; spot: number; spotAfter: number; vol: number; volAfter: number }

export interface HorizonStats {
  horizon: number;
  windows: number;
  covered: number;
  /** Largest loss / MM over the windows (a gain counts negative), and when it started. */
  worstLossOverMm: number;
  worstT: number;
  breaches: Breach[];
}

export interface StrategyRun {
  strategy: string;
  symbol: string;
  horizons: HorizonStats[];
  /** Portfolio IM / per-leg IM at the sampled starts. */
  imRatios: number[];
  /** MM and IM as fractions of the notional, per start. */
  mmOverNotional: number[];
  imOverNotional: number[];
}

const usd = (x: bigint): number => Number(x) / 1e6;

export function runBacktest(bars: Bar[], strategies: Strategy[], cfg: RunConfig): StrategyRun[] {
  const vols = ewmaVols(bars, cfg.ewma);
  const index = new Map<number, number>(bars.map((b, i) => [b.t, i]));
  const runs: StrategyRun[] = strategies.map((s) => ({
    strategy: s.name, symbol: cfg.symbol, imRatios: [], mmOverNotional: [], imOverNotional: [],
    horizons: cfg.horizons.map((horizon) => ({ horizon, windows: 0, covered: 0, worstLossOverMm: -Infinity, worstT: 0, breaches: [] })),
  }));
  if (bars.length === 0) return runs;
  const first = Math.max(bars[0].t + cfg.warmupSecs, cfg.startFrom ?? -Infinity);
  const end = cfg.startTo ?? Infinity;
  const notional = usd(cfg.notional);
  let starts = 0;
  for (let i = 0; i < bars.length; i += cfg.stride) {
    const bar = bars[i];
    if (bar.t < first) continue;
    if (bar.t >= end) break;
    const now = BigInt(bar.t);
    const { market, listing } = listMarket(cfg.symbol, price(bar.close), vols[i], now, cfg.market);
    const cache = new RiskArrayCache([market], now);
    const marksNow = new Marks(market, now);
    // the same market (expiries fixed) moved to each horizon's bar, if that bar exists
    const later = cfg.horizons.map((h) => {
      const j = index.get(bar.t + h);
      return j === undefined ? undefined : { j, marks: new Marks(moveMarket(market, price(bars[j].close), vols[j]), BigInt(bars[j].t)) };
    });
    const sampleLegs = starts % cfg.perLegEvery === 0;
    starts++;
    strategies.forEach((s, si) => {
      const run = runs[si];
      const plan = s.build(listing, cfg.notional);
      const r = marginOf(plan, market, now, { cache });
      run.mmOverNotional.push(usd(r.mm) / notional);
      run.imOverNotional.push(usd(r.im) / notional);
      if (sampleLegs) run.imRatios.push(Number(r.im) / Number(perLegIm(plan, market, now, { cache })));
      const v0 = marksNow.value(plan);
      later.forEach((l, hi) => {
        if (!l) return;
        const st = run.horizons[hi];
        const loss = v0 - l.marks.value(plan);
        st.windows++;
        if (loss <= r.mm) st.covered++;
        else st.breaches.push({ t: bar.t, horizon: st.horizon, loss: usd(loss), mm: usd(r.mm), spot: bar.close, spotAfter: bars[l.j].close, vol: vols[i], volAfter: vols[l.j] });
        const ratio = Number(loss) / Number(r.mm);
        if (ratio > st.worstLossOverMm) [st.worstLossOverMm, st.worstT] = [ratio, bar.t];
      });
    });
  }
  return runs;
}
