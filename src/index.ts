/**
 * mesh-signal: OpenTok's Session signaling, peer to peer over WebRTC data channels.
 *
 * @example
 * import { initSession } from 'mesh-signal';
 * const session = initSession('room-1', { peerjs: { host: location.hostname, port: 8080, path: '/peerjs' } });
 * session.on('signal:chat', (e) => console.log(e.from.data, 'says', e.data));
 * await session.connect({ data: 'alice' });
 * await session.signal({ type: 'chat', data: 'hello' }); // resolves when everyone received it
 */
import { createMeshTransport, type MeshOptions } from './mesh/transport.js';
import { Session, type SessionCoreOptions } from './session.js';
import type { TransportFactory } from './transport/types.js';
import { checkSessionOptions } from './options.js';

/** Where `npm start` mounts its PeerServer, and so the default `peerjs.path`. */
export const DEFAULT_PEERJS_PATH = '/peerjs';

/** Options of `initSession`. Every timeout is in milliseconds. */
export interface SessionOptions {
  /**
   * The PeerServer to meet through: `{ host, port, path, secure, key }`. Defaults: the page's
   * host and port, path `/peerjs` (as `npm start` serves it), key `peerjs`.
   */
  peerjs?: MeshOptions['peerjs'];
  /** STUN/TURN servers. Default `[]`: a LAN or one machine needs none. */
  iceServers?: RTCIceServer[];
  /** How long a signal waits for every target's acknowledgement (default 10 000), then fails with 408. */
  ackTimeout?: number;
  /** How long `connect()` waits to link to every member before it resolves anyway (default 15 000). */
  joinTimeout?: number;
  /** How often each link is pinged (default 1 000). */
  heartbeatInterval?: number;
  /** A peer silent this long is dropped as `networkDisconnected` (default 4 000). */
  heartbeatTimeout?: number;
  /**
   * A peer whose link died stays a Connection (away, being re-linked) this long before it is
   * destroyed as `networkDisconnected`; also how long this client, cut off from everyone, tries to
   * get back before `sessionDisconnected` (default 20 000).
   */
  reconnectGrace?: number;
  /** Log the mesh's link state changes, relays and retries: `true` (console.debug) or a function. */
  debug?: MeshOptions['debug'];
  /** A transport of your own instead of the WebRTC mesh (e.g. `createMemoryNetwork().transport`). */
  transport?: TransportFactory;
  /**
   * The session secret (not `peerjs.key`, the PeerServer's API key). With it, only peers that
   * prove they know it become Connections, and the session's rendezvous point is named by it.
   */
  secret?: string;
  /** Signals accepted per second from one connection; more are refused with 429. */
  maxSignalsPerSecond?: number;
}

/**
 * Creates a Session for `sessionId`; call `connect()` on it to join.
 *
 * @example
 * const session = initSession('room-1', { transport: createMemoryNetwork().transport });
 */
export function initSession(sessionId: string, options: SessionOptions = {}): Session {
  checkSessionOptions(options);
  const core: SessionCoreOptions = { transport: options.transport ?? createMeshTransport(meshOptions(options)) };
  if (options.ackTimeout !== undefined) core.ackTimeout = options.ackTimeout;
  if (options.maxSignalsPerSecond !== undefined) core.maxSignalsPerSecond = options.maxSignalsPerSecond;
  return new Session(sessionId, core);
}

function meshOptions(options: SessionOptions): MeshOptions {
  const mesh: MeshOptions = {
    peerjs: { path: DEFAULT_PEERJS_PATH, ...options.peerjs },
    iceServers: options.iceServers ?? [],
  };
  if (options.joinTimeout !== undefined) mesh.joinTimeoutMs = options.joinTimeout;
  if (options.heartbeatInterval !== undefined) mesh.heartbeatIntervalMs = options.heartbeatInterval;
  if (options.heartbeatTimeout !== undefined) mesh.heartbeatTimeoutMs = options.heartbeatTimeout;
  if (options.reconnectGrace !== undefined) mesh.reconnectGraceMs = options.reconnectGrace;
  if (options.debug !== undefined) mesh.debug = options.debug;
  if (options.secret !== undefined) mesh.secret = options.secret;
  return mesh;
}

export { Session, DEFAULT_ACK_TIMEOUT_MS, type SessionState, type ConnectOptions } from './session.js';
export { Connection, type ConnectionInfo } from './connection.js';
export { SignalError, ErrorCode, type SignalFailure } from './signal/errors.js';
export { MAX_DATA_BYTES, MAX_TYPE_BYTES } from './signal/rules.js';
export type { SignalOptions } from './signal/validate.js';
export type * from './session-events.js';
export { createMemoryNetwork, type MemoryNetwork, type MemoryNetworkOptions, type DropRule } from './transport/memory.js';
export { createMeshTransport, MESH_DEFAULTS, type MeshOptions } from './mesh/transport.js';
export type { Transport, TransportEvents, TransportFactory, JoinResult, LeaveReason } from './transport/types.js';
