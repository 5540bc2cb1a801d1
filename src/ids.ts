/**
 * A random id for a connection: 32 hex characters (128 bits).
 * Why not crypto.randomUUID: it exists only in secure contexts, and an offline LAN session is
 * served over plain http from another machine. getRandomValues works everywhere.
 */
import { hex } from './wire/bytes.js';

export function randomId(): string {
  return hex(crypto.getRandomValues(new Uint8Array(16)));
}
