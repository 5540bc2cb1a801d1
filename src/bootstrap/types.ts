/**
 * The narrow seam for getting the first link into a session: a rendezvous point that one member
 * holds (the introducer) and that newcomers dial. PeerJS implements it today (`peerjs.ts`); a
 * serverless invite-code bootstrap can implement the same three calls later.
 */

/** A reliable, ordered text channel between a newcomer and the introducer, used only to join. */
export interface BootstrapChannel {
  /** Queue one text frame. Dropped silently once closed. */
  send(text: string): void;
  /**
   * Start receiving. Frames that arrived before this call are delivered first, in order.
   * `closed` fires once when the channel goes, unless `close()` was called first.
   */
  listen(handlers: { data(raw: unknown): void; closed(): void }): void;
  /** Close the channel and whatever it owns. Safe twice. */
  close(): void;
}

/** What a claim gives back. */
export type ClaimResult = 'held' | 'taken' | 'unreachable';

/** Handlers for the rendezvous point while this member holds it. */
export interface HoldHandlers {
  /** A newcomer dialled in. */
  incoming(channel: BootstrapChannel): void;
  /** The point was lost (server gone, socket closed): claim again later. */
  lost(): void;
}

/**
 * One session's rendezvous point.
 * @example
 * const r = await bootstrap.claim({ incoming: (ch) => …, lost: () => … });
 * if (r === 'taken') { const ch = await bootstrap.dial(); … }
 */
export interface Bootstrap {
  /** Try to become the holder. `held`: newcomers now arrive through `incoming`. */
  claim(handlers: HoldHandlers): Promise<ClaimResult>;
  /** Open a channel to the current holder; undefined when nobody answers in time. */
  dial(): Promise<BootstrapChannel | undefined>;
  /** True while this member holds the point. */
  readonly holding: boolean;
  /**
   * Optional: is the server reachable right now? One cheap request given up after `timeoutMs`.
   * A client that lost its network polls this instead of claims, which hang much longer.
   */
  probe?(timeoutMs: number): Promise<boolean>;
  /** Let go of the point, close every channel, clear every timer. Safe twice. */
  close(): void;
}
