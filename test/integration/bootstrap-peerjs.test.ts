/**
 * The PeerJS bootstrap on its own against a real PeerServer: the newcomer's channel to the holder
 * travels as PeerServer messages (no WebRTC connection to the holder), in order, both ways, and
 * either side's close reaches the other.
 */
import { afterEach, describe, expect, inject, it } from 'vitest';
import { Peer, type DataConnection } from 'peerjs';
import { createPeerJsBootstrap } from '../../src/bootstrap/peerjs.js';
import { rendezvousPeerId } from '../../src/bootstrap/rendezvous-id.js';
import type { Bootstrap, BootstrapChannel } from '../../src/bootstrap/types.js';
import { POLL, uniqueSessionId } from './helpers/mesh.js';
import { within } from '../within.js';

const made: Bootstrap[] = [];
const peers: Peer[] = [];
afterEach(() => {
  for (const b of made) b.close();
  made.length = 0;
  for (const p of peers) p.destroy();
  peers.length = 0;
});

function bootstrap(rendezvousId: string): Bootstrap {
  const b = createPeerJsBootstrap(rendezvousId, {
    host: '127.0.0.1',
    port: inject('peerServerPort'),
    path: '/ms',
    secure: false,
    key: 'peerjs',
    iceServers: [],
    serverTimeoutMs: 5_000,
    dialTimeoutMs: 5_000,
  });
  made.push(b);
  return b;
}

/** A channel's frames and whether it closed. */
function record(channel: BootstrapChannel): { frames: unknown[]; closed: boolean } {
  const r = { frames: [] as unknown[], closed: false };
  channel.listen({ data: (raw) => r.frames.push(raw), closed: () => (r.closed = true) });
  return r;
}

describe('PeerJS bootstrap', () => {
  it('carries frames both ways in order through the PeerServer; the newcomer closing reaches the holder', async () => {
    const rid = rendezvousPeerId(uniqueSessionId('bs'));
    const holder = bootstrap(rid);
    const incoming: BootstrapChannel[] = [];
    expect(await within(holder.claim({ incoming: (ch) => incoming.push(ch), lost: () => {} }), 'the claim')).toBe('held');

    const newcomer = bootstrap(rid);
    expect(await within(newcomer.claim({ incoming: () => {}, lost: () => {} }), 'the second claim')).toBe('taken');
    const channel = await within(newcomer.dial(), 'the dial');
    expect(channel).toBeDefined();
    const atNewcomer = record(channel!);
    for (let i = 0; i < 20; i++) channel!.send(`n${i}`);
    await expect.poll(() => incoming, { ...POLL, message: 'the holder to get the channel' }).toHaveLength(1);
    const atHolder = record(incoming[0]!);
    await expect.poll(() => atHolder.frames, { ...POLL, message: '20 frames at the holder' }).toHaveLength(20);
    expect(atHolder.frames).toEqual([...Array(20).keys()].map((i) => `n${i}`));
    incoming[0]!.send('back');
    await expect.poll(() => atNewcomer.frames, { ...POLL, message: 'the reply at the newcomer' }).toHaveLength(1);
    expect(atNewcomer.frames).toEqual(['back']);

    channel!.close();
    await expect.poll(() => atHolder.closed, { ...POLL, message: 'the holder to see the channel close' }).toBe(true);
    expect(incoming).toHaveLength(1);
    expect(atNewcomer.closed).toBe(false); // closed by us: no callback
  });

  it('the holder closing a channel reaches the newcomer; the holder leaving closes it too', async () => {
    const rid = rendezvousPeerId(uniqueSessionId('bs'));
    const holder = bootstrap(rid);
    const incoming: BootstrapChannel[] = [];
    expect(await within(holder.claim({ incoming: (ch) => incoming.push(ch), lost: () => {} }), 'the claim')).toBe('held');
    const a = bootstrap(rid);
    const b = bootstrap(rid);
    const [ca, cb] = await within(Promise.all([a.dial(), b.dial()]), 'two dials');
    const atA = record(ca!);
    const atB = record(cb!);
    ca!.send('a');
    cb!.send('b');
    await expect.poll(() => incoming, { ...POLL, message: 'two channels at the holder' }).toHaveLength(2);
    const byFirstFrame = new Map<unknown, BootstrapChannel>();
    for (const ch of incoming) ch.listen({ data: (raw) => byFirstFrame.set(raw, ch), closed: () => {} });
    await expect.poll(() => byFirstFrame.size, { ...POLL, message: 'the first frame of each channel' }).toBe(2);
    byFirstFrame.get('a')!.close();
    await expect.poll(() => atA.closed, { ...POLL, message: 'the newcomer to see the holder close its channel' }).toBe(true);
    expect(atB.closed).toBe(false);
    holder.close();
    await expect.poll(() => atB.closed, { ...POLL, message: 'the other newcomer to see the holder go' }).toBe(true);
  });

  it('a holder still serves a newcomer that dials with a PeerJS DataConnection', async () => {
    const rid = rendezvousPeerId(uniqueSessionId('bs'));
    const holder = bootstrap(rid);
    const incoming: BootstrapChannel[] = [];
    expect(await within(holder.claim({ incoming: (ch) => incoming.push(ch), lost: () => {} }), 'the claim')).toBe('held');
    const peer = new Peer({ host: '127.0.0.1', port: inject('peerServerPort'), path: '/ms', secure: false, key: 'peerjs', config: { iceServers: [] }, debug: 0 });
    peers.push(peer);
    await within(new Promise((resolve) => peer.on('open', resolve)), 'the old-style newcomer to register');
    const conn: DataConnection = peer.connect(rid, { reliable: true, serialization: 'raw' });
    const got: unknown[] = [];
    conn.on('data', (d) => got.push(d));
    await within(new Promise((resolve) => conn.on('open', () => resolve(undefined))), 'the DataConnection to open');
    void conn.send('hi');
    await expect.poll(() => incoming, { ...POLL, message: 'the holder to get the DataConnection' }).toHaveLength(1);
    const atHolder = record(incoming[0]!);
    await expect.poll(() => atHolder.frames, { ...POLL, message: 'the frame at the holder' }).toHaveLength(1);
    expect(atHolder.frames).toEqual(['hi']);
    incoming[0]!.send('back');
    await expect.poll(() => got, { ...POLL, message: 'the reply on the DataConnection' }).toHaveLength(1);
    expect(got).toEqual(['back']);
  });
});
