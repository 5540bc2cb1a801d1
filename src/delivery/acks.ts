/**
 * The receiver's acknowledgements: the first signal of a burst is acknowledged at once (no
 * latency added); those that arrive before the next task go together in one
 * `{ t: 'ack', id, ids }` frame. A small message costs a browser ~80 µs of CPU, so one ack per
 * 8 KB signal cost throughput.
 *
 * | state per sender | on a signal                        | on the next task          |
 * |------------------|------------------------------------|---------------------------|
 * | idle             | ack sent at once → batching        | —                         |
 * | batching         | id added to the batch              | batch sent (if any) → idle |
 */
import { ackFrame, type DeliveryFrame } from '../wire/signal-frames.js';

export class AckBatcher {
  /** Per sender: ids to acknowledge in one frame on the next task. */
  readonly #batches = new Map<string, number[]>();
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly route: (to: string, frame: DeliveryFrame) => void) {}

  ack(fromId: string, id: number): void {
    const batch = this.#batches.get(fromId);
    if (batch) {
      batch.push(id);
      return;
    }
    this.route(fromId, ackFrame(id));
    this.#batches.set(fromId, []);
    this.#timer ??= setTimeout(this.flush, 0);
  }

  /** Sends every batch now and clears the timer (also what a closing session does). */
  readonly flush = (): void => {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batches = [...this.#batches];
    this.#batches.clear();
    for (const [to, ids] of batches) {
      if (ids.length > 0) this.route(to, ackFrame(ids[0]!, ids.slice(1)));
    }
  };
}
