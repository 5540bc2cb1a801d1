// A PeerServer in its own process: `peer` 1.0.2 has no stop method and its timers keep Node
// alive, so tests kill this process instead. Prints one JSON line with the port once listening.
// Usage: node peer-server-child.mjs [aliveTimeoutMs] [host]
import { PeerServer } from 'peer';

const aliveTimeoutMs = Number(process.argv[2] ?? 60_000);
const host = process.argv[3] ?? '127.0.0.1';
PeerServer({ host, port: 0, path: '/ms', key: 'peerjs', alive_timeout: aliveTimeoutMs }, (server) => {
  const address = server.address();
  process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`);
});
