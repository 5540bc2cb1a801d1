// The HTTP origin and PeerServer the bench pages talk to.
//
// Prefers the project's own server (server/app.mjs: static demo/dist + PeerServer on one port), so
// the bench exercises what users run. Until that exists, falls back to a tiny server of our own:
// an express app on 127.0.0.1 with the `peer` package's ExpressPeerServer mounted at the same path.
import http from 'node:http';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PEER_PATH = '/ms';

// The bench pages themselves are served by a small static server of ours (bench/page/*, the
// PeerJS browser build, dist/mesh-signal.js), cross-origin isolated (COOP+COEP) so that
// performance.now() has 5 µs resolution rather than 100 µs. They must come over the network
// (not playwright route.fulfill): Chromium's Local Network Access checks block a WebSocket to
// 127.0.0.1 from a document with no known address.
const FILES = {
  '/__bench/page.html': ['bench/page/page.html', 'text/html'],
  '/__bench/bench.js': ['bench/page/bench.js', 'text/javascript'],
  '/__bench/peerjs.min.js': ['node_modules/peerjs/dist/peerjs.min.js', 'text/javascript'],
  // BENCH_LIB: another build of the library to measure (path relative to the repo).
  '/__bench/mesh-signal.js': [process.env.BENCH_LIB || 'dist/mesh-signal.js', 'text/javascript'],
  // BENCH_ALT: a candidate build measured side by side with the main one (extra "signal (alt)" rows).
  '/__bench/mesh-signal-alt.js': [process.env.BENCH_ALT || 'dist/mesh-signal.js', 'text/javascript'],
};

// A split build (dist/mesh-signal.js) imports chunks beside it, from ./chunks/: looked up in the
// chunks folder of either build (their names carry a content hash, so the two never collide).
const CHUNK_DIRS = [...new Set([process.env.BENCH_LIB || 'dist/mesh-signal.js', process.env.BENCH_ALT || 'dist/mesh-signal.js'].map((f) => path.join(path.dirname(f), 'chunks')))];

export async function startBenchServer({ own = false } = {}) {
  const pages = await startPageServer();
  let peer = null;
  const app = path.join(ROOT, 'server', 'app.mjs');
  if (!own && existsSync(app)) {
    try {
      const mod = await import(pathToFileURL(app).href);
      if (typeof mod.startServer === 'function') {
        const s = await withTimeout(mod.startServer({ host: '127.0.0.1', port: 0, peerPath: PEER_PATH }), 10_000, 'server/app.mjs startServer()');
        peer = { port: s.port, path: PEER_PATH, kind: 'server/app.mjs PeerServer', close: () => s.close() };
      }
    } catch (e) {
      console.error(`bench: server/app.mjs failed (${e?.message ?? e}); using the bench's own PeerServer`);
    }
  }
  if (!peer) {
    // Same process, same port as the pages: express + the peer package's ExpressPeerServer.
    const { ExpressPeerServer } = await import('peer');
    pages.express.use(PEER_PATH, ExpressPeerServer(pages.server, { path: '/', key: 'peerjs' }));
    peer = { port: pages.port, path: PEER_PATH, kind: 'bench own PeerServer (peer ExpressPeerServer)', close: async () => {} };
  }
  return {
    url: pages.url,
    peer,
    kind: peer.kind,
    close: async () => { await peer.close(); await pages.close(); },
  };
}

async function startPageServer() {
  // express is what `peer` is built on: take the copy peer resolves (not a dependency of ours).
  const { createRequire } = await import('node:module');
  const require = createRequire(import.meta.url);
  const express = createRequire(require.resolve('peer'))('express');
  const app = express();
  const server = http.createServer(app);
  app.get('/__bench/chunks/:file', async (req, res) => {
    for (const dir of CHUNK_DIRS) {
      const file = path.join(ROOT, dir, path.basename(req.params.file));
      if (!existsSync(file)) continue;
      return res.set({ 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store', 'cross-origin-resource-policy': 'same-origin' }).send(await readFile(file));
    }
    res.status(404).send('not found');
  });
  app.get('/__bench/:file', async (req, res) => {
    const f = FILES[req.path];
    if (!f) return res.status(404).send('not found');
    try {
      const body = await readFile(path.join(ROOT, f[0]));
      res.set({
        'content-type': f[1] + '; charset=utf-8',
        'cache-control': 'no-store',
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-embedder-policy': 'require-corp',
        'cross-origin-resource-policy': 'same-origin',
      }).send(body);
    } catch (e) {
      res.status(404).send(String(e));
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = server.address().port;
  return {
    express: app,
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); setTimeout(r, 1000); }),
  };
}

export function withTimeout(promise, ms, what) {
  let t;
  return Promise.race([
    promise,
    new Promise((_, reject) => { t = setTimeout(() => reject(new Error(`timeout after ${ms} ms waiting for ${what}`)), ms); }),
  ]).finally(() => clearTimeout(t));
}
