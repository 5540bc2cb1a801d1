/**
 * Session id → the PeerJS id of the session's rendezvous point.
 *
 * PeerJS accepts ids matching `^[A-Za-z0-9]+(?:[ _-][A-Za-z0-9]+)*$`, so the session id is
 * hex-encoded (UTF-8). Long ids are hashed to keep the WebSocket URL short; the 106-bit hash
 * (two 53-bit halves) makes an accidental merge of two sessions practically impossible.
 * The hash needs no `crypto.subtle`, which browsers hide from plain-http LAN pages.
 *
 * With a session secret the id comes from the secret instead (`secretRendezvousPeerId`): the
 * session name alone then neither finds the introducer nor lets a stranger squat its id first.
 */

import { hash53, hex } from '../wire/bytes.js';

/** Session ids up to this many UTF-8 bytes are encoded whole; longer ones are hashed. */
const MAX_ENCODED_BYTES = 48;

/**
 * @example rendezvousPeerId('room1') // 'ms-x726f6f6d31'
 */
export function rendezvousPeerId(sessionId: string): string {
  const bytes = new TextEncoder().encode(sessionId);
  if (bytes.length <= MAX_ENCODED_BYTES) return `ms-x${hex(bytes)}`; // 'x': never empty after the dash
  return `ms-h${hash53(bytes, 0x9e3779b9).toString(16).padStart(14, '0')}${hash53(bytes, 0x85ebca6b).toString(16).padStart(14, '0')}`;
}

/**
 * The rendezvous id of a session with a secret: `ms-s` + the 16-byte rendezvous tag that
 * `deriveSessionKey(secret, sessionId)` stretched from both. Without the secret it cannot be
 * computed (the PeerServer sees it, but learns nothing of the link key from it).
 * @example secretRendezvousPeerId((await deriveSessionKey('pw', 'room1')).rendezvousTag) // 'ms-s…' (36 chars)
 */
export function secretRendezvousPeerId(rendezvousTag: Uint8Array): string {
  if (rendezvousTag.length !== 16) throw new RangeError(`a rendezvous tag has 16 bytes, not ${rendezvousTag.length}`);
  return `ms-s${hex(rendezvousTag)}`;
}

/** A fresh random PeerJS id for a newcomer's short-lived dialling Peer. */
export function randomDialPeerId(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return `mj-${hex(bytes)}`;
}
