// `pm market list|show`: the clearinghouse's markets, their oracles (read like the program reads
// them, validity per action class), parameters, vol guards, expiries and instruments.
import { Command } from "commander";
import { getContext } from "../context";
import { fetchMarketsState, findMarket, marketDetail, marketSummary, renderMarketDetail, renderMarketList } from "../market-view";
import { action, emit } from "../output";

export function register(program: Command): void {
  const market = program.command("market").description("markets of the clearinghouse: oracles, parameters, expiries, instruments");

  market
    .command("list")
    .description("every market of --clearinghouse: oracle price and validity per action class, status, expiries, vol age")
    .action(
      action(async (cmd) => {
        const ctx = getContext(cmd);
        const s = await fetchMarketsState(ctx.client, ctx.clearinghouse());
        const views = s.markets.map((_, i) => marketSummary(s, i));
        emit(cmd, views, () => renderMarketList(s, views));
      }),
    );

  market
    .command("show <market>")
    .description("one market (symbol or index): parameters with bounds, oracle limits, vol guards, expiries, instruments")
    .action(
      action(async (cmd, ref: string) => {
        const ctx = getContext(cmd);
        const s = await fetchMarketsState(ctx.client, ctx.clearinghouse());
        const view = marketDetail(s, findMarket(s, ref));
        emit(cmd, view, () => renderMarketDetail(s, view));
      }),
    );
}
