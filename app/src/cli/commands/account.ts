// `pm account create|deposit|withdraw|show|list|close`: a wallet's margin accounts.
import { Command } from "commander";
import { PublicKey } from "@solana/web3.js";
import BN from "bn.js";
import { MarginAccountData } from "../../accounts";
import { collaterals, PortfolioMarginClient } from "../../client";
import { fetchTransactionEvents } from "../../events";
import { formatQuoteAmount, parseQuoteAmount } from "../../units";
import { getContext, loadKeypair, parsePubkey } from "../context";
import { action, emit, table } from "../output";

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
    account
      .command(`${kind} <amount>`)
      .description(
        kind === "deposit"
          ? "deposit USDC (decimal, e.g. 250 or 0.5) from the wallet's token account"
          : "withdraw USDC (decimal) to the wallet's token account (created if missing)",
      )
      .option(
        kind === "deposit" ? "--source <pubkey>" : "--destination <pubkey>",
        kind === "deposit" ? "token account to debit (default: the wallet's ATA)" : "token account to credit (default: the wallet's ATA)",
      )
      .action(
        action(async (cmd, amountArg: string) => {
          const ctx = getContext(cmd);
          const clearinghouse = ctx.clearinghouse();
          const amount = parseQuoteAmount(amountArg);
          const o = cmd.opts();
          const base = { clearinghouse, accountIndex: ctx.opts.index, amount };
          const signature =
            kind === "deposit"
              ? await ctx.client.deposit({ ...base, source: o.source ? parsePubkey(o.source, "--source") : undefined })
              : await ctx.client.withdraw({ ...base, destination: o.destination ? parsePubkey(o.destination, "--destination") : undefined });
          const address = ctx.client.marginAccountAddress(clearinghouse, ctx.keypair.publicKey, ctx.opts.index);
          const events = await fetchTransactionEvents(ctx.connection, signature, { programId: ctx.client.programId }).catch(() => []);
          const ev = events.find((e) => e.name === `${kind}Event`);
          const balanceAfter = ev ? BigInt((ev.data as { balanceAfter: BN }).balanceAfter.toString()) : await quoteBalance(ctx.client, address, clearinghouse);
          emit(cmd, { marginAccount: address, kind, amount, balanceAfter, signature, events }, () => [
            `${kind === "deposit" ? "deposited" : "withdrew"} ${formatQuoteAmount(amount, { grouping: true })} USDC`,
            ...table(
              [
                ["margin account", address.toBase58()],
                ["balance", `${formatQuoteAmount(balanceAfter, { grouping: true })} USDC`],
                ["signature", signature],
              ],
              "  ",
            ),
          ]);
        }),
      );
  }

  account
    .command("show [address]")
    .description("show a margin account (default: the wallet's at --clearinghouse/--index)")
    .option("--owner <pubkey>", "owner to derive the address for (default: the wallet)")
    .action(
      action(async (cmd, addressArg?: string) => {
        const ctx = getContext(cmd);
        const o = cmd.opts();
        const address = addressArg
          ? parsePubkey(addressArg, "margin account")
          : ctx.client.marginAccountAddress(ctx.clearinghouse(), o.owner ? parsePubkey(o.owner, "--owner") : ctx.keypair.publicKey, ctx.opts.index);
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

async function quoteBalance(client: PortfolioMarginClient, address: PublicKey, clearinghouse: PublicKey): Promise<bigint> {
  const acc = await client.fetchMarginAccount(address);
  const mint = await client.quoteMint(clearinghouse);
  return collaterals(acc).filter((c) => c.mint.equals(mint)).reduce((s, c) => s + c.amount, 0n);
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
