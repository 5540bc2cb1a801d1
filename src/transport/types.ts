/**
 * The seam between the signal path (Session, Delivery) and whatever carries frames between
 * peers: the in-memory network of the unit tests, the WebRTC mesh, later an invite-code mesh.
 *
 * A transport knows nothing of signals. It joins a session, tells who is there, carries
 * JSON-serialisable frames to one peer at a time (in order, reliably, while the link lives),
 * and says when a peer or the whole session is gone.
 */
import type { ConnectionInfo } from '../connection.js';

/** Why a peer left, in OpenTok's words. */
export type LeaveReason = 'clientDisconnected' | 'networkDisconnected' | 'forceDisconnected';

/** What a transport reports upward. It never calls anything else of the session. */
export interface TransportEvents {
  /** A link to this peer is open and the peer has introduced itself. Once per peer per stay. */
  peerJoined(peer: ConnectionInfo): void;
  /**
   * The peer is gone: it said goodbye (`clientDisconnected`), or it stayed unreachable past the
   * grace period (`networkDisconnected`). Final for this id (a later return is a new `peerJoined`).
   */
  peerLeft(connectionId: string, reason: LeaveReason): void;
  /**
   * The link to a member died and the transport is re-forming it. The member is still a member
   * (no `peerLeft` yet): frames to it cannot go now (`send` returns false) and should wait for
   * `peerBack`, or fail when `peerLeft` follows after the grace period.
   */
  peerAway(connectionId: string): void;
  /**
   * A member that was away is linked again: the same member (a re-formed link, or the same tab
   * after a reload). Frames it did not acknowledge may have been lost with the old link: resend
   * them, in order; the receiver de-duplicates.
   */
  peerBack(connectionId: string): void;
  /**
   * A frame from a peer, parsed from JSON (or, for a binary `sig`/`ack` frame, its bytes as a
   * Uint8Array) but NOT validated: the receiver decodes it with `src/wire`. Frames from one peer
   * arrive in the order it sent them.
   */
  message(fromConnectionId: string, frame: unknown): void;
  /** Every link is lost and the transport is trying to get back (OpenTok `sessionReconnecting`). */
  reconnecting(): void;
  /** Back after `reconnecting`. */
  reconnected(): void;
  /** The transport gave up or was closed from below; no event follows. */
  disconnected(reason: 'networkDisconnected' | 'forceDisconnected'): void;
  /** A peer broke the protocol below the signal layer (bad frame, over a limit). Informational. */
  peerFault(connectionId: string | undefined, reason: string): void;
}

/** The result of a join. */
export interface JoinResult {
  /**
   * Members the transport heard of but could not link to before its join timeout. The session
   * is connected anyway; they may still arrive as `peerJoined`.
   */
  missing: string[];
}

/** What the session hands the transport about this client, beyond its ConnectionInfo. */
export interface LocalIdentity {
  /**
   * The DTLS certificate every link of this client uses: when `self.connectionId` is bound to
   * it (`src/identity/fingerprint.ts`), peers check the fingerprint in each link's SDP against
   * the id. Absent where the platform cannot make one (Node's wrtc): the id is then unbound.
   */
  certificate?: RTCCertificate;
}

/** One client's membership in one session. */
export interface Transport {
  /**
   * Join the session as `self`. Peers found while joining are reported through `events`
   * (`peerJoined`) before the promise resolves. Rejects when the session cannot be reached.
   */
  connect(self: ConnectionInfo, events: TransportEvents, identity?: LocalIdentity): Promise<JoinResult>;
  /**
   * Queue one frame to a peer (on a wire: `wireForm(frame)` from `src/wire/signal-frames.ts`; the
   * frame is not changed after). Returns false when there is no open link to it (nothing sent):
   * the peer is unknown, or away (see `peerAway`). Frames queue behind the channel's buffer
   * instead of being dropped.
   */
  send(toConnectionId: string, frame: object): boolean;
  /** Leave: say goodbye, close every link, clear every timer. Safe to call twice. */
  close(): void;
  /**
   * The page is going away and may come back as the same member (a reload): say a "maybe back"
   * goodbye, so the others keep this member (`peerAway`) for a short grace instead of destroying
   * it, then close every link and clear every timer as `close()` does. The session calls it on
   * `pagehide` when it keeps its identity across a reload; a transport without it gets `close()`.
   */
  leaveForReload?(): void;
}

/** Makes a transport for one session id. `initSession` calls it once per `connect()`. */
export type TransportFactory = (sessionId: string) => Transport;
