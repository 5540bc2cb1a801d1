/**
 * A peer whose process dies (SIGKILL: no goodbye, its sockets just vanish) is reported away once
 * the heartbeat noticed, then `connectionDestroyed` with `networkDisconnected` once the grace
 * period passed, and signals to it fail 404.
 */
import { inject, afterEach, describe, expect, it, vi } from 'vitest';
import { SignalError } from '../../src/index.js';
import type { Session } from '../../src/index.js';
import { startChildSession, type ChildSession } from './helpers/child.js';
import { disconnectAll, HEARTBEAT_TIMEOUT_MS, newSession, POLL, RECONNECT_GRACE_MS, uniqueSessionId } from './helpers/mesh.js';
import { within } from '../within.js';

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
    await expect.poll(() => [a, b].every((s) => s.connections.some((c) => c.connectionId === childId)), { ...POLL, message: 'a and b to see the child session' }).toBe(true);
    const childConnection = a.connections.find((c) => c.connectionId === childId)!;
    await within(a.signal({ to: childConnection, type: 'ping', data: 'alive?' }), 'the child to acknowledge a signal');

    // What a and b report about the child, in order: away (the heartbeat heard nothing for
    // HEARTBEAT_TIMEOUT_MS), then destroyed once the grace period passed without it coming back.
    const seen = new Map<Session, string[]>([[a, []], [b, []]]);
    for (const [s, log] of seen) {
      s.on('connectionLinkChanged', (e) => e.connection.connectionId === childId && log.push(e.state));
      s.on('connectionDestroyed', (e) => e.connection.connectionId === childId && log.push(`destroyed ${e.reason}`));
    }
    const killedAt = Date.now();
    child.signal('SIGKILL');
    // The wait bounds a hang (generous for a loaded machine); it times nothing.
    await vi.waitFor(() => {
      for (const [s, log] of seen) expect(log, s.connection!.data).toEqual(['away', 'destroyed networkDisconnected']);
    }, { ...POLL, timeout: 4 * (HEARTBEAT_TIMEOUT_MS + RECONNECT_GRACE_MS) });
    console.log(`[dead-peer] killed peer dropped by both after ${Date.now() - killedAt} ms (heartbeat timeout ${HEARTBEAT_TIMEOUT_MS} ms + grace ${RECONNECT_GRACE_MS} ms)`);

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
