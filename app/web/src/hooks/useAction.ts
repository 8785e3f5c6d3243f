import { useCallback, useState } from "react";
import { explain, Explained } from "../sdk/errors";

/** Runs one user action at a time; its failure becomes an explained typed error, never silence. */
export function useAction<T>() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Explained | null>(null);
  const [result, setResult] = useState<T | null>(null);
  const run = useCallback(async (fn: () => Promise<T>): Promise<T | null> => {
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const r = await fn();
      setResult(r);
      return r;
    } catch (e) {
      console.warn(e); // shown in the page as a typed error; kept for developers
      setError(explain(e));
      return null;
    } finally {
      setBusy(false);
    }
  }, []);
  const reset = useCallback(() => {
    setError(null);
    setResult(null);
  }, []);
  return { busy, error, result, run, reset, setError };
}
