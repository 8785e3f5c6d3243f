// What the replay records: per hour the population's equity, MM and IM (the SDK mirror of the
// program's margin check on accounts fetched in one getMultipleAccounts, not a simulation per
// account), the insurance vault's balance; and per liquidated account what the program's events
// say happened to it.
import { PublicKey } from "@solana/web3.js";
import { evaluate } from "../../../app/src/risk";
import { loadMarketBook, MarketBook } from "../chain/markets";
import {
  ClearinghouseInfo,
  engineAccount,
  fetchTransactionEvents,
  liquidationEventsOf,
  marginAccountInfo,
  MarginAccountInfo,
  marketsHeld,
} from "../sdk";
import type { Member } from "./population";
import type { DemoWorld } from "./world";

export interface AccountMargin {
  equity: bigint;
  mm: bigint;
  im: bigint;
}

export interface Measure {
  /** Cluster time of the reading. */
  now: bigint;
  book: MarketBook;
  clearinghouse: ClearinghouseInfo;
  /** Oracle prices (USD). */
  prices: Record<string, number>;
  /** By account address; accounts that could not be evaluated are absent (see `unpriced`). */
  accounts: Map<string, AccountMargin>;
  infos: Map<string, MarginAccountInfo>;
  unpriced: string[];
  totalEquity: bigint;
  totalMm: bigint;
  totalIm: bigint;
  belowMm: string[];
  /** The insurance vault's token balance (native units). */
  insurance: bigint;
}

/** SPL token account amount (offset 64, u64 LE). */
const tokenAmount = (data: Buffer): bigint => data.readBigUInt64LE(64);

/** The margin of every member as the program would compute it now (raw oracle prices, the clock's vol staleness). */
export async function measure(world: DemoWorld, members: Member[]): Promise<Measure> {
  const { client } = world;
  const book = await loadMarketBook(client, world.clearinghouse);
  const ch = book.clearinghouse;
  const keys = [world.insuranceVault, ...members.map((m) => m.account)];
  const infos: (Buffer | null)[] = [];
  for (let i = 0; i < keys.length; i += 100) {
    const got = await client.connection.getMultipleAccountsInfo(keys.slice(i, i + 100), "confirmed");
    infos.push(...got.map((a) => (a ? Buffer.from(a.data) : null)));
  }
  if (!infos[0]) throw new Error("the insurance vault is missing");
  const out: Measure = {
    now: book.now,
    book,
    clearinghouse: ch,
    prices: Object.fromEntries(book.markets.filter((v) => v.status.price).map((v) => [v.info.symbol, Number(v.status.price!.price) / 1e6])),
    accounts: new Map(),
    infos: new Map(),
    unpriced: [],
    totalEquity: 0n,
    totalMm: 0n,
    totalIm: 0n,
    belowMm: [],
    insurance: tokenAmount(infos[0]),
  };
  members.forEach((m, i) => {
    const data = infos[i + 1];
    const key = m.account.toBase58();
    if (!data) return void out.unpriced.push(key);
    const info = marginAccountInfo(m.account, client.program.coder.accounts.decode("marginAccount", data));
    out.infos.set(key, info);
    const views = marketsHeld(info, ch).map((i) => book.byIndex(i));
    if (views.some((v) => !v?.status.price)) return void out.unpriced.push(key);
    const r = evaluate(engineAccount(info, ch, views.map((v) => v!.info), views.map((v) => v!.status.price!), book.now));
    out.accounts.set(key, { equity: r.equity, mm: r.mm, im: r.im });
    out.totalEquity += r.equity;
    out.totalMm += r.mm;
    out.totalIm += r.im;
    if (r.equity < r.mm) out.belowMm.push(key);
  });
  return out;
}

export interface LiquidationRecord {
  /** Cluster time of the hour (unix seconds). */
  t: number;
  account: string;
  steps: number;
  /** Σ of the steps' fees (native quote units). */
  fee: bigint;
  bankrupt: boolean;
  /** Bankruptcy: deficit, paid by the fund, socialised, bad debt (native units). */
  deficit: bigint;
  insurancePaid: bigint;
  signatures: string[];
}

/**
 * Liquidations per account from the program's own events: every transaction touching the account
 * since the last one seen, its LiquidationEvents and BankruptcyResolved for that account.
 */
export class LiquidationLedger {
  private readonly last = new Map<string, string | undefined>();

  constructor(private readonly world: DemoWorld) {}

  /** Remembers each account's newest signature (what came before is not a liquidation). */
  async mark(accounts: PublicKey[]): Promise<void> {
    for (const a of accounts) {
      const sigs = await this.world.connection.getSignaturesForAddress(a, { limit: 1 }, "confirmed");
      this.last.set(a.toBase58(), sigs[0]?.signature);
    }
  }

  async collect(accounts: Iterable<string>, t: number): Promise<LiquidationRecord[]> {
    const { connection, client } = this.world;
    const out: LiquidationRecord[] = [];
    for (const a of accounts) {
      const key = new PublicKey(a);
      const until = this.last.get(a);
      const sigs = await connection.getSignaturesForAddress(key, until ? { until } : {}, "confirmed");
      if (!sigs.length) continue;
      this.last.set(a, sigs[0].signature);
      const rec: LiquidationRecord = { t, account: a, steps: 0, fee: 0n, bankrupt: false, deficit: 0n, insurancePaid: 0n, signatures: [] };
      for (const s of [...sigs].reverse()) {
        if (s.err) continue;
        const ev = liquidationEventsOf(await fetchTransactionEvents(connection, s.signature, { programId: client.programId }));
        const steps = ev.liquidations.filter((l) => l.marginAccount.equals(key));
        const bankrupt = ev.bankruptcies.filter((b) => b.marginAccount.equals(key));
        if (!steps.length && !bankrupt.length) continue;
        rec.signatures.push(s.signature);
        rec.steps += steps.length;
        for (const l of steps) rec.fee += l.fee;
        for (const b of bankrupt) {
          rec.bankrupt = true;
          rec.deficit += b.deficit;
          rec.insurancePaid += b.insurancePaid;
        }
      }
      if (rec.steps || rec.bankrupt) out.push(rec);
    }
    return out;
  }
}
