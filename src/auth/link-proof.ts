/**
 * The proof that a peer knows the session secret, bound to one link. Pure functions.
 *
 * proof = HMAC-SHA256(linkKey, transcript), where the transcript is a fixed domain tag followed
 * by length-prefixed fields, always in the offerer/answerer order (both ends build the same
 * bytes):
 *
 *   tag ‖ prover role ‖ offerer fingerprint ‖ answerer fingerprint ‖ offerer id ‖ answerer id
 *     ‖ offerer nonce ‖ answerer nonce
 *
 * Why each part (the model is libp2p webrtc-direct's Noise prologue of both DTLS fingerprints):
 * - both DTLS fingerprints, read from the SDP of this very link: a relaying member that swaps in
 *   its own SDP to sit in the middle ends up with a different fingerprint on each side, so a
 *   proof it forwards from one side fails on the other (no splicing);
 * - both sides' fresh nonces: a proof recorded from an earlier link fails (no replay);
 * - the prover's role: the answerer's proof cannot be reflected back as the offerer's;
 * - both connection ids: on platforms whose ids are not bound to the certificate, a proof still
 *   names who is proving to whom.
 * The secret itself never crosses the wire; only HMACs under a key stretched from it.
 */

/**
 * The link-proof key: its bytes, and HMAC-SHA256 under it. The HMAC comes with the key (from
 * `deriveSessionKey`) so this module does not load the hash code a session without a secret never runs.
 */
export interface LinkKey {
  readonly bytes: Uint8Array;
  mac(data: Uint8Array): Uint8Array;
}

/** Which end of the link offered (the simple-peer initiator) and which answered. */
export type LinkRole = 'offerer' | 'answerer';
/** Bytes in a nonce: 128 bits, so one never repeats. */
export const NONCE_BYTES = 16;
/** Bytes in a proof (one SHA-256 HMAC). */
export const PROOF_BYTES = 32;
/** Domain tag: proofs for anything else (another protocol, another version) never match. */
const DOMAIN_TAG = 'mesh-signal/link-proof/v1';

/** Everything a proof covers, as one side sees the link. */
export interface LinkTranscript {
  offerer: LinkEnd;
  answerer: LinkEnd;
}

/** One end of a link: its id, its DTLS fingerprint (from its SDP) and its nonce. */
export interface LinkEnd {
  connectionId: string;
  fingerprint: Uint8Array;
  nonce: Uint8Array;
}

/**
 * A fresh random nonce.
 * @example newNonce() // Uint8Array(16)
 */
export function newNonce(): Uint8Array {
  const nonce = new Uint8Array(NONCE_BYTES);
  crypto.getRandomValues(nonce);
  return nonce;
}

/**
 * The proof `prover` sends for this link.
 * @example linkProof(key.linkKey, transcript, 'offerer') // Uint8Array(32)
 */
export function linkProof(linkKey: LinkKey, transcript: LinkTranscript, prover: LinkRole): Uint8Array {
  return linkKey.mac(transcriptBytes(transcript, prover));
}

/** True when `proof` is the one `prover` must send for this link. Constant time in its content. */
export function verifyLinkProof(linkKey: LinkKey, transcript: LinkTranscript, prover: LinkRole, proof: Uint8Array): boolean {
  return constantTimeEqual(proof, linkProof(linkKey, transcript, prover));
}

/**
 * Compares two byte strings in time that depends only on their lengths, so a forger cannot
 * learn a correct proof byte by byte from how long a refusal took.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!;
  return difference === 0;
}

function transcriptBytes(t: LinkTranscript, prover: LinkRole): Uint8Array {
  const encoder = new TextEncoder();
  const fields = [
    encoder.encode(DOMAIN_TAG),
    encoder.encode(prover),
    t.offerer.fingerprint,
    t.answerer.fingerprint,
    encoder.encode(t.offerer.connectionId),
    encoder.encode(t.answerer.connectionId),
    t.offerer.nonce,
    t.answerer.nonce,
  ];
  // Each field is prefixed with its length (4 bytes), so no two transcripts share bytes.
  const out = new Uint8Array(fields.reduce((n, f) => n + 4 + f.length, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const field of fields) {
    view.setUint32(at, field.length);
    out.set(field, at + 4);
    at += 4 + field.length;
  }
  return out;
}
