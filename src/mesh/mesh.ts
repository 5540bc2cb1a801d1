/**
 * Membership of one session's mesh: one Link per peer, the hello that turns an open link into a
 * member, offers/answers relayed one hop, gossip that closes gaps, heartbeats, goodbyes.
 *
 * Rules (the same on every peer, so all agree without talking):
 * - Who offers: the one who learns of the other (a newcomer from the introducer's member list,
 *   a member from the `m.peers` a peer sends it on joining). If both offer at once (glare), the
 *   offer of the LOWER connection id wins: the higher one drops its own attempt and answers.
 *   One link per pair.
 * - A relay forwards an `m.sdp` only when its `from` is the peer that handed it over (no
 *   spoofing), and only one hop: to a linked member or to a newcomer on the bootstrap channel.
 * - A new offer from a peer we think we are linked to means it lost us: the old link is dropped
 *   (`networkDisconnected`) and the new one answered.
 * - Liveness: anything received counts; `m.ping` is sent every `heartbeatIntervalMs`; silence for
 *   `heartbeatTimeoutMs` drops the member, because browsers report a dead peer late or never.
 *
 * | member     | entered when                                | leaves to                                     |
 * |------------|---------------------------------------------|-----------------------------------------------|
 * | linking    | we offer, or an offer arrives               | gone (link timeout/error, lost glare)         |
 * | introduced | our side open AND the peer's hello received | gone: `m.bye` → clientDisconnected; silence, close or error → networkDisconnected |
 * `peerJoined` fires on entering *introduced*, `peerLeft` only on leaving it.
 */
import type { ConnectionInfo } from '../connection.js';
import type { LeaveReason, TransportEvents } from '../transport/types.js';
import { MAX_MEMBERS, decodeMeshFrame, isMeshKind, parseFrameBytes, type MeshFrame } from '../wire/mesh-frames.js';
import { createSimplePeerLink, type LinkFactory, type MeshLink, type WrtcClasses } from './link.js';

/** Sends an `m.sdp` toward a peer we have no link with yet (through a relay). */
export type SdpRoute = (frame: MeshFrame) => void;

export interface MeshConfig {
  iceServers: RTCIceServer[];
  wrtc?: WrtcClasses;
  linkTimeoutMs: number;
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
  /** How long a goodbye may take to drain before the link is cut. */
  byeLingerMs: number;
  /** Makes links; default simple-peer. Unit tests pass fakes. */
  createLink?: LinkFactory;
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
}

interface Member {
  link: MeshLink;
  /** The link attempt (chosen by the offerer): tags its offer, answer and candidates. */
  lid: string;
  /** The peer's hello, once received. */
  hello?: Extract<MeshFrame, { t: 'm.hello' }>;
  /** Our side of the link is open AND the peer said hello: only then may frames flow both ways. */
  joined: boolean;
  byeReceived: boolean;
  /** Where our own offer/answer to this peer goes until the link opens. */
  route: SdpRoute;
}

/** Links still connecting at once; more (a flood of offers or gossip) are refused. */
export const MAX_CONNECTING_LINKS = 64;
/** Offers, answers and candidates one peer may have us relay per RELAY_WINDOW_MS. */
export const MAX_RELAYS_PER_WINDOW = 2048;
const RELAY_WINDOW_MS = 10_000;

let linkCounter = 0;
/** A link attempt id: unique enough to tell this attempt's frames from a dropped one's. */
function newLinkId(): string {
  return `${(++linkCounter).toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

const PING_TEXT = JSON.stringify({ t: 'm.ping' } satisfies MeshFrame);
const BYE_TEXT = JSON.stringify({ t: 'm.bye' } satisfies MeshFrame);

/** The peers of one session as seen from `self`. */
export class Mesh {
  private readonly members = new Map<string, Member>();
  /** Relays per source in the current window (a bound, not a fairness scheme). */
  private readonly relayCounts = new Map<string, { windowStartMs: number; count: number }>();
  private readonly heartbeatTimer: ReturnType<typeof setInterval>;
  private destroyed = false;

  constructor(
    private readonly self: ConnectionInfo,
    private readonly config: MeshConfig,
    private readonly hooks: MeshHooks,
  ) {
    this.heartbeatTimer = setInterval(() => this.heartbeat(), config.heartbeatIntervalMs);
  }

  /** Connection ids of the peers that are linked and introduced. */
  joinedIds(): string[] {
    const ids: string[] = [];
    for (const [id, m] of this.members) if (m.joined) ids.push(id);
    return ids;
  }

  isJoined(connectionId: string): boolean {
    return this.members.get(connectionId)?.joined === true;
  }

  /** True when a link to this peer exists or is being made. */
  knows(connectionId: string): boolean {
    return this.members.has(connectionId);
  }

  /** Start a link to a peer, our offer travelling by `route`. No-op if one exists. */
  offerTo(connectionId: string, route: SdpRoute): void {
    if (this.destroyed || connectionId === this.self.connectionId || this.members.has(connectionId)) return;
    this.createMember(connectionId, true, route, newLinkId());
  }

  /** A route through a linked member (one-hop relay). */
  routeVia(relayId: string): SdpRoute {
    return (frame) => void this.sendControl(relayId, frame);
  }

  /**
   * An `m.sdp` handed over by `sourceId` (a linked member, or a newcomer on our bootstrap
   * channel), addressed to us or to be relayed one hop.
   */
  handleSdp(frame: Extract<MeshFrame, { t: 'm.sdp' }>, sourceId: string, replyRoute: SdpRoute): void {
    if (this.destroyed) return;
    if (frame.to !== this.self.connectionId) return this.relay(frame, sourceId);
    const peerId = frame.from;
    if (peerId === this.self.connectionId) return this.fault(sourceId, 'm.sdp from ourselves');
    const existing = this.members.get(peerId);
    const sameAttempt = existing !== undefined && existing.lid === frame.lid;
    if (frame.sdp.type === 'candidate') {
      if (sameAttempt) existing.link.signal(frame.sdp);
      return; // a candidate of an attempt we dropped (glare) or timed out: harmless
    }
    if (frame.sdp.type === 'answer') {
      if (sameAttempt && existing.link.initiator && existing.link.state === 'connecting') existing.link.signal(frame.sdp);
      return;
    }
    if (existing) {
      if (sameAttempt) return; // the same offer twice
      const ours = existing.link.initiator && existing.link.state === 'connecting';
      // Glare: both offered. The lower id's offer wins, so exactly one link remains.
      if (ours && this.self.connectionId < peerId) return;
      this.dropMember(peerId, existing, 'networkDisconnected');
    }
    this.createMember(peerId, false, replyRoute, frame.lid)?.link.signal(frame.sdp);
  }

  /** Queue an app frame to a member. False when it is not linked and introduced. */
  send(connectionId: string, frame: object): boolean {
    const member = this.members.get(connectionId);
    if (!member?.joined || this.destroyed) return false;
    return member.link.send(JSON.stringify(frame));
  }

  /** Queue a control frame to every member. */
  broadcastControl(frame: MeshFrame): void {
    const text = JSON.stringify(frame);
    for (const m of this.members.values()) if (m.joined) m.link.send(text);
  }

  /** Say goodbye to every member, close every link, stop the heartbeat. Safe twice. */
  close(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    clearInterval(this.heartbeatTimer);
    for (const m of this.members.values()) {
      if (m.joined && m.link.send(BYE_TEXT)) m.link.closeAfterDrain(this.config.byeLingerMs);
      else m.link.close();
    }
    this.members.clear();
  }

  private sendControl(connectionId: string, frame: MeshFrame): boolean {
    const member = this.members.get(connectionId);
    return member?.joined === true && member.link.send(JSON.stringify(frame));
  }

  private relay(frame: Extract<MeshFrame, { t: 'm.sdp' }>, sourceId: string): void {
    if (frame.from !== sourceId) return this.fault(sourceId, 'm.sdp to relay names another sender');
    const now = Date.now();
    let budget = this.relayCounts.get(sourceId);
    if (!budget || now - budget.windowStartMs > RELAY_WINDOW_MS) this.relayCounts.set(sourceId, (budget = { windowStartMs: now, count: 0 }));
    if (++budget.count > MAX_RELAYS_PER_WINDOW) return this.fault(sourceId, `more than ${MAX_RELAYS_PER_WINDOW} relays in ${RELAY_WINDOW_MS} ms`);
    if (this.sendControl(frame.to, frame)) return;
    const route = this.hooks.joinerRoute(frame.to);
    if (route) return route(frame);
    this.fault(sourceId, 'm.sdp for a peer we have no route to');
  }

  private createMember(peerId: string, initiator: boolean, route: SdpRoute, lid: string): Member | undefined {
    let connecting = 0;
    for (const m of this.members.values()) if (m.link.state === 'connecting') connecting++;
    if (connecting >= MAX_CONNECTING_LINKS) {
      this.fault(undefined, `${connecting} links already connecting; not linking to another peer now`);
      return undefined;
    }
    const member: Member = { link: undefined as unknown as MeshLink, lid, joined: false, byeReceived: false, route };
    const createLink = this.config.createLink ?? createSimplePeerLink;
    member.link = createLink(
      { initiator, iceServers: this.config.iceServers, wrtc: this.config.wrtc, linkTimeoutMs: this.config.linkTimeoutMs },
      {
        sdp: (sdp) => member.route({ t: 'm.sdp', from: this.self.connectionId, to: peerId, lid, sdp }),
        open: () => this.onOpen(peerId, member),
        data: (raw) => this.onData(peerId, member, raw),
        closed: () => this.dropMember(peerId, member, member.byeReceived ? 'clientDisconnected' : 'networkDisconnected'),
      },
    );
    this.members.set(peerId, member);
    return member;
  }

  private onOpen(peerId: string, member: Member): void {
    if (this.members.get(peerId) !== member) return;
    member.link.send(JSON.stringify({ t: 'm.hello', info: this.self, intro: this.hooks.holding() } satisfies MeshFrame));
    this.maybeJoin(peerId, member);
  }

  private onData(peerId: string, member: Member, raw: unknown): void {
    if (this.destroyed || this.members.get(peerId) !== member) return;
    const parsed = parseFrameBytes(raw);
    if (!parsed.ok) return this.fault(peerId, parsed.reason);
    if (!isMeshKind(parsed.value)) {
      if (!member.joined) return this.fault(peerId, 'app frame before hello');
      try {
        this.hooks.events.message(peerId, parsed.value);
      } catch (err) {
        this.fault(peerId, `message listener threw: ${(err as Error)?.message ?? 'unknown'}`);
      }
      return;
    }
    const decoded = decodeMeshFrame(parsed.value);
    if (!decoded.ok) return this.fault(peerId, decoded.reason);
    const frame = decoded.frame;
    if (frame.t === 'm.ping') return;
    if (frame.t === 'm.hello') return this.onHello(peerId, member, frame);
    if (!member.joined) return this.fault(peerId, `${frame.t} before hello`);
    switch (frame.t) {
      case 'm.bye':
        member.byeReceived = true;
        return this.dropMember(peerId, member, 'clientDisconnected');
      case 'm.intro':
        return this.hooks.introducerSeen(peerId);
      case 'm.peers':
        return this.onPeers(peerId, member, frame.members);
      case 'm.sdp':
        return this.handleSdp(frame, peerId, this.routeVia(peerId));
      default:
        return this.fault(peerId, `${frame.t} is not expected on a mesh link`);
    }
  }

  private onHello(peerId: string, member: Member, frame: Extract<MeshFrame, { t: 'm.hello' }>): void {
    if (member.hello) return this.fault(peerId, 'second hello');
    if (frame.info.connectionId !== peerId) {
      this.fault(peerId, 'hello names another connection id');
      return this.dropMember(peerId, member, 'networkDisconnected');
    }
    member.hello = frame;
    this.maybeJoin(peerId, member);
  }

  /**
   * The peer's hello can arrive before simple-peer reports OUR side connected (it waits for
   * ICE stats): a member joins only when both happened, so nothing is sent on a link that
   * would still refuse it.
   */
  private maybeJoin(peerId: string, member: Member): void {
    const hello = member.hello;
    if (member.joined || !hello || member.link.state !== 'open' || this.members.get(peerId) !== member) return;
    member.joined = true;
    if (hello.intro) this.hooks.introducerSeen(peerId);
    // Gossip at JOIN time, not at open time: of any two members joining us, the later one then
    // always hears of the earlier, even when both links opened at the same moment. Only across a
    // link with the introducer: every newcomer links to it, so it closes the gap between two
    // newcomers' member lists, and a member that meets a new introducer (a merge after
    // succession) hands it its room. Lists on every link cost O(N) each, O(N³) bytes per mesh
    // (70 % of all bytes at N = 64 in the bench's scale figure); this way O(N²).
    const gossip = this.hooks.holding() || hello.intro;
    const others = gossip ? this.joinedIds().filter((id) => id !== peerId) : [];
    if (others.length > 0) member.link.send(JSON.stringify({ t: 'm.peers', members: others.slice(0, MAX_MEMBERS) } satisfies MeshFrame));
    this.emit(() => this.hooks.events.peerJoined(hello.info));
    this.hooks.joined(peerId);
  }

  /** Link to everyone a member knows and we do not, relayed through it. */
  private onPeers(peerId: string, member: Member, members: string[]): void {
    for (const id of members) {
      if (this.destroyed || this.members.get(peerId) !== member) return;
      this.offerTo(id, this.routeVia(peerId));
    }
  }

  private dropMember(peerId: string, member: Member, reason: LeaveReason): void {
    if (this.members.get(peerId) !== member) return;
    this.members.delete(peerId);
    this.relayCounts.delete(peerId);
    member.link.close();
    if (!member.joined || this.destroyed) return;
    this.emit(() => this.hooks.events.peerLeft(peerId, reason));
    this.hooks.left(peerId);
  }

  private heartbeat(): void {
    const now = Date.now();
    for (const [id, m] of [...this.members]) {
      if (m.link.state !== 'open') continue;
      if (now - m.link.lastHeardAtMs > this.config.heartbeatTimeoutMs) this.dropMember(id, m, 'networkDisconnected');
      else m.link.send(PING_TEXT);
    }
  }

  private fault(peerId: string | undefined, reason: string): void {
    this.emit(() => this.hooks.events.peerFault(peerId, reason));
  }

  /** Run a listener so that one that throws cannot break the mesh's own bookkeeping. */
  private emit(call: () => void): void {
    try {
      call();
    } catch {
      // the listener's own bug; the mesh stays consistent
    }
  }
}
