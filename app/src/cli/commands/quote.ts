// `pm quote create|show|accept|cancel` (RFQ trades: the maker signs a quote string, the taker
// inspects, previews and completes it) and `pm positions <account>`.
import { Command, InvalidArgumentError } from "commander";
import { PublicKey } from "@solana/web3.js";
import { MarketInfo } from "../../accounts";
import { PortfolioMarginClient } from "../../client";
import { clusterTime } from "../../health";
import { DecodedQuote, MakerSide, PortfolioMarginTrading, SidePreview, TradePreview, TradeQuote } from "../../trading";
import { parseUiAmount } from "../../units";
import { Context, getContext, parsePubkey } from "../context";
import { action, cents, CommandError, emit, isoTime, table, usd } from "../output";
import { buildPositionsView, renderPositionsView } from "../positions-view";
import { instrumentLabel } from "../risk-view";

const price6 = (v: string) => parseUiAmount(v, 6);

function parseSide(v: string): MakerSide {
  if (v === "buy") return MakerSide.Buy;
  if (v === "sell") return MakerSide.Sell;
  throw new InvalidArgumentError("must be buy or sell (the maker's side).");
}

async function marketArg(client: PortfolioMarginClient, clearinghouse: PublicKey, ref: string): Promise<MarketInfo> {
  const all = await client.allMarkets(clearinghouse);
  const m = all.find((x) => x.symbol.toLowerCase() === ref.toLowerCase() || String(x.marketIndex) === ref);
  if (!m) throw new Error(`no market "${ref}" (markets: ${all.map((x) => x.symbol).join(", ")})`);
  return m;
}

function sideLines(label: string, s: SidePreview): string[] {
  const r = (x: { equity: bigint; im: bigint; mm: bigint } | null) => (x ? `equity ${cents(x.equity)}  IM ${cents(x.im)}  MM ${cents(x.mm)}` : "-");
  return [
    `  ${label}: size ${usd(s.sizeBefore)} -> ${usd(s.sizeAfter)}, fee ${cents(s.fee)}, quote ${cents(s.quoteBalanceBefore)} -> ${cents(s.quoteBalanceAfter)}${s.riskReducing ? " (risk-reducing)" : ""}`,
    `    before: ${r(s.before)}`,
    `    after:  ${r(s.after)}`,
  ];
}

export function previewLines(p: TradePreview): string[] {
  return [
    p.ok ? "preview: the program would accept the trade" : `preview: the program would refuse it: ${p.error!.name} (${p.error!.msg})`,
    ...sideLines("maker", p.maker),
    ...sideLines("taker", p.taker),
  ];
}

function quoteLines(d: DecodedQuote, market: MarketInfo | null): string[] {
  const q = d.quote;
  const ins = market?.instruments[q.instrumentIndex];
  return table([
    ["market", market ? `${market.symbol} (${d.accounts.market.toBase58()})` : d.accounts.market.toBase58()],
    ["instrument", ins ? `#${q.instrumentIndex} ${instrumentLabel(ins.kind, ins.expiry, ins.strike)}` : `#${q.instrumentIndex}`],
    ["maker", `${q.makerSide === MakerSide.Buy ? "buys" : "sells"} ${usd(q.size)} @ ${usd(q.price)}`],
    ["oracle limit", q.oracleLimit === 0n ? "none" : usd(q.oracleLimit)],
    ["expires", isoTime(q.expiresAt)],
    ["nonce", q.nonce.toString()],
    ["maker account", `${d.accounts.makerAccount.toBase58()} (owner ${d.accounts.maker.toBase58()})`],
    ["taker account", `${d.accounts.takerAccount.toBase58()} (owner ${d.accounts.taker.toBase58()})`],
    ["maker signed", d.makerSigned ? "yes (verifies)" : "NO"],
  ], "  ");
}

async function decodeWithMarket(ctx: Context, encoded: string) {
  const trading = new PortfolioMarginTrading(ctx.client);
  const decoded = trading.decodeSignedQuote(encoded);
  const raw = await ctx.client.program.account.market.fetchNullable(decoded.accounts.market);
  const market = raw ? await ctx.client.fetchMarketInfo(raw.clearinghouse, raw.marketIndex) : null;
  return { trading, decoded, market };
}

export function register(program: Command): void {
  const quote = program.command("quote").description("RFQ trades: sign a quote (maker), inspect and complete it (taker)");

  quote
    .command("create")
    .description("sign a quote as the maker (the wallet's account at --index) for a taker; prints the quote string to share")
    .requiredOption("--taker <pubkey>", "the taker's wallet (owner of the taker account)")
    .option("--taker-index <n>", "the taker's margin account index", "0")
    .requiredOption("--market <symbol|index>", "the market")
    .requiredOption("--instrument <index>", "instrument index in the market (see `pm market show`)")
    .requiredOption("--side <buy|sell>", "the maker's side", parseSide)
    .requiredOption("--size <contracts>", "contracts (decimal)")
    .requiredOption("--price <usd>", "price per contract (premium for options)")
    .option("--oracle-limit <usd>", "refuse the fill if the oracle moved past this (maker's protection)")
    .option("--ttl <secs>", "seconds the quote stays valid", "60")
    .option("--nonce <n>", "quote nonce (default: the cluster time in ms)")
    .action(
      action(async (cmd) => {
        const ctx = getContext(cmd);
        const o = cmd.opts();
        const clearinghouse = ctx.clearinghouse();
        const market = await marketArg(ctx.client, clearinghouse, o.market);
        const now = await clusterTime(ctx.connection);
        const q: TradeQuote = {
          instrumentIndex: Number(o.instrument),
          makerSide: o.side,
          size: price6(o.size),
          price: price6(o.price),
          oracleLimit: o.oracleLimit ? price6(o.oracleLimit) : 0n,
          expiresAt: now + BigInt(o.ttl),
          nonce: o.nonce ? BigInt(o.nonce) : BigInt(Date.now()),
        };
        const makerAccount = ctx.client.marginAccountAddress(clearinghouse, ctx.keypair.publicKey, ctx.opts.index);
        const takerAccount = ctx.client.marginAccountAddress(clearinghouse, parsePubkey(o.taker, "taker"), Number(o.takerIndex));
        const trading = new PortfolioMarginTrading(ctx.client);
        const encoded = await trading.createSignedQuote({ maker: ctx.keypair, makerAccount, takerAccount, marketIndex: market.marketIndex, quote: q });
        emit(cmd, { quote: encoded, ...q, makerAccount, takerAccount }, () => [encoded]);
      }),
    );

  quote
    .command("show <quote>")
    .description("decode a quote string: the quote, its accounts, the maker's signature and a margin preview")
    .action(
      action(async (cmd, encoded: string) => {
        const ctx = getContext(cmd);
        const { trading, decoded, market } = await decodeWithMarket(ctx, encoded);
        const preview = await trading.previewSignedQuote(decoded);
        emit(cmd, { quote: decoded.quote, accounts: decoded.accounts, makerSigned: decoded.makerSigned, preview: { ...preview, error: preview.error?.toJSON() ?? null } }, () => [
          ...quoteLines(decoded, market),
          ...previewLines(preview),
        ]);
      }),
    );

  // The taker's side: shows the quote, previews margin, signs and sends (refused before sending
  // when the preview fails). `pm trade <quote>` is the same command at the top level.
  const accept = action(async (cmd: Command, encoded: string) => {
    const ctx = getContext(cmd);
    const { trading, decoded, market } = await decodeWithMarket(ctx, encoded);
    const preview = await trading.previewSignedQuote(decoded);
    const lines = [...quoteLines(decoded, market), ...previewLines(preview)];
    if (preview.error && !cmd.opts().force) throw new CommandError(preview.error, { quote: decoded.quote }, lines);
    const { signature } = await trading.acceptSignedQuote(encoded, { taker: ctx.keypair, preview: false });
    emit(cmd, { signature, quote: decoded.quote, preview: { ...preview, error: preview.error?.toJSON() ?? null } }, () => [...lines, `traded: ${signature}`]);
  });
  const forceOption = "send even when the preview says the program will refuse it";
  quote
    .command("accept <quote>")
    .description("complete a quote as the taker (the wallet): shows it, previews margin, signs and sends (refused before sending if the preview fails)")
    .option("--force", forceOption)
    .action(accept);
  program
    .command("trade <quote>")
    .description("trade on a maker's quote as the taker (the wallet): the same as `quote accept`")
    .option("--force", forceOption)
    .action(accept);

  quote
    .command("cancel <nonce-floor>")
    .description("cancel every outstanding quote of the wallet's account with a nonce below <nonce-floor>")
    .action(
      action(async (cmd, floor: string) => {
        const ctx = getContext(cmd);
        const marginAccount = ctx.client.marginAccountAddress(ctx.clearinghouse(), ctx.keypair.publicKey, ctx.opts.index);
        const signature = await new PortfolioMarginTrading(ctx.client).cancelQuotes({ marginAccount, nonceFloor: BigInt(floor), owner: ctx.keypair });
        emit(cmd, { marginAccount, nonceFloor: floor, signature }, () => [`quotes below nonce ${floor} cancelled: ${signature}`]);
      }),
    );

  program
    .command("positions [account]")
    .description("a margin account's positions (default: the wallet's at --index): mark, P&L, cost basis, funding owed, settlement state")
    .action(
      action(async (cmd, accountArg?: string) => {
        const ctx = getContext(cmd);
        const address = accountArg ? parsePubkey(accountArg, "margin account") : ctx.client.marginAccountAddress(ctx.clearinghouse(), ctx.keypair.publicKey, ctx.opts.index);
        const view = buildPositionsView(await ctx.client.marginSnapshot(address));
        emit(cmd, view, () => renderPositionsView(view));
      }),
    );
}
