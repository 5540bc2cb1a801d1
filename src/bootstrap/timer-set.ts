/**
 * Timers owned by one object, so that closing it clears every one still pending (the invite
 * door, the rendezvous): none fires into a closed object, none keeps a process alive.
 */
export type Timer = ReturnType<typeof setTimeout>;

export class TimerSet {
  readonly #pending = new Set<Timer>();

  /** Run `run` after `ms`, unless cancelled or cleared first. */
  after(ms: number, run: () => void): Timer {
    const t = setTimeout(() => {
      this.#pending.delete(t);
      run();
    }, ms);
    this.#pending.add(t);
    return t;
  }

  cancel(t: Timer): void {
    clearTimeout(t);
    this.#pending.delete(t);
  }

  /** Cancel every pending timer. */
  clear(): void {
    for (const t of this.#pending) clearTimeout(t);
    this.#pending.clear();
  }
}
