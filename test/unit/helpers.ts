import { expect, vi } from 'vitest';
import { initSession, type Session, type SignalEvent } from '../../src/index.js';
import { createMemoryNetwork, type MemoryNetwork, type MemoryNetworkOptions } from '../../src/testing.js';

/** Sessions joined to one in-memory session, each with a log of the signals it received. */
export interface Room {
  network: MemoryNetwork;
  sessions: Session[];
  received: Map<Session, SignalEvent[]>;
}

/** Connects `count` sessions (data 'p0', 'p1', …) to one session over a fresh memory network. */
export async function joinRoom(count: number, options: MemoryNetworkOptions & { ackTimeout?: number; sessionId?: string; maxSignalsPerSecond?: number } = {}): Promise<Room> {
  const network = createMemoryNetwork(options);
  const sessions: Session[] = [];
  const received = new Map<Session, SignalEvent[]>();
  for (let i = 0; i < count; i++) {
    const session = initSession(options.sessionId ?? 'room', {
      transport: network.transport,
      ackTimeout: options.ackTimeout ?? 10_000,
      ...(options.maxSignalsPerSecond !== undefined ? { maxSignalsPerSecond: options.maxSignalsPerSecond } : {}),
    });
    const log: SignalEvent[] = [];
    session.on('signal', (e) => log.push(e));
    received.set(session, log);
    await session.connect({ data: `p${i}` });
    sessions.push(session);
  }
  // With a latency, earlier members hear of later ones a little later: wait for a full mesh.
  await expect.poll(() => sessions.every((s) => s.connections.length === count - 1), { message: `a room of ${count} to form a full mesh`, timeout: 2_000, interval: 1 }).toBe(true);
  await settle();
  return { network, sessions, received };
}

/** Lets queued microtasks (memory-network deliveries) run. */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}

/** The Connection that `viewer` knows for `other`. */
export function connectionOf(viewer: Session, other: Session) {
  const id = other.connection!.connectionId;
  if (id === viewer.connection!.connectionId) return viewer.connection!;
  const found = viewer.connections.find((c) => c.connectionId === id);
  if (!found) throw new Error(`session ${viewer.connection!.data} does not know ${other.connection!.data}`);
  return found;
}

/** Resolves with what a promise rejected with; fails the test if it resolved. */
export async function rejection(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject, but it resolved');
}

/**
 * With fake timers: advance the clock in 10 ms steps (awaiting what each step starts) until
 * `check` holds; fail naming `what` after `limitMs` of fake time. (`vi.waitFor` would poll on
 * the real clock too, so a minute of fake time would take a minute.)
 */
export async function advanceUntil(check: () => boolean, what: string, limitMs = 60_000): Promise<void> {
  for (let t = 0; !check(); t += 10) {
    if (t > limitMs) throw new Error(`still waiting for ${what} after ${limitMs} ms of fake time`);
    await vi.advanceTimersByTimeAsync(10);
  }
}
