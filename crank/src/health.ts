// Health of every tracked account, per tick. Accounts are grouped by the set of markets they hold
// (the markets the program would evaluate them on, in the same order), one HealthScanner per
// set. A tick re-prices each scanner's instruments once for all of its accounts (shared risk
// arrays) and scans the compiled accounts; an account is recompiled only when it changed or a
// market moved something compiled into it (a settlement price, haircuts). A funding or loss index
// move (every funding interval) only re-costs the perpetuals of the accounts holding them.
import type { MarginAccountInfo, MarketInfo } from "./sdk";
import { engineAccount, marketsHeld, perpOwed, settledValue } from "./sdk";
import { CompiledAccount, Health, HealthScanner, Kind } from "../../app/src/risk";
import type { TrackedAccount } from "./chain/accounts";
import type { MarketBook } from "./chain/markets";

interface Entry {
  version: number;
  setKey: string;
  compiled: CompiledAccount;
  /** Per perpetual position: its index among the engine positions, the position, its market index. */
  perps: { at: number; position: MarginAccountInfo["positions"][number]; market: number }[];
}

export interface AccountHealth {
  address: string;
  info: MarginAccountInfo;
  health: Health;
}

export interface ScanResult {
  scanned: number;
  belowMm: AccountHealth[];
  /** Accounts holding a market whose oracle the program would refuse for a liquidation. */
  unpriced: string[];
  /** Accounts that cannot be evaluated at all (e.g. a market missing), by reason. */
  invalid: { address: string; reason: string }[];
  compiled: number;
  exact: number;
  durationMs: number;
}

/** What, in a market, is compiled into an account (a change recompiles its accounts). */
function compiledLayout(book: MarketBook): string {
  const ch = book.clearinghouse;
  const markets = book.markets.map((v) => {
    const m = v.info;
    return `${m.marketIndex}/${m.expiries.map((e) => e.settlementPrice).join(".")}`;
  });
  const collateral = ch.collaterals.map((c) => `${c.mint.toBase58()}/${c.haircutMmPpm}/${c.haircutImPpm}/${c.marketIndex}`);
  return `${markets.join("|")}#${collateral.join("|")}`;
}

/** Each perpetual's index among the engine positions (engineAccount keeps the account's order and
 * drops positions of settled expiries, which count as cash; perpetuals are never settled). */
function perpsOf(info: MarginAccountInfo, markets: MarketInfo[]): Entry["perps"] {
  const out: Entry["perps"] = [];
  let at = 0;
  for (const p of info.positions) {
    if (p.size === 0n) continue;
    const m = markets.find((x) => x.marketIndex === p.marketIndex)!;
    if (settledValue(p, m) !== null) continue;
    if (m.instruments[p.instrumentIndex].kind === Kind.Perp) out.push({ at, position: p, market: p.marketIndex });
    at++;
  }
  return out;
}

const I64_MAX = (1n << 63n) - 1n;

export class HealthBook {
  private entries = new Map<string, Entry>();
  private scanners = new Map<string, HealthScanner>();
  private layout = "";
  /** Funding and loss index per market as of the last scan. */
  private perpIndices = new Map<number, string>();
  /** Accounts re-costed (funding / loss index moved) in the last scan. */
  recosted = 0;

  /** New perpetual costs (cost basis + funding and loss owed) after `moved` markets' indices changed. */
  private recost(address: string, e: Entry, moved: Map<number, MarketInfo>): void {
    let delta = 0n;
    let positions: CompiledAccount["account"]["positions"] | null = null;
    for (const perp of e.perps) {
      const m = moved.get(perp.market);
      if (!m) continue;
      positions ??= e.compiled.account.positions.slice();
      const old = positions[perp.at];
      let cost: bigint;
      try {
        cost = perp.position.costBasis + perpOwed(perp.position, m);
      } catch {
        cost = I64_MAX + 1n;
      }
      if (cost > I64_MAX || cost < -I64_MAX - 1n) {
        // out of the engine's range: recompiling reports it as the program would
        this.entries.delete(address);
        return;
      }
      delta += cost - old.cost;
      positions[perp.at] = { ...old, cost };
    }
    if (!positions) return;
    // the compiled account is shared with nothing else: a new object keeps the scan's inputs consistent
    e.compiled = { ...e.compiled, account: { ...e.compiled.account, positions }, cost: e.compiled.cost + Number(delta) };
    this.recosted++;
  }

  forget(address: string): void {
    this.entries.delete(address);
  }

  scan(accounts: Map<string, TrackedAccount>, book: MarketBook): ScanResult {
    const t0 = performance.now();
    const layout = compiledLayout(book);
    if (layout !== this.layout) {
      this.entries.clear();
      this.scanners.clear();
      this.layout = layout;
    }
    const ch = book.clearinghouse;
    this.recosted = 0;
    const moved = new Map<number, MarketInfo>();
    for (const v of book.markets) {
      const key = `${v.info.fundingIndex}/${v.info.lossIndex}`;
      if (this.perpIndices.get(v.info.marketIndex) !== key) {
        if (this.perpIndices.has(v.info.marketIndex)) moved.set(v.info.marketIndex, v.info);
        this.perpIndices.set(v.info.marketIndex, key);
      }
    }
    if (moved.size) for (const [address, e] of [...this.entries]) this.recost(address, e, moved);
    const priced = new Set<string>();
    // a liquidation needs every held oracle within the liquidation limits (per market set, per tick)
    const liquidationUsable = new Map<string, boolean>();
    const usable = (key: string): boolean => {
      let ok = liquidationUsable.get(key);
      if (ok === undefined) {
        ok = key === "" || key.split(",").every((i) => book.byIndex(Number(i))?.liquidationPrice);
        liquidationUsable.set(key, ok);
      }
      return ok;
    };
    // re-price every scanner whose markets can all be priced; the rest are dropped this tick
    for (const [key, scanner] of this.scanners) {
      const vs = key === "" ? [] : key.split(",").map((i) => book.byIndex(Number(i)));
      if (vs.some((v) => !v?.state)) {
        this.scanners.delete(key);
        continue;
      }
      scanner.reprice(vs.map((v) => v!.state!), book.now);
      priced.add(key);
    }
    const result: ScanResult = { scanned: 0, belowMm: [], unpriced: [], invalid: [], compiled: 0, exact: 0, durationMs: 0 };
    const exactBefore = [...this.scanners.values()].reduce((n, s) => n + s.exactCount, 0);
    for (const [address, tracked] of accounts) {
      const info = tracked.info;
      if (info.positions.length === 0 && info.quoteDebt === 0n && info.collaterals.every((c) => c.amount === 0n || c.mint.equals(ch.quoteMint))) continue;
      let entry = this.entries.get(address);
      if (!entry || entry.version !== tracked.version) {
        let held: number[];
        try {
          held = marketsHeld(info, ch);
        } catch (e) {
          result.invalid.push({ address, reason: (e as Error).message });
          continue;
        }
        const vs = held.map((i) => book.byIndex(i));
        if (vs.some((v) => !v)) {
          result.invalid.push({ address, reason: "holds a market that is not listed" });
          continue;
        }
        if (vs.some((v) => !v!.status.price)) {
          result.unpriced.push(address);
          continue;
        }
        const setKey = held.join(",");
        let scanner = this.scanners.get(setKey);
        if (!scanner) {
          scanner = new HealthScanner(ch.globalParams, vs.map((v) => v!.state!), book.now);
          this.scanners.set(setKey, scanner);
          priced.add(setKey);
        }
        try {
          const infos = vs.map((v) => v!.info);
          const acc = engineAccount(info, ch, infos, vs.map((v) => v!.status.price!), book.now);
          entry = { version: tracked.version, setKey, compiled: scanner.compile(acc), perps: perpsOf(info, infos) };
        } catch (e) {
          result.invalid.push({ address, reason: (e as Error).message });
          continue;
        }
        this.entries.set(address, entry);
        result.compiled++;
      }
      if (!priced.has(entry.setKey)) {
        result.unpriced.push(address);
        continue;
      }
      if (!usable(entry.setKey)) {
        result.unpriced.push(address);
        continue;
      }
      const health = this.scanners.get(entry.setKey)!.health(entry.compiled);
      result.scanned++;
      if (health.liquidatable) result.belowMm.push({ address, info, health });
    }
    for (const key of [...this.entries.keys()]) if (!accounts.has(key)) this.entries.delete(key);
    result.exact = [...this.scanners.values()].reduce((n, s) => n + s.exactCount, 0) - exactBefore;
    result.durationMs = performance.now() - t0;
    return result;
  }
}
