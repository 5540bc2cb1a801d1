/**
 * What one stay in a session keeps for the next page of the same tab, and how it is given back:
 * the identity (`store.ts`), the outbox (`../delivery/outbox.ts`) and the delivery state (next
 * signal id, receiver high-water marks). The Session opens one per `connect()` when it has
 * persistence, and ends it by how the stay ended:
 *
 * | ending   | when                                  | identity  | outbox                 | delivery state |
 * |----------|---------------------------------------|-----------|------------------------|----------------|
 * | `reload` | `pagehide` (reload, tab closed)       | kept      | kept (last write started) | saved        |
 * | `leave`  | `disconnect()`, the transport gave up | forgotten | deleted                | deleted        |
 * | `failed` | `connect()` failed                    | kept      | kept                   | kept           |
 */
import type { ConnectionInfo } from '../connection.js';
import { Outbox, type StoredSignal } from '../delivery/outbox.js';
import { claimIdentity, loadDeliveryState, saveDeliveryState, type ClaimedIdentity, type DeliveryState, type Persistence } from './store.js';

export type Ending = 'reload' | 'leave' | 'failed';

/** What is saved of Delivery across a reload. */
interface DeliveryLike {
  nextId: number;
  highWaterMarks(): [string, number][];
}

export class Continuity {
  private constructor(
    readonly identity: ClaimedIdentity,
    readonly outbox: Outbox,
    /** The delivery state the last page saved (undefined for a new identity). */
    readonly deliveryState: DeliveryState | undefined,
    /** Signals the last page of this identity left unacknowledged, oldest first. */
    readonly resumable: StoredSignal[],
    /** Signals of an identity this tab gave up: they cannot be sent any more (reported failed). */
    readonly abandoned: StoredSignal[],
    readonly persistence: Persistence,
    readonly sessionId: string,
    readonly warn: (reason: string) => void,
  ) {}

  /**
   * Claims the identity for `data` and loads what the last page left. `stillWanted` is asked
   * after each wait: false (disconnect() meanwhile) releases everything and resolves undefined.
   */
  static async open(p: Persistence, sessionId: string, data: string, warn: (reason: string) => void, stillWanted: () => boolean): Promise<Continuity | undefined> {
    const identity = await claimIdentity(p, sessionId, data, warn);
    if (!stillWanted()) {
      identity.release();
      return undefined;
    }
    const id = identity.info.connectionId;
    if (identity.stored && !p.idb) warn('IndexedDB is not available: unacknowledged signals will not survive a reload');
    const outbox = new Outbox(identity.stored ? p.idb : undefined, sessionId, id, warn);
    const state = identity.resumed ? loadDeliveryState(p, sessionId, id) : undefined;
    const resumable = identity.resumed ? await outbox.load() : [];
    const abandoned = identity.abandoned ? await emptied(new Outbox(p.idb, sessionId, identity.abandoned, () => {})) : [];
    if (!stillWanted()) {
      outbox.close();
      identity.release();
      return undefined;
    }
    return new Continuity(identity, outbox, state, resumable, abandoned, p, sessionId, warn);
  }

  get info(): ConnectionInfo {
    return this.identity.info;
  }

  /**
   * The first signal id of this stay: above what the last page used, and never below 1024 × the
   * clock in ms, in case that page could not save its counter (1024 ids per ms of absence to spare).
   */
  firstSignalId(): number {
    return Math.max(Date.now() * 1024, this.deliveryState?.nextId ?? 0, ...this.resumable.map((s) => s.id + 1));
  }

  /**
   * Saves the delivery state and starts any queued outbox write: on a reload, and whenever the page
   * is hidden (a hidden tab may be discarded without `pagehide`, mobile browsers do).
   */
  save(delivery: DeliveryLike | undefined): void {
    if (delivery && this.identity.stored) {
      saveDeliveryState(this.persistence, this.sessionId, this.identity.info.connectionId, { nextId: delivery.nextId, seen: delivery.highWaterMarks() }, this.warn);
    }
    void this.outbox.flush();
  }

  /** Ends the stay (see the table above). `delivery` gives the state to save on a reload. */
  end(ending: Ending, delivery: DeliveryLike | undefined): void {
    const { identity, outbox } = this;
    if (ending === 'reload') {
      this.save(delivery);
      identity.release();
    } else if (ending === 'failed') {
      outbox.close();
      identity.release();
    } else {
      // Nothing of a finished stay is resent later: the store is emptied (what Delivery.close
      // then fails is no longer on disk) and the identity forgotten.
      void outbox.clear();
      identity.forget();
    }
  }
}

async function emptied(outbox: Outbox): Promise<StoredSignal[]> {
  const signals = await outbox.load();
  await outbox.clear();
  return signals;
}
