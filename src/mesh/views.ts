/**
 * Views that disagree reconcile: now and then one joined member (in turn) gets our list of linked
 * members as `m.view`; the receiver offers (through us) to the ids it has not met. Departures are
 * remembered a while so that a stale list does not make anyone offer to a peer that just left.
 * Bounded: one list of ≤ MAX_MEMBERS ids per interval, ≤ MAX_DEPARTURES remembered ids.
 */
import { MAX_MEMBERS, type MeshFrame } from '../wire/mesh-frames.js';

/** Ids that left, remembered this long so that gossip does not offer to them again. */
export const DEPARTURE_MEMORY_MS = 30_000;
const MAX_DEPARTURES = 1_024;

export class Views {
  readonly #timer: ReturnType<typeof setInterval> | undefined;
  readonly #departed = new Map<string, number>();
  #turn = 0;

  /**
   * @param intervalMs how often a view goes out (0: never)
   * @param joinedIds the members linked now
   * @param send a control frame to one member
   */
  constructor(
    intervalMs: number,
    private readonly joinedIds: () => string[],
    private readonly send: (to: string, frame: MeshFrame) => void,
  ) {
    if (intervalMs > 0) this.#timer = setInterval(() => this.#sendOne(), intervalMs);
  }

  /** A member left: do not offer to it on hearsay for a while. */
  remember(id: string): void {
    this.#departed.delete(id);
    this.#departed.set(id, performance.now());
    if (this.#departed.size > MAX_DEPARTURES) this.#departed.delete(this.#departed.keys().next().value!);
  }

  /** True when `id` left less than DEPARTURE_MEMORY_MS ago. */
  recentlyGone(id: string): boolean {
    const at = this.#departed.get(id);
    return at !== undefined && performance.now() - at < DEPARTURE_MEMORY_MS;
  }

  close(): void {
    clearInterval(this.#timer);
  }

  #sendOne(): void {
    const joined = this.joinedIds();
    if (joined.length < 2) return;
    const to = joined[this.#turn++ % joined.length]!;
    this.send(to, { t: 'm.view', members: joined.filter((id) => id !== to).slice(0, MAX_MEMBERS) });
  }
}
