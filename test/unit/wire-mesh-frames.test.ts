import { describe, expect, it } from 'vitest';
import {
  MAX_FRAME_BYTES,
  MAX_CANDIDATE_CHARS,
  MAX_ID_CHARS,
  MAX_LINK_ID_CHARS,
  MAX_MEMBERS,
  MAX_SDP_CHARS,
  decodeMeshFrame,
  isMeshKind,
  parseFrameBytes,
} from '../../src/wire/mesh-frames.js';

const info = { connectionId: 'c1', creationTime: 1_700_000_000_000, data: 'alice' };
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('parseFrameBytes', () => {
  it('parses text and UTF-8 bytes (a Buffer is a Uint8Array) once', () => {
    expect(parseFrameBytes('{"t":"sig","n":1}')).toEqual({ ok: true, value: { t: 'sig', n: 1 } });
    expect(parseFrameBytes(bytes('{"t":"m.ping","s":"é"}'))).toEqual({ ok: true, value: { t: 'm.ping', s: 'é' } });
    expect(parseFrameBytes(bytes('[1]').buffer)).toEqual({ ok: true, value: [1] });
  });

  it('refuses an oversize frame by its size, before decoding, and says the size only', () => {
    const big = new Uint8Array(MAX_FRAME_BYTES + 1).fill(0x7b); // '{' × n: never parsed
    expect(parseFrameBytes(big)).toEqual({ ok: false, reason: `frame of ${MAX_FRAME_BYTES + 1} bytes exceeds ${MAX_FRAME_BYTES}` });
    expect(parseFrameBytes('x'.repeat(MAX_FRAME_BYTES + 1))).toMatchObject({ ok: false });
  });

  it('refuses bad UTF-8, non-JSON and non-text without echoing the content', () => {
    expect(parseFrameBytes(new Uint8Array([0xff, 0xfe]))).toEqual({ ok: false, reason: 'frame of 2 bytes is not valid UTF-8' });
    expect(parseFrameBytes('{secret')).toEqual({ ok: false, reason: 'frame of 7 chars is not JSON' });
    expect(parseFrameBytes(42)).toEqual({ ok: false, reason: 'frame of type number is neither text nor bytes' });
  });
});

describe('decodeMeshFrame', () => {
  it('decodes every kind and keeps only its own fields', () => {
    expect(decodeMeshFrame({ t: 'm.bye', x: 1 })).toEqual({ ok: true, frame: { t: 'm.bye' } });
    expect(decodeMeshFrame({ t: 'm.ping' })).toEqual({ ok: true, frame: { t: 'm.ping' } });
    expect(decodeMeshFrame({ t: 'm.intro' })).toEqual({ ok: true, frame: { t: 'm.intro' } });
    expect(decodeMeshFrame({ t: 'm.hello', info: { ...info, extra: 1 }, intro: true })).toEqual({ ok: true, frame: { t: 'm.hello', info, intro: true } });
    expect(decodeMeshFrame({ t: 'm.peers', members: ['c2'] })).toEqual({ ok: true, frame: { t: 'm.peers', members: ['c2'] } });
    expect(decodeMeshFrame({ t: 'm.join', info })).toEqual({ ok: true, frame: { t: 'm.join', info } });
    expect(decodeMeshFrame({ t: 'm.members', intro: 'c0', members: [] })).toEqual({ ok: true, frame: { t: 'm.members', intro: 'c0', members: [] } });
    expect(decodeMeshFrame({ t: 'm.sdp', from: 'a', to: 'b', lid: 'l1', sdp: { type: 'offer', sdp: 'v=0', x: 1 } })).toEqual({
      ok: true,
      frame: { t: 'm.sdp', from: 'a', to: 'b', lid: 'l1', sdp: { type: 'offer', sdp: 'v=0' } },
    });
    const candidate = { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMLineIndex: 0, sdpMid: '0' };
    expect(decodeMeshFrame({ t: 'm.sdp', from: 'a', to: 'b', lid: 'l1', sdp: { type: 'candidate', candidate } })).toEqual({
      ok: true,
      frame: { t: 'm.sdp', from: 'a', to: 'b', lid: 'l1', sdp: { type: 'candidate', candidate } },
    });
  });

  it('enforces the bounds: ids, member lists, SDP, connection data', () => {
    const longId = 'i'.repeat(MAX_ID_CHARS + 1);
    expect(decodeMeshFrame({ t: 'm.join', info: { ...info, connectionId: longId } })).toEqual({
      ok: false,
      reason: `m.join: info.connectionId is not a string of 1..${MAX_ID_CHARS} chars`,
    });
    expect(decodeMeshFrame({ t: 'm.members', intro: 'c0', members: Array(MAX_MEMBERS + 1).fill('x') })).toEqual({
      ok: false,
      reason: `m.members: members lists ${MAX_MEMBERS + 1} ids, more than ${MAX_MEMBERS}`,
    });
    expect(decodeMeshFrame({ t: 'm.sdp', from: 'a', to: 'b', lid: 'l', sdp: { type: 'offer', sdp: 's'.repeat(MAX_SDP_CHARS + 1) } })).toEqual({
      ok: false,
      reason: `m.sdp: sdp.sdp is not a string of 1..${MAX_SDP_CHARS} chars`,
    });
    expect(decodeMeshFrame({ t: 'm.sdp', from: 'a', to: 'b', lid: 'l', sdp: { type: 'candidate', sdp: 'x' } })).toMatchObject({ ok: false });
    expect(decodeMeshFrame({ t: 'm.sdp', from: 'a', to: 'b', lid: 'l', sdp: { type: 'rollback' } })).toMatchObject({ ok: false });
    expect(decodeMeshFrame({ t: 'm.sdp', from: 'a', to: 'b', sdp: { type: 'offer', sdp: 'v=0' } })).toEqual({
      ok: false,
      reason: `m.sdp: lid is not a string of 1..${MAX_LINK_ID_CHARS} chars`,
    });
    const longCandidate = { candidate: 'c'.repeat(MAX_CANDIDATE_CHARS + 1), sdpMLineIndex: 0, sdpMid: '0' };
    expect(decodeMeshFrame({ t: 'm.sdp', from: 'a', to: 'b', lid: 'l', sdp: { type: 'candidate', candidate: longCandidate } })).toMatchObject({ ok: false });
    const badIndex = { candidate: 'c', sdpMLineIndex: -1, sdpMid: '0' };
    expect(decodeMeshFrame({ t: 'm.sdp', from: 'a', to: 'b', lid: 'l', sdp: { type: 'candidate', candidate: badIndex } })).toMatchObject({ ok: false });
    expect(decodeMeshFrame({ t: 'm.hello', info: { ...info, data: 'd'.repeat(1001) }, intro: false })).toMatchObject({ ok: false });
    expect(decodeMeshFrame({ t: 'm.hello', info: { ...info, creationTime: Infinity }, intro: false })).toMatchObject({ ok: false });
    expect(decodeMeshFrame({ t: 'm.peers', members: [''] })).toMatchObject({ ok: false });
    expect(decodeMeshFrame({ t: 'm.peers', members: 'c2' })).toMatchObject({ ok: false });
    expect(decodeMeshFrame({ t: 'm.hello', info, intro: 'yes' })).toMatchObject({ ok: false });
  });

  it('names an unknown kind by its length, not its content', () => {
    expect(decodeMeshFrame({ t: 'm.secret-stuff' })).toEqual({ ok: false, reason: 'unknown mesh kind (14 chars)' });
    expect(decodeMeshFrame(['m.bye'])).toEqual({ ok: false, reason: 'frame is not an object with a string t' });
  });

  it('tells mesh kinds from app frames by the m. prefix', () => {
    expect(isMeshKind({ t: 'm.ping' })).toBe(true);
    expect(isMeshKind({ t: 'sig' })).toBe(false);
    expect(isMeshKind({ t: 5 })).toBe(false);
    expect(isMeshKind(null)).toBe(false);
  });

  // Seeded fuzz: never throws, and whatever it accepts is a well-formed frame.
  it('never throws on 20 000 random values and accepts only well-formed frames', () => {
    let seed = 0x51f00d;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    const pick = <T>(items: T[]): T => items[Math.floor(rand() * items.length)]!;
    const strings = ['', 'c1', 'a b', '__proto__', 'é', 'x'.repeat(200), 'offer', 'answer', 'v=0'];
    const scalar = (): unknown => pick([() => pick(strings), () => rand() * 10, () => null, () => undefined, () => true, () => NaN])();
    const value = (depth: number): unknown => {
      if (depth > 3 || rand() < 0.25) return scalar();
      if (rand() < 0.2) return Array.from({ length: Math.floor(rand() * 3) }, () => value(depth + 1));
      const fields: Record<string, () => unknown> = {
        t: () => pick(['m.hello', 'm.peers', 'm.bye', 'm.ping', 'm.intro', 'm.sdp', 'm.join', 'm.members', 'm.x', 'sig']),
        info: () => (rand() < 0.5 ? { ...info } : value(depth + 1)),
        members: () => (rand() < 0.5 ? ['c2', 'c3'] : value(depth + 1)),
        intro: () => pick([true, false, 'c0', 1]),
        from: () => pick(strings),
        to: () => pick(strings),
        lid: () => pick(strings),
        sdp: () =>
          rand() < 0.4
            ? { type: pick(['offer', 'answer', 'x']), sdp: pick(strings) }
            : rand() < 0.5
              ? { type: 'candidate', candidate: { candidate: pick(strings), sdpMLineIndex: pick([0, null, -1, 1.5, 'x']), sdpMid: pick(['0', null, 3]) } }
              : value(depth + 1),
      };
      const frame: Record<string, unknown> = {};
      for (const [k, make] of Object.entries(fields)) if (rand() < 0.6) frame[k] = make();
      return frame;
    };
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      const v = value(0);
      const r = decodeMeshFrame(v);
      if (!r.ok) {
        expect(typeof r.reason).toBe('string');
        continue;
      }
      accepted++;
      expect(r.frame.t.startsWith('m.')).toBe(true);
      if (r.frame.t === 'm.sdp') expect(['offer', 'answer', 'candidate']).toContain(r.frame.sdp.type);
      if (r.frame.t === 'm.peers' || r.frame.t === 'm.members') expect(r.frame.members.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    }
    expect(accepted).toBeGreaterThan(100);
  });
});
