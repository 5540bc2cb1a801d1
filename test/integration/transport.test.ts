/**
 * The mesh Transport on its own (no Session): real WebRTC (@roamhq/wrtc) and a real PeerServer.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { trackTimers } from './helpers/timer-tracker.js';
import { RecordingPeer, meshOptions, uniqueSessionId, waitUntil, within } from './helpers/mesh.js';

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
    await waitUntil(() => a.joined.has('conn-b'), 'a to see b joined');
    expect(a.joined.get('conn-b')).toEqual(b.info);

    for (let i = 0; i < 100; i++) expect(a.transport.send('conn-b', { t: 'sig', n: i })).toBe(true);
    expect(b.transport.send('conn-a', { t: 'ack', n: 0 })).toBe(true);
    await waitUntil(() => b.messages.length === 100 && a.messages.length === 1, '100 frames a→b and 1 frame b→a');
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
    await waitUntil(() => a.joined.has('conn-b'), 'a to see b joined');
    b.transport.close();
    b.transport.close(); // safe twice
    await waitUntil(() => a.left.length === 1, 'a to see b leave');
    expect(a.left).toEqual([{ id: 'conn-b', reason: 'clientDisconnected' }]);
    expect(a.transport.send('conn-b', { t: 'sig' })).toBe(false);
  });

  it('close() during connect() settles the join: it rejects unless the join had already finished', async () => {
    const sid = uniqueSessionId('abort');
    const a = peer(sid, 'conn-a');
    await within(a.connect(), 'a to connect');
    for (const delayMs of [0, 2, 10]) {
      const b = peer(sid, `conn-b-${delayMs}`);
      const joining = b.connect().then(
        () => 'joined',
        (err: Error) => err.message,
      );
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      b.transport.close();
      const outcome = await within(joining, `connect() to settle after close() at ${delayMs} ms`, 5_000);
      // Closed before the first await finished: always a rejection. Later: the join may have won.
      if (delayMs === 0) expect(outcome).toMatch('closed while connecting');
      else expect(['joined', 'mesh transport: closed while connecting']).toContain(outcome);
    }
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
      await waitUntil(() => group.every((p) => p.joined.size === 2), 'a full mesh of three');
      expect(tracker.pending().length).toBeGreaterThan(0);
      for (const p of group) p.transport.close();
      // A goodbye may linger up to byeLingerMs (500 ms) to drain; then nothing may remain.
      await waitUntil(() => tracker.pending().length === 0, 'every timer to be cleared', 3_000).catch((err: Error) => {
        throw new Error(`${err.message}; pending: ${tracker.pending().join('\n')}`);
      });
    } finally {
      tracker.restore();
    }
  });
});
