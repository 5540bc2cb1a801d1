/**
 * A plain static file server (no PeerServer, no WebSocket): what "any static host" gives a page.
 * Serves `dist/` (or MESH_SIGNAL_DIST) at `/` and the e2e pages at `/e2e/`, bound to 127.0.0.1.
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.png': 'image/png',
};

export interface StaticServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startStaticServer(): Promise<StaticServer> {
  const dist = resolve(process.env.MESH_SIGNAL_DIST ?? 'dist');
  const pages = resolve('test/e2e/pages');
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const [base, rest] = path.startsWith('/e2e/') ? [pages, path.slice(5)] : [dist, path.slice(1)];
    let file = normalize(join(base, rest));
    if (!file.startsWith(base)) return void res.writeHead(403).end();
    try {
      if (statSync(file).isDirectory()) file = join(file, 'index.html');
      statSync(file);
    } catch {
      return void res.writeHead(404).end('not found');
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    close: () => new Promise((ok) => {
      server.closeAllConnections();
      server.close(() => ok());
    }),
  };
}
