/**
 * What the mesh keeps per peer: the member's state, its live link, the link being formed, and
 * the timers of its grace period and re-link retries. Plain data plus small pure helpers; the
 * rules live in `mesh.ts`.
 *
 * | state     | entered when                                              | leaves to                                          |
 * |-----------|-----------------------------------------------------------|----------------------------------------------------|
 * | `linking` | we offer, or an offer arrives, for a peer not yet a member | `joined` (link open + hello + proof); gone silently (attempt failed, retries spent) |
 * | `joined`  | a link is open, the peer's hello arrived, its fingerprint proves its id | `away` (link closed/error, heartbeat silence, `m.bye back`); gone (`m.bye`) |
 * | `away`    | the live link died; the member is kept                    | `joined` again (`peerBack`); gone after the grace period (`peerLeft`) |
 * | gone      | removed from the map; final for this stay                 | —                                                  |
 */
import type { ConnectionInfo } from '../connection.js';
import type { LeaveReason } from '../transport/types.js';
import type { MeshFrame } from '../wire/mesh-frames.js';
import { boundConnectionId, isBoundId } from '../identity/fingerprint.js';
import type { MeshLink } from './link.js';
import type { LinkAuth } from '../auth/link-auth.js';

/** Sends an `m.sdp` toward a peer we have no link with yet (through a relay). */
export type SdpRoute = (frame: MeshFrame) => void;

export type HelloFrame = Extract<MeshFrame, { t: 'm.hello' }>;

export type MemberState = 'linking' | 'joined' | 'away';

/** One link attempt: the link, the attempt id its frames carry, and the hello received on it. */
export interface Attempt {
  link: MeshLink;
  /** Chosen by the offerer: tags this attempt's offer, answer and candidates. */
  lid: string;
  initiator: boolean;
  /** Where our offer/answer/candidates go until the link opens. */
  route: SdpRoute;
  startedAtMs: number;
  hello?: HelloFrame;
  /** The proof exchange of this link (`src/auth/link-auth.ts`). */
  auth: LinkAuth;
  /** Closes the attempt if hello and proof are not done this long after it opened. */
  helloTimer?: ReturnType<typeof setTimeout>;
}

export interface Member {
  readonly id: string;
  state: MemberState;
  /** The peer's self-description, from the hello that made it a member. */
  info?: ConnectionInfo;
  /** The link frames flow on (`joined` only). */
  live?: Attempt;
  /** A link being formed: the first one, a re-link while away, or a replacement the peer offered. */
  pending?: Attempt;
  /** A plain `m.bye` arrived: the link's end is final. */
  byeReceived: boolean;
  /** The reason reported if the grace period ends (`clientDisconnected` after `m.bye back`). */
  leaveReason: LeaveReason;
  graceTimer?: ReturnType<typeof setTimeout>;
  /** When the grace period ends (`performance.now()` ms), while away. */
  graceEndsAtMs?: number;
  retryTimer?: ReturnType<typeof setTimeout>;
  /** Attempts made since the member was last linked (drives backoff). */
  retries: number;
  /** The member whose gossip (`m.peers`/`m.view`) made us offer to this peer, while linking. */
  introducedBy?: string;
}

export function newMember(id: string): Member {
  return { id, state: 'linking', byeReceived: false, leaveReason: 'networkDisconnected', retries: 0 };
}

/** Clear every timer and close every link of a member that is gone. */
export function disposeMember(m: Member): void {
  clearTimeout(m.graceTimer);
  clearTimeout(m.retryTimer);
  m.graceTimer = m.retryTimer = undefined;
  clearTimeout(m.live?.helloTimer);
  clearTimeout(m.pending?.helloTimer);
  m.live?.link.close();
  m.pending?.link.close();
  m.live = m.pending = undefined;
}

/**
 * Does this link prove it reaches `peerId`? A bound id (`f…`) must match the fingerprint of the
 * certificate the remote side used for this link (DTLS enforces that the SDP's fingerprint is
 * the real one). An unbound id (Node's wrtc, no certificates) proves nothing: the hello is
 * trusted, which is the documented limit.
 */
export function linkProves(link: MeshLink, peerId: string): boolean {
  if (!isBoundId(peerId)) return true;
  const fp = link.remoteFingerprint;
  return fp !== undefined && boundConnectionId(fp) === peerId;
}

/** Backoff with jitter: `initialMs · 2^n`, capped at `maxMs`, ±25 %. */
export function backoffMs(retries: number, initialMs: number, maxMs: number): number {
  const base = Math.min(initialMs * 2 ** Math.min(retries, 20), maxMs);
  return Math.round(base * (0.75 + Math.random() / 2));
}

let attemptCounter = 0;
/** A link attempt id: unique enough to tell this attempt's frames from a dropped one's. */
export function newLinkId(): string {
  return `${(++attemptCounter).toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

/** The `debug` option as a function (or undefined when off). */
export function debugLogger(debug: boolean | ((line: string) => void) | undefined, selfId: string): ((line: string) => void) | undefined {
  if (!debug) return undefined;
  if (typeof debug === 'function') return debug;
  return (line) => console.debug(`[mesh-signal ${selfId.slice(0, 8)}] ${line}`);
}
