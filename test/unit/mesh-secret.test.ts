/**
 * The session secret on the mesh (memory rendezvous, memory links with fake DTLS fingerprints,
 * fake clock): members prove it on every link; a newcomer with a wrong secret or none reaches the
 * members (same rendezvous here, as an invite or a guessed id would give it), is never a member
 * anywhere, and its connect() fails with 1004 within seconds. Also the bounds on what a linked
 * peer can make us do: a link that never finishes its hello is closed, one member's gossip
 * starts at most MAX_LINKS_STARTED_PER_PEER links at once (more of its ids wait, up to MAX_MEMBERS).
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { deriveSessionKey } from '../../src/auth/session-key.js';
import type { LinkKey } from '../../src/auth/link-proof.js';
import { boundConnectionId } from '../../src/identity/fingerprint.js';
import { fakeCertificate, type MemoryLink } from '../../src/mesh/memory-link.js';
import { MAX_CONTROL_FRAMES_PER_SECOND, MAX_LINKS_STARTED_PER_PEER, MAX_OFFERS_RELAYED_PER_PEER } from '../../src/mesh/mesh.js';
import { MAX_MEMBERS } from '../../src/wire/mesh-frames.js';
import { SignalError } from '../../src/signal/errors.js';
import type { JoinResult } from '../../src/transport/types.js';
import { advanceUntil } from './helpers.js';
import { dial, MeshNode, settle, TransportPeer, useMemoryWorld } from './mesh-peer.js';

const SESSION = 'secret-room';
const HELLO_TIMEOUT_MS = 2_000;
const world = useMemoryWorld();

let seedCounter = 0;
function identity() {
  const seed = ++seedCounter;
  const fingerprint = new Uint8Array(32).map((_, i) => (seed * 37 + i * 11) & 255);
  return { id: boundConnectionId(fingerprint), certificate: fakeCertificate(fingerprint) };
}

/** One client over the memory rendezvous and memory links: its transport and what it saw. */
class Client extends TransportPeer {
  connectedAtMs = 0;
  settledAtMs = 0;

  constructor(secret: string | undefined) {
    const me = identity();
    super(world, me.id, SESSION, { certificate: me.certificate, joinTimeoutMs: 30_000, helloTimeoutMs: HELLO_TIMEOUT_MS, ...(secret !== undefined ? { secret } : {}) });
  }

  override connect(): void {
    this.connectedAtMs = Date.now();
    super.connect();
  }

  protected override settled(result: JoinResult | Error): void {
    super.settled(result);
    this.settledAtMs = Date.now();
  }
}

/** Members with `secret`, joined one after the other into a full mesh. */
async function room(secret: string | undefined, count: number): Promise<Client[]> {
  const clients: Client[] = [];
  for (let i = 0; i < count; i++) {
    const c = new Client(secret);
    c.connect();
    clients.push(c);
    await advanceUntil(() => c.result !== undefined, `member ${i} to connect`);
    expect(c.result).not.toBeInstanceOf(Error);
  }
  await advanceUntil(() => clients.every((c) => c.joinedIds().length === count - 1), `a full mesh of ${count}`);
  return clients;
}

describe('a session secret on the mesh', () => {
  beforeEach(async () => {
    // Stretch the secrets once, outside the fake clock's tests (the keys are cached).
    vi.useRealTimers();
    await Promise.all(['right', 'wrong'].map((s) => deriveSessionKey(s, SESSION)));
    vi.useFakeTimers();
  }, 60_000);

  it('members holding the same secret prove it on every link and form the mesh', async () => {
    const members = await room('right', 3);
    for (const m of members) expect(m.faults.filter((f) => f.includes('authentication'))).toEqual([]);
  });

  it.each([
    ['a wrong secret', 'wrong', /do not share the session secret .*does not match this link/],
    ['no secret', undefined, /do not share the session secret .*(holds no session secret|we hold none)/],
  ])('a newcomer with %s is never a member anywhere, and its connect() fails with 1004 within seconds', async (_, secret, message) => {
    const members = await room('right', 2);
    const stranger = new Client(secret);
    stranger.connect();
    await advanceUntil(() => stranger.result !== undefined, 'the stranger\'s connect() to settle');
    expect(stranger.result).toBeInstanceOf(SignalError);
    const error = stranger.result as SignalError;
    expect([error.code, error.name]).toEqual([1004, 'OT_AUTHENTICATION_ERROR']);
    expect(error.message).toMatch(message);
    expect(stranger.settledAtMs - stranger.connectedAtMs).toBeLessThan(5_000);
    await vi.advanceTimersByTimeAsync(30_000);
    for (const m of members) expect(m.joinedIds()).not.toContain(stranger.info.connectionId);
    // The first refused link ends the stranger's join; its other links may close before their proofs.
    expect(members.some((m) => m.faults.some((f) => f.startsWith(`${stranger.info.connectionId}: authentication failed`)))).toBe(true);
    expect(stranger.joinedIds()).toEqual([]);
  });
});

// ---- Mesh-level bounds, with scripted peers ----

function node(linkKey?: LinkKey): MeshNode {
  const me = identity();
  return new MeshNode(world, { connectionId: me.id, creationTime: 1, data: me.id }, { certificate: me.certificate, linkKey, helloTimeoutMs: HELLO_TIMEOUT_MS });
}

/** A scripted peer (its own certificate) that links to `a` as `peerId`; the test drives its frames. */
async function scriptedPeer(a: MeshNode): Promise<{ link: MemoryLink; id: string; received: unknown[] }> {
  const me = identity();
  return { ...(await dial(world, a, me.id, me.certificate)), id: me.id };
}

describe('bounds on what a linked peer can make us do', () => {
  it('a link that opens and never says hello is closed after the hello timeout', async () => {
    const a = node();
    const silent = await scriptedPeer(a);
    await vi.advanceTimersByTimeAsync(HELLO_TIMEOUT_MS - 100);
    expect(silent.link.state).toBe('open');
    await vi.advanceTimersByTimeAsync(200);
    expect(silent.link.state).toBe('closed');
    expect(a.faults).toEqual([`${silent.id}: no hello within ${HELLO_TIMEOUT_MS} ms of the link opening`]);
    expect(a.log).toEqual([]);
  });

  it('with a secret, a peer that says hello but never proves it is closed after the timeout, never a member', async () => {
    const key = await deriveSessionKey('right', SESSION);
    const a = node(key.linkKey);
    const peer = await scriptedPeer(a);
    // A hello with a nonce, as if it held the secret: a sends its proof and waits for the peer's.
    peer.link.send(JSON.stringify({ t: 'm.hello', info: { connectionId: peer.id, creationTime: 1, data: '' }, intro: false, auth: { nonce: '00'.repeat(16) } }));
    await settle();
    expect(peer.received.map((f) => (f as { t: string }).t)).toEqual(['m.hello', 'm.auth']);
    await vi.advanceTimersByTimeAsync(HELLO_TIMEOUT_MS + 100);
    expect(peer.link.state).toBe('closed');
    expect(a.faults).toEqual([`${peer.id}: no hello and proof within ${HELLO_TIMEOUT_MS} ms of the link opening`]);
    expect(a.log).toEqual([]);
  });

  it('with a secret, a forged proof closes the link at once and the peer never becomes a member', async () => {
    const key = await deriveSessionKey('right', SESSION);
    const a = node(key.linkKey);
    const peer = await scriptedPeer(a);
    peer.link.send(JSON.stringify({ t: 'm.hello', info: { connectionId: peer.id, creationTime: 1, data: '' }, intro: false, auth: { nonce: '00'.repeat(16) } }));
    await settle();
    // Replaying a's own proof back (a reflection) is as wrong as any forgery.
    const aProof = peer.received.find((f) => (f as { t: string }).t === 'm.auth');
    peer.link.send(JSON.stringify(aProof));
    peer.link.send(JSON.stringify({ t: 'sig', id: 1, type: 'x', data: 'smuggled' }));
    await settle();
    expect(peer.link.state).toBe('closed');
    expect(a.faults[0]).toMatch(/authentication failed: the peer's proof does not match this link/);
    expect(a.log).toEqual([]);
  });

  it(`one member's gossip starts at most ${MAX_LINKS_STARTED_PER_PEER} links at once; at most ${MAX_MEMBERS} more of its ids wait, the rest are refused`, async () => {
    const a = node();
    const b = await scriptedPeer(a);
    b.link.send(JSON.stringify({ t: 'm.hello', info: { connectionId: b.id, creationTime: 1, data: '' }, intro: true }));
    await settle();
    expect(a.log).toEqual([`joined ${b.id}`]);
    const before = a.links.length;
    const fakes = Array.from({ length: 100 }, (_, i) => `fake-${i}`);
    b.link.send(JSON.stringify({ t: 'm.peers', members: fakes }));
    await settle();
    expect(a.links.length - before).toBe(MAX_LINKS_STARTED_PER_PEER);
    expect(a.faults).toEqual([]); // 84 wait for a slot
    b.link.send(JSON.stringify({ t: 'm.view', members: Array.from({ length: 200 }, (_, i) => `fake-${i}-again`) }));
    await settle();
    expect(a.links.length - before).toBe(MAX_LINKS_STARTED_PER_PEER);
    expect(a.faults).toEqual([`${b.id}: its gossip named more than ${MAX_MEMBERS} members we have not met; the rest waits for a later view`]);
  });
});

describe('only the real introducer is believed', () => {
  it('a member that falsely claims the rendezvous point does not block succession', async () => {
    const [introducer, ...others] = await room(undefined, 4);
    expect(world.server.holder(SESSION)).toBe(introducer!.bootstrap);
    // The highest id claims the point on all its links, then the real introducer leaves.
    const [successor, , liar] = [...others].sort((x, y) => (x.info.connectionId < y.info.connectionId ? -1 : 1)) as [Client, Client, Client];
    for (const l of liar.links) if (l.state === 'open') l.send(JSON.stringify({ t: 'm.intro' }));
    await vi.advanceTimersByTimeAsync(100);
    introducer!.transport.close();
    await advanceUntil(() => world.server.holder(SESSION) === successor.bootstrap, 'the lowest surviving id to claim the point');
    // And the door works: a newcomer gets in.
    const newcomer = new Client(undefined);
    newcomer.connect();
    await advanceUntil(() => newcomer.joinedIds().length === 3, 'a newcomer to link to the three members');
  });
});

describe('offers relayed by one member', () => {
  it(`start at most ${MAX_OFFERS_RELAYED_PER_PEER} answering links for ids we do not know; the rest are refused`, async () => {
    const a = node();
    const b = await scriptedPeer(a);
    b.link.send(JSON.stringify({ t: 'm.hello', info: { connectionId: b.id, creationTime: 1, data: '' }, intro: false }));
    await settle();
    const before = a.links.length;
    for (let i = 0; i < 40; i++) {
      b.link.send(JSON.stringify({ t: 'm.sdp', from: `made-up-${i}`, to: a.id, lid: `l${i}`, sdp: { type: 'offer', sdp: `no-such-offer-${i}` } }));
    }
    await settle();
    expect(a.links.length - before).toBe(MAX_OFFERS_RELAYED_PER_PEER);
    expect(a.faults.filter((f) => f.includes('links it relayed offers for are forming already'))).toHaveLength(40 - MAX_OFFERS_RELAYED_PER_PEER);
  });
});

describe('mesh control frames are rate limited per peer', () => {
  it(`drops what one peer sends past ${MAX_CONTROL_FRAMES_PER_SECOND}/s (burst twice that) before decoding it; app frames still pass`, async () => {
    const a = node();
    const b = await scriptedPeer(a);
    b.link.send(JSON.stringify({ t: 'm.hello', info: { connectionId: b.id, creationTime: 1, data: '' }, intro: false }));
    await settle();
    expect(a.log).toEqual([`joined ${b.id}`]);
    const burst = 2 * MAX_CONTROL_FRAMES_PER_SECOND;
    for (let i = 0; i < burst + 500; i++) b.link.send('{"t":"m.ping"}');
    b.link.send(JSON.stringify({ t: 'sig', id: 1, type: 'x', data: 'after the flood' }));
    await settle();
    const dropped = a.faults.filter((f) => f.includes('mesh control frames per second'));
    expect(dropped).toHaveLength(501); // the hello took one token
    expect(a.frames).toEqual([[b.id, { t: 'sig', id: 1, type: 'x', data: 'after the flood' }]]);
    await vi.advanceTimersByTimeAsync(1_000); // refilled: control frames are taken again
    b.link.send('{"t":"m.ping"}');
    await settle();
    expect(a.faults.filter((f) => f.includes('mesh control frames per second'))).toHaveLength(501);
    expect(a.log).toEqual([`joined ${b.id}`]);
  });
});
