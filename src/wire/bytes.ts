/**
 * Bytes → text without `crypto.subtle` (browsers hide it from plain-http LAN pages): hex, and a
 * seeded 53-bit hash for session tags, checksums and rendezvous ids.
 */

/** Lower-case hex of bytes. @example hex(new Uint8Array([1, 255])) // '01ff' */
export function hex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/** cyrb53 (public domain), seeded: a fast 53-bit hash that needs no `crypto.subtle`. */
export function hash53(bytes: Uint8Array, seed: number): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (const b of bytes) {
    h1 = Math.imul(h1 ^ b, 2654435761);
    h2 = Math.imul(h2 ^ b, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
