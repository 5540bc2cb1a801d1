/**
 * An in-memory network: every session of a process that uses it can reach the others, with no
 * WebRTC and no server. For the library's unit tests and for apps' own tests.
 *
 * Frames are JSON round-tripped (what a real channel would do to them) and delivered in order
 * per direction, after `latencyMs` (0: on a microtask). Faults can be injected: drop frames,
 * kill a peer without goodbye, cut the link to the session (reconnecting), inject raw frames.
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
  /** Delivers `frame` to `to` as if `from` had sent it (no JSON round trip: it can be anything). */
  inject(from: string, to: string, frame: unknown): void;
}

interface Member {
  info: ConnectionInfo;
  events: TransportEvents;
  sessionId: string;
  interrupted: boolean;
}

export function createMemoryNetwork(options: MemoryNetworkOptions = {}): MemoryNetwork {
  const latencyMs = options.latencyMs ?? 0;
  const sessions = new Map<string, Map<string, Member>>();
  const dropRules = new Set<DropRule>();
  let framesSent = 0;

  const memberOf = (id: string): Member | undefined => {
    for (const members of sessions.values()) {
      const member = members.get(id);
      if (member) return member;
    }
    return undefined;
  };

  // One FIFO chain per direction keeps per-sender order even with a latency.
  const chains = new Map<string, Promise<void>>();
  const later = (key: string, run: () => void) => {
    if (latencyMs <= 0) return queueMicrotask(run);
    const previous = chains.get(key) ?? Promise.resolve();
    const next = previous.then(() => new Promise<void>((resolve) => setTimeout(() => { run(); resolve(); }, latencyMs)));
    chains.set(key, next);
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

  const transport: TransportFactory = (sessionId) => {
    let self: Member | undefined;
    let closed = false;
    const instance: Transport = {
      async connect(info, events): Promise<JoinResult> {
        if (closed) throw new Error('transport closed');
        let members = sessions.get(sessionId);
        if (!members) sessions.set(sessionId, (members = new Map()));
        self = { info: { ...info }, events, sessionId, interrupted: false };
        for (const other of members.values()) {
          events.peerJoined({ ...other.info });
          const joined = self;
          later(`${info.connectionId}>${other.info.connectionId}`, () => members!.get(other.info.connectionId) === other && other.events.peerJoined({ ...joined.info }));
        }
        members.set(info.connectionId, self);
        return { missing: [] };
      },
      send(to, frame) {
        if (closed || !self || self.interrupted) return false;
        const target = sessions.get(sessionId)?.get(to);
        if (!target || target.interrupted) return false;
        framesSent++;
        const from = self.info.connectionId;
        if ([...dropRules].some((rule) => rule(from, to, frame))) return true; // lost on the way
        const copy: unknown = JSON.parse(JSON.stringify(frame));
        later(`${from}>${to}`, () => {
          if (sessions.get(sessionId)?.get(to) === target && !target.interrupted) target.events.message(from, copy);
        });
        return true;
      },
      close() {
        if (closed) return;
        closed = true;
        if (self) leave(self, 'clientDisconnected');
      },
    };
    return instance;
  };

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
      member.interrupted = true;
      member.events.reconnecting();
    },
    restore(connectionId) {
      const member = memberOf(connectionId);
      if (!member || !member.interrupted) return;
      member.interrupted = false;
      member.events.reconnected();
    },
    inject(from, to, frame) {
      const target = memberOf(to);
      if (target) later(`${from}>${to}`, () => target.events.message(from, frame));
    },
  };
}
