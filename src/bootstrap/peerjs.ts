/**
 * The rendezvous point on a plain PeerServer: the holder is a PeerJS `Peer` whose id is the
 * session's rendezvous id; a newcomer makes a throwaway `Peer` and talks to it through the server.
 * Only joins use it: once linked, members talk over their own mesh and the server may go.
 *
 * PeerJS facts this relies on (peerjs 1.5, peer 1.0):
 * - a duplicate id is refused with `ID-TAKEN` → error type `unavailable-id`;
 * - a holder that closes its socket frees the id at once; one that goes silent keeps it until the
 *   server's `alive_timeout` (60 s by default), so `claim` keeps failing meanwhile;
 * - `connect()` without `reliable: true` gives an unordered channel; `raw` serialization hands
 *   strings through untouched, so the size check before parsing stays ours;
 * - the server relays `OFFER` messages between ids in order over each side's WebSocket, with `src`
 *   set by the server; a Peer ignores an `OFFER` whose payload type is neither data nor media.
 *
 * A newcomer talks to the holder through the server (an `OFFER` of payload type `mesh-signal`
 * carrying one frame), not over a PeerJS DataConnection: a WebRTC connection to the holder before
 * any mesh link cost a join ~30 ms. A holder still accepts DataConnections (older newcomers).
 */
import { Peer, type DataConnection, type PeerOptions } from 'peerjs';
import type { Bootstrap, BootstrapChannel, ClaimResult, HoldHandlers } from './types.js';
import { randomDialPeerId } from './rendezvous-id.js';
import { SERVER_PAYLOAD_TYPE, decodeServerMessage } from '../wire/server-messages.js';

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

/** Legacy DataConnections a holder keeps at once (opening or open); more are closed at once. */
const MAX_LEGACY_CHANNELS = 16;
/** Channels through the server a holder keeps at once; a newcomer beyond is ignored. */
const MAX_SERVER_CHANNELS = 128;
/** Closed server channels remembered, so that frames still in flight do not open new ones. */
const MAX_CLOSED_REMEMBERED = 256;
/** A holder's server channel that hears nothing this long is gone (a newcomer vanished). */
const SERVER_CHANNEL_IDLE_MS = 15_000;

/** Errors after which a held id is gone (the server connection is). */
const LOST_ERROR_TYPES = new Set(['network', 'server-error', 'socket-error', 'socket-closed', 'disconnected']);

/**
 * A Bootstrap over PeerJS.
 * @example createPeerJsBootstrap('ms-x726f6f6d31', { host: '127.0.0.1', port: 9000, path: '/', secure: false, key: 'peerjs', iceServers: [], serverTimeoutMs: 5000, dialTimeoutMs: 5000 })
 */
export function createPeerJsBootstrap(rendezvousId: string, options: PeerJsBootstrapOptions): Bootstrap {
  return new PeerJsBootstrap(rendezvousId, options);
}

/** A dialling Peer (a throwaway id) and whether the PeerServer accepted it. */
interface Dialler {
  peer: Peer;
  /** True once registered; false on an error before that. Never settles if destroyed first. */
  registered: Promise<boolean>;
}

class PeerJsBootstrap implements Bootstrap {
  private hold: Peer | undefined;
  /**
   * A dialling Peer registered while a claim is in flight: most claims find the point taken, and
   * registering only after `ID-TAKEN` put a second PeerServer round trip on every join's path.
   */
  private spare: Dialler | undefined;
  /** The holder's channels through the server, by `src` + channel id. */
  private readonly served = new Map<string, ServerChannel>();
  private readonly closedServed = new Set<string>();
  /** Every Peer made and not yet destroyed: the holder, claims in flight, dialling Peers. */
  private readonly peers = new Set<Peer>();
  /** Ends every claim/dial in flight: `close()` settles them instead of leaving them hanging. */
  private readonly inFlight = new Set<() => void>();
  private destroyed = false;
  /** PeerJS DataConnections from legacy newcomers, open or opening. */
  private legacyChannels = 0;

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
      this.spare ??= this.registerDialler();
      let settled = false;
      const finish = (result: ClaimResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.inFlight.delete(abort);
        if (result === 'held' && !this.destroyed) this.hold = peer;
        else this.destroyPeer(peer);
        // Only a taken point is dialled next: otherwise the spare dialler is of no use.
        if (result !== 'taken') this.dropSpare();
        resolve(this.destroyed ? 'unreachable' : result);
      };
      const timer = setTimeout(() => finish('unreachable'), this.options.serverTimeoutMs);
      const abort = (): void => finish('unreachable');
      this.inFlight.add(abort);
      const lose = (): void => {
        if (this.hold !== peer) return;
        this.hold = undefined;
        this.destroyPeer(peer);
        this.closeServed();
        handlers.lost();
      };
      socketOf(peer)?.on('message', (message: unknown) => this.serverMessage(peer, message, handlers));
      peer.on('open', () => finish('held'));
      peer.on('error', (err: { type?: string }) => {
        if (!settled) finish(err.type === 'unavailable-id' ? 'taken' : 'unreachable');
        else if (err.type !== undefined && LOST_ERROR_TYPES.has(err.type)) lose();
      });
      peer.on('disconnected', lose);
      peer.on('close', lose);
      peer.on('connection', (conn: DataConnection) => {
        // Legacy newcomers: bounded in number, and one that does not open in time is closed
        // (each is a WebRTC connection the holder pays for).
        if (this.hold !== peer || this.legacyChannels >= MAX_LEGACY_CHANNELS) return void conn.close();
        this.legacyChannels++;
        // Wrap at once: the newcomer may send before our side's 'open' fires, and PeerJS drops
        // 'data' nobody listens to. The channel buffers until `listen`.
        guardLateCandidates(conn);
        const openTimer = setTimeout(() => channel.close(), this.options.serverTimeoutMs);
        const channel = new PeerJsChannel(conn, () => {
          clearTimeout(openTimer);
          this.legacyChannels--;
        });
        conn.on('open', () => {
          clearTimeout(openTimer);
          if (this.hold !== peer) return channel.close();
          handlers.incoming(channel);
        });
      });
    });
  }

  dial(): Promise<BootstrapChannel | undefined> {
    if (this.destroyed) return Promise.resolve(undefined);
    const dialler = this.spare ?? this.registerDialler();
    this.spare = undefined;
    const peer = dialler.peer;
    return new Promise((resolve) => {
      let settled = false;
      const finish = (channel: ServerChannel | undefined): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.inFlight.delete(abort);
        if (channel && !this.destroyed) return resolve(channel);
        channel?.close();
        this.destroyPeer(peer);
        resolve(undefined);
      };
      const timer = setTimeout(() => finish(undefined), this.options.dialTimeoutMs);
      const abort = (): void => finish(undefined);
      this.inFlight.add(abort);
      peer.on('error', () => finish(undefined));
      void dialler.registered.then((ok) => {
        const socket = socketOf(peer);
        if (settled || !ok || !socket) return finish(undefined);
        // No handshake here: a holder that does not answer `m.join` is the rendezvous' timeout.
        const channel = new ServerChannel(socket, this.rendezvousId, randomChannelId(), () => this.destroyPeer(peer), undefined);
        socket.on('message', (message: unknown) => {
          const decoded = decodeServerMessage(message);
          if (decoded?.src !== this.rendezvousId) return;
          if (decoded.kind === 'gone') return channel.gone();
          if (decoded.connectionId !== channel.connectionId) return;
          if (decoded.kind === 'close') channel.gone();
          else channel.receive(decoded.text);
        });
        const gone = (): void => channel.gone();
        peer.on('disconnected', gone);
        peer.on('close', gone);
        peer.on('error', (err: { type?: string }) => {
          if (err.type !== undefined && LOST_ERROR_TYPES.has(err.type)) gone();
        });
        finish(channel);
      });
    });
  }

  /** `GET <path><key>/id` (PeerJS's own id request): any answer means the server is reachable. */
  async probe(timeoutMs: number): Promise<boolean> {
    const fetchFn = (globalThis as { fetch?: typeof fetch }).fetch;
    if (this.destroyed) return false;
    if (!fetchFn) return true; // cannot tell: let the claim find out
    const o = this.options;
    const path = o.path.endsWith('/') ? o.path : `${o.path}/`;
    const url = `${o.secure ? 'https' : 'http'}://${o.host}:${o.port}${path}${encodeURIComponent(o.key)}/id?ts=${Date.now()}${Math.random()}`;
    const controller = new AbortController();
    const abort = (): void => controller.abort();
    this.inFlight.add(abort);
    const timer = setTimeout(abort, timeoutMs);
    try {
      const response = await fetchFn(url, { signal: controller.signal, cache: 'no-store' });
      return response.ok;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
      this.inFlight.delete(abort);
    }
  }

  release(): void {
    const peer = this.hold;
    this.hold = undefined;
    if (peer) this.destroyPeer(peer);
    this.closeServed();
  }

  close(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.hold = undefined;
    this.spare = undefined;
    for (const abort of [...this.inFlight]) abort();
    for (const channel of [...this.served.values()]) channel.close();
    for (const peer of [...this.peers]) this.destroyPeer(peer);
  }

  /** Register a Peer under a throwaway id, to dial the holder from. */
  private registerDialler(): Dialler {
    const peer = this.makePeer(randomDialPeerId());
    const registered = new Promise<boolean>((resolve) => {
      peer.on('open', () => resolve(true));
      peer.on('error', () => resolve(false));
      peer.on('disconnected', () => resolve(false));
      peer.on('close', () => resolve(false));
    });
    return { peer, registered };
  }

  /** Holder side: a server message; ours open, feed or close a channel. */
  private serverMessage(peer: Peer, message: unknown, handlers: HoldHandlers): void {
    if (this.hold !== peer || this.destroyed) return;
    const decoded = decodeServerMessage(message);
    if (decoded?.kind === 'gone') {
      for (const channel of [...this.served.values()]) if (channel.remoteId === decoded.src) channel.gone();
      return;
    }
    const envelope = serverEnvelope(message);
    const socket = socketOf(peer);
    if (!envelope || !socket) return;
    const key = `${envelope.src}\n${envelope.connectionId}`;
    let channel = this.served.get(key);
    if (envelope.text === undefined) return channel?.gone();
    if (!channel) {
      if (this.closedServed.has(key) || this.served.size >= MAX_SERVER_CHANNELS) return;
      const opened: ServerChannel = new ServerChannel(socket, envelope.src, envelope.connectionId, () => {
        if (this.served.get(key) !== opened) return;
        this.served.delete(key);
        this.closedServed.add(key);
        if (this.closedServed.size > MAX_CLOSED_REMEMBERED) this.closedServed.delete(this.closedServed.values().next().value as string);
      }, SERVER_CHANNEL_IDLE_MS);
      channel = opened;
      this.served.set(key, channel);
      handlers.incoming(channel);
    }
    channel.receive(envelope.text);
  }

  /** The point went: every newcomer's server channel with it. */
  private closeServed(): void {
    for (const channel of [...this.served.values()]) channel.gone();
  }

  private dropSpare(): void {
    const spare = this.spare;
    this.spare = undefined;
    if (spare) this.destroyPeer(spare.peer);
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

/** The part of PeerJS's (internal) server socket we use. */
interface PeerSocket {
  send(message: object): void;
  on(event: 'message', listener: (message: unknown) => void): void;
}

function socketOf(peer: Peer): PeerSocket | undefined {
  const socket = (peer as unknown as { socket?: PeerSocket }).socket;
  return socket && typeof socket.send === 'function' && typeof socket.on === 'function' ? socket : undefined;
}

function randomChannelId(): string {
  return `ms_${Math.random().toString(36).slice(2, 12)}${Math.random().toString(36).slice(2, 12)}`;
}

/**
 * One of our server messages: a frame (`text`) or, without text, the sender closing the channel.
 * Decoded and bounded in `src/wire/server-messages.ts`.
 */
function serverEnvelope(message: unknown): { src: string; connectionId: string; text: string | undefined } | undefined {
  const decoded = decodeServerMessage(message);
  if (decoded?.kind === 'frame') return { src: decoded.src, connectionId: decoded.connectionId, text: decoded.text };
  if (decoded?.kind === 'close') return { src: decoded.src, connectionId: decoded.connectionId, text: undefined };
  return undefined;
}

type ChannelHandlers = { data(raw: unknown): void; closed(): void };

/**
 * What both bootstrap channels share: frames that arrive before `listen` wait (bounded) and are
 * delivered first, in order; a close from the other side reaches the listener once.
 */
abstract class BufferedChannel implements BootstrapChannel {
  private handlers: ChannelHandlers | undefined;
  private unheard: unknown[] = [];
  protected closed = false;

  abstract send(text: string): void;
  abstract close(): void;

  listen(handlers: ChannelHandlers): void {
    if (this.closed) return handlers.closed();
    this.handlers = handlers;
    const unheard = this.unheard;
    this.unheard = [];
    for (const raw of unheard) {
      if (this.closed) return;
      handlers.data(raw);
    }
  }

  /** A frame from the other side. */
  protected deliver(raw: unknown): void {
    if (this.closed) return;
    if (this.handlers) return this.handlers.data(raw);
    if (this.unheard.length >= MAX_UNHEARD_FRAMES) return this.close();
    this.unheard.push(raw);
  }

  /** The other side closed it or went away: close, then tell the listener. */
  protected remoteGone(): void {
    if (this.closed) return;
    const handlers = this.handlers;
    this.close();
    handlers?.closed();
  }

  /** Marks it closed and forgets the listener and what waited for it. */
  protected markClosed(): void {
    this.closed = true;
    this.handlers = undefined;
    this.unheard = [];
  }
}

/**
 * A channel relayed by the PeerServer: each frame one `OFFER` server message to the other id.
 * Ordered and reliable while both sockets last (one WebSocket each, relayed in order).
 */
class ServerChannel extends BufferedChannel {
  private lastHeardAtMs = Date.now();
  private readonly idleTimer: ReturnType<typeof setInterval> | undefined;
  /** Set when the other side went: then closing sends no close message back. */
  private remoteClosed = false;

  constructor(
    private readonly socket: PeerSocket,
    readonly remoteId: string,
    readonly connectionId: string,
    private readonly onClose: () => void,
    idleMs: number | undefined,
  ) {
    super();
    if (idleMs !== undefined) {
      this.idleTimer = setInterval(() => {
        if (Date.now() - this.lastHeardAtMs >= idleMs) this.gone();
      }, idleMs);
    }
  }

  send(text: string): void {
    if (!this.closed) this.post({ text });
  }

  /** A frame from the other side. */
  receive(text: string): void {
    if (this.closed) return;
    this.lastHeardAtMs = Date.now();
    this.deliver(text);
  }

  /** The other side closed it or went away. */
  gone(): void {
    this.remoteClosed = true;
    this.remoteGone();
  }

  close(): void {
    if (this.closed) return;
    if (!this.remoteClosed) this.post({ close: true });
    this.markClosed();
    if (this.idleTimer !== undefined) clearInterval(this.idleTimer);
    this.onClose();
  }

  private post(content: { text: string } | { close: true }): void {
    try {
      this.socket.send({ type: 'OFFER', dst: this.remoteId, payload: { type: SERVER_PAYLOAD_TYPE, connectionId: this.connectionId, ...content } });
    } catch {
      // the socket is going; its 'disconnected' closes this channel
    }
  }
}

/** A PeerJS DataConnection (raw, reliable) as a BootstrapChannel. */
class PeerJsChannel extends BufferedChannel {
  constructor(
    private readonly conn: DataConnection,
    private readonly onClose: (() => void) | undefined,
  ) {
    super();
    conn.on('data', (raw: unknown) => this.deliver(raw));
    conn.on('close', () => this.remoteGone());
    conn.on('error', () => this.remoteGone());
  }

  send(text: string): void {
    if (this.closed || !this.conn.open) return;
    try {
      void this.conn.send(text);
    } catch {
      this.close();
    }
  }

  close(): void {
    if (this.closed) return;
    this.markClosed();
    try {
      this.conn.close();
    } catch {
      // already closing
    }
    this.onClose?.();
  }
}
