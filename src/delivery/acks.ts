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
import { reportError } from '../events.js';
import { ackFrame, MAX_ACK_IDS, type DeliveryFrame } from '../wire/signal-frames.js';

/** Tasks waiting for the next task, and the page's one channel that wakes them. */
const waiting = new Set<() => void>();
let wake: MessagePort | undefined;

/**
 * Runs `task` on the next task, unthrottled in a hidden tab. Returns a cancel function. One
 * MessageChannel serves the page: a new one per batch (created, posted to, closed) cost the
 * receiver ~30 µs of main thread per signal in the latency profile (`bench/run.mjs --profile`).
 */
function nextTask(task: () => void): () => void {
  if (typeof MessageChannel !== 'function') {
    const timer = setTimeout(task, 0);
    return () => clearTimeout(timer);
  }
  if (!wake) {
    const channel = new MessageChannel();
    channel.port1.onmessage = runWaiting;
    // Node: an open port with a listener would keep the process alive.
    (channel.port1 as { unref?: () => void }).unref?.();
    wake = channel.port2;
  }
  if (waiting.size === 0) wake.postMessage(null);
  waiting.add(task);
  return () => waiting.delete(task);
}

function runWaiting(): void {
  const tasks = [...waiting];
  waiting.clear();
  for (const task of tasks) {
    try {
      task();
    } catch (error) {
      reportError(error);
    }
  }
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
