// Picks an instrument, a side, a size and a price (defaulting to the model mark): a what-if leg,
// or the terms of an RFQ quote.
import { parseUiAmount } from "@portfolio-margin/sdk";
import { FormEvent, ReactNode, useEffect, useMemo, useState } from "react";
import { units6 } from "../format";
import { MarketsData, modelMark, tradeableInstruments } from "../sdk/markets";

export interface LegInput {
  marketIndex: number;
  instrumentIndex: number;
  buy: boolean;
  /** Contracts at 1e6 (> 0). */
  size: bigint;
  /** Per contract at 1e6. */
  price: bigint;
}

export function LegForm({
  data,
  submitLabel,
  sideLabels = ["buy", "sell"],
  onSubmit,
  testId,
  children,
}: {
  data: MarketsData;
  submitLabel: string;
  sideLabels?: [string, string];
  onSubmit: (leg: LegInput) => void;
  testId: string;
  children?: ReactNode;
}) {
  const [marketIndex, setMarketIndex] = useState(data.markets[0]?.marketIndex ?? 0);
  const instruments = useMemo(() => {
    const m = data.markets.find((x) => x.marketIndex === marketIndex);
    return m ? tradeableInstruments(m, data.now) : [];
  }, [data, marketIndex]);
  const [instrumentIndex, setInstrumentIndex] = useState(0);
  const [buy, setBuy] = useState(true);
  const [size, setSize] = useState("1");
  const [price, setPrice] = useState("");
  const [bad, setBad] = useState<string | null>(null);

  const mark = useMemo(() => {
    try {
      return modelMark(data, marketIndex, instrumentIndex);
    } catch {
      return null;
    }
  }, [data, marketIndex, instrumentIndex]);
  // a new instrument starts at its model mark (cents)
  useEffect(() => {
    setPrice(mark === null ? "" : units6((mark / 10_000n) * 10_000n).replace(/,/g, ""));
  }, [marketIndex, instrumentIndex]); // eslint-disable-line react-hooks/exhaustive-deps

  const submit = (e: FormEvent) => {
    e.preventDefault();
    try {
      const s = parseUiAmount(size, 6);
      const p = parseUiAmount(price, 6);
      if (s === 0n) throw new RangeError("size must be above 0");
      setBad(null);
      onSubmit({ marketIndex, instrumentIndex, buy, size: s, price: p });
    } catch (err) {
      setBad((err as Error).message);
    }
  };

  return (
    <form className="leg-form" onSubmit={submit} data-testid={testId}>
      <select aria-label="market" name="market" value={marketIndex} onChange={(e) => (setMarketIndex(Number(e.target.value)), setInstrumentIndex(0))}>
        {data.markets.map((m) => (
          <option key={m.marketIndex} value={m.marketIndex}>
            {m.symbol}
          </option>
        ))}
      </select>
      <select aria-label="instrument" name="instrument" value={instrumentIndex} onChange={(e) => setInstrumentIndex(Number(e.target.value))}>
        {instruments.map((i) => (
          <option key={i.index} value={i.index}>
            {i.label}
          </option>
        ))}
      </select>
      <select aria-label="side" name="side" value={buy ? "buy" : "sell"} onChange={(e) => setBuy(e.target.value === "buy")}>
        <option value="buy">{sideLabels[0]}</option>
        <option value="sell">{sideLabels[1]}</option>
      </select>
      <label>
        size <input name="size" value={size} onChange={(e) => setSize(e.target.value)} size={6} />
      </label>
      <label title={mark === null ? "" : `model mark ${units6(mark)}`}>
        price <input name="price" value={price} onChange={(e) => setPrice(e.target.value)} size={10} />
      </label>
      {children}
      <button type="submit">{submitLabel}</button>
      {bad && <span className="neg">{bad}</span>}
    </form>
  );
}
