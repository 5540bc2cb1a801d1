/**
 * Membership of one session's mesh: one Member per peer (state table in `member.ts`), the hello
 * that turns an open link into a member, offers/answers relayed one hop, gossip that closes gaps,
 * heartbeats, goodbyes, and the healing of links that die.
 *
 * Rules (the same on every peer, so all agree without talking):
 * - Who offers first: the one who learns of the other (a newcomer from the introducer's member
 *   list, a member from the `m.peers` a peer sends it on joining, or from a `m.view`). If both
 *   offer at once (glare), the offer of the LOWER connection id wins. One link per pair.
 * - A member whose link dies (closed, error, heartbeat silence) is *away*, not gone: `peerAway`,
 *   kept for `reconnectGraceMs`, then `peerLeft(networkDisconnected)`. The LOWER id of the pair
 *   re-offers, with backoff and jitter, its offer sent to every joined member ("relay if you are
 *   linked to the target": one hop). A member cut off from everyone re-enters through the
 *   rendezvous with the same id (`transport.ts`), and its own offers win against a stale re-offer
 *   older than GLARE_WINDOW_MS.
 * - `m.bye` is final (`clientDisconnected`); `m.bye` with `back: true` (a reload) makes the
 *   member away for `reloadGraceMs`, then `peerLeft(clientDisconnected)`.
 * - A link only becomes a member's link when the peer's hello names the member and, for a
 *   certificate-bound id, the link's remote DTLS fingerprint proves it. A new offer for a joined
 *   member builds a second link next to the live one and replaces it only once proven.
 * - A relay forwards an `m.sdp` only when its `from` is the peer that handed it over (no
 *   spoofing), and only one hop: to a linked member or to a newcomer on the bootstrap channel.
 * - Views: every `viewIntervalMs` one joined member (in turn) gets our list of linked members; ids
 *   it has not met are offered to through us. Bounded: one list of ≤ 256 ids per interval.
 */
import type { ConnectionInfo } from '../connection.js';
import type { LeaveReason, TransportEvents } from '../transport/types.js';
import { MAX_MEMBERS, decodeMeshFrame, isMeshKind, parseFrameBytes, type MeshFrame } from '../wire/mesh-frames.js';
import { wireForm } from '../wire/signal-frames.js';
import { createSimplePeerLink, type LinkFactory, type WrtcClasses } from './link.js';
import { backoffMs, disposeMember, linkProves, newLinkId, newMember, type Attempt, type HelloFrame, type Member, type SdpRoute } from './member.js';

export type { SdpRoute } from './member.js';

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
  /** Every member is away (true), or one is linked again / none is left away (false). */
  cutOff?(isCutOff: boolean): void;
  /** True while this client itself is reconnecting: grace periods of away members wait for it. */
  reconnecting?(): boolean;
}

/** Links still connecting at once; more (a flood of offers or gossip) are refused. */
export const MAX_CONNECTING_LINKS = 64;
/** Offers, answers and candidates one peer may have us relay per RELAY_WINDOW_MS. */
export const MAX_RELAYS_PER_WINDOW = 2048;
const RELAY_WINDOW_MS = 10_000;
/** Offers to a peer that never joined us are retried this many times, then given up. */
export const MAX_LINKING_RETRIES = 4;
/** Our re-offer to an away member older than this yields to the member's own offer (it found a way back). */
export const GLARE_WINDOW_MS = 1_000;
/** A grace period ending while we ourselves are reconnecting is looked at again this much later. */
const GRACE_RECHECK_MS = 1_000;
/** Ids that left, remembered this long so that gossip does not offer to them again. */
const TOMBSTONE_MS = 30_000;
const MAX_TOMBSTONES = 1_024;

const PING_TEXT = JSON.stringify({ t: 'm.ping' } satisfies MeshFrame);

/** The peers of one session as seen from `self`. */
export class Mesh {
  private readonly members = new Map<string, Member>();
  /** Relays per source in the current window (a bound, not a fairness scheme). */
  private readonly relayCounts = new Map<string, { windowStartMs: number; count: number }>();
  private readonly gone = new Map<string, number>();
  private readonly heartbeatTimer: ReturnType<typeof setInterval>;
  private readonly viewTimer: ReturnType<typeof setInterval> | undefined;
  private viewTurn = 0;
  private wasCutOff = false;
  private destroyed = false;

  constructor(
    private readonly self: ConnectionInfo,
    private readonly config: MeshConfig,
    private readonly hooks: MeshHooks,
  ) {
    this.heartbeatTimer = setInterval(() => this.heartbeat(), config.heartbeatIntervalMs);
    if (config.viewIntervalMs > 0) this.viewTimer = setInterval(() => this.sendView(), config.viewIntervalMs);
  }

  /** Connection ids of the peers that are linked and introduced. */
  joinedIds(): string[] {
    const ids: string[] = [];
    for (const [id, m] of this.members) if (m.state === 'joined') ids.push(id);
    return ids;
  }

  /** Connection ids of the members that are away (kept, being re-linked). */
  awayIds(): string[] {
    const ids: string[] = [];
    for (const [id, m] of this.members) if (m.state === 'away') ids.push(id);
    return ids;
  }

  isJoined(connectionId: string): boolean {
    return this.members.get(connectionId)?.state === 'joined';
  }

  isAway(connectionId: string): boolean {
    return this.members.get(connectionId)?.state === 'away';
  }

  /** True when a link to this peer exists or is being made, or it is an away member. */
  knows(connectionId: string): boolean {
    return this.members.has(connectionId);
  }

  /** Every member is away: we had peers and reach none of them. */
  isCutOff(): boolean {
    let away = 0;
    for (const m of this.members.values()) {
      if (m.state === 'joined') return false;
      if (m.state === 'away') away++;
    }
    return away > 0;
  }

  /** Start a link to a peer (our offer travelling by `route`), or re-link an away member. */
  offerTo(connectionId: string, route: SdpRoute): void {
    if (this.destroyed || connectionId === this.self.connectionId) return;
    const m = this.members.get(connectionId);
    if (!m) {
      const member = newMember(connectionId);
      this.members.set(connectionId, member);
      if (!this.startAttempt(member, true, route, newLinkId())) this.members.delete(connectionId);
      return;
    }
    if (m.state !== 'joined' && !m.pending) {
      clearTimeout(m.retryTimer);
      m.retryTimer = undefined;
      this.startAttempt(m, true, route, newLinkId());
    }
  }

  /**
   * Re-link now through `route` (a rendezvous channel, after this client re-entered): a re-offer
   * of ours still in flight through relays is replaced; a member not known yet is offered to.
   */
  relinkVia(connectionId: string, route: SdpRoute): void {
    const m = this.members.get(connectionId);
    if (m?.state === 'joined') return;
    if (m?.pending?.initiator) {
      m.pending.link.close();
      m.pending = undefined;
    }
    this.offerTo(connectionId, route);
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
    const m = this.members.get(peerId);
    const attempt = m?.pending?.lid === frame.lid ? m.pending : m?.live?.lid === frame.lid ? m.live : undefined;
    if (frame.sdp.type === 'candidate') {
      if (attempt) attempt.link.signal(frame.sdp);
      return; // a candidate of an attempt we dropped (glare) or timed out: harmless
    }
    if (frame.sdp.type === 'answer') {
      if (attempt?.initiator && attempt.link.state === 'connecting') attempt.link.signal(frame.sdp);
      return;
    }
    if (attempt) return; // the same offer twice (it may come through several relays)
    if (m?.pending) {
      const ours = m.pending.initiator && m.pending.link.state === 'connecting';
      // Glare: both offered. The lower id's offer wins, so exactly one link remains; but a
      // re-offer of ours that got nowhere for a while yields to the away member's own offer.
      const stale = m.state === 'away' && Date.now() - m.pending.startedAtMs > GLARE_WINDOW_MS;
      if (ours && this.self.connectionId < peerId && !stale) return;
      this.log(`${peerId}: dropping our attempt ${m.pending.lid} for its offer ${frame.lid}`);
      m.pending.link.close();
      m.pending = undefined;
    }
    let member = m;
    if (!member) {
      member = newMember(peerId);
      this.members.set(peerId, member);
    }
    // A joined member keeps its live link: the new one replaces it only once it proves the id.
    const started = this.startAttempt(member, false, replyRoute, frame.lid);
    if (!started) {
      if (member.state === 'linking' && !member.live) this.members.delete(peerId);
      return;
    }
    started.link.signal(frame.sdp);
  }

  /** Queue an app frame to a member. False when it is not linked and introduced (or away). */
  send(connectionId: string, frame: object): boolean {
    const m = this.members.get(connectionId);
    if (this.destroyed || m?.state !== 'joined' || !m.live) return false;
    // Binary sig/ack frames are encoded once per frame, however many members it goes to.
    return m.live.link.send(wireForm(frame));
  }

  /** Queue a control frame to every joined member. */
  broadcastControl(frame: MeshFrame): void {
    const text = JSON.stringify(frame);
    for (const m of this.members.values()) if (m.state === 'joined') m.live?.link.send(text);
  }

  /**
   * Say goodbye to every member, close every link, stop every timer. Safe twice.
   * `maybeBack`: the goodbye says we may return soon (a reload): the others keep us as away for
   * their `reloadGraceMs` instead of destroying us at once.
   */
  close(maybeBack = false): void {
    if (this.destroyed) return;
    this.destroyed = true;
    clearInterval(this.heartbeatTimer);
    clearInterval(this.viewTimer);
    const bye = JSON.stringify(maybeBack ? { t: 'm.bye', back: true } : { t: 'm.bye' });
    for (const m of this.members.values()) {
      const live = m.live;
      m.live = undefined;
      disposeMember(m);
      if (!live) continue;
      if (m.state === 'joined' && live.link.send(bye)) live.link.closeAfterDrain(this.config.byeLingerMs);
      else live.link.close();
    }
    this.members.clear();
  }

  private sendControl(connectionId: string, frame: MeshFrame): boolean {
    const m = this.members.get(connectionId);
    return m?.state === 'joined' && m.live !== undefined && m.live.link.send(JSON.stringify(frame));
  }

  /** A route asking every joined member but the target to relay (those linked to it will). */
  private routeViaJoined(targetId: string): SdpRoute | undefined {
    const relays = this.joinedIds().filter((id) => id !== targetId);
    if (relays.length === 0) return undefined;
    return (frame) => {
      for (const id of relays) this.sendControl(id, frame);
    };
  }

  private relay(frame: Extract<MeshFrame, { t: 'm.sdp' }>, sourceId: string): void {
    if (frame.from !== sourceId) return this.fault(sourceId, 'm.sdp to relay names another sender');
    const now = Date.now();
    let budget = this.relayCounts.get(sourceId);
    if (!budget || now - budget.windowStartMs > RELAY_WINDOW_MS) this.relayCounts.set(sourceId, (budget = { windowStartMs: now, count: 0 }));
    if (++budget.count > MAX_RELAYS_PER_WINDOW) return this.fault(sourceId, `more than ${MAX_RELAYS_PER_WINDOW} relays in ${RELAY_WINDOW_MS} ms`);
    if (this.sendControl(frame.to, frame)) return this.logSdp('relayed', frame);
    const route = this.hooks.joinerRoute(frame.to);
    if (route) return route(frame);
    // Re-offers ask every member to relay; only those linked to the target can: not a fault.
    this.logSdp('cannot relay (not linked to the target)', frame);
  }

  private startAttempt(m: Member, initiator: boolean, route: SdpRoute, lid: string): Attempt | undefined {
    let connecting = 0;
    for (const other of this.members.values()) if (other.pending?.link.state === 'connecting') connecting++;
    if (connecting >= MAX_CONNECTING_LINKS) {
      this.fault(undefined, `${connecting} links already connecting; not linking to another peer now`);
      return undefined;
    }
    const attempt: Attempt = { link: undefined as unknown as Attempt['link'], lid, initiator, route, startedAtMs: Date.now() };
    const createLink = this.config.createLink ?? createSimplePeerLink;
    attempt.link = createLink(
      { initiator, iceServers: this.config.iceServers, wrtc: this.config.wrtc, linkTimeoutMs: this.config.linkTimeoutMs, certificate: this.config.certificate },
      {
        sdp: (sdp) => attempt.route({ t: 'm.sdp', from: this.self.connectionId, to: m.id, lid, sdp }),
        open: () => this.onOpen(m, attempt),
        data: (raw) => this.onData(m, attempt, raw),
        closed: (why) => this.onLinkClosed(m, attempt, why),
      },
    );
    m.pending = attempt;
    this.log(`${m.id}: ${initiator ? 'offering' : 'answering'} link ${lid} (member ${m.state})`);
    return attempt;
  }

  private current(m: Member): boolean {
    return !this.destroyed && this.members.get(m.id) === m;
  }

  private onOpen(m: Member, a: Attempt): void {
    if (!this.current(m) || (a !== m.pending && a !== m.live)) return;
    a.link.send(JSON.stringify({ t: 'm.hello', info: this.self, intro: this.hooks.holding() } satisfies MeshFrame));
    this.tryAdopt(m, a);
  }

  private onData(m: Member, a: Attempt, raw: unknown): void {
    if (!this.current(m)) return;
    const isLive = a === m.live;
    if (!isLive && a !== m.pending) return;
    const parsed = parseFrameBytes(raw);
    if (!parsed.ok) return this.fault(m.id, parsed.reason);
    if (!isMeshKind(parsed.value)) {
      if (!isLive) return this.fault(m.id, 'app frame before hello');
      try {
        this.hooks.events.message(m.id, parsed.value);
      } catch (err) {
        this.fault(m.id, `message listener threw: ${(err as Error)?.message ?? 'unknown'}`);
      }
      return;
    }
    const decoded = decodeMeshFrame(parsed.value);
    if (!decoded.ok) return this.fault(m.id, decoded.reason);
    const frame = decoded.frame;
    if (frame.t === 'm.ping') return;
    if (frame.t === 'm.hello') return this.onHello(m, a, frame);
    if (!isLive) return this.fault(m.id, `${frame.t} before hello`);
    switch (frame.t) {
      case 'm.bye':
        if (frame.back) return this.goAway(m, 'clientDisconnected', this.config.reloadGraceMs, 'said goodbye, maybe back');
        m.byeReceived = true;
        return this.leave(m, 'clientDisconnected');
      case 'm.intro':
        return this.hooks.introducerSeen(m.id);
      case 'm.peers':
      case 'm.view':
        return this.learnOf(m, frame.members);
      case 'm.sdp':
        return this.handleSdp(frame, m.id, this.routeVia(m.id));
      default:
        return this.fault(m.id, `${frame.t} is not expected on a mesh link`);
    }
  }

  private onHello(m: Member, a: Attempt, frame: HelloFrame): void {
    if (a.hello) return this.fault(m.id, 'second hello');
    if (frame.info.connectionId !== m.id) {
      this.fault(m.id, 'hello names another connection id');
      return this.dropAttempt(m, a, 'hello names another id');
    }
    a.hello = frame;
    this.tryAdopt(m, a);
  }

  /**
   * The peer's hello can arrive before simple-peer reports OUR side connected (it waits for
   * ICE stats): a link becomes the member's only when both happened, so nothing is sent on a
   * link that would still refuse it — and only when it proves the member's identity.
   */
  private tryAdopt(m: Member, a: Attempt): void {
    const hello = a.hello;
    if (!hello || a.link.state !== 'open' || a !== m.pending || !this.current(m)) return;
    if (!linkProves(a.link, m.id)) {
      this.fault(m.id, 'impersonation: the link’s DTLS fingerprint does not prove this connection id');
      return this.dropAttempt(m, a, 'fingerprint does not prove the id');
    }
    const before = m.state;
    const old = m.live;
    m.pending = undefined;
    m.live = a;
    m.state = 'joined';
    m.retries = 0;
    m.leaveReason = 'networkDisconnected';
    clearTimeout(m.graceTimer);
    clearTimeout(m.retryTimer);
    m.graceTimer = m.retryTimer = undefined;
    if (hello.intro) this.hooks.introducerSeen(m.id);
    this.log(`${m.id}: link ${a.lid} adopted (${before} → joined)`);
    if (before === 'linking') {
      m.info = hello.info;
      this.gossipTo(m, a, hello);
      this.emit(() => this.hooks.events.peerJoined(hello.info));
    } else if (before === 'away') {
      this.emit(() => this.hooks.events.peerBack(m.id));
    } else {
      // The peer replaced a link we still thought live: frames on the old one may be lost.
      old?.link.close();
      this.emit(() => this.hooks.events.peerAway(m.id));
      this.emit(() => this.hooks.events.peerBack(m.id));
    }
    this.hooks.joined(m.id);
    this.checkCutOff();
  }

  /**
   * Gossip at JOIN time, not at open time: of any two members joining us, the later one then
   * always hears of the earlier, even when both links opened at the same moment. Only across a
   * link with the introducer: every newcomer links to it, so it closes the gap between two
   * newcomers' member lists, and a member that meets a new introducer (a merge after
   * succession) hands it its room. Lists on every link cost O(N) each, O(N³) bytes per mesh;
   * this way O(N²). Views (`m.view`) later close any gap that remains.
   */
  private gossipTo(m: Member, a: Attempt, hello: HelloFrame): void {
    if (!this.hooks.holding() && !hello.intro) return;
    const others = this.joinedIds().filter((id) => id !== m.id);
    if (others.length > 0) a.link.send(JSON.stringify({ t: 'm.peers', members: others.slice(0, MAX_MEMBERS) } satisfies MeshFrame));
  }

  /** Link to everyone a member knows and we do not, relayed through it. */
  private learnOf(m: Member, ids: string[]): void {
    const now = Date.now();
    for (const id of ids) {
      if (!this.current(m) || m.state !== 'joined') return;
      if (this.members.has(id) || id === this.self.connectionId) continue;
      const goneAt = this.gone.get(id);
      if (goneAt !== undefined && now - goneAt < TOMBSTONE_MS) continue;
      this.log(`${id}: heard of it from ${m.id}; offering through it`);
      this.offerTo(id, this.routeVia(m.id));
    }
  }

  private onLinkClosed(m: Member, a: Attempt, why: string): void {
    if (!this.current(m)) return;
    if (a === m.live) {
      m.live = undefined;
      this.log(`${m.id}: live link ${a.lid} died (${why})`);
      if (m.byeReceived) return this.leave(m, 'clientDisconnected');
      return this.goAway(m, 'networkDisconnected', this.config.reconnectGraceMs, why);
    }
    if (a === m.pending) this.dropAttempt(m, a, why);
  }

  /** A link attempt failed or was refused: retry, or forget a peer that never joined. */
  private dropAttempt(m: Member, a: Attempt, why: string): void {
    if (a === m.live) {
      m.live = undefined;
      a.link.close();
      return this.goAway(m, 'networkDisconnected', this.config.reconnectGraceMs, why);
    }
    if (a !== m.pending) return;
    m.pending = undefined;
    a.link.close();
    this.log(`${m.id}: attempt ${a.lid} failed (${why})`);
    if (m.state === 'away') return this.scheduleRelink(m);
    if (m.state === 'linking') {
      if (a.initiator && m.retries < MAX_LINKING_RETRIES) return this.scheduleRelink(m);
      this.members.delete(m.id);
      disposeMember(m);
    }
  }

  /** The live link is gone but the member may come back: keep it for `graceMs`. */
  private goAway(m: Member, reason: LeaveReason, graceMs: number, why: string): void {
    if (m.live) {
      m.live.link.close();
      m.live = undefined;
    }
    const wasJoined = m.state === 'joined';
    m.state = 'away';
    m.leaveReason = reason;
    clearTimeout(m.graceTimer);
    m.graceTimer = setTimeout(() => this.graceEnded(m), graceMs);
    this.log(`${m.id}: away (${why}); gone in ${graceMs} ms unless back`);
    if (wasJoined) this.emit(() => this.hooks.events.peerAway(m.id));
    // One side re-offers, so two re-offers never cross: the lower id. A reloading peer comes
    // back by itself through the rendezvous.
    if (reason === 'networkDisconnected' && this.self.connectionId < m.id) {
      m.retries = 0;
      this.scheduleRelink(m);
    }
    this.checkCutOff();
  }

  private graceEnded(m: Member): void {
    m.graceTimer = undefined;
    if (!this.current(m) || m.state !== 'away') return;
    // While we are cut off ourselves, we cannot tell who left: our own outage decides.
    if (this.hooks.reconnecting?.()) {
      m.graceTimer = setTimeout(() => this.graceEnded(m), GRACE_RECHECK_MS);
      return;
    }
    this.leave(m, m.leaveReason);
  }

  private scheduleRelink(m: Member): void {
    clearTimeout(m.retryTimer);
    const delayMs = backoffMs(m.retries, this.config.relinkInitialMs, this.config.relinkMaxMs);
    m.retries++;
    m.retryTimer = setTimeout(() => {
      m.retryTimer = undefined;
      if (!this.current(m) || m.pending || m.state === 'joined') return;
      const route = this.routeViaJoined(m.id);
      if (!route) {
        // Nobody to relay through: we are cut off; the rendezvous re-entry links us back.
        this.log(`${m.id}: no member to relay a re-offer through (try ${m.retries})`);
        if (m.state === 'away' || m.retries < MAX_LINKING_RETRIES) return this.scheduleRelink(m);
        this.members.delete(m.id);
        return disposeMember(m);
      }
      this.log(`${m.id}: re-offering through ${this.joinedIds().filter((id) => id !== m.id).length} member(s) (try ${m.retries})`);
      this.startAttempt(m, true, route, newLinkId());
    }, delayMs);
  }

  /** Final: the member is gone for this stay. */
  private leave(m: Member, reason: LeaveReason): void {
    if (this.members.get(m.id) !== m) return;
    const wasMember = m.state !== 'linking';
    this.members.delete(m.id);
    this.relayCounts.delete(m.id);
    disposeMember(m);
    this.rememberGone(m.id);
    this.log(`${m.id}: gone (${reason})`);
    if (wasMember && !this.destroyed) {
      this.emit(() => this.hooks.events.peerLeft(m.id, reason));
      this.hooks.left(m.id);
    }
    this.checkCutOff();
  }

  private rememberGone(id: string): void {
    this.gone.delete(id);
    this.gone.set(id, Date.now());
    if (this.gone.size > MAX_TOMBSTONES) this.gone.delete(this.gone.keys().next().value!);
  }

  private checkCutOff(): void {
    if (this.destroyed) return;
    const cut = this.isCutOff();
    if (cut === this.wasCutOff) return;
    this.wasCutOff = cut;
    this.log(cut ? 'every member is away: cut off' : 'linked to a member again');
    this.hooks.cutOff?.(cut);
  }

  private heartbeat(): void {
    const now = Date.now();
    for (const m of [...this.members.values()]) {
      const live = m.live;
      if (!live || live.link.state !== 'open') continue;
      if (now - live.link.lastHeardAtMs > this.config.heartbeatTimeoutMs) {
        this.log(`${m.id}: silent for ${now - live.link.lastHeardAtMs} ms`);
        this.goAway(m, 'networkDisconnected', this.config.reconnectGraceMs, 'heartbeat silence');
      } else live.link.send(PING_TEXT);
    }
  }

  /** Our view to one joined member in turn: it links to whoever it has not met. */
  private sendView(): void {
    const joined = this.joinedIds();
    if (joined.length < 2) return;
    const to = joined[this.viewTurn++ % joined.length]!;
    const members = joined.filter((id) => id !== to).slice(0, MAX_MEMBERS);
    this.sendControl(to, { t: 'm.view', members });
  }

  private fault(peerId: string | undefined, reason: string): void {
    this.log(`fault ${peerId ?? '?'}: ${reason}`);
    this.emit(() => this.hooks.events.peerFault(peerId, reason));
  }

  private log(line: string): void {
    this.config.log?.(line);
  }

  private logSdp(what: string, frame: Extract<MeshFrame, { t: 'm.sdp' }>): void {
    if (this.config.log) this.log(`${what} ${frame.sdp.type} ${frame.from} → ${frame.to} (${frame.lid})`);
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
