/**
 * The Bootstrap of a session started with `bootstrap: 'invite'`: no rendezvous point at all.
 * A newcomer enters through the one channel its invite opened (a first claim says `taken`, the
 * dial hands that channel over); the first peer, or a member once joined, "holds" a point nobody
 * can dial, so a lone first peer is connected at once. Newcomers reach members through invites
 * (the transport's `serveChannel`), never through `claim`'s `incoming`.
 *
 * | state    | claim()  | dial()                          | leaves to                      |
 * |----------|----------|---------------------------------|--------------------------------|
 * | entering | `taken`  | the entry channel, once         | waiting                        |
 * | waiting  | `taken`  | undefined (the join then times out: never "alone" by mistake) | member on `joined()` |
 * | member   | `held`   | undefined                       | —                              |
 * A bootstrap made without an entry channel starts as a member.
 */
import type { Bootstrap, BootstrapChannel, ClaimResult } from './types.js';

export class InviteEntryBootstrap implements Bootstrap {
  holding = false;
  private member: boolean;

  constructor(private entry: BootstrapChannel | undefined) {
    this.member = entry === undefined;
  }

  /** The join through the entry channel succeeded: later claims (succession) just hold. */
  joined(): void {
    this.member = true;
  }

  async claim(): Promise<ClaimResult> {
    if (!this.member) return 'taken';
    this.holding = true;
    return 'held';
  }

  async dial(): Promise<BootstrapChannel | undefined> {
    const entry = this.entry;
    this.entry = undefined;
    return entry;
  }

  release(): void {
    this.holding = false;
  }

  close(): void {
    this.holding = false;
    this.entry?.close();
    this.entry = undefined;
  }
}
