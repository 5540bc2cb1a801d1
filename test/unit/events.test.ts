import { describe, expect, it, vi } from 'vitest';
import { Emitter } from '../../src/events.js';
import { initSession } from '../../src/index.js';
import { createMemoryNetwork } from '../../src/testing.js';

type Events = { ping: { n: number }; pong: { s: string }; toString: { x: 1 } };

describe('the event emitter', () => {
  it('supports on(type, fn, context), on({ type: fn }, context), once and off', () => {
    const events = new Emitter<Events>();
    const seen: string[] = [];
    const context = { name: 'ctx' };
    function withContext(this: typeof context, e: { n: number }) { seen.push(`${this.name}:${e.n}`); }
    events.on('ping', withContext, context);
    events.on({ pong: (e) => seen.push(`pong:${e.s}`) });
    events.once('ping', (e) => seen.push(`once:${e.n}`));
    events.emit('ping', { n: 1 });
    events.emit('ping', { n: 2 });
    events.emit('pong', { s: 'a' });
    events.off('ping', withContext, context);
    events.emit('ping', { n: 3 });
    events.off();
    events.emit('pong', { s: 'b' });
    expect(seen).toEqual(['ctx:1', 'once:1', 'ctx:2', 'pong:a']);
  });

  it('off with another context leaves the listener in place', () => {
    const events = new Emitter<Events>();
    const fn = vi.fn();
    events.on('ping', fn, 'one');
    events.off('ping', fn, 'two');
    events.emit('ping', { n: 1 });
    expect(fn).toHaveBeenCalledOnce();
  });

  it('a listener that throws is reported and the others still run', () => {
    const events = new Emitter<Events>();
    const reported: unknown[] = [];
    const original = globalThis.reportError;
    globalThis.reportError = (e: unknown) => reported.push(e);
    try {
      const after = vi.fn();
      events.on('ping', () => { throw new Error('app bug'); });
      events.on('ping', after);
      events.emit('ping', { n: 1 });
      expect(after).toHaveBeenCalledOnce();
      expect((reported[0] as Error).message).toBe('app bug');
    } finally {
      globalThis.reportError = original;
    }
  });

  it('removing a listener during dispatch does not skip the next one; one added waits for the next dispatch', () => {
    const events = new Emitter<Events>();
    const seen: string[] = [];
    const first = () => { seen.push('first'); events.off('ping', first); events.on('ping', () => seen.push('added')); };
    events.on('ping', first);
    events.on('ping', () => seen.push('second'));
    events.emit('ping', { n: 1 });
    expect(seen).toEqual(['first', 'second']);
    events.emit('ping', { n: 2 });
    expect(seen).toEqual(['first', 'second', 'second', 'added']);
  });

  it('a listener removed by an earlier one in the same dispatch is not called', () => {
    const events = new Emitter<Events>();
    const second = vi.fn();
    events.on('ping', () => events.off('ping', second));
    events.on('ping', second);
    events.emit('ping', { n: 1 });
    expect(second).not.toHaveBeenCalled();
  });

  it('event names like toString or __proto__ are just names', () => {
    const events = new Emitter<Events>();
    expect(events.has('toString')).toBe(false);
    events.emit('toString', { x: 1 });
    const fn = vi.fn();
    events.on('toString', fn);
    events.emit('toString', { x: 1 });
    expect(fn).toHaveBeenCalledOnce();
  });

  it('the session\'s events are typed by name', () => {
    const session = initSession('types', { transport: createMemoryNetwork().transport });
    session.on('signal:chat', (e) => e.from.connectionId.toUpperCase());
    session.on('connectionDestroyed', (e) => e.reason === 'networkDisconnected');
    // @ts-expect-error a connectionCreated event has no `data`
    session.on('connectionCreated', (e) => e.data);
    // @ts-expect-error signal data is a string, not a number
    session.on('signal', (e) => e.data.toFixed());
    // @ts-expect-error a handler must be a function
    expect(() => session.on('signal', 'not a function')).toThrow(TypeError);
  });
});
