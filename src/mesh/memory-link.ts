/**
 * In-memory links for tests of the mesh logic without WebRTC: the "offer" is a token that pairs
 * the answering link with the offering one; frames are delivered in order on a microtask.
 * Fault injection: `mute` a link (silent network, nothing closes) or `cut` it (the channel dies).
 *
 * @example
 * const links = createMemoryLinks();
 * createMeshTransport({ createLink: links.factory, bootstrap: … })
 */
import type { SdpPayload } from '../wire/mesh-frames.js';
import type { LinkEvents, LinkFactory, LinkState, MeshLink } from './link.js';

export interface MemoryLinks {
  factory: LinkFactory;
  /** Every link made, in order (closed ones included). */
  readonly all: MemoryLink[];
}

/** One in-memory link. */
export interface MemoryLink extends MeshLink {
  /** The link at the other end, once paired. */
  readonly remote: MemoryLink | undefined;
  /** Stop delivering both ways without closing: the peer goes silent. */
  mute(): void;
  /** The channel dies: both ends report `closed`. */
  cut(): void;
  /** Deliver `raw` as if the other end had sent it (for tests that feed hostile bytes). */
  receive(raw: unknown): void;
}

/** A family of in-memory links that can pair with each other. */
export function createMemoryLinks(): MemoryLinks {
  const byToken = new Map<string, Impl>();
  const all: MemoryLink[] = [];
  let count = 0;

  class Impl implements MemoryLink {
    state: LinkState = 'connecting';
    lastHeardAtMs = Date.now();
    remote: Impl | undefined;
    private muted = false;
    private token: string | undefined;

    constructor(
      readonly initiator: boolean,
      private events: LinkEvents | undefined,
    ) {
      if (initiator) {
        const token = `memory-link-${++count}`;
        this.token = token;
        byToken.set(token, this);
        queueMicrotask(() => this.events?.sdp({ type: 'offer', sdp: token }));
      }
    }

    signal(sdp: SdpPayload): void {
      if (this.state !== 'connecting' || sdp.type === 'candidate') return;
      const other = byToken.get(sdp.sdp);
      if (sdp.type === 'offer' && !this.initiator && other?.state === 'connecting' && !other.remote) {
        this.remote = other;
        other.remote = this;
        queueMicrotask(() => this.events?.sdp({ type: 'answer', sdp: sdp.sdp }));
      } else if (sdp.type === 'answer' && this.initiator && this.remote && other === this) {
        this.open();
        this.remote.open();
      }
    }

    send(text: string): boolean {
      if (this.state !== 'open') return false;
      const remote = this.remote;
      if (!this.muted) queueMicrotask(() => remote?.receive(text));
      return true;
    }

    closeAfterDrain(): void {
      // Frames already queued are on their microtasks: close after them.
      this.events = undefined;
      this.state = 'draining';
      queueMicrotask(() => queueMicrotask(() => this.close()));
    }

    close(): void {
      if (this.state === 'closed') return;
      this.state = 'closed';
      this.events = undefined;
      if (this.token) byToken.delete(this.token);
      const remote = this.remote;
      if (remote && !this.muted) queueMicrotask(() => remote.die('remote closed'));
    }

    mute(): void {
      this.muted = true;
      if (this.remote) this.remote.muted = true;
    }

    cut(): void {
      const remote = this.remote;
      this.die('cut');
      remote?.die('cut');
    }

    receive(raw: unknown): void {
      if (this.state === 'closed' || this.muted) return;
      this.lastHeardAtMs = Date.now();
      this.events?.data(raw);
    }

    private open(): void {
      this.state = 'open';
      this.lastHeardAtMs = Date.now();
      this.events?.open();
    }

    private die(why: string): void {
      if (this.state === 'closed') return;
      const events = this.events;
      this.close();
      events?.closed(why);
    }
  }

  return {
    all,
    factory: (options, events) => {
      const link = new Impl(options.initiator, events);
      all.push(link);
      return link;
    },
  };
}
