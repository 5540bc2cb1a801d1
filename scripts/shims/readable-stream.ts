/**
 * Stands in for `readable-stream` in the browser bundles (scripts/esbuild-options.mjs aliases it;
 * only simple-peer imports it). ~10 KB min+gzip of stream machinery, plus the `buffer`, `events`,
 * `string_decoder` and `process` polyfills it pulls in, for a class the mesh uses as an emitter.
 *
 * What simple-peer 9.11 uses of `stream.Duplex` (its index.js), and what this gives it:
 * - `class Peer extends Duplex`, `super(opts)`: an event emitter (on/once/off/emit);
 * - `_readableState.ended`, `_writableState.finished`, `readable`/`writable`: read in `_destroy`;
 * - `push(chunk)` from the channel's `message` handler → a `data` event; `push(null)` → `end`;
 * - `end()` in `_destroy` → `finish` (simple-peer's own finish handler is removed by then);
 * - `write(chunk)` → its `_write` (mesh-signal never calls it: `Link` uses `send`).
 * Events fire synchronously where readable-stream deferred them a tick; `Link` (src/mesh/link.ts)
 * takes messages from the RTCDataChannel itself once open, and only reads `data` before that.
 * Unhandled `error` events throw, as Node's EventEmitter does (`Link` always listens).
 */

type Listener = (...args: unknown[]) => void;

/** The subset of Node's EventEmitter simple-peer and `Link` call. */
export class EventEmitter {
  #listeners = new Map<string | symbol, Listener[]>();

  on(name: string | symbol, fn: Listener): this {
    const list = this.#listeners.get(name);
    if (list) list.push(fn);
    else this.#listeners.set(name, [fn]);
    return this;
  }

  addListener(name: string | symbol, fn: Listener): this {
    return this.on(name, fn);
  }

  once(name: string | symbol, fn: Listener): this {
    const wrapper: Listener & { listener?: Listener } = (...args) => {
      this.removeListener(name, wrapper);
      fn.apply(this, args);
    };
    wrapper.listener = fn;
    return this.on(name, wrapper);
  }

  removeListener(name: string | symbol, fn: Listener): this {
    const list = this.#listeners.get(name);
    if (!list) return this;
    const i = list.findIndex((l) => l === fn || (l as { listener?: Listener }).listener === fn);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.#listeners.delete(name);
    return this;
  }

  off(name: string | symbol, fn: Listener): this {
    return this.removeListener(name, fn);
  }

  removeAllListeners(name?: string | symbol): this {
    if (name === undefined) this.#listeners.clear();
    else this.#listeners.delete(name);
    return this;
  }

  listenerCount(name: string | symbol): number {
    return this.#listeners.get(name)?.length ?? 0;
  }

  emit(name: string | symbol, ...args: unknown[]): boolean {
    const list = this.#listeners.get(name);
    if (!list) {
      if (name === 'error') throw args[0] instanceof Error ? args[0] : new Error(`unhandled error event: ${String(args[0])}`);
      return false;
    }
    for (const fn of [...list]) fn.apply(this, args);
    return true;
  }
}

/** A duplex stream as far as simple-peer needs one: see the header. */
export class Duplex extends EventEmitter {
  readable = true;
  writable = true;
  _readableState = { ended: false };
  _writableState = { finished: false, ending: false };

  constructor(_options?: unknown) {
    super();
  }

  /** Readable side: a chunk becomes a `data` event; `null` ends it. */
  push(chunk: unknown): boolean {
    if (this._readableState.ended) return false;
    if (chunk === null) {
      this._readableState.ended = true;
      this.emit('end');
      return false;
    }
    this.emit('data', chunk);
    return true;
  }

  /** Writable side: hands the chunk to the subclass's `_write`. */
  write(chunk: unknown, cb?: (err?: Error | null) => void): boolean {
    if (this._writableState.ending) {
      cb?.(new Error('write after end'));
      return false;
    }
    const self = this as unknown as { _write?(c: unknown, e: string, cb: (err?: Error | null) => void): void };
    self._write?.(chunk, 'buffer', (err) => {
      if (err) this.emit('error', err);
      cb?.(err);
    });
    return true;
  }

  end(): this {
    if (this._writableState.ending) return this;
    this._writableState.ending = true;
    this._writableState.finished = true;
    this.emit('finish');
    return this;
  }
}

export default { Duplex, EventEmitter };
