/**
 * Delivery: what happens to a signal between `session.signal()` and its completion.
 *
 * Sending: each signal gets an id (increasing, never repeated by this identity: see `firstId`),
 * one frame goes to each target, and the signal waits in `#pending` until every target
 * acknowledged it, refused it, left, or its ack clock ran out. Then it settles once.
 *
 * Per target a pending signal is in one of these states:
 *
 * | state   | entered when                                   | clock (`ackTimeoutMs`)   | leaves on                                  |
 * |---------|------------------------------------------------|--------------------------|--------------------------------------------|
 * | sent    | the frame went to a linked target              | runs                     | ack → delivered; nak → failure; clock out → 408; peerAway → held |
 * | held    | the target was away (`retryAfterReconnect`), or its link died with the frame unacknowledged | stopped (keeps what was left) | peerBack → resent, in id order → sent; peerLeft → 404 |
 *
 * So a completion comes at most `ackTimeoutMs` of linked time after the signal could first be
 * sent, plus the time the target was away (each absence ends within the transport's grace:
 * `peerBack`, or `peerLeft` → 404), or at once with 500 when the session ends.
 *
 * Receiving: a frame is decoded (`src/wire`), a signal dispatched to the app, then acknowledged.
 * De-duplication is a high-water mark per sender: ids from one sender to one receiver increase
 * in send order, a link carries frames in order and loses at most a suffix when it dies, and a
 * resend after `peerBack` repeats the unacknowledged ones in id order. So a signal id at or below
 * the mark was dispatched already (acknowledged again, not dispatched twice), and no window can
 * be overrun by retransmission.
 *
 * Frames to oneself never touch the transport: they go through the same decoder on a microtask,
 * so a signal to oneself is delivered after `signal()` returns, like any other.
 */
import { Connection } from '../connection.js';
import { ErrorCode, SignalError, nameOfCode, type SignalFailure } from '../signal/errors.js';
import { failureError } from './failure.js';
import { decodeDeliveryFrame, signalFrame, type DeliveryFrame, type SignalFrame } from '../wire/signal-frames.js';
import { AckBatcher } from './acks.js';
import type { StoredSignal } from './outbox.js';

/** Deadlines run on a monotonic clock: a wall clock set back would delay a 408 by the jump. */
const now = (): number => performance.now();

/** Most signals awaiting acknowledgement at once; one more fails with 429. */
export const MAX_SIGNALS_IN_FLIGHT = 4096;
/** Senders whose high-water mark a receiver keeps (the least recently heard is forgotten first). */
export const MAX_TRACKED_SENDERS = 4096;

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
  /** The first signal id (default 1). A reloaded identity starts above every id it used before. */
  firstId?: number;
  /** Receiver high-water marks kept across a reload of this page: [sender id, highest id dispatched]. */
  seen?: Iterable<readonly [string, number]>;
  /** Told when a signal starts and stops awaiting acknowledgement (the persistent outbox). */
  outbox?: { added(signal: StoredSignal): void; removed(id: number): void };
}

interface TargetState {
  connection: Connection;
  /** When this target's ack clock runs out (ms, `now()`: monotonic); undefined while held. */
  deadlineMs: number | undefined;
  /** Ack time left for this target while its clock is stopped. */
  remainingMs: number;
  /**
   * A resumed signal's target that is not (yet) a member: the clock runs for it to join
   * (`memberJoined` sends the signal then); if it does not, it fails with 404.
   */
  absent?: boolean;
}

interface Pending {
  frame: SignalFrame;
  signal: unknown;
  waiting: Map<string, TargetState>;
  delivered: Connection[];
  failures: SignalFailure[];
  settle(error: SignalError | null): void;
}

export class Delivery {
  readonly #deps: DeliveryDeps;
  /** Pending signals by id; a Map iterates in insertion (= id) order, which resends rely on. */
  readonly #pending = new Map<number, Pending>();
  /** Per sender: the highest signal id dispatched (insertion order = least recently heard first). */
  readonly #seen = new Map<string, number>();
  /** Members whose link is being re-formed: frames to them are held. */
  readonly #away = new Set<string>();
  /** The one ack timer, armed for the earliest running deadline. */
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = Infinity;
  readonly #acks = new AckBatcher((to, frame) => this.#route(to, frame));
  #nextId: number;
  #closed = false;

  constructor(deps: DeliveryDeps) {
    this.#deps = deps;
    this.#nextId = deps.firstId ?? 1;
    for (const [sender, mark] of deps.seen ?? []) this.#seen.set(sender, mark);
  }

  /** The id the next signal gets (persisted so a reload never repeats one). */
  get nextId(): number {
    return this.#nextId;
  }

  /** True when signal `id` from `fromId` was dispatched already (a retransmission). */
  dispatchedAlready(fromId: string, id: number): boolean {
    const mark = this.#seen.get(fromId);
    return mark !== undefined && id <= mark;
  }

  /** Receiver high-water marks, to keep across a reload of this page. */
  highWaterMarks(): [string, number][] {
    return [...this.#seen];
  }

  /**
   * Sends a signal to `targets` and resolves when every one acknowledged it. Rejects with a
   * SignalError naming each target that failed. `signal` is the app's object, for `error.signal`.
   * A target that is away holds the signal until it is back, or fails it at once with 404 when
   * `retryAfterReconnect` is false.
   */
  send(targets: readonly Connection[], type: string, data: string, signal: unknown, retryAfterReconnect = true): Promise<void> {
    if (this.#closed) return Promise.reject(new SignalError(ErrorCode.NOT_CONNECTED, 'the session is not connected', signal));
    if (this.#pending.size >= MAX_SIGNALS_IN_FLIGHT) {
      return Promise.reject(new SignalError(ErrorCode.RATE_LIMIT_EXCEEDED,
        `${MAX_SIGNALS_IN_FLIGHT} signals already await acknowledgement; wait for some to complete`, signal));
    }
    const id = this.#nextId++;
    return new Promise<void>((resolve, reject) => {
      // One frame object for every target: a transport encodes it once (`wireForm`).
      const pending = this.#start(signalFrame(id, type, data), targets, signal, (error) => (error ? reject(error) : resolve()));
      for (const target of targets) {
        const away = this.#away.has(target.connectionId);
        if (away && !retryAfterReconnect) {
          this.#fail(id, target.connectionId, ErrorCode.NOT_FOUND, `connection ${target.connectionId} is away (its link is re-forming) and retryAfterReconnect is false`);
        } else if (!away) {
          this.#transmit(id, pending, target.connectionId);
        }
      }
      this.#record(id, pending);
    });
  }

  /**
   * Sends again signals that an earlier page of this identity left unacknowledged, with their
   * original ids. A target that is not a member yet (its link still forming) gets `ackTimeoutMs`
   * to join (`memberJoined`), then the signal fails for it with 404. `outcome` hears how each
   * ends (the original callbacks died with that page).
   */
  resume(signals: readonly StoredSignal[], outcome: (signal: StoredSignal, error: SignalError | null) => void): void {
    for (const stored of [...signals].sort((a, b) => a.id - b.id)) {
      if (this.#closed) return;
      if (this.#pending.has(stored.id)) continue;
      this.#nextId = Math.max(this.#nextId, stored.id + 1);
      const self = this.#deps.self.connectionId;
      const known = stored.to.map((id) => (id === self ? this.#deps.self : this.#deps.connectionOf(id)));
      const targets = known.filter((c): c is Connection => c !== undefined);
      const view = { type: stored.type, data: stored.data, to: stored.to };
      const pending = this.#start(signalFrame(stored.id, stored.type, stored.data), targets, view, (error) => outcome(stored, error));
      const deadlineMs = now() + this.#deps.ackTimeoutMs;
      for (const id of stored.to) {
        if (pending.waiting.has(id)) continue;
        pending.waiting.set(id, { connection: new Connection(id, 0, ''), deadlineMs, remainingMs: this.#deps.ackTimeoutMs, absent: true });
        this.#arm(deadlineMs);
      }
      for (const target of targets) if (!this.#away.has(target.connectionId)) this.#transmit(stored.id, pending, target.connectionId);
      this.#record(stored.id, pending, false);
    }
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
      case 'sig': {
        const first = this.#firstTime(fromId, frame.id);
        // Acknowledged before the app sees it: a listener that calls disconnect() closes this
        // Delivery, and the ack must already be on its way (the signal was delivered).
        this.#acks.ack(fromId, frame.id);
        if (first) this.#deps.dispatch(from, frame.type, frame.data);
        return;
      }
      case 'ack':
        this.#answer(fromId, frame.id, null);
        if (frame.ids) for (const more of frame.ids) this.#answer(fromId, more, null);
        return;
      case 'nak':
        this.#answer(fromId, frame.id, { code: frame.code, reason: frame.reason });
        return;
    }
  }

  /** A member joined: resumed signals that wait for it (see `resume`) are sent to it now. */
  memberJoined(connection: Connection): void {
    if (this.#closed) return;
    for (const [id, pending] of this.#pending) {
      const state = pending.waiting.get(connection.connectionId);
      if (!state?.absent) continue;
      state.absent = false;
      state.connection = connection;
      state.remainingMs = this.#deps.ackTimeoutMs;
      if (!this.#away.has(connection.connectionId)) this.#transmit(id, pending, connection.connectionId);
      else state.deadlineMs = undefined;
    }
  }

  /** The link to a member died: what it has not acknowledged is held, its clock stopped. */
  peerAway(connectionId: string): void {
    if (this.#closed || this.#away.has(connectionId)) return;
    this.#away.add(connectionId);
    this.#stopClocks(connectionId);
  }

  /** The member is linked again: every signal it has not acknowledged is sent again, in id order. */
  peerBack(connectionId: string): void {
    if (this.#closed || !this.#away.has(connectionId)) return;
    // Still marked away while resending: a send refused on the way keeps the rest held, not 404.
    for (const [id, pending] of this.#pending) {
      if (pending.waiting.has(connectionId) && !this.#transmit(id, pending, connectionId)) {
        this.#stopClocks(connectionId); // the link is already gone again: keep holding
        return;
      }
    }
    this.#away.delete(connectionId);
  }

  /** Stops the ack clock of every signal waiting for `connectionId`, keeping the time left. */
  #stopClocks(connectionId: string): void {
    const at = now();
    for (const pending of this.#pending.values()) {
      const state = pending.waiting.get(connectionId);
      if (state?.deadlineMs !== undefined && !state.absent) {
        state.remainingMs = Math.max(0, state.deadlineMs - at);
        state.deadlineMs = undefined;
      }
    }
  }

  /** A peer left: every signal still waiting for it fails for that target with 404. */
  peerLeft(connectionId: string, why: string): void {
    this.#away.delete(connectionId);
    // Its high-water mark stays: a reloaded sender that comes back as this id resends old ids.
    for (const [id, pending] of this.#pending) {
      if (pending.waiting.has(connectionId)) this.#fail(id, connectionId, ErrorCode.NOT_FOUND, why);
    }
  }

  /** Sends the acknowledgements held for the next task now (a page about to go away). */
  flushAcks(): void {
    if (!this.#closed) this.#acks.flush();
  }

  /**
   * The session is over: every waiting signal fails with 500, every timer is cleared. Safe twice.
   * `keepOutbox`: the page is going away, not leaving: the stored outbox stays for the next page.
   */
  close(why: string, keepOutbox = false): void {
    if (this.#closed) return;
    this.#acks.flush(); // what we received was dispatched: its senders should hear so
    this.#closed = true;
    const outbox = this.#deps.outbox;
    if (keepOutbox) this.#deps.outbox = undefined;
    for (const [id, pending] of this.#pending) {
      for (const connectionId of [...pending.waiting.keys()]) this.#fail(id, connectionId, ErrorCode.NOT_CONNECTED, why);
    }
    this.#deps.outbox = outbox;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #start(frame: SignalFrame, targets: readonly Connection[], signal: unknown, settle: Pending['settle']): Pending {
    const pending: Pending = {
      frame,
      signal,
      waiting: new Map(targets.map((c) => [c.connectionId, { connection: c, deadlineMs: undefined, remainingMs: this.#deps.ackTimeoutMs }])),
      delivered: [],
      failures: [],
      settle,
    };
    this.#pending.set(frame.id, pending);
    return pending;
  }

  /** After a signal's first sends: settles it if nothing waits, else tells the outbox. */
  #record(id: number, pending: Pending, store = true): void {
    this.#settleIfDone(id, pending);
    if (!store || !this.#pending.has(id)) return;
    const self = this.#deps.self.connectionId;
    const to = [...pending.waiting.keys()].filter((c) => c !== self);
    if (to.length > 0) this.#deps.outbox?.added({ id, type: pending.frame.type, data: pending.frame.data, to });
  }

  /** Sends (or resends) a pending signal to one target and starts its clock. False: no link. */
  #transmit(id: number, pending: Pending, to: string): boolean {
    const state = pending.waiting.get(to)!;
    if (!this.#route(to, pending.frame)) {
      if (!this.#away.has(to)) this.#fail(id, to, ErrorCode.NOT_FOUND, `no open link to connection ${to}`);
      return false;
    }
    state.deadlineMs = now() + state.remainingMs;
    this.#arm(state.deadlineMs);
    return true;
  }

  #route(to: string, frame: DeliveryFrame): boolean {
    if (to !== this.#deps.self.connectionId) return this.#deps.send(to, frame);
    queueMicrotask(() => this.receive(to, frame));
    return true;
  }

  /** True when `id` is above the sender's high-water mark (and raises the mark). */
  #firstTime(fromId: string, id: number): boolean {
    if (this.dispatchedAlready(fromId, id)) return false;
    this.#seen.delete(fromId); // re-insert: the most recently heard goes last
    this.#seen.set(fromId, id);
    if (this.#seen.size > MAX_TRACKED_SENDERS) this.#seen.delete(this.#seen.keys().next().value!);
    return true;
  }

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
    pending.delivered.push(target.connection);
    this.#settleIfDone(id, pending);
  }

  #fail(id: number, connectionId: string, code: ErrorCode, message: string): void {
    const pending = this.#pending.get(id);
    const state = pending?.waiting.get(connectionId);
    if (!pending || !state) return;
    pending.waiting.delete(connectionId);
    pending.failures.push({ connection: state.connection, code, name: nameOfCode(code), message });
    this.#settleIfDone(id, pending);
  }

  /** Arms the one timer for `deadlineMs` unless it already fires earlier. */
  #arm(deadlineMs: number): void {
    if (this.#timer !== undefined && this.#timerAt <= deadlineMs) return;
    clearTimeout(this.#timer);
    this.#timerAt = deadlineMs;
    this.#timer = setTimeout(this.#expire, Math.max(0, deadlineMs - now()));
  }

  /** Fails every target whose clock ran out, then re-arms for the earliest clock still running. */
  readonly #expire = (): void => {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const at = now();
    const expired: [number, string][] = [];
    let next = Infinity;
    for (const [id, pending] of this.#pending) {
      for (const [connectionId, state] of pending.waiting) {
        if (state.deadlineMs === undefined) continue;
        if (state.deadlineMs <= at) expired.push([id, connectionId]);
        else next = Math.min(next, state.deadlineMs);
      }
    }
    for (const [id, connectionId] of expired) {
      if (this.#pending.get(id)?.waiting.get(connectionId)?.absent) {
        this.#fail(id, connectionId, ErrorCode.NOT_FOUND, `connection ${connectionId} did not join within ${this.#deps.ackTimeoutMs} ms of this page coming back`);
      } else {
        this.#fail(id, connectionId, ErrorCode.TIMEOUT, `no acknowledgement from connection ${connectionId} within ${this.#deps.ackTimeoutMs} ms`);
      }
    }
    if (next !== Infinity && this.#pending.size > 0) this.#arm(next);
  };

  #settleIfDone(id: number, pending: Pending): void {
    if (pending.waiting.size > 0 || this.#pending.get(id) !== pending) return;
    this.#pending.delete(id);
    this.#deps.outbox?.removed(id);
    if (this.#pending.size === 0 && this.#timer !== undefined) {
      clearTimeout(this.#timer); // nothing waits: no timer may outlive the last signal
      this.#timer = undefined;
      this.#timerAt = Infinity;
    }
    pending.settle(pending.failures.length === 0 ? null : failureError(pending.signal, pending.failures, pending.delivered));
  }
}
