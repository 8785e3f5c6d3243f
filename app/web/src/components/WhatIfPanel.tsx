import { marketState, OracleAction, programError, snapshotPrices } from "@portfolio-margin/sdk";
import { useMemo, useState } from "react";
import { units6 } from "../format";
import type { AccountState } from "../sdk/account";
import { explain, PredictedRefusal } from "../sdk/errors";
import { instrumentLabel, marketByIndex, MarketsData } from "../sdk/markets";
import { buildMatrix } from "../sdk/matrix";
import { evaluateWhatIf, Leg } from "../sdk/whatif";
import { ErrorNotice } from "./ErrorNotice";
import { Heatmap } from "./Heatmap";
import { LegForm } from "./LegForm";
import { Money } from "./Money";
import { Panel } from "./Panel";
import { GridHead } from "./GridHead";

function Compare({ rows }: { rows: [string, string, bigint, bigint | null][] }) {
  return (
    <table className="grid compact" data-testid="whatif-compare">
      <GridHead rows="" numbers={["now", "with the legs", "change"]} />
      <tbody>
        {rows.map(([label, id, before, after]) => (
          <tr key={id}>
            <td>{label}</td>
            <td className="num">
              <Money value={before} testId={`whatif-${id}-before`} />
            </td>
            <td className="num">{after === null ? "-" : <Money value={after} testId={`whatif-${id}-after`} />}</td>
            <td className="num">{after === null ? "-" : <Money value={after - before} signed />}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function WhatIfPanel({ state, data }: { state: AccountState | null; data: MarketsData | null }) {
  const [legs, setLegs] = useState<Leg[]>([]);
  const [nextId, setNextId] = useState(1);
  const add = (l: Omit<Leg, "id">) => {
    setLegs((x) => [...x, { ...l, id: nextId }]);
    setNextId((n) => n + 1);
  };
  const outcome = useMemo(() => (state && data && legs.length ? evaluateWhatIf(state.snapshot, data, legs) : null), [state, data, legs]);
  if (!state || !data || !state.mirror) {
    return (
      <Panel id="whatif" title="What-if" wide>
        <p className="muted">{state && !state.mirror ? `The mirror could not evaluate the account: ${state.mirrorError}` : "No account loaded."}</p>
      </Panel>
    );
  }
  const before = state.mirror;
  const after = outcome?.after ?? null;
  const belowIm = after !== null && after.equity < after.im;
  return (
    <Panel id="whatif" title="What-if" wide aside={<span className="muted small" data-testid="whatif-now" data-now={state.snapshot.now.toString()}>TS mirror, before signing; fees not included</span>}>
      <LegForm data={data} submitLabel="Add leg" testId="whatif-form" onSubmit={(l) => add({ marketIndex: l.marketIndex, instrumentIndex: l.instrumentIndex, size: l.buy ? l.size : -l.size, price: l.price })} />
      <div className="legs">
        {state.positions.map((p) => (
          <button
            key={`${p.marketIndex}:${p.instrumentIndex}`}
            className="small"
            title="add a leg that closes this position at its mark"
            onClick={() => add({ marketIndex: p.marketIndex, instrumentIndex: p.instrumentIndex, size: -p.size, price: p.mark !== null && p.mark > 0n ? p.mark : 1n })}
          >
            close {p.label}
          </button>
        ))}
      </div>
      {legs.length > 0 && (
        <ul className="leg-list" data-testid="whatif-legs">
          {legs.map((l) => (
            <li key={l.id}>
              {l.size > 0n ? "buy" : "sell"} {units6(l.size < 0n ? -l.size : l.size)} {instrumentLabel(marketByIndex(data, l.marketIndex).market, l.instrumentIndex)} @ {units6(l.price)}{" "}
              <button className="small" onClick={() => setLegs((x) => x.filter((y) => y.id !== l.id))}>
                remove
              </button>
            </li>
          ))}
          <li>
            <button className="small" onClick={() => setLegs([])}>
              clear all
            </button>
          </li>
        </ul>
      )}
      <Compare
        rows={[
          ["equity", "equity", before.equity, after?.equity ?? null],
          ["initial margin (IM)", "im", before.im, after?.im ?? null],
          ["maintenance margin (MM)", "mm", before.mm, after?.mm ?? null],
          ["excess over IM", "excess", before.equity - before.im, after ? after.equity - after.im : null],
        ]}
      />
      <ErrorNotice error={outcome?.error ? explain(new PredictedRefusal(outcome.error)) : null} prefix="Not possible" />
      {belowIm && <ErrorNotice error={explain(new PredictedRefusal(programError("InsufficientMargin")))} prefix="A trade to this book would be refused" />}
      {outcome?.snapshot && after && <AfterMatrices outcome={outcome as Required<typeof outcome>} />}
    </Panel>
  );
}

function AfterMatrices({ outcome }: { outcome: NonNullable<ReturnType<typeof evaluateWhatIf>> }) {
  const s = outcome.snapshot!;
  const prices = snapshotPrices(s, OracleAction.Margin);
  return (
    <div className="cols wrap">
      {s.markets.map((m, i) => {
        const r = outcome.after!.markets[i];
        return <Heatmap key={m.marketIndex} matrix={buildMatrix(marketState(m, prices[i], s.now), r.pnl, r.worstIndex)} source="whatif" title={`${m.symbol} with the legs (mirror)`} />;
      })}
    </div>
  );
}
