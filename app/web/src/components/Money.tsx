import { usd } from "../format";

/** A quote amount in USD; the exact integer (quote units) is in data-value for tests and tooling. */
export function Money({ value, testId, signed }: { value: bigint; testId?: string; signed?: boolean }) {
  const cls = signed ? (value < 0n ? "neg" : value > 0n ? "pos" : "") : "";
  return (
    <span className={`money ${cls}`} data-testid={testId} data-value={value.toString()}>
      {usd(value)}
    </span>
  );
}
