// Default vol source: exponentially weighted realised volatility of the oracle's own prices.
//
// The crank reads the oracle at irregular times, so returns are not equally spaced. Each return
// r over Δt seconds gives an unbiased estimate r²/Δt of the variance per second; we average them
// weighted by Δt (a return over a longer interval carries proportionally more information: the
// estimate is Σ r² / Σ Δt, the maximum-likelihood variance rate for Gaussian returns), and age the
// sums with a half-life in seconds, not in samples, so the estimate forgets at the same pace
// however often it is fed.
//
// It sets only the ATM vol. One price series says nothing about the smile's skew or curvature
// (those come from option prices) nor about the futures basis (that needs futures prices), so the
// current on-chain values are kept: a source must not invent what it cannot observe.
import { VolRequest, VolSlice, VolSource, YEAR_SECS, toPpm } from "./types";

export interface EwmaOptions {
  /** Age (seconds) at which a return's weight halves. Default 1 day. */
  halfLifeSecs?: number;
  /** Annualised vol bounds of the output (fractions). Default 15% and 500%. A floor keeps a
   * quiet or frozen feed from pricing options near zero vol; the market's own bounds still apply
   * in `planVolUpdate`. */
  floorVol?: number;
  capVol?: number;
  /** Returns needed before the source gives an opinion. Default 20. */
  minSamples?: number;
  /** Readings closer than this to the last used one are skipped (the next used reading spans the
   * whole interval, so nothing is lost): tick-level noise of the oracle would otherwise inflate
   * the estimate. Default 60 s. */
  minSpacingSecs?: number;
  /** Multiplier of the realised vol for an expiry `years` ahead (a term structure or a variance
   * premium over realised). Default 1 for every expiry. */
  termMultiplier?: (years: number) => number;
}

export interface EwmaEstimate {
  /** Annualised realised vol (fraction), before floor, cap and term multiplier. */
  vol: number;
  /** Returns used so far. */
  samples: number;
}

interface SeriesState {
  lastT: number;
  lastPrice: number;
  /** Decayed Σ r² and Σ Δt. */
  sumR2: number;
  sumDt: number;
  samples: number;
}

export class EwmaRealisedVol implements VolSource {
  readonly name = "ewma-realised";
  private readonly halfLifeSecs: number;
  private readonly floorVol: number;
  private readonly capVol: number;
  private readonly minSamples: number;
  private readonly minSpacingSecs: number;
  private readonly termMultiplier: (years: number) => number;
  private readonly series = new Map<string, SeriesState>();

  constructor(opts: EwmaOptions = {}) {
    this.halfLifeSecs = opts.halfLifeSecs ?? 86_400;
    this.floorVol = opts.floorVol ?? 0.15;
    this.capVol = opts.capVol ?? 5;
    this.minSamples = opts.minSamples ?? 20;
    this.minSpacingSecs = opts.minSpacingSecs ?? 60;
    this.termMultiplier = opts.termMultiplier ?? (() => 1);
    if (!(this.halfLifeSecs > 0)) throw new RangeError("halfLifeSecs must be > 0");
    if (!(this.floorVol > 0 && this.floorVol <= this.capVol)) throw new RangeError("need 0 < floorVol <= capVol");
    if (!(this.minSamples >= 1)) throw new RangeError("minSamples must be >= 1");
  }

  observe(symbol: string, unixSecs: number, price: number): void {
    if (!Number.isFinite(unixSecs) || !Number.isFinite(price) || price <= 0) return;
    const s = this.series.get(symbol);
    if (!s) {
      this.series.set(symbol, { lastT: unixSecs, lastPrice: price, sumR2: 0, sumDt: 0, samples: 0 });
      return;
    }
    const dt = unixSecs - s.lastT;
    // Δt = 0 is the same reading seen twice; Δt < 0 is out of order. Neither is a return.
    if (dt <= 0 || dt < this.minSpacingSecs) return;
    const r = Math.log(price / s.lastPrice);
    const decay = Math.pow(2, -dt / this.halfLifeSecs);
    s.sumR2 = s.sumR2 * decay + r * r;
    s.sumDt = s.sumDt * decay + dt;
    s.samples += 1;
    s.lastT = unixSecs;
    s.lastPrice = price;
  }

  /** The current estimate for `symbol`, or null before the first return. */
  estimate(symbol: string): EwmaEstimate | null {
    const s = this.series.get(symbol);
    if (!s || s.samples === 0 || s.sumDt <= 0) return null;
    return { vol: Math.sqrt((s.sumR2 / s.sumDt) * YEAR_SECS), samples: s.samples };
  }

  slices(req: VolRequest): VolSlice[] | null {
    const est = this.estimate(req.symbol);
    if (!est || est.samples < this.minSamples) return null;
    return req.expiries.map((expiry, i) => {
      const years = Math.max(expiry - req.now, 0) / YEAR_SECS;
      const atm = Math.min(Math.max(est.vol * this.termMultiplier(years), this.floorVol), this.capVol);
      const cur = req.current[i];
      return {
        atmPpm: toPpm(atm),
        skewPpm: cur?.skewPpm ?? 0n,
        curvPpm: cur?.curvPpm ?? 0n,
        basisPpm: cur?.basisPpm ?? 0n,
      };
    });
  }
}
