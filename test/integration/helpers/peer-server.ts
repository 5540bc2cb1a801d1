/**
 * Start and stop a real PeerServer (the `peer` package) on 127.0.0.1 in a child process.
 * The suite's shared one comes from `global-peer-server.ts`; a test that stops the server
 * mid-way starts its own with `startPeerServer()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface RunningPeerServer {
  host: string;
  port: number;
  path: '/ms';
  /** Kill the server process (SIGKILL) and wait for it to exit. Safe twice. */
  stop(): Promise<void>;
}

// From the file's own path: happy-dom replaces the global URL, which fileURLToPath refuses.
const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'peer-server-child.mjs');
const START_TIMEOUT_MS = 10_000;

/**
 * @param aliveTimeoutMs the server's `alive_timeout` (how long a silent holder keeps its id).
 * @param host the address to bind: 127.0.0.1, or a lab bridge's address (`netlab.ts`).
 */
export async function startPeerServer(aliveTimeoutMs = 60_000, host = '127.0.0.1'): Promise<RunningPeerServer> {
  const { info, stop } = await startChild<{ port: number }>(CHILD, [String(aliveTimeoutMs), host], 'PeerServer child');
  return { host, port: info.port, path: '/ms', stop };
}

/**
 * Runs `node <script> ...args` and resolves with the JSON of the first line it prints (where it
 * listens) and a stop that kills it (SIGKILL) and waits for it to exit (safe twice).
 */
export function startChild<Info>(script: string, args: string[], what: string): Promise<{ info: Info; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${what} did not print where it listens within ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n')[0];
      if (!out.includes('\n') || line === undefined) return;
      clearTimeout(timer);
      child.stdout!.removeAllListeners('data');
      child.stdout!.resume();
      resolve({ info: JSON.parse(line) as Info, stop });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code}) before printing where it listens`));
    });
  });
}
