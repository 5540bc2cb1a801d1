/**
 * Membership of one session's mesh: one Member per peer (state table in `member.ts`), the hello
 * and identity proof that turn an open link into a member, gossip that closes gaps, heartbeats
 * and goodbyes. Offers and relays are `offers.ts`; keeping and re-linking members whose link died
 * is `healing.ts`; views that reconcile are `views.ts`.
 *
 * Rules (the same on every peer, so all agree without talking):
 * - A link only becomes a member's link when the peer's hello names the member and, for a
 *   certificate-bound id, the link's remote DTLS fingerprint proves it. A new offer for a joined
 *   member builds a second link next to the live one; once proven it replaces it (the old link
 *   is closed at once: `peerAway` then `peerBack`).
 * - `m.bye` is final (`clientDisconnected`); `m.bye` with `back: true` (a reload) makes the
 *   member away for `reloadGraceMs`.
 * - Liveness: anything received counts; `m.ping` every `heartbeatIntervalMs`; silence for
 *   `heartbeatTimeoutMs` → away. An attempt open but unproven after `linkTimeoutMs` is dropped.
 */
import type { ConnectionInfo } from '../connection.js';
import type { LeaveReason } from '../transport/types.js';
import { MAX_MEMBERS, decodeMeshFrame, isMeshKind, parseFrameBytes, type MeshFrame } from '../wire/mesh-frames.js';
import { decodeAuthFrame, decodeHelloAuth } from '../wire/auth-frames.js';
import { LinkAuth } from '../auth/link-auth.js';
import { InboundRateLimit } from '../delivery/rate-limit.js';
import { CLOSED_BY_PEER, createSimplePeerLink } from './link.js';
import { Views } from './views.js';
import {
  HELLO_TIMEOUT_MS,
  MAX_CONNECTING_LINKS,
  MAX_CONTROL_FRAMES_PER_SECOND,
  MAX_LINKS_STARTED_PER_PEER,
  type MeshConfig,
  type MeshHooks,
} from './mesh-config.js';
import { Offers } from './offers.js';
import { Healing, MAX_LINKING_RETRIES, RELINK_ATTEMPT_TIMEOUT_MS } from './healing.js';
import { disposeMember, linkProves, newLinkId, type Attempt, type HelloFrame, type Member, type SdpRoute } from './member.js';
import { wireForm } from '../wire/signal-frames.js';

export type { SdpRoute } from './member.js';

export type { MeshConfig, MeshHooks } from './mesh-config.js';
export { HELLO_TIMEOUT_MS, MAX_CONTROL_FRAMES_PER_SECOND, MAX_LINKS_STARTED_PER_PEER, MAX_OFFERS_RELAYED_PER_PEER, MAX_RELAY_SOURCES } from './mesh-config.js';

const NO_FINGERPRINT = new Uint8Array(0);

const PING_TEXT = JSON.stringify({ t: 'm.ping' } satisfies MeshFrame);

/** The peers of one session as seen from `self`. */
export class Mesh {
  readonly #members = new Map<string, Member>();
  readonly #offers: Offers;
  /** Mesh control frames per peer, checked before decoding: a flood of them costs only a count. */
  readonly #controlBudget = new InboundRateLimit({ ratePerSecond: MAX_CONTROL_FRAMES_PER_SECOND, burst: 2 * MAX_CONTROL_FRAMES_PER_SECOND });
  readonly #heartbeatTimer: ReturnType<typeof setInterval>;
  readonly #views: Views;
  readonly #healing: Healing;
  /** Per member: ids its gossip named that wait for a link slot (`#learnOf`). */
  readonly #waitingVia = new Map<string, string[]>();
  #destroyed = false;

  readonly #self: ConnectionInfo;
  readonly #config: MeshConfig;
  readonly #hooks: MeshHooks;

  constructor(
    self: ConnectionInfo,
    config: MeshConfig,
    hooks: MeshHooks,
  ) {
    this.#self = self;
    this.#config = config;
    this.#hooks = hooks;
    this.#offers = new Offers(self.connectionId, this.#members, {
      closed: () => this.#destroyed,
      joinerRoute: (id) => this.#hooks.joinerRoute(id),
      sendControl: (id, frame) => this.#sendControl(id, frame),
      joinedIds: () => this.joinedIds(),
      startAttempt: (m, initiator, route, lid) => this.#startAttempt(m, initiator, route, lid),
      fault: (id, reason) => this.#fault(id, reason),
      log: (line) => this.#log(line),
      logging: config.log !== undefined,
    });
    this.#healing = new Healing({
      selfId: self.connectionId,
      config,
      hooks,
      members: () => this.#members.values(),
      isCurrent: (m) => this.#current(m),
      closed: () => this.#destroyed,
      routeViaJoined: (id) => this.#offers.routeViaJoined(id),
      offer: (m, route) => void this.#startAttempt(m, true, route, newLinkId()),
      leave: (m, reason) => this.#leave(m, reason),
      forget: (m) => this.#forget(m),
      reportAway: (m) => {
        this.#emit(() => this.#hooks.events.peerAway(m.id));
        this.#hooks.away?.(m.id);
      },
      log: (line) => this.#log(line),
    });
    this.#heartbeatTimer = setInterval(() => this.#heartbeat(), config.heartbeatIntervalMs);
    this.#views = new Views(config.viewIntervalMs, () => this.joinedIds(), (to, frame) => void this.#sendControl(to, frame));
  }

  /** Connection ids of the peers that are linked and introduced. */
  joinedIds(): string[] {
    const ids: string[] = [];
    for (const [id, m] of this.#members) if (m.state === 'joined') ids.push(id);
    return ids;
  }

  /** Connection ids of the members that are away (kept, being re-linked). */
  awayIds(): string[] {
    const ids: string[] = [];
    for (const [id, m] of this.#members) if (m.state === 'away') ids.push(id);
    return ids;
  }

  isJoined(connectionId: string): boolean {
    return this.#members.get(connectionId)?.state === 'joined';
  }

  isAway(connectionId: string): boolean {
    return this.#members.get(connectionId)?.state === 'away';
  }

  /** True when a link to this peer exists or is being made, or it is an away member. */
  knows(connectionId: string): boolean {
    return this.#members.has(connectionId);
  }

  /** Every member is away: we had peers and reach none of them. */
  isCutOff(): boolean {
    return this.#healing.isCutOff();
  }

  /** Start a link to a peer (our offer travelling by `route`), or re-link an away member. */
  offerTo(connectionId: string, route: SdpRoute): void {
    this.#offers.offerTo(connectionId, route);
  }

  /** Re-link now through `route` (a rendezvous channel): see Offers.relinkVia. */
  relinkVia(connectionId: string, route: SdpRoute): void {
    this.#offers.relinkVia(connectionId, route);
  }

  /** A route through a linked member (one-hop relay). */
  routeVia(relayId: string): SdpRoute {
    return this.#offers.routeVia(relayId);
  }

  /** An `m.sdp` handed over by `sourceId`: see Offers.handleSdp. */
  handleSdp(frame: Extract<MeshFrame, { t: 'm.sdp' }>, sourceId: string, replyRoute: SdpRoute): void {
    this.#offers.handleSdp(frame, sourceId, replyRoute);
  }

  /** Queue an app frame to a member. False when it is not linked and introduced (or away). */
  send(connectionId: string, frame: object): boolean {
    const m = this.#members.get(connectionId);
    if (this.#destroyed || m?.state !== 'joined' || !m.live) return false;
    // Binary sig/ack frames are encoded once per frame, however many members it goes to.
    return m.live.link.send(wireForm(frame));
  }

  /** Queue a control frame to every joined member. */
  broadcastControl(frame: MeshFrame): void {
    const text = JSON.stringify(frame);
    for (const m of this.#members.values()) if (m.state === 'joined') m.live?.link.send(text);
  }

  /**
   * Say goodbye to every member, close every link, stop every timer. Safe twice.
   * `maybeBack`: the goodbye says we may return soon (a reload): the others keep us as away for
   * their `reloadGraceMs` instead of destroying us at once.
   */
  close(maybeBack = false): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    clearInterval(this.#heartbeatTimer);
    this.#views.close();
    const bye = JSON.stringify(maybeBack ? { t: 'm.bye', back: true } : { t: 'm.bye' });
    for (const m of this.#members.values()) {
      const live = m.live;
      m.live = undefined;
      disposeMember(m);
      if (!live) continue;
      if (m.state === 'joined' && live.link.send(bye)) live.link.closeAfterDrain(this.#config.byeLingerMs);
      else live.link.close();
    }
    this.#members.clear();
  }

  #sendControl(connectionId: string, frame: MeshFrame): boolean {
    const m = this.#members.get(connectionId);
    return m?.state === 'joined' && m.live !== undefined && m.live.link.send(JSON.stringify(frame));
  }

  #startAttempt(m: Member, initiator: boolean, route: SdpRoute, lid: string): Attempt | undefined {
    let connecting = 0;
    for (const other of this.#members.values()) if (other.pending?.link.state === 'connecting') connecting++;
    if (connecting >= MAX_CONNECTING_LINKS) {
      this.#fault(undefined, `${connecting} links already connecting; not linking to another peer now`);
      return undefined;
    }
    const auth = new LinkAuth({ linkKey: this.#config.linkKey, role: initiator ? 'offerer' : 'answerer', localId: this.#self.connectionId, remoteId: m.id });
    const attempt: Attempt = { link: undefined as unknown as Attempt['link'], lid, initiator, route, startedAtMs: performance.now(), auth };
    const createLink = this.#config.createLink ?? createSimplePeerLink;
    // A re-link is retried rather than waited for: its offer may have found no relay.
    const linkTimeoutMs = m.state === 'away' ? Math.min(this.#config.linkTimeoutMs, RELINK_ATTEMPT_TIMEOUT_MS) : this.#config.linkTimeoutMs;
    attempt.link = createLink(
      { initiator, iceServers: this.#config.iceServers, wrtc: this.#config.wrtc, linkTimeoutMs, certificate: this.#config.certificate },
      {
        sdp: (sdp) => attempt.route({ t: 'm.sdp', from: this.#self.connectionId, to: m.id, lid, sdp }),
        open: () => this.#onOpen(m, attempt),
        data: (raw) => this.#onData(m, attempt, raw),
        closed: (why) => this.#onLinkClosed(m, attempt, why),
      },
    );
    m.pending = attempt;
    this.#log(`${m.id}: ${initiator ? 'offering' : 'answering'} link ${lid} (member ${m.state})`);
    return attempt;
  }

  #current(m: Member): boolean {
    return !this.#destroyed && this.#members.get(m.id) === m;
  }

  #onOpen(m: Member, a: Attempt): void {
    if (!this.#current(m) || (a !== m.pending && a !== m.live)) return;
    const hello: MeshFrame = { t: 'm.hello', info: this.#self, intro: this.#hooks.holding() };
    const auth = a.auth.helloField;
    if (auth) hello.auth = auth;
    a.link.send(JSON.stringify(hello));
    const helloTimeoutMs = this.#config.helloTimeoutMs ?? HELLO_TIMEOUT_MS;
    a.helloTimer = setTimeout(() => {
      a.helloTimer = undefined;
      if (a !== m.pending || !this.#current(m)) return;
      this.#fault(m.id, `no hello${this.#config.linkKey ? ' and proof' : ''} within ${helloTimeoutMs} ms of the link opening`);
      this.#dropAttempt(m, a, 'hello timeout');
    }, helloTimeoutMs);
    this.#tryAdopt(m, a);
  }

  #onData(m: Member, a: Attempt, raw: unknown): void {
    if (!this.#current(m)) return;
    const isLive = a === m.live;
    if (!isLive && a !== m.pending) return;
    const parsed = parseFrameBytes(raw);
    if (!parsed.ok) return this.#fault(m.id, parsed.reason);
    if (!isMeshKind(parsed.value)) {
      if (!isLive) return this.#fault(m.id, 'app frame before hello');
      try {
        this.#hooks.events.message(m.id, parsed.value);
      } catch (err) {
        this.#fault(m.id, `message listener threw: ${(err as Error)?.message ?? 'unknown'}`);
      }
      return;
    }
    if (!this.#controlBudget.take(m.id)) return this.#fault(m.id, `more than ${MAX_CONTROL_FRAMES_PER_SECOND} mesh control frames per second; dropped`);
    const decoded = decodeMeshFrame(parsed.value);
    if (!decoded.ok) return this.#fault(m.id, decoded.reason);
    const frame = decoded.frame;
    if (frame.t === 'm.ping') return;
    if (frame.t === 'm.hello') return this.#onHello(m, a, frame);
    if (frame.t === 'm.auth') return this.#onProof(m, a, frame);
    if (!isLive) return this.#fault(m.id, `${frame.t} before hello`);
    switch (frame.t) {
      case 'm.bye':
        if (frame.back) return this.#healing.goAway(m, 'clientDisconnected', this.#config.reloadGraceMs, 'said goodbye, maybe back');
        m.byeReceived = true;
        return this.#leave(m, 'clientDisconnected');
      case 'm.intro':
        return this.#hooks.introducerSeen(m.id);
      case 'm.peers':
      case 'm.view':
        return this.#learnOf(m, frame.members);
      case 'm.sdp':
        return this.handleSdp(frame, m.id, this.routeVia(m.id));
      default:
        return this.#fault(m.id, `${frame.t} is not expected on a mesh link`);
    }
  }

  #onHello(m: Member, a: Attempt, frame: HelloFrame): void {
    if (a.hello) return this.#fault(m.id, 'second hello');
    if (frame.info.connectionId !== m.id) {
      this.#fault(m.id, 'hello names another connection id');
      return this.#dropAttempt(m, a, 'hello names another id');
    }
    a.hello = frame;
    this.#tryAdopt(m, a);
  }

  /**
   * The peer's hello can arrive before simple-peer reports OUR side connected (it waits for
   * ICE stats): a link becomes the member's only when both happened, so nothing is sent on a
   * link that would still refuse it — and only when it proves the member's identity.
   */
  #tryAdopt(m: Member, a: Attempt): void {
    const hello = a.hello;
    if (!hello || a.link.state !== 'open' || a !== m.pending || !this.#current(m)) return;
    if (!linkProves(a.link, m.id)) {
      this.#fault(m.id, 'impersonation: the link’s DTLS fingerprint does not prove this connection id');
      return this.#dropAttempt(m, a, 'fingerprint does not prove the id');
    }
    if (!this.#authenticated(m, a, hello)) return;
    clearTimeout(a.helloTimer);
    a.helloTimer = undefined;
    this.#slotFreed(m.introducedBy);
    m.introducedBy = undefined;
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
    if (hello.intro) this.#hooks.introducerSeen(m.id);
    this.#log(`${m.id}: link ${a.lid} adopted (${before} → joined)`);
    if (before === 'linking') {
      m.info = hello.info;
      this.#gossipTo(m, a, hello);
      this.#emit(() => this.#hooks.events.peerJoined(hello.info));
    } else if (before === 'away') {
      // It may be a reloaded page that knows nobody yet: gossip as for a join.
      this.#gossipTo(m, a, hello);
      this.#emit(() => this.#hooks.events.peerBack(m.id));
    } else {
      // The peer replaced a link we still thought live: frames on the old one may be lost.
      old?.link.close();
      this.#emit(() => this.#hooks.events.peerAway(m.id));
      this.#emit(() => this.#hooks.events.peerBack(m.id));
    }
    this.#hooks.joined(m.id);
    this.#healing.checkCutOff();
  }

  /**
   * The proof exchange on an open link whose hello arrived: our proof goes out once; true once
   * the peer's proof verified (at once without a secret on either side). A failure is final for
   * this attempt (see `src/auth/link-auth.ts`).
   */
  #authenticated(m: Member, a: Attempt, hello: HelloFrame): boolean {
    if (a.auth.state === 'hello-wait') {
      const theirs = decodeHelloAuth(hello.auth);
      const local = a.link.localFingerprint;
      const remote = a.link.remoteFingerprint;
      // Without both fingerprints a relay could splice itself in: refuse rather than prove less.
      if (this.#config.linkKey && hello.auth && (!local || !remote)) {
        this.#authFailed(m, a, 'no DTLS fingerprint in this link\'s SDP to bind the proof to');
        return false;
      }
      const step = a.auth.hello(theirs.ok ? theirs.frame : undefined, { local: local ?? NO_FINGERPRINT, remote: remote ?? NO_FINGERPRINT });
      if (!step.ok) {
        this.#authFailed(m, a, step.reason);
        return false;
      }
      if (step.send) a.link.send(JSON.stringify(step.send));
    }
    return a.auth.state === 'verified';
  }

  /** The peer's `m.auth` on a link attempt. */
  #onProof(m: Member, a: Attempt, frame: Extract<MeshFrame, { t: 'm.auth' }>): void {
    if (a !== m.pending) return this.#fault(m.id, 'm.auth on a link already proven');
    const decoded = decodeAuthFrame(frame);
    if (!decoded.ok) return this.#fault(m.id, decoded.reason);
    const step = a.auth.proof(decoded.frame.proof);
    if (!step.ok) return this.#authFailed(m, a, step.reason);
    this.#tryAdopt(m, a);
  }

  /** A refused proof: reported, the attempt closed, and a peer that never joined not retried. */
  #authFailed(m: Member, a: Attempt, reason: string): void {
    this.#fault(m.id, `authentication failed: ${reason}`);
    this.#emit(() => this.#hooks.authFailed?.(m.id, reason));
    if (m.state === 'linking') m.retries = MAX_LINKING_RETRIES; // the same secret fails the same way
    this.#dropAttempt(m, a, 'authentication failed');
  }

  /**
   * Gossip at JOIN time, not at open time: of any two members joining us, the later one then
   * always hears of the earlier, even when both links opened at the same moment. Only across a
   * link with the introducer: every newcomer links to it, so it closes the gap between two
   * newcomers' member lists, and a member that meets a new introducer (a merge after
   * succession) hands it its room. Lists on every link cost O(N) each, O(N³) bytes per mesh;
   * this way O(N²). Views (`m.view`) later close any gap that remains.
   */
  #gossipTo(m: Member, a: Attempt, hello: HelloFrame): void {
    if (!this.#hooks.holding() && !hello.intro) return;
    const others = this.joinedIds().filter((id) => id !== m.id);
    if (others.length > 0) a.link.send(JSON.stringify({ t: 'm.peers', members: others.slice(0, MAX_MEMBERS) } satisfies MeshFrame));
  }

  /**
   * Link to everyone a member knows and we do not, relayed through it: at most
   * MAX_LINKS_STARTED_PER_PEER forming at once per member (its gossip may not fill our connecting
   * slots with ids it made up); the rest wait, in order, and start as those links settle. (They
   * used to be dropped until a later view: 32 pages joining at once then never all met.)
   */
  #learnOf(m: Member, ids: string[]): void {
    let started = this.#offers.linksStartedVia(m.id);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (!this.#current(m) || m.state !== 'joined') return;
      if (this.#members.has(id) || id === this.#self.connectionId || this.#views.recentlyGone(id)) continue;
      if (started >= MAX_LINKS_STARTED_PER_PEER) return this.#heardLater(m, ids.slice(i));
      this.#log(`${id}: heard of it from ${m.id}; offering through it`);
      this.offerTo(id, this.routeVia(m.id));
      const created = this.#members.get(id);
      if (created?.state === 'linking') {
        created.introducedBy = m.id;
        started++;
      }
    }
  }

  /** Ids `m` named that wait for one of its link slots: at most MAX_MEMBERS, the newest dropped. */
  #heardLater(m: Member, ids: string[]): void {
    const waiting = this.#waitingVia.get(m.id) ?? [];
    for (const id of ids) if (!waiting.includes(id)) waiting.push(id);
    if (waiting.length > MAX_MEMBERS) {
      this.#fault(m.id, `its gossip named more than ${MAX_MEMBERS} members we have not met; the rest waits for a later view`);
      waiting.length = MAX_MEMBERS;
    }
    this.#waitingVia.set(m.id, waiting);
  }

  /** A link `via`'s gossip started has settled (joined or forgotten): start what waits for its slot. */
  #slotFreed(via: string | undefined): void {
    if (via === undefined || !this.#waitingVia.has(via)) return;
    // On a microtask: this runs inside the adoption or the failure of another link.
    queueMicrotask(() => {
      const waiting = this.#waitingVia.get(via);
      const m = this.#members.get(via);
      if (!waiting || this.#destroyed) return;
      this.#waitingVia.delete(via);
      if (m) this.#learnOf(m, waiting);
    });
  }

  #onLinkClosed(m: Member, a: Attempt, why: string): void {
    if (!this.#current(m)) return;
    if (a === m.live) {
      m.live = undefined;
      this.#log(`${m.id}: live link ${a.lid} died (${why})`);
      if (m.byeReceived) return this.#leave(m, 'clientDisconnected');
      // Closed by the peer with no goodbye heard: a page going away whose goodbye its browser
      // dropped (Firefox: about 1 tab close in 3), or a peer dropping the link. As after a
      // "maybe back" goodbye, but re-linked as after a failure in case the peer is still there.
      if (why === CLOSED_BY_PEER) return this.#healing.goAway(m, 'clientDisconnected', this.#config.reloadGraceMs, `${why}, no goodbye: maybe back`, true);
      return this.#healing.goAway(m, 'networkDisconnected', this.#config.reconnectGraceMs, why);
    }
    if (a === m.pending) this.#dropAttempt(m, a, why);
  }

  /** A link attempt failed or was refused: retry, or forget a peer that never joined. */
  #dropAttempt(m: Member, a: Attempt, why: string): void {
    if (a === m.live) {
      m.live = undefined;
      a.link.close();
      return this.#healing.goAway(m, 'networkDisconnected', this.#config.reconnectGraceMs, why);
    }
    if (a !== m.pending) return;
    m.pending = undefined;
    clearTimeout(a.helloTimer);
    a.link.close();
    this.#log(`${m.id}: attempt ${a.lid} failed (${why})`);
    if (m.state === 'away') return this.#healing.scheduleRelink(m);
    if (m.state === 'linking') {
      if (a.initiator && m.retries < MAX_LINKING_RETRIES) return this.#healing.scheduleRelink(m);
      this.#forget(m);
    }
  }

  /** A peer that never joined: dropped without a word. */
  #forget(m: Member): void {
    if (this.#members.get(m.id) === m) this.#members.delete(m.id);
    disposeMember(m);
    this.#slotFreed(m.introducedBy);
  }

  /** Final: the member is gone for this stay. */
  #leave(m: Member, reason: LeaveReason): void {
    if (this.#members.get(m.id) !== m) return;
    const wasMember = m.state !== 'linking';
    this.#members.delete(m.id);
    this.#offers.forget(m.id);
    this.#controlBudget.forget(m.id);
    this.#waitingVia.delete(m.id);
    this.#slotFreed(m.introducedBy);
    disposeMember(m);
    this.#views.remember(m.id);
    this.#log(`${m.id}: gone (${reason})`);
    if (wasMember && !this.#destroyed) {
      this.#emit(() => this.#hooks.events.peerLeft(m.id, reason));
      this.#hooks.left(m.id);
    }
    this.#healing.checkCutOff();
  }

  #heartbeat(): void {
    const now = performance.now();
    for (const m of [...this.#members.values()]) {
      // An attempt whose channel opened but that never proved itself (no hello, or a silent
      // impostor) holds a peer connection: bounded by the link timeout like one that never opened.
      const pending = m.pending;
      if (pending?.link.state === 'open' && now - pending.startedAtMs > this.#config.linkTimeoutMs) this.#dropAttempt(m, pending, 'no hello in time');
      const live = m.live;
      if (!live || live.link.state !== 'open') continue;
      if (now - live.link.lastHeardAtMs > this.#config.heartbeatTimeoutMs) {
        this.#log(`${m.id}: silent for ${now - live.link.lastHeardAtMs} ms`);
        this.#healing.goAway(m, 'networkDisconnected', this.#config.reconnectGraceMs, 'heartbeat silence');
      } else live.link.send(PING_TEXT);
    }
  }

  #fault(peerId: string | undefined, reason: string): void {
    this.#log(`fault ${peerId ?? '?'}: ${reason}`);
    this.#emit(() => this.#hooks.events.peerFault(peerId, reason));
  }

  #log(line: string): void {
    this.#config.log?.(line);
  }

  /** Run a listener so that one that throws cannot break the mesh's own bookkeeping. */
  #emit(call: () => void): void {
    try {
      call();
    } catch {
      // the listener's own bug; the mesh stays consistent
    }
  }
}
