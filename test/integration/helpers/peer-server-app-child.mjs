// server/app.mjs (static files + PeerServer) in its own process: `peer` has no stop method and its
// timers keep Node alive, so tests kill this process instead. Prints one JSON line with where it
// listens once it does. Usage: node peer-server-app-child.mjs '<startServer options as JSON>'
import { startServer } from '../../../server/app.mjs';

const options = JSON.parse(process.argv[2] ?? '{}');
const server = await startServer(options);
const { url, host, port, peerPath, key } = server;
process.stdout.write(`${JSON.stringify({ url, host, port, peerPath, key })}\n`);
