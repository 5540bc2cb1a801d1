/**
 * The bootstrap's MAX_* bounds, each at its edge (the last value taken, the first one refused),
 * so that moving a bound by one or removing its check fails a test. The numbers are written out,
 * not imported: they are promises. A newcomer can push the first ones: legacy DataConnections a
 * holder keeps (16), frames waiting for a listener on a legacy channel (64) and on an invite's
 * data channel (256), closed server channels remembered (256); then the session ids encoded
 * whole in a rendezvous id (48 bytes) and an invite code's inflated body (4096 bytes).
 * (A server channel's 64 waiting frames: test/unit/bootstrap-served-channels.test.ts.)
 */
import type { DataConnection } from 'peerjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DataChannelBootstrap } from '../../src/bootstrap/invite.js';
import { LegacyDoor } from '../../src/bootstrap/peerjs-legacy.js';
import { rendezvousPeerId } from '../../src/bootstrap/rendezvous-id.js';
import { ServedChannels } from '../../src/bootstrap/served-channels.js';
import type { PeerSocket } from '../../src/bootstrap/server-channel.js';
import type { BootstrapChannel } from '../../src/bootstrap/types.js';
import { decodeInviteCode } from '../../src/wire/invite-code.js';

/** Calls handlers registered with `on`/`addEventListener` by event name. */
class Emitter {
  private readonly handlers = new Map<string, Array<(arg: unknown) => void>>();
  on(event: string, handler: (arg: unknown) => void): void {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), handler]);
  }
  addEventListener(event: string, handler: (arg: unknown) => void): void {
    this.on(event, handler);
  }
  emit(event: string, arg?: unknown): void {
    for (const handler of this.handlers.get(event) ?? []) handler(arg);
  }
}

/** A stand-in PeerJS DataConnection: the test emits its events; `closed` counts close() calls. */
class FakeConnection extends Emitter {
  open = false;
  closed = 0;
  send(): void {}
  close(): void {
    this.closed++;
  }
}

/** What a listener heard on a channel, and whether it was told the channel closed. */
function listenTo(channel: BootstrapChannel): { heard: unknown[]; closed: () => boolean } {
  const heard: unknown[] = [];
  let closed = false;
  channel.listen({ data: (raw) => heard.push(raw), closed: () => (closed = true) });
  return { heard, closed: () => closed };
}

const frames = (count: number) => Array.from({ length: count }, (_, i) => `f${i}`);

describe('legacy DataConnections a holder keeps (MAX_LEGACY_CHANNELS)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('16 opening at once are kept; the 17th is closed at once; when one goes there is room again', () => {
    const door = new LegacyDoor(10_000);
    const conns = Array.from({ length: 17 }, () => new FakeConnection());
    for (const conn of conns) door.accept(conn as unknown as DataConnection, () => true, () => {});
    expect(conns.map((c) => c.closed)).toEqual([...Array(16).fill(0), 1]);

    conns[0]!.emit('close'); // the newcomer went
    const next = new FakeConnection();
    door.accept(next as unknown as DataConnection, () => true, () => {});
    expect(next.closed).toBe(0);
    const another = new FakeConnection();
    door.accept(another as unknown as DataConnection, () => true, () => {});
    expect(another.closed).toBe(1);
  });
});

describe('frames waiting for a listener on a legacy channel (its MAX_UNHEARD_FRAMES)', () => {
  /** A legacy newcomer whose channel opened; nobody listens yet. */
  function opened(): { conn: FakeConnection; channel: BootstrapChannel } {
    const conn = new FakeConnection();
    let channel: BootstrapChannel | undefined;
    new LegacyDoor(10_000).accept(conn as unknown as DataConnection, () => true, (ch) => (channel = ch));
    conn.emit('open');
    return { conn, channel: channel! };
  }

  it('64 frames wait and reach the listener in order', () => {
    const { conn, channel } = opened();
    for (const f of frames(64)) conn.emit('data', f);
    const heard = listenTo(channel);
    expect(heard.heard).toEqual(frames(64));
    expect([heard.closed(), conn.closed]).toEqual([false, 0]);
    channel.close();
  });

  it('a 65th closes the channel (and the DataConnection); the listener hears only that it closed', () => {
    const { conn, channel } = opened();
    for (const f of frames(65)) conn.emit('data', f);
    expect(conn.closed).toBe(1);
    const heard = listenTo(channel);
    expect([heard.heard, heard.closed()]).toEqual([[], true]);
  });
});

describe('frames waiting for a listener on an invite\'s data channel (its MAX_UNHEARD_FRAMES)', () => {
  /** An invite's channel over a stand-in peer connection and data channel. */
  function channel(): { dc: Emitter & { closed: number }; pc: Emitter & { closed: number }; channel: BootstrapChannel } {
    const pc = Object.assign(new Emitter(), { closed: 0, connectionState: 'connected', close: () => pc.closed++ });
    const dc = Object.assign(new Emitter(), { closed: 0, readyState: 'open', send: () => {}, close: () => dc.closed++ });
    return { pc, dc, channel: new DataChannelBootstrap(pc as unknown as RTCPeerConnection, dc as unknown as RTCDataChannel) };
  }

  it('256 frames wait and reach the listener in order', () => {
    const { dc, pc, channel: ch } = channel();
    for (const f of frames(256)) dc.emit('message', { data: f });
    const heard = listenTo(ch);
    expect(heard.heard).toEqual(frames(256));
    expect([heard.closed(), dc.closed, pc.closed]).toEqual([false, 0, 0]);
    ch.close();
  });

  it('a 257th closes the channel and its peer connection; the listener hears only that it closed', () => {
    const { dc, pc, channel: ch } = channel();
    for (const f of frames(257)) dc.emit('message', { data: f });
    expect([dc.closed, pc.closed]).toEqual([1, 1]);
    const heard = listenTo(ch);
    expect([heard.heard, heard.closed()]).toEqual([[], true]);
  });
});

describe('closed server channels a holder remembers (MAX_CLOSED_REMEMBERED)', () => {
  const socket: PeerSocket = { send() {}, on() {} };
  const frame = (src: string) => ({ kind: 'frame' as const, src, connectionId: 'c', text: '{}' });

  /** Opens and closes a channel from each of `count` newcomers; returns how many channels late frames then open, per sender. */
  function lateFramesOpen(count: number, senders: string[]): number[] {
    const served = new ServedChannels();
    for (let i = 0; i < count; i++) {
      served.route(socket, frame(`n${i}`), () => {});
      served.route(socket, { kind: 'close', src: `n${i}`, connectionId: 'c' }, () => {});
    }
    const opened = senders.map((src) => {
      let n = 0;
      served.route(socket, frame(src), () => n++);
      return n;
    });
    served.closeAll();
    return opened;
  }

  it('after 256 closed, a late frame of each still opens nothing', () => {
    expect(lateFramesOpen(256, ['n0', 'n255'])).toEqual([0, 0]);
  });

  it('the 257th closed forgets the oldest: its late frame opens a channel again; the next oldest is still remembered', () => {
    expect(lateFramesOpen(257, ['n0', 'n1'])).toEqual([1, 0]);
  });
});

describe('session ids encoded whole in the rendezvous id (MAX_ENCODED_BYTES)', () => {
  it('48 UTF-8 bytes are hex-encoded whole; 49 are hashed', () => {
    expect(rendezvousPeerId('a'.repeat(48))).toBe(`ms-x${'61'.repeat(48)}`);
    expect(rendezvousPeerId('é'.repeat(24))).toBe(`ms-x${'c3a9'.repeat(24)}`); // bytes, not characters
    expect(rendezvousPeerId('a'.repeat(49))).toMatch(/^ms-h[0-9a-f]{28}$/);
    expect(rendezvousPeerId(`${'é'.repeat(24)}a`)).toMatch(/^ms-h[0-9a-f]{28}$/);
  });
});

describe('an invite code\'s inflated body (MAX_BODY_BYTES)', () => {
  /** A compressed code (header: version 1, compressed) whose body inflates to `size` zero bytes. */
  async function inflatingTo(size: number): Promise<string> {
    const deflated = new Response(new Blob([new Uint8Array(size)]).stream().pipeThrough(new CompressionStream('deflate-raw')));
    return Buffer.from(Uint8Array.of((1 << 4) | 1, ...new Uint8Array(await deflated.arrayBuffer()))).toString('base64url');
  }

  it('a body inflating to 4096 bytes is read (then refused for its checksum); 4097 bytes are refused as not decompressing', async () => {
    const expected = { kind: 'invite', sessionId: 'r' } as const;
    expect(await decodeInviteCode(await inflatingTo(4096), expected)).toMatchObject({ ok: false, message: expect.stringMatching(/checksum mismatch/) });
    expect(await decodeInviteCode(await inflatingTo(4097), expected)).toMatchObject({ ok: false, message: expect.stringMatching(/it does not decompress/) });
  });
});
