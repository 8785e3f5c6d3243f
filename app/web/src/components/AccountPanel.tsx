import { formatUiAmount } from "@portfolio-margin/sdk";
import { pct, units6 } from "../format";
import type { MarginAccountHook } from "../hooks/useMarginAccount";
import type { AccountState } from "../sdk/account";
import { ADD_ONS } from "../sdk/compare";
import { collateralSymbol } from "../sdk/funds";
import { ErrorNotice } from "./ErrorNotice";
import { Money } from "./Money";
import { Panel } from "./Panel";
import { PositionsTable } from "./PositionsTable";
import { GridHead } from "./GridHead";

function Health({ s }: { s: AccountState }) {
  const r = s.report;
  const [label, cls] = r.equity < r.mm ? ["liquidatable (equity < MM)", "bad"] : r.equity < r.im ? ["below IM: no new risk, no withdrawals", "warn"] : ["healthy", "good"];
  return (
    <span className={`badge ${cls}`} data-testid="health">
      {label}
    </span>
  );
}

function Liquidation({ s }: { s: AccountState }) {
  const l = s.liquidation;
  if (!l) return <span className="muted">no positions</span>;
  if (l.price === null) return <span>none within 1/50× – 50× of {l.symbol} spot</span>;
  const move = ((Number(l.price) - Number(l.spot)) / Number(l.spot)) * 100;
  return (
    <span data-testid="liquidation" data-price={l.price.toString()}>
      {l.symbol} at {units6(l.price)} ({pct(move)} from {units6(l.spot)})
    </span>
  );
}

function Summary({ s }: { s: AccountState }) {
  const r = s.report;
  const items: [string, bigint, string, boolean?][] = [
    ["equity", r.equity, "equity"],
    ["initial margin (IM)", r.im, "im"],
    ["maintenance margin (MM)", r.mm, "mm"],
    ["excess over IM (free collateral)", r.equity - r.im, "excess", true],
    ["excess over MM", r.equity - r.mm, "excess-mm", true],
  ];
  return (
    <dl className="summary">
      {items.map(([label, v, id, signed]) => (
        <div key={id}>
          <dt>{label}</dt>
          <dd>
            <Money value={v} testId={id} signed={signed} />
          </dd>
        </div>
      ))}
      <div>
        <dt>health</dt>
        <dd>
          <Health s={s} />
        </dd>
      </div>
      <div>
        <dt>distance to liquidation</dt>
        <dd>
          <Liquidation s={s} />
        </dd>
      </div>
    </dl>
  );
}

function AddOns({ s }: { s: AccountState }) {
  const r = s.report;
  return (
    <table className="grid compact" data-testid="add-ons">
      <GridHead rows="component" numbers={["MM", "IM"]} />
      <tbody>
        {ADD_ONS.map(([k, label]) => (
          <tr key={k} data-testid={`addon-${k}`}>
            <td>{label}</td>
            <td className="num">
              <Money value={r[k].mm} />
            </td>
            <td className="num">
              <Money value={r[k].im} />
            </td>
          </tr>
        ))}
        <tr>
          <td>IM floor (1.1 × MM)</td>
          <td />
          <td className="num">
            <Money value={r.imFloor} />
          </td>
        </tr>
      </tbody>
    </table>
  );
}

function Collateral({ s }: { s: AccountState }) {
  const ch = s.snapshot.clearinghouse;
  const sym = (i: number) => s.snapshot.markets.find((m) => m.marketIndex === i)?.symbol ?? `#${i}`;
  const rows = s.snapshot.account.collaterals;
  if (!rows.length) return <p className="muted">No collateral.</p>;
  return (
    <ul className="collateral" data-testid="collateral">
      {rows.map((c) => {
        const cfg = ch.collaterals.find((x) => x.mint.equals(c.mint));
        return (
          <li key={c.mint.toBase58()}>
            {formatUiAmount(c.amount, cfg?.decimals ?? 0, { grouping: true, minDecimals: 0 })} {collateralSymbol(ch, c.mint, sym)}
          </li>
        );
      })}
      {s.snapshot.account.quoteDebt > 0n && (
        <li className="neg">
          USDC debt <Money value={s.snapshot.account.quoteDebt} />
        </li>
      )}
    </ul>
  );
}

export function AccountPanel({ acct, onCreate, creating }: { acct: MarginAccountHook; onCreate?: () => void; creating?: boolean }) {
  const s = acct.state;
  const aside = s ? (
    <span className="muted live" data-testid="live" data-report-ts={s.report.timestamp.toString()} data-version={acct.version} data-loading={String(acct.loading)}>
      {acct.loading ? "updating…" : "live"} · program time {new Date(Number(s.report.timestamp) * 1000).toLocaleTimeString()}
    </span>
  ) : null;
  return (
    <Panel id="account" title="Account" aside={aside}>
      <ErrorNotice error={acct.error} prefix="Could not read the account" />
      {!acct.address && !acct.error && <p className="muted">Connect a wallet to see its margin account.</p>}
      {acct.address && !acct.exists && (
        <p>
          No margin account yet.{" "}
          {onCreate && (
            <button onClick={onCreate} disabled={creating}>
              Create margin account
            </button>
          )}
        </p>
      )}
      {acct.address && (
        <p className="muted small">
          margin account <code data-testid="margin-account">{acct.address.toBase58()}</code>
        </p>
      )}
      {s && (
        <>
          <Summary s={s} />
          <div className="cols">
            <div>
              <h3>Margin components</h3>
              <AddOns s={s} />
            </div>
            <div>
              <h3>Collateral</h3>
              <Collateral s={s} />
            </div>
          </div>
          <h3>Positions</h3>
          <PositionsTable rows={s.positions} />
        </>
      )}
    </Panel>
  );
}
