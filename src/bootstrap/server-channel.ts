/**
 * A bootstrap channel relayed by the PeerServer: each frame one `OFFER` server message to the
 * other id (`src/wire/server-messages.ts` builds and reads them). Ordered and reliable while both
 * sockets last (one WebSocket each, relayed in order).
 */
import type { Peer } from 'peerjs';
import { encodeServerMessage } from '../wire/server-messages.js';
import { BufferedChannel } from './buffered-channel.js';

/** Frames kept for a channel nobody listens to yet; more means a misbehaving newcomer. */
const MAX_UNHEARD_FRAMES = 64;

/** The part of PeerJS's (internal) server socket we use. */
export interface PeerSocket {
  send(message: object): void;
  on(event: 'message', listener: (message: unknown) => void): void;
}

/** A Peer's server socket, when PeerJS has one with the shape we rely on. */
export function socketOf(peer: Peer): PeerSocket | undefined {
  const socket = (peer as unknown as { socket?: PeerSocket }).socket;
  return socket && typeof socket.send === 'function' && typeof socket.on === 'function' ? socket : undefined;
}

/** A fresh id for a newcomer's channel to the holder. */
export function randomChannelId(): string {
  return `ms_${Math.random().toString(36).slice(2, 12)}${Math.random().toString(36).slice(2, 12)}`;
}

export class ServerChannel extends BufferedChannel {
  #lastHeardAtMs = performance.now();
  readonly #idleTimer: ReturnType<typeof setInterval> | undefined;
  /** Set when the other side went: then closing sends no close message back. */
  #remoteClosed = false;

  /** @param idleMs closed as gone when nothing arrives this long (undefined: never). */
  readonly #socket: PeerSocket;

  constructor(
    socket: PeerSocket,
    readonly remoteId: string,
    readonly connectionId: string,
    private readonly onClose: () => void,
    idleMs: number | undefined,
  ) {
    super(MAX_UNHEARD_FRAMES);
    this.#socket = socket;
    if (idleMs !== undefined) {
      this.#idleTimer = setInterval(() => {
        if (performance.now() - this.#lastHeardAtMs >= idleMs) this.gone();
      }, idleMs);
    }
  }

  send(text: string): void {
    if (!this.closed) this.#post({ dst: this.remoteId, connectionId: this.connectionId, text });
  }

  /** A frame from the other side. */
  receive(text: string): void {
    if (this.closed) return;
    this.#lastHeardAtMs = performance.now();
    this.deliver(text);
  }

  /** The other side closed it or went away. */
  gone(): void {
    this.#remoteClosed = true;
    this.remoteGone();
  }

  close(): void {
    if (this.closed) return;
    if (!this.#remoteClosed) this.#post({ dst: this.remoteId, connectionId: this.connectionId, close: true });
    this.markClosed();
    if (this.#idleTimer !== undefined) clearInterval(this.#idleTimer);
    this.onClose();
  }

  #post(message: Parameters<typeof encodeServerMessage>[0]): void {
    try {
      this.#socket.send(encodeServerMessage(message));
    } catch {
      // the socket is going; its 'disconnected' closes this channel
    }
  }
}
