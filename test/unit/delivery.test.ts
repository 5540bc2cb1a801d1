import { afterEach, describe, expect, it, vi } from 'vitest';
import { SignalError, type Session } from '../../src/index.js';
import { connectionOf, joinRoom, rejection, settle, type Room } from './helpers.js';

let room: Room;
afterEach(() => {
  vi.useRealTimers();
  room?.sessions.forEach((s) => s.disconnect());
});

const dataOf = (room: Room, s: Session) => room.received.get(s)!.map((e) => e.data);

describe('who receives a signal', () => {
  it('a broadcast (no `to`) reaches every connection, the sender included, once each', async () => {
    room = await joinRoom(3);
    const [a, b, c] = room.sessions as [Session, Session, Session];
    await a.signal({ type: 'chat', data: 'hello all' });
    for (const s of [a, b, c]) expect(dataOf(room, s)).toEqual(['hello all']);
    const fromOnB = room.received.get(b)![0]!;
    expect(fromOnB.from.connectionId).toBe(a.connection!.connectionId);
    expect(fromOnB.from.data).toBe('p0');
  });

  it('a directed signal reaches only its target', async () => {
    room = await joinRoom(3);
    const [a, b, c] = room.sessions as [Session, Session, Session];
    await a.signal({ to: connectionOf(a, c), data: 'for c' });
    expect(dataOf(room, c)).toEqual(['for c']);
    expect(dataOf(room, a)).toEqual([]);
    expect(dataOf(room, b)).toEqual([]);
  });

  it('a signal to one\'s own connection is delivered to oneself, after signal() returns', async () => {
    room = await joinRoom(2);
    const [a, b] = room.sessions as [Session, Session];
    const sent = a.signal({ to: a.connection!, data: 'note to self' });
    expect(dataOf(room, a)).toEqual([]);
    await sent;
    expect(dataOf(room, a)).toEqual(['note to self']);
    expect(room.received.get(a)![0]!.from).toBe(a.connection);
    expect(dataOf(room, b)).toEqual([]);
  });

  it('`signal:<type>` listeners get only that type; `signal` gets all; a missing type or data arrives as ""', async () => {
    room = await joinRoom(2);
    const [a, b] = room.sessions as [Session, Session];
    const chat: string[] = [];
    b.on('signal:chat', (e) => chat.push(`${e.type}:${e.data}`));
    await a.signal({ type: 'chat', data: '1' });
    await a.signal({ type: 'other', data: '2' });
    await a.signal({});
    expect(chat).toEqual(['chat:1']);
    expect(room.received.get(b)!.map((e) => [e.type, e.data])).toEqual([['chat', '1'], ['other', '2'], ['', '']]);
  });
});

describe('completion means the target\'s app received it', () => {
  it('completes only after the target dispatched the signal to its listeners', async () => {
    room = await joinRoom(2, { latencyMs: 5 });
    const [a, b] = room.sessions as [Session, Session];
    const order: string[] = [];
    b.on('signal', () => order.push('b dispatched'));
    await a.signal({ to: connectionOf(a, b), data: 'x' }, () => order.push('a completed'));
    await settle();
    expect(order).toEqual(['b dispatched', 'a completed']);
  });

  it('a broadcast completes only when every connection acknowledged', async () => {
    room = await joinRoom(3);
    const [a, b, c] = room.sessions as [Session, Session, Session];
    let cGotIt = false;
    c.on('signal', () => (cGotIt = true));
    const acksToA: string[] = [];
    const slowC = room.network.drop((from, to, frame: any) => {
      if (to === a.connection!.connectionId && frame.t === 'ack') acksToA.push(from);
      return to === c.connection!.connectionId && frame.t === 'sig';
    });
    let done = false;
    const sending = a.signal({ data: 'all' }).then(() => (done = true));
    await expect.poll(() => acksToA, { message: "b's ack on its way to a" }).toEqual([b.connection!.connectionId]);
    await settle(); // it arrives (the memory network delivers on microtasks)
    expect(dataOf(room, b)).toEqual(['all']);
    expect(done).toBe(false); // c has not acknowledged
    slowC();
    room.network.inject(a.connection!.connectionId, c.connection!.connectionId, { t: 'sig', id: 1, type: '', data: 'all' });
    await sending;
    expect(cGotIt).toBe(true);
  });

  it('a target that leaves before acknowledging fails the signal with 404', async () => {
    room = await joinRoom(2);
    const [a, b] = room.sessions as [Session, Session];
    room.network.drop((_, to) => to === b.connection!.connectionId);
    const sending = a.signal({ to: connectionOf(a, b), data: 'lost' });
    room.network.kill(b.connection!.connectionId);
    const error = await rejection(sending);
    expect([error.code, error.name]).toEqual([404, 'OT_NOT_FOUND']);
    expect(error.message).toMatch(/left the session \(networkDisconnected\)/);
  });

  it('no acknowledgement within ackTimeout fails with 408 OT_TIMEOUT', async () => {
    vi.useFakeTimers();
    room = await joinRoom(2, { ackTimeout: 3000 });
    const [a, b] = room.sessions as [Session, Session];
    room.network.drop((_, __, frame: any) => frame.t === 'ack');
    const sending = a.signal({ to: connectionOf(a, b), data: 'x' });
    const caught = rejection(sending);
    await vi.advanceTimersByTimeAsync(2999);
    expect(dataOf(room, b)).toEqual(['x']);
    await vi.advanceTimersByTimeAsync(1);
    const error = await caught;
    expect([error.code, error.name]).toEqual([408, 'OT_TIMEOUT']);
    expect(error.message).toMatch(/within 3000 ms/);
  });

  it('each signal times out ackTimeout after its own send, and no timer stays once all are settled', async () => {
    vi.useFakeTimers();
    room = await joinRoom(2, { ackTimeout: 1000 });
    const [a, b] = room.sessions as [Session, Session];
    const stopDropping = room.network.drop((_, __, frame: any) => frame.t === 'ack');
    const outcomes: string[] = [];
    const track = (name: string, p: Promise<void>) => p.then(() => outcomes.push(`${name} ok`), (e) => outcomes.push(`${name} ${e.code}`));
    const first = track('first', a.signal({ to: connectionOf(a, b), data: '1' }));
    await vi.advanceTimersByTimeAsync(600);
    const second = track('second', a.signal({ to: connectionOf(a, b), data: '2' }));
    await vi.advanceTimersByTimeAsync(400);
    expect(outcomes).toEqual(['first 408']);
    await vi.advanceTimersByTimeAsync(599);
    expect(outcomes).toEqual(['first 408']);
    await vi.advanceTimersByTimeAsync(1);
    await Promise.all([first, second]);
    expect(outcomes).toEqual(['first 408', 'second 408']);
    stopDropping();
    await a.signal({ to: connectionOf(a, b), data: '3' });
    await vi.advanceTimersByTimeAsync(0); // b's ack batch closes on the next task
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a failed broadcast says which connections failed and which acknowledged', async () => {
    vi.useFakeTimers();
    room = await joinRoom(4, { ackTimeout: 1000 });
    const [a, b, c, d] = room.sessions as [Session, Session, Session, Session];
    room.network.drop((from, to) => from === c.connection!.connectionId || to === d.connection!.connectionId);
    const caught = rejection(a.signal({ type: 'all', data: 'x' }));
    room.network.kill(d.connection!.connectionId);
    await vi.advanceTimersByTimeAsync(1000);
    const error: SignalError = await caught;
    expect([error.code, error.name]).toEqual([408, 'OT_TIMEOUT']); // c may still have it: timeout wins
    expect(error.failures.map((f) => [f.connection.data, f.code, f.name])).toEqual([['p3', 404, 'OT_NOT_FOUND'], ['p2', 408, 'OT_TIMEOUT']]);
    expect(error.delivered.map((c) => c.data).sort()).toEqual(['p0', 'p1']);
    expect(error.message).toMatch(/2 of 4 connections did not acknowledge/);
    expect(error.signal).toEqual({ type: 'all', data: 'x' });
  });

  it('a broadcast whose only failures are departures fails with 404', async () => {
    room = await joinRoom(3);
    const [a, , c] = room.sessions as [Session, Session, Session];
    room.network.drop((_, to) => to === c.connection!.connectionId);
    const caught = rejection(a.signal({ data: 'x' }));
    room.network.kill(c.connection!.connectionId);
    const error: SignalError = await caught;
    expect(error.code).toBe(404);
    expect(error.failures).toHaveLength(1);
  });
});

describe('order and duplicates', () => {
  it('500 signals from one sender reach each receiver in the order sent', async () => {
    room = await joinRoom(3, { latencyMs: 1 });
    const [a, b, c] = room.sessions as [Session, Session, Session];
    const sends = Array.from({ length: 500 }, (_, i) => a.signal({ type: 'seq', data: String(i) }));
    await Promise.all(sends);
    const expected = Array.from({ length: 500 }, (_, i) => String(i));
    expect(dataOf(room, b)).toEqual(expected);
    expect(dataOf(room, c)).toEqual(expected);
    expect(dataOf(room, a)).toEqual(expected);
  });

  it('a signal id that arrives twice from one sender is dispatched once and acknowledged both times', async () => {
    room = await joinRoom(2);
    const [a, b] = room.sessions as [Session, Session];
    const acks: unknown[] = [];
    room.network.drop((from, _, frame: any) => (from === b.connection!.connectionId && frame.t === 'ack' ? (acks.push(frame), false) : false));
    const frame = { t: 'sig', id: 7, type: 'dup', data: 'once' };
    room.network.inject(a.connection!.connectionId, b.connection!.connectionId, frame);
    room.network.inject(a.connection!.connectionId, b.connection!.connectionId, frame);
    // The second ack goes with the next batch.
    await expect.poll(() => acks, { message: 'both acks' }).toEqual([{ t: 'ack', id: 7 }, { t: 'ack', id: 7 }]);
    expect(dataOf(room, b)).toEqual(['once']);
  });

  it('acknowledges the first signal of a burst at once and the rest in one frame', async () => {
    room = await joinRoom(2);
    const [a, b] = room.sessions as [Session, Session];
    const acks: any[] = [];
    room.network.drop((from, _, frame: any) => (from === b.connection!.connectionId && frame.t === 'ack' && acks.push(frame), false));
    await Promise.all(Array.from({ length: 5 }, (_, i) => a.signal({ to: connectionOf(a, b), data: String(i) })));
    expect(acks).toEqual([{ t: 'ack', id: 1 }, { t: 'ack', id: 2, ids: [3, 4, 5] }]);
    expect(room.received.get(b)!.map((e) => e.data)).toEqual(['0', '1', '2', '3', '4']);
  });

  it('a session that disconnects still sends the acks it holds', async () => {
    room = await joinRoom(2);
    const [a, b] = room.sessions as [Session, Session];
    const sends = Array.from({ length: 3 }, (_, i) => a.signal({ to: connectionOf(a, b), data: String(i) }));
    await new Promise<void>((resolve) => b.on('signal', (e) => e.data === '2' && resolve()));
    b.disconnect(); // before the batch of acks 2 and 3 went out on the next task
    await expect(Promise.all(sends)).resolves.toBeDefined();
  });

  it('ignores an ack from a connection that was not asked', async () => {
    room = await joinRoom(3);
    const [a, b, c] = room.sessions as [Session, Session, Session];
    room.network.drop((_, to) => to === b.connection!.connectionId);
    let done = false;
    const sending = a.signal({ to: connectionOf(a, b), data: 'x' }).then(() => (done = true), () => (done = true));
    room.network.inject(c.connection!.connectionId, a.connection!.connectionId, { t: 'ack', id: 1 });
    await settle();
    expect(done).toBe(false);
    room.network.inject(b.connection!.connectionId, a.connection!.connectionId, { t: 'ack', id: 1 });
    await sending;
    expect(done).toBe(true);
  });
});
