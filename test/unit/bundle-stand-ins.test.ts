/**
 * The stand-ins the browser bundles use instead of simple-peer's Node-style dependencies
 * (scripts/shims/, scripts/esbuild-options.mjs): what simple-peer 9.11 relies on of each, and that
 * simple-peer bundled with them runs its constructor, events and destroy path.
 */
import { describe, expect, it } from 'vitest';
import * as esbuild from 'esbuild';
import { Duplex, EventEmitter } from '../../scripts/shims/readable-stream.js';
import { Buffer } from '../../scripts/shims/buffer.js';
import { browserBundleOptions } from '../../scripts/esbuild-options.mjs';

describe('readable-stream stand-in', () => {
  it('is the emitter simple-peer extends: on/once/off, emit order, unhandled error throws', () => {
    const e = new EventEmitter();
    const seen: string[] = [];
    const a = (x: unknown) => seen.push(`a${x}`);
    e.on('x', a);
    e.once('x', (x) => seen.push(`once${x}`));
    e.emit('x', 1);
    e.emit('x', 2);
    e.removeListener('x', a);
    expect(e.emit('x', 3)).toBe(false);
    expect(seen).toEqual(['a1', 'once1', 'a2']);
    const f = () => seen.push('f');
    e.once('y', f);
    e.removeListener('y', f); // removing a once-listener by the function given
    e.emit('y');
    expect(seen).not.toContain('f');
    expect(() => e.emit('error', new Error('boom'))).toThrow('boom');
    e.on('error', () => seen.push('handled'));
    e.emit('error', new Error('x'));
    expect(seen.at(-1)).toBe('handled');
  });

  it('is the duplex simple-peer drives: push → data, push(null) → end once, end → finish, write → _write', () => {
    const written: unknown[] = [];
    class Sub extends Duplex {
      _write(chunk: unknown, _enc: string, cb: (err?: Error | null) => void): void {
        written.push(chunk);
        cb(null);
      }
    }
    const d = new Sub({ allowHalfOpen: false });
    const events: string[] = [];
    d.on('data', (x) => events.push(`data:${x}`));
    d.on('end', () => events.push('end'));
    d.on('finish', () => events.push('finish'));
    d.push('a');
    d.push(null);
    d.push('late');
    expect(d._readableState.ended).toBe(true);
    d.write('w');
    d.end();
    d.end();
    expect(d._writableState.finished).toBe(true);
    expect(events).toEqual(['data:a', 'end', 'finish']);
    expect(written).toEqual(['w']);
  });
});

describe('buffer stand-in', () => {
  it('wraps received bytes without copying', () => {
    const ab = new Uint8Array([1, 2, 3]).buffer;
    const b = Buffer.from(ab);
    expect(b).toBeInstanceOf(Uint8Array);
    expect(b.buffer).toBe(ab);
    expect([...Buffer.from(new Uint8Array([9, 8]))]).toEqual([9, 8]);
  });
});

describe('simple-peer bundled with the stand-ins', () => {
  it('builds without readable-stream, buffer or debug, constructs, signals an offer and destroys cleanly', async () => {
    const r = await esbuild.build({
      ...browserBundleOptions, entryPoints: ['simple-peer'], write: false, metafile: true, logLevel: 'silent', outfile: 'sp.js',
    });
    const inputs = Object.keys(r.metafile!.inputs).join('\n');
    expect(inputs).not.toMatch(/node_modules\/(readable-stream|buffer|debug|randombytes)\//);
    const code = r.outputFiles!.find((f) => f.path.endsWith('.js'))!.text;
    const { default: Peer } = (await import(`data:text/javascript;base64,${Buffer_from(code)}`)) as { default: new (o: object) => PeerLike };
    // A fake RTCPeerConnection: enough for simple-peer's constructor, its offer and destroy().
    class FakeChannel { binaryType = ''; readyState = 'connecting'; label = ''; bufferedAmount = 0; close() {} }
    class FakePc {
      localDescription: { type: string; sdp: string } | null = null;
      iceConnectionState = 'new'; iceGatheringState = 'new'; signalingState = 'stable';
      createDataChannel() { return new FakeChannel(); }
      async createOffer() { return { type: 'offer', sdp: 'v=0\r\n' }; }
      async setLocalDescription(d: { type: string; sdp: string }) { this.localDescription = d; }
      close() {}
    }
    const peer = new Peer({ initiator: true, trickle: true, wrtc: { RTCPeerConnection: FakePc, RTCSessionDescription: class {}, RTCIceCandidate: class {} } });
    const offer = await new Promise<{ type: string }>((resolve) => peer.on('signal', resolve));
    expect(offer.type).toBe('offer');
    const closed = new Promise<void>((resolve) => peer.on('close', () => resolve()));
    peer.destroy();
    await closed;
    expect(peer.destroyed).toBe(true);
  });
});

interface PeerLike {
  destroyed: boolean;
  on(name: string, fn: (x: never) => void): void;
  destroy(): void;
}
const Buffer_from = (s: string) => globalThis.Buffer.from(s).toString('base64');
