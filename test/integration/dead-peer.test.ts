/**
 * A peer whose process dies (SIGKILL: no goodbye, its sockets just vanish) is reported as
 * `connectionDestroyed` with `networkDisconnected` once the heartbeat noticed and the grace period
 * passed, and signals to it fail 404.
 */
import { inject, afterEach, describe, expect, it } from 'vitest';
import { SignalError } from '../../src/index.js';
import type { ConnectionDestroyedEvent } from '../../src/index.js';
import { startChildSession, type ChildSession } from './helpers/child.js';
import {
  HEARTBEAT_INTERVAL_MS,
  HEARTBEAT_TIMEOUT_MS,
  RECONNECT_GRACE_MS,
  disconnectAll,
  newSession,
  uniqueSessionId,
  waitUntil,
  within,
} from './helpers/mesh.js';

let child: ChildSession | undefined;
afterEach(async () => {
  disconnectAll();
  await child?.stop();
  child = undefined;
});

describe('a killed peer', () => {
  it('is destroyed as networkDisconnected on the others, and a signal to it fails with 404', async () => {
    const sid = uniqueSessionId('killed');
    const [a, b] = [newSession(sid), newSession(sid)];
    await within(a.connect({ data: 'a' }), 'a to connect');
    await within(b.connect({ data: 'b' }), 'b to connect');
    child = await startChildSession(inject('peerServerPort'), sid);
    const childId = child.connectionId;
    await waitUntil(
      () => [a, b].every((s) => s.connections.some((c) => c.connectionId === childId)),
      'a and b to see the child session',
    );
    const childConnection = a.connections.find((c) => c.connectionId === childId)!;
    await within(a.signal({ to: childConnection, type: 'ping', data: 'alive?' }), 'the child to acknowledge a signal');

    const destroyed: ConnectionDestroyedEvent[] = [];
    for (const s of [a, b]) s.on('connectionDestroyed', (e) => destroyed.push(e));
    const killedAt = Date.now();
    child.signal('SIGKILL');
    // Bound: silence for HEARTBEAT_TIMEOUT_MS, noticed at the next check (one interval), then
    // away for the grace period (it might come back), plus slack.
    const boundMs = HEARTBEAT_TIMEOUT_MS + HEARTBEAT_INTERVAL_MS + RECONNECT_GRACE_MS + 2_000;
    await waitUntil(() => destroyed.length === 2, 'connectionDestroyed for the killed child on a and b', boundMs);
    console.log(`[dead-peer] killed peer dropped by both after ${Date.now() - killedAt} ms (heartbeat timeout ${HEARTBEAT_TIMEOUT_MS} ms + grace ${RECONNECT_GRACE_MS} ms)`);
    expect(destroyed.map((e) => [e.connection.connectionId, e.reason])).toEqual([
      [childId, 'networkDisconnected'],
      [childId, 'networkDisconnected'],
    ]);

    const failure = await a.signal({ to: childConnection, data: 'are you there' }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(SignalError);
    expect((failure as SignalError).code).toBe(404);
    // The survivors still talk.
    const toB = a.connections.find((c) => c.connectionId === b.connection!.connectionId)!;
    await within(a.signal({ to: toB, data: 'still here' }), 'a signal between the survivors to be acknowledged');
  });
});
