/**
 * The rendezvous point on a plain PeerServer: the holder is a PeerJS `Peer` whose id is the
 * session's rendezvous id; a newcomer makes a throwaway `Peer` and opens a DataConnection to it.
 * Only joins use it: once linked, members talk over their own mesh and the server may go.
 *
 * PeerJS facts this relies on (peerjs 1.5, peer 1.0):
 * - a duplicate id is refused with `ID-TAKEN` → error type `unavailable-id`;
 * - a holder that closes its socket frees the id at once; one that goes silent keeps it until the
 *   server's `alive_timeout` (60 s by default), so `claim` keeps failing meanwhile;
 * - `connect()` without `reliable: true` gives an unordered channel; `raw` serialization hands
 *   strings through untouched, so the size check before parsing stays ours.
 */
import { Peer, type DataConnection, type PeerOptions } from 'peerjs';
import type { Bootstrap, BootstrapChannel, ClaimResult, HoldHandlers } from './types.js';
import { randomDialPeerId } from './rendezvous-id.js';

/** Where the PeerServer is and how long to wait for it. */
export interface PeerJsBootstrapOptions {
  host: string;
  port: number;
  path: string;
  secure: boolean;
  key: string;
  iceServers: RTCIceServer[];
  /** Claiming the id or opening a dialling Peer gives up after this. */
  serverTimeoutMs: number;
  /** A dial (server + data channel to the holder) gives up after this. */
  dialTimeoutMs: number;
}

/** Frames kept for a channel nobody listens to yet; more means a misbehaving newcomer. */
const MAX_UNHEARD_FRAMES = 64;

/** Errors after which a held id is gone (the server connection is). */
const LOST_ERROR_TYPES = new Set(['network', 'server-error', 'socket-error', 'socket-closed', 'disconnected']);

/**
 * A Bootstrap over PeerJS.
 * @example createPeerJsBootstrap('ms-x726f6f6d31', { host: '127.0.0.1', port: 9000, path: '/', secure: false, key: 'peerjs', iceServers: [], serverTimeoutMs: 5000, dialTimeoutMs: 5000 })
 */
export function createPeerJsBootstrap(rendezvousId: string, options: PeerJsBootstrapOptions): Bootstrap {
  return new PeerJsBootstrap(rendezvousId, options);
}

class PeerJsBootstrap implements Bootstrap {
  private hold: Peer | undefined;
  /** Every Peer made and not yet destroyed: the holder, claims in flight, dialling Peers. */
  private readonly peers = new Set<Peer>();
  /** Ends every claim/dial in flight: `close()` settles them instead of leaving them hanging. */
  private readonly inFlight = new Set<() => void>();
  private destroyed = false;

  constructor(
    private readonly rendezvousId: string,
    private readonly options: PeerJsBootstrapOptions,
  ) {}

  get holding(): boolean {
    return this.hold !== undefined;
  }

  claim(handlers: HoldHandlers): Promise<ClaimResult> {
    if (this.destroyed) return Promise.resolve('unreachable');
    if (this.hold) return Promise.resolve('held');
    return new Promise((resolve) => {
      const peer = this.makePeer(this.rendezvousId);
      let settled = false;
      const finish = (result: ClaimResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.inFlight.delete(abort);
        if (result === 'held' && !this.destroyed) this.hold = peer;
        else this.destroyPeer(peer);
        resolve(this.destroyed ? 'unreachable' : result);
      };
      const timer = setTimeout(() => finish('unreachable'), this.options.serverTimeoutMs);
      const abort = (): void => finish('unreachable');
      this.inFlight.add(abort);
      const lose = (): void => {
        if (this.hold !== peer) return;
        this.hold = undefined;
        this.destroyPeer(peer);
        handlers.lost();
      };
      peer.on('open', () => finish('held'));
      peer.on('error', (err: { type?: string }) => {
        if (!settled) finish(err.type === 'unavailable-id' ? 'taken' : 'unreachable');
        else if (err.type !== undefined && LOST_ERROR_TYPES.has(err.type)) lose();
      });
      peer.on('disconnected', lose);
      peer.on('close', lose);
      peer.on('connection', (conn: DataConnection) => {
        if (this.hold !== peer) return void conn.close();
        // Wrap at once: the newcomer may send before our side's 'open' fires, and PeerJS drops
        // 'data' nobody listens to. The channel buffers until `listen`.
        guardLateCandidates(conn);
        const channel = new PeerJsChannel(conn, undefined);
        conn.on('open', () => {
          if (this.hold !== peer) return channel.close();
          handlers.incoming(channel);
        });
      });
    });
  }

  dial(): Promise<BootstrapChannel | undefined> {
    if (this.destroyed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const peer = this.makePeer(randomDialPeerId());
      let settled = false;
      let conn: DataConnection | undefined;
      const finish = (ok: boolean): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.inFlight.delete(abort);
        if (ok && conn && !this.destroyed) {
          resolve(new PeerJsChannel(conn, () => this.destroyPeer(peer)));
        } else {
          this.destroyPeer(peer);
          resolve(undefined);
        }
      };
      const timer = setTimeout(() => finish(false), this.options.dialTimeoutMs);
      const abort = (): void => finish(false);
      this.inFlight.add(abort);
      // `peer-unavailable` (the holder vanished) and every server error end the attempt.
      peer.on('error', () => finish(false));
      peer.on('open', () => {
        if (settled) return;
        conn = peer.connect(this.rendezvousId, { reliable: true, serialization: 'raw' });
        if (!conn) return finish(false);
        guardLateCandidates(conn);
        conn.on('open', () => finish(true));
        conn.on('error', () => finish(false));
        conn.on('close', () => finish(false));
      });
    });
  }

  release(): void {
    const peer = this.hold;
    this.hold = undefined;
    if (peer) this.destroyPeer(peer);
  }

  close(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.hold = undefined;
    for (const abort of [...this.inFlight]) abort();
    for (const peer of [...this.peers]) this.destroyPeer(peer);
  }

  private makePeer(id: string): Peer {
    const o = this.options;
    const peerOptions: PeerOptions = {
      host: o.host,
      port: o.port,
      path: o.path,
      secure: o.secure,
      key: o.key,
      config: { iceServers: o.iceServers },
      debug: 0,
    };
    const peer = new Peer(id, peerOptions);
    this.peers.add(peer);
    return peer;
  }

  private destroyPeer(peer: Peer): void {
    if (!this.peers.delete(peer)) return;
    try {
      peer.removeAllListeners();
      // Errors PeerJS emits while tearing down must not become unhandled 'error' events.
      peer.on('error', () => {});
      peer.destroy();
    } catch {
      // a Peer that failed half-way may throw from destroy(); it is gone either way
    }
  }
}

/**
 * PeerJS 1.5 bug: a candidate that arrives while its connection closes makes
 * `Negotiator.handleCandidate` call `this.connection.provider.emitError` with `provider` already
 * null; the TypeError rejects `handleMessage`, which PeerJS never awaits: an unhandled rejection.
 * We close these connections soon after they open, so the race is real: swallow that rejection.
 */
function guardLateCandidates(conn: DataConnection): void {
  const c = conn as unknown as { handleMessage?: (message: unknown) => Promise<void> };
  const original = c.handleMessage;
  if (typeof original !== 'function') return;
  c.handleMessage = (message: unknown) => original.call(conn, message).catch(() => {});
}

/** A PeerJS DataConnection (raw, reliable) as a BootstrapChannel. */
class PeerJsChannel implements BootstrapChannel {
  private handlers: { data(raw: unknown): void; closed(): void } | undefined;
  private unheard: unknown[] = [];
  private closed = false;

  constructor(
    private readonly conn: DataConnection,
    private readonly onClose: (() => void) | undefined,
  ) {
    conn.on('data', (raw: unknown) => {
      if (this.closed) return;
      if (this.handlers) return this.handlers.data(raw);
      if (this.unheard.length >= MAX_UNHEARD_FRAMES) return this.close();
      this.unheard.push(raw);
    });
    const gone = (): void => {
      if (this.closed) return;
      const handlers = this.handlers;
      this.close();
      handlers?.closed();
    };
    conn.on('close', gone);
    conn.on('error', gone);
  }

  send(text: string): void {
    if (this.closed || !this.conn.open) return;
    try {
      void this.conn.send(text);
    } catch {
      this.close();
    }
  }

  listen(handlers: { data(raw: unknown): void; closed(): void }): void {
    if (this.closed) return handlers.closed();
    this.handlers = handlers;
    const unheard = this.unheard;
    this.unheard = [];
    for (const raw of unheard) {
      if (this.closed) return;
      handlers.data(raw);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.handlers = undefined;
    this.unheard = [];
    try {
      this.conn.close();
    } catch {
      // already closing
    }
    this.onClose?.();
  }
}
