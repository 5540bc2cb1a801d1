/**
 * One simple-peer data channel to one peer, with an ordered send queue that respects the
 * channel's buffer. It knows nothing of frames: it moves text out and raw chunks in.
 *
 * | state        | entered when                         | leaves to                            |
 * |--------------|--------------------------------------|--------------------------------------|
 * | `connecting` | created (initiator or answering)     | `open` on connect; `closed` on error, remote close, `linkTimeoutMs` |
 * | `open`       | the data channel opened              | `closed` on error or remote close; `draining` on `closeAfterDrain()` |
 * | `draining`   | the owner leaves politely            | `closed` once the queue and buffer are empty, or after `lingerMs` |
 * | `closed`     | final; `close` fired once unless the owner closed it | —                  |
 */
import SimplePeer from 'simple-peer';
import type { SdpPayload } from '../wire/mesh-frames.js';
import { sdpFingerprint } from '../identity/fingerprint.js';

/** The WebRTC classes simple-peer should use instead of the globals (Node: `@roamhq/wrtc`). */
export interface WrtcClasses {
  RTCPeerConnection: unknown;
  RTCSessionDescription: unknown;
  RTCIceCandidate: unknown;
}

export type LinkState = 'connecting' | 'open' | 'draining' | 'closed';

/** What a link reports to its owner. Never called after the owner's `close()`. */
export interface LinkEvents {
  /** Our offer or answer is ready: relay it to the peer. */
  sdp(sdp: SdpPayload): void;
  open(): void;
  /** A raw chunk from the channel (Buffer/Uint8Array or string): the owner parses it. */
  data(raw: unknown): void;
  /** The link died by itself (remote close, error, timeout). */
  closed(why: string): void;
}

export interface LinkOptions {
  initiator: boolean;
  iceServers: RTCIceServer[];
  wrtc?: WrtcClasses;
  /** Give up when the channel has not opened by then. */
  linkTimeoutMs: number;
  /** This client's DTLS certificate (its identity); absent under Node's wrtc. */
  certificate?: RTCCertificate;
}

/** What the mesh uses of a link; tests substitute fakes through `LinkFactory`. */
export interface MeshLink {
  readonly state: LinkState;
  readonly initiator: boolean;
  /** When anything last arrived (`performance.now()`: a clock set back does not fake silence). */
  readonly lastHeardAtMs: number;
  /** SHA-256 fingerprint of our certificate in this link's SDP, once open. */
  readonly localFingerprint: Uint8Array | undefined;
  /** SHA-256 fingerprint of the peer's certificate in this link's SDP, once open (DTLS checked it). */
  readonly remoteFingerprint: Uint8Array | undefined;
  signal(sdp: SdpPayload): void;
  /** Queue one frame: JSON text, or a binary frame's bytes (never changed after). */
  send(frame: string | Uint8Array): boolean;
  closeAfterDrain(lingerMs: number): void;
  close(): void;
}

/**
 * Why a link died when its channel closed with no error first: the other side closed it (its page
 * went away, or it dropped the link). A network failure is silence or an ICE error instead.
 */
export const CLOSED_BY_PEER = 'channel closed';

/** Makes one link. The default makes a simple-peer Link. */
export type LinkFactory = (options: LinkOptions, events: LinkEvents) => MeshLink;

/** The real factory: a simple-peer data channel. */
export const createSimplePeerLink: LinkFactory = (options, events) => new Link(options.initiator, options, events);

/**
 * Keep the channel's own buffer under this. Chromium closes a data channel whose buffer passes
 * 16 MiB; a smaller mark keeps latency for later frames low while still filling the pipe.
 */
const HIGH_WATER_BYTES = 128 * 1024;
/**
 * Refill when the buffer drains to this (`bufferedamountlow`): early enough that it never runs
 * dry. Why not the raw baseline's 1 MiB / 256 KiB, which was faster in the bench (0.82× raw
 * against 0.74× here): under a 3 MB burst a fresh channel with 1 MiB in its buffer stalled for
 * over 10 s (SCTP retransmission backoff; bench/diag/sctp-stall.mjs shows the raw channel doing
 * the same), and signals timed out. With 128 KiB the bench's stall probe saw none over 1.6 s.
 */
const LOW_WATER_BYTES = 32 * 1024;
const utf8 = new TextEncoder();
/** How often a backed-up queue looks at `bufferedAmount` again where there is no `bufferedamountlow` (wrtc). */
const DRAIN_POLL_MS = 4;
/** After the last byte left the channel's buffer, how long before closing the connection. */
const FLUSH_GRACE_MS = 50;
/** Most frames queued per link before `send` refuses: a bound, far above any legal burst. */
export const MAX_QUEUED_FRAMES = 50_000;
/**
 * Most characters queued per link (JS strings take 1–2 bytes each: ≤ 96 MiB): a full window of
 * 4096 in-flight 8 KB signals fits; a count bound alone allowed 50 000 × 64 KiB.
 */
export const MAX_QUEUED_CHARS = 48 * 1024 * 1024;

/** One peer connection with one ordered, reliable data channel. */
export class Link implements MeshLink {
  state: LinkState = 'connecting';
  /** When anything last arrived from the peer (for the heartbeat). */
  lastHeardAtMs = performance.now();
  localFingerprint: Uint8Array | undefined;
  remoteFingerprint: Uint8Array | undefined;
  readonly #peer: SimplePeer.Instance;
  readonly #queue: (string | Uint8Array)[] = [];
  #queueHead = 0;
  /** Characters of the frames in `queue` from `queueHead` on. */
  #queuedChars = 0;
  #drainTimer: ReturnType<typeof setTimeout> | undefined;
  /** The channel fires `bufferedamountlow` (browsers; wrtc does not): no drain poll needed. */
  #drainEvent = false;
  #openTimer: ReturnType<typeof setTimeout> | undefined;
  #lingerTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly initiator: boolean,
    options: LinkOptions,
    private events: LinkEvents | undefined,
  ) {
    this.#peer = new SimplePeer({
      initiator: options.initiator,
      // Trickle: without it simple-peer waits for ICE gathering to complete before the offer
      // (measured here with wrtc: ~120 ms per link against ~20 ms). Candidates travel as m.sdp
      // frames tagged with the link attempt, so a stale attempt's candidates are dropped.
      trickle: true,
      config: { iceServers: options.iceServers, ...(options.certificate ? { certificates: [options.certificate] } : {}) },
      channelConfig: { ordered: true },
      ...(options.wrtc ? { wrtc: options.wrtc as SimplePeer.Options['wrtc'] } : {}),
    });
    this.#peer.on('signal', (data: { type?: string; sdp?: string; candidate?: RTCIceCandidateInit }) => {
      if (this.state === 'closed') return;
      if ((data.type === 'offer' || data.type === 'answer') && typeof data.sdp === 'string') {
        this.events?.sdp({ type: data.type, sdp: data.sdp });
      } else if (data.type === 'candidate' && data.candidate && typeof data.candidate.candidate === 'string') {
        const c = data.candidate;
        this.events?.sdp({ type: 'candidate', candidate: { candidate: c.candidate!, sdpMLineIndex: c.sdpMLineIndex ?? null, sdpMid: c.sdpMid ?? null } });
      }
      // 'renegotiate' and 'transceiverRequest' only concern media: a data-only link never needs them.
    });
    this.#peer.on('connect', () => {
      if (this.state !== 'connecting') return;
      clearTimeout(this.#openTimer);
      clearSimplePeerIceTimer(this.#peer);
      this.state = 'open';
      this.lastHeardAtMs = performance.now();
      this.#readFingerprints();
      // Messages straight from the RTCDataChannel: simple-peer's readable-stream path costs a
      // Buffer per message, push/addChunk/emit and a nextTick. (simple-peer has no public handle.)
      const channel = (this.#peer as unknown as { _channel?: RTCDataChannel })._channel;
      if (channel) {
        channel.onmessage = (event: MessageEvent) => {
          if (this.state === 'closed') return;
          this.lastHeardAtMs = performance.now();
          this.events?.data(event.data);
        };
        // Refill on the browser's signal, not on a 4 ms poll that lets the channel run dry between looks.
        if ('onbufferedamountlow' in channel) {
          channel.bufferedAmountLowThreshold = LOW_WATER_BYTES;
          channel.onbufferedamountlow = () => this.#pump();
          this.#drainEvent = true;
        }
      }
      this.events?.open();
      this.#pump();
    });
    // Frames that arrive between the channel opening and simple-peer's 'connect' (it waits for
    // ICE stats) come through simple-peer's stream: a peer's hello often does.
    this.#peer.on('data', (raw: unknown) => {
      if (this.state === 'closed') return;
      this.lastHeardAtMs = performance.now();
      this.events?.data(raw);
    });
    // An 'error' without a listener would throw out of the emitter; 'close' always follows it.
    this.#peer.on('error', (err: Error & { code?: string }) => this.#die(`error ${err.code ?? err.message}`));
    this.#peer.on('close', () => this.#die(CLOSED_BY_PEER));
    this.#openTimer = setTimeout(() => this.#die(`not open after ${options.linkTimeoutMs} ms`), options.linkTimeoutMs);
  }

  /** Feed the peer's offer, answer or candidate. */
  signal(sdp: SdpPayload): void {
    if (this.state === 'closed' || this.state === 'draining') return;
    try {
      // Our candidate shape is the DOM's RTCIceCandidateInit; @types/simple-peer spells it its own way.
      this.#peer.signal(sdp as SimplePeer.SignalData);
    } catch (err) {
      this.#die(`bad sdp: ${(err as Error).message}`);
    }
  }

  /** Queue one frame (text or bytes); false when the link cannot take it (not open, or queue full). */
  send(frame: string | Uint8Array): boolean {
    if (this.state !== 'open') return false;
    if (this.#queue.length - this.#queueHead >= MAX_QUEUED_FRAMES) return false;
    if (this.#queuedChars + frame.length > MAX_QUEUED_CHARS) return false;
    this.#queuedChars += frame.length;
    this.#queue.push(frame);
    this.#pump();
    return true;
  }

  /** The fingerprints of the descriptions the connection runs on (DTLS enforces the remote one). */
  #readFingerprints(): void {
    const pc = (this.#peer as unknown as { _pc?: RTCPeerConnection })._pc;
    const local = pc?.localDescription?.sdp;
    const remote = pc?.remoteDescription?.sdp;
    this.localFingerprint = local ? sdpFingerprint(local) : undefined;
    this.remoteFingerprint = remote ? sdpFingerprint(remote) : undefined;
  }

  /**
   * Stop taking frames, send what is queued, then close. Used after a goodbye so the `m.bye`
   * is on the wire before the peer connection goes: closing it at once can drop the frame.
   */
  closeAfterDrain(lingerMs: number): void {
    if (this.state !== 'open') return this.close();
    this.state = 'draining';
    this.events = undefined;
    this.#lingerTimer = setTimeout(() => this.close(), lingerMs);
    this.#pump();
  }

  /** Close now; no event follows. Safe twice. */
  close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.events = undefined;
    this.#clearTimers();
    this.#queue.length = 0;
    this.#queueHead = 0;
    this.#queuedChars = 0;
    this.#peer.destroy();
  }

  #pump(): void {
    if (this.#drainTimer !== undefined) return; // a poll is already scheduled
    if (this.state !== 'open' && this.state !== 'draining') return;
    try {
      while (this.#queueHead < this.#queue.length && this.#peer.bufferSize < HIGH_WATER_BYTES) {
        const frame = this.#queue[this.#queueHead]!;
        this.#queueHead++;
        this.#queuedChars -= frame.length;
        // Bytes, not a string: simple-peer hands a received string to readable-stream, which
        // re-encodes it to UTF-8 in JavaScript (Buffer.from) — ~350 µs per 8 KB frame in the
        // bench's receiver profile. Received bytes only get wrapped, and the wire decodes once.
        this.#peer.send(typeof frame === 'string' ? utf8.encode(frame) : frame);
      }
    } catch (err) {
      return this.#die(`send failed: ${(err as Error).message}`);
    }
    if (this.#queueHead === this.#queue.length) {
      this.#queue.length = 0;
      this.#queueHead = 0;
      if (this.state === 'draining') {
        // Queue and buffer empty: SCTP may still hold the bytes, so close a moment later.
        if (this.#peer.bufferSize === 0) {
          clearTimeout(this.#lingerTimer);
          this.#lingerTimer = setTimeout(() => this.close(), FLUSH_GRACE_MS);
          return;
        }
      } else {
        return;
      }
    } else {
      if (this.#queueHead > 1024 && this.#queueHead * 2 > this.#queue.length) {
        this.#queue.splice(0, this.#queueHead); // compact now and then, not per frame
        this.#queueHead = 0;
      }
      if (this.#drainEvent) return; // bufferedamountlow calls pump again
    }
    this.#drainTimer = setTimeout(() => {
      this.#drainTimer = undefined;
      this.#pump();
    }, DRAIN_POLL_MS);
  }

  #die(why: string): void {
    if (this.state === 'closed') return;
    const events = this.events;
    this.close();
    events?.closed(why);
  }

  #clearTimers(): void {
    clearSimplePeerIceTimer(this.#peer);
    clearTimeout(this.#drainTimer);
    clearTimeout(this.#openTimer);
    clearTimeout(this.#lingerTimer);
    this.#drainTimer = this.#openTimer = this.#lingerTimer = undefined;
  }
}

/**
 * simple-peer 9.11 starts a 5 s "ICE complete" timer on the first candidate and never clears it,
 * not even in destroy(): clear it once the channel is open or the link is gone, so a closed
 * transport leaves no timer behind.
 */
function clearSimplePeerIceTimer(peer: SimplePeer.Instance): void {
  const p = peer as unknown as { _iceCompleteTimer?: ReturnType<typeof setTimeout> | null };
  if (p._iceCompleteTimer) clearTimeout(p._iceCompleteTimer);
}
