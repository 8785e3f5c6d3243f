// Deribit-format option chains (CSV) as plain quotes. Two exports exist, told apart by header:
// - "instrument" format (Deribit's get_book_summary / ticker fields): expiration_timestamp,
//   underlying_price (the expiry's forward), index_price, mark_iv in percent;
// - "analytics" format: expiry_datetime, futures_price (forward), index_price,
//   implied_volatility as a fraction, currency.
import { parseCsvRecords } from "./csv";
import { YEAR_SECS } from "./types";

export interface ChainQuote {
  /** Underlying currency ("BTC"). */
  currency: string;
  instrument: string;
  /** When the quote was taken, unix seconds. */
  snapshot: number;
  /** Unix seconds. */
  expiry: number;
  strike: number;
  optionType: "call" | "put";
  /** The expiry's forward (the option's underlying future). */
  forward: number;
  /** The spot index. */
  index: number;
  /** Implied vol as a fraction (0.65 = 65%); NaN when the row has none. */
  iv: number;
}

interface ChainFormat {
  name: string;
  expiry: string;
  forward: string[];
  iv: string;
  /** Multiplier taking the file's IV to a fraction. */
  ivScale: number;
}

const FORMATS: ChainFormat[] = [
  { name: "instrument", expiry: "expiration_timestamp", forward: ["underlying_price"], iv: "mark_iv", ivScale: 0.01 },
  { name: "analytics", expiry: "expiry_datetime", forward: ["futures_price", "underlying"], iv: "implied_volatility", ivScale: 1 },
];

/** Unix seconds from an ISO date or an epoch number (seconds or, when large, milliseconds). */
export function parseTime(s: string): number {
  if (/^\d+(\.\d+)?$/.test(s)) {
    const n = Number(s);
    return n > 1e11 ? n / 1000 : n;
  }
  const ms = Date.parse(s);
  return Number.isFinite(ms) ? ms / 1000 : NaN;
}

/** Which of the known formats a header is, or null. */
export function chainFormat(header: string[]): string | null {
  return detect(header)?.name ?? null;
}

function detect(header: string[]): ChainFormat | null {
  const has = (h: string) => header.includes(h);
  return (
    FORMATS.find((f) => has(f.expiry) && has(f.iv) && f.forward.some(has) && has("strike") && has("index_price")) ?? null
  );
}

/** Every row of a chain file as a quote (rows with unreadable numbers keep NaN there; the fit
 * drops them). Throws on an unknown header. */
export function parseDeribitChain(text: string): ChainQuote[] {
  const { header, records } = parseCsvRecords(text);
  const f = detect(header);
  if (!f) throw new Error(`unknown option chain format; header: ${header.join(",")}`);
  const forwardCol = f.forward.find((c) => header.includes(c))!;
  const num = (s: string | undefined) => (s === undefined || s === "" ? NaN : Number(s));
  return records.map((r) => {
    const instrument = r.instrument_name ?? "";
    const expiry = parseTime(r[f.expiry]);
    // The snapshot time: the row's timestamp, else back from time to maturity (years).
    let snapshot = r.timestamp !== undefined ? parseTime(r.timestamp) : NaN;
    if (!Number.isFinite(snapshot) && r.time_to_maturity) snapshot = expiry - num(r.time_to_maturity) * YEAR_SECS;
    const type = (r.option_type ?? "").toLowerCase();
    return {
      currency: (r.currency || instrument.split("-")[0] || "").toUpperCase(),
      instrument,
      snapshot,
      expiry,
      strike: num(r.strike),
      optionType: type.startsWith("p") || /-P$/.test(instrument) ? "put" : "call",
      forward: num(r[forwardCol]),
      index: num(r.index_price),
      iv: num(r[f.iv]) * f.ivScale,
    };
  });
}
