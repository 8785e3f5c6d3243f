// Staleness and confidence limits; mirrors programs/portfolio-margin/src/oracle/limits.rs.
import { ensure } from "./errors";
import { OracleLimits, OraclePrice } from "./types";

/** OracleStale if `now - publishTime > maxAgeSecs` (future publish times count as 0), then
 * OracleConfidenceTooWide if `conf x 1e6 > maxConfPpm x price`. */
export function checkLimits(price: OraclePrice, limits: OracleLimits, now: bigint): void {
  let age = now - price.publishTime;
  if (age < 0n) age = 0n;
  ensure(age <= BigInt(limits.maxAgeSecs), "OracleStale", `age ${age}s > ${limits.maxAgeSecs}s`);
  ensure(
    price.conf * 1_000_000n <= BigInt(limits.maxConfPpm) * price.price,
    "OracleConfidenceTooWide",
    `conf ${price.conf} > ${limits.maxConfPpm} ppm of ${price.price}`,
  );
}
