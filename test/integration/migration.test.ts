/**
 * The introducer goes; the lowest remaining connection id takes over the rendezvous id, and
 * newcomers still get in (retrying with backoff when they arrive in the gap).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectionDestroyedEvent, Session } from '../../src/index.js';
import { startChildSession, type ChildSession } from './helpers/child.js';
import { startPeerServer, type RunningPeerServer } from './helpers/peer-server.js';
import { disconnectAll, meshOptions, newSession, POLL, uniqueSessionId, waitForFullMesh } from './helpers/mesh.js';
import { within } from '../within.js';

let child: ChildSession | undefined;
let server: RunningPeerServer | undefined;
afterEach(async () => {
  disconnectAll();
  await child?.stop();
  await server?.stop();
  child = server = undefined;
});

function destroyedLog(sessions: Session[]): ConnectionDestroyedEvent[] {
  const log: ConnectionDestroyedEvent[] = [];
  for (const s of sessions) s.on('connectionDestroyed', (e) => log.push(e));
  return log;
}

describe('introducer migration', () => {
  it('the introducer leaves, then newcomers join the survivors', async () => {
    const sid = uniqueSessionId('leave');
    const [a, b, c] = [newSession(sid), newSession(sid), newSession(sid)];
    for (const s of [a, b, c]) await within(s.connect(), 'a first member to connect');
    await waitForFullMesh([a, b, c]);
    const log = destroyedLog([b, c]);
    a.disconnect();
    await expect.poll(() => log, { ...POLL, message: 'b and c to see the introducer leave' }).toHaveLength(2);
    expect(log.map((e) => e.reason)).toEqual(['clientDisconnected', 'clientDisconnected']);

    const d = newSession(sid);
    await within(d.connect({ data: 'd' }), 'the newcomer to connect after the introducer left');
    await waitForFullMesh([b, c, d]);
    const e = newSession(sid);
    await within(e.connect({ data: 'e' }), 'a second newcomer to connect');
    await waitForFullMesh([b, c, d, e]);
  });

  it('a newcomer arriving in the gap right after the introducer left gets in', async () => {
    const sid = uniqueSessionId('gap');
    const [a, b, c] = [newSession(sid), newSession(sid), newSession(sid)];
    for (const s of [a, b, c]) await within(s.connect(), 'a first member to connect');
    await waitForFullMesh([a, b, c]);
    a.disconnect();
    const d = newSession(sid);
    await within(d.connect({ data: 'd' }), 'the newcomer to connect in the gap');
    await waitForFullMesh([b, c, d]);
    const b2 = [b, c, d].map((s) => s.connections.length);
    expect(b2).toEqual([2, 2, 2]);
  });

  it('a silently dead introducer (frozen process) is replaced once the server frees its id', async () => {
    // A holder that goes silent keeps its id until the server's alive_timeout. PeerJS clients
    // ping the server every 5 s: with 3 pings' worth, a live holder on a loaded machine keeps its
    // id (it would have to miss two pings in a row), and the frozen one's is freed in the end.
    // The test waits for that event (the newcomer getting in), not for a time.
    server = await startPeerServer(15_000);
    const options = meshOptions(server.port, { joinTimeoutMs: 50_000 });
    const sid = uniqueSessionId('frozen');
    child = await startChildSession(server.port, sid); // first: it holds the rendezvous id
    const [a, b] = [newSession(sid, options), newSession(sid, options)];
    await within(a.connect({ data: 'a' }), 'a to connect');
    await within(b.connect({ data: 'b' }), 'b to connect');
    await expect.poll(() => [a, b].every((s) => s.connections.length === 2), { ...POLL, message: 'a and b to see each other and the child' }).toBe(true);
    const log = destroyedLog([a, b]);
    child.signal('SIGSTOP');
    await expect.poll(() => log, { ...POLL, message: 'a and b to drop the frozen introducer', timeout: 20_000 }).toHaveLength(2);
    expect(log.map((e) => e.reason)).toEqual(['networkDisconnected', 'networkDisconnected']);

    const d = newSession(sid, options);
    await within(d.connect({ data: 'd' }), 'a newcomer to get in once the server freed the dead holder\'s id', 50_000);
    await waitForFullMesh([a, b, d], 40_000);
  }, 120_000);
});
