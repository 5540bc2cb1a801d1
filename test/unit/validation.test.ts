import { afterEach, describe, expect, it } from 'vitest';
import { Connection, SignalError, type Session } from '../../src/index.js';
import { connectionOf, joinRoom, rejection, type Room } from './helpers.js';

let room: Room;
afterEach(() => room?.sessions.forEach((s) => s.disconnect()));

async function refusal(session: Session, signal: unknown) {
  const error = await rejection(session.signal(signal as any));
  expect(error).toBeInstanceOf(SignalError);
  expect(error.signal).toBe(signal);
  return error as SignalError;
}

describe('signal() validation, before anything is sent', () => {
  it.each([
    ['a space', 'a b', /space/],
    ['a dot (the SDK allows it, the documentation does not)', 'a.b', /'\.'/],
    ['a non-ASCII letter', 'café', /U\+00E9/],
    ['a slash', 'x/y', /'\/'/],
  ])('refuses a type with %s: 400 OT_INVALID_PARAMETER', async (_, type, hint) => {
    room = await joinRoom(2);
    const error = await refusal(room.sessions[0]!, { type, data: 'x' });
    expect([error.code, error.name]).toEqual([400, 'OT_INVALID_PARAMETER']);
    expect(error.message).toMatch(hint);
    expect(error.message).toMatch(/allowed: A-Z a-z 0-9 - _ ~/);
    expect(room.network.framesSent).toBe(0);
  });

  it('accepts every allowed character and a type of exactly 128 bytes; 129 bytes is 413', async () => {
    room = await joinRoom(1);
    const [s] = room.sessions as [Session];
    await expect(s.signal({ type: 'AZaz09-_~' })).resolves.toBeUndefined();
    await expect(s.signal({ type: 't'.repeat(128) })).resolves.toBeUndefined();
    const error = await refusal(s, { type: 't'.repeat(129) });
    expect([error.code, error.name]).toEqual([413, 'OT_INVALID_PARAMETER']);
  });

  it.each([
    ['type', { type: 42 }, /type must be a string, not number/],
    ['data', { data: { text: 'hi' } }, /data must be a string, not object/],
    ['data', { data: null }, /data must be a string, not null/],
  ])('refuses a %s that is not a string: 400', async (_, signal, message) => {
    room = await joinRoom(1);
    const error = await refusal(room.sessions[0]!, signal);
    expect(error.code).toBe(400);
    expect(error.message).toMatch(message);
  });

  it('counts data in UTF-8 bytes: 8192 passes, 8193 fails with 413, whatever the character count', async () => {
    room = await joinRoom(2);
    const [a, b] = room.sessions as [Session, Session];
    const euro = '€'; // 3 bytes of UTF-8, one UTF-16 unit
    const exact = euro.repeat(2730) + 'ab'; // 8190 + 2 = 8192 bytes, 2732 characters
    const over = euro.repeat(2731); // 8193 bytes, 2731 characters
    const emoji = '😀'.repeat(2048); // 4 bytes each (two UTF-16 units): 8192 bytes
    await expect(a.signal({ to: connectionOf(a, b), data: exact })).resolves.toBeUndefined();
    await expect(a.signal({ to: connectionOf(a, b), data: emoji })).resolves.toBeUndefined();
    expect(room.received.get(b)!.map((e) => e.data)).toEqual([exact, emoji]);
    const error = await refusal(a, { to: connectionOf(a, b), data: over });
    expect([error.code, error.name]).toEqual([413, 'OT_INVALID_PARAMETER']);
    expect(error.message).toMatch(/8193 bytes/);
    const tooManyEmoji = await refusal(a, { data: '😀'.repeat(2048) + 'x' });
    expect(tooManyEmoji.code).toBe(413);
  });

  it('refuses a `to` that is not a Connection of this session with 400', async () => {
    room = await joinRoom(2);
    const [a] = room.sessions as [Session];
    for (const to of ['someone', 42, {}, new Connection('not-a-member', Date.now(), '')]) {
      const error = await refusal(a, { to, data: 'x' });
      expect([error.code, error.name]).toEqual([400, 'OT_INVALID_PARAMETER']);
    }
  });

  it('refuses a `to` that has left with 404 OT_NOT_FOUND', async () => {
    room = await joinRoom(2);
    const [a, b] = room.sessions as [Session, Session];
    const bAsSeenByA = connectionOf(a, b);
    const gone = new Promise((resolve) => a.once('connectionDestroyed', resolve));
    b.disconnect();
    await gone;
    const error = await refusal(a, { to: bAsSeenByA, data: 'x' });
    expect([error.code, error.name]).toEqual([404, 'OT_NOT_FOUND']);
  });

  it('refuses every signal with 500 OT_NOT_CONNECTED before connect and after disconnect', async () => {
    room = await joinRoom(1);
    const [a] = room.sessions as [Session];
    a.disconnect();
    const error = await refusal(a, { data: 'x' });
    expect([error.code, error.name]).toEqual([500, 'OT_NOT_CONNECTED']);
  });

  it('refuses a retryAfterReconnect that is not a boolean with 400', async () => {
    room = await joinRoom(1);
    const error = await refusal(room.sessions[0]!, { data: 'x', retryAfterReconnect: 'yes' });
    expect(error.code).toBe(400);
    expect(error.message).toMatch(/retryAfterReconnect must be a boolean/);
  });

  it('calls the completion handler with the error, and the returned promise does not reject unhandled', async () => {
    room = await joinRoom(1);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const heard = await new Promise<SignalError | null>((resolve) => {
        room.sessions[0]!.signal({ type: 'no way' }, resolve);
      });
      expect(heard?.code).toBe(400);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
