import type { Explained } from "../sdk/errors";

/** A typed error in plain words, with the program's name and code for reference. */
export function ErrorNotice({ error, prefix = "Refused" }: { error: Explained | null; prefix?: string }) {
  if (!error) return null;
  const e = error.error;
  return (
    <div className="error" role="alert" data-testid="error" data-error-name={e.name} data-error-code={e.code} data-source={error.source}>
      <strong>{prefix}:</strong> {error.text}
      <div className="error-detail">
        {e.name} ({e.code}) · {error.source}
        {e.msg && e.msg !== error.text ? ` · ${e.msg}` : ""}
      </div>
    </div>
  );
}
