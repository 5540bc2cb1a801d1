/**
 * In-memory links for tests of the mesh logic without WebRTC: the "offer" is a token that pairs
 * the answering link with the offering one; frames are delivered in order on a microtask.
 * Fault injection: `mute` a link (silent network, nothing closes) or `cut` it (the channel dies).
 * Identity: a link made with `options.certificate` (e.g. `fakeCertificate(bytes)`) shows that
 * certificate's fingerprint as its `localFingerprint` and as the other end's `remoteFingerprint`,
 * as a real DTLS link does.
 *
 * @example
 * const links = createMemoryLinks();
 * createMeshTransport({ createLink: links.factory, bootstrap: … })
 */
import type { SdpPayload } from '../wire/mesh-frames.js';
import { CLOSED_BY_PEER, type LinkEvents, type LinkFactory, type LinkState, type MeshLink } from './link.js';

/**
 * A stand-in RTCCertificate for memory links: only `getFingerprints()` is used.
 * @example fakeCertificate(new Uint8Array(32).fill(7))
 */
export function fakeCertificate(fingerprint: Uint8Array): RTCCertificate {
  const value = [...fingerprint].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');
  return { expires: Number.MAX_SAFE_INTEGER, getFingerprints: () => [{ algorithm: 'sha-256', value }] } as RTCCertificate;
}

function certificateFingerprint(certificate: RTCCertificate | undefined): Uint8Array | undefined {
  const value = certificate?.getFingerprints().find((f) => f.algorithm === 'sha-256')?.value;
  return value ? Uint8Array.from(value.split(':'), (h) => parseInt(h, 16)) : undefined;
}

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
    lastHeardAtMs = performance.now();
    remote: Impl | undefined;
    remoteFingerprint: Uint8Array | undefined;
    private muted = false;
    private token: string | undefined;

    /** Like a real link: one that has not opened after `linkTimeoutMs` dies. */
    private openTimer: ReturnType<typeof setTimeout> | undefined;

    constructor(
      readonly initiator: boolean,
      private events: LinkEvents | undefined,
      readonly localFingerprint: Uint8Array | undefined,
      linkTimeoutMs: number | undefined,
    ) {
      if (linkTimeoutMs !== undefined && linkTimeoutMs > 0) this.openTimer = setTimeout(() => this.die(`not open after ${linkTimeoutMs} ms`), linkTimeoutMs);
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

    send(text: string | Uint8Array): boolean {
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
      clearTimeout(this.openTimer);
      this.events = undefined;
      if (this.token) byToken.delete(this.token);
      const remote = this.remote;
      if (remote && !this.muted) queueMicrotask(() => remote.die(CLOSED_BY_PEER));
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
      this.lastHeardAtMs = performance.now();
      this.events?.data(raw);
    }

    private open(): void {
      clearTimeout(this.openTimer);
      this.state = 'open';
      this.remoteFingerprint = this.remote?.localFingerprint;
      this.lastHeardAtMs = performance.now();
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
      const link = new Impl(options.initiator, events, certificateFingerprint(options.certificate), options.linkTimeoutMs);
      all.push(link);
      return link;
    },
  };
}
