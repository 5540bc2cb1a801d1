/**
 * The Mesh's configuration and the hooks it needs from its owner (`transport.ts`), with the
 * mesh's own bounds.
 */
import type { TransportEvents } from '../transport/types.js';
import type { LinkFactory, WrtcClasses } from './link.js';
import type { SdpRoute } from './member.js';
import type { LinkKey } from '../auth/link-proof.js';

export interface MeshConfig {
  iceServers: RTCIceServer[];
  wrtc?: WrtcClasses;
  linkTimeoutMs: number;
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
  /** How long a goodbye may take to drain before the link is cut. */
  byeLingerMs: number;
  /** How long an away member stays a member before `peerLeft(networkDisconnected)`. */
  reconnectGraceMs: number;
  /** How long a member that said `m.bye back` (reloading) stays before `peerLeft(clientDisconnected)`. */
  reloadGraceMs: number;
  /** First wait before a re-offer; doubles up to `relinkMaxMs`, with jitter. */
  relinkInitialMs: number;
  relinkMaxMs: number;
  /** One joined member gets our member list this often (0: never). */
  viewIntervalMs: number;
  /** This client's DTLS certificate: every link uses it. */
  certificate?: RTCCertificate;
  /**
   * The session secret's link key (`deriveSessionKey`): with it a link becomes a member's only
   * after the peer's proof (`src/auth/`). Undefined: no secret, nothing to prove.
   */
  linkKey?: LinkKey;
  /** An open link whose hello (and proof) is not done by then is closed. Default HELLO_TIMEOUT_MS. */
  helloTimeoutMs?: number;
  /** Makes links; default simple-peer. Unit tests pass fakes. */
  createLink?: LinkFactory;
  /** The `debug` option: link state changes, relays, retries. */
  log?: (line: string) => void;
}

/** What the mesh needs from its owner (the transport and the rendezvous). */
export interface MeshHooks {
  events: TransportEvents;
  /** A route to a newcomer on our bootstrap channel, if we are its introducer. */
  joinerRoute(connectionId: string): SdpRoute | undefined;
  /** True while we hold the rendezvous id (told to peers in our hello). */
  holding(): boolean;
  /** A peer says it holds the rendezvous id. */
  introducerSeen(connectionId: string): void;
  joined(connectionId: string): void;
  left(connectionId: string): void;
  /** A joined member is away now. */
  away?(connectionId: string): void;
  /** Every member is away (true), or one is linked again / none is left away (false). */
  cutOff?(isCutOff: boolean): void;
  /** True while this client itself is reconnecting: grace periods of away members wait for it. */
  reconnecting?(): boolean;
  /** A link's proof of the session secret failed (either side's): the join may fail with 1004. */
  authFailed?(connectionId: string, reason: string): void;
}

/** Default of `helloTimeoutMs`: hello and proof take one round trip once the channel is open. */
export const HELLO_TIMEOUT_MS = 5_000;
/** Links one member's gossip may have us forming at once; more of its ids (up to MAX_MEMBERS) wait for a slot. */
export const MAX_LINKS_STARTED_PER_PEER = 16;
/**
 * Links to unknown peers one source may have us answering at once through offers it relayed
 * (an introducer relays every newcomer's: half the connecting slots, so one source never takes
 * them all).
 */
export const MAX_OFFERS_RELAYED_PER_PEER = 32;
/**
 * Mesh control frames (`m.*`) accepted per second from one peer (burst: twice that). Far above
 * what the protocol sends (a ping a second, a view every 5 s, the SDP of the links it relays);
 * the excess is dropped before it is decoded.
 */
export const MAX_CONTROL_FRAMES_PER_SECOND = 1_000;
/** Sources whose relays are counted at once (members + newcomers); a bound on `relayCounts`. */
export const MAX_RELAY_SOURCES = 512;

/** Links still connecting at once; more (a flood of offers or gossip) are refused. */
export const MAX_CONNECTING_LINKS = 64;
/** Offers, answers and candidates one peer may have us relay per RELAY_WINDOW_MS. */
export const MAX_RELAYS_PER_WINDOW = 2048;
export const RELAY_WINDOW_MS = 10_000;
/** Our re-offer to an away member older than this yields to the member's own offer (it found a way back). */
export const GLARE_WINDOW_MS = 1_000;
