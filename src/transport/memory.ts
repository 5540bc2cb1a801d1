/**
 * An in-memory network: every session of a process that uses it can reach the others, with no
 * WebRTC and no server. For the library's unit tests and for apps' own tests.
 *
 * Frames are JSON round-tripped (what a real channel would do to them) and delivered in order
 * per direction, after `latencyMs` (0: on a microtask). Faults can be injected: drop frames,
 * kill a peer without goodbye, cut the link to the session (reconnecting), cut the link between
 * two members (both see the other `peerAway`, frames in flight on it are lost, `restoreLink` →
 * `peerBack`), inject raw frames. A page reload (`leaveForReload`) keeps the member away for
 * `reloadGraceMs`; the same connection id connecting again within it comes back (`peerBack`).
 *
 * Frame loss by `drop()` can hit any frame; a real link only loses a suffix when it dies (which
 * `interruptLink` models). Delivery's de-duplication relies on the latter: drop signal frames
 * in the middle of a stream only to test what a broken transport would do.
 *
 * @example
 * const network = createMemoryNetwork();
 * const a = initSession('room', { transport: network.transport });
 * const b = initSession('room', { transport: network.transport });
 * await a.connect({ data: 'a' }); await b.connect({ data: 'b' });
 */
import type { ConnectionInfo } from '../connection.js';
import type { JoinResult, LeaveReason, Transport, TransportEvents, TransportFactory } from './types.js';

export interface MemoryNetworkOptions {
  /** Delay of every frame, in milliseconds (default 0: next microtask). */
  latencyMs?: number;
  /** How long a member that left for a reload stays away before it is gone (default 5 000). */
  reloadGraceMs?: number;
}

/** Decides whether a frame from → to is dropped. */
export type DropRule = (from: string, to: string, frame: unknown) => boolean;

export interface MemoryNetwork {
  /** Pass as `initSession(id, { transport: network.transport })`. */
  transport: TransportFactory;
  /** Connection ids present in a session. */
  members(sessionId: string): string[];
  /** Frames sent through the network so far (for cost measurements). */
  readonly framesSent: number;
  /** Drops every frame the rule matches, until the returned function is called. */
  drop(rule: DropRule): () => void;
  /** The peer vanishes without goodbye: the others see it leave with `networkDisconnected`. */
  kill(connectionId: string): void;
  /** The peer loses the network: it gets `reconnecting`; `restore` brings it back. */
  interrupt(connectionId: string): void;
  restore(connectionId: string): void;
  /** The link between two members dies: each sees the other `peerAway`; frames in flight are lost. */
  interruptLink(a: string, b: string): void;
  /** The link between two members is re-formed: each sees the other `peerBack`. */
  restoreLink(a: string, b: string): void;
  /** Delivers `frame` to `to` as if `from` had sent it (no JSON round trip: it can be anything). */
  inject(from: string, to: string, frame: unknown): void;
}

interface Member {
  info: ConnectionInfo;
  events: TransportEvents;
  sessionId: string;
  interrupted: boolean;
}

const pairKey = (a: string, b: string) => (a < b ? `${a}|${b}` : `${b}|${a}`);

export function createMemoryNetwork(options: MemoryNetworkOptions = {}): MemoryNetwork {
  const latencyMs = options.latencyMs ?? 0;
  const reloadGraceMs = options.reloadGraceMs ?? 5_000;
  const sessions = new Map<string, Map<string, Member>>();
  /** Pairs whose link is down (interruptLink). */
  const downLinks = new Set<string>();
  /** Per pair: bumped when its link dies, so frames already in flight on it are lost. */
  const linkGeneration = new Map<string, number>();
  /** Members gone for a reload: who still sees them away, and the timer that ends their grace. */
  const reloading = new Map<string, { sessionId: string; info: ConnectionInfo; timer: ReturnType<typeof setTimeout>; watchers: Set<Member> }>();
  const generationOf = (a: string, b: string) => linkGeneration.get(pairKey(a, b)) ?? 0;
  const killLink = (a: string, b: string) => linkGeneration.set(pairKey(a, b), generationOf(a, b) + 1);
  const dropRules = new Set<DropRule>();
  let framesSent = 0;

  const memberOf = (id: string): Member | undefined => {
    for (const members of sessions.values()) {
      const member = members.get(id);
      if (member) return member;
    }
    return undefined;
  };

  // One FIFO queue per direction keeps per-sender order with a latency; each frame is due
  // `latencyMs` after it was sent (not after the one before it), like a real link.
  const queues = new Map<string, { due: number; run: () => void }[]>();
  const drain = (key: string) => {
    const queue = queues.get(key)!;
    const now = Date.now();
    while (queue.length > 0 && queue[0]!.due <= now) queue.shift()!.run();
    if (queue.length === 0) queues.delete(key);
    else setTimeout(() => drain(key), queue[0]!.due - now);
  };
  const later = (key: string, run: () => void) => {
    if (latencyMs <= 0) return queueMicrotask(run);
    const queue = queues.get(key);
    if (queue) return void queue.push({ due: Date.now() + latencyMs, run });
    queues.set(key, [{ due: Date.now() + latencyMs, run }]);
    setTimeout(() => drain(key), latencyMs);
  };

  const leave = (member: Member, reason: LeaveReason) => {
    const members = sessions.get(member.sessionId);
    if (!members || members.get(member.info.connectionId) !== member) return;
    members.delete(member.info.connectionId);
    if (members.size === 0) sessions.delete(member.sessionId);
    for (const other of members.values()) {
      later(`${member.info.connectionId}>${other.info.connectionId}`, () => other.events.peerLeft(member.info.connectionId, reason));
    }
  };

  /** A "maybe back" goodbye: the others see the member away until it connects again or the grace ends. */
  const leaveForReload = (member: Member) => {
    const members = sessions.get(member.sessionId);
    const id = member.info.connectionId;
    if (!members || members.get(id) !== member) return;
    members.delete(id);
    const watchers = new Set(members.values());
    // Like a goodbye, it travels behind what the member sent before (its last acks arrive).
    for (const other of watchers) later(`${id}>${other.info.connectionId}`, () => other.events.peerAway(id));
    const timer = setTimeout(() => {
      reloading.delete(id);
      for (const other of watchers) if (sessions.get(member.sessionId)?.get(other.info.connectionId) === other) other.events.peerLeft(id, 'clientDisconnected');
    }, reloadGraceMs);
    reloading.set(id, { sessionId: member.sessionId, info: member.info, timer, watchers });
  };

  const linked = (a: Member, b: Member) => !a.interrupted && !b.interrupted && !downLinks.has(pairKey(a.info.connectionId, b.info.connectionId));

  const transport: TransportFactory = (sessionId) => {
    let self: Member | undefined;
    let closed = false;
    const instance: Transport = {
      async connect(info, events): Promise<JoinResult> {
        if (closed) throw new Error('transport closed');
        let members = sessions.get(sessionId);
        if (!members) sessions.set(sessionId, (members = new Map()));
        self = { info: { ...info }, events, sessionId, interrupted: false };
        const back = reloading.get(info.connectionId);
        if (back && back.sessionId === sessionId) {
          clearTimeout(back.timer);
          reloading.delete(info.connectionId);
        }
        for (const other of members.values()) {
          events.peerJoined({ ...other.info });
          const joined = self;
          const returning = back?.watchers.has(other) === true;
          later(`${info.connectionId}>${other.info.connectionId}`, () => {
            if (members!.get(other.info.connectionId) !== other) return;
            if (returning) other.events.peerBack(joined.info.connectionId);
            else other.events.peerJoined({ ...joined.info });
          });
        }
        members.set(info.connectionId, self);
        return { missing: [] };
      },
      send(to, frame) {
        if (closed || !self) return false;
        const target = sessions.get(sessionId)?.get(to);
        if (!target || !linked(self, target)) return false;
        framesSent++;
        const from = self.info.connectionId;
        if ([...dropRules].some((rule) => rule(from, to, frame))) return true; // lost on the way
        const copy: unknown = JSON.parse(JSON.stringify(frame));
        const generation = generationOf(from, to);
        later(`${from}>${to}`, () => {
          // Lost with the link if it died (or the target left) while the frame was on its way.
          if (sessions.get(sessionId)?.get(to) === target && target.events && generationOf(from, to) === generation) target.events.message(from, copy);
        });
        return true;
      },
      close() {
        if (closed) return;
        closed = true;
        if (self) leave(self, 'clientDisconnected');
      },
      leaveForReload() {
        if (closed) return;
        closed = true;
        if (self) leaveForReload(self);
      },
    };
    return instance;
  };

  const othersOf = (member: Member) => [...(sessions.get(member.sessionId)?.values() ?? [])].filter((m) => m !== member);

  return {
    transport,
    members: (sessionId) => [...(sessions.get(sessionId)?.keys() ?? [])],
    get framesSent() {
      return framesSent;
    },
    drop(rule) {
      dropRules.add(rule);
      return () => dropRules.delete(rule);
    },
    kill(connectionId) {
      const member = memberOf(connectionId);
      if (!member) return;
      leave(member, 'networkDisconnected');
      queueMicrotask(() => member.events.disconnected('networkDisconnected'));
    },
    interrupt(connectionId) {
      const member = memberOf(connectionId);
      if (!member || member.interrupted) return;
      const wasLinked = othersOf(member).filter((other) => linked(member, other));
      member.interrupted = true;
      member.events.reconnecting();
      for (const other of wasLinked) {
        killLink(connectionId, other.info.connectionId);
        member.events.peerAway(other.info.connectionId);
        other.events.peerAway(connectionId);
      }
    },
    restore(connectionId) {
      const member = memberOf(connectionId);
      if (!member || !member.interrupted) return;
      member.interrupted = false;
      member.events.reconnected();
      for (const other of othersOf(member)) {
        if (!linked(member, other)) continue;
        member.events.peerBack(other.info.connectionId);
        other.events.peerBack(connectionId);
      }
    },
    interruptLink(a, b) {
      const [ma, mb] = [memberOf(a), memberOf(b)];
      if (!ma || !mb || downLinks.has(pairKey(a, b))) return;
      const wasLinked = linked(ma, mb);
      downLinks.add(pairKey(a, b));
      killLink(a, b);
      if (!wasLinked) return;
      ma.events.peerAway(b);
      mb.events.peerAway(a);
    },
    restoreLink(a, b) {
      const [ma, mb] = [memberOf(a), memberOf(b)];
      if (!downLinks.delete(pairKey(a, b)) || !ma || !mb || !linked(ma, mb)) return;
      ma.events.peerBack(b);
      mb.events.peerBack(a);
    },
    inject(from, to, frame) {
      const target = memberOf(to);
      if (target) later(`${from}>${to}`, () => target.events.message(from, frame));
    },
  };
}
