/**
 * The self-healing mesh over in-memory links and an in-memory rendezvous, with a fake clock:
 * a member whose link dies is away and comes back as itself (never a leave plus a join), a pair
 * re-links through a relay, a member away past the grace period leaves, a "maybe back" goodbye,
 * this client's own outage (reconnecting / reconnected / disconnected), and an `m.join` that
 * claims the id of a member whose link is live.
 */
import { describe, expect, it, vi } from 'vitest';
import { advanceUntil } from './helpers.js';
import { TransportPeer, useMemoryWorld } from './mesh-peer.js';

const SESSION = 'room';
const GRACE_MS = 10_000;
const RELOAD_GRACE_MS = 3_000;
const HEARTBEAT_TIMEOUT_MS = 2_000;

const world = useMemoryWorld();

/** One client: its transport, every transport event in order, its debug lines, and switches to break its network. */
class Peer extends TransportPeer {
  readonly debug: string[];

  constructor(id: string, joinTimeoutMs = 30_000) {
    const debug: string[] = [];
    super(world, id, SESSION, {
      heartbeatIntervalMs: 500,
      heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS,
      linkTimeoutMs: 3_000,
      joinTimeoutMs,
      reconnectGraceMs: GRACE_MS,
      reloadGraceMs: RELOAD_GRACE_MS,
      debug: (line) => debug.push(line),
    });
    this.debug = debug;
  }

  /** Lose the network: every link goes silent, the rendezvous server is unreachable. */
  goOffline(): void {
    this.offline = true;
    for (const l of this.links) l.mute();
    world.server.setOffline(this.bootstrap!, true);
  }

  /** Network back: new links work, the server answers (the old links stay dead). */
  goOnline(): void {
    this.offline = false;
    world.server.setOffline(this.bootstrap!, false);
  }
}

function peer(id: string, joinTimeoutMs?: number): Peer {
  return new Peer(id, joinTimeoutMs);
}

function sees(p: Peer, q: Peer): boolean {
  return p.transport.send(q.id, { t: 'probe' });
}

/** Connect `ids` in order (the first holds the point) and wait for a full mesh. */
async function room<const T extends string[]>(...ids: T): Promise<{ [K in keyof T]: Peer }> {
  const group = ids.map((id) => peer(id));
  group[0]!.connect();
  await advanceUntil(() => group[0]!.result !== undefined, `${ids[0]} to connect`);
  for (const p of group.slice(1)) p.connect();
  await advanceUntil(() => group.every((p) => p.result !== undefined && group.every((q) => q === p || sees(p, q))), `a full mesh of ${ids.join(', ')}`);
  for (const p of group) p.frames.length = 0;
  return group as { [K in keyof T]: Peer };
}

describe('a link that dies between two members who still see the others', () => {
  it('is re-formed through a relay: away then back on both sides, no leave, no second join, frames flow again in order', async () => {
    const [i, a, b] = await room('i', 'a', 'b');
    for (let n = 0; n < 3; n++) a.transport.send('b', { t: 'sig', n });
    await advanceUntil(() => b.frames.length === 3, 'three frames before the cut');
    const [old] = a.linksTo(b);
    old!.cut();
    expect(a.transport.send('b', { t: 'sig', n: 3 })).toBe(false); // away: nothing is sent
    await advanceUntil(() => sees(a, b) && sees(b, a), 'a and b to be linked again');
    for (let n = 3; n < 6; n++) a.transport.send('b', { t: 'sig', n });
    await advanceUntil(() => b.frames.filter(([, f]) => (f as { t: string }).t === 'sig').length === 6, 'three frames after the re-link');
    expect(b.frames.filter(([, f]) => (f as { t: string }).t === 'sig').map(([, f]) => (f as { n: number }).n)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(a.log).toEqual(['joined i', 'joined b', 'away b', 'back b']);
    expect(b.log.filter((l) => l.endsWith(' a'))).toEqual(['joined a', 'away a', 'back a']);
    expect(i.log.filter((l) => !l.startsWith('joined'))).toEqual([]);
    // One new link between a and b (the old one closed at once), offered by a (the lower id) through a relay.
    expect(a.linksTo(b)).toHaveLength(1);
    expect(a.linksTo(b)[0]!.initiator).toBe(true);
    expect(old!.state).toBe('closed');
    expect(a.debug.some((l) => l.includes('re-offering through'))).toBe(true);
    expect(i.debug.some((l) => l.startsWith('relayed offer a → b'))).toBe(true);
    for (const p of [i, a, b]) expect(p.faults).toEqual([]);
  });

  it('a link that goes silent (heartbeat) flaps back the same way, and links never pile up', async () => {
    const [i, a, b] = await room('i', 'a', 'b');
    for (let round = 0; round < 3; round++) {
      a.linksTo(b)[0]!.mute();
      await advanceUntil(() => a.events('away').length === round + 1, `a to see b away (round ${round})`);
      await advanceUntil(() => sees(a, b) && sees(b, a), `a and b to be linked again (round ${round})`);
    }
    expect(a.log.filter((l) => l.endsWith(' b'))).toEqual(['joined b', 'away b', 'back b', 'away b', 'back b', 'away b', 'back b']);
    expect([a.events('left'), b.events('left'), i.events('away')]).toEqual([[], [], []]);
    for (const p of [i, a, b]) expect(p.links.filter((l) => l.state !== 'closed')).toHaveLength(2);
  });
});

describe('a member that is gone for good', () => {
  it('is away, then left as networkDisconnected after the grace period; the others never flap reconnecting', async () => {
    const [i, a, c] = await room('i', 'a', 'c');
    c.goOffline();
    await advanceUntil(() => i.events('away').length === 1 && a.events('away').length === 1, 'i and a to see c away');
    const awayAt = Date.now();
    await advanceUntil(() => i.events('left').length === 1 && a.events('left').length === 1, 'i and a to drop c', GRACE_MS + 5_000);
    expect(Date.now() - awayAt).toBeGreaterThanOrEqual(GRACE_MS - 1_000);
    expect([i.events('left'), a.events('left')]).toEqual([['left c networkDisconnected'], ['left c networkDisconnected']]);
    expect([...i.log, ...a.log].filter((l) => l.startsWith('reconnect') || l.startsWith('disconnected'))).toEqual([]);
    expect(sees(i, a)).toBe(true);
  });
});

describe('a goodbye that says "maybe back" (a reload)', () => {
  it('the member is away; the same id coming back within the reload grace is back, never joined again', async () => {
    const [i, a, c] = await room('i', 'a', 'c');
    c.transport.close({ maybeBack: true });
    await advanceUntil(() => i.events('away').length === 1 && a.events('away').length === 1, 'i and a to see c away');
    const reloaded = peer('c'); // the reloaded page: same id, a new transport
    reloaded.connect();
    await advanceUntil(() => sees(i, reloaded) && sees(a, reloaded) && sees(reloaded, i) && sees(reloaded, a), 'the reloaded c to be linked to i and a');
    expect(i.log.filter((l) => l.endsWith(' c'))).toEqual(['joined c', 'away c', 'back c']);
    expect(a.log.filter((l) => l.endsWith(' c'))).toEqual(['joined c', 'away c', 'back c']);
    expect(reloaded.events('joined').sort()).toEqual(['joined a', 'joined i']);
    await vi.advanceTimersByTimeAsync(2 * GRACE_MS);
    expect([i.events('left'), a.events('left')]).toEqual([[], []]);
  });

  it('the introducer reloading comes back as itself too (the others take over or find it at the point)', async () => {
    const [i, a, c] = await room('i', 'a', 'c');
    i.transport.close({ maybeBack: true });
    await advanceUntil(() => a.events('away').length === 1 && c.events('away').length === 1, 'a and c to see the introducer away');
    const reloaded = peer('i');
    reloaded.connect();
    await advanceUntil(() => sees(a, reloaded) && sees(c, reloaded) && sees(reloaded, a) && sees(reloaded, c), 'the reloaded introducer to be linked to a and c', 20_000);
    for (const p of [a, c]) expect(p.log.filter((l) => l.endsWith(' i'))).toEqual(['joined i', 'away i', 'back i']);
    expect(world.server.holder(SESSION)).toBeDefined();
    await vi.advanceTimersByTimeAsync(2 * GRACE_MS);
    expect([a.events('left'), c.events('left'), reloaded.events('left')]).toEqual([[], [], []]);
  });

  it('with no return, the member leaves as clientDisconnected after the reload grace', async () => {
    const [i, a, c] = await room('i', 'a', 'c');
    c.transport.close({ maybeBack: true });
    await advanceUntil(() => a.events('away').length === 1, 'a to see c away');
    await vi.advanceTimersByTimeAsync(RELOAD_GRACE_MS - 500);
    expect(a.events('left')).toEqual([]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect([i.events('left'), a.events('left')]).toEqual([['left c clientDisconnected'], ['left c clientDisconnected']]);
  });

  it('a plain goodbye stays final', async () => {
    const [i, , c] = await room('i', 'a', 'c');
    c.transport.close();
    await advanceUntil(() => i.events('left').length === 1, 'i to see c leave');
    expect(i.log.filter((l) => l.endsWith('c') || l.endsWith('Disconnected'))).toEqual(['joined c', 'left c clientDisconnected']);
  });
});

describe('a link the peer closed with no goodbye heard', () => {
  it('a page that went away without its goodbye reaching us (Firefox drops it at times) leaves as clientDisconnected after the reload grace', async () => {
    const [i, a, c] = await room('i', 'a', 'c');
    for (const l of c.links) l.close(); // the browser closes the page's channels; the goodbye never went out
    c.goOffline(); // and the page is gone
    await advanceUntil(() => i.events('away').length === 1 && a.events('away').length === 1, 'i and a to see c away');
    const awayAt = Date.now();
    await advanceUntil(() => i.events('left').length === 1 && a.events('left').length === 1, 'i and a to drop c', GRACE_MS);
    expect(Date.now() - awayAt).toBeLessThan(GRACE_MS); // the reload grace, not the network one
    expect([i.events('left'), a.events('left')]).toEqual([['left c clientDisconnected'], ['left c clientDisconnected']]);
  });

  it('a peer that dropped the link but is still there is re-linked: away, back, never left', async () => {
    const [i, a, c] = await room('i', 'a', 'c');
    i.linksTo(a)[0]!.close(); // i drops its link to a (as after hearing nothing from a for a while)
    await advanceUntil(() => a.events('back').length === 1, 'a to see i back (a, the lower id, re-offers)');
    expect(a.log.filter((l) => l.endsWith(' i'))).toEqual(['joined i', 'away i', 'back i']);
    await vi.advanceTimersByTimeAsync(2 * GRACE_MS);
    expect([i, a, c].flatMap((p) => p.events('left'))).toEqual([]);
    expect(sees(a, i) && sees(i, a)).toBe(true);
  });
});

describe('this client loses its network', () => {
  it('reconnecting, then reconnected when back: the others saw it away and back as the same member', async () => {
    const [i, a, c] = await room('i', 'a', 'c');
    c.goOffline();
    await advanceUntil(() => c.events('reconnecting').length === 1, 'c to report reconnecting');
    await advanceUntil(() => i.events('away').length === 1 && a.events('away').length === 1, 'i and a to see c away');
    expect([i.log, a.log].map((log) => log.filter((l) => l.startsWith('reconnect')))).toEqual([[], []]);
    c.goOnline();
    await advanceUntil(() => c.events('reconnected').length === 1, 'c to report reconnected');
    await advanceUntil(() => sees(i, c) && sees(a, c) && sees(c, i) && sees(c, a), 'c linked to i and a again');
    expect(c.log.filter((l) => l.startsWith('reconnect') || l.startsWith('disconnected'))).toEqual(['reconnecting', 'reconnected']);
    expect(c.events('left')).toEqual([]);
    expect(c.events('back').sort()).toEqual(['back a', 'back i']);
    for (const p of [i, a]) expect(p.log.filter((l) => l.endsWith(' c'))).toEqual(['joined c', 'away c', 'back c']);
  });

  it('an outage longer than the grace period: disconnected(networkDisconnected); the others drop it', async () => {
    const [i, a, c] = await room('i', 'a', 'c');
    c.goOffline();
    await advanceUntil(() => c.events('reconnecting').length === 1, 'c to report reconnecting');
    await advanceUntil(() => c.events('disconnected').length === 1, 'c to give up', GRACE_MS + 5_000);
    expect(c.log.filter((l) => l.startsWith('reconnect') || l.startsWith('disconnected') || l.startsWith('left'))).toEqual([
      'reconnecting',
      'disconnected networkDisconnected',
    ]);
    await advanceUntil(() => i.events('left').length === 1 && a.events('left').length === 1, 'i and a to drop c');
    expect(a.events('left')).toEqual(['left c networkDisconnected']);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(c.log.filter((l) => l.startsWith('disconnected'))).toHaveLength(1); // nothing after
  });

  it('a lone member never reports reconnecting', async () => {
    const [solo] = await room('solo');
    solo.goOffline();
    await vi.advanceTimersByTimeAsync(3 * GRACE_MS);
    expect(solo.log).toEqual([]);
  });
});

describe('someone claims a live member’s id at the door', () => {
  it('the introducer refuses an m.join whose id belongs to a member with a live link', async () => {
    const [i, a, b] = await room('i', 'a', 'b');
    const impostor = peer('b');
    impostor.connect();
    await advanceUntil(() => i.faults.some((f) => f.includes('m.join with the id of a member whose link is live')), 'the introducer to refuse the impostor');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(impostor.events('joined')).toEqual([]);
    expect([i.log.filter((l) => !l.startsWith('joined')), a.log.filter((l) => !l.startsWith('joined'))]).toEqual([[], []]);
    expect(sees(i, b) && sees(a, b)).toBe(true);
  });
});

describe('a member missing at the join', () => {
  it('is offered again after connect() resolved, and arrives as peerJoined', async () => {
    const [i, b] = await room('i', 'b');
    b.offline = true; // links b makes now carry nothing (its existing link to i still works)
    const d = peer('d', 4_000);
    d.connect();
    await advanceUntil(() => d.result !== undefined, 'd to connect');
    expect(d.result).toEqual({ missing: ['b'] });
    b.offline = false;
    await advanceUntil(() => sees(d, b) && sees(b, d), 'd and b to link after the join', 30_000);
    expect(d.log).toEqual(['joined i', 'joined b']);
    expect(b.events('joined')).toEqual(['joined i', 'joined d']);
    expect(d.debug.some((l) => l.startsWith('b: re-offering through the joined members'))).toBe(true);
    for (const p of [i, b, d]) expect(p.events('left')).toEqual([]);
  });
});

describe('closing', () => {
  it('leaves no timer behind, even with members away, re-links pending and a rejoin running', async () => {
    const [i, a, c] = await room('i', 'a', 'c');
    c.goOffline();
    await advanceUntil(() => c.events('reconnecting').length === 1 && a.events('away').length === 1, 'c reconnecting and a seeing c away');
    for (const p of [i, a, c]) p.transport.close();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(vi.getTimerCount()).toBe(0);
    expect(c.events('disconnected')).toEqual([]); // closed by the app: no event from below
  });
});
