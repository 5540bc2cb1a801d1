import { afterEach, describe, expect, it } from 'vitest';
import type { PeerErrorEvent, Session } from '../../src/index.js';
import { connectionOf, joinRoom, rejection, settle, type Room } from './helpers.js';

let room: Room;
afterEach(() => room?.sessions.forEach((s) => s.disconnect()));

/** b's peerError events while `run` injects frames into b as if a sent them. */
async function faultsOnB(frames: unknown[]): Promise<PeerErrorEvent[]> {
  const [a, b] = room.sessions as [Session, Session];
  const faults: PeerErrorEvent[] = [];
  b.on('peerError', (e) => faults.push(e));
  for (const frame of frames) room.network.inject(a.connection!.connectionId, b.connection!.connectionId, frame);
  await settle();
  return faults;
}

describe('a receiver trusts nothing a peer sends', () => {
  it.each([
    ['a string', 'hello', /not an object/],
    ['null', null, /not an object/],
    ['an array', [1, 2], /not an object/],
    ['a frame with no id', { t: 'sig', type: 'x', data: 'y' }, /no valid id/],
    ['a negative id', { t: 'sig', id: -1, type: 'x', data: 'y' }, /no valid id/],
    ['a fractional id', { t: 'sig', id: 1.5, type: 'x', data: 'y' }, /no valid id/],
    ['an unknown kind', { t: 'evil', id: 3 }, /unknown frame kind/],
    ['a __proto__ kind', JSON.parse('{"t":"__proto__","id":3}'), /unknown frame kind/],
    ['a nak with a made-up code', { t: 'nak', id: 1, code: 200, reason: 'ok' }, /unknown code/],
  ])('drops %s, reports peerError, and keeps working', async (_, frame, reason) => {
    room = await joinRoom(2);
    const [a, b] = room.sessions as [Session, Session];
    const faults = await faultsOnB([frame]);
    expect(faults).toHaveLength(1);
    expect(faults[0]!.reason).toMatch(reason);
    expect(faults[0]!.from?.connectionId).toBe(a.connection!.connectionId);
    expect(room.received.get(b)).toEqual([]);
    await a.signal({ to: connectionOf(a, b), data: 'still fine' });
    expect(room.received.get(b)!.map((e) => e.data)).toEqual(['still fine']);
  });

  it.each([
    ['an invalid type', { type: 'no spaces', data: '' }, 400, /space/],
    ['a type that is not a string', { type: ['x'], data: '' }, 400, /type is not a string/],
    ['data that is not a string', { type: 'x', data: 5 }, 400, /data is not a string/],
    ['oversize data', { type: 'x', data: 'é'.repeat(4097) }, 413, /8194 bytes/],
    ['an oversize type', { type: 'y'.repeat(200), data: '' }, 413, /200 bytes/],
  ])('refuses a signal frame with %s: not dispatched, and the sender\'s completion gets the error', async (_, fields, code, message) => {
    room = await joinRoom(2);
    const [a, b] = room.sessions as [Session, Session];
    // a's real signal 1 is replaced in transit by a corrupted frame with the same id.
    room.network.drop((from, to) => from === a.connection!.connectionId && to === b.connection!.connectionId);
    const sending = a.signal({ to: connectionOf(a, b), type: 'ok', data: 'ok' });
    const faults = await faultsOnB([{ t: 'sig', id: 1, ...fields }]);
    const error = await rejection(sending);
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    expect(error.message).toMatch(/refused the signal/);
    expect(faults).toHaveLength(1);
    expect(room.received.get(b)).toEqual([]);
  });

  it('cuts a peer\'s nak reason to 200 characters', async () => {
    room = await joinRoom(2);
    const [a, b] = room.sessions as [Session, Session];
    room.network.drop((from, to) => from === a.connection!.connectionId && to === b.connection!.connectionId);
    const sending = a.signal({ to: connectionOf(a, b), data: 'x' });
    room.network.inject(b.connection!.connectionId, a.connection!.connectionId, { t: 'nak', id: 1, code: 400, reason: 'z'.repeat(100_000) });
    const error = await rejection(sending);
    expect(error.message.length).toBeLessThan(400);
  });

  it('drops a frame from a connection that is not a member', async () => {
    room = await joinRoom(2);
    const [, b] = room.sessions as [Session, Session];
    const faults: PeerErrorEvent[] = [];
    b.on('peerError', (e) => faults.push(e));
    room.network.inject('stranger', b.connection!.connectionId, { t: 'sig', id: 1, type: 'x', data: 'y' });
    await settle();
    expect(faults.map((f) => [f.from, f.reason])).toEqual([[undefined, 'frame from unknown connection stranger']]);
    expect(room.received.get(b)).toEqual([]);
  });
});
