/**
 * A small typed event emitter with OpenTok's surface: `on(type, fn, context?)`,
 * `on({ type: fn }, context?)`, `once`, `off`.
 *
 * Why not a plain object of arrays: event names can come from peers (`signal:<type>`), and
 * `on('toString')` must not find Object.prototype. Why copy-on-write lists: a listener that
 * removes itself (or another) during dispatch must not make the next one be skipped. Why try/catch: one
 * throwing listener is reported (`reportError`) and the rest still run.
 */

type Listener = { fn: (event: any) => void; context: unknown; once: boolean };

/** An event map: event name → the event object its listeners get. */
export type EventMap = Record<string, object>;

/** Handlers by event name, for `on({ … })`. */
export type HandlerMap<E extends EventMap> = { [K in keyof E]?: (event: E[K]) => void };

/**
 * Reports an app callback's exception the way the platform reports an uncaught one, without
 * breaking the caller's loop: `reportError` where it exists, else a throw on a fresh task.
 */
export function reportError(error: unknown): void {
  if (typeof globalThis.reportError === 'function') globalThis.reportError(error);
  else setTimeout(() => { throw error; });
}

/**
 * @example
 * const events = new Emitter<{ ping: { type: 'ping'; at: number } }>();
 * events.on('ping', (e) => console.log(e.at));
 * events.emit('ping', { type: 'ping', at: Date.now() });
 */
export class Emitter<E extends EventMap> {
  readonly #listeners = new Map<string, Listener[]>();

  on<K extends keyof E & string>(type: K, fn: (event: E[K]) => void, context?: unknown): this;
  on(handlers: HandlerMap<E>, context?: unknown): this;
  on(typeOrMap: string | HandlerMap<E>, fnOrContext?: unknown, context?: unknown): this {
    return this.#add(typeOrMap, fnOrContext, context, false);
  }

  /** Like `on`, but the listener is removed after its first call. */
  once<K extends keyof E & string>(type: K, fn: (event: E[K]) => void, context?: unknown): this;
  once(handlers: HandlerMap<E>, context?: unknown): this;
  once(typeOrMap: string | HandlerMap<E>, fnOrContext?: unknown, context?: unknown): this {
    return this.#add(typeOrMap, fnOrContext, context, true);
  }

  /**
   * Removes listeners: `off()` all; `off(type)` all of a type; `off(type, fn, context?)` one;
   * `off({ type: fn }, context?)` several.
   */
  off<K extends keyof E & string>(type?: K, fn?: (event: E[K]) => void, context?: unknown): this;
  off(handlers: HandlerMap<E>, context?: unknown): this;
  off(typeOrMap?: string | HandlerMap<E>, fnOrContext?: unknown, context?: unknown): this {
    if (typeOrMap === undefined) {
      this.#listeners.clear();
    } else if (typeof typeOrMap === 'object') {
      for (const [type, fn] of Object.entries(typeOrMap)) this.#remove(type, fn as Listener['fn'], fnOrContext, true);
    } else {
      this.#remove(typeOrMap, fnOrContext as Listener['fn'] | undefined, context, arguments.length >= 3);
    }
    return this;
  }

  /** True when at least one listener waits for `type`. */
  has(type: string): boolean {
    return (this.#listeners.get(type)?.length ?? 0) > 0;
  }

  /** Calls every listener of `type` with `event`; one that throws does not stop the others. */
  emit<K extends keyof E & string>(type: K, event: E[K]): void {
    // Lists are copy-on-write, so this one is a snapshot: listeners added during the dispatch wait
    // for the next one, and a listener removed by an earlier one is skipped below.
    const list = this.#listeners.get(type);
    if (!list) return;
    for (const listener of list) {
      if (list.length > 1 && !this.#listeners.get(type)?.includes(listener)) continue;
      if (listener.once) this.#removeExact(type, listener);
      try {
        listener.fn.call(listener.context, event);
      } catch (error) {
        reportError(error);
      }
    }
  }

  #add(typeOrMap: string | HandlerMap<E>, fnOrContext: unknown, context: unknown, once: boolean): this {
    if (typeof typeOrMap === 'object' && typeOrMap !== null) {
      for (const [type, fn] of Object.entries(typeOrMap)) {
        if (typeof fn === 'function') this.#push(type, { fn, context: fnOrContext, once });
      }
      return this;
    }
    if (typeof typeOrMap !== 'string' || typeof fnOrContext !== 'function') {
      throw new TypeError('on/once take (type: string, handler: function, context?) or ({ type: handler }, context?)');
    }
    this.#push(typeOrMap, { fn: fnOrContext as Listener['fn'], context, once });
    return this;
  }

  #push(type: string, listener: Listener): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener]);
  }

  #remove(type: string, fn: Listener['fn'] | undefined, context: unknown, matchContext: boolean): void {
    const list = this.#listeners.get(type);
    if (!list) return;
    const kept = fn === undefined ? [] : list.filter((l) => l.fn !== fn || (matchContext && l.context !== context));
    if (kept.length) this.#listeners.set(type, kept);
    else this.#listeners.delete(type);
  }

  #removeExact(type: string, listener: Listener): void {
    const list = this.#listeners.get(type);
    if (!list) return;
    const kept = list.filter((l) => l !== listener);
    if (kept.length) this.#listeners.set(type, kept);
    else this.#listeners.delete(type);
  }
}
