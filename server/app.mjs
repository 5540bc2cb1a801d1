/**
 * One HTTP server for an offline session: the static files of `dist/` (library + demo page) and a
 * PeerServer (the `peer` package) mounted on the same port, so a LAN needs one address only.
 *
 * @example
 * const server = await startServer({ host: '127.0.0.1', port: 0 });
 * console.log(server.url);   // http://127.0.0.1:41234/   → redirects to /demo/
 * await server.close();
 *
 * `close()` ends every socket and the HTTP server. `peer` 1.0.2 has no stop method: its two
 * housekeeping loops (message expiry, dead-client check) re-arm a timer until the process exits,
 * so a process that should end after `close()` exits itself (as `start.mjs` does); tests run
 * this server in a child process they kill (`test/integration/helpers/peer-server-app.ts`).
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExpressPeerServer } from 'peer';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
// express and ws are what `peer` is built on (its dependencies): take the very copies peer uses.
const requireFromPeer = createRequire(require.resolve('peer'));
const express = requireFromPeer('express');
const { WebSocketServer } = requireFromPeer('ws');

/** The PeerJS key the demo and the library use unless told otherwise. */
export const PEERJS_KEY = 'peerjs';

/**
 * Largest WebSocket message the PeerServer takes (ws's default is 100 MiB, which `peer` would
 * JSON-parse and relay, and PeerJS parse again in the receiving page, before any bound of ours).
 * What crosses it: PeerJS signalling and our join frames (an SDP ≤ 32 KiB, a frame ≤ 64 KiB,
 * JSON-escaped once more inside the envelope). A bigger message closes the socket (1009).
 */
export const MAX_WS_PAYLOAD_BYTES = 128 * 1024;
/**
 * Per-socket budget, as a token bucket: messages and bytes per second, with a burst of twice
 * that. A 64-member join sends a few hundred messages in its first second; a flood that passes
 * the budget closes its socket (1008), which bounds what one client makes the server relay and
 * queue for absent ids (`peer` keeps those for `expire_timeout`).
 */
export const MAX_WS_MESSAGES_PER_SECOND = 500;
export const MAX_WS_BYTES_PER_SECOND = 4 * 1024 * 1024;

/**
 * Closes a socket that sends more than its budget of messages or bytes (token buckets refilled
 * continuously, burst = 2 s of budget).
 * @param {import('ws').WebSocket} socket
 * @param {(line: string) => void} log
 */
function meterSocket(socket, log) {
  let messages = MAX_WS_MESSAGES_PER_SECOND * 2;
  let bytes = MAX_WS_BYTES_PER_SECOND * 2;
  let last = performance.now();
  socket.on('message', (data) => {
    const now = performance.now();
    const seconds = (now - last) / 1000;
    last = now;
    messages = Math.min(MAX_WS_MESSAGES_PER_SECOND * 2, messages + seconds * MAX_WS_MESSAGES_PER_SECOND) - 1;
    bytes = Math.min(MAX_WS_BYTES_PER_SECOND * 2, bytes + seconds * MAX_WS_BYTES_PER_SECOND) - rawLength(data);
    if (messages >= 0 && bytes >= 0) return;
    if (socket.readyState !== socket.OPEN) return;
    log(`closing a PeerServer socket over its budget (${MAX_WS_MESSAGES_PER_SECOND} messages, ${MAX_WS_BYTES_PER_SECOND} bytes per second)`);
    socket.pause(); // read nothing more from it: what is still buffered is never relayed
    socket.close(1008, 'rate limit exceeded');
    // A client that does not answer the close handshake is cut off soon after.
    setTimeout(() => socket.terminate(), 1_000).unref();
  });
}

/** @param {Buffer | ArrayBuffer | Buffer[]} data */
function rawLength(data) {
  if (Array.isArray(data)) return data.reduce((n, part) => n + part.length, 0);
  return data.byteLength;
}

/**
 * Starts the server and resolves once it listens.
 *
 * @param {object} [options]
 * @param {string} [options.host]      interface to bind; default all ('0.0.0.0'). Tests pass 127.0.0.1.
 * @param {number} [options.port]      default 8080; 0 picks a free port.
 * @param {string} [options.peerPath]  where the PeerServer lives; PeerJS clients pass it as `path`.
 * @param {string} [options.staticDir] served at '/'; default the repository's dist/.
 * @param {(line: string) => void} [options.log] one line per notable event; default silent.
 * @param {object} [options.peerOptions] extra options for the PeerServer (e.g. `alive_timeout`).
 * @param {Record<string, string>} [options.mounts] more static folders by URL prefix, e.g.
 *   `{ '/e2e': 'test/e2e/pages' }` (tests and benchmarks serve their own pages beside dist/).
 * @returns {Promise<{ url: string, host: string, port: number, peerPath: string, key: string,
 *   server: import('node:http').Server, close(): Promise<void> }>}
 */
export async function startServer({
  host = '0.0.0.0',
  port = 8080,
  peerPath = '/peerjs',
  staticDir = join(root, 'dist'),
  log = () => {},
  peerOptions = {},
  mounts = {},
} = {}) {
  if (!existsSync(join(staticDir, 'mesh-signal.js'))) {
    throw new Error(`${join(staticDir, 'mesh-signal.js')} is missing: run \`npm run build\` first`);
  }
  const app = express();
  app.disable('x-powered-by');
  const server = createServer(app);

  // Every socket, so close() can end keep-alive HTTP connections and WebSockets at once.
  const sockets = new Set();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  /** @type {WebSocketServer | undefined} */
  let wss;
  const peerServer = ExpressPeerServer(server, {
    key: PEERJS_KEY,
    allow_discovery: false,
    ...peerOptions,
    path: '/',
    createWebSocketServer: (options) => {
      wss = new WebSocketServer({ ...options, maxPayload: MAX_WS_PAYLOAD_BYTES });
      // Registered before peer's own listener: every socket is metered from its first message.
      wss.on('connection', (socket) => meterSocket(socket, log));
      return wss;
    },
  });
  peerServer.on('connection', (client) => log(`peer joined   ${client.getId()}`));
  peerServer.on('disconnect', (client) => log(`peer left     ${client.getId()}`));
  peerServer.on('error', (error) => log(`peer server error: ${error?.message ?? error}`));

  app.use(peerPath, peerServer);

  app.get('/', (req, res) => {
    const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
    res.redirect(302, `demo/${query}`);
  });
  // A rebuilt bundle must reach the next page load: revalidate every time.
  const staticOptions = { setHeaders: (res) => res.setHeader('Cache-Control', 'no-cache') };
  for (const [prefix, dir] of Object.entries(mounts)) app.use(prefix, express.static(resolve(root, dir), staticOptions));
  app.use(express.static(staticDir, staticOptions));

  await new Promise((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(port, host, () => {
      server.off('error', rejectListen);
      resolveListen();
    });
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const urlHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  log(`listening on ${host}:${actualPort}`);

  let closing;
  const close = () => {
    closing ??= new Promise((resolveClose) => {
      for (const client of wss?.clients ?? []) client.terminate();
      wss?.close();
      server.close(() => resolveClose());
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections?.();
    }).then(() => log('stopped'));
    return closing;
  };

  return {
    url: `http://${urlHost}:${actualPort}/`,
    host,
    port: actualPort,
    peerPath,
    key: PEERJS_KEY,
    server,
    close,
  };
}
