// One read of everything market-wide a tick needs: the clearinghouse, every market, their
// oracles and the cluster clock, in two RPC round trips (getProgramAccounts for the markets,
// getMultipleAccounts for the clearinghouse, oracles and clock).
import { PublicKey, SYSVAR_CLOCK_PUBKEY, SystemProgram } from "@solana/web3.js";
import {
  ClearinghouseInfo,
  clearinghouseInfo,
  MarketInfo,
  marketState,
  OracleAccount,
  OracleAction,
  OraclePrice,
  oracleStatus,
  OracleStatus,
  PortfolioMarginClient,
} from "../sdk";
import type { MarketState } from "../../../app/src/risk";

export interface MarketView {
  info: MarketInfo;
  oracle: OracleAccount;
  status: OracleStatus;
  /** The price the program would accept for a liquidation, or null (stale, wide, invalid). */
  liquidationPrice: OraclePrice | null;
  /** The engine's market state at the raw oracle price (null when even that cannot be read). */
  state: MarketState | null;
}

export interface MarketBook {
  clearinghouse: ClearinghouseInfo;
  markets: MarketView[];
  /** The cluster's unix time (Clock sysvar). */
  now: bigint;
  byIndex(marketIndex: number): MarketView | undefined;
}

export async function loadMarketBook(client: PortfolioMarginClient, clearinghouse: PublicKey): Promise<MarketBook> {
  const markets = await client.allMarkets(clearinghouse);
  const keys = [clearinghouse, SYSVAR_CLOCK_PUBKEY, ...markets.map((m) => m.oracle)];
  const infos = await client.connection.getMultipleAccountsInfo(keys);
  if (!infos[0]) throw new Error(`clearinghouse ${clearinghouse.toBase58()} not found`);
  if (!infos[1]) throw new Error("Clock sysvar not found");
  const ch = clearinghouseInfo(clearinghouse, client.program.coder.accounts.decode("clearinghouse", infos[0].data));
  const now = Buffer.from(infos[1].data).readBigInt64LE(32);
  const views = markets.map((info, i): MarketView => {
    const acc = infos[2 + i];
    const oracle: OracleAccount = { address: info.oracle, owner: acc?.owner ?? SystemProgram.programId, data: acc?.data ?? new Uint8Array() };
    const status = oracleStatus(info, ch, oracle, now);
    const liquidationOk = status.price !== null && status.actions[OracleAction.Liquidation].error === null;
    return {
      info,
      oracle,
      status,
      liquidationPrice: liquidationOk ? status.price : null,
      state: status.price ? marketState(info, status.price, now) : null,
    };
  });
  const index = new Map(views.map((v) => [v.info.marketIndex, v]));
  return { clearinghouse: ch, markets: views, now, byIndex: (i) => index.get(i) };
}
