import { describe, expect, it } from 'vitest';
import { EventThrottle, InboundRateLimit } from '../../src/delivery/rate-limit.js';

/** A clock the test moves by hand. */
function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('InboundRateLimit', () => {
  it('lets a burst through, then refuses, then refills at the rate', () => {
    const c = clock();
    const limit = new InboundRateLimit({ ratePerSecond: 10, burst: 5, now: c.now });
    const takes = () => Array.from({ length: 8 }, () => limit.take('a'));
    expect(takes()).toEqual([true, true, true, true, true, false, false, false]);
    c.advance(100); // one token back
    expect([limit.take('a'), limit.take('a')]).toEqual([true, false]);
    c.advance(10_000); // capped at the burst, not 100 tokens
    expect(takes().filter(Boolean)).toHaveLength(5);
  });

  it('keeps one budget per connection: a flooding peer does not spend another\'s', () => {
    const c = clock();
    const limit = new InboundRateLimit({ ratePerSecond: 3, now: c.now });
    for (let i = 0; i < 100; i++) limit.take('flooder');
    expect(limit.take('flooder')).toBe(false);
    expect([limit.take('quiet'), limit.take('quiet'), limit.take('quiet')]).toEqual([true, true, true]);
  });

  it('sustains exactly the rate over a long run', () => {
    const c = clock();
    const limit = new InboundRateLimit({ ratePerSecond: 50, burst: 1, now: c.now });
    let accepted = 0;
    for (let ms = 0; ms < 10_000; ms++) {
      c.advance(1);
      for (let k = 0; k < 3; k++) if (limit.take('a')) accepted++;
    }
    expect(accepted).toBeGreaterThanOrEqual(499);
    expect(accepted).toBeLessThanOrEqual(501);
  });

  it('defaults the burst to one second of the rate, and tracks at most 4096 connections', () => {
    const limit = new InboundRateLimit({ ratePerSecond: 4, now: clock().now });
    expect(limit.burst).toBe(4);
    for (let i = 0; i < 4096 + 100; i++) limit.take(`peer-${i}`);
    expect(limit.size).toBe(4096);
    limit.forget(`peer-${4096 + 99}`);
    expect(limit.size).toBe(4095);
  });

  it('refuses a rate that is not positive and finite', () => {
    expect(() => new InboundRateLimit({ ratePerSecond: 0 })).toThrow(RangeError);
    expect(() => new InboundRateLimit({ ratePerSecond: Infinity })).toThrow(RangeError);
  });
});

describe('EventThrottle', () => {
  it('lets perWindow events per source through, then counts the rest and says so on the next one', () => {
    const c = clock();
    const throttle = new EventThrottle({ perWindow: 2, windowMs: 1000, now: c.now });
    const verdicts = Array.from({ length: 5 }, () => throttle.admit('a'));
    expect(verdicts).toEqual([{ emit: true, suppressedBefore: 0 }, { emit: true, suppressedBefore: 0 }, { emit: false }, { emit: false }, { emit: false }]);
    expect(throttle.admit('b')).toEqual({ emit: true, suppressedBefore: 0 });
    c.advance(1000);
    expect(throttle.admit('a')).toEqual({ emit: true, suppressedBefore: 3 });
    expect(throttle.admit('a')).toEqual({ emit: true, suppressedBefore: 0 });
  });

  it('tracks 256 sources; every further one shares one budget (a flood of made-up sources is one source)', () => {
    const c = clock();
    const throttle = new EventThrottle({ perWindow: 1, windowMs: 1000, now: c.now });
    const emitted = Array.from({ length: 10_000 }, (_, i) => throttle.admit(`fake-${i}`).emit);
    // 256 sources of their own, then the shared budget's one event of the window.
    expect(emitted.slice(0, 257).every(Boolean)).toBe(true);
    expect(emitted.slice(257).some(Boolean)).toBe(false);
    expect(throttle.size).toBe(257);
    throttle.forget('fake-0');
    expect(throttle.size).toBe(256);
  });
});

describe('rateLimitedNak', () => {
  it('is a 429 nak the signal decoder accepts, so the sender\'s completion gets OT_RATE_LIMIT_EXCEEDED', async () => {
    const { rateLimitedNak } = await import('../../src/delivery/rate-limit.js');
    const { decodeDeliveryFrame } = await import('../../src/wire/signal-frames.js');
    const nak = rateLimitedNak(7, 2000);
    expect(decodeDeliveryFrame(JSON.parse(JSON.stringify(nak)))).toEqual({ ok: true, frame: nak });
    expect(nak.code).toBe(429);
  });
});
