/**
 * Flood limits on what peers send us: a token bucket of signals per connection, and a throttle
 * for the `peerError` events a hostile peer could otherwise make us fire without end.
 * Pure bookkeeping with an injected clock: no timers, nothing to clear.
 *
 * Token bucket: each connection may send `ratePerSecond` signals per second on average, and up
 * to `burst` at once after a quiet spell. A signal over the limit is refused (the receiver naks
 * it with 429 OT_RATE_LIMIT_EXCEEDED, so the sender's completion hears it) and not dispatched;
 * the sender may send it again later. Per-connection, so one flooding peer spends only its own
 * budget, never another member's.
 */
import type { NakFrame } from '../wire/signal-frames.js';

/**
 * Default signals per second from one connection: above what a browser can deliver and
 * acknowledge of 8 KB signals on one link (~2 200/s in the bench), far below what a small
 * signal flood reaches (tens of thousands per second).
 */
export const DEFAULT_MAX_SIGNALS_PER_SECOND = 2_000;
/** Connections tracked at once; beyond, the least recently seen is forgotten (it starts full again). */
export const MAX_TRACKED_CONNECTIONS = 4_096;

export interface RateLimitOptions {
  /** Average signals per second allowed per connection. */
  ratePerSecond: number;
  /** Signals allowed at once after a quiet spell (default: one second's worth, at least 1). */
  burst?: number;
  /** Clock in ms (default `performance.now`: monotonic); tests pass a fake. */
  now?: () => number;
}

interface Bucket {
  tokens: number;
  updatedAtMs: number;
}

/**
 * Signals per second per connection.
 * @example
 * const limit = new InboundRateLimit({ ratePerSecond: 2000 });
 * if (!limit.take(fromId)) nak(fromId, id, 429);
 */
export class InboundRateLimit {
  readonly ratePerSecond: number;
  readonly burst: number;
  readonly #now: () => number;
  /** Insertion order = least recently refilled first, for eviction. */
  readonly #buckets = new Map<string, Bucket>();

  constructor(options: RateLimitOptions) {
    if (!(options.ratePerSecond > 0 && Number.isFinite(options.ratePerSecond))) throw new RangeError(`ratePerSecond must be positive and finite, not ${options.ratePerSecond}`);
    this.ratePerSecond = options.ratePerSecond;
    this.burst = Math.max(1, options.burst ?? Math.ceil(options.ratePerSecond));
    this.#now = options.now ?? (() => performance.now());
  }

  /** Spends one token of `connectionId`; false when it has none left (refuse the signal). */
  take(connectionId: string): boolean {
    const now = this.#now();
    let bucket = this.#buckets.get(connectionId);
    if (bucket) {
      const refill = ((now - bucket.updatedAtMs) / 1000) * this.ratePerSecond;
      bucket.tokens = Math.min(this.burst, bucket.tokens + Math.max(0, refill));
      this.#buckets.delete(connectionId); // re-inserted below: most recent last
    } else {
      bucket = { tokens: this.burst, updatedAtMs: now };
      if (this.#buckets.size >= MAX_TRACKED_CONNECTIONS) this.#buckets.delete(this.#buckets.keys().next().value!);
    }
    bucket.updatedAtMs = now;
    this.#buckets.set(connectionId, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** The connection left: forget its bucket. */
  forget(connectionId: string): void {
    this.#buckets.delete(connectionId);
  }

  /** Connections tracked now (bounded by MAX_TRACKED_CONNECTIONS). */
  get size(): number {
    return this.#buckets.size;
  }
}

/**
 * The answer to a signal over the limit: its sender's completion fails with 429.
 * @example rateLimitedNak(7, 2000) // { t: 'nak', id: 7, code: 429, reason: 'more than 2000 signals per second …' }
 */
export function rateLimitedNak(id: number, ratePerSecond: number): NakFrame {
  return { t: 'nak', id, code: 429, reason: `more than ${ratePerSecond} signals per second from this connection; send it again later` };
}

/** Default: at most this many `peerError` events per source per window. */
export const DEFAULT_ERRORS_PER_WINDOW = 10;
export const DEFAULT_ERROR_WINDOW_MS = 1_000;
/** Sources tracked; beyond, every new source shares one bucket (a flood of fake ids is one source). */
const MAX_THROTTLED_SOURCES = 256;
const SHARED_SOURCE = '\0shared';

export interface ThrottleOptions {
  perWindow?: number;
  windowMs?: number;
  now?: () => number;
}

/** What the throttle decided for one event. */
export type ThrottleVerdict = { emit: false } | { emit: true; suppressedBefore: number };

/**
 * At most `perWindow` events per source per `windowMs`. The first event let through after some
 * were held back says how many (`suppressedBefore`), so nothing is lost silently: the count is.
 * @example
 * const verdict = throttle.admit(fromId ?? 'unknown');
 * if (verdict.emit) emit(verdict.suppressedBefore ? `${reason} (+${verdict.suppressedBefore} more)` : reason);
 */
export class EventThrottle {
  readonly #perWindow: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #sources = new Map<string, { windowStartMs: number; count: number; suppressed: number }>();

  constructor(options: ThrottleOptions = {}) {
    this.#perWindow = options.perWindow ?? DEFAULT_ERRORS_PER_WINDOW;
    this.#windowMs = options.windowMs ?? DEFAULT_ERROR_WINDOW_MS;
    this.#now = options.now ?? (() => performance.now());
  }

  admit(source: string): ThrottleVerdict {
    const now = this.#now();
    let key = source;
    let entry = this.#sources.get(key);
    if (!entry) {
      if (this.#sources.size >= MAX_THROTTLED_SOURCES) {
        this.#expire(now);
        if (this.#sources.size >= MAX_THROTTLED_SOURCES) key = SHARED_SOURCE;
      }
      entry = this.#sources.get(key);
      if (!entry) this.#sources.set(key, (entry = { windowStartMs: now, count: 0, suppressed: 0 }));
    }
    if (now - entry.windowStartMs >= this.#windowMs) {
      entry.windowStartMs = now;
      entry.count = 0;
    }
    if (entry.count >= this.#perWindow) {
      entry.suppressed++;
      return { emit: false };
    }
    entry.count++;
    const suppressedBefore = entry.suppressed;
    entry.suppressed = 0;
    return { emit: true, suppressedBefore };
  }

  /** A source went: forget it. */
  forget(source: string): void {
    this.#sources.delete(source);
  }

  get size(): number {
    return this.#sources.size;
  }

  /** Drops sources whose window ended with nothing held back. */
  #expire(now: number): void {
    for (const [key, entry] of this.#sources) {
      if (now - entry.windowStartMs >= this.#windowMs && entry.suppressed === 0) this.#sources.delete(key);
    }
  }
}
