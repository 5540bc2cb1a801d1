/**
 * The Bootstrap of a session started with `bootstrap: 'invite'`. A newcomer enters through the
 * one channel its invite opened (its first claim says `taken`, the dial hands that channel over).
 * A member (the first peer, or a newcomer once joined) claims the PeerServer point when the app
 * configured one (`fallback`), so that invited members take part in PeerServer succession and
 * rooms merge; with no server, or when it does not answer, it "holds" a point nobody can dial:
 * a lone first peer is connected at once. Invited newcomers reach members through the
 * transport's `serveChannel`, never through `claim`'s `incoming`.
 *
 * | state    | claim()                                   | dial()                       | leaves to            |
 * |----------|-------------------------------------------|------------------------------|----------------------|
 * | entering | `taken`                                   | the entry channel, once      | waiting              |
 * | waiting  | `taken`                                   | undefined (the join then times out: never "alone" by mistake) | member on `joined()` |
 * | member   | the fallback's result; `held` without one or when it is unreachable | the fallback's dial | — |
 * A bootstrap made without an entry channel starts as a member.
 */
import type { Bootstrap, BootstrapChannel, ClaimResult, HoldHandlers } from './types.js';

export class InviteEntryBootstrap implements Bootstrap {
  private member: boolean;
  /** We "hold" the serverless point (no fallback, or it was unreachable). */
  private holdingAlone = false;

  constructor(
    private entry: BootstrapChannel | undefined,
    private readonly fallback?: Bootstrap,
  ) {
    this.member = entry === undefined;
  }

  get holding(): boolean {
    return this.holdingAlone || (this.fallback?.holding ?? false);
  }

  /** The join through the entry channel succeeded: later claims (succession) are a member's. */
  joined(): void {
    this.member = true;
  }

  async claim(handlers: HoldHandlers): Promise<ClaimResult> {
    if (!this.member) return 'taken';
    if (this.fallback) {
      const result = await this.fallback.claim(handlers);
      if (result !== 'unreachable') return result;
    }
    this.holdingAlone = true;
    return 'held';
  }

  async dial(): Promise<BootstrapChannel | undefined> {
    if (this.entry) {
      const entry = this.entry;
      this.entry = undefined;
      return entry;
    }
    return this.member ? this.fallback?.dial() : undefined;
  }

  close(): void {
    this.holdingAlone = false;
    this.entry?.close();
    this.entry = undefined;
    this.fallback?.close();
  }
}
