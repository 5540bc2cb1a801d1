/**
 * Session edge cases from a full read of the code (issue 11): what an app sees around connect,
 * a listener that disconnects, a transport factory that throws, retransmissions and the flood
 * limit, a wall clock set back, and acks in a tab whose timers are throttled.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { initSession, type Session } from '../../src/index.js';
import { createMemoryNetwork } from '../../src/testing.js';
import { AckBatcher } from '../../src/delivery/acks.js';
import { decodeDeliveryFrame, MAX_ACK_IDS, wireForm, type DeliveryFrame } from '../../src/wire/signal-frames.js';
import { connectionOf, joinRoom, rejection, settle, type Room } from './helpers.js';

let room: Room | undefined;
const extra: Session[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
  room?.sessions.forEach((s) => s.disconnect());
  extra.forEach((s) => s.disconnect());
  room = undefined;
  extra.length = 0;
});

describe('connecting', () => {
  it('holds a signal that arrives while connecting until the app has heard sessionConnected', async () => {
    const network = createMemoryNetwork();
    const early = initSession('early', { transport: network.transport });
    extra.push(early);
    await early.connect({ data: 'early' });
    // The member greets every newcomer the moment it learns of it: before the newcomer is connected.
    const greeted: Promise<void>[] = [];
    early.on('connectionCreated', (e) => {
      if (e.connection.connectionId !== early.connection!.connectionId) greeted.push(early.signal({ to: e.connection, type: 'hi', data: 'welcome' }));
    });
    const late = initSession('early', { transport: network.transport });
    extra.push(late);
    const seen: string[] = [];
    late.on('sessionConnected', () => seen.push(`sessionConnected(${late.state})`));
    late.on('signal:hi', (e) => seen.push(`signal ${e.data} while ${late.state}`));
    await late.connect({ data: 'late' });
    await vi.waitFor(() => expect(greeted).toHaveLength(1));
    await greeted[0];
    expect(seen).toEqual(['sessionConnected(connected)', 'signal welcome while connected']);
  });

  it('rejects (and calls the handler with 1006) when the transport factory throws, instead of throwing', async () => {
    const session = initSession('broken', { transport: () => { throw new Error('no WebRTC here'); } });
    let handled: unknown;
    let promise: Promise<void> | undefined;
    expect(() => { promise = session.connect((error) => { handled = error; }); }).not.toThrow();
    const error = await rejection(promise!);
    expect(error).toMatchObject({ code: 1006, name: 'OT_CONNECT_FAILED' });
    expect(error.message).toContain('no WebRTC here');
    expect(handled).toBe(error);
    expect(session.state).toBe('disconnected');
  });
});

describe('to', () => {
  it('is checked by its connectionId: a copy of a member\'s Connection reaches it, an unknown id is 400', async () => {
    room = await joinRoom(2);
    const [a, b] = room.sessions as [Session, Session];
    const copy = { ...connectionOf(a, b) };
    await a.signal({ to: copy as never, type: 'chat', data: 'by id' });
    expect(room.received.get(b)!.map((e) => e.data)).toEqual(['by id']);
    expect(await rejection(a.signal({ to: { connectionId: 'nobody-here' } as never, data: 'x' }))).toMatchObject({ code: 400 });
  });
});

describe('a listener that disconnects', () => {
  it('still acknowledges the signal it was handed: the sender completes without error', async () => {
    room = await joinRoom(2);
    const [a, b] = room.sessions as [Session, Session];
    b.on('signal:bye', () => b.disconnect());
    await expect(a.signal({ to: connectionOf(a, b), type: 'bye', data: 'last words' })).resolves.toBeUndefined();
    expect(room.received.get(b)!.map((e) => e.data)).toEqual(['last words']);
  });
});

describe('the flood limit', () => {
  it('does not count retransmissions of a signal already dispatched (no 429 for a delivered signal)', async () => {
    room = await joinRoom(2, { maxSignalsPerSecond: 2 });
    const [a, b] = room.sessions as [Session, Session];
    const refusals: string[] = [];
    b.on('peerError', (e) => refusals.push(e.reason));
    await a.signal({ to: connectionOf(a, b), type: 'chat', data: 'once' });
    // The same frame again and again, as a sender whose acks were lost would resend it.
    for (let i = 0; i < 10; i++) room.network.inject(a.connection!.connectionId, b.connection!.connectionId, { t: 'sig', id: 1, type: 'chat', data: 'once' });
    await settle();
    expect(refusals).toEqual([]);
    // The budget is intact: a new signal goes through; the one after it is over the limit.
    await expect(a.signal({ to: connectionOf(a, b), type: 'chat', data: 'twice' })).resolves.toBeUndefined();
    expect(await rejection(a.signal({ to: connectionOf(a, b), type: 'chat', data: 'thrice' }))).toMatchObject({ code: 429 });
    expect(room.received.get(b)!.map((e) => e.data)).toEqual(['once', 'twice']);
  });
});

describe('clocks', () => {
  it('times a signal out after ackTimeout even when the wall clock is set back meanwhile', async () => {
    room = await joinRoom(2, { ackTimeout: 50 });
    const [a, b] = room.sessions as [Session, Session];
    room.network.drop((from, to) => from === b.connection!.connectionId && to === a.connection!.connectionId);
    const pending = rejection(a.signal({ to: connectionOf(a, b), type: 'chat', data: 'unheard' }));
    const setBack = Date.now() - 3_600_000;
    vi.spyOn(Date, 'now').mockReturnValue(setBack); // an hour back, as a user fixing the clock would
    await vi.waitFor(async () => expect(await Promise.race([pending, 'still waiting'])).toMatchObject({ code: 408 }), { timeout: 2_000 });
  });

  it('splits a batch of more acks than one frame may carry into frames a receiver accepts', async () => {
    const sent: DeliveryFrame[] = [];
    const acks = new AckBatcher((_to, frame) => sent.push(frame));
    const count = 1 + MAX_ACK_IDS + 900; // a resent window and new signals in one task can pass the frame's bound
    for (let id = 1; id <= count; id++) acks.ack('x', id);
    acks.flush();
    const acked: number[] = [];
    for (const frame of sent) {
      const decoded = decodeDeliveryFrame(wireForm(frame));
      expect(decoded.ok, JSON.stringify(decoded).slice(0, 200)).toBe(true);
      if (decoded.ok && decoded.frame.t === 'ack') acked.push(decoded.frame.id, ...(decoded.frame.ids ?? []));
    }
    expect(sent).toHaveLength(3);
    expect(acked).toEqual(Array.from({ length: count }, (_, i) => i + 1));
  });

  it('sends a burst\'s batched acks on the next task without waiting for a (throttled) timer', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    const sent: unknown[] = [];
    const acks = new AckBatcher((to, frame) => sent.push([to, frame]));
    acks.ack('x', 1);
    acks.ack('x', 2);
    acks.ack('x', 3);
    expect(sent).toEqual([['x', { t: 'ack', id: 1 }]]);
    // No fake timer is ever advanced (vi.waitFor would): only a real next task may run.
    for (let turn = 0; turn < 100 && sent.length < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toHaveLength(2);
    expect(sent[1]).toEqual(['x', { t: 'ack', id: 2, ids: [3] }]);
  });

  it('one wake-up channel serves every batcher and every burst: a flushed batcher is not woken again, later bursts are', async () => {
    const sent: unknown[] = [];
    const one = new AckBatcher((to, frame) => sent.push(['one', to, frame]));
    const two = new AckBatcher((to, frame) => sent.push(['two', to, frame]));
    const nextTasks = async (done: () => boolean) => {
      for (let turn = 0; turn < 100 && !done(); turn++) await new Promise((resolve) => setImmediate(resolve));
    };
    for (const id of [1, 2, 3]) one.ack('x', id);
    for (const id of [1, 2]) two.ack('y', id);
    one.flush(); // sent now: its scheduled wake-up must not send anything twice
    await nextTasks(() => sent.length >= 4);
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toEqual([
      ['one', 'x', { t: 'ack', id: 1 }],
      ['two', 'y', { t: 'ack', id: 1 }],
      ['one', 'x', { t: 'ack', id: 2, ids: [3] }],
      ['two', 'y', { t: 'ack', id: 2 }],
    ]);
    sent.length = 0;
    for (const id of [4, 5, 6]) one.ack('x', id); // a second burst: a new wake-up
    await nextTasks(() => sent.length >= 2);
    expect(sent).toEqual([
      ['one', 'x', { t: 'ack', id: 4 }],
      ['one', 'x', { t: 'ack', id: 5, ids: [6] }],
    ]);
  });
});
