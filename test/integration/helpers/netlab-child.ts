// A mesh transport in its own process (and, under netlab.ts, its own network namespace), for
// tests that take one peer's network away. Prints every transport event as one JSON line
// (`{"event":"joined","id":…}`, `{"event":"reconnecting"}`, …); reads commands from stdin, one
// JSON line each: `{"send":{"to":id,"frame":{…}}}` answers `{"event":"sent","ok":bool}`.
// Usage: node netlab-child.mjs '<json config>' (see ChildConfig).
import './child-globals.js';
import { createInterface } from 'node:readline';
import type { ConnectionInfo } from '../../../src/connection.js';
import { createMeshTransport } from '../../../src/mesh/transport.js';
import type { LeaveReason, TransportEvents } from '../../../src/transport/types.js';

interface ChildConfig {
  host: string;
  port: number;
  sessionId: string;
  id: string;
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
  reconnectGraceMs: number;
  debug?: boolean;
}

const config = JSON.parse(process.argv[2]!) as ChildConfig;
const print = (line: object): void => void process.stdout.write(`${JSON.stringify({ at: Date.now(), ...line })}\n`);

const transport = createMeshTransport({
  peerjs: { host: config.host, port: config.port, path: '/ms', secure: false },
  iceServers: [],
  heartbeatIntervalMs: config.heartbeatIntervalMs,
  heartbeatTimeoutMs: config.heartbeatTimeoutMs,
  reconnectGraceMs: config.reconnectGraceMs,
  joinTimeoutMs: 20_000,
  debug: config.debug ? (line) => process.stderr.write(`[child ${config.id}] ${line}\n`) : undefined,
})(config.sessionId);

const events: TransportEvents = {
  peerJoined: (peer: ConnectionInfo) => print({ event: 'joined', id: peer.connectionId }),
  peerAway: (id: string) => print({ event: 'away', id }),
  peerBack: (id: string) => print({ event: 'back', id }),
  peerLeft: (id: string, reason: LeaveReason) => print({ event: 'left', id, reason }),
  message: (from: string, frame: unknown) => print({ event: 'message', from, frame }),
  reconnecting: () => print({ event: 'reconnecting' }),
  reconnected: () => print({ event: 'reconnected' }),
  disconnected: (reason: string) => print({ event: 'disconnected', reason }),
  peerFault: (id: string | undefined, reason: string) => print({ event: 'fault', id, reason }),
};

transport.connect({ connectionId: config.id, creationTime: Date.now(), data: config.id }, events).then(
  (result) => print({ event: 'connected', missing: result.missing }),
  (err: Error) => {
    process.stderr.write(`netlab child could not connect: ${err.message}\n`);
    process.exit(1);
  },
);

createInterface({ input: process.stdin }).on('line', (line) => {
  const command = JSON.parse(line) as { send?: { to: string; frame: object } };
  if (command.send) print({ event: 'sent', ok: transport.send(command.send.to, command.send.frame) });
});
