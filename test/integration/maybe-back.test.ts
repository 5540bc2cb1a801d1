/**
 * Over real WebRTC and a real PeerServer: a member that leaves with a "maybe back" goodbye (a
 * page reload) and returns with the same id through the rendezvous is the same member to the
 * others (away, then back; never a leave and a join); one that does not return leaves as
 * clientDisconnected after the reload grace. Also: every link exposes both DTLS fingerprints,
 * read from the real session descriptions, and the two ends agree on them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createSimplePeerLink, type MeshLink } from '../../src/mesh/link.js';
import type { MeshOptions } from '../../src/mesh/transport.js';
import { meshOptions, POLL, RecordingPeer, uniqueSessionId } from './helpers/mesh.js';
import { within } from '../within.js';

const peers: RecordingPeer[] = [];
afterEach(() => {
  for (const p of peers) p.transport.close();
  peers.length = 0;
});

const RELOAD_GRACE_MS = 3_000;

/** Three connected peers of a fresh session (a holds the point), and a maker of more. */
async function room(label: string, links: MeshLink[]): Promise<{ a: RecordingPeer; b: RecordingPeer; c: RecordingPeer; make: (id: string) => RecordingPeer }> {
  const sid = uniqueSessionId(label);
  const options: MeshOptions = meshOptions(undefined, {
    reloadGraceMs: RELOAD_GRACE_MS,
    createLink: (o, e) => {
      const link = createSimplePeerLink(o, e);
      links.push(link);
      return link;
    },
  });
  const make = (id: string): RecordingPeer => {
    const p = new RecordingPeer(sid, id, options);
    peers.push(p);
    return p;
  };
  const [a, b, c] = [make(`${label}-a`), make(`${label}-b`), make(`${label}-c`)];
  for (const p of [a, b, c]) await within(p.connect(), `${p.info.connectionId} to connect`);
  await expect.poll(() => a.joined.size === 2 && b.joined.size === 2 && c.joined.size === 2, { ...POLL, message: 'a full mesh of three' }).toBe(true);
  return { a, b, c, make };
}

function closeMaybeBack(p: RecordingPeer): void {
  (p.transport.close as (o?: { maybeBack?: boolean }) => void)({ maybeBack: true });
}

describe('a "maybe back" goodbye', () => {
  it('the same id returning within the reload grace is back on the others, not a new member', async () => {
    const links: MeshLink[] = [];
    const { a, b, c, make } = await room('reload', links);

    // Real links carry both fingerprints, and each end's remote one is the other's local one.
    const open = links.filter((l) => l.state === 'open');
    expect(open).toHaveLength(6);
    for (const l of open) expect([l.localFingerprint?.length, l.remoteFingerprint?.length]).toEqual([32, 32]);
    const locals = new Set(open.map((l) => l.localFingerprint!.join(',')));
    for (const l of open) expect(locals.has(l.remoteFingerprint!.join(','))).toBe(true);

    const cId = c.info.connectionId;
    closeMaybeBack(c);
    await expect.poll(() => a.away.includes(cId) && b.away.includes(cId), { ...POLL, message: 'a and b to see c away after its "maybe back" goodbye' }).toBe(true);
    const reloaded = make(cId);
    await within(reloaded.connect(), 'the reloaded c to connect with the same id');
    await expect.poll(() => a.back.includes(cId) && b.back.includes(cId), { ...POLL, message: 'a and b to see c back' }).toBe(true);
    expect([a.joins.filter((id) => id === cId), b.joins.filter((id) => id === cId)]).toEqual([[cId], [cId]]);
    expect([a.left, b.left]).toEqual([[], []]);
    expect(a.transport.send(cId, { t: 'sig', n: 1 })).toBe(true);
    await expect.poll(() => reloaded.messages.some((m) => (m.frame as { n?: number }).n === 1), { ...POLL, message: 'the reloaded c to receive a frame' }).toBe(true);
    // Past the reload grace nothing changes: it is a member.
    await new Promise((resolve) => setTimeout(resolve, RELOAD_GRACE_MS + 500));
    expect([a.left, b.left]).toEqual([[], []]);
  });

  it('with no return, the others destroy it as clientDisconnected after the reload grace', async () => {
    const { a, b, c } = await room('noreturn', []);
    const cId = c.info.connectionId;
    const at = Date.now();
    closeMaybeBack(c);
    await expect.poll(() => a.away.includes(cId), { ...POLL, message: 'a to see c away' }).toBe(true);
    expect(a.left).toEqual([]);
    await expect.poll(() => a.left.length === 1 && b.left.length === 1, { ...POLL, message: 'a and b to drop c after the reload grace', timeout: RELOAD_GRACE_MS + 5_000 }).toBe(true);
    expect(Date.now() - at).toBeGreaterThanOrEqual(RELOAD_GRACE_MS - 200);
    expect([a.left, b.left]).toEqual([[{ id: cId, reason: 'clientDisconnected' }], [{ id: cId, reason: 'clientDisconnected' }]]);
  });
});
