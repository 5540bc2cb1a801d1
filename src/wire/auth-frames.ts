/**
 * The frames of the link proof (`src/auth/`): encoders and bounded decoders. Peer input is
 * decoded from `unknown`; nothing here throws.
 *
 * | where                | field / kind               | meaning                                        |
 * |----------------------|----------------------------|------------------------------------------------|
 * | `m.hello`            | `auth: { nonce }`          | I hold a secret; here is my fresh nonce (32 hex chars). Absent: I hold none |
 * | mesh link, after both hellos | `m.auth { proof }` | my proof for this link (64 hex chars)          |
 *
 * Hex, lower case, exact length: one spelling per value, so a decoder can be strict.
 */
import { NONCE_BYTES, PROOF_BYTES } from '../auth/link-proof.js';
import { hex } from './bytes.js';
import { isRecord, type Decoded } from './values.js';

export interface AuthFrame {
  t: 'm.auth';
  proof: Uint8Array;
}

/** What an `m.hello` says about the secret: a nonce when its sender holds one. */
export interface HelloAuth {
  nonce: Uint8Array;
}

export type AuthDecoded<T> = Decoded<T>;

/** The kind of the proof frame (a mesh control kind: apps never see it). */
export const AUTH_KIND = 'm.auth';

/**
 * The `m.auth` frame as sent.
 * @example encodeAuthFrame(proof) // { t: 'm.auth', proof: '3f…' }
 */
export function encodeAuthFrame(proof: Uint8Array): { t: 'm.auth'; proof: string } {
  return { t: AUTH_KIND, proof: hex(proof) };
}

/**
 * The `auth` field of an `m.hello` as sent.
 * @example encodeHelloAuth(nonce) // { nonce: '00ff…' }
 */
export function encodeHelloAuth(nonce: Uint8Array): { nonce: string } {
  return { nonce: hex(nonce) };
}

/**
 * A parsed value → an `m.auth` frame, or why not.
 * @example decodeAuthFrame({ t: 'm.auth', proof: 'ab'.repeat(32) }) // { ok: true, frame: { t: 'm.auth', proof: Uint8Array(32) } }
 */
export function decodeAuthFrame(value: unknown): AuthDecoded<AuthFrame> {
  if (!isRecord(value) || value.t !== AUTH_KIND) return { ok: false, reason: 'm.auth: not an m.auth frame' };
  const proof = fromHex(value.proof, PROOF_BYTES);
  if (!proof) return { ok: false, reason: `m.auth: proof is not ${PROOF_BYTES * 2} lower-case hex chars` };
  return { ok: true, frame: { t: AUTH_KIND, proof } };
}

/**
 * The `auth` field of a hello: undefined (the sender holds no secret) or a nonce.
 * @example decodeHelloAuth(undefined) // { ok: true, frame: undefined }
 */
export function decodeHelloAuth(value: unknown): AuthDecoded<HelloAuth | undefined> {
  if (value === undefined) return { ok: true, frame: undefined };
  if (!isRecord(value)) return { ok: false, reason: 'm.hello: auth is not an object' };
  const nonce = fromHex(value.nonce, NONCE_BYTES);
  if (!nonce) return { ok: false, reason: `m.hello: auth.nonce is not ${NONCE_BYTES * 2} lower-case hex chars` };
  return { ok: true, frame: { nonce } };
}

/** Exactly `length` bytes of lower-case hex, or undefined. */
function fromHex(value: unknown, length: number): Uint8Array | undefined {
  if (typeof value !== 'string' || value.length !== length * 2 || !/^[0-9a-f]*$/.test(value)) return undefined;
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = parseInt(value.slice(2 * i, 2 * i + 2), 16);
  return out;
}
