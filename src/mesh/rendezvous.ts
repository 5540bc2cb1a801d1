/**
 * Getting into the mesh and keeping a door open for newcomers, over any Bootstrap.
 *
 * Rules:
 * - Enter: claim the rendezvous point. Held → we are the introducer (of a room that may be
 *   empty). Taken → dial the holder, say `m.join`, get `m.members`, offer to each member (the
 *   holder included) with the holder relaying. Nobody answers → back off and start over.
 * - Introducer: answers each newcomer's `m.join` with its members and relays the newcomer's
 *   offers/answers one hop. After a newcomer is linked, its channel closes.
 * - Succession: when the introducer leaves or dies, the member with the LOWEST connection id
 *   among the survivors claims the point. If the point is still taken (a newcomer grabbed it in the
 *   gap, or a silently dead holder keeps it until the server's alive_timeout), the successor dials
 *   whoever holds it and links to its members: the two rooms merge, one introducer remains.
 *   A holder that loses the point (server gone) claims again with backoff.
 */
import type { ConnectionInfo } from '../connection.js';
import type { Bootstrap, BootstrapChannel } from '../bootstrap/types.js';
import { TimerSet } from '../bootstrap/timer-set.js';
import { decodeMeshFrame, parseFrameBytes, type MeshFrame } from '../wire/mesh-frames.js';
import type { TransportEvents } from '../transport/types.js';
import type { Mesh, SdpRoute } from './mesh.js';

export interface RendezvousConfig {
  /** A channel that says nothing (`m.join` / `m.members`) for this long is closed. */
  handshakeTimeoutMs: number;
  /** First wait between failed attempts; doubles up to `retryMaxMs`, with jitter. */
  retryInitialMs: number;
  retryMaxMs: number;
  /** How long a merge channel (successor → holder) stays open for its links to form. */
  mergeWindowMs: number;
  /** The `debug` option. */
  log?: (line: string) => void;
}

/**
 * What the mesh asks of the door it is built behind: the Rendezvous builds its Mesh and hands
 * it itself as this (the mesh's hooks for the rendezvous point route here).
 */
export interface MeshDoor {
  /** True while we hold the rendezvous point. */
  readonly holding: boolean;
  /** A route to a newcomer we introduce, for relaying its answers. */
  joinerRoute(connectionId: string): SdpRoute | undefined;
  /** A peer says it holds the point. */
  introducerSeen(connectionId: string): void;
  /** A member is away (maybe the introducer). */
  memberAway(connectionId: string): void;
  /** A member left (maybe the introducer). */
  memberLeft(connectionId: string): void;
}

/** A channel to the introducer, after it answered with its members. */
export interface Entry {
  channel: BootstrapChannel;
  introducerId: string;
  members: string[];
}

/** After a rejoin offered to the members, how long before trying again if still cut off. */
const REJOIN_LINK_WAIT_MS = 2_000;
/** A newcomer sends m.join again this often until m.members comes (see handshake). */
const JOIN_RESEND_MS = 1_000;
/** Repeated m.join a holder answers per newcomer channel (more is a peer fault: no amplification). */
const MAX_JOIN_REPEATS = 8;
/** How long after the introducer went away the lowest member takes over (see memberAway). */
const AWAY_TAKEOVER_DELAY_MS = 1_000;
/** A reachability probe of the server (while this client seems offline) gives up after this. */
const PROBE_TIMEOUT_MS = 1_000;
/** Pause between two failed probes. */
const PROBE_PAUSE_MS = 250;
/** Longest wait between two rejoin tries while cut off. */
const REJOIN_MAX_DELAY_MS = 1_000;
/** Most newcomers an introducer serves at once. */
const MAX_JOINERS = 64;

/** The door of one member: entering, introducing others, taking over when the introducer goes. */
export class Rendezvous implements MeshDoor {
  /** Who we believe holds the rendezvous point (ourselves included). */
  introducerId: string | undefined;
  /** The members we reach, built by `createMesh` behind this door. */
  readonly mesh: Mesh;
  readonly #joiners = new Map<string, BootstrapChannel>();
  readonly #channels = new Set<BootstrapChannel>();
  readonly #timers = new TimerSet();
  /** Settles every wait in flight (sleep, handshake) so `close()` leaves no promise hanging. */
  readonly #wakers = new Set<() => void>();
  #successionRunning = false;
  #rejoinRunning = false;
  #attemptChain: Promise<unknown> = Promise.resolve();
  #wakeRejoin: (() => void) | undefined;
  #destroyed = false;

  readonly #self: ConnectionInfo;
  readonly #bootstrap: Bootstrap;
  readonly #events: TransportEvents;
  readonly #config: RendezvousConfig;

  constructor(
    self: ConnectionInfo,
    bootstrap: Bootstrap,
    events: TransportEvents,
    config: RendezvousConfig,
    createMesh: (door: MeshDoor) => Mesh,
  ) {
    this.#self = self;
    this.#bootstrap = bootstrap;
    this.#events = events;
    this.#config = config;
    this.mesh = createMesh(this);
  }

  get holding(): boolean {
    return this.#bootstrap.holding;
  }

  /**
   * Keep trying until we are the introducer, or a holder answered, or `deadlineMs` (`performance.now()` ms).
   * Resolves `'introducer'`, an Entry, or `'timeout'` (also when `stillNeeded` turns false).
   * With `maxUnreachable`, resolves `'unreachable'` after that many claims in a row found no
   * server: a wrong address or a stopped server should fail a join in a second, not at its
   * deadline. (A taken point or a holder that does not answer is worth waiting for instead.)
   */
  async enter(
    deadlineMs: number,
    stillNeeded: () => boolean = () => true,
    maxUnreachable = Number.POSITIVE_INFINITY,
  ): Promise<'introducer' | Entry | 'timeout' | 'unreachable'> {
    let delayMs = this.#config.retryInitialMs;
    let unreachableInARow = 0;
    while (!this.#destroyed && performance.now() < deadlineMs && stillNeeded()) {
      const result = await this.#attempt();
      if (this.#destroyed) break;
      unreachableInARow = result === 'unreachable' ? unreachableInARow + 1 : 0;
      if (unreachableInARow >= maxUnreachable) return 'unreachable';
      if (result !== 'retry' && result !== 'unreachable') return result;
      const waitMs = Math.min(delayMs * (0.75 + Math.random() / 2), deadlineMs - performance.now());
      if (waitMs > 0) await this.#sleep(waitMs);
      delayMs = Math.min(delayMs * 2, this.#config.retryMaxMs);
    }
    return 'timeout';
  }

  /**
   * Hook for invites: serve a newcomer that reached us on a channel of its own (an invite's data
   * channel), exactly like one that dialled the rendezvous point: `m.join` → members → relay.
   */
  serveChannel(channel: BootstrapChannel): void {
    this.#serveNewcomer(channel);
  }

  /** A route to a newcomer we introduce, for relaying its answers. */
  joinerRoute(connectionId: string): SdpRoute | undefined {
    const channel = this.#joiners.get(connectionId);
    return channel ? (frame) => channel.send(JSON.stringify(frame)) : undefined;
  }

  /**
   * A peer says it holds the point (`m.intro`, or `intro` in its hello). Believed only when no
   * introducer we know of is still a member and the claimer is the one succession names (the
   * lowest id, ourselves included): otherwise any member could claim it and block succession.
   * Who really holds the point is learnt from the server (a dial answers with the holder's id).
   */
  introducerSeen(connectionId: string): void {
    if (this.holding || this.introducerId === connectionId) return;
    const mesh = this.mesh;
    const current = this.introducerId;
    const currentStays = current !== undefined && current !== this.#self.connectionId && mesh.knows(current);
    const successor = connectionId < this.#self.connectionId && mesh.joinedIds().every((id) => connectionId <= id);
    if (currentStays || !successor) {
      this.#config.log?.(`${connectionId}: claims the rendezvous point; not believed (${currentStays ? `${current} holds it` : 'not next in line'})`);
      return;
    }
    this.introducerId = connectionId;
  }

  /**
   * A member is away. If it was the introducer, do not wait for its grace period to end: the
   * lowest linked member claims the point now, or dials whoever holds it (the same introducer
   * back from a reload holds it again, and takes our `m.join` as our return).
   */
  memberAway(connectionId: string): void {
    if (this.#destroyed || this.holding || this.introducerId !== connectionId) return;
    // Wait a moment: if WE lost the network, every member goes away within a heartbeat check or
    // two, and the rejoin of the cut-off client is what must use the rendezvous, not a takeover.
    this.#timers.after(AWAY_TAKEOVER_DELAY_MS, () => {
      const mesh = this.mesh;
      if (this.#destroyed || this.holding || this.introducerId !== connectionId || !mesh.isAway(connectionId) || mesh.isCutOff()) return;
      this.#config.log?.(`the introducer ${connectionId} is away: the lowest member takes over the point`);
      this.memberLeft(connectionId);
    });
  }

  /** A member left: if it was the introducer and we are next in line, take over. */
  memberLeft(connectionId: string): void {
    if (this.#destroyed || this.holding) return;
    if (this.introducerId === connectionId) this.introducerId = undefined;
    if (this.introducerId !== undefined) return;
    const lowest = this.mesh.joinedIds().every((id) => this.#self.connectionId < id);
    if (lowest) void this.#succeed();
  }

  /** Release the point, close every channel, clear every timer. Safe twice. */
  close(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#timers.clear();
    for (const wake of [...this.#wakers]) wake();
    this.#wakers.clear();
    for (const ch of this.#channels) ch.close();
    this.#channels.clear();
    this.#joiners.clear();
    this.#bootstrap.close();
  }

  /** Close a channel to the holder after `afterMs` (its links had time to form). */
  closeLater(channel: BootstrapChannel, afterMs: number): void {
    this.#timers.after(afterMs, () => this.dropChannel(channel));
  }

  dropChannel(channel: BootstrapChannel): void {
    this.#channels.delete(channel);
    channel.close();
  }

  /**
   * One claim, then one dial if the point is taken. Serialized: succession and a rejoin may both
   * want the point, and two claims in flight would find each other holding it.
   */
  #attempt(): Promise<'introducer' | Entry | 'retry' | 'unreachable'> {
    const run = this.#attemptChain.then(() => this.#attemptNow());
    this.#attemptChain = run.catch(() => undefined);
    return run;
  }

  async #attemptNow(): Promise<'introducer' | Entry | 'retry' | 'unreachable'> {
    const claimed = await this.#bootstrap.claim({
      incoming: (ch) => this.#serveNewcomer(ch),
      lost: () => this.#holdLost(),
    });
    if (this.#destroyed) return 'retry';
    if (claimed === 'held') {
      this.introducerId = this.#self.connectionId;
      this.mesh.broadcastControl({ t: 'm.intro' });
      return 'introducer';
    }
    if (claimed === 'unreachable') return 'unreachable';
    const channel = await this.#bootstrap.dial();
    if (!channel) return 'retry';
    if (this.#destroyed) {
      channel.close();
      return 'retry';
    }
    this.#channels.add(channel);
    const entry = await this.#handshake(channel);
    if (!entry) this.dropChannel(channel);
    return entry ?? 'retry';
  }

  /** Newcomer side: `m.join` out, `m.members` back, then relayed `m.sdp` into the mesh. */
  #handshake(channel: BootstrapChannel): Promise<Entry | undefined> {
    return new Promise((settle) => {
      let entry: Entry | undefined;
      const wake = (): void => settle(undefined);
      this.#wakers.add(wake);
      const resolve = (result: Entry | undefined): void => {
        this.#timers.cancel(timer);
        this.#timers.cancel(resend);
        this.#wakers.delete(wake);
        settle(result);
      };
      const timer = this.#timers.after(this.#config.handshakeTimeoutMs, () => {
        this.#config.log?.(`rendezvous: no m.members within ${this.#config.handshakeTimeoutMs} ms`);
        resolve(undefined);
      });
      const join = JSON.stringify({ t: 'm.join', info: this.#self } satisfies MeshFrame);
      // Sent again until m.members comes: the first frame on a fresh invite data channel was
      // lost in about 1 Chromium join in 10 here (cause not found); the holder answers a repeat.
      const again = (): void => {
        channel.send(join);
        resend = this.#timers.after(JOIN_RESEND_MS, again);
      };
      let resend = this.#timers.after(JOIN_RESEND_MS, again);
      const route: SdpRoute = (frame) => channel.send(JSON.stringify(frame));
      channel.listen({
        data: (raw) => {
          const frame = this.#decode(undefined, raw);
          if (!frame || this.#destroyed) return;
          if (!entry) {
            if (frame.t !== 'm.members') return this.#events.peerFault(undefined, `${frame.t} before m.members`);
            entry = { channel, introducerId: frame.intro, members: [frame.intro, ...frame.members] };
            return resolve(entry);
          }
          if (frame.t === 'm.members') return; // the answer to a repeated m.join
          // Only offers/answers addressed to us: a newcomer relays nothing.
          if (frame.t === 'm.sdp' && frame.to === this.#self.connectionId) this.mesh.handleSdp(frame, entry.introducerId, route);
          else this.#events.peerFault(entry.introducerId, `${frame.t} not expected from the introducer`);
        },
        closed: () => {
          this.#channels.delete(channel);
          if (!entry) {
            this.#config.log?.('rendezvous: the channel closed before m.members');
            resolve(undefined);
          }
        },
      });
      this.#config.log?.('rendezvous: m.join sent');
      channel.send(join);
    });
  }

  /** Introducer side: one newcomer's channel. */
  #serveNewcomer(channel: BootstrapChannel): void {
    if (this.#destroyed || this.#joiners.size >= MAX_JOINERS) return channel.close();
    this.#channels.add(channel);
    let joinerId: string | undefined;
    this.#config.log?.('a newcomer\'s channel is served');
    const timer = this.#timers.after(this.#config.handshakeTimeoutMs, () => {
      if (joinerId !== undefined) return;
      this.#config.log?.(`a newcomer's channel sent no m.join within ${this.#config.handshakeTimeoutMs} ms: dropped`);
      this.dropChannel(channel);
    });
    const route: SdpRoute = (frame) => channel.send(JSON.stringify(frame));
    let answeredRepeats = 0;
    const membersFor = (id: string): MeshFrame => ({ t: 'm.members', intro: this.#self.connectionId, members: this.mesh.joinedIds().filter((m) => m !== id) });
    channel.listen({
      data: (raw) => {
        const frame = this.#decode(joinerId, raw);
        if (!frame || this.#destroyed) return;
        if (joinerId === undefined) {
          this.#config.log?.(`a newcomer's channel: ${frame.t}`);
          if (frame.t !== 'm.join' || frame.info.connectionId === this.#self.connectionId || this.#joiners.has(frame.info.connectionId)) {
            this.#events.peerFault(undefined, `newcomer opened with ${frame.t} or a taken id`);
            return this.dropChannel(channel);
          }
          // A member whose link to us is live cannot be knocking at the door: someone else
          // claims its id. An away member's id is a return (same member, proven by its links).
          if (this.mesh.isJoined(frame.info.connectionId)) {
            this.#events.peerFault(frame.info.connectionId, 'm.join with the id of a member whose link is live');
            return this.dropChannel(channel);
          }
          this.#timers.cancel(timer);
          joinerId = frame.info.connectionId;
          this.#config.log?.(`${joinerId}: ${this.mesh.isAway(joinerId) ? 'an away member returns' : 'a newcomer joins'} through us`);
          this.#joiners.set(joinerId, channel);
          return channel.send(JSON.stringify(membersFor(joinerId)));
        }
        if (frame.t === 'm.sdp') this.mesh.handleSdp(frame, joinerId, route);
        else if (frame.t === 'm.join' && frame.info.connectionId === joinerId && answeredRepeats++ < MAX_JOIN_REPEATS) channel.send(JSON.stringify(membersFor(joinerId)));
        else this.#events.peerFault(joinerId, `${frame.t} not expected from a newcomer`);
      },
      closed: () => {
        this.#timers.cancel(timer);
        this.#channels.delete(channel);
        if (joinerId !== undefined && this.#joiners.get(joinerId) === channel) this.#joiners.delete(joinerId);
      },
    });
  }

  /**
   * We are cut off from every member: get back in through the rendezvous with the same id, and
   * offer to every member the holder lists (away ones are re-linked, unknown ones linked).
   * Calls `unreachable` each time the server cannot be reached (this client's own outage).
   * Retries with backoff while `stillNeeded()`.
   */
  async rejoin(stillNeeded: () => boolean, unreachable: () => void): Promise<void> {
    if (this.#rejoinRunning) return;
    this.#rejoinRunning = true;
    let delayMs = this.#config.retryInitialMs;
    let previous: BootstrapChannel | undefined;
    try {
      let unreachableBefore = false;
      while (!this.#destroyed && stillNeeded()) {
        // The holder refuses a second m.join from us while our first channel is open.
        if (previous) this.dropChannel(previous);
        previous = undefined;
        // Offline: a claim sent now hangs for the server timeout and may miss the moment the
        // network comes back; a short probe every second catches it.
        if (unreachableBefore && this.#bootstrap.probe && !(await this.#bootstrap.probe(PROBE_TIMEOUT_MS))) {
          if (this.#destroyed) return;
          unreachable();
          await this.#sleep(PROBE_PAUSE_MS * (0.75 + Math.random() / 2), (wake) => (this.#wakeRejoin = wake));
          this.#wakeRejoin = undefined;
          continue;
        }
        const result = await this.#attempt();
        unreachableBefore = result === 'unreachable';
        if (this.#destroyed) return;
        if (typeof result === 'object') {
          this.introducerId = result.introducerId;
          this.#config.log?.(`rejoin: ${result.introducerId} lists ${result.members.length} member(s); offering`);
          const route: SdpRoute = (frame) => result.channel.send(JSON.stringify(frame));
          for (const id of result.members) this.mesh.relinkVia(id, route);
          this.closeLater(result.channel, this.#config.mergeWindowMs);
          previous = result.channel;
        } else if (result === 'unreachable') {
          this.#config.log?.('rejoin: the rendezvous server is unreachable');
          unreachable();
        } else if (result === 'introducer') {
          this.#config.log?.('rejoin: we hold the rendezvous point; waiting for members to come back through it');
        }
        if (!stillNeeded()) return;
        // After offering, give the links time to form before dialling (and offering) again.
        const waitMs = typeof result === 'object' ? Math.max(delayMs, REJOIN_LINK_WAIT_MS) : delayMs;
        await this.#sleep(waitMs * (0.75 + Math.random() / 2), (wake) => (this.#wakeRejoin = wake));
        this.#wakeRejoin = undefined;
        // Capped low: while cut off, every second of waiting is a second longer outage.
        delayMs = Math.min(delayMs * 2, REJOIN_MAX_DELAY_MS);
      }
    } finally {
      this.#rejoinRunning = false;
    }
  }

  /** Our hold on the point went (server gone): claim again in the background. */
  #holdLost(): void {
    if (this.introducerId === this.#self.connectionId) this.introducerId = undefined;
    for (const [id, ch] of this.#joiners) {
      this.#joiners.delete(id);
      this.dropChannel(ch);
    }
    void this.#succeed();
  }

  /** Claim the point, or merge with whoever holds it; retry with backoff until one works. */
  async #succeed(): Promise<void> {
    if (this.#successionRunning) return;
    this.#successionRunning = true;
    try {
      // Stop once someone else announced the point (its hello or `m.intro`).
      // A cut-off client gets back in by its rejoin instead.
      const result = await this.enter(Number.POSITIVE_INFINITY, () => this.introducerId === undefined && !this.mesh.isCutOff());
      if (this.#destroyed || typeof result === 'string') return;
      this.introducerId = result.introducerId;
      const route: SdpRoute = (frame) => result.channel.send(JSON.stringify(frame));
      for (const id of result.members) this.mesh.relinkVia(id, route);
      this.closeLater(result.channel, this.#config.mergeWindowMs);
    } finally {
      this.#successionRunning = false;
    }
  }

  #decode(peerId: string | undefined, raw: unknown): MeshFrame | undefined {
    const parsed = parseFrameBytes(raw);
    const decoded = parsed.ok ? decodeMeshFrame(parsed.value) : parsed;
    if (decoded.ok) return decoded.frame;
    this.#config.log?.(`bootstrap channel: refused a frame (${decoded.reason})`);
    this.#events.peerFault(peerId, `bootstrap channel: ${decoded.reason}`);
    return undefined;
  }

  /** The network is said to be back (the page's `online` event): retry a rejoin now. */
  nudge(): void {
    this.#wakeRejoin?.();
  }

  #sleep(ms: number, expose?: (wake: () => void) => void): Promise<void> {
    return new Promise((resolve) => {
      expose?.(resolve);
      this.#wakers.add(resolve);
      this.#timers.after(ms, () => {
        this.#wakers.delete(resolve);
        resolve();
      });
    });
  }
}
