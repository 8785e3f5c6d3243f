// Every margin account of the clearinghouse, kept current: a full getProgramAccounts listing
// (memcmp on the account discriminator and the clearinghouse) at start and periodically, and one
// programSubscribe with the same filters in between. A re-list reconciles whatever a dropped
// websocket missed (changes and closed accounts), so a restart or a lost subscription costs at
// most one re-list interval of staleness, never a missed account.
import { GetProgramAccountsFilter, PublicKey } from "@solana/web3.js";
import { accountFieldOffset, decodeMarginAccountInfo, MarginAccountInfo, PortfolioMarginClient } from "../sdk";

export interface TrackedAccount {
  info: MarginAccountInfo;
  /** The account data as last seen (unchanged data is not re-decoded). */
  data: Buffer;
  /** Bumped on every change (compiled health state keys on it). */
  version: number;
}

export class AccountTracker {
  readonly accounts = new Map<string, TrackedAccount>();
  private subscription: number | null = null;
  private versionCounter = 0;
  lastRelistAt = 0;
  /** Updates received from the subscription (tests, metrics). */
  pushed = 0;

  constructor(
    private readonly client: PortfolioMarginClient,
    readonly clearinghouse: PublicKey,
    private readonly onChange: (address: string) => void = () => {},
  ) {}

  private filters(): GetProgramAccountsFilter[] {
    const disc = this.client.program.coder.accounts.memcmp("marginAccount");
    return [
      { memcmp: { offset: disc.offset ?? 0, bytes: disc.bytes } },
      { memcmp: { offset: accountFieldOffset("MarginAccount", "clearinghouse"), bytes: this.clearinghouse.toBase58() } },
    ];
  }

  /** The fixed-offset decoder: a re-list of 100,000 accounts would take minutes with the Borsh coder. */
  private decode(address: PublicKey, data: Buffer): MarginAccountInfo {
    return decodeMarginAccountInfo(address, data);
  }

  private put(address: PublicKey, data: Buffer): void {
    const key = address.toBase58();
    const prev = this.accounts.get(key);
    if (prev && prev.data.equals(data)) return;
    this.accounts.set(key, { info: this.decode(address, data), data: Buffer.from(data), version: ++this.versionCounter });
    this.onChange(key);
  }

  /** Full listing; accounts no longer listed are dropped. */
  async relist(): Promise<void> {
    const all = await this.client.connection.getProgramAccounts(this.client.programId, { filters: this.filters(), commitment: "confirmed" });
    const seen = new Set<string>();
    for (const a of all) {
      seen.add(a.pubkey.toBase58());
      this.put(a.pubkey, a.account.data);
    }
    for (const key of [...this.accounts.keys()]) {
      if (!seen.has(key)) {
        this.accounts.delete(key);
        this.onChange(key);
      }
    }
    this.lastRelistAt = Date.now();
  }

  subscribe(): void {
    if (this.subscription !== null) return;
    this.subscription = this.client.connection.onProgramAccountChange(
      this.client.programId,
      (keyed) => {
        this.pushed++;
        try {
          this.put(keyed.accountId, keyed.accountInfo.data);
        } catch {
          // not decodable as a margin account: the next re-list settles it
        }
      },
      { commitment: "confirmed", filters: this.filters() },
    );
  }

  async unsubscribe(): Promise<void> {
    if (this.subscription === null) return;
    const id = this.subscription;
    this.subscription = null;
    await this.client.connection.removeProgramAccountChangeListener(id).catch(() => {});
  }

  /** Re-reads one account now (after the crank changed it). */
  async refresh(address: PublicKey): Promise<void> {
    const info = await this.client.connection.getAccountInfo(address, "confirmed");
    if (info) this.put(address, info.data);
    else if (this.accounts.delete(address.toBase58())) this.onChange(address.toBase58());
  }
}
