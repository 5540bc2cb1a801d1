/**
 * Delivery: what happens to a signal between `session.signal()` and its completion.
 *
 * Sending: each signal gets an id (a counter per stay), one frame goes to each target, and the
 * signal waits in `#pending` until every target acknowledged it, refused it, left, or
 * `ackTimeoutMs` passed. Then its promise settles once. Every signal waits the same time, so
 * deadlines fall in send order: one timer, armed for the oldest, serves them all (a timer per
 * signal cost ~20 µs each in the bench's profile).
 *
 * Receiving: a frame is decoded (`src/wire`), a signal dispatched to the app, then acknowledged.
 * A signal id seen before from the same sender is acknowledged again but not dispatched twice.
 *
 * Frames to oneself never touch the transport: they go through the same decoder on a microtask,
 * so a signal to oneself is delivered after `signal()` returns, like any other.
 */
import type { Connection } from '../connection.js';
import { ErrorCode, SignalError, nameOfCode, type SignalFailure } from '../signal/errors.js';
import { decodeDeliveryFrame, type DeliveryFrame, type SignalFrame } from '../wire/signal-frames.js';

/** Most signals awaiting acknowledgement at once; one more fails with 429. */
export const MAX_SIGNALS_IN_FLIGHT = 4096;
/** Signal ids remembered per sender for de-duplication (oldest forgotten first). */
export const DEDUP_WINDOW = 1024;

export interface DeliveryDeps {
  /** This client's own connection. */
  self: Connection;
  /** Hands a frame to the transport; false when there is no link to `to`. */
  send(to: string, frame: DeliveryFrame): boolean;
  /** The live Connection of a peer id, if it is a member. */
  connectionOf(connectionId: string): Connection | undefined;
  /** Dispatches a received signal to the app's listeners. */
  dispatch(from: Connection, type: string, data: string): void;
  /** A peer broke the protocol; the frame was dropped. */
  fault(from: Connection | undefined, reason: string): void;
  ackTimeoutMs: number;
}

interface Pending {
  signal: unknown;
  waiting: Map<string, Connection>;
  delivered: Connection[];
  failures: SignalFailure[];
  /** When the signal fails with 408 (ms, Date.now clock). */
  deadlineMs: number;
  settle(error: SignalError | null): void;
}

export class Delivery {
  readonly #deps: DeliveryDeps;
  readonly #pending = new Map<number, Pending>();
  /** Per sender: ids already dispatched (a Set keeps insertion order, so the oldest goes first). */
  readonly #seen = new Map<string, Set<number>>();
  /** The one ack timer, armed while anything is pending. */
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Per sender: ids to acknowledge in one frame on the next task (see #ack). */
  readonly #ackBatches = new Map<string, number[]>();
  #ackFlushTimer: ReturnType<typeof setTimeout> | undefined;
  #nextId = 1;
  #closed = false;

  constructor(deps: DeliveryDeps) {
    this.#deps = deps;
  }

  /** Signals still awaiting acknowledgement. */
  get inFlight(): number {
    return this.#pending.size;
  }

  /**
   * Sends a signal to `targets` and resolves when every one acknowledged it. Rejects with a
   * SignalError naming each target that failed. `signal` is the app's object, for `error.signal`.
   */
  send(targets: readonly Connection[], type: string, data: string, signal: unknown): Promise<void> {
    if (this.#closed) return Promise.reject(new SignalError(ErrorCode.NOT_CONNECTED, 'the session is not connected', signal));
    if (this.#pending.size >= MAX_SIGNALS_IN_FLIGHT) {
      return Promise.reject(new SignalError(ErrorCode.RATE_LIMIT_EXCEEDED,
        `${MAX_SIGNALS_IN_FLIGHT} signals already await acknowledgement; wait for some to complete`, signal));
    }
    const id = this.#nextId++;
    const frame: SignalFrame = { t: 'sig', id, type, data };
    return new Promise<void>((resolve, reject) => {
      const pending: Pending = {
        signal,
        waiting: new Map(targets.map((c) => [c.connectionId, c])),
        delivered: [],
        failures: [],
        deadlineMs: Date.now() + this.#deps.ackTimeoutMs,
        settle: (error) => (error ? reject(error) : resolve()),
      };
      this.#pending.set(id, pending);
      this.#timer ??= setTimeout(this.#expire, this.#deps.ackTimeoutMs);
      for (const target of targets) {
        if (!this.#route(target.connectionId, frame)) {
          this.#fail(id, target.connectionId, ErrorCode.NOT_FOUND, `no open link to connection ${target.connectionId}`);
        }
      }
      this.#settleIfDone(id, pending); // no targets at all
    });
  }

  /** Handles one frame from a peer (or from oneself). Never throws. */
  receive(fromId: string, value: unknown): void {
    if (this.#closed) return;
    const from = fromId === this.#deps.self.connectionId ? this.#deps.self : this.#deps.connectionOf(fromId);
    if (!from) {
      this.#deps.fault(undefined, `frame from unknown connection ${fromId.slice(0, 64)}`);
      return;
    }
    const decoded = decodeDeliveryFrame(value);
    if (!decoded.ok) {
      this.#deps.fault(from, decoded.reason);
      if (decoded.id !== undefined) this.#route(fromId, { t: 'nak', id: decoded.id, code: decoded.code, reason: decoded.reason });
      return;
    }
    const frame = decoded.frame;
    switch (frame.t) {
      case 'sig':
        if (this.#firstTime(fromId, frame.id)) this.#deps.dispatch(from, frame.type, frame.data);
        this.#ack(fromId, frame.id);
        return;
      case 'ack':
        this.#answer(fromId, frame.id, null);
        if (frame.ids) for (const more of frame.ids) this.#answer(fromId, more, null);
        return;
      case 'nak':
        this.#answer(fromId, frame.id, { code: frame.code, reason: frame.reason });
        return;
    }
  }

  /** A peer left: every signal still waiting for it fails for that target with 404. */
  peerLeft(connectionId: string, why: string): void {
    this.#seen.delete(connectionId);
    for (const [id, pending] of this.#pending) {
      if (pending.waiting.has(connectionId)) this.#fail(id, connectionId, ErrorCode.NOT_FOUND, why);
    }
  }

  /** The session is over: every waiting signal fails with 500, every timer is cleared. Safe twice. */
  close(why: string): void {
    if (this.#closed) return;
    this.#flushAcks(); // what we received was dispatched: its senders should hear so
    this.#closed = true;
    for (const [id, pending] of this.#pending) {
      for (const connectionId of [...pending.waiting.keys()]) this.#fail(id, connectionId, ErrorCode.NOT_CONNECTED, why);
    }
    this.#seen.clear();
  }

  #route(to: string, frame: DeliveryFrame): boolean {
    if (to !== this.#deps.self.connectionId) return this.#deps.send(to, frame);
    queueMicrotask(() => this.receive(to, frame));
    return true;
  }

  /** True the first time `id` arrives from `fromId`; remembers it within the window. */
  #firstTime(fromId: string, id: number): boolean {
    let seen = this.#seen.get(fromId);
    if (!seen) this.#seen.set(fromId, (seen = new Set()));
    if (seen.has(id)) return false;
    seen.add(id);
    if (seen.size > DEDUP_WINDOW) seen.delete(seen.values().next().value!);
    return true;
  }

  /**
   * Acknowledges signal `id` from `fromId`. The first of a burst goes at once (no latency added);
   * those that arrive before the next task go together in one `{ t: 'ack', id, ids }` frame: a
   * small message costs a browser ~80 µs of CPU, so one ack per 8 KB signal cost throughput.
   */
  #ack(fromId: string, id: number): void {
    const batch = this.#ackBatches.get(fromId);
    if (batch) {
      batch.push(id);
      return;
    }
    this.#route(fromId, { t: 'ack', id });
    this.#ackBatches.set(fromId, []);
    this.#ackFlushTimer ??= setTimeout(this.#flushAcks, 0);
  }

  readonly #flushAcks = (): void => {
    clearTimeout(this.#ackFlushTimer);
    this.#ackFlushTimer = undefined;
    const batches = [...this.#ackBatches];
    this.#ackBatches.clear();
    for (const [to, ids] of batches) {
      if (ids.length === 1) this.#route(to, { t: 'ack', id: ids[0]! });
      else if (ids.length > 1) this.#route(to, { t: 'ack', id: ids[0]!, ids: ids.slice(1) });
    }
  };

  /** An ack (error null) or nak from `fromId` for signal `id`. Only a target that was asked counts. */
  #answer(fromId: string, id: number, error: { code: 400 | 413 | 429; reason: string } | null): void {
    const pending = this.#pending.get(id);
    const target = pending?.waiting.get(fromId);
    if (!pending || !target) return; // late, duplicate, or not ours to answer: ignore
    if (error) {
      this.#fail(id, fromId, error.code, `connection ${fromId} refused the signal: ${error.reason}`);
      return;
    }
    pending.waiting.delete(fromId);
    pending.delivered.push(target);
    this.#settleIfDone(id, pending);
  }

  #fail(id: number, connectionId: string, code: ErrorCode, message: string): void {
    const pending = this.#pending.get(id);
    const connection = pending?.waiting.get(connectionId);
    if (!pending || !connection) return;
    pending.waiting.delete(connectionId);
    pending.failures.push({ connection, code, name: nameOfCode(code), message });
    this.#settleIfDone(id, pending);
  }

  /** Fails every signal past its deadline (the oldest first), then re-arms for the next one. */
  readonly #expire = (): void => {
    this.#timer = undefined;
    const now = Date.now();
    for (const [id, pending] of this.#pending) {
      if (pending.deadlineMs > now) {
        this.#timer = setTimeout(this.#expire, pending.deadlineMs - now);
        return;
      }
      for (const connectionId of [...pending.waiting.keys()]) {
        this.#fail(id, connectionId, ErrorCode.TIMEOUT, `no acknowledgement from connection ${connectionId} within ${this.#deps.ackTimeoutMs} ms`);
      }
    }
  };

  #settleIfDone(id: number, pending: Pending): void {
    if (pending.waiting.size > 0 || !this.#pending.has(id)) return;
    this.#pending.delete(id);
    if (this.#pending.size === 0 && this.#timer !== undefined) {
      clearTimeout(this.#timer); // nothing waits: no timer may outlive the last signal
      this.#timer = undefined;
    }
    pending.settle(pending.failures.length === 0 ? null : failureError(pending));
  }
}

/**
 * One error for a signal that some targets did not acknowledge. Its code is the first failure's
 * when there is one target; for several, 408 if any target timed out (it may still have the
 * signal), else the first failure's code (404 when a target left). `failures` lists them all.
 */
function failureError(pending: Pending): SignalError {
  const { failures, delivered, signal } = pending;
  const first = failures[0]!;
  const total = failures.length + delivered.length;
  if (total === 1) return new SignalError(first.code, first.message, signal, { failures, delivered });
  const code = failures.some((f) => f.code === ErrorCode.TIMEOUT) ? ErrorCode.TIMEOUT : first.code;
  const list = failures.map((f) => `${f.connection.connectionId}: ${f.code} ${f.name}`).join(', ');
  return new SignalError(code, `${failures.length} of ${total} connections did not acknowledge the signal (${list})`, signal, { failures, delivered });
}
