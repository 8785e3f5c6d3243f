import { formatUiAmount, parseUiAmount } from "@portfolio-margin/sdk";
import { useEffect, useMemo, useState } from "react";
import { useAction } from "../hooks/useAction";
import { ActionOutcome } from "./ActionOutcome";
import type { AccountState } from "../sdk/account";
import type { Sdk } from "../sdk/client";
import { explain, Explained, PredictedRefusal } from "../sdk/errors";
import { checkWithdraw, CollateralRow, collateralRows } from "../sdk/funds";
import { MarketsData } from "../sdk/markets";
import { ErrorNotice } from "./ErrorNotice";
import { Money } from "./Money";
import { Panel } from "./Panel";
import { GridHead } from "./GridHead";

const fmt = (r: CollateralRow, x: bigint) => formatUiAmount(x, r.decimals, { grouping: true, minDecimals: 0 });

export function FundsPanel({ sdk, data, state, version }: { sdk: Sdk; data: MarketsData | null; state: AccountState | null; version: number }) {
  const [rows, setRows] = useState<CollateralRow[]>([]);
  const [rowsError, setRowsError] = useState<Explained | null>(null);
  const [mint, setMint] = useState("");
  const [amount, setAmount] = useState("");
  const [force, setForce] = useState(false);
  const act = useAction<string>();
  const owner = sdk.canSign ? sdk.client.walletAddress : null;
  const ch = data?.clearinghouse ?? null;

  useEffect(() => {
    if (!owner || !ch || !data) return;
    const sym = (i: number) => data.markets.find((m) => m.marketIndex === i)?.symbol ?? `#${i}`;
    collateralRows(sdk.connection, ch, owner, state?.snapshot ?? null, sym)
      .then((r) => {
        setRows(r);
        setRowsError(null);
        setMint((m) => m || r[0]?.mint.toBase58() || "");
      })
      .catch((e) => setRowsError(explain(e)));
  }, [sdk, owner?.toBase58(), ch, data, state, version]); // eslint-disable-line react-hooks/exhaustive-deps

  const row = rows.find((r) => r.mint.toBase58() === mint);
  const parsed = useMemo(() => {
    if (!row || !amount.trim()) return null;
    try {
      return { value: parseUiAmount(amount, row.decimals), error: null };
    } catch (e) {
      return { value: null, error: (e as Error).message };
    }
  }, [row, amount]);
  const check = state && row && parsed?.value ? checkWithdraw(state.snapshot, row.mint, parsed.value) : null;

  if (!ch || !owner) {
    return (
      <Panel id="funds" title="Deposit and withdraw">
        <p className="muted">Connect a wallet with a margin account.</p>
      </Panel>
    );
  }
  const mintArg = (r: CollateralRow) => (r.mint.equals(ch.quoteMint) ? undefined : r.mint);
  const deposit = () =>
    void act.run(async () => {
      if (!row || !parsed?.value) throw new Error("enter an amount");
      return sdk.client.deposit({ clearinghouse: ch.address, mint: mintArg(row), amount: parsed.value });
    });
  const withdraw = () =>
    void act.run(async () => {
      if (!row || !parsed?.value) throw new Error("enter an amount");
      if (check?.refusal && !force) throw new PredictedRefusal(check.refusal); // refused before sending, with the program's reason
      return sdk.client.withdraw({ clearinghouse: ch.address, mint: mintArg(row), amount: parsed.value });
    });

  return (
    <Panel id="funds" title="Deposit and withdraw">
      <ErrorNotice error={rowsError} prefix="Could not read balances" />
      <table className="grid compact" data-testid="balances">
        <GridHead rows="collateral" numbers={["wallet", "margin account"]} />
        <tbody>
          {rows.map((r) => (
            <tr key={r.mint.toBase58()} data-testid="balance" data-symbol={r.symbol} data-wallet={String(r.wallet)} data-account={String(r.account)}>
              <td title={r.mint.toBase58()}>{r.symbol}</td>
              <td className="num">{fmt(r, r.wallet)}</td>
              <td className="num">{fmt(r, r.account)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="funds-form">
        <select aria-label="collateral" value={mint} onChange={(e) => setMint(e.target.value)}>
          {rows.map((r) => (
            <option key={r.mint.toBase58()} value={r.mint.toBase58()}>
              {r.symbol}
            </option>
          ))}
        </select>
        <input aria-label="amount" data-testid="funds-amount" placeholder="amount" value={amount} onChange={(e) => setAmount(e.target.value)} size={10} />
        <button data-testid="deposit" onClick={deposit} disabled={act.busy || !parsed?.value}>
          Deposit
        </button>
        <button data-testid="withdraw" onClick={withdraw} disabled={act.busy || !parsed?.value}>
          Withdraw
        </button>
        <label className="small" title="send a withdrawal the preview refuses, and let the program refuse it">
          <input type="checkbox" checked={force} onChange={(e) => setForce(e.target.checked)} /> send anyway
        </label>
      </div>
      {parsed?.error && <span className="neg">{parsed.error}</span>}
      {check?.preview && (
        <p className="small" data-testid="withdraw-preview" data-ok={String(check.refusal === null)}>
          After withdrawing: equity <Money value={check.preview.after.equity} />, IM <Money value={check.preview.after.im} />, free collateral{" "}
          <Money value={check.preview.freeCollateral} signed />
        </p>
      )}
      {check?.refusal && !act.error && <ErrorNotice error={explain(new PredictedRefusal(check.refusal))} prefix="A withdrawal of this size would be refused" />}
      <ActionOutcome error={act.error} signature={act.result} label="Sent" testId="funds-done" />
    </Panel>
  );
}
