/**
 * Flood limits in a session over the memory network: a sender over `maxSignalsPerSecond` gets
 * 429 OT_RATE_LIMIT_EXCEEDED on the excess while another sender's signals still arrive, and a
 * peer that makes us report errors without end gets at most 10 `peerError` a second.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { PeerErrorEvent, Session } from '../../src/index.js';
import { connectionOf, joinRoom, settle, type Room } from './helpers.js';

let room: Room | undefined;
afterEach(() => room?.sessions.forEach((s) => s.disconnect()));

describe('per-connection inbound rate limit', () => {
  it('refuses what a flooding sender sends past its budget with 429; another sender is not held back', async () => {
    room = await joinRoom(3, { maxSignalsPerSecond: 50 });
    const [flooder, b, quiet] = room.sessions as [Session, Session, Session];
    const toB = connectionOf(flooder, b);
    const flood = Array.from({ length: 200 }, (_, i) => flooder.signal({ to: toB, type: 'flood', data: String(i) }).then(() => 'ok', (e) => e));
    const calm = Array.from({ length: 20 }, (_, i) => quiet.signal({ to: connectionOf(quiet, b), type: 'calm', data: String(i) }));
    const outcomes = await Promise.all(flood);
    await Promise.all(calm); // every signal of the quiet sender was delivered and acknowledged

    const refused = outcomes.filter((o) => o !== 'ok');
    const delivered = outcomes.filter((o) => o === 'ok');
    expect(delivered.length).toBeGreaterThanOrEqual(50);
    expect(delivered.length).toBeLessThan(60); // the burst, plus what refilled while it ran
    expect(refused.length).toBe(200 - delivered.length);
    for (const error of refused) {
      expect([error.code, error.name]).toEqual([429, 'OT_RATE_LIMIT_EXCEEDED']);
      expect(error.message).toMatch(/more than 50 signals per second/);
    }
    const got = room.received.get(b)!;
    expect(got.filter((e) => e.type === 'calm')).toHaveLength(20);
    expect(got.filter((e) => e.type === 'flood')).toHaveLength(delivered.length);
  });

  it('a refused signal may be sent again once the budget refills', async () => {
    room = await joinRoom(2, { maxSignalsPerSecond: 20 });
    const [a, b] = room.sessions as [Session, Session];
    const toB = connectionOf(a, b);
    const first = await Promise.all(Array.from({ length: 30 }, () => a.signal({ to: toB, data: 'x' }).then(() => true, () => false)));
    expect(first.filter((ok) => !ok).length).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 300)); // ~6 tokens back
    await a.signal({ to: toB, data: 'again' });
    expect(room.received.get(b)!.at(-1)!.data).toBe('again');
  });
});

describe('peerError throttle', () => {
  it('reports at most 10 faults a second per source, then says how many it held back', async () => {
    room = await joinRoom(2);
    const [a, b] = room.sessions as [Session, Session];
    const faults: PeerErrorEvent[] = [];
    b.on('peerError', (e) => faults.push(e));
    for (let i = 0; i < 1000; i++) room.network.inject(a.connection!.connectionId, b.connection!.connectionId, 'garbage');
    await settle(50);
    expect(faults).toHaveLength(10);
    await new Promise((resolve) => setTimeout(resolve, 1_050));
    room.network.inject(a.connection!.connectionId, b.connection!.connectionId, 'garbage');
    await settle();
    expect(faults).toHaveLength(11);
    expect(faults[10]!.reason).toBe('frame is not an object (and 990 more from this source held back)');
    expect(faults[10]!.from?.connectionId).toBe(a.connection!.connectionId);
  });
});
