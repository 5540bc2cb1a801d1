/**
 * Counts the timers made through the page-visible globals (setTimeout / setInterval) that are
 * still pending: what our code, simple-peer and PeerJS schedule. Node-internal timers (ws close
 * timers, vitest's own) are not the page's and not counted.
 */
type Handle = unknown;

export interface TimerTracker {
  /** Descriptions of the timers still pending, with where they were made. */
  pending(): string[];
  restore(): void;
}

export function trackTimers(): TimerTracker {
  const g = globalThis as unknown as Record<string, (...args: unknown[]) => Handle>;
  const saved = { setTimeout: g.setTimeout!, setInterval: g.setInterval!, clearTimeout: g.clearTimeout!, clearInterval: g.clearInterval! };
  const live = new Map<Handle, string>();
  const where = (): string => (new Error().stack ?? '').split('\n').slice(3, 6).map((l) => l.trim()).join(' < ');
  g.setTimeout = (fn: unknown, ms: unknown, ...rest: unknown[]) => {
    const handle: Handle = saved.setTimeout((...args: unknown[]) => {
      live.delete(handle);
      (fn as (...a: unknown[]) => void)(...args);
    }, ms, ...rest);
    live.set(handle, `setTimeout(${String(ms)}) at ${where()}`);
    return handle;
  };
  g.setInterval = (fn: unknown, ms: unknown, ...rest: unknown[]) => {
    const handle = saved.setInterval(fn, ms, ...rest);
    live.set(handle, `setInterval(${String(ms)}) at ${where()}`);
    return handle;
  };
  g.clearTimeout = (handle: unknown) => {
    live.delete(handle);
    saved.clearTimeout(handle);
  };
  g.clearInterval = (handle: unknown) => {
    live.delete(handle);
    saved.clearInterval(handle);
  };
  return {
    pending: () => [...live.values()],
    restore: () => Object.assign(g, saved),
  };
}
