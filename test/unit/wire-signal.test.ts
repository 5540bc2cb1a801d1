import { describe, expect, it } from 'vitest';
import { decodeDeliveryFrame } from '../../src/wire/signal-frames.js';

describe('decodeDeliveryFrame', () => {
  it('decodes the three frame kinds and keeps only their own fields', () => {
    expect(decodeDeliveryFrame({ t: 'sig', id: 0, type: 'a-b_c~1', data: 'hé', extra: 'dropped' }))
      .toEqual({ ok: true, frame: { t: 'sig', id: 0, type: 'a-b_c~1', data: 'hé' } });
    expect(decodeDeliveryFrame({ t: 'ack', id: 9 })).toEqual({ ok: true, frame: { t: 'ack', id: 9 } });
    expect(decodeDeliveryFrame({ t: 'ack', id: 9, ids: [10, 12] })).toEqual({ ok: true, frame: { t: 'ack', id: 9, ids: [10, 12] } });
    expect(decodeDeliveryFrame({ t: 'nak', id: 9, code: 413, reason: 5 }))
      .toEqual({ ok: true, frame: { t: 'nak', id: 9, code: 413, reason: '' } });
  });

  it('refuses an ack whose ids are not a short list of ids', () => {
    for (const ids of ['1,2', [1, -2], [1.5], { length: 1 }, Array.from({ length: 4097 }, (_, i) => i)]) {
      expect(decodeDeliveryFrame({ t: 'ack', id: 1, ids })).toEqual({ ok: false, code: 400, reason: 'ack ids are not ids' });
    }
  });

  it('answers a bad signal with the code its sender would have got, and its id', () => {
    expect(decodeDeliveryFrame({ t: 'sig', id: 4, type: 'x', data: 'x'.repeat(8193) }))
      .toEqual({ ok: false, code: 413, id: 4, reason: 'data is 8193 bytes of UTF-8; the limit is 8192' });
    expect(decodeDeliveryFrame({ t: 'sig', id: 4, type: 'x y', data: '' })).toMatchObject({ ok: false, code: 400, id: 4 });
    expect(decodeDeliveryFrame({ t: 'sig', id: 2 ** 53, type: '', data: '' })).toMatchObject({ ok: false, reason: 'frame has no valid id' });
  });

  // A seeded fuzz: whatever a peer sends, the decoder returns a verdict and never throws, and what it
  // accepts is exactly a well-formed frame.
  it('never throws on 20 000 random values, and accepts only well-formed frames', () => {
    let seed = 0x2f6b1d;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const pick = <T>(items: T[]): T => items[Math.floor(rand() * items.length)]!;
    const strings = ['', 'chat', 'a b', 'é', '😀', '\u0000', 'x'.repeat(129), 'y'.repeat(9000), '__proto__', 'sig', 'ack', 'nak'];
    const scalar = (): unknown => pick([() => pick(strings), () => Math.floor(rand() * 20) - 5, () => rand(), () => null, () => undefined, () => true, () => NaN, () => 2 ** 60])();
    const value = (depth: number): unknown => {
      if (depth > 2 || rand() < 0.3) return scalar();
      if (rand() < 0.2) return Array.from({ length: Math.floor(rand() * 3) }, () => value(depth + 1));
      const frame: Record<string, unknown> = {};
      // Mostly plausible fields, so that valid frames come up too.
      const plausible: Record<string, () => unknown> = {
        t: () => pick(['sig', 'ack', 'nak', 'x']),
        id: () => Math.floor(rand() * 100),
        type: () => pick(strings),
        data: () => pick(strings),
        code: () => pick([400, 413, 429, 200]),
        reason: () => pick(strings),
        ids: () => Array.from({ length: Math.floor(rand() * 4) }, () => pick([1, 2, -1, 'x', 0.5])),
      };
      for (const [key, make] of Object.entries(plausible)) if (rand() < 0.9) frame[key] = rand() < 0.8 ? make() : value(depth + 1);
      return frame;
    };
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      const input = value(0);
      const result = decodeDeliveryFrame(input);
      if (!result.ok) continue;
      accepted++;
      const { frame } = result;
      expect(Number.isSafeInteger(frame.id) && frame.id >= 0).toBe(true);
      if (frame.t === 'sig') {
        expect(frame.type).toMatch(/^[A-Za-z0-9\-_~]{0,128}$/);
        expect(new TextEncoder().encode(frame.data).length).toBeLessThanOrEqual(8192);
      }
      if (frame.t === 'nak') expect([400, 413, 429]).toContain(frame.code);
      if (frame.t === 'ack' && frame.ids) expect(frame.ids.every((id) => Number.isSafeInteger(id) && id >= 0)).toBe(true);
    }
    expect(accepted).toBeGreaterThan(0);
  });
});
