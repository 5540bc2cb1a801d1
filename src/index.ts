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
import { Session, type SessionCoreOptions } from './session.js';
import type { TransportFactory } from './transport/types.js';

/** Options of `initSession`. */
export interface SessionOptions {
  /** Milliseconds a signal waits for every target's acknowledgement (default 10 000), then fails with 408. */
  ackTimeout?: number;
  /** A transport of your own (e.g. `createMemoryNetwork().transport` in tests). */
  transport?: TransportFactory;
}

/**
 * Creates a Session for `sessionId`; call `connect()` on it to join.
 *
 * @example
 * const session = initSession('room-1', { transport: createMemoryNetwork().transport });
 */
export function initSession(sessionId: string, options: SessionOptions = {}): Session {
  if (!options.transport) throw new TypeError('initSession needs options.transport until the WebRTC mesh lands');
  const core: SessionCoreOptions = { transport: options.transport };
  if (options.ackTimeout !== undefined) core.ackTimeout = options.ackTimeout;
  return new Session(sessionId, core);
}

export { Session, DEFAULT_ACK_TIMEOUT_MS, type SessionState, type ConnectOptions } from './session.js';
export { Connection, type ConnectionInfo } from './connection.js';
export { SignalError, ErrorCode, type SignalFailure } from './signal/errors.js';
export { MAX_DATA_BYTES, MAX_TYPE_BYTES } from './signal/rules.js';
export type { SignalOptions } from './signal/validate.js';
export type * from './session-events.js';
export { createMemoryNetwork, type MemoryNetwork, type MemoryNetworkOptions, type DropRule } from './transport/memory.js';
export type { Transport, TransportEvents, TransportFactory, JoinResult, LeaveReason } from './transport/types.js';
