import { units6 } from "../format";
import type { PositionRow } from "../sdk/positions";
import { Money } from "./Money";
import { GridHead } from "./GridHead";

export function PositionsTable({ rows }: { rows: PositionRow[] }) {
  if (!rows.length) return <p className="muted">No open positions.</p>;
  return (
    <table className="grid" data-testid="positions">
      <GridHead rows="instrument" numbers={["size", "mark", "cost basis", "P&L"]} />
      <tbody>
        {rows.map((p) => (
          <tr key={`${p.marketIndex}:${p.instrumentIndex}`} data-testid="position" data-market={p.marketIndex} data-instrument={p.instrumentIndex} data-size={p.size.toString()}>
            <td>{p.label}</td>
            <td className="num">{units6(p.size)}</td>
            <td className="num">{p.settled ? "settled" : p.mark === null ? "-" : <Money value={p.mark} />}</td>
            <td className="num">
              <Money value={p.costBasis} />
            </td>
            <td className="num">{p.pnl === null ? "-" : <Money value={p.pnl} signed />}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
