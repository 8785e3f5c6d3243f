import { marketState, OracleAction, snapshotPrices } from "@portfolio-margin/sdk";
import { units6 } from "../format";

const cents = (x: bigint) => units6((x / 10_000n) * 10_000n);
import type { AccountState } from "../sdk/account";
import { buildMatrix } from "../sdk/matrix";
import { Heatmap } from "./Heatmap";
import { Panel } from "./Panel";

/** Equal when the mirror reproduced every integer of the program's report. */
function MatchBadge({ s }: { s: AccountState }) {
  if (s.mirrorError) return <span className="badge bad" data-testid="match-badge" data-match="false">mirror failed: {s.mirrorError}</span>;
  const ok = s.mismatches.length === 0;
  return (
    <span
      className={`badge ${ok ? "good" : "bad"}`}
      data-testid="match-badge"
      data-match={String(ok)}
      title={ok ? "every amount and scenario P&L is identical" : s.mismatches.map((m) => `${m.field}: program ${m.program}, mirror ${m.mirror}`).join("\n")}
    >
      {ok ? "✓ matches on-chain" : `✗ differs from on-chain in ${s.mismatches.length} values`}
    </span>
  );
}

export function RiskPanel({ state }: { state: AccountState | null }) {
  if (!state) {
    return (
      <Panel id="risk" title="Risk matrix" wide>
        <p className="muted">No account loaded.</p>
      </Panel>
    );
  }
  const s = state.snapshot;
  let prices: ReturnType<typeof snapshotPrices> | null = null;
  try {
    prices = snapshotPrices(s, OracleAction.Margin);
  } catch {
    prices = null;
  }
  return (
    <Panel id="risk" title="Risk matrix" wide aside={<MatchBadge s={state} />}>
      <p className="muted small">
        Scenario P&amp;L per underlying (USDC): spot moves of the engine's grid × vol down / unchanged / up, tails weighted. Left: the program's{" "}
        <code>simulate_margin</code> (simulated transaction); right: the SDK's TypeScript mirror on the same state.
      </p>
      {!state.report.markets.length && <p className="muted">The account holds no market.</p>}
      {prices &&
        state.report.markets.map((rm, k) => {
          const i = s.markets.findIndex((m) => m.marketIndex === rm.marketIndex);
          const ms = marketState(s.markets[i], prices![i], s.now);
          const chain = buildMatrix(ms, rm.pnl, rm.worstIndex);
          const mm = state.mirror?.markets[k];
          return (
            <div key={rm.marketIndex} className="market-risk" data-testid="market-risk" data-market={rm.marketIndex}>
              <h3>
                {s.markets[i].symbol} <span className="muted">spot {cents(ms.spot)} ± {cents(ms.conf)}, R = ±{chain.rangePct.toFixed(2)}%</span>
              </h3>
              <div className="cols">
                <Heatmap matrix={chain} source="chain" title="on-chain simulate_margin" />
                {mm && <Heatmap matrix={buildMatrix(ms, mm.pnl, mm.worstIndex)} source="mirror" title="TS mirror" />}
              </div>
            </div>
          );
        })}
    </Panel>
  );
}
