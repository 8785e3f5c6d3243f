import type { Explained } from "../sdk/errors";
import { ErrorNotice } from "./ErrorNotice";

/** How a sent transaction ended: its typed error in plain words, or its signature. */
export function ActionOutcome({ error, signature, label, testId }: { error: Explained | null; signature: string | null; label: string; testId: string }) {
  return (
    <>
      <ErrorNotice error={error} />
      {signature && (
        <p className="good-text" data-testid={testId}>
          {label}: <code>{signature}</code>
        </p>
      )}
    </>
  );
}
