/**
 * Signals through the Session over the real mesh: directed, broadcast, typed, acknowledged;
 * a burst larger than the channel's buffer arrives whole and in order.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Session, SignalEvent } from '../../src/index.js';
import { disconnectAll, newSession, POLL, uniqueSessionId, waitForFullMesh } from './helpers/mesh.js';
import { within } from '../within.js';

afterEach(disconnectAll);

async function threeSessions(label: string): Promise<Session[]> {
  const sid = uniqueSessionId(label);
  const sessions = [newSession(sid), newSession(sid), newSession(sid)];
  for (const [i, s] of sessions.entries()) await within(s.connect({ data: `s${i}` }), `session ${i} to connect`);
  await waitForFullMesh(sessions);
  return sessions;
}

function record(session: Session): SignalEvent[] {
  const got: SignalEvent[] = [];
  session.on('signal', (e) => got.push(e));
  return got;
}

describe('signals over the mesh', () => {
  it('a directed signal reaches only its target and resolves on its ack', async () => {
    const [a, b, c] = await threeSessions('directed');
    const [gotB, gotC] = [record(b!), record(c!)];
    const toB = a!.connections.find((x) => x.connectionId === b!.connection!.connectionId)!;
    await within(a!.signal({ to: toB, type: 'chat', data: 'hi b' }), 'the directed signal to be acknowledged');
    expect(gotB.map((e) => [e.type, e.data, e.from.connectionId])).toEqual([['chat', 'hi b', a!.connection!.connectionId]]);
    expect(gotC).toEqual([]);
  });

  it('a broadcast reaches everyone (the sender too) and resolves once all acked', async () => {
    const sessions = await threeSessions('broadcast');
    const got = sessions.map(record);
    await within(sessions[1]!.signal({ data: 'to all' }), 'the broadcast to be acknowledged by all');
    await expect.poll(() => got.every((g) => g.length === 1), { ...POLL, message: 'every session to receive the broadcast' }).toBe(true);
    for (const g of got) expect([g[0]!.type, g[0]!.data]).toEqual(['', 'to all']);
  });

  it('typed signals reach signal:<type> listeners only', async () => {
    const [a, b] = await threeSessions('typed');
    const chat: string[] = [];
    const other: string[] = [];
    b!.on('signal:chat', (e) => chat.push(e.data));
    b!.on('signal:other', (e) => other.push(e.data));
    const toB = a!.connections.find((x) => x.connectionId === b!.connection!.connectionId)!;
    await within(a!.signal({ to: toB, type: 'chat', data: '1' }), 'a typed signal to be acknowledged');
    expect(chat).toEqual(['1']);
    expect(other).toEqual([]);
  });

  it('a burst far larger than the channel buffer is queued and arrives in order', async () => {
    const [a, b] = await threeSessions('burst');
    const got = record(b!);
    const toB = a!.connections.find((x) => x.connectionId === b!.connection!.connectionId)!;
    const count = 400; // 400 × 8 KB ≈ 3.2 MB, against a 1 MiB high-water mark per link
    const payload = 'x'.repeat(8_000);
    const sends = Array.from({ length: count }, (_, i) => a!.signal({ to: toB, type: 'bulk', data: `${i}:${payload}` }));
    await within(Promise.all(sends), `${count} signals of 8 KB to be acknowledged`, 45_000);
    expect(got.map((e) => Number(e.data.split(':')[0]))).toEqual([...Array(count).keys()]);
  });
});
