/**
 * Certificate-bound identity on the mesh, with memory links carrying fake DTLS fingerprints:
 * a link only becomes a member's when its remote fingerprint proves the member's id, so a forged
 * `from`, or a second offer for a live member's id, cannot take a member over; the real member
 * re-offering replaces its own link (away + back). Also: member views reconcile a gap.
 */
import { describe, expect, it, vi } from 'vitest';
import { boundConnectionId } from '../../src/identity/fingerprint.js';
import { fakeCertificate, type MemoryLink } from '../../src/mesh/memory-link.js';
import { dial, link, MeshNode, settle, useMemoryWorld } from './mesh-peer.js';

const world = useMemoryWorld();

interface Identity {
  id: string;
  fingerprint: Uint8Array;
  certificate: RTCCertificate;
}

function identity(seed: number): Identity {
  const fingerprint = new Uint8Array(32).map((_, i) => (seed * 31 + i * 7) & 255);
  return { id: boundConnectionId(fingerprint), fingerprint, certificate: fakeCertificate(fingerprint) };
}

/** A mesh whose id is bound to its certificate. */
type Node = MeshNode & { me: Identity };
function node(me: Identity, options: { viewIntervalMs?: number } = {}): Node {
  const config = { viewIntervalMs: options.viewIntervalMs ?? 0, certificate: me.certificate };
  return Object.assign(new MeshNode(world, { connectionId: me.id, creationTime: 1, data: `data-${me.id}` }, config), { me });
}

/**
 * A peer driven by the test, holding `certificate`, that offers to `a` claiming to be `claimedId`
 * (its `from`) and then says hello as `claimedId`.
 */
async function dialAs(a: Node, claimedId: string, certificate: RTCCertificate): Promise<MemoryLink> {
  const { link: scripted } = await dial(world, a, claimedId, certificate);
  scripted.send(JSON.stringify({ t: 'm.hello', info: { connectionId: claimedId, creationTime: 1, data: 'forged' }, intro: false }));
  await settle();
  return scripted;
}

function liveLinkBetween(n: Node, other: Node): MemoryLink | undefined {
  return n.links.find((l) => l.state === 'open' && l.remote && other.links.includes(l.remote));
}

describe('certificate-bound ids', () => {
  it('two members with bound ids link; each link shows both fingerprints', async () => {
    const [a, b] = [node(identity(1)), node(identity(2))];
    await link(a, b);
    expect([a.log, b.log]).toEqual([[`joined ${b.id}`], [`joined ${a.id}`]]);
    const ab = liveLinkBetween(a, b)!;
    expect([ab.localFingerprint, ab.remoteFingerprint]).toEqual([a.me.fingerprint, b.me.fingerprint]);
  });

  it('a dialler whose certificate does not prove the id it claims never becomes that member', async () => {
    const a = node(identity(1));
    const victim = identity(2);
    const forged = await dialAs(a, victim.id, identity(99).certificate);
    expect(a.log).toEqual([]);
    expect(a.faults).toEqual([`${victim.id}: impersonation: the link’s DTLS fingerprint does not prove this connection id`]);
    expect(forged.remote!.state).toBe('closed');
    expect(a.mesh.send(victim.id, { t: 'sig' })).toBe(false);
  });

  it('a new offer for a live member’s id with another fingerprint leaves the real link alone', async () => {
    const [a, b] = [node(identity(1)), node(identity(2))];
    await link(a, b);
    await dialAs(a, b.id, identity(99).certificate);
    expect(a.faults).toHaveLength(1);
    expect(a.log).toEqual([`joined ${b.id}`]); // no away, no back, no leave
    expect(a.mesh.send(b.id, { t: 'sig', n: 1 })).toBe(true);
    await settle();
    expect(b.frames).toEqual([[a.id, { t: 'sig', n: 1 }]]);
  });

  it('the real member offering again (it lost us) replaces its own link: away then back, the old link closed', async () => {
    const [a, b] = [node(identity(1)), node(identity(2))];
    await link(a, b);
    const old = liveLinkBetween(a, b)!;
    const again = await dialAs(a, b.id, b.me.certificate);
    expect(a.faults).toEqual([]);
    expect(a.log).toEqual([`joined ${b.id}`, `away ${b.id}`, `back ${b.id}`]);
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
    expect(b.log).toEqual([`joined ${a.id}`]);
    await vi.advanceTimersByTimeAsync(3_000);
    await settle();
    expect(b.log.sort()).toEqual([`joined ${a.id}`, `joined ${c.id}`].sort());
    expect(c.log.sort()).toEqual([`joined ${a.id}`, `joined ${b.id}`].sort());
  });
});
