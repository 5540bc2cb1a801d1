/**
 * The session secret, stretched once into the keys the rest of the library uses.
 *
 * Secrets are often weak passwords, so the secret is stretched with scrypt (memory-hard: a
 * guesser pays 32 MiB and tens of milliseconds per guess, on a GPU too) with a salt that names
 * the session, so one precomputed table does not serve every session. From the stretched key two
 * independent keys are taken with HMAC and a label, so the one that names the rendezvous point
 * on the PeerServer (which the server sees) reveals nothing about the one that proves links.
 *
 * `@noble/hashes` (audited, pure JS), not `crypto.subtle`: browsers hide `crypto.subtle` from
 * plain-http pages, and a LAN session is usually served over plain http.
 *
 * Only sessions with a secret run this: the mesh loads it on first use (`sessionKeyFor` in
 * `../mesh/transport.ts`), so in the browser build it and the hashes are a chunk of their own.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { LinkKey } from './link-proof.js';

/**
 * scrypt cost: N = 2^15, r = 8, p = 1 (32 MiB; RFC 7914 gives 2^14 for interactive
 * logins in 2016: one doubling since). Measured with `node bench/kdf.mjs`: see SECURITY.md for the figures.
 */
export const SCRYPT_PARAMS = { N: 2 ** 15, r: 8, p: 1, dkLen: 32 } as const;
/** Fixed prefix of the salt; the session id follows it. Changing it changes every key. */
const SALT_PREFIX = 'mesh-signal/session-key/v1\0';
/** Derivations kept per page: a page rarely uses more than one session or secret. */
const MAX_CACHED_KEYS = 8;

/** The keys a secret gives for one session. Never sent anywhere. */
export interface SessionKey {
  /** The key of link proofs (`link-proof.ts`). */
  readonly linkKey: LinkKey;
  /** 16 bytes that name the session's rendezvous point (`rendezvous-id.ts`). */
  readonly rendezvousTag: Uint8Array;
}

const cache = new Map<string, Promise<SessionKey>>();

/**
 * Stretches `secret` for `sessionId`: ~100 ms in Chromium here (bench/kdf.mjs), once per secret and session
 * (cached). The secret is NFC-normalised, so the same word typed on two keyboards matches.
 *
 * @example const key = await deriveSessionKey('correct horse', 'room-1');
 */
export function deriveSessionKey(secret: string, sessionId: string): Promise<SessionKey> {
  const cacheKey = `${sessionId.length}:${sessionId}:${secret}`;
  const cached = cache.get(cacheKey);
  if (cached) return cached;
  const derived = stretch(secret, sessionId);
  cache.set(cacheKey, derived);
  if (cache.size > MAX_CACHED_KEYS) cache.delete(cache.keys().next().value!);
  derived.catch(() => cache.delete(cacheKey)); // a failure is not remembered
  return derived;
}

async function stretch(secret: string, sessionId: string): Promise<SessionKey> {
  const encoder = new TextEncoder();
  const password = encoder.encode(secret.normalize('NFC'));
  const salt = encoder.encode(SALT_PREFIX + sessionId);
  // The async form yields to the page every few ms instead of freezing it for the whole stretch.
  const master = await scryptAsync(password, salt, { ...SCRYPT_PARAMS, asyncTick: 10 });
  const label = (name: string) => hmac(sha256, master, encoder.encode(`mesh-signal/${name}/v1`));
  const linkKeyBytes = label('link-proof');
  const linkKey: LinkKey = { bytes: linkKeyBytes, mac: (data) => hmac(sha256, linkKeyBytes, data) };
  const key: SessionKey = { linkKey, rendezvousTag: label('rendezvous-id').slice(0, 16) };
  master.fill(0);
  return key;
}
