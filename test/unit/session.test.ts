import { afterEach, describe, expect, it, vi } from 'vitest';
import { initSession, SignalError, type Session, type Transport } from '../../src/index.js';
import { createMemoryNetwork } from '../../src/testing.js';
import { connectionOf, joinRoom, rejection, settle, type Room } from './helpers.js';

let room: Room | undefined;
afterEach(() => {
  vi.useRealTimers();
  room?.sessions.forEach((s) => s.disconnect());
  room = undefined;
});

describe('connecting', () => {
  it('accepts connect(), connect(cb), connect({ data }, cb) and connect(token, cb)', async () => {
    const network = createMemoryNetwork();
    const forms: Array<(s: Session) => Promise<unknown>> = [
      (s) => s.connect(),
      (s) => new Promise((resolve) => s.connect(resolve)),
      (s) => new Promise((resolve) => s.connect({ data: 'with data' }, resolve)),
      (s) => new Promise((resolve) => s.connect('a-token-from-opentok' as any, resolve)),
    ];
    const datas: string[] = [];
    const sessions: Session[] = [];
    for (const form of forms) {
      const session = initSession('forms', { transport: network.transport });
      sessions.push(session);
      expect(await form(session)).toBeFalsy(); // a handler gets null on success
      expect(session.state).toBe('connected');
      datas.push(session.connection!.data);
    }
    expect(datas).toEqual(['', '', 'with data', '']);
    expect(network.members('forms')).toHaveLength(4);
    sessions.forEach((s) => s.disconnect());
  });

  it('dispatches sessionConnected, then connectionCreated for itself and for each member present, then for newcomers', async () => {
    const network = createMemoryNetwork();
    const first = initSession('order', { transport: network.transport });
    await first.connect({ data: 'first' });
    const second = initSession('order', { transport: network.transport });
    const log: string[] = [];
    second.on('sessionConnected', (e) => log.push(`sessionConnected(${e.connections.map((c) => c.data)})`));
    second.on('connectionCreated', (e) => log.push(`connectionCreated(${e.connection.data})`));
    await second.connect({ data: 'second' });
    const third = initSession('order', { transport: network.transport });
    await third.connect({ data: 'third' });
    await settle();
    expect(log).toEqual(['sessionConnected(first)', 'connectionCreated(second)', 'connectionCreated(first)', 'connectionCreated(third)']);
    expect(second.connections.map((c) => c.data).sort()).toEqual(['first', 'third']);
    [first, second, third].forEach((s) => s.disconnect());
  });

  it('gives each connection an id, a creation time and its data, the same on every peer', async () => {
    const before = Date.now();
    room = await joinRoom(2);
    const [a, b] = room.sessions as [Session, Session];
    const bOnA = connectionOf(a, b);
    expect(bOnA.connectionId).toMatch(/^[0-9a-f]{32}$/);
    expect(bOnA.connectionId).not.toBe(a.connection!.connectionId);
    expect({ ...bOnA }).toEqual({ ...b.connection! });
    expect(bOnA.creationTime).toBeGreaterThanOrEqual(before);
  });

  it('takes connection data of 1000 characters; refuses 1001 with 400', async () => {
    const network = createMemoryNetwork();
    const longest = initSession('big', { transport: network.transport });
    await longest.connect({ data: 'x'.repeat(1000) });
    expect(longest.connection!.data).toHaveLength(1000);
    longest.disconnect();
    const session = initSession('big', { transport: network.transport });
    const error = await rejection(session.connect({ data: 'x'.repeat(1001) }));
    expect([error.code, error.name]).toEqual([400, 'OT_INVALID_PARAMETER']);
    expect(session.state).toBe('disconnected');
  });

  it('a transport that cannot join fails connect with 1006 OT_CONNECT_FAILED', async () => {
    const failing = (): Transport => ({ connect: async () => { throw new Error('server unreachable'); }, send: () => false, close: () => {} });
    const session = initSession('down', { transport: failing });
    const heard = await new Promise<SignalError | null>((resolve) => session.connect(resolve));
    expect([heard?.code, heard?.name]).toEqual([1006, 'OT_CONNECT_FAILED']);
    expect(heard?.message).toMatch(/server unreachable/);
    expect(session.state).toBe('disconnected');
  });

  it('rejects options that would break it later', () => {
    const transport = createMemoryNetwork().transport;
    expect(() => initSession('', { transport })).toThrow(/session id/);
    expect(() => initSession('x', { transport, ackTimeout: -1 })).toThrow(/ackTimeout/);
    expect(() => initSession('x', { transport, ackTimeout: Number.NaN })).toThrow(/ackTimeout/);
  });
});

describe('leaving', () => {
  it('connectionDestroyed says clientDisconnected for a goodbye and networkDisconnected for a lost peer', async () => {
    room = await joinRoom(3);
    const [a, b, c] = room.sessions as [Session, Session, Session];
    const reasons: string[] = [];
    a.on('connectionDestroyed', (e) => reasons.push(`${e.connection.data}:${e.reason}`));
    const disconnected: string[] = [];
    c.on('sessionDisconnected', (e) => disconnected.push(e.reason));
    b.disconnect();
    await settle();
    room.network.kill(c.connection!.connectionId);
    await settle();
    expect(reasons).toEqual(['p1:clientDisconnected', 'p2:networkDisconnected']);
    expect(disconnected).toEqual(['networkDisconnected']);
    expect(a.connections).toEqual([]);
  });

  it('a page being closed (pagehide) disconnects its sessions, so they say goodbye instead of going silent', async () => {
    room = await joinRoom(2);
    const reasons: string[] = [];
    room.sessions.forEach((s) => s.on('sessionDisconnected', (e) => reasons.push(e.reason)));
    const remove = vi.spyOn(globalThis, 'removeEventListener');
    globalThis.dispatchEvent(new Event('pagehide'));
    await settle();
    expect(reasons).toEqual(['clientDisconnected', 'clientDisconnected']);
    expect(room.network.members('room')).toEqual([]);
    expect(remove.mock.calls.filter(([type]) => type === 'pagehide')).toHaveLength(2); // no listener left behind
    remove.mockRestore();
  });

  it('disconnect() fails every signal still awaiting acknowledgement with 500 and is safe twice', async () => {
    room = await joinRoom(2);
    const [a, b] = room.sessions as [Session, Session];
    room.network.drop(() => true);
    const pending = rejection(a.signal({ to: connectionOf(a, b), data: 'x' }));
    const events: string[] = [];
    a.on('sessionDisconnected', (e) => events.push(e.reason));
    a.disconnect();
    a.disconnect();
    const error = await pending;
    expect([error.code, error.name]).toEqual([500, 'OT_NOT_CONNECTED']);
    expect(events).toEqual(['clientDisconnected']);
  });

  it('a disconnected session leaves no timer running, even minutes later', async () => {
    vi.useFakeTimers();
    room = await joinRoom(3, { ackTimeout: 60_000 });
    const [a] = room.sessions as [Session];
    room.network.drop(() => true);
    const pending = Array.from({ length: 5 }, () => rejection(a.signal({ data: 'x' })));
    expect(vi.getTimerCount()).toBe(1); // one ack timer serves every pending signal
    room.sessions.forEach((s) => s.disconnect());
    await Promise.all(pending);
    expect(vi.getTimerCount()).toBe(0);
    const late = vi.fn();
    a.on('signal', late);
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(late).not.toHaveBeenCalled();
  });

  it('connects again after a disconnect, with a new connection id', async () => {
    room = await joinRoom(2);
    const [a, b] = room.sessions as [Session, Session];
    const firstId = a.connection!.connectionId;
    a.disconnect();
    await a.connect({ data: 'again' });
    expect(a.connection!.connectionId).not.toBe(firstId);
    await a.signal({ to: connectionOf(a, b), data: 'back' });
    expect(room.received.get(b)!.map((e) => e.data)).toEqual(['back']);
  });
});

describe('reconnecting', () => {
  it('queues signals while reconnecting and sends them once reconnected; retryAfterReconnect false fails with 500', async () => {
    room = await joinRoom(2);
    const [a, b] = room.sessions as [Session, Session];
    const states: string[] = [];
    a.on({ sessionReconnecting: () => states.push('reconnecting'), sessionReconnected: () => states.push('reconnected') });
    room.network.interrupt(a.connection!.connectionId);
    expect(a.state).toBe('reconnecting');
    expect(a.isConnected()).toBe(true);
    let queuedDone = false;
    const queued = a.signal({ to: connectionOf(a, b), data: 'later' }).then(() => (queuedDone = true));
    const refused = await rejection(a.signal({ to: connectionOf(a, b), data: 'now or never', retryAfterReconnect: false }));
    expect([refused.code, refused.name]).toEqual([500, 'OT_NOT_CONNECTED']);
    await settle();
    expect(queuedDone).toBe(false);
    expect(room.received.get(b)).toEqual([]);
    room.network.restore(a.connection!.connectionId);
    await queued;
    expect(room.received.get(b)!.map((e) => e.data)).toEqual(['later']);
    expect(states).toEqual(['reconnecting', 'reconnected']);
  });

  it('a signal queued while reconnecting fails with 500 if the session disconnects instead', async () => {
    room = await joinRoom(2);
    const [a] = room.sessions as [Session];
    room.network.interrupt(a.connection!.connectionId);
    const queued = rejection(a.signal({ data: 'never' }));
    a.disconnect();
    const error = await queued;
    expect(error.code).toBe(500);
    expect(error.message).toMatch(/while reconnecting/);
  });
});
