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
import { browserPersistence } from './identity/store.js';
import type { TransportFactory } from './transport/types.js';
import { DEFAULT_PEERJS_PATH } from './peerjs-defaults.js';
import { createInviteTransport, SessionInvites } from './invite-api.js';
import { checkSessionOptions } from './options.js';

/** Where `npm start` mounts its PeerServer, and so the default `peerjs.path`. */
export { DEFAULT_PEERJS_PATH };

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
  /** A transport of your own instead of the WebRTC mesh (e.g. `createMemoryNetwork().transport` from `mesh-signal/testing`). */
  transport?: TransportFactory;
  /**
   * Keep this tab's identity, unacknowledged signals and de-duplication state across a page
   * reload (sessionStorage + IndexedDB; see README "Reload"). Default true; where the platform has
   * no sessionStorage or IndexedDB (Node) nothing is kept. `false`: every page is a new Connection.
   */
  persist?: boolean;
  /**
   * How to get in: `'peerjs'` (default) meets through the PeerServer; `'invite'` needs no server:
   * the first peer is alone, others join by an invite code (README, "No server"). With `'invite'`
   * and an explicit `peerjs`, members also claim the PeerServer point (mixed sessions).
   */
  bootstrap?: 'peerjs' | 'invite';
  /** With `bootstrap: 'invite'`: the invite (code or URL) to join by. None: start the session. */
  invite?: string;
  /** With `invite`: receives the reply code to hand back to the inviter, during `connect()`. */
  onInviteReply?: (reply: string) => void;
  /** With `invite`: how long `connect()` waits for the inviter to enter the reply (default 180 000). */
  inviteReplyTimeout?: number;
  /** Default lifetime of this session's invites (default 600 000). */
  inviteExpiresIn?: number;
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
 * const session = initSession('room-1', { peerjs: { host: 'localhost', port: 8080 } });
 */
export function initSession(sessionId: string, options: SessionOptions = {}): Session {
  checkSessionOptions(options);
  const core: SessionCoreOptions = { transport: options.transport ?? meshFactory(options) };
  if (options.ackTimeout !== undefined) core.ackTimeout = options.ackTimeout;
  if (options.persist !== false) core.persistence = browserPersistence();
  // Invites: any mesh session can make them (README, "No server").
  const invites = new SessionInvites(sessionId, { iceServers: options.iceServers ?? [], ...(options.inviteExpiresIn !== undefined ? { expiresIn: options.inviteExpiresIn } : {}) });
  core.transport = invites.track(core.transport);
  core.invites = invites;
  if (options.maxSignalsPerSecond !== undefined) core.maxSignalsPerSecond = options.maxSignalsPerSecond;
  return new Session(sessionId, core);
}

function meshFactory(options: SessionOptions): TransportFactory {
  if (options.bootstrap !== 'invite' && (options.invite !== undefined || options.onInviteReply !== undefined)) {
    throw new TypeError("the invite and onInviteReply options need bootstrap: 'invite'");
  }
  if (options.bootstrap === undefined || options.bootstrap === 'peerjs') return createMeshTransport(meshOptions(options));
  if (options.bootstrap !== 'invite') throw new TypeError(`bootstrap must be 'peerjs' or 'invite', not ${String(options.bootstrap)}`);
  // A PeerServer is used with invites only when the app names one: members then claim its point too.
  const { peerjs, ...mesh } = meshOptions(options);
  return createInviteTransport(mesh, {
    ...(options.peerjs ? { peerjs } : {}),
    ...(options.invite !== undefined ? { invite: options.invite } : {}),
    ...(options.onInviteReply ? { onReply: options.onInviteReply } : {}),
    ...(options.inviteReplyTimeout !== undefined ? { replyTimeoutMs: options.inviteReplyTimeout } : {}),
  });
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
export { createMeshTransport, MESH_DEFAULTS, type MeshOptions } from './mesh/transport.js';
export { InviteError, INVITE_DEFAULTS, decodeInviteCode, type Invite, type InviteOptions, type InviteFailure } from './invite-api.js';
export type { InviteRejection } from './wire/invite-code.js';
export type { Transport, TransportEvents, TransportFactory, JoinResult, LeaveReason } from './transport/types.js';
export { browserPersistence, type Persistence, type KeyValue, type ChannelLike } from './identity/store.js';
export { MAX_SIGNALS_IN_FLIGHT } from './delivery/delivery.js';
export { OUTBOX_MAX_CHARS, type StoredSignal } from './delivery/outbox.js';
export { OT, OTError, ExceptionCode, Publisher, Subscriber, type OTNamespace, type OTSession, type OTSessionOptions, type OTCompletionHandler, type ExceptionEvent } from './ot/index.js';
