// Second vol source: the smile fitted to a Deribit option chain (a CSV snapshot).
//
// The chain is a snapshot: its maturities are measured from its own snapshot time, the market's
// from `now`, and the fitted term structure is applied by time to expiry (a 30-day listed expiry
// gets the chain's 30-day smile, whenever the chain was taken). That is what a replay of a past
// chain against a market listed today needs, and for a fresh chain the two clocks agree.
import { readFileSync } from "fs";
import { ChainQuote, parseDeribitChain } from "./chain";
import { FittedSlice, SmileFitOptions, fitChain, interpolateSlice } from "./smile";
import { VolRequest, VolSlice, VolSource, YEAR_SECS, toPpm } from "./types";

export interface DeribitSourceOptions {
  /** The chain's currency for a market symbol; default the symbol itself (BTC -> BTC). */
  currencyOf?: (symbol: string) => string;
  fit?: SmileFitOptions;
}

export class DeribitChainSource implements VolSource {
  readonly name = "deribit-chain";
  private readonly fitted = new Map<string, FittedSlice[]>();
  private readonly currencyOf: (symbol: string) => string;

  /** `chain`: the CSV text or its parsed quotes. */
  constructor(chain: string | ChainQuote[], opts: DeribitSourceOptions = {}) {
    const quotes = typeof chain === "string" ? parseDeribitChain(chain) : chain;
    this.currencyOf = opts.currencyOf ?? ((s) => s.toUpperCase());
    for (const f of fitChain(quotes, opts.fit)) {
      const list = this.fitted.get(f.currency) ?? [];
      list.push(f);
      this.fitted.set(f.currency, list);
    }
  }

  /** Reads a chain file (either Deribit format). */
  static fromFile(path: string, opts?: DeribitSourceOptions): DeribitChainSource {
    return new DeribitChainSource(readFileSync(path, "utf8"), opts);
  }

  /** The fitted expiries of a market's currency, by maturity (empty if the chain has none). */
  fittedFor(symbol: string): FittedSlice[] {
    return this.fitted.get(this.currencyOf(symbol)) ?? [];
  }

  slices(req: VolRequest): VolSlice[] | null {
    const fitted = this.fittedFor(req.symbol);
    if (fitted.length === 0) return null;
    return req.expiries.map((expiry) => {
      const s = interpolateSlice(fitted, Math.max(expiry - req.now, 0) / YEAR_SECS);
      return { atmPpm: toPpm(s.atm), skewPpm: toPpm(s.skew), curvPpm: toPpm(s.curv), basisPpm: toPpm(s.basis) };
    });
  }
}
