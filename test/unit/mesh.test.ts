/**
 * The Mesh's rules with fake links and a fake clock: who offers, glare, gossip, relays and
 * their guards, hello checks, heartbeat, goodbye, and that close() leaves nothing running.
 */
import { describe, expect, it, vi } from 'vitest';
import type { MemoryLink } from '../../src/mesh/memory-link.js';
import { MAX_FRAME_BYTES, type MeshFrame } from '../../src/wire/mesh-frames.js';
import { dial, link, MESH_TIMINGS, MeshNode as Node, route, settle, useMemoryWorld } from './mesh-peer.js';

const { heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS, heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS, reconnectGraceMs: RECONNECT_GRACE_MS } = MESH_TIMINGS;

const world = useMemoryWorld();

function node(id: string, options: { holding?: boolean } = {}): Node {
  return new Node(world, { connectionId: id, creationTime: 1, data: `data-${id}` }, {}, options.holding === true);
}

/**
 * A peer driven by the test: its fake link is paired with a link `a` makes when answering its
 * offer; whatever the test `send`s arrives at `a` as if from peer `id`.
 */
async function scriptedPeer(a: Node, id: string): Promise<MemoryLink> {
  return (await dial(world, a, id)).link;
}

/** The link in `n` whose remote belongs to `other`. */
function linkBetween(n: Node, other: Node): MemoryLink {
  const found = n.links.find((l) => l.state !== 'closed' && l.remote && other.links.includes(l.remote));
  if (!found) throw new Error(`no live link from ${n.id} to ${other.id}`);
  return found;
}

describe('Mesh', () => {
  it('links two peers: each reports the other once, frames flow in order', async () => {
    const [a, b] = [node('a'), node('b')];
    await link(a, b);
    expect([a.joinedIds(), b.joinedIds()]).toEqual([['b'], ['a']]);
    for (let i = 0; i < 3; i++) a.mesh.send('b', { t: 'sig', i });
    await settle();
    expect(b.frames).toEqual([0, 1, 2].map((i) => ['a', { t: 'sig', i }]));
    expect(a.mesh.send('nobody', { t: 'sig' })).toBe(false);
  });

  it('the introducer gossips members at join time, so a third peer links to all through a relay', async () => {
    const [a, b, c] = [node('a', { holding: true }), node('b'), node('c')];
    await link(b, a);
    await link(c, a); // c learns of b from a's m.peers and offers to b through a
    await settle();
    expect(c.joinedIds().sort()).toEqual(['a', 'b']);
    expect(b.joinedIds().sort()).toEqual(['a', 'c']);
    for (const n of [a, b, c]) expect(n.faults).toEqual([]);
  });

  it('members that are not the introducer send no member lists to each other (O(N²) bytes, not O(N³))', async () => {
    const [a, b, c] = [node('a'), node('b'), node('c')];
    await link(b, a);
    await link(c, a);
    await settle();
    expect(c.joinedIds()).toEqual(['a']); // nobody told c of b: only an introducer does
  });

  it('glare: both offer at once, the lower id’s offer wins, one link remains', async () => {
    const [a, b] = [node('a'), node('b')];
    a.mesh.offerTo('b', route(a, b));
    b.mesh.offerTo('a', route(b, a));
    await settle();
    expect([a.joinedIds(), b.joinedIds()]).toEqual([['b'], ['a']]);
    expect(a.links.filter((l) => l.state === 'open')).toHaveLength(1);
    expect(b.links.filter((l) => l.state === 'open')).toHaveLength(1);
    expect(linkBetween(a, b).initiator).toBe(true); // a < b: a's offer made the link
    expect([a.events('left'), b.events('left')]).toEqual([[], []]);
  });

  it('refuses to relay an offer that names another sender', async () => {
    const [a, b, c] = [node('a'), node('b'), node('c')];
    await link(b, a);
    await link(c, a);
    const forged: MeshFrame = { t: 'm.sdp', from: 'c', to: 'b', lid: 'l1', sdp: { type: 'offer', sdp: 'x' } };
    linkBetween(a, b).receive(JSON.stringify(forged)); // b's link at a carries a frame claiming to be from c
    await settle();
    expect(a.faults).toEqual(['b: m.sdp to relay names another sender']);
  });

  it('drops a link whose hello names another connection id, without reporting a join', async () => {
    const a = node('a');
    const x = await scriptedPeer(a, 'x');
    x.send(JSON.stringify({ t: 'm.hello', info: { connectionId: 'zz', creationTime: 1, data: '' }, intro: false }));
    await settle();
    expect(a.joinedIds()).toEqual([]);
    expect(a.faults).toEqual(['x: hello names another connection id']);
    expect(x.state).toBe('closed');
  });

  it('reports bad input as faults and keeps going: app frame before hello, oversize, non-JSON, unknown kind', async () => {
    const a = node('a');
    const x = await scriptedPeer(a, 'x');
    x.send('{"t":"sig"}'); // before hello
    x.send(JSON.stringify({ t: 'm.hello', info: { connectionId: 'x', creationTime: 1, data: '' }, intro: false }));
    await settle();
    const atA = x.remote!;
    atA.receive(new Uint8Array(MAX_FRAME_BYTES + 1));
    atA.receive('not json');
    atA.receive('{"t":"m.nope"}');
    await settle();
    expect(a.faults).toEqual([
      'x: app frame before hello',
      `x: frame of ${MAX_FRAME_BYTES + 1} bytes exceeds ${MAX_FRAME_BYTES}`,
      'x: frame of 8 chars is not JSON',
      'x: unknown mesh kind (6 chars)',
    ]);
    expect(a.joinedIds()).toEqual(['x']);
    expect(a.mesh.isJoined('x')).toBe(true);
  });

  it('a goodbye is clientDisconnected; a silent peer is away after the heartbeat timeout and networkDisconnected after the grace period', async () => {
    const [a, b, c] = [node('a'), node('b'), node('c')];
    await link(b, a);
    await link(c, a);
    await settle();
    b.mesh.close();
    await settle();
    expect(a.events('left')).toEqual(['left b clientDisconnected']);

    linkBetween(a, c).mute(); // both ways
    await vi.advanceTimersByTimeAsync(HEARTBEAT_TIMEOUT_MS - HEARTBEAT_INTERVAL_MS);
    expect(a.events('left')).toHaveLength(1); // not yet: silence is shorter than the timeout
    await vi.advanceTimersByTimeAsync(2 * HEARTBEAT_INTERVAL_MS);
    expect(a.events('away')).toEqual(['away c']); // silent past the timeout: away, still a member
    expect(a.events('left')).toHaveLength(1);
    expect(a.mesh.send('c', { t: 'sig' })).toBe(false);
    await vi.advanceTimersByTimeAsync(RECONNECT_GRACE_MS);
    expect(a.events('left')).toEqual(['left b clientDisconnected', 'left c networkDisconnected']);
    expect(a.events('back')).toEqual([]);
    expect(a.mesh.send('c', { t: 'sig' })).toBe(false);
  });

  it('pings keep a quiet but live link up', async () => {
    const [a, b] = [node('a'), node('b')];
    await link(a, b);
    await vi.advanceTimersByTimeAsync(10 * HEARTBEAT_TIMEOUT_MS);
    expect([a.events('left'), b.events('left')]).toEqual([[], []]);
  });

  it('after close() nothing fires, even minutes later, and no timer remains', async () => {
    const [a, b] = [node('a'), node('b')];
    await link(a, b);
    a.mesh.close();
    a.mesh.close(); // safe twice
    b.mesh.close();
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(vi.getTimerCount()).toBe(0);
    expect([a.events('left'), b.events('left')]).toEqual([[], []]);
    expect(a.mesh.send('b', { t: 'sig' })).toBe(false);
  });
});
