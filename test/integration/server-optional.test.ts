/**
 * After the join the PeerServer is optional: stopping it leaves the mesh signalling, goodbyes
 * arriving, and heartbeats judging members (a silent one is dropped, the live ones are kept).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Session } from '../../src/index.js';
import { startChildSession, type ChildSession } from './helpers/child.js';
import { startPeerServer, type RunningPeerServer } from './helpers/peer-server.js';
import { disconnectAll, meshOptions, newSession, POLL, uniqueSessionId } from './helpers/mesh.js';
import { within } from '../within.js';

let server: RunningPeerServer | undefined;
let child: ChildSession | undefined;
afterEach(async () => {
  disconnectAll();
  await child?.stop();
  await server?.stop();
  server = child = undefined;
});

describe('without the PeerServer', () => {
  it('signals still flow, goodbyes still arrive and the heartbeat drops only the silent member after the server is stopped', async () => {
    server = await startPeerServer();
    const options = meshOptions(server.port);
    const sid = uniqueSessionId('noserver');
    const [a, b, c] = [newSession(sid, options), newSession(sid, options), newSession(sid, options)];
    for (const [s, name] of [[a, 'a'], [b, 'b'], [c, 'c']] as const) await within(s.connect({ data: name }), `${name} to connect`);
    child = await startChildSession(server.port, sid); // a member in its own process, to kill
    const childId = child.connectionId;
    const ids = [a, b, c].map((s) => s.connection!.connectionId).concat(childId);
    const seesAllBut = (s: Session) => ids.filter((id) => id !== s.connection!.connectionId).sort();
    await vi.waitFor(() => {
      for (const s of [a, b, c]) expect(s.connections.map((x) => x.connectionId).sort(), `${s.connection!.data} to see the others and the child`).toEqual(seesAllBut(s));
    }, POLL);
    await server.stop();
    // Everything a and b report from now on: nothing may happen to each other.
    const events: string[] = [];
    const names = new Map<string, string>([[childId, 'child']]);
    for (const [s, n] of [[a, 'a'], [b, 'b'], [c, 'c']] as const) names.set(s.connection!.connectionId, n);
    const name = (id: string) => names.get(id) ?? id;
    for (const [s, who] of [[a, 'a'], [b, 'b']] as const) {
      s.on('connectionLinkChanged', (e) => events.push(`${who}: ${name(e.connection.connectionId)} ${e.state}`));
      s.on('connectionDestroyed', (e) => events.push(`${who}: ${name(e.connection.connectionId)} destroyed ${e.reason}`));
      s.on('sessionReconnecting', () => events.push(`${who}: reconnecting`));
    }

    const got: string[] = [];
    for (const s of [a, b, c]) s.on('signal:after', (e) => got.push(`${s.connection!.data}:${e.data}`));
    await within(c.signal({ type: 'after', data: 'no server' }), 'a broadcast to be acknowledged with the server gone');
    await expect.poll(() => got, { ...POLL, message: 'a, b and c to receive the broadcast' }).toHaveLength(3);
    const toC = a.connections.find((x) => x.connectionId === c.connection!.connectionId)!;
    await within(a.signal({ to: toC, type: 'after', data: 'direct' }), 'a directed signal with the server gone');

    c.disconnect();
    await expect.poll(() => events.slice().sort(), { ...POLL, message: 'a and b to see c leave' }).toEqual(['a: c destroyed clientDisconnected', 'b: c destroyed clientDisconnected']);
    events.length = 0;

    // The child goes silent: a and b notice only through the heartbeat. Reaching that verdict
    // takes more than a heartbeat timeout of checks, all of which a and b survive.
    child.signal('SIGKILL');
    await expect.poll(() => events.slice().sort(), { ...POLL, message: 'a and b to see the silent child away' }).toEqual(['a: child away', 'b: child away']);
    expect(a.connections.map((x) => x.connectionId).sort()).toEqual([b.connection!.connectionId, childId].sort());
    const toB = a.connections.find((x) => x.connectionId === b.connection!.connectionId)!;
    await within(a.signal({ to: toB, type: 'after', data: 'still linked' }), 'a signal between the live members');
  });
});
