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
 *
 * Here: claim, dial, probe and the Peers' lifecycle. The channels are `server-channel.ts`, the
 * holder's routing of server messages `served-channels.ts`, the legacy DataConnections
 * `peerjs-legacy.ts`; what arrives from the server is decoded in `src/wire/server-messages.ts`.
 */
import { Peer, type DataConnection, type PeerOptions } from 'peerjs';
import type { Bootstrap, BootstrapChannel, ClaimResult, HoldHandlers } from './types.js';
import { randomDialPeerId } from './rendezvous-id.js';
import { decodeServerMessage } from '../wire/server-messages.js';
import { ServerChannel, randomChannelId, socketOf } from './server-channel.js';
import { ServedChannels } from './served-channels.js';
import { LegacyDoor } from './peerjs-legacy.js';

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
  #hold: Peer | undefined;
  /**
   * A dialling Peer registered while a claim is in flight: most claims find the point taken, and
   * registering only after `ID-TAKEN` put a second PeerServer round trip on every join's path.
   */
  #spare: Dialler | undefined;
  /** The holder's channels through the server. */
  readonly #served = new ServedChannels();
  readonly #legacy: LegacyDoor;
  /** Every Peer made and not yet destroyed: the holder, claims in flight, dialling Peers. */
  readonly #peers = new Set<Peer>();
  /** Ends every claim/dial in flight: `close()` settles them instead of leaving them hanging. */
  readonly #inFlight = new Set<() => void>();
  #destroyed = false;

  readonly #rendezvousId: string;
  readonly #options: PeerJsBootstrapOptions;

  constructor(
    rendezvousId: string,
    options: PeerJsBootstrapOptions,
  ) {
    this.#rendezvousId = rendezvousId;
    this.#options = options;
    this.#legacy = new LegacyDoor(options.serverTimeoutMs);
  }

  get holding(): boolean {
    return this.#hold !== undefined;
  }

  claim(handlers: HoldHandlers): Promise<ClaimResult> {
    if (this.#destroyed) return Promise.resolve('unreachable');
    if (this.#hold) return Promise.resolve('held');
    return new Promise((resolve) => {
      const peer = this.#makePeer(this.#rendezvousId);
      this.#spare ??= this.#registerDialler();
      let settled = false;
      const finish = (result: ClaimResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#inFlight.delete(abort);
        if (result === 'held' && !this.#destroyed) this.#hold = peer;
        else this.#destroyPeer(peer);
        // Only a taken point is dialled next: otherwise the spare dialler is of no use.
        if (result !== 'taken') this.#dropSpare();
        resolve(this.#destroyed ? 'unreachable' : result);
      };
      const timer = setTimeout(() => finish('unreachable'), this.#options.serverTimeoutMs);
      const abort = (): void => finish('unreachable');
      this.#inFlight.add(abort);
      const lose = (): void => {
        if (this.#hold !== peer) return;
        this.#hold = undefined;
        this.#destroyPeer(peer);
        this.#served.goneAll();
        handlers.lost();
      };
      socketOf(peer)?.on('message', (message: unknown) => this.#serverMessage(peer, message, handlers));
      peer.on('open', () => finish('held'));
      peer.on('error', (err: { type?: string }) => {
        if (!settled) finish(err.type === 'unavailable-id' ? 'taken' : 'unreachable');
        else if (err.type !== undefined && LOST_ERROR_TYPES.has(err.type)) lose();
      });
      peer.on('disconnected', lose);
      peer.on('close', lose);
      peer.on('connection', (conn: DataConnection) => this.#legacy.accept(conn, () => this.#hold === peer, (channel) => handlers.incoming(channel)));
    });
  }

  dial(): Promise<BootstrapChannel | undefined> {
    if (this.#destroyed) return Promise.resolve(undefined);
    const dialler = this.#spare ?? this.#registerDialler();
    this.#spare = undefined;
    const peer = dialler.peer;
    return new Promise((resolve) => {
      let settled = false;
      const finish = (channel: ServerChannel | undefined): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#inFlight.delete(abort);
        if (channel && !this.#destroyed) return resolve(channel);
        channel?.close();
        this.#destroyPeer(peer);
        resolve(undefined);
      };
      const timer = setTimeout(() => finish(undefined), this.#options.dialTimeoutMs);
      const abort = (): void => finish(undefined);
      this.#inFlight.add(abort);
      peer.on('error', () => finish(undefined));
      void dialler.registered.then((ok) => {
        const socket = socketOf(peer);
        if (settled || !ok || !socket) return finish(undefined);
        // No handshake here: a holder that does not answer `m.join` is the rendezvous' timeout.
        const channel = new ServerChannel(socket, this.#rendezvousId, randomChannelId(), () => this.#destroyPeer(peer), undefined);
        socket.on('message', (message: unknown) => {
          const decoded = decodeServerMessage(message);
          if (decoded?.src !== this.#rendezvousId) return;
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
    if (this.#destroyed) return false;
    if (!fetchFn) return true; // cannot tell: let the claim find out
    const o = this.#options;
    const path = o.path.endsWith('/') ? o.path : `${o.path}/`;
    const url = `${o.secure ? 'https' : 'http'}://${o.host}:${o.port}${path}${encodeURIComponent(o.key)}/id?ts=${Date.now()}${Math.random()}`;
    const controller = new AbortController();
    const abort = (): void => controller.abort();
    this.#inFlight.add(abort);
    const timer = setTimeout(abort, timeoutMs);
    try {
      const response = await fetchFn(url, { signal: controller.signal, cache: 'no-store' });
      return response.ok;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
      this.#inFlight.delete(abort);
    }
  }

  close(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#hold = undefined;
    this.#spare = undefined;
    for (const abort of [...this.#inFlight]) abort();
    this.#served.closeAll();
    for (const peer of [...this.#peers]) this.#destroyPeer(peer);
  }

  /** Register a Peer under a throwaway id, to dial the holder from. */
  #registerDialler(): Dialler {
    const peer = this.#makePeer(randomDialPeerId());
    const registered = new Promise<boolean>((resolve) => {
      peer.on('open', () => resolve(true));
      peer.on('error', () => resolve(false));
      peer.on('disconnected', () => resolve(false));
      peer.on('close', () => resolve(false));
    });
    return { peer, registered };
  }

  /** Holder side: a server message; ours open, feed or close a channel. */
  #serverMessage(peer: Peer, message: unknown, handlers: HoldHandlers): void {
    if (this.#hold !== peer || this.#destroyed) return;
    const decoded = decodeServerMessage(message);
    const socket = socketOf(peer);
    if (decoded && socket) this.#served.route(socket, decoded, (channel) => handlers.incoming(channel));
  }

  #dropSpare(): void {
    const spare = this.#spare;
    this.#spare = undefined;
    if (spare) this.#destroyPeer(spare.peer);
  }

  #makePeer(id: string): Peer {
    const o = this.#options;
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
    this.#peers.add(peer);
    return peer;
  }

  #destroyPeer(peer: Peer): void {
    if (!this.#peers.delete(peer)) return;
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
