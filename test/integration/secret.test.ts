/**
 * The session secret over real WebRTC (wrtc, real DTLS fingerprints in the SDP) and a real
 * PeerServer: members with the secret form the mesh and signal; a page with a wrong secret or none
 * meets only the empty room its own secret names; one that reaches the members anyway (it knows
 * the rendezvous id) is refused on every link and its connect() fails with 1004.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { initSession, SignalError, type Session } from '../../src/index.js';
import { deriveSessionKey } from '../../src/auth/session-key.js';
import { createPeerJsBootstrap } from '../../src/bootstrap/peerjs.js';
import { secretRendezvousPeerId } from '../../src/bootstrap/rendezvous-id.js';
import { MESH_DEFAULTS } from '../../src/mesh/transport.js';
import { disconnectAll, meshOptions, POLL, RecordingPeer, uniqueSessionId, waitForFullMesh } from './helpers/mesh.js';
import { within } from '../within.js';

const opened: Session[] = [];
afterEach(() => {
  disconnectAll();
  for (const s of opened.splice(0)) s.disconnect();
});

function session(sessionId: string, secret?: string): Session {
  const o = meshOptions();
  const s = initSession(sessionId, {
    peerjs: o.peerjs,
    iceServers: [],
    heartbeatInterval: o.heartbeatIntervalMs,
    heartbeatTimeout: o.heartbeatTimeoutMs,
    joinTimeout: 10_000,
    ...(secret !== undefined ? { secret } : {}),
  });
  opened.push(s);
  return s;
}

describe('session secret over real WebRTC', () => {
  it('members with the secret signal; pages with a wrong secret or none land in their own empty rooms', async () => {
    const sid = uniqueSessionId('secret');
    const [a, b] = [session(sid, 'correct horse'), session(sid, 'correct horse')];
    await within(a.connect({ data: 'a' }), 'a to connect');
    await within(b.connect({ data: 'b' }), 'b to connect');
    await waitForFullMesh([a, b]);
    const got: string[] = [];
    b.on('signal:hi', (e) => got.push(e.data));
    await within(a.signal({ type: 'hi', data: 'with the secret' }), 'a signal between members');
    await expect.poll(() => got, { ...POLL, message: 'b to get the signal' }).toHaveLength(1);

    const wrong = session(sid, 'correct hors');
    const none = session(sid);
    await within(wrong.connect({ data: 'wrong' }), 'the page with a wrong secret to connect (to its own room)');
    await within(none.connect({ data: 'none' }), 'the page without a secret to connect (to its own room)');
    const strangers: string[] = [];
    for (const s of [wrong, none]) s.on('signal', (e) => strangers.push(e.data));
    await within(a.signal({ type: 'hi', data: 'members only' }), 'a broadcast among members');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(wrong.connections).toEqual([]);
    expect(none.connections).toEqual([]);
    expect(strangers).toEqual([]);
    for (const m of [a, b]) expect(m.connections.map((c) => c.data)).toEqual([m === a ? 'b' : 'a']);
  });

  it('a peer that knows the rendezvous id but not the secret is refused on real links: 1004 within seconds', async () => {
    const sid = uniqueSessionId('secret1004');
    const [a, b] = [session(sid, 'right'), session(sid, 'right')];
    await within(a.connect({ data: 'a' }), 'a to connect');
    await within(b.connect({ data: 'b' }), 'b to connect');
    await waitForFullMesh([a, b]);
    // Someone who learnt the rendezvous id (the PeerServer's operator sees it) dials in with a guess.
    const rendezvousId = secretRendezvousPeerId((await deriveSessionKey('right', sid)).rendezvousTag);
    const o = meshOptions(undefined, { secret: 'guess' });
    const intruder = new RecordingPeer(sid, `intruder-${Date.now()}`, {
      ...o,
      bootstrap: () =>
        createPeerJsBootstrap(rendezvousId, {
          host: '127.0.0.1',
          port: o.peerjs!.port!,
          path: o.peerjs!.path!,
          secure: false,
          key: 'peerjs',
          iceServers: [],
          serverTimeoutMs: MESH_DEFAULTS.serverTimeoutMs,
          dialTimeoutMs: MESH_DEFAULTS.serverTimeoutMs,
        }),
    });
    const started = Date.now();
    const error = await within(intruder.connect().then(() => undefined, (e: unknown) => e), 'the intruder\'s connect() to settle');
    expect(error).toBeInstanceOf(SignalError);
    expect([(error as SignalError).code, (error as SignalError).name]).toEqual([1004, 'OT_AUTHENTICATION_ERROR']);
    expect(Date.now() - started).toBeLessThan(10_000); // well before the join timeout
    expect(intruder.joined.size).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const m of [a, b]) expect(m.connections).toHaveLength(1);
  });
});
