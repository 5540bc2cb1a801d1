/**
 * The persistent outbox: signals not yet acknowledged, kept in IndexedDB (idb-keyval) so that a
 * reloaded page sends them again with their original ids.
 *
 * When a signal is written: at the end of the task that sent it (one `setMany` for every signal
 * of that task), and only if it is still unacknowledged then; a settled signal is deleted the same
 * way, batched. Measured (README "Reload", `bench/outbox-write.mjs`, `bench/outbox-insitu.mjs`):
 * one write 0.4 ms, 0.08 ms per signal in batches, against a 0.2 ms data-channel round trip; in
 * place, a 1000-signal burst takes ~1.4x as long, a trickle (each signal sent when the last
 * completed) up to ~2-4x, because most of its signals are written and deleted before their ack.
 * The window in which a reload can lose a signal is that one task (plus the commit); `pagehide`
 * starts any pending write at once, but browsers may abort it with the page.
 *
 * | state    | meaning                                   | → on `removed(id)`                 |
 * |----------|-------------------------------------------|------------------------------------|
 * | queued   | in `#toWrite`, not yet on disk            | forgotten, never written           |
 * | on disk  | written (or its write is in flight)       | queued for deletion (`#toDelete`)  |
 *
 * Limits: at most `OUTBOX_MAX_CHARS` characters of signals on disk (a signal over it stays in
 * memory only, with one warning); at most 4096 signals (the in-flight cap). Any storage failure
 * (no IndexedDB, private mode, quota) switches the outbox to memory only, with one warning; it
 * never throws into the signal path.
 */
import { createStore, delMany, entries, promisifyRequest } from 'idb-keyval';
import type { UseStore } from '../identity/idb-store.js';

/** One unacknowledged signal as stored: `to` lists the targets that had not acknowledged it. */
export interface StoredSignal {
  id: number;
  type: string;
  data: string;
  to: string[];
}

/**
 * How long a signal may wait unacknowledged before it is written (ms): 0, the end of the task
 * that sent it. Tried: with 20 ms (so that a trickle is acknowledged before it would be written)
 * one of eleven runs of the Chromium reload test (reload right after sending) timed out waiting for
 * the resent signals; with 0, six of six passed. A write started on `pagehide` is not something to
 * count on: the page may unload before it commits.
 */
export const OUTBOX_WRITE_DELAY_MS = 0;

/** Most characters of signal data, type and targets kept on disk per identity (about 8 MB of UTF-16). */
export const OUTBOX_MAX_CHARS = 4 * 1024 * 1024;

/** The IndexedDB database and object store of mesh-signal (outbox entries and certificates). */
export function defaultIdbStore(): UseStore | undefined {
  if (typeof indexedDB === 'undefined') return undefined;
  try {
    return createStore('mesh-signal', 'v1');
  } catch {
    return undefined;
  }
}

type Key = [string, string, string, number];

const charsOf = (s: StoredSignal) => s.type.length + s.data.length + s.to.reduce((n, id) => n + id.length + 1, 0) + 16;

export class Outbox {
  #store: UseStore | undefined;
  readonly #session: string;
  readonly #owner: string;
  readonly #warn: (reason: string) => void;
  readonly #toWrite = new Map<number, StoredSignal>();
  readonly #toDelete = new Set<number>();
  /** Ids on disk (or being written), with their size. */
  readonly #onDisk = new Map<number, number>();
  #chars = 0;
  #overCap = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #writing: Promise<void> = Promise.resolve();

  /** The outbox of identity `owner` in session `session`; `store` undefined: memory only. */
  constructor(store: UseStore | undefined, session: string, owner: string, warn: (reason: string) => void) {
    this.#store = store;
    this.#session = session;
    this.#owner = owner;
    this.#warn = warn;
  }

  /** False once storage failed or was never there. */
  get persistent(): boolean {
    return this.#store !== undefined;
  }

  /** What an earlier page of this identity left unacknowledged, oldest first. */
  async load(): Promise<StoredSignal[]> {
    const mine = await this.#guard(async (store) => (await entries<IDBValidKey, StoredSignal>(store)).filter(([key]) => this.#owns(key)));
    if (!mine) return [];
    const signals: StoredSignal[] = [];
    for (const [key, value] of mine) {
      const id = (key as Key)[3];
      if (!isStoredSignal(value) || value.id !== id) continue;
      this.#onDisk.set(id, charsOf(value));
      this.#chars += charsOf(value);
      signals.push(value);
    }
    return signals.sort((a, b) => a.id - b.id);
  }

  /** A signal now awaits acknowledgement: written at the end of this task unless settled by then. */
  added(signal: StoredSignal): void {
    if (!this.#store) return;
    this.#toWrite.set(signal.id, signal);
    this.#schedule();
  }

  /** A signal settled: never written, or deleted in the next batch. */
  removed(id: number): void {
    if (this.#toWrite.delete(id)) return;
    if (!this.#onDisk.has(id)) return;
    this.#toDelete.add(id);
    this.#schedule();
  }

  /** Writes what is queued now (a page going away); resolves when it is committed. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const store = this.#store;
    if (!store || (this.#toWrite.size === 0 && this.#toDelete.size === 0)) return this.#writing;
    const puts: [IDBValidKey, StoredSignal][] = [];
    for (const signal of this.#toWrite.values()) {
      const chars = charsOf(signal);
      if (this.#chars + chars > OUTBOX_MAX_CHARS) {
        if (!this.#overCap) this.#warn(`the outbox holds ${OUTBOX_MAX_CHARS} characters on disk: newer signals are kept in memory only until older ones complete`);
        this.#overCap = true;
        continue;
      }
      this.#chars += chars;
      this.#onDisk.set(signal.id, chars);
      puts.push([this.#key(signal.id), signal]);
    }
    this.#toWrite.clear();
    const deletes = [...this.#toDelete].map((id) => {
      this.#chars -= this.#onDisk.get(id) ?? 0;
      this.#onDisk.delete(id);
      return this.#key(id);
    });
    this.#toDelete.clear();
    if (this.#chars < OUTBOX_MAX_CHARS / 2) this.#overCap = false;
    this.#writing = this.#writing.then(async () => {
      // One transaction for the batch's puts and deletes (idb-keyval's setMany then delMany made
      // two: the second transaction cost the sender ~70 µs per round trip in the latency profile).
      await this.#guard((s) =>
        s('readwrite', (store) => {
          for (const [key, signal] of puts) store.put(signal, key);
          for (const key of deletes) store.delete(key);
          return promisifyRequest(store.transaction);
        }),
      );
    });
    return this.#writing;
  }

  /** Deletes every entry of this identity (it left on purpose) and stops writing. */
  async clear(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#toWrite.clear();
    this.#toDelete.clear();
    this.#onDisk.clear();
    this.#chars = 0;
    await this.#writing;
    await this.#guard(async (store) => {
      const keys = (await entries(store)).map(([key]) => key).filter((key) => this.#owns(key));
      if (keys.length > 0) await delMany(keys, store);
    });
    this.#store = undefined;
  }

  /** Stops the write-behind timer (the queued batch is written by `flush` or dropped). */
  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    this.#timer ??= setTimeout(() => void this.flush(), OUTBOX_WRITE_DELAY_MS);
  }

  #key(id: number): Key {
    return ['outbox', this.#session, this.#owner, id];
  }

  #owns(key: IDBValidKey): boolean {
    return Array.isArray(key) && key.length === 4 && key[0] === 'outbox' && key[1] === this.#session && key[2] === this.#owner && typeof key[3] === 'number';
  }

  /** Runs a storage operation; on any failure warns once and goes memory-only. */
  async #guard<T>(run: (store: UseStore) => Promise<T>): Promise<T | undefined> {
    const store = this.#store;
    if (!store) return undefined;
    try {
      return await run(store);
    } catch (error) {
      if (this.#store) this.#warn(`IndexedDB failed (${(error as Error)?.message ?? error}): unacknowledged signals are kept in memory only and will not survive a reload`);
      this.#store = undefined;
      this.#toWrite.clear();
      this.#toDelete.clear();
      return undefined;
    }
  }
}

function isStoredSignal(value: unknown): value is StoredSignal {
  const v = value as StoredSignal;
  return typeof v === 'object' && v !== null && Number.isSafeInteger(v.id) && typeof v.type === 'string'
    && typeof v.data === 'string' && Array.isArray(v.to) && v.to.every((id) => typeof id === 'string');
}
