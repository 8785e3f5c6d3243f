// RFQ through the wallet: the maker builds the trade transaction (fee payer: the taker), previews
// both sides, signs it partially with the wallet and shares it as a string; the taker decodes it,
// previews it against the accounts as they are now, and completes it (the SDK refuses before
// sending what the program would refuse).
import {
  DecodedQuote,
  MakerSide,
  PortfolioMarginTrading,
  serializeSignedQuote,
  TradePreview,
  TradeQuote,
  previewTrade,
} from "@portfolio-margin/sdk";
import { PublicKey, Transaction } from "@solana/web3.js";
import type { SigningWallet } from "../wallet/WalletProvider";
import { PredictedRefusal } from "./errors";

export interface QuoteDraft {
  clearinghouse: PublicKey;
  maker: PublicKey;
  taker: PublicKey;
  marketIndex: number;
  instrumentIndex: number;
  makerSide: MakerSide;
  /** Contracts at 1e6 (> 0). */
  size: bigint;
  /** Per contract at 1e6. */
  price: bigint;
  /** Seconds the quote stays valid. */
  ttlSecs: number;
  /** At 1e6; 0 = none. */
  oracleLimit: bigint;
}

export interface PreparedQuote {
  quote: TradeQuote;
  makerAccount: PublicKey;
  takerAccount: PublicKey;
  preview: TradePreview;
}

export async function prepareQuote(trading: PortfolioMarginTrading, d: QuoteDraft): Promise<PreparedQuote> {
  const c = trading.client;
  const makerAccount = c.marginAccountAddress(d.clearinghouse, d.maker, 0);
  const takerAccount = c.marginAccountAddress(d.clearinghouse, d.taker, 0);
  const s = await trading.tradeSnapshot(makerAccount, takerAccount, d.marketIndex);
  const quote: TradeQuote = {
    instrumentIndex: d.instrumentIndex,
    makerSide: d.makerSide,
    size: d.size,
    price: d.price,
    oracleLimit: d.oracleLimit,
    expiresAt: s.now + BigInt(d.ttlSecs),
    // unique per quote; any unspent value in the maker's window works (the CLI uses the time too)
    nonce: BigInt(Date.now()),
  };
  return { quote, makerAccount, takerAccount, preview: previewTrade(s, quote) };
}

/** The maker's signature on the trade transaction (the wallet signs partially), as the string to share. */
export async function signQuote(trading: PortfolioMarginTrading, wallet: SigningWallet, p: PreparedQuote, marketIndex: number): Promise<string> {
  const s = await trading.tradeSnapshot(p.makerAccount, p.takerAccount, marketIndex);
  const ix = await trading.tradeIxFrom(s, p.quote);
  const { blockhash, lastValidBlockHeight } = await trading.client.connection.getLatestBlockhash("confirmed");
  const tx = new Transaction({ feePayer: s.taker.owner, blockhash, lastValidBlockHeight }).add(ix);
  return serializeSignedQuote(await wallet.signTransaction(tx));
}

export interface ReceivedQuote {
  encoded: string;
  decoded: DecodedQuote;
  marketIndex: number;
  preview: TradePreview;
}

/** Decodes a shared quote (throws the SDK's InvalidQuote) and previews it now. */
export async function receiveQuote(trading: PortfolioMarginTrading, encoded: string): Promise<ReceivedQuote> {
  const decoded = trading.decodeSignedQuote(encoded.trim());
  const market = await trading.client.program.account.market.fetch(decoded.accounts.market);
  const preview = await trading.previewSignedQuote(decoded);
  return { encoded: encoded.trim(), decoded, marketIndex: market.marketIndex, preview };
}

/** Signs as the taker and sends; a trade the preview says the program would refuse is not sent. */
export async function acceptQuote(trading: PortfolioMarginTrading, encoded: string): Promise<string> {
  const preview = await trading.previewSignedQuote(trading.decodeSignedQuote(encoded.trim()));
  if (preview.error) throw new PredictedRefusal(preview.error);
  const { signature } = await trading.acceptSignedQuote(encoded.trim(), { preview: false });
  return signature;
}
