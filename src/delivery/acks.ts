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
 *
 * "The next task" is a MessageChannel message where there is one: a hidden tab clamps
 * `setTimeout(0)` to a second or more, which would hold a burst's acks (and the sender's
 * completions) that long.
 */
import { ackFrame, MAX_ACK_IDS, type DeliveryFrame } from '../wire/signal-frames.js';

/** Runs `task` on the next task, unthrottled in a hidden tab. Returns a cancel function. */
function nextTask(task: () => void): () => void {
  if (typeof MessageChannel !== 'function') {
    const timer = setTimeout(task, 0);
    return () => clearTimeout(timer);
  }
  const channel = new MessageChannel();
  channel.port1.onmessage = () => {
    channel.port1.close();
    task();
  };
  channel.port2.postMessage(null);
  return () => channel.port1.close();
}

export class AckBatcher {
  /** Per sender: ids to acknowledge in one frame on the next task. */
  readonly #batches = new Map<string, number[]>();
  #cancel: (() => void) | undefined;

  constructor(private readonly route: (to: string, frame: DeliveryFrame) => void) {}

  ack(fromId: string, id: number): void {
    const batch = this.#batches.get(fromId);
    if (batch) {
      batch.push(id);
      return;
    }
    this.route(fromId, ackFrame(id));
    this.#batches.set(fromId, []);
    this.#cancel ??= nextTask(this.flush);
  }

  /** Sends every batch now and cancels the next-task flush (also what a closing session does). */
  readonly flush = (): void => {
    this.#cancel?.();
    this.#cancel = undefined;
    const batches = [...this.#batches];
    this.#batches.clear();
    for (const [to, ids] of batches) {
      // A frame carries at most MAX_ACK_IDS (resends and new signals can pass it in one task).
      for (let i = 0; i < ids.length; i += MAX_ACK_IDS) this.route(to, ackFrame(ids[i]!, ids.slice(i + 1, i + MAX_ACK_IDS)));
    }
  };
}
