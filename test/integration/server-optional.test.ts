/**
 * After the join the PeerServer is optional: stopping it leaves the mesh signalling.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectionDestroyedEvent } from '../../src/index.js';
import { startPeerServer, type RunningPeerServer } from './helpers/peer-server.js';
import { disconnectAll, meshOptions, newSession, uniqueSessionId, waitForFullMesh, waitUntil, within } from './helpers/mesh.js';

let server: RunningPeerServer | undefined;
afterEach(async () => {
  disconnectAll();
  await server?.stop();
  server = undefined;
});

describe('without the PeerServer', () => {
  it('signals still flow and goodbyes still arrive after the server is stopped', async () => {
    server = await startPeerServer();
    const options = meshOptions(server.port);
    const sid = uniqueSessionId('noserver');
    const [a, b, c] = [newSession(sid, options), newSession(sid, options), newSession(sid, options)];
    for (const s of [a, b, c]) await within(s.connect(), 'a member to connect');
    await waitForFullMesh([a, b, c]);
    await server.stop();

    const got: string[] = [];
    for (const s of [a, b, c]) s.on('signal:after', (e) => got.push(`${s.connection!.data || 'x'}:${e.data}`));
    await within(b.signal({ type: 'after', data: 'no server' }), 'a broadcast to be acknowledged with the server gone');
    await waitUntil(() => got.length === 3, 'all three to receive the broadcast');
    const toC = a.connections.find((x) => x.connectionId === c.connection!.connectionId)!;
    await within(a.signal({ to: toC, type: 'after', data: 'direct' }), 'a directed signal with the server gone');

    const log: ConnectionDestroyedEvent[] = [];
    a.on('connectionDestroyed', (e) => log.push(e));
    c.disconnect();
    await waitUntil(() => log.length === 1, 'a to see c leave');
    expect(log[0]!.reason).toBe('clientDisconnected');
    // Still two members after a few heartbeats with the server gone.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(a.connections.map((x) => x.connectionId)).toEqual([b.connection!.connectionId]);
  });
});
