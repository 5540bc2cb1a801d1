/**
 * What `connect()` tells the app when the join does not go all the way: sessions over the mesh
 * transport, in-memory links and an in-memory rendezvous, with a fake clock. A member that cannot
 * be linked within `joinTimeout` is named in `sessionConnected.missing` (and arrives later as
 * `connectionCreated`); a session that finds no rendezvous within `joinTimeout` fails with 1006.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryRendezvous, type MemoryRendezvous } from '../../src/bootstrap/memory.js';
import { createMemoryLinks, type MemoryLink, type MemoryLinks } from '../../src/mesh/memory-link.js';
import { createMeshTransport } from '../../src/mesh/transport.js';
import { initSession, type Session, type SessionConnectEvent, type SignalError } from '../../src/index.js';
import { advanceUntil } from './helpers.js';

const SESSION = 'room';

let server: MemoryRendezvous;
let links: MemoryLinks;
const members: Member[] = [];

/** A session, what connect() and sessionConnected told it, and a switch that mutes its new links. */
class Member {
  readonly session: Session;
  connected: SessionConnectEvent | undefined;
  result: 'connected' | SignalError | undefined;
  readonly created: string[] = [];
  /** Links made while true carry nothing (its existing links keep working). */
  unreachable = false;

  constructor(joinTimeoutMs: number) {
    const transport = createMeshTransport({
      bootstrap: server.bootstrap,
      createLink: (options, events) => {
        const link = links.factory(options, events) as MemoryLink;
        if (this.unreachable) link.mute();
        return link;
      },
      heartbeatIntervalMs: 1_000,
      heartbeatTimeoutMs: 4_000,
      joinTimeoutMs,
    });
    this.session = initSession(SESSION, { transport, persist: false });
    this.session.on('sessionConnected', (e) => (this.connected = e));
    this.session.on('connectionCreated', (e) => this.created.push(e.connection.connectionId));
  }

  get id(): string {
    return this.session.connection!.connectionId;
  }

  connect(): void {
    this.session.connect().then(
      () => (this.result = 'connected'),
      (e: SignalError) => (this.result = e),
    );
  }
}

function member(joinTimeoutMs = 30_000): Member {
  const m = new Member(joinTimeoutMs);
  members.push(m);
  return m;
}

async function connected(m: Member, what: string): Promise<void> {
  m.connect();
  await advanceUntil(() => m.result !== undefined, what);
  expect(m.result).toBe('connected');
}

beforeEach(() => {
  vi.useFakeTimers();
  server = createMemoryRendezvous();
  links = createMemoryLinks();
});

afterEach(() => {
  for (const m of members.splice(0)) m.session.disconnect();
  vi.useRealTimers();
});

describe('connect() when the join does not go all the way', () => {
  it('a member that cannot be linked within joinTimeout is named in sessionConnected.missing, and arrives later', async () => {
    const [i, b] = [member(), member()];
    await connected(i, 'i to connect');
    await connected(b, 'b to connect');
    b.unreachable = true;
    const d = member(4_000);
    await connected(d, 'd to connect');
    expect(d.connected?.missing).toEqual([b.id]);
    expect(d.connected?.connections.map((c) => c.connectionId)).toEqual([i.id]);
    expect(d.created).toEqual([d.id, i.id]);

    b.unreachable = false;
    await advanceUntil(() => d.created.includes(b.id), 'the missing member to arrive as connectionCreated');
    expect(d.session.connections.map((c) => c.connectionId).sort()).toEqual([i.id, b.id].sort());
  });

  it('with every member linked, missing is empty', async () => {
    const [i, b] = [member(), member()];
    await connected(i, 'i to connect');
    await connected(b, 'b to connect');
    expect(b.connected?.missing).toEqual([]);
  });

  it('no rendezvous within joinTimeout (the holder answers nobody): connect() fails with 1006 and the session is disconnected', async () => {
    const i = member();
    await connected(i, 'i to connect');
    server.freezeHolder(SESSION);
    const d = member(2_000);
    d.connect();
    await advanceUntil(() => d.result !== undefined, 'd to give up');
    const error = d.result as SignalError;
    expect([error.code, error.name]).toEqual([1006, 'OT_CONNECT_FAILED']);
    expect(error.message).toMatch(/no rendezvous for this session within 2000 ms/);
    expect(d.connected).toBeUndefined();
    expect(d.session.state).toBe('disconnected');
  });
});
