// `pm collateral list`: the clearinghouse's collateral mints, how each is valued, its haircuts,
// deposit cap and vault balance.
import { Command } from "commander";
import { getContext } from "../context";
import { collateralViews, renderCollateralList } from "../market-view";
import { action, emit } from "../output";

export function register(program: Command): void {
  const collateral = program.command("collateral").description("collateral mints of the clearinghouse");

  collateral
    .command("list")
    .description("each listed mint: pricing market (or quote at 1.0), decimals, MM/IM haircuts, deposit cap, vault balance")
    .action(
      action(async (cmd) => {
        const ctx = getContext(cmd);
        const clearinghouse = ctx.clearinghouse();
        const [ch, markets] = await Promise.all([ctx.client.fetchClearinghouseInfo(clearinghouse), ctx.client.allMarkets(clearinghouse)]);
        const views = await collateralViews(ctx.connection, { clearinghouse: ch, markets });
        emit(cmd, views, () => renderCollateralList(clearinghouse, views));
      }),
    );
}
