/**
 * The holder's side of legacy newcomers: older clients dial the holder with a PeerJS
 * DataConnection (raw serialization, reliable) instead of server messages. Bounded in number,
 * and one that does not open in time is closed: each is a WebRTC connection the holder pays for.
 */
import type { DataConnection } from 'peerjs';
import { BufferedChannel } from './buffered-channel.js';
import type { BootstrapChannel } from './types.js';

/** Legacy DataConnections a holder keeps at once (opening or open); more are closed at once. */
export const MAX_LEGACY_CHANNELS = 16;
/** Frames kept for a channel nobody listens to yet; more means a misbehaving newcomer. */
const MAX_UNHEARD_FRAMES = 64;

/** Accepts legacy DataConnections: at most MAX_LEGACY_CHANNELS at once, opening or open. */
export class LegacyDoor {
  private open = 0;

  /** @param openTimeoutMs a connection not open by then is closed. */
  constructor(private readonly openTimeoutMs: number) {}

  /** @param holding false once the point was lost: a connection opening then is closed. */
  accept(conn: DataConnection, holding: () => boolean, incoming: (channel: BootstrapChannel) => void): void {
    if (!holding() || this.open >= MAX_LEGACY_CHANNELS) return void conn.close();
    this.open++;
    // Wrap at once: the newcomer may send before our side's 'open' fires, and PeerJS drops
    // 'data' nobody listens to. The channel buffers until `listen`.
    guardLateCandidates(conn);
    const openTimer = setTimeout(() => channel.close(), this.openTimeoutMs);
    const channel = new DataConnectionChannel(conn, () => {
      clearTimeout(openTimer);
      this.open--;
    });
    conn.on('open', () => {
      clearTimeout(openTimer);
      if (!holding()) return channel.close();
      incoming(channel);
    });
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

/** A PeerJS DataConnection as a BootstrapChannel. What arrives is decoded by the rendezvous. */
class DataConnectionChannel extends BufferedChannel {
  constructor(
    private readonly conn: DataConnection,
    private readonly onClose: () => void,
  ) {
    super(MAX_UNHEARD_FRAMES);
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
    this.onClose();
  }
}
