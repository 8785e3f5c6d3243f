import { describeQuote, MakerSide, parseUiAmount, SidePreview, TradePreview } from "@portfolio-margin/sdk";
import { PublicKey } from "@solana/web3.js";
import { useEffect, useState } from "react";
import { quoteLink } from "../config";
import { units6 } from "../format";
import { useAction } from "../hooks/useAction";
import { ActionOutcome } from "./ActionOutcome";
import type { Sdk } from "../sdk/client";
import { explain, PredictedRefusal } from "../sdk/errors";
import { instrumentLabel, MarketsData } from "../sdk/markets";
import { acceptQuote, prepareQuote, PreparedQuote, receiveQuote, ReceivedQuote, signQuote } from "../sdk/rfq";
import { useWallet } from "../wallet/WalletProvider";
import { ErrorNotice } from "./ErrorNotice";
import { LegForm } from "./LegForm";
import { Money } from "./Money";
import { Panel } from "./Panel";
import { GridHead } from "./GridHead";

function SideRow({ name, side }: { name: string; side: SidePreview }) {
  return (
    <tr>
      <td>{name}</td>
      <td className="num">{side.before ? <Money value={side.before.im} /> : "-"}</td>
      <td className="num">{side.after ? <Money value={side.after.im} testId={`rfq-${name}-im-after`} /> : "-"}</td>
      <td className="num">{side.after ? <Money value={side.after.equity - side.after.im} signed /> : "-"}</td>
      <td className="num">
        <Money value={side.fee} />
      </td>
    </tr>
  );
}

function PreviewTable({ p }: { p: TradePreview }) {
  return (
    <>
      <table className="grid compact" data-testid="rfq-preview" data-ok={String(p.ok)}>
        <GridHead rows="" numbers={["IM now", "IM after", "excess after", "fee"]} />
        <tbody>
          <SideRow name="maker" side={p.maker} />
          <SideRow name="taker" side={p.taker} />
        </tbody>
      </table>
      {p.ok ? <p className="good-text">The program would accept this trade.</p> : <ErrorNotice error={explain(new PredictedRefusal(p.error!))} prefix="The program would refuse it" />}
    </>
  );
}

function MakerForm({ sdk, data, clearinghouse }: { sdk: Sdk; data: MarketsData; clearinghouse: PublicKey }) {
  const { wallet } = useWallet();
  const [taker, setTaker] = useState("");
  const [ttl, setTtl] = useState("300");
  const [prepared, setPrepared] = useState<{ p: PreparedQuote; marketIndex: number } | null>(null);
  const [shared, setShared] = useState<string | null>(null);
  const prep = useAction<void>();
  const sign = useAction<void>();
  return (
    <div className="rfq-maker" data-testid="rfq-maker">
      <h3>Quote as maker</h3>
      <label>
        taker wallet <input data-testid="rfq-taker" value={taker} onChange={(e) => setTaker(e.target.value.trim())} size={44} />
      </label>{" "}
      <label>
        valid for <input value={ttl} onChange={(e) => setTtl(e.target.value)} size={4} /> s
      </label>
      <LegForm
        data={data}
        testId="rfq-form"
        submitLabel="Preview quote"
        sideLabels={["maker buys", "maker sells"]}
        onSubmit={(l) =>
          void prep.run(async () => {
            setShared(null);
            if (!wallet) throw new Error("connect a wallet first");
            const p = await prepareQuote(sdk.trading, {
              clearinghouse,
              maker: wallet.publicKey,
              taker: new PublicKey(taker),
              marketIndex: l.marketIndex,
              instrumentIndex: l.instrumentIndex,
              makerSide: l.buy ? MakerSide.Buy : MakerSide.Sell,
              size: l.size,
              price: l.price,
              ttlSecs: Number(parseUiAmount(ttl, 0)),
              oracleLimit: 0n,
            });
            setPrepared({ p, marketIndex: l.marketIndex });
          })
        }
      />
      <ErrorNotice error={prep.error} prefix="Cannot quote" />
      {prepared && (
        <>
          <PreviewTable p={prepared.p.preview} />
          <button
            data-testid="rfq-sign"
            disabled={sign.busy}
            onClick={() =>
              void sign.run(async () => {
                if (!wallet) throw new Error("connect a wallet first");
                setShared(await signQuote(sdk.trading, wallet, prepared.p, prepared.marketIndex));
              })
            }
          >
            Sign quote (partially) and share
          </button>
          <ErrorNotice error={sign.error} prefix="Not signed" />
        </>
      )}
      {shared && (
        <div className="shared">
          <label>
            signed quote (send it to the taker)
            <textarea readOnly data-testid="quote-string" value={shared} rows={3} />
          </label>
          <a href={quoteLink(shared)} data-testid="quote-link">
            link to accept it
          </a>
        </div>
      )}
    </div>
  );
}

function TakerForm({ sdk, data, initial }: { sdk: Sdk; data: MarketsData; initial?: string }) {
  const [text, setText] = useState(initial ?? "");
  const [received, setReceived] = useState<ReceivedQuote | null>(null);
  const review = useAction<void>();
  const accept = useAction<string>();
  const doReview = (t: string) =>
    void review.run(async () => {
      accept.reset();
      setReceived(null);
      setReceived(await receiveQuote(sdk.trading, t));
    });
  useEffect(() => {
    if (initial) doReview(initial);
  }, [initial]); // eslint-disable-line react-hooks/exhaustive-deps
  const d = received?.decoded;
  const market = received ? data.markets.find((m) => m.marketIndex === received.marketIndex) : undefined;
  const q = d ? describeQuote(d.quote) : null;
  return (
    <div className="rfq-taker" data-testid="rfq-taker">
      <h3>Accept a quote as taker</h3>
      <textarea data-testid="quote-input" placeholder="paste a signed quote" value={text} onChange={(e) => setText(e.target.value)} rows={3} />
      <button data-testid="rfq-review" onClick={() => doReview(text)} disabled={review.busy || !text.trim()}>
        Review
      </button>
      <ErrorNotice error={review.error} prefix="Not a usable quote" />
      {d && q && market && (
        <>
          <p data-testid="quote-terms">
            maker {q.makerSide === "sell" ? "sells" : "buys"} {units6(d.quote.size)} {instrumentLabel(market, d.quote.instrumentIndex)} @ {units6(d.quote.price)}; you{" "}
            {q.makerSide === "sell" ? "buy" : "sell"}. Expires {new Date(Number(d.quote.expiresAt) * 1000).toLocaleTimeString()}; maker signature{" "}
            {d.makerSigned ? "verified" : "MISSING"}.
          </p>
          <PreviewTable p={received!.preview} />
          <button
            data-testid="rfq-accept"
            disabled={accept.busy}
            onClick={() =>
              void accept.run(async () => {
                const sig = await acceptQuote(sdk.trading, received!.encoded);
                setReceived(null);
                setText("");
                return sig;
              })
            }
          >
            Accept: sign and send
          </button>
        </>
      )}
      <ActionOutcome error={accept.error} signature={accept.result} label="Filled" testId="rfq-filled" />
    </div>
  );
}

export function RfqPanel({ sdk, data, clearinghouse, sharedQuote }: { sdk: Sdk; data: MarketsData | null; clearinghouse: PublicKey | null; sharedQuote?: string }) {
  return (
    <Panel id="rfq" title="RFQ" wide>
      {!data || !clearinghouse ? (
        <p className="muted">No clearinghouse loaded.</p>
      ) : (
        <div className="cols">
          <MakerForm sdk={sdk} data={data} clearinghouse={clearinghouse} />
          <TakerForm sdk={sdk} data={data} initial={sharedQuote} />
        </div>
      )}
    </Panel>
  );
}
