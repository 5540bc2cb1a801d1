/**
 * A member's identity is its DTLS certificate: the connection id is derived from the
 * certificate's SHA-256 fingerprint, which every SDP of every link carries. A peer that claims an
 * id must be the one holding that certificate, or the fingerprint in its SDP (which DTLS then
 * enforces) gives it away. Pure functions: no DOM, no WebRTC.
 *
 * | id form       | meaning                                                                 |
 * |---------------|-------------------------------------------------------------------------|
 * | `f` + 26 chars | bound: base32 of the first 16 bytes of the certificate's SHA-256 fingerprint |
 * | anything else  | unbound (a platform without `generateCertificate`, e.g. Node's wrtc)   |
 */

/** Prefix of a connection id derived from a certificate fingerprint. */
export const BOUND_ID_PREFIX = 'f';
const BOUND_ID_BYTES = 16;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/**
 * The SHA-256 fingerprint in an SDP (`a=fingerprint:sha-256 AB:CD:…`) as 32 bytes, or undefined
 * when there is none or it is malformed. Session-level or media-level: all must agree.
 * @example sdpFingerprint('v=0\r\na=fingerprint:sha-256 00:11:…\r\n') // Uint8Array(32)
 */
export function sdpFingerprint(sdp: string): Uint8Array | undefined {
  let found: string | undefined;
  for (const match of sdp.matchAll(/^a=fingerprint:sha-256 ([0-9A-Fa-f:]+)\s*$/gm)) {
    const hex = match[1]!.toLowerCase();
    if (found !== undefined && found !== hex) return undefined; // two certificates: refuse
    found = hex;
  }
  if (found === undefined) return undefined;
  const parts = found.split(':');
  if (parts.length !== 32 || parts.some((p) => p.length !== 2)) return undefined;
  return Uint8Array.from(parts, (p) => parseInt(p, 16));
}

/**
 * The connection id bound to a fingerprint.
 * @example boundConnectionId(sdpFingerprint(pc.localDescription.sdp)!) // 'f…' (27 chars)
 */
export function boundConnectionId(fingerprint: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = BOUND_ID_PREFIX;
  for (const byte of fingerprint.subarray(0, BOUND_ID_BYTES)) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** True when `id` has the bound form (so its links must show the matching fingerprint). */
export function isBoundId(id: string): boolean {
  return id.length === 27 && id.startsWith(BOUND_ID_PREFIX) && /^[a-z2-7]+$/.test(id.slice(1));
}

/** True when the fingerprint of `sdp` is the one `connectionId` is bound to. */
export function sdpProvesId(sdp: string, connectionId: string): boolean {
  const fp = sdpFingerprint(sdp);
  return fp !== undefined && boundConnectionId(fp) === connectionId;
}
