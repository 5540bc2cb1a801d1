// A session in its own process, so a test can kill it (SIGKILL: gone without a goodbye) or
// freeze it (SIGSTOP: silent, sockets still open). Prints one JSON line once connected.
// Usage: node child-session.mjs <peerServerPort> <sessionId> <heartbeatIntervalMs> <heartbeatTimeoutMs> <reconnectGraceMs>
import './child-globals.js';
import { initSession } from '../../../src/index.js';
import { createMeshTransport } from '../../../src/mesh/transport.js';

const [port, sessionId, intervalMs, timeoutMs, graceMs] = process.argv.slice(2);
const session = initSession(sessionId!, {
  transport: createMeshTransport({
    peerjs: { host: '127.0.0.1', port: Number(port), path: '/ms', secure: false },
    heartbeatIntervalMs: Number(intervalMs),
    heartbeatTimeoutMs: Number(timeoutMs),
    reconnectGraceMs: Number(graceMs),
  }),
});
session.on('signal', (e) => process.stdout.write(`${JSON.stringify({ signal: e.data })}\n`));
session.connect({ data: 'child' }).then(
  () => process.stdout.write(`${JSON.stringify({ connectionId: session.connection!.connectionId })}\n`),
  (err: Error) => {
    process.stderr.write(`child session could not connect: ${err.message}\n`);
    process.exit(1);
  },
);
