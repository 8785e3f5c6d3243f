// The crank's health scan decides exactly what the exact engine decides, on 100,000 random 8-leg
// accounts, a tenth of them placed within one quote unit of maintenance margin.
import { expect } from "chai";
import { Collateral, evaluate, HealthScanner, QUOTE } from "../../app/src/risk";
import { accounts, markets, NOW, rng } from "../lib/population";
import { DEFAULT_GLOBAL } from "../../app/src/risk";

describe("health scan (crank fast path)", function () {
  this.timeout(600_000);
  it("agrees with the exact engine on liquidatable / not on 100,000 accounts, incl. ones at MM +- 1 unit", () => {
    const scanner = new HealthScanner(DEFAULT_GLOBAL, markets(), NOW);
    const rnd = rng(7);
    const population = accounts(100_000, 11, 0n);
    let [disagree, liquidatable, boundary, withUnderlyingCount] = [0, 0, 0, 0];
    for (const [i, acct] of population.entries()) {
      // collateral around the account's own MM: far below, far above, or within one unit of it
      // a third hold some of market 0's underlying too, at their own haircuts (little enough to
      // leave the account below MM, so quote collateral can place it)
      const haircutMmPpm = rnd(50_000);
      let amount = i % 3 === 0 ? BigInt(rnd(5_000_000)) : 0n;
      let underlying: Collateral[] = [];
      let base = evaluate({ ...acct, collateral: underlying }, scanner.cache);
      for (; amount > 0n; amount /= 4n) {
        const withUnderlying: Collateral[] = [{ asset: 0, haircutMmPpm, haircutImPpm: 2 * haircutMmPpm, amount }];
        const r = evaluate({ ...acct, collateral: withUnderlying }, scanner.cache);
        if (r.mm > r.equity) {
          [underlying, base] = [withUnderlying, r];
          break;
        }
      }
      if (underlying.length) withUnderlyingCount++;
      const gap = base.mm - base.equity;
      const mode = i % 10;
      const offset = mode === 0 ? BigInt(rnd(3) - 1) : mode < 5 ? -BigInt(rnd(1_000_000_000)) : BigInt(rnd(1_000_000_000));
      const usdc = gap + offset;
      if (mode === 0 && usdc > 0n) boundary++;
      const quote = usdc > 0n ? [{ asset: QUOTE, haircutMmPpm: 0, haircutImPpm: 0, amount: usdc }] : [];
      const acc = { ...acct, collateral: [...underlying, ...quote] };
      const exact = evaluate(acc, scanner.cache);
      const health = scanner.health(scanner.compile(acc));
      const want = exact.equity < exact.mm;
      if (health.liquidatable !== want) disagree++;
      if (want) liquidatable++;
    }
    console.log(`      ${population.length} accounts: ${liquidatable} liquidatable, ${boundary} within 1 unit of MM, ${withUnderlyingCount} with underlying collateral; ${scanner.exactCount} decided exactly`);
    expect(disagree).to.equal(0);
    expect(boundary).to.be.at.least(9_500);
    expect(withUnderlyingCount).to.be.at.least(20_000);
    expect(scanner.exactCount).to.be.at.least(boundary - 100);
    expect(scanner.exactCount).to.be.below(population.length / 5);
  });
});
