/**
 * The `OT` namespace over the in-memory network: OpenTok's call forms, its way of failing (errors
 * to completion handlers and to `OT`'s `exception` event, nothing thrown, no unhandled rejection)
 * and the signaling contract as an OpenTok app reads it. The browser proof is
 * test/e2e/opentok-chat.test.ts.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OT, OTError, Publisher, SignalError, Subscriber, type ExceptionEvent, type OTSession, type Transport } from '../../src/index.js';
import { createMemoryNetwork } from '../../src/testing.js';
import { sessionOptions } from '../../src/ot/index.js';

const sessions: OTSession[] = [];
afterEach(() => {
  sessions.splice(0).forEach((s) => s.disconnect());
  OT.off();
  vi.unstubAllGlobals();
});

function otSession(network: ReturnType<typeof createMemoryNetwork>, id = 'room'): OTSession {
  const session = OT.initSession('ignored-api-key', id, { transport: network.transport });
  sessions.push(session);
  return session;
}

function connect(session: OTSession, token = 'T1==token'): Promise<Error | null | undefined> {
  return new Promise((resolve) => session.connect(token, resolve));
}

/** Collects OT's exception events. */
function exceptions(): ExceptionEvent[] {
  const seen: ExceptionEvent[] = [];
  OT.on('exception', (event) => seen.push(event));
  return seen;
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('OT.initSession and connect(token, cb)', () => {
  it('takes (apiKey, sessionId): the apiKey is ignored, the token too; two sessions of one id meet', async () => {
    const network = createMemoryNetwork();
    const alice = otSession(network);
    const bob = OT.initSession('another-key', 'room', { transport: network.transport });
    sessions.push(bob);
    expect(alice.sessionId).toBe('room');
    expect(await connect(alice)).toBeNull();
    expect(await connect(bob, 'another-token')).toBeNull();
    expect(alice.connections.map((c) => c.connectionId)).toEqual([bob.connection!.connectionId]);
    expect(alice).toBeInstanceOf(OT.Session);
  });

  it('refuses a missing session id with OT_INVALID_SESSION_ID (1005), as when the apiKey is left out', () => {
    const call = () => (OT.initSession as (apiKey: string) => unknown)('only-a-session-id');
    expect(call).toThrow(OTError);
    try {
      call();
    } catch (error) {
      expect((error as OTError).name).toBe('OT_INVALID_SESSION_ID');
      expect((error as OTError).code).toBe(1005);
      expect((error as OTError).message).toMatch(/apiKey comes first/);
    }
  });

  it('a failed connect goes to the completion handler and to OT exception 1006, never to an unhandled rejection', async () => {
    const seen = exceptions();
    const failing = (): Transport => ({
      connect: () => Promise.reject(new Error('no PeerServer')),
      send: () => false,
      close() {},
    });
    const session = OT.initSession('', 'room', { transport: failing });
    const error = await new Promise<SignalError | null>((resolve) => session.connect('token', resolve));
    expect(error).toBeInstanceOf(SignalError);
    expect(error!.name).toBe('OT_CONNECT_FAILED');
    // Without a handler, as an OpenTok app may call it: nothing unhandled (vitest fails the run on one).
    session.connect('token');
    await tick();
    expect(seen.map((e) => [e.code, e.title])).toEqual([
      [1006, 'Connect Failed'],
      [1006, 'Connect Failed'],
    ]);
    expect(seen[0]!.target).toBe(OT);
  });
});

describe('signaling as an OpenTok app reads it', () => {
  it('own broadcasts carry event.from.connectionId === session.connection.connectionId; others’ do not', async () => {
    const network = createMemoryNetwork();
    const alice = otSession(network);
    const bob = otSession(network);
    await connect(alice);
    await connect(bob);
    const seenByAlice: string[] = [];
    alice.on('signal:msg', (event) => {
      seenByAlice.push(`${event.from.connectionId === alice.connection!.connectionId ? 'mine' : 'theirs'}:${event.data}`);
    });
    await new Promise((resolve) => alice.signal({ type: 'msg', data: 'from alice' }, resolve));
    await new Promise((resolve) => bob.signal({ type: 'msg', data: 'from bob' }, resolve));
    expect(seenByAlice).toEqual(['mine:from alice', 'theirs:from bob']);
  });

  it('on/once/off take the object form and a context', async () => {
    const network = createMemoryNetwork();
    const session = otSession(network);
    await connect(session);
    const context = { calls: [] as string[] };
    function onMsg(this: typeof context, event: { data: string }) {
      this.calls.push(`on:${event.data}`);
    }
    function onceMsg(this: typeof context, event: { data: string }) {
      this.calls.push(`once:${event.data}`);
    }
    session.on({ 'signal:msg': onMsg }, context);
    session.once({ 'signal:msg': onceMsg }, context);
    await session.signal({ type: 'msg', data: '1' });
    session.off({ 'signal:msg': onMsg }, context);
    await session.signal({ type: 'msg', data: '2' });
    expect(context.calls).toEqual(['on:1', 'once:1']);
  });

  it('a failing signal() without a handler is no unhandled rejection; with one, the handler gets OpenTok’s error', async () => {
    const network = createMemoryNetwork();
    const session = otSession(network); // not connected: 500
    session.signal({ type: 'msg', data: 'lost?' });
    const error = await new Promise<SignalError | null>((resolve) => session.signal({ type: 'msg' }, resolve));
    expect(error!.name).toBe('OT_NOT_CONNECTED');
    expect(error!.code).toBe(500);
    expect(error).toBeInstanceOf(OT.Error);
    await tick();
  });
});

describe('video calls fail in OpenTok’s way', () => {
  it('OT.initPublisher in every form returns a stand-in Publisher and reports OT_NOT_SUPPORTED to its handler and as exception 1500', async () => {
    const seen = exceptions();
    const errors: (Error | null)[] = [];
    const handler = (error: OTError | null) => errors.push(error);
    const publishers = [
      OT.initPublisher(handler),
      OT.initPublisher('publisher', handler),
      OT.initPublisher('publisher', { insertMode: 'append' }, handler),
      OT.initPublisher(),
    ];
    expect(errors).toEqual([]); // asynchronous, as OpenTok's
    await tick();
    expect(errors).toHaveLength(3);
    for (const error of errors) {
      expect(error).toBeInstanceOf(OT.Error);
      expect(error).toMatchObject({ name: 'OT_NOT_SUPPORTED', code: 1500 });
      expect(error!.message).toMatch(/OT\.initPublisher\(\) is not supported/);
    }
    expect(seen.map((e) => [e.code, e.title])).toEqual(Array(4).fill([1500, 'Unable to Publish']));
    for (const publisher of publishers) {
      expect(publisher).toBeInstanceOf(Publisher);
      // What apps call on a publisher: nothing throws.
      const fn = () => {};
      expect(publisher.on('streamCreated', fn).off('streamCreated', fn)).toBe(publisher);
      expect(publisher.publishVideo(false).publishAudio(false)).toBe(publisher);
      expect(publisher.destroy().destroyed).toBe(true);
    }
  });

  it('session.publish and session.subscribe report OT_NOT_SUPPORTED; the session keeps signaling', async () => {
    const network = createMemoryNetwork();
    const session = otSession(network);
    await connect(session);
    const seen = exceptions();
    const publisher = OT.initPublisher();
    const published = await new Promise<{ error: OTError | null; returned: Publisher }>((resolve) => {
      const returned: Publisher = session.publish(publisher, (error) => resolve({ error, returned }));
    });
    expect(published.returned).toBe(publisher);
    expect(published.error).toMatchObject({ name: 'OT_NOT_SUPPORTED', code: 1500 });
    const subscribed = await new Promise<OTError | null>((resolve) => {
      expect(session.subscribe({}, 'subscriber', {}, resolve)).toBeInstanceOf(Subscriber);
    });
    expect(subscribed).toMatchObject({ name: 'OT_NOT_SUPPORTED' });
    expect(seen.map((e) => e.title)).toEqual(['Unable to Publish', 'Unable to Publish', 'Unable to Subscribe']);
    expect(session.getSubscribersForStream()).toEqual([]);
    await expect(session.signal({ type: 'msg', data: 'still here' })).resolves.toBeUndefined();
  });
});

describe('OT.initSession options', () => {
  it('passes mesh-signal options through, reads iceConfig.customServers as iceServers, drops OpenTok-only keys', () => {
    const stun = [{ urls: 'stun:stun.example.test:3478' }];
    expect(
      sessionOptions({
        peerjs: { host: '10.0.0.2', port: 9000 },
        ackTimeout: 5000,
        iceConfig: { includeServers: 'custom', customServers: stun },
        connectionEventsSuppressed: true,
        ipWhitelist: false,
        encryptionSecret: 'secret',
        singlePeerConnection: true,
      }),
    ).toEqual({ peerjs: { host: '10.0.0.2', port: 9000 }, ackTimeout: 5000, iceServers: stun });
    // iceServers given: it wins over iceConfig.
    expect(sessionOptions({ iceServers: [], iceConfig: { customServers: stun } })).toEqual({ iceServers: [] });
    expect(sessionOptions(undefined)).toEqual({});
  });

  it('refuses options that are not an object with OT_INVALID_PARAMETER', () => {
    expect(() => OT.initSession('', 'room', 'peerjs.example' as never)).toThrow(expect.objectContaining({ name: 'OT_INVALID_PARAMETER', code: 1011 }));
  });
});

describe('the rest of OT', () => {
  it('checkSystemRequirements answers 1 where RTCPeerConnection has data channels, else 0', () => {
    vi.stubGlobal('RTCPeerConnection', undefined);
    expect(OT.checkSystemRequirements()).toBe(0);
    vi.stubGlobal('RTCPeerConnection', class {});
    expect(OT.checkSystemRequirements()).toBe(0);
    vi.stubGlobal('RTCPeerConnection', class { createDataChannel() {} });
    expect(OT.checkSystemRequirements()).toBe(1);
  });

  it('getDevices answers OT_NOT_SUPPORTED and no devices', async () => {
    const [error, devices] = await new Promise<[OTError | null, unknown[] | undefined]>((resolve) => OT.getDevices((e, d) => resolve([e, d])));
    expect(error).toMatchObject({ name: 'OT_NOT_SUPPORTED', code: 1500 });
    expect(devices).toBeUndefined();
  });

  it('version is the package version', () => {
    const manifest = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../../package.json'), 'utf8')) as { version: string };
    expect(OT.version).toBe(manifest.version);
  });

  it('setLogLevel is kept and gates OT.log; an out-of-range level is ignored', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      OT.setLogLevel(OT.ERROR);
      OT.log('quiet');
      expect(log).not.toHaveBeenCalled();
      OT.setLogLevel(OT.DEBUG);
      OT.setLogLevel(42);
      expect(OT.getLogLevel()).toBe(OT.DEBUG);
      OT.log('loud');
      expect(log).toHaveBeenCalledWith('OT:', 'loud');
    } finally {
      OT.setLogLevel(OT.ERROR);
      log.mockRestore();
    }
  });

  it('detached functions work (apps pass OT.initSession around)', async () => {
    const { initSession, initPublisher } = OT;
    const session = initSession('', 'detached', { transport: createMemoryNetwork().transport });
    sessions.push(session);
    expect(await connect(session)).toBeNull();
    expect(initPublisher()).toBeInstanceOf(Publisher);
  });

  it('OT.Error matches every OT_ error and nothing else', () => {
    expect(new SignalError(400, 'bad')).toBeInstanceOf(OT.Error);
    expect(new Error('plain')).not.toBeInstanceOf(OT.Error);
    expect({ name: 'OT_FAKE' }).not.toBeInstanceOf(OT.Error);
  });
});
