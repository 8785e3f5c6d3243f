// Which markets a margin check reads (mirror of the program's `MarketSet::of_account`): those of the
// account's open positions and of its non-quote collateral, ascending, at most MAX_MARKETS.
import { AccountMeta, PublicKey } from "@solana/web3.js";
import { ClearinghouseInfo, MarginAccountInfo, MarketInfo } from "../accounts";
import { MAX_MARKETS } from "../risk";
import { MarginCheckError } from "./errors";

/** The collateral entry of `mint`, or MarginCheckError("CollateralNotListed"). */
export function collateralOf(ch: ClearinghouseInfo, mint: PublicKey) {
  const c = ch.collaterals.find((x) => x.mint.equals(mint));
  if (!c) throw new MarginCheckError("CollateralNotListed", mint.toBase58());
  return c;
}

export function marketsHeld(account: MarginAccountInfo, ch: ClearinghouseInfo): number[] {
  const set = new Set<number>();
  for (const p of account.positions) if (p.size !== 0n) set.add(p.marketIndex);
  for (const c of account.collaterals) {
    if (c.amount === 0n) continue;
    const market = collateralOf(ch, c.mint).marketIndex;
    if (market !== null) set.add(market);
  }
  if (set.size > MAX_MARKETS) throw new MarginCheckError("TooManyMarkets", `${set.size} markets`);
  return [...set].sort((a, b) => a - b);
}

/** The remaining accounts of a margin check: `[market, oracle]` per market, in the given order. */
export function marginRemainingAccounts(markets: MarketInfo[]): AccountMeta[] {
  return markets.flatMap((m) => [
    { pubkey: m.address, isSigner: false, isWritable: false },
    { pubkey: m.oracle, isSigner: false, isWritable: false },
  ]);
}
