/**
 * The binary `sig`/`ack` frames (src/wire/signal-frames.ts): what the sender encodes once and the
 * receiver decodes with the same bounds as the JSON form; peer bytes never make the decoder throw.
 */
import { describe, expect, it } from 'vitest';
import {
  BINARY_ACK, BINARY_SIG, MAX_BINARY_FRAME_BYTES, ackFrame, binarySignalId, decodeDeliveryFrame, signalFrame, wireForm,
} from '../../src/wire/signal-frames.js';
import { utf8Bytes } from '../../src/signal/rules.js';
import { parseFrameBytes } from '../../src/wire/mesh-frames.js';

const bytesOf = (frame: object): Uint8Array => {
  const form = wireForm(frame);
  if (!(form instanceof Uint8Array)) throw new Error(`expected a binary form, got ${form}`);
  return form;
};
/** A binary signal frame written by hand: kind, id (two u32), type length, type, data bytes. */
function handMade(id: number, typeBytes: number[], data: Uint8Array, kind = BINARY_SIG): Uint8Array {
  const out = new Uint8Array(10 + typeBytes.length + data.length);
  const view = new DataView(out.buffer);
  out[0] = kind;
  view.setUint32(1, Math.floor(id / 2 ** 32));
  view.setUint32(5, id >>> 0);
  out[9] = typeBytes.length;
  out.set(typeBytes, 10);
  out.set(data, 10 + typeBytes.length);
  return out;
}
const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

describe('binary signal frames', () => {
  it('round-trip a signal: ids up to 2^53 − 1, any Unicode data, empty type and data', () => {
    const cases: Array<[number, string, string]> = [
      [0, '', ''], [1, 'chat', 'hi'], [2 ** 32 + 5, 'a-b_c~1', 'hé 😀 \u0000 "quoted" \\'], [Number.MAX_SAFE_INTEGER, 'x'.repeat(128), 'é'.repeat(4096)],
    ];
    for (const [id, type, data] of cases) {
      const bytes = bytesOf(signalFrame(id, type, data));
      expect(bytes[0]).toBe(BINARY_SIG);
      expect(bytes.byteLength).toBe(10 + type.length + new TextEncoder().encode(data).length);
      expect(decodeDeliveryFrame(bytes)).toEqual({ ok: true, frame: { t: 'sig', id, type, data } });
    }
  });

  it('round-trip an ack with and without more ids', () => {
    expect(bytesOf(ackFrame(7))).toHaveLength(9);
    expect(decodeDeliveryFrame(bytesOf(ackFrame(7)))).toEqual({ ok: true, frame: { t: 'ack', id: 7 } });
    expect(decodeDeliveryFrame(bytesOf(ackFrame(7, [])))).toEqual({ ok: true, frame: { t: 'ack', id: 7 } });
    const more = Array.from({ length: 4096 }, (_, i) => 2 ** 40 + i);
    const bytes = bytesOf(ackFrame(7, more));
    expect(bytes[0]).toBe(BINARY_ACK);
    expect(decodeDeliveryFrame(bytes)).toEqual({ ok: true, frame: { t: 'ack', id: 7, ids: more } });
  });

  it('encodes a frame once: every target gets the same bytes; JSON copies see the plain frame', () => {
    const frame = signalFrame(3, 'chat', 'x'.repeat(8192));
    expect(wireForm(frame)).toBe(wireForm(frame));
    expect(JSON.parse(JSON.stringify(frame))).toEqual({ t: 'sig', id: 3, type: 'chat', data: 'x'.repeat(8192) });
    expect(frame).toEqual({ t: 'sig', id: 3, type: 'chat', data: 'x'.repeat(8192) });
  });

  it('reuses the bytes the size check just encoded, and only for that very text', () => {
    const data = 'é😀'.repeat(1000) + 'x'.repeat(3000);
    const fresh = bytesOf(signalFrame(1, 'chat', data));
    expect(utf8Bytes(data)).toBe(fresh.byteLength - 14);
    expect(bytesOf(signalFrame(1, 'chat', data))).toEqual(fresh); // copied from the check's buffer
    utf8Bytes('y'.repeat(3000)); // the buffer now holds other text
    expect(bytesOf(signalFrame(1, 'chat', data))).toEqual(fresh);
    const other = 'z'.repeat(4000);
    utf8Bytes(other);
    expect(decodeDeliveryFrame(bytesOf(signalFrame(2, 'chat', other)))).toEqual({ ok: true, frame: { t: 'sig', id: 2, type: 'chat', data: other } });
  });

  it('reads a binary signal id for a rate limit without decoding the rest', () => {
    expect(binarySignalId(bytesOf(signalFrame(2 ** 40 + 3, 'chat', 'hi')))).toBe(2 ** 40 + 3);
    expect(binarySignalId(bytesOf(ackFrame(3)))).toBeUndefined();
    expect(binarySignalId(new Uint8Array([BINARY_SIG, 0, 0]))).toBeUndefined();
    expect(binarySignalId({ t: 'sig', id: 3 })).toBeUndefined();
  });

  it('falls back to JSON text for frames it cannot or need not make binary', () => {
    expect(wireForm({ t: 'm.ping' })).toBe('{"t":"m.ping"}');
    expect(wireForm({ t: 'sig', id: 1, type: 'a', data: 'b' })).toBe('{"t":"sig","id":1,"type":"a","data":"b"}'); // not made by signalFrame
    expect(wireForm(signalFrame(1, 'a b', 'x'))).toBe('{"t":"sig","id":1,"type":"a b","data":"x"}'); // a type the receiver refuses: its JSON nak path
    expect(wireForm(signalFrame(1, 'é', 'x'))).toBe('{"t":"sig","id":1,"type":"é","data":"x"}');
    expect(typeof wireForm(ackFrame(1, Array.from({ length: 4097 }, (_, i) => i)))).toBe('string'); // too many ids for one frame
  });

  it('refuses what breaks the bounds, with the code and id the JSON decoder gives', () => {
    const over = handMade(4, ascii('x'), new Uint8Array(8193).fill(0x61));
    expect(decodeDeliveryFrame(over)).toEqual({ ok: false, code: 413, id: 4, reason: 'data is 8193 bytes of UTF-8; the limit is 8192' });
    expect(decodeDeliveryFrame(handMade(4, ascii('x'), new Uint8Array(8192).fill(0x61)))).toMatchObject({ ok: true });
    expect(decodeDeliveryFrame(handMade(5, ascii('a b'), new Uint8Array()))).toMatchObject({ ok: false, code: 400, id: 5 });
    expect(decodeDeliveryFrame(handMade(5, new Array(129).fill(0x61), new Uint8Array()))).toMatchObject({ ok: false, code: 413, id: 5 });
    expect(decodeDeliveryFrame(handMade(6, ascii('x'), new Uint8Array([0xff, 0xfe])))).toEqual({ ok: false, code: 400, id: 6, reason: 'signal data is not valid UTF-8' });
    const typePastEnd = handMade(7, ascii('abc'), new Uint8Array()).subarray(0, 11);
    expect(decodeDeliveryFrame(typePastEnd)).toMatchObject({ ok: false, code: 400, id: 7, reason: 'signal type runs past the frame' });
    const bigId = handMade(0, [], new Uint8Array());
    new DataView(bigId.buffer).setUint32(1, 2 ** 21); // 2^53
    expect(decodeDeliveryFrame(bigId)).toMatchObject({ ok: false, code: 400, reason: 'frame has no valid id' });
    expect(decodeDeliveryFrame(new Uint8Array([BINARY_SIG, 0, 0]))).toMatchObject({ ok: false, code: 400 });
    expect(decodeDeliveryFrame(new Uint8Array(10).fill(0))).toMatchObject({ ok: false, reason: 'unknown frame kind' });
    expect(decodeDeliveryFrame(new Uint8Array(1 + 8 + 4).fill(0).map((_, i) => (i === 0 ? BINARY_ACK : 0)))).toMatchObject({ ok: false, reason: 'ack ids are not ids' });
    expect(decodeDeliveryFrame(new Uint8Array(MAX_BINARY_FRAME_BYTES + 1).fill(1))).toMatchObject({ ok: false, code: 413 });
  });

  it('the mesh hands binary frames up as bytes, size-checked, and JSON text as values', () => {
    const bytes = bytesOf(signalFrame(1, 'chat', 'hi'));
    expect(parseFrameBytes(bytes)).toEqual({ ok: true, value: bytes });
    expect(parseFrameBytes(bytes.slice().buffer)).toMatchObject({ ok: true });
    expect(parseFrameBytes(new TextEncoder().encode('{"t":"m.ping"}'))).toEqual({ ok: true, value: { t: 'm.ping' } });
    expect(parseFrameBytes(new Uint8Array(64 * 1024 + 1).fill(1))).toMatchObject({ ok: false });
  });

  // A seeded fuzz: random and mutated frames never make the decoder throw; what it accepts
  // re-encodes to the very same bytes (one meaning per frame) and keeps every bound.
  it('never throws on 20 000 random byte frames, and accepts only canonical, bounded ones', () => {
    let seed = 0x5eed01;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const seeds = [
      bytesOf(signalFrame(9, 'chat', 'hé 😀')), bytesOf(ackFrame(9, [10, 11])), bytesOf(signalFrame(2 ** 40, 'x', 'y'.repeat(300))),
    ];
    let accepted = 0;
    const wrong: string[] = [];
    for (let n = 0; n < 20_000; n++) {
      let frame: Uint8Array;
      if (rand() < 0.5) {
        frame = seeds[Math.floor(rand() * seeds.length)]!.slice();
        for (let k = Math.floor(rand() * 4); k >= 0; k--) frame[Math.floor(rand() * frame.length)] = Math.floor(rand() * 256);
        if (rand() < 0.2) frame = frame.subarray(0, Math.floor(rand() * frame.length));
      } else {
        frame = Uint8Array.from({ length: Math.floor(rand() * 40) }, () => Math.floor(rand() * 256));
        if (frame.length > 0 && rand() < 0.7) frame[0] = rand() < 0.5 ? BINARY_SIG : BINARY_ACK;
      }
      const result = decodeDeliveryFrame(frame);
      if (!result.ok) {
        if (result.code !== 400 && result.code !== 413) wrong.push(`code ${result.code} for [${frame.join(',')}]`);
        continue;
      }
      accepted++;
      const f = result.frame;
      const again = f.t === 'sig' ? signalFrame(f.id, f.type, f.data) : f.t === 'ack' ? ackFrame(f.id, f.ids) : undefined;
      const form = again && wireForm(again);
      if (!(form instanceof Uint8Array) || form.join(',') !== frame.join(',')) wrong.push(`not canonical: [${frame.join(',')}]`);
    }
    expect(wrong).toEqual([]);
    expect(accepted).toBeGreaterThan(100);
  });
});
