// `pm liquidate <account> [--dry-run]` (plan the liquidation of an account below maintenance
// margin and send it step by step, or resolve_bankruptcy when it is bankrupt) and
// `pm insurance deposit <amount> | show` (the insurance fund).
import { Command, InvalidArgumentError } from "commander";
import { fetchTransactionEvents, liquidationEventsOf } from "../../events";
import { planLiquidation, PortfolioMarginLiquidation } from "../../liquidation";
import { parseUiAmount } from "../../units";
import { getContext, parseIndex, parsePubkey } from "../context";
import { action, cents, CommandError, emit } from "../output";
import { buildPlanView, renderInsuranceFund, renderPlanView, sentResolutionLines, sentStepLines } from "../liquidation-view";

function parsePpm(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 1_000_000) throw new InvalidArgumentError("must be an integer ppm in [0, 1000000].");
  return n;
}

export function register(program: Command): void {
  program
    .command("liquidate <account>")
    .description(
      "liquidate a margin account below maintenance margin with the wallet's account (--liquidator-index): plans the legs and sizes " +
        "that bring equity back above MM within the liquidation buffer (or, for a bankrupt account, its collateral then " +
        "resolve_bankruptcy), prints the plan, and sends it step by step unless --dry-run",
    )
    .option("--dry-run", "print the plan only")
    .option("--liquidator-index <n>", "the wallet's margin account that takes the legs over (default: --index)", parseIndex)
    .option("--target <ppm>", "where to stop inside the buffer, ppm of it (default 0: the smallest sizes)", parsePpm)
    .option("--max-steps <n>", "instructions at most", "8")
    .action(
      action(async (cmd, accountArg: string) => {
        const ctx = getContext(cmd);
        const o = cmd.opts();
        const marginAccount = parsePubkey(accountArg, "margin account");
        const liq = new PortfolioMarginLiquidation(ctx.client);
        const account = await ctx.client.fetchMarginAccountInfoNullable(marginAccount);
        if (!account) throw new Error(`no margin account at ${marginAccount.toBase58()}`);
        const liquidatorAccount = ctx.client.marginAccountAddress(account.clearinghouse, ctx.keypair.publicKey, o.liquidatorIndex ?? ctx.opts.index);
        const hasLiquidator = !!(await ctx.client.fetchMarginAccountInfoNullable(liquidatorAccount));
        if (!hasLiquidator && !o.dryRun) throw new Error(`the wallet has no margin account at ${liquidatorAccount.toBase58()} to take the legs over (pm account create)`);
        const snapshot = await liq.liquidationSnapshot(marginAccount, hasLiquidator ? liquidatorAccount : null);
        const plan = planLiquidation(snapshot, { targetBufferPpm: o.target, maxSteps: Number(o.maxSteps) });
        const view = buildPlanView(plan, snapshot.markets, snapshot.clearinghouse, hasLiquidator ? liquidatorAccount : null);
        const lines = renderPlanView(view);
        if (plan.error && !(o.dryRun && plan.liquidatable)) throw new CommandError(plan.error, { plan: view }, lines);
        if (o.dryRun || !plan.liquidatable) {
          emit(cmd, { dryRun: !!o.dryRun, plan: view, sent: [] }, () => lines);
          return;
        }
        // sent step by step, each checked by the program against the state the previous one left
        const sent: { signature: string; kind: "liquidate" | "resolve_bankruptcy"; events: ReturnType<typeof liquidationEventsOf> }[] = [];
        const out = [...lines];
        const eventsOf = async (signature: string) =>
          liquidationEventsOf(await fetchTransactionEvents(ctx.connection, signature, { programId: ctx.client.programId }).catch(() => []));
        for (const step of plan.steps) {
          const signature = await liq.liquidate({ marginAccount, liquidatorAccount, legs: step.legs, liquidator: ctx.keypair });
          const events = await eventsOf(signature);
          sent.push({ signature, kind: "liquidate", events });
          out.push(...(events.liquidations[0] ? sentStepLines(events.legs, events.liquidations[0], signature) : [`  sent ${signature}`]));
        }
        if (plan.resolveBankruptcy) {
          const signature = await liq.resolveBankruptcy({ marginAccount, resolverAccount: liquidatorAccount, resolver: ctx.keypair });
          const events = await eventsOf(signature);
          sent.push({ signature, kind: "resolve_bankruptcy", events });
          out.push(...(events.bankruptcies[0] ? sentResolutionLines(events.bankruptcies[0], signature) : [`  sent ${signature}`]));
        }
        const report = await ctx.client.simulateMargin(marginAccount).catch(() => null);
        if (report) out.push(`  now: equity ${cents(report.equity)}, MM ${cents(report.mm)}${report.equity < report.mm ? " (still liquidatable: run again)" : ""}`);
        emit(cmd, { dryRun: false, plan: view, sent, after: report ? { equity: report.equity, mm: report.mm, im: report.im } : null }, () => out);
      }),
    );

  const insurance = program.command("insurance").description("the clearinghouse's insurance fund");

  insurance
    .command("deposit <amount>")
    .description("add USDC (decimal) from the wallet's token account to the insurance fund (a gift: the fund pays bankrupt accounts' deficits)")
    .option("--source <pubkey>", "token account to debit (default: the wallet's ATA)")
    .action(
      action(async (cmd, amountArg: string) => {
        const ctx = getContext(cmd);
        const clearinghouse = ctx.clearinghouse();
        const amount = parseUiAmount(amountArg, 6);
        const liq = new PortfolioMarginLiquidation(ctx.client);
        const source = cmd.opts().source ? parsePubkey(cmd.opts().source, "--source") : undefined;
        const signature = await liq.depositInsurance({ clearinghouse, amount, depositor: ctx.keypair, source });
        const events = liquidationEventsOf(await fetchTransactionEvents(ctx.connection, signature, { programId: ctx.client.programId }).catch(() => []));
        const balance = events.insuranceDeposits[0]?.insuranceBalance ?? (await liq.insuranceBalance(clearinghouse));
        emit(cmd, { clearinghouse, amount, insuranceBalance: balance, signature }, () => [
          `deposited ${cents(amount)} USDC into the insurance fund`,
          `  fund balance: ${cents(balance)} USDC`,
          `  signature: ${signature}`,
        ]);
      }),
    );

  insurance
    .command("show")
    .description("the insurance fund: vault balance, lifetime deposits, payouts, socialised loss and bad debt, the markets' fee pools")
    .action(
      action(async (cmd) => {
        const ctx = getContext(cmd);
        const fund = await new PortfolioMarginLiquidation(ctx.client).insuranceFund(ctx.clearinghouse());
        emit(cmd, fund, () => renderInsuranceFund(fund));
      }),
    );
}
