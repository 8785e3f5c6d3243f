// The window's hourly bars as the replay reads them: the price at a time on the hour is the close
// of the bar that ends then (bars are stamped with their open time), the hour's low is that bar's
// low. A missing bar (an exchange outage) repeats the last close: the oracle keeps publishing the
// last price it has, nothing is interpolated.
import { Bar, loadWindow, Underlying, WindowName, windows } from "../data/prices";

export interface PriceTrack {
  symbol: Underlying;
  venue: string;
  /** Bars by open time. */
  bars: Map<number, Bar>;
  /** Bars in time order. */
  list: Bar[];
}

export function loadTracks(window: WindowName, dataDir: string): PriceTrack[] {
  const w = windows[window];
  return (Object.keys(w.series) as Underlying[]).map((symbol) => {
    const list = loadWindow(window, symbol, { dataDir });
    if (list.length === 0) throw new Error(`no ${symbol} prices for ${window} in ${dataDir}`);
    return { symbol, venue: w.series[symbol]!.segments[0].venue, bars: new Map(list.map((b) => [b.t, b])), list };
  });
}

/** The price at `t` (unix seconds on the hour): the close of the bar [t - 1h, t), else the last close before. */
export function priceAt(track: PriceTrack, t: number): number {
  const b = track.bars.get(t - 3600);
  if (b) return b.close;
  let last: Bar | undefined;
  for (const x of track.list) {
    if (x.t >= t - 3600) break;
    last = x;
  }
  if (!last) throw new Error(`no ${track.symbol} price at or before ${new Date(t * 1000).toISOString()}`);
  return last.close;
}

/** The low of the hour ending at `t` (null when the bar is missing or has no low). */
export function lowOf(track: PriceTrack, t: number): number | null {
  const b = track.bars.get(t - 3600);
  return b && b.low !== undefined && b.low > 0 ? b.low : null;
}
