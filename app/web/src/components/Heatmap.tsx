import { pct, usd } from "../format";
import { Matrix, VOL_COLUMNS } from "../sdk/matrix";

function colour(pnl: bigint, maxAbs: bigint): string {
  if (maxAbs === 0n || pnl === 0n) return "transparent";
  const t = Math.min(1, Number(pnl < 0n ? -pnl : pnl) / Number(maxAbs));
  const a = (0.08 + 0.72 * t).toFixed(3);
  return pnl < 0n ? `rgba(220, 38, 38, ${a})` : `rgba(22, 163, 74, ${a})`;
}

/** One market's scenario P&L: rows are spot moves, columns vol down / unchanged / up; ★ the worst. */
export function Heatmap({ matrix, source, title }: { matrix: Matrix; source: string; title: string }) {
  return (
    <table className="heatmap" data-testid={`heatmap-${source}`} data-worst={matrix.worstIndex}>
      <caption>{title}</caption>
      <thead>
        <tr>
          <th>move</th>
          {VOL_COLUMNS.map((c) => (
            <th key={c.key}>{c.label}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {matrix.rows.map((r) => (
          <tr key={r.label} className={r.tail ? "tail" : ""}>
            <th title={r.tail ? `tail, P&L weighted ${r.weight.toFixed(4)}` : r.label}>
              {r.tail ? r.label : r.label === "0" ? "0" : r.label} <span className="muted">{pct(r.movePct)}</span>
            </th>
            {r.cells.map((c, i) =>
              c ? (
                <td
                  key={i}
                  className={`cell${c.worst ? " worst" : ""}`}
                  style={{ background: colour(c.pnl, matrix.maxAbs) }}
                  data-scenario={c.scenario}
                  data-pnl={c.pnl.toString()}
                  title={`scenario ${c.scenario}: ${usd(c.pnl)}`}
                >
                  {c.worst && <span aria-label="worst scenario">★ </span>}
                  {usd(c.pnl)}
                </td>
              ) : (
                <td key={i} className="cell empty">
                  ·
                </td>
              ),
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
