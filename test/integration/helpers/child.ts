/**
 * Runs `child-session.ts` in a separate Node process (bundled once with esbuild), for tests that
 * kill or freeze a peer for real.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { HEARTBEAT_INTERVAL_MS, HEARTBEAT_TIMEOUT_MS, RECONNECT_GRACE_MS } from './mesh.js';

export interface ChildSession {
  connectionId: string;
  /** Lines the child printed after connecting (signals it received). */
  lines: string[];
  signal(name: 'SIGKILL' | 'SIGSTOP' | 'SIGCONT'): void;
  /** SIGKILL (after SIGCONT if frozen) and wait for the exit. Safe twice. */
  stop(): Promise<void>;
}

// Paths from the file's own path: happy-dom replaces the global URL, which fileURLToPath refuses.
const HERE = dirname(fileURLToPath(import.meta.url));

const bundles = new Map<string, Promise<string>>();
/** `helpers/<entry>.ts` bundled for Node (once per run), with wrtc and ws left external. */
export function bundle(entry = 'child-session'): Promise<string> {
  let bundled = bundles.get(entry);
  if (bundled) return bundled;
  bundled = (async () => {
    // Inside the repository so the bundle's bare imports (@roamhq/wrtc, ws) resolve here.
    const dir = join(HERE, '../../../node_modules/.cache');
    mkdirSync(dir, { recursive: true });
    const tmp = mkdtempSync(join(dir, 'mesh-child-'));
    process.once('exit', () => rmSync(tmp, { recursive: true, force: true }));
    const out = join(tmp, `${entry}.mjs`);
    await build({
      entryPoints: [join(HERE, `${entry}.ts`)],
      outfile: out,
      bundle: true,
      platform: 'node',
      format: 'esm',
      external: ['@roamhq/wrtc', 'ws'], // a native addon, and ws's optional native parts
      banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
      logLevel: 'error',
    });
    return out;
  })();
  bundles.set(entry, bundled);
  return bundled;
}

export async function startChildSession(port: number, sessionId: string, timeoutMs = 20_000): Promise<ChildSession> {
  const file = await bundle();
  const child = spawn(process.execPath, [file, String(port), sessionId, String(HEARTBEAT_INTERVAL_MS), String(HEARTBEAT_TIMEOUT_MS), String(RECONNECT_GRACE_MS)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const lines: string[] = [];
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
    }
    await exited;
  };
  return new Promise((resolve, reject) => {
    let buffer = '';
    let connectionId: string | undefined;
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`child session did not connect within ${timeoutMs} ms`));
    }, timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (connectionId !== undefined) {
          lines.push(line);
          continue;
        }
        connectionId = (JSON.parse(line) as { connectionId: string }).connectionId;
        clearTimeout(timer);
        resolve({ connectionId, lines, signal: (name) => void child.kill(name), stop });
      }
    });
    child.once('exit', (code, sig) => {
      clearTimeout(timer);
      if (connectionId === undefined) reject(new Error(`child session exited (${code ?? sig}) before connecting`));
    });
  });
}
