/**
 * The mesh's MAX_* bounds, each at its edge (the last value taken, the first one refused), so
 * that moving a bound by one or removing its check fails a test. The numbers are written out,
 * not imported: they are promises. What a hostile peer can push first: sources we relay for
 * (512), relays per source per window (2048), links connecting at once (64), answering links one
 * relay may start (32), links one member's gossip may start (16), newcomers an introducer serves
 * (64); then offers to a peer that never answers (1 + 4 retries) and departed ids remembered (1024).
 * Memory links and a fake clock (test/unit/mesh-peer.ts); offers here carry tokens no link
 * answers, so the links they start stay connecting until their link timeout.
 */
import { describe, expect, it, vi } from 'vitest';
import type { SdpRoute } from '../../src/mesh/mesh.js';
import { Views } from '../../src/mesh/views.js';
import type { MeshFrame } from '../../src/wire/mesh-frames.js';
import { advanceUntil } from './helpers.js';
import { dial, link, MeshNode, settle, TransportPeer, useMemoryWorld } from './mesh-peer.js';

const world = useMemoryWorld();

/** RELAY_WINDOW_MS, written out. */
const RELAY_WINDOW_MS = 10_000;
/** Where a relay's reply would go: nowhere (these sources never need one). */
const nowhere: SdpRoute = () => {};

/** `a`, whose members never go away for silence (scripted peers do not ping). */
function quietNode(id = 'a'): MeshNode {
  return new MeshNode(world, { connectionId: id, creationTime: 1, data: id }, { heartbeatTimeoutMs: 3_600_000 });
}

/** A scripted member `id` of `a` (hello sent); `sdp()` lists the m.sdp frames `a` relayed to it. */
async function member(a: MeshNode, id: string) {
  const { link: l, received } = await dial(world, a, id);
  l.send(JSON.stringify({ t: 'm.hello', info: { connectionId: id, creationTime: 1, data: '' }, intro: false }));
  await settle();
  expect(a.joinedIds()).toContain(id);
  return { link: l, sdp: () => received.filter((f) => (f as MeshFrame).t === 'm.sdp') as MeshFrame[] };
}

/** `source` (a newcomer at a's door) hands `a` an ICE candidate to relay to `to`. */
function relayFrom(a: MeshNode, source: string, to: string, n = 0): void {
  a.mesh.handleSdp({ t: 'm.sdp', from: source, to, lid: `l-${source}-${n}`, sdp: { type: 'candidate', candidate: { candidate: `c${n}`, sdpMLineIndex: 0, sdpMid: '0' } } }, source, nowhere);
}

/** `via` hands `a` an offer from `from` that no link will ever answer. */
function offerFrom(a: MeshNode, from: string, via = from): void {
  a.mesh.handleSdp({ t: 'm.sdp', from, to: a.id, lid: `l-${from}`, sdp: { type: 'offer', sdp: `no-such-offer-${from}` } }, via, nowhere);
}

const ids = (prefix: string, count: number, start = 0) => Array.from({ length: count }, (_, i) => `${prefix}${start + i}`);

describe('sources a member relays for (MAX_RELAY_SOURCES)', () => {
  it('relays for 512 sources in a window; the 513th is refused with a fault; once their window is over there is room again', async () => {
    const a = quietNode();
    const c = await member(a, 'c');
    for (const s of ids('s', 512)) relayFrom(a, s, 'c');
    await settle();
    expect(c.sdp()).toHaveLength(512);
    expect(a.faults).toEqual([]);

    relayFrom(a, 's512', 'c');
    relayFrom(a, 's0', 'c', 1); // a source already counted still gets its relays
    await settle();
    expect(a.faults).toEqual(['s512: relaying for 512 sources already']);
    expect(c.sdp().map((f) => f.t === 'm.sdp' && f.from).slice(512)).toEqual(['s0']);

    await vi.advanceTimersByTimeAsync(RELAY_WINDOW_MS + 1);
    relayFrom(a, 's513', 'c');
    await settle();
    expect(c.sdp()).toHaveLength(514);
    expect(a.faults).toHaveLength(1);
  });
});

describe('relays per source per window (MAX_RELAYS_PER_WINDOW)', () => {
  it('relays 2048 frames of one source in 10 s; the 2049th is dropped with a fault; the next window relays again', async () => {
    const a = quietNode();
    const c = await member(a, 'c');
    for (let n = 0; n < 2048; n++) relayFrom(a, 'n', 'c', n);
    await settle();
    expect(c.sdp()).toHaveLength(2048);
    expect(a.faults).toEqual([]);

    relayFrom(a, 'n', 'c', 2048);
    relayFrom(a, 'other', 'c'); // the budget is per source
    await settle();
    expect(a.faults).toEqual([`n: more than 2048 relays in ${RELAY_WINDOW_MS} ms`]);
    expect(c.sdp().map((f) => f.t === 'm.sdp' && f.from).slice(2048)).toEqual(['other']);

    await vi.advanceTimersByTimeAsync(RELAY_WINDOW_MS + 1);
    relayFrom(a, 'n', 'c', 2049);
    await settle();
    expect(c.sdp()).toHaveLength(2050);
    expect(a.faults).toHaveLength(1);
  });
});

describe('links connecting at once (MAX_CONNECTING_LINKS)', () => {
  it('answers 64 offers that are still connecting; the 65th is refused with a fault; when they time out there is room again', async () => {
    const a = new MeshNode(world, { connectionId: 'a', creationTime: 1, data: 'a' }, { linkTimeoutMs: 1_000 });
    for (const p of ids('p', 64)) offerFrom(a, p);
    await settle();
    expect(a.links.filter((l) => l.state === 'connecting')).toHaveLength(64);
    expect(a.faults).toEqual([]);

    offerFrom(a, 'p64');
    a.mesh.offerTo('q', nowhere); // our own offers count against the same slots
    await settle();
    expect(a.links).toHaveLength(64);
    expect(a.faults).toEqual(['undefined: 64 links already connecting; not linking to another peer now', 'undefined: 64 links already connecting; not linking to another peer now']);

    await vi.advanceTimersByTimeAsync(1_001); // the 64 never open: closed, forgotten
    offerFrom(a, 'p65');
    await settle();
    expect(a.links.filter((l) => l.state === 'connecting')).toHaveLength(1);
  });
});

describe('answering links one relay may start for ids we do not know (MAX_OFFERS_RELAYED_PER_PEER)', () => {
  it('32 offers relayed by one source start 32 links; the 33rd is dropped with a fault; another source still gets its own', async () => {
    const a = quietNode();
    for (const id of ids('made-up-', 32)) offerFrom(a, id, 'relay');
    await settle();
    expect(a.links).toHaveLength(32);
    expect(a.faults).toEqual([]);

    offerFrom(a, 'made-up-32', 'relay');
    offerFrom(a, 'made-up-33', 'another-relay');
    await settle();
    expect(a.links).toHaveLength(33);
    expect(a.faults).toEqual(['relay: 32 links it relayed offers for are forming already; offer dropped']);
  });
});

describe('links one member\'s gossip may start (MAX_LINKS_STARTED_PER_PEER)', () => {
  it('a view of 16 unknown ids starts 16 links; one more id waits for a slot, and is offered once one of them settles', async () => {
    const a = quietNode();
    const b = await member(a, 'b');
    const before = a.links.length;
    const offeredTo = (id: string) => b.sdp().some((f) => f.t === 'm.sdp' && f.to === id && f.sdp.type === 'offer');
    b.link.send(JSON.stringify({ t: 'm.view', members: ids('g', 16) }));
    await settle();
    expect(a.links.length - before).toBe(16);

    b.link.send(JSON.stringify({ t: 'm.view', members: ['g16'] }));
    await settle();
    expect(a.links.length - before).toBe(16);
    expect(offeredTo('g16')).toBe(false);
    expect(a.faults).toEqual([]);
    // Nobody answers the 16: their retries run out, they are forgotten, and g16 gets a slot.
    await vi.advanceTimersByTimeAsync(120_000);
    expect(offeredTo('g16')).toBe(true);
    expect(a.faults).toEqual([]);
  });
});

describe('offers to a peer that never answers (MAX_LINKING_RETRIES)', () => {
  it('are made 5 times (the first and 4 retries through the members), then the peer is forgotten', async () => {
    const config = { linkTimeoutMs: 1_000 };
    const a = new MeshNode(world, { connectionId: 'a', creationTime: 1, data: 'a' }, config);
    const b = new MeshNode(world, { connectionId: 'b', creationTime: 1, data: 'b' }, config);
    await link(a, b); // b relays the re-offers (to nobody)
    const before = a.links.length;
    a.mesh.offerTo('ghost', nowhere);
    await vi.advanceTimersByTimeAsync(120_000); // far more than 5 × (link timeout + backoff ≤ 4 s)
    expect(a.links.length - before).toBe(5);
    expect(a.links.slice(before).every((l) => l.state === 'closed')).toBe(true);
    expect(a.joinedIds()).toEqual(['b']);
    expect(a.faults).toEqual([]);
  });
});

describe('departed ids remembered (MAX_DEPARTURES)', () => {
  const views = () => new Views(0, () => [], () => {});

  it('1024 departures are all remembered as recently gone', () => {
    const v = views();
    for (const id of ids('d', 1024)) v.remember(id);
    expect(v.recentlyGone('d0')).toBe(true);
    expect(v.recentlyGone('d1023')).toBe(true);
  });

  it('the 1025th forgets the oldest (gossip may offer to it again), not the others', () => {
    const v = views();
    for (const id of ids('d', 1025)) v.remember(id);
    expect(v.recentlyGone('d0')).toBe(false);
    expect(v.recentlyGone('d1')).toBe(true);
    expect(v.recentlyGone('d1024')).toBe(true);
  });
});

describe('newcomers an introducer serves at once (MAX_JOINERS)', () => {
  /** A newcomer `id` dials the point and says m.join: what it hears back, and whether it was closed. */
  async function knock(id: string) {
    const bootstrap = world.server.bootstrap('door');
    world.onClose(() => bootstrap.close());
    const channel = (await bootstrap.dial())!;
    const heard: string[] = [];
    let closed = false;
    channel.listen({ data: (raw) => heard.push((JSON.parse(raw as string) as MeshFrame).t), closed: () => (closed = true) });
    channel.send(JSON.stringify({ t: 'm.join', info: { connectionId: id, creationTime: 0, data: '' } } satisfies MeshFrame));
    await settle();
    return { channel, heard, closed: () => closed };
  }

  it('64 newcomers get the member list; the 65th is closed at once; when one goes there is room again', async () => {
    const introducer = new TransportPeer(world, 'introducer', 'door');
    introducer.connect();
    await advanceUntil(() => introducer.result !== undefined, 'the introducer to hold the point');
    const served = [];
    for (const id of ids('n', 64)) served.push(await knock(id));
    expect(served.map((n) => [n.heard, n.closed()])).toEqual(served.map(() => [['m.members'], false]));

    const refused = await knock('n64');
    expect([refused.heard, refused.closed()]).toEqual([[], true]);

    served[0]!.channel.close();
    await settle();
    const next = await knock('n65');
    expect([next.heard, next.closed()]).toEqual([['m.members'], false]);
  });
});
