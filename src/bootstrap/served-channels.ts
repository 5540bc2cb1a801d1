/**
 * The holder's side of the server channels: routes each decoded server message to the channel
 * of its sender (`src` + channel id), opening one for a newcomer's first frame. Bounded: at most
 * MAX_SERVER_CHANNELS at once, and a closed channel's frames still in flight open nothing.
 */
import type { ServerMessage } from '../wire/server-messages.js';
import { ServerChannel, type PeerSocket } from './server-channel.js';
import type { BootstrapChannel } from './types.js';

/** Channels through the server a holder keeps at once; a newcomer beyond is ignored. */
export const MAX_SERVER_CHANNELS = 128;
/** Closed server channels remembered, so that frames still in flight do not open new ones. */
const MAX_CLOSED_REMEMBERED = 256;
/** A holder's server channel that hears nothing this long is gone (a newcomer vanished). */
const SERVER_CHANNEL_IDLE_MS = 15_000;

export class ServedChannels {
  readonly #open = new Map<string, ServerChannel>();
  readonly #closed = new Set<string>();

  /** One server message (decoded) that reached the holder on `socket`. */
  route(socket: PeerSocket, message: ServerMessage, incoming: (channel: BootstrapChannel) => void): void {
    if (message.kind === 'gone') {
      for (const channel of [...this.#open.values()]) if (channel.remoteId === message.src) channel.gone();
      return;
    }
    const key = `${message.src}\n${message.connectionId}`;
    let channel = this.#open.get(key);
    if (message.kind === 'close') return channel?.gone();
    if (!channel) {
      if (this.#closed.has(key) || this.#open.size >= MAX_SERVER_CHANNELS) return;
      const opened: ServerChannel = new ServerChannel(socket, message.src, message.connectionId, () => this.#forget(key, opened), SERVER_CHANNEL_IDLE_MS);
      channel = opened;
      this.#open.set(key, channel);
      incoming(channel);
    }
    channel.receive(message.text);
  }

  /** The point went: every newcomer's channel with it (the other side is told nothing). */
  goneAll(): void {
    for (const channel of [...this.#open.values()]) channel.gone();
  }

  /** Close every channel (telling the other side). */
  closeAll(): void {
    for (const channel of [...this.#open.values()]) channel.close();
  }

  #forget(key: string, channel: ServerChannel): void {
    if (this.#open.get(key) !== channel) return;
    this.#open.delete(key);
    this.#closed.add(key);
    if (this.#closed.size > MAX_CLOSED_REMEMBERED) this.#closed.delete(this.#closed.values().next().value as string);
  }
}
