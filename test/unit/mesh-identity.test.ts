/**
 * Certificate-bound identity on the mesh, with memory links carrying fake DTLS fingerprints:
 * a link only becomes a member's when its remote fingerprint proves the member's id, so a forged
 * `from`, or a second offer for a live member's id, cannot take a member over; the real member
 * re-offering replaces its own link (away + back). Also: member views reconcile a gap.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ConnectionInfo } from '../../src/connection.js';
import { boundConnectionId } from '../../src/identity/fingerprint.js';
import type { LinkFactory, LinkOptions } from '../../src/mesh/link.js';
import { createMemoryLinks, fakeCertificate, type MemoryLink, type MemoryLinks } from '../../src/mesh/memory-link.js';
import { Mesh, type SdpRoute } from '../../src/mesh/mesh.js';
import type { LeaveReason, TransportEvents } from '../../src/transport/types.js';
import type { SdpPayload } from '../../src/wire/mesh-frames.js';

let memoryLinks: MemoryLinks = createMemoryLinks();

class Recorder implements TransportEvents {
  log: string[] = [];
  faults: string[] = [];
  messages: Array<[string, unknown]> = [];
  peerJoined(peer: ConnectionInfo): void {
    this.log.push(`joined ${peer.connectionId}`);
  }
  peerAway(id: string): void {
    this.log.push(`away ${id}`);
  }
  peerBack(id: string): void {
    this.log.push(`back ${id}`);
  }
  peerLeft(id: string, reason: LeaveReason): void {
    this.log.push(`left ${id} ${reason}`);
  }
  message(from: string, frame: unknown): void {
    this.messages.push([from, frame]);
  }
  reconnecting(): void {}
  reconnected(): void {}
  disconnected(): void {}
  peerFault(id: string | undefined, reason: string): void {
    this.faults.push(`${id}: ${reason}`);
  }
}

interface Identity {
  id: string;
  fingerprint: Uint8Array;
  certificate: RTCCertificate;
}

function identity(seed: number): Identity {
  const fingerprint = new Uint8Array(32).map((_, i) => (seed * 31 + i * 7) & 255);
  return { id: boundConnectionId(fingerprint), fingerprint, certificate: fakeCertificate(fingerprint) };
}

interface Node {
  id: string;
  me: Identity;
  mesh: Mesh;
  events: Recorder;
  links: MemoryLink[];
}

const nodes: Node[] = [];
function node(me: Identity, options: { viewIntervalMs?: number } = {}): Node {
  const events = new Recorder();
  const links: MemoryLink[] = [];
  const createLink: LinkFactory = (o, e) => {
    const link = memoryLinks.factory(o, e) as MemoryLink;
    links.push(link);
    return link;
  };
  const mesh = new Mesh(
    { connectionId: me.id, creationTime: 1, data: `data-${me.id}` },
    {
      iceServers: [],
      linkTimeoutMs: 10_000,
      heartbeatIntervalMs: 1_000,
      heartbeatTimeoutMs: 4_000,
      byeLingerMs: 500,
      reconnectGraceMs: 20_000,
      reloadGraceMs: 5_000,
      relinkInitialMs: 250,
      relinkMaxMs: 4_000,
      viewIntervalMs: options.viewIntervalMs ?? 0,
      certificate: me.certificate,
      createLink,
    },
    { events, joinerRoute: () => undefined, holding: () => false, introducerSeen: () => {}, joined: () => {}, left: () => {} },
  );
  const n = { id: me.id, me, mesh, events, links };
  nodes.push(n);
  return n;
}

function route(from: Node, to: Node): SdpRoute {
  return (frame) => queueMicrotask(() => frame.t === 'm.sdp' && to.mesh.handleSdp(frame, from.id, route(to, from)));
}

async function settle(): Promise<void> {
  await vi.advanceTimersByTimeAsync(0);
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

async function link(a: Node, b: Node): Promise<void> {
  a.mesh.offerTo(b.id, route(a, b));
  await settle();
}

/**
 * A peer driven by the test, holding `certificate`, that offers to `a` claiming to be `claimedId`
 * (its `from`) and then says hello as `claimedId`.
 */
async function dialAs(a: Node, claimedId: string, certificate: RTCCertificate): Promise<MemoryLink> {
  let offer: SdpPayload | undefined;
  const scripted = memoryLinks.factory({ initiator: true, certificate } as LinkOptions, { sdp: (sdp) => (offer = sdp), open: () => {}, data: () => {}, closed: () => {} }) as MemoryLink;
  await settle();
  if (offer?.type !== 'offer') throw new Error('scripted peer made no offer');
  const token = offer.sdp;
  const back: SdpRoute = (frame) => {
    if (frame.t === 'm.sdp' && frame.sdp.type === 'answer') {
      const answer = frame.sdp;
      queueMicrotask(() => scripted.signal(answer));
    }
  };
  a.mesh.handleSdp({ t: 'm.sdp', from: claimedId, to: a.id, lid: token, sdp: { type: 'offer', sdp: token } }, claimedId, back);
  await settle();
  if (scripted.state !== 'open') throw new Error('scripted peer did not link');
  scripted.send(JSON.stringify({ t: 'm.hello', info: { connectionId: claimedId, creationTime: 1, data: 'forged' }, intro: false }));
  await settle();
  return scripted;
}

function liveLinkBetween(n: Node, other: Node): MemoryLink | undefined {
  return n.links.find((l) => l.state === 'open' && l.remote && other.links.includes(l.remote));
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  for (const n of nodes) n.mesh.close();
  nodes.length = 0;
  memoryLinks = createMemoryLinks();
  vi.useRealTimers();
});

describe('certificate-bound ids', () => {
  it('two members with bound ids link; each link shows both fingerprints', async () => {
    const [a, b] = [node(identity(1)), node(identity(2))];
    await link(a, b);
    expect([a.events.log, b.events.log]).toEqual([[`joined ${b.id}`], [`joined ${a.id}`]]);
    const ab = liveLinkBetween(a, b)!;
    expect([ab.localFingerprint, ab.remoteFingerprint]).toEqual([a.me.fingerprint, b.me.fingerprint]);
  });

  it('a dialler whose certificate does not prove the id it claims never becomes that member', async () => {
    const a = node(identity(1));
    const victim = identity(2);
    const forged = await dialAs(a, victim.id, identity(99).certificate);
    expect(a.events.log).toEqual([]);
    expect(a.events.faults).toEqual([`${victim.id}: impersonation: the link’s DTLS fingerprint does not prove this connection id`]);
    expect(forged.remote!.state).toBe('closed');
    expect(a.mesh.send(victim.id, { t: 'sig' })).toBe(false);
  });

  it('a new offer for a live member’s id with another fingerprint leaves the real link alone', async () => {
    const [a, b] = [node(identity(1)), node(identity(2))];
    await link(a, b);
    await dialAs(a, b.id, identity(99).certificate);
    expect(a.events.faults).toHaveLength(1);
    expect(a.events.log).toEqual([`joined ${b.id}`]); // no away, no back, no leave
    expect(a.mesh.send(b.id, { t: 'sig', n: 1 })).toBe(true);
    await settle();
    expect(b.events.messages).toEqual([[a.id, { t: 'sig', n: 1 }]]);
  });

  it('the real member offering again (it lost us) replaces its own link: away then back, the old link closed', async () => {
    const [a, b] = [node(identity(1)), node(identity(2))];
    await link(a, b);
    const old = liveLinkBetween(a, b)!;
    const again = await dialAs(a, b.id, b.me.certificate);
    expect(a.events.faults).toEqual([]);
    expect(a.events.log).toEqual([`joined ${b.id}`, `away ${b.id}`, `back ${b.id}`]);
    expect(old.state).toBe('closed');
    // Frames to b now go on the new link only.
    const open = a.links.filter((l) => l.state === 'open');
    expect(open.map((l) => l.remote)).toEqual([again]);
    expect(a.mesh.send(b.id, { t: 'sig' })).toBe(true);
  });
});

describe('views', () => {
  it('two members that never heard of each other link once one of them gets a view from a common member', async () => {
    const [a, b, c] = [node(identity(1), { viewIntervalMs: 1_000 }), node(identity(2), { viewIntervalMs: 1_000 }), node(identity(3), { viewIntervalMs: 1_000 })];
    await link(b, a);
    await link(c, a); // nobody is the introducer: no m.peers, so b and c do not know each other
    expect(b.events.log).toEqual([`joined ${a.id}`]);
    await vi.advanceTimersByTimeAsync(3_000);
    await settle();
    expect(b.events.log.sort()).toEqual([`joined ${a.id}`, `joined ${c.id}`].sort());
    expect(c.events.log.sort()).toEqual([`joined ${a.id}`, `joined ${b.id}`].sort());
  });
});
