/**
 * `server/app.mjs` (the `npm start` server: static files and a PeerServer) in a child process,
 * so that a test can really stop it: `peer` has no stop method, and killing the process ends its
 * timers with it.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StartServerOptions } from '../../../server/app.mjs';
import { startChild } from './peer-server.js';

export interface RunningAppServer {
  url: string;
  host: string;
  port: number;
  peerPath: string;
  key: string;
  /** Kill the server process (SIGKILL) and wait for it to exit. Safe twice. */
  close(): Promise<void>;
}

// From the file's own path: happy-dom replaces the global URL, which fileURLToPath refuses.
const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'peer-server-app-child.mjs');

/** Starts the server with `options` (`log` cannot cross the process boundary and is left out). */
export async function startAppServer(options: Omit<StartServerOptions, 'log'> = {}): Promise<RunningAppServer> {
  const { info, stop } = await startChild<Omit<RunningAppServer, 'close'>>(CHILD, [JSON.stringify(options)], 'server/app.mjs child');
  return { ...info, close: stop };
}
