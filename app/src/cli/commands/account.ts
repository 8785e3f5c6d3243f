// `pm account create|deposit|withdraw|show|list|risk|close`: a wallet's margin accounts, their
// collateral (USDC or any listed mint), margin-checked withdrawals and the program's margin report.
import { Command } from "commander";
import { PublicKey } from "@solana/web3.js";
import BN from "bn.js";
import { MarginAccountData } from "../../accounts";
import { collaterals, PortfolioMarginClient } from "../../client";
import { QUOTE_DECIMALS } from "../../constants";
import { PortfolioMarginError, ProgramErrorCode } from "../../errors";
import { fetchTransactionEvents } from "../../events";
import { formatQuoteAmount, formatUiAmount, parseUiAmount } from "../../units";
import { Context, getContext, loadKeypair, parsePubkey } from "../context";
import { action, cents, CommandError, emit, table } from "../output";
import { buildRiskView, fetchRiskInputs, PreviewView, previewText, previewView, renderRiskView } from "../risk-view";

export function register(program: Command): void {
  const account = program.command("account").description("create, fund and inspect margin accounts");

  account
    .command("create")
    .description("create the margin account (--clearinghouse, --index) owned by the wallet")
    .option("--payer <keypair>", "keypair file paying the rent (default: the wallet)")
    .action(
      action(async (cmd) => {
        const ctx = getContext(cmd);
        const clearinghouse = ctx.clearinghouse();
        const accountIndex = ctx.opts.index;
        const payer = cmd.opts().payer ? loadKeypair(cmd.opts().payer) : undefined;
        const signature = await ctx.client.createMarginAccount({ clearinghouse, accountIndex, payer });
        const address = ctx.client.marginAccountAddress(clearinghouse, ctx.keypair.publicKey, accountIndex);
        emit(cmd, { marginAccount: address, owner: ctx.keypair.publicKey, clearinghouse, accountIndex, signature }, () => [
          `created margin account ${address.toBase58()}`,
          ...table(
            [
              ["owner", ctx.keypair.publicKey.toBase58()],
              ["clearinghouse", clearinghouse.toBase58()],
              ["index", String(accountIndex)],
              ["signature", signature],
            ],
            "  ",
          ),
        ]);
      }),
    );

  for (const kind of ["deposit", "withdraw"] as const) {
    const sub = account
      .command(`${kind} <amount>`)
      .description(
        kind === "deposit"
          ? "deposit collateral (decimal, e.g. 250 or 0.5; USDC unless --mint) from the wallet's token account"
          : "withdraw collateral (decimal; USDC unless --mint) to the wallet's token account (created if missing), " +
              "after previewing the margin check: refused before sending if it would fail with InsufficientMargin",
      )
      .option("--mint <pubkey>", "a listed non-quote collateral mint (amount in that mint's decimals; see `pm collateral list`)")
      .option(
        kind === "deposit" ? "--source <pubkey>" : "--destination <pubkey>",
        kind === "deposit" ? "token account to debit (default: the wallet's ATA)" : "token account to credit (default: the wallet's ATA)",
      );
    if (kind === "withdraw") sub.option("--force", "send even when the preview says the program will refuse it");
    sub.action(
      action(async (cmd, amountArg: string) => {
        const ctx = getContext(cmd);
        const clearinghouse = ctx.clearinghouse();
        const o = cmd.opts();
        const col = await collateralArg(ctx.client, clearinghouse, o.mint);
        const amount = parseUiAmount(amountArg, col.decimals);
        const address = ctx.client.marginAccountAddress(clearinghouse, ctx.keypair.publicKey, ctx.opts.index);
        // the quote mint's vault is a PDA: no need to pass the mint (nor to fetch its vault)
        const base = { clearinghouse, accountIndex: ctx.opts.index, amount, mint: o.mint ? col.mint : undefined };
        let preview: PreviewView | undefined;
        if (kind === "withdraw") {
          preview = await previewView(ctx.client, address, col.mint, amount);
          if (preview.ok === false && !o.force) {
            const msg = `refused before sending: the preview leaves equity ${cents(preview.equity!)} below initial margin ${cents(preview.im!)} (--force sends it anyway)`;
            const error = new PortfolioMarginError({ code: ProgramErrorCode.InsufficientMargin, name: "InsufficientMargin", msg, source: "client" });
            const what = `${formatUiAmount(amount, col.decimals, { grouping: true })} ${col.label}`;
            throw new CommandError(error, { marginAccount: address, kind, mint: col.mint, amount, preview }, [`preview of withdrawing ${what}: ${previewText(preview)}`]);
          }
        }
        const signature =
          kind === "deposit"
            ? await ctx.client.deposit({ ...base, source: o.source ? parsePubkey(o.source, "--source") : undefined })
            : await ctx.client.withdraw({ ...base, destination: o.destination ? parsePubkey(o.destination, "--destination") : undefined });
        const events = await fetchTransactionEvents(ctx.connection, signature, { programId: ctx.client.programId }).catch(() => []);
        const ev = events.find((e) => e.name === `${kind}Event`);
        const balanceAfter = ev ? BigInt((ev.data as { balanceAfter: BN }).balanceAfter.toString()) : await balanceOf(ctx.client, address, col.mint);
        const ui = (x: bigint) => formatUiAmount(x, col.decimals, { grouping: true });
        emit(
          cmd,
          { marginAccount: address, kind, mint: col.mint, decimals: col.decimals, amount, amountUi: ui(amount), balanceAfter, balanceAfterUi: ui(balanceAfter), preview, signature, events },
          () => [
            `${kind === "deposit" ? "deposited" : "withdrew"} ${ui(amount)} ${col.label}`,
            ...table(
              [
                ["margin account", address.toBase58()],
                ["balance", `${ui(balanceAfter)} ${col.label}`],
                ...(preview ? [["preview", previewText(preview)] as [string, string]] : []),
                ["signature", signature],
              ],
              "  ",
            ),
          ],
        );
      }),
    );
  }

  account
    .command("risk [address]")
    .description(
      "the program's simulate_margin report of a margin account (default: the wallet's at --clearinghouse/--index): " +
        "equity, MM, IM, free collateral, add-ons, health and the risk matrix per market",
    )
    .option("--owner <pubkey>", "owner to derive the address for (default: the wallet)")
    .option("--check", "also evaluate the SDK's mirror of the margin check and show it next to the program's numbers (exit 1 if they differ)")
    .action(
      action(async (cmd, addressArg?: string) => {
        const ctx = getContext(cmd);
        const address = accountAddressArg(ctx, cmd, addressArg);
        if (!(await ctx.client.fetchMarginAccountNullable(address))) throw new Error(`no margin account at ${address.toBase58()}`);
        const view = buildRiskView(await fetchRiskInputs(ctx.client, address), { check: !!cmd.opts().check });
        emit(cmd, view, () => renderRiskView(view));
        if (view.check && !view.check.equal) process.exitCode = 1;
      }),
    );

  account
    .command("show [address]")
    .description("show a margin account (default: the wallet's at --clearinghouse/--index)")
    .option("--owner <pubkey>", "owner to derive the address for (default: the wallet)")
    .action(
      action(async (cmd, addressArg?: string) => {
        const ctx = getContext(cmd);
        const address = accountAddressArg(ctx, cmd, addressArg);
        const acc = await ctx.client.fetchMarginAccountNullable(address);
        if (!acc) throw new Error(`no margin account at ${address.toBase58()}`);
        const view = await describe(ctx.client, address, acc);
        emit(cmd, view, () => render(view));
      }),
    );

  account
    .command("list")
    .description("list margin accounts of an owner (memcmp scan), optionally within --clearinghouse")
    .option("--owner <pubkey>", "owner (default: the wallet)")
    .action(
      action(async (cmd) => {
        const ctx = getContext(cmd);
        const o = cmd.opts();
        const owner = o.owner ? parsePubkey(o.owner, "--owner") : ctx.keypair.publicKey;
        const clearinghouse = ctx.opts.clearinghouse ? ctx.clearinghouse() : undefined;
        const accounts = await ctx.client.allMarginAccounts({ owner, clearinghouse });
        const views = await Promise.all(accounts.map((a) => describe(ctx.client, a.publicKey, a.account)));
        emit(cmd, views, () =>
          views.length === 0
            ? [`no margin accounts for ${owner.toBase58()}`]
            : [
                `${views.length} margin account(s) of ${owner.toBase58()}`,
                ...views.map(
                  (v) => `  #${v.accountIndex}  ${v.address.toBase58()}  clearinghouse ${v.clearinghouse.toBase58()}  ${v.quoteBalanceUi} USDC`,
                ),
              ],
        );
      }),
    );

  account
    .command("close")
    .description("close the wallet's (empty) margin account at --clearinghouse/--index and reclaim rent")
    .option("--rent-receiver <pubkey>", "who gets the rent (default: the wallet)")
    .action(
      action(async (cmd) => {
        const ctx = getContext(cmd);
        const clearinghouse = ctx.clearinghouse();
        const o = cmd.opts();
        const rentReceiver = o.rentReceiver ? parsePubkey(o.rentReceiver, "--rent-receiver") : undefined;
        const signature = await ctx.client.closeMarginAccount({ clearinghouse, accountIndex: ctx.opts.index, rentReceiver });
        const address = ctx.client.marginAccountAddress(clearinghouse, ctx.keypair.publicKey, ctx.opts.index);
        emit(cmd, { marginAccount: address, closed: true, signature }, () => [`closed margin account ${address.toBase58()}`, `  signature: ${signature}`]);
      }),
    );
}

/** The [address] argument, else the margin account of --owner (default: the wallet) at --clearinghouse/--index. */
function accountAddressArg(ctx: Context, cmd: Command, addressArg?: string): PublicKey {
  if (addressArg) return parsePubkey(addressArg, "margin account");
  const owner = cmd.opts().owner ? parsePubkey(cmd.opts().owner, "--owner") : ctx.keypair.publicKey;
  return ctx.client.marginAccountAddress(ctx.clearinghouse(), owner, ctx.opts.index);
}

async function balanceOf(client: PortfolioMarginClient, address: PublicKey, mint: PublicKey): Promise<bigint> {
  const acc = await client.fetchMarginAccount(address);
  return collaterals(acc).filter((c) => c.mint.equals(mint)).reduce((s, c) => s + c.amount, 0n);
}

interface CollateralArg {
  mint: PublicKey;
  decimals: number;
  /** "USDC" for the quote mint, else the mint and its pricing market. */
  label: string;
}

/** The quote mint, or the listed collateral `--mint` names (an error if it is not listed). */
async function collateralArg(client: PortfolioMarginClient, clearinghouse: PublicKey, mintArg?: string): Promise<CollateralArg> {
  if (!mintArg) return { mint: await client.quoteMint(clearinghouse), decimals: QUOTE_DECIMALS, label: "USDC" };
  const mint = parsePubkey(mintArg, "--mint");
  const ch = await client.fetchClearinghouseInfo(clearinghouse);
  const c = ch.collaterals.find((x) => x.mint.equals(mint));
  if (!c) {
    throw new Error(`mint ${mint.toBase58()} is not listed as collateral of clearinghouse ${clearinghouse.toBase58()} (see \`pm collateral list\`)`);
  }
  if (c.marketIndex === null) return { mint, decimals: c.decimals, label: mint.equals(ch.quoteMint) ? "USDC" : `of ${mint.toBase58()}` };
  const symbol = await client.fetchMarketInfo(clearinghouse, c.marketIndex).then((m) => m.symbol, () => `market #${c.marketIndex}`);
  return { mint, decimals: c.decimals, label: `of ${mint.toBase58()} (${symbol}-priced)` };
}


interface AccountView {
  address: PublicKey;
  owner: PublicKey;
  clearinghouse: PublicKey;
  accountIndex: number;
  quoteMint: PublicKey;
  quoteBalance: bigint;
  quoteBalanceUi: string;
  collaterals: { mint: PublicKey; amount: bigint; ui?: string }[];
  openPositions: number;
}

async function describe(client: PortfolioMarginClient, address: PublicKey, acc: MarginAccountData): Promise<AccountView> {
  const quoteMint = await client.quoteMint(acc.clearinghouse);
  const cols = collaterals(acc).map((c) => ({ ...c, ui: c.mint.equals(quoteMint) ? formatQuoteAmount(c.amount, { grouping: true }) : undefined }));
  const quoteBalance = cols.filter((c) => c.mint.equals(quoteMint)).reduce((s, c) => s + c.amount, 0n);
  return {
    address,
    owner: acc.owner,
    clearinghouse: acc.clearinghouse,
    accountIndex: acc.accountIndex,
    quoteMint,
    quoteBalance,
    quoteBalanceUi: formatQuoteAmount(quoteBalance, { grouping: true }),
    collaterals: cols,
    openPositions: (acc.positions as unknown[]).filter((p) => !isEmpty(p)).length,
  };
}

function render(v: AccountView): string[] {
  return [
    `margin account ${v.address.toBase58()}`,
    ...table(
      [
        ["owner", v.owner.toBase58()],
        ["clearinghouse", v.clearinghouse.toBase58()],
        ["index", String(v.accountIndex)],
        ["USDC balance", `${v.quoteBalanceUi} USDC`],
        ["collateral slots", String(v.collaterals.length)],
        ["open positions", String(v.openPositions)],
      ],
      "  ",
    ),
    ...v.collaterals.map((c) => `    ${c.mint.toBase58()}  ${c.ui !== undefined ? `${c.ui} USDC` : `${c.amount} (native)`}`),
  ];
}

/** A fixed-capacity slot counts as empty when every field is zero / the default key. */
function isEmpty(v: unknown): boolean {
  if (v == null) return true;
  if (v instanceof PublicKey) return v.equals(PublicKey.default);
  if (BN.isBN(v)) return (v as BN).isZero();
  if (typeof v === "number" || typeof v === "bigint") return v == 0;
  if (typeof v === "boolean") return !v;
  if (Array.isArray(v)) return v.every(isEmpty);
  if (typeof v === "object") return Object.values(v as object).every(isEmpty);
  return false;
}
