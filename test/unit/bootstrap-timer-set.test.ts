/** src/bootstrap/timer-set.ts: what `clear()` (an owner's close) leaves behind: nothing. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TimerSet } from '../../src/bootstrap/timer-set.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('TimerSet', () => {
  it('runs what is due, not what was cancelled, and nothing after clear()', () => {
    vi.useFakeTimers();
    const timers = new TimerSet();
    const ran: string[] = [];
    timers.after(10, () => ran.push('a'));
    const b = timers.after(20, () => ran.push('b'));
    timers.after(30, () => ran.push('c'));
    timers.cancel(b);
    vi.advanceTimersByTime(10);
    expect(ran).toEqual(['a']);
    timers.clear();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(100);
    expect(ran).toEqual(['a']);
  });
});
