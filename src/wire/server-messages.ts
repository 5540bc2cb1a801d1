/**
 * What a PeerServer sends a client that the bootstrap reads: our own join frames relayed as
 * `OFFER` messages of payload type `mesh-signal`, and the server's notices that an id is gone.
 * The server and whoever registered an id on it are untrusted like any peer: decoded here, from
 * `unknown`, bounded (a frame's text is at most MAX_FRAME_BYTES, as on a mesh link); nothing
 * here throws.
 *
 * | server message                                   | decoded as                            |
 * |--------------------------------------------------|---------------------------------------|
 * | `EXPIRE` / `LEAVE` with `src`                    | `{ kind: 'gone', src }`               |
 * | `OFFER`, payload `{ type: 'mesh-signal', connectionId, text }` | `{ kind: 'frame', … }`  |
 * | `OFFER`, payload `{ type: 'mesh-signal', connectionId, close: true }` | `{ kind: 'close', … }` |
 * | anything else (PeerJS's own traffic, junk)       | undefined: not ours, ignored          |
 *
 * What we send the other way is built here too (`encodeServerMessage`), so both directions of
 * the envelope are in one place.
 */
import { MAX_FRAME_BYTES } from './mesh-frames.js';
import { isRecord } from './values.js';

/** The payload type of our server messages (PeerJS itself uses `data` and `media`). */
export const SERVER_PAYLOAD_TYPE = 'mesh-signal';
/** Longest PeerJS id accepted as a sender. */
export const MAX_SERVER_ID_CHARS = 256;
/** Longest channel id accepted. */
export const MAX_SERVER_CHANNEL_CHARS = 64;

export type ServerMessage =
  | { kind: 'gone'; src: string }
  | { kind: 'frame'; src: string; connectionId: string; text: string }
  | { kind: 'close'; src: string; connectionId: string };

/**
 * One message from the PeerServer (parsed by PeerJS) → what it means to the bootstrap, or
 * undefined when it is not ours or breaks a bound.
 * @example decodeServerMessage({ type: 'LEAVE', src: 'ms-x61' }) // { kind: 'gone', src: 'ms-x61' }
 */
export function decodeServerMessage(message: unknown): ServerMessage | undefined {
  if (!isRecord(message)) return undefined;
  const { type, src } = message;
  if (typeof src !== 'string' || src.length === 0 || src.length > MAX_SERVER_ID_CHARS) return undefined;
  if (type === 'EXPIRE' || type === 'LEAVE') return { kind: 'gone', src };
  if (type !== 'OFFER' || !isRecord(message.payload)) return undefined;
  const p = message.payload;
  if (p.type !== SERVER_PAYLOAD_TYPE) return undefined;
  const connectionId = p.connectionId;
  if (typeof connectionId !== 'string' || connectionId.length === 0 || connectionId.length > MAX_SERVER_CHANNEL_CHARS) return undefined;
  if (p.close === true) return { kind: 'close', src, connectionId };
  if (typeof p.text !== 'string' || p.text.length > MAX_FRAME_BYTES) return undefined;
  return { kind: 'frame', src, connectionId, text: p.text };
}

/** What we send: a frame (`text`) or the close of our side of a channel. */
export type OutgoingServerMessage = { dst: string; connectionId: string } & ({ text: string } | { close: true });

/**
 * The `OFFER` server message that carries one of ours to `dst` (the server sets `src`).
 * @example encodeServerMessage({ dst: 'ms-x61', connectionId: 'ms_1', text: '{"t":"m.ping"}' })
 */
export function encodeServerMessage(message: OutgoingServerMessage): object {
  const { dst, connectionId } = message;
  const content = 'text' in message ? { text: message.text } : { close: true };
  return { type: 'OFFER', dst, payload: { type: SERVER_PAYLOAD_TYPE, connectionId, ...content } };
}
