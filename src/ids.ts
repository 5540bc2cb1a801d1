/**
 * A random id for a connection: 32 hex characters (128 bits).
 * Why not crypto.randomUUID: it exists only in secure contexts, and an offline LAN session is
 * served over plain http from another machine. getRandomValues works everywhere.
 */
export function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let id = '';
  for (const b of bytes) id += b.toString(16).padStart(2, '0');
  return id;
}
