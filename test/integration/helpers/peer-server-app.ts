/**
 * `server/app.mjs` (the `npm start` server: static files and a PeerServer) in a child process,
 * so that a test can really stop it: `peer` has no stop method, and killing the process ends its
 * timers with it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StartServerOptions } from '../../../server/app.mjs';

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
const START_TIMEOUT_MS = 10_000;

/** Starts the server with `options` (`log` cannot cross the process boundary and is left out). */
export function startAppServer(options: Omit<StartServerOptions, 'log'> = {}): Promise<RunningAppServer> {
  const child: ChildProcess = spawn(process.execPath, [CHILD, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const close = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      void close();
      reject(new Error(`server/app.mjs child did not print its address within ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n')[0];
      if (!out.includes('\n') || line === undefined) return;
      clearTimeout(timer);
      child.stdout!.removeAllListeners('data');
      child.stdout!.resume();
      const address = JSON.parse(line) as Omit<RunningAppServer, 'close'>;
      resolve({ ...address, close });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server/app.mjs child exited (${code}) before printing its address`));
    });
  });
}
