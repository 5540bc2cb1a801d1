/**
 * Helpers for the real-network tests: sessions over the mesh transport against a PeerServer on
 * 127.0.0.1, the options of their waits, cleanup.
 */
import { expect, inject } from 'vitest';
import { initSession, type Session } from '../../../src/index.js';
import { createMeshTransport, type MeshOptions } from '../../../src/mesh/transport.js';
import type { ConnectionInfo } from '../../../src/connection.js';
import type { LeaveReason, Transport, TransportEvents } from '../../../src/transport/types.js';

/** Heartbeat settings of the tests: a dead peer is dropped within HEARTBEAT_TIMEOUT_MS + one interval. */
export const HEARTBEAT_INTERVAL_MS = 250;
export const HEARTBEAT_TIMEOUT_MS = 1_500;
/** Grace period of the tests: an away peer is destroyed this long after it went away. */
export const RECONNECT_GRACE_MS = 3_000;

/** Mesh options pointing at a PeerServer (the suite's shared one by default). */
export function meshOptions(port: number = inject('peerServerPort'), extra: MeshOptions = {}): MeshOptions {
  return {
    peerjs: { host: '127.0.0.1', port, path: '/ms', secure: false },
    iceServers: [],
    heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
    heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS,
    reconnectGraceMs: RECONNECT_GRACE_MS,
    joinTimeoutMs: 20_000,
    ...extra,
  };
}

let sessionCounter = 0;
/** A session id no other test uses, so tests can share one PeerServer. */
export function uniqueSessionId(label: string): string {
  sessionCounter++;
  return `it-${label}-${process.pid}-${sessionCounter}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Options of `expect.poll` for the real-network waits: they bound a hang, they time nothing. */
export const POLL = { timeout: 15_000, interval: 20 };

/**
 * For outage.test.ts, kept by another change: new tests use `expect.poll(…, { ...POLL, message })`
 * and `within` from test/within.ts directly.
 */
export { within } from '../../within.js';
export async function waitUntil(check: () => boolean, what: string, timeoutMs = POLL.timeout): Promise<void> {
  await expect.poll(check, { ...POLL, timeout: timeoutMs, message: what }).toBe(true);
}

/** Sessions made by a test, disconnected by `disconnectAll` in afterEach. */
const live = new Set<Session>();

/** A session through `initSession`'s default transport (the mesh), configured from MeshOptions. */
export function newSession(sessionId: string, options: MeshOptions = meshOptions()): Session {
  const session = initSession(sessionId, {
    peerjs: options.peerjs,
    iceServers: options.iceServers,
    joinTimeout: options.joinTimeoutMs,
    heartbeatInterval: options.heartbeatIntervalMs,
    heartbeatTimeout: options.heartbeatTimeoutMs,
    reconnectGrace: options.reconnectGraceMs,
    debug: options.debug,
    ackTimeout: 10_000,
  });
  live.add(session);
  return session;
}

export function disconnectAll(): void {
  for (const s of live) s.disconnect();
  live.clear();
}

/** True when every session sees every other one (and only them) as a connection. */
export function isFullMesh(sessions: Session[]): boolean {
  const ids = sessions.map((s) => s.connection?.connectionId);
  if (ids.some((id) => id === undefined)) return false;
  return sessions.every((s) => {
    const seen = new Set(s.connections.map((c) => c.connectionId));
    return seen.size === sessions.length - 1 && ids.every((id) => id === s.connection!.connectionId || seen.has(id!));
  });
}

export async function waitForFullMesh(sessions: Session[], timeoutMs = 20_000): Promise<void> {
  await expect.poll(() => isFullMesh(sessions), { ...POLL, timeout: timeoutMs, message: `a full mesh of ${sessions.length} sessions` }).toBe(true);
}

/** A bare Transport with its events recorded, for tests below the Session. */
export class RecordingPeer implements TransportEvents {
  readonly info: ConnectionInfo;
  readonly transport: Transport;
  readonly joined = new Map<string, ConnectionInfo>();
  readonly left: Array<{ id: string; reason: LeaveReason }> = [];
  readonly messages: Array<{ from: string; frame: unknown }> = [];
  readonly faults: string[] = [];
  /** Every peerJoined, in order (a member that came back must not appear twice). */
  readonly joins: string[] = [];
  readonly away: string[] = [];
  readonly back: string[] = [];
  readonly own: string[] = [];

  constructor(sessionId: string, id: string, options: MeshOptions = meshOptions()) {
    this.info = { connectionId: id, creationTime: Date.now(), data: `data of ${id}` };
    this.transport = createMeshTransport(options)(sessionId);
  }

  connect(): ReturnType<Transport['connect']> {
    return this.transport.connect(this.info, this);
  }

  peerJoined(peer: ConnectionInfo): void {
    this.joins.push(peer.connectionId);
    this.joined.set(peer.connectionId, peer);
  }
  peerAway(connectionId: string): void {
    this.away.push(connectionId);
  }
  peerBack(connectionId: string): void {
    this.back.push(connectionId);
  }
  peerLeft(connectionId: string, reason: LeaveReason): void {
    this.joined.delete(connectionId);
    this.left.push({ id: connectionId, reason });
  }
  message(from: string, frame: unknown): void {
    this.messages.push({ from, frame });
  }
  reconnecting(): void {
    this.own.push('reconnecting');
  }
  reconnected(): void {
    this.own.push('reconnected');
  }
  disconnected(reason: string): void {
    this.own.push(`disconnected ${reason}`);
  }
  peerFault(connectionId: string | undefined, reason: string): void {
    this.faults.push(`${connectionId ?? '?'}: ${reason}`);
  }
}
