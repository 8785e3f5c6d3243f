import { FormEvent, useState } from "react";
import { switchRpc, type AppConfig } from "../config";

/** The RPC endpoint the page reads and sends through (also settable with ?rpc=). */
export function ConfigBar({ cfg }: { cfg: AppConfig }) {
  const [rpc, setRpc] = useState(cfg.rpc);
  const [bad, setBad] = useState<string | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    try {
      switchRpc(rpc);
    } catch {
      setBad(`"${rpc}" is not a URL`);
    }
  };
  return (
    <form className="config" onSubmit={submit}>
      <label>
        RPC <input data-testid="rpc-input" value={rpc} onChange={(e) => setRpc(e.target.value)} size={32} />
      </label>
      <button type="submit">Use</button>
      {bad && <span className="neg">{bad}</span>}
    </form>
  );
}
