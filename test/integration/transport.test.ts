/**
 * The mesh Transport on its own (no Session): real WebRTC (@roamhq/wrtc) and a real PeerServer.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { trackTimers } from './helpers/timer-tracker.js';
import { meshOptions, POLL, RecordingPeer, uniqueSessionId } from './helpers/mesh.js';
import { within } from '../within.js';

const peers: RecordingPeer[] = [];
function peer(sessionId: string, id: string): RecordingPeer {
  const p = new RecordingPeer(sessionId, id);
  peers.push(p);
  return p;
}

afterEach(() => {
  for (const p of peers) p.transport.close();
  peers.length = 0;
});

describe('mesh transport', () => {
  it('links two peers, introduces them, and carries frames both ways in order', async () => {
    const sid = uniqueSessionId('t2');
    const a = peer(sid, 'conn-a');
    const b = peer(sid, 'conn-b');
    expect(await within(a.connect(), 'a to connect')).toEqual({ missing: [] });
    expect(await within(b.connect(), 'b to connect')).toEqual({ missing: [] });
    expect(b.joined.get('conn-a')).toEqual(a.info);
    await expect.poll(() => a.joined.has('conn-b'), { ...POLL, message: 'a to see b joined' }).toBe(true);
    expect(a.joined.get('conn-b')).toEqual(b.info);

    for (let i = 0; i < 100; i++) expect(a.transport.send('conn-b', { t: 'sig', n: i })).toBe(true);
    expect(b.transport.send('conn-a', { t: 'ack', n: 0 })).toBe(true);
    await vi.waitFor(() => {
      expect(b.messages, 'frames a→b').toHaveLength(100);
      expect(a.messages, 'frames b→a').toHaveLength(1);
    }, POLL);
    expect(b.messages.map((m) => (m.frame as { n: number }).n)).toEqual([...Array(100).keys()]);
    expect(b.messages.every((m) => m.from === 'conn-a')).toBe(true);
    expect(a.transport.send('nobody', { t: 'sig' })).toBe(false);
    expect(a.faults).toEqual([]);
    expect(b.faults).toEqual([]);
  });

  it('reports a goodbye as clientDisconnected', async () => {
    const sid = uniqueSessionId('bye');
    const a = peer(sid, 'conn-a');
    const b = peer(sid, 'conn-b');
    await within(a.connect(), 'a to connect');
    await within(b.connect(), 'b to connect');
    await expect.poll(() => a.joined.has('conn-b'), { ...POLL, message: 'a to see b joined' }).toBe(true);
    b.transport.close();
    b.transport.close(); // safe twice
    await expect.poll(() => a.left, { ...POLL, message: 'a to see b leave' }).toHaveLength(1);
    expect(a.left).toEqual([{ id: 'conn-b', reason: 'clientDisconnected' }]);
    expect(a.transport.send('conn-b', { t: 'sig' })).toBe(false);
  });

  it('close() before connect() resolved makes it reject, even at the last step of the join; after, close() is a leave', async () => {
    const sid = uniqueSessionId('abort');
    const a = peer(sid, 'conn-a');
    await within(a.connect(), 'a to connect');
    const outcome = (p: RecordingPeer) => within(p.connect().then(() => 'joined', (err: Error) => err.message), `${p.info.connectionId}'s connect() to settle`);

    const atOnce = peer(sid, 'conn-at-once');
    const settledAtOnce = outcome(atOnce);
    atOnce.transport.close(); // before its first await
    expect(await settledAtOnce).toBe('mesh transport: closed while connecting');

    // The last step: its link to the only member is up and reported, connect() has not returned.
    const atLink = peer(sid, 'conn-at-link');
    const heard = atLink.peerJoined.bind(atLink);
    atLink.peerJoined = (info) => {
      heard(info);
      atLink.transport.close();
    };
    expect(await outcome(atLink)).toBe('mesh transport: closed while connecting');
    expect(atLink.joins).toEqual(['conn-a']);

    const after = peer(sid, 'conn-after');
    expect(await outcome(after)).toBe('joined');
    after.transport.close();
    await expect.poll(() => a.left, { ...POLL, message: 'a to see conn-after leave' }).toContainEqual({ id: 'conn-after', reason: 'clientDisconnected' });
  });

  it('rejects connect() after a few tries, well before joinTimeoutMs, when no PeerServer answers', async () => {
    const lonely = new RecordingPeer(uniqueSessionId('noserver'), 'conn-x', meshOptions(1, { joinTimeoutMs: 60_000 }));
    peers.push(lonely);
    await expect(within(lonely.connect(), 'connect() to give up', 10_000)).rejects.toThrow(/PeerServer did not answer 3 tries in a row/);
  });

  it('leaves no timer pending once every transport is closed', async () => {
    const tracker = trackTimers();
    try {
      const sid = uniqueSessionId('leak');
      const group = ['leak-a', 'leak-b', 'leak-c'].map((id) => peer(sid, id));
      for (const p of group) await within(p.connect(), `${p.info.connectionId} to connect`);
      await expect.poll(() => group.every((p) => p.joined.size === 2), { ...POLL, message: 'a full mesh of three' }).toBe(true);
      expect(tracker.pending().length).toBeGreaterThan(0);
      for (const p of group) p.transport.close();
      // A goodbye may linger up to byeLingerMs (500 ms) to drain; then nothing may remain.
      await expect.poll(() => tracker.pending(), { ...POLL, message: 'every timer to be cleared', timeout: 3_000 }).toEqual([]);
    } finally {
      tracker.restore();
    }
  });
});
