/**
 * What every BootstrapChannel shares: frames that arrive before `listen` wait (bounded) and are
 * delivered first, in order; a close from the other side reaches the listener once.
 */
import type { BootstrapChannel } from './types.js';

export type ChannelHandlers = { data(raw: unknown): void; closed(): void };

export abstract class BufferedChannel implements BootstrapChannel {
  #handlers: ChannelHandlers | undefined;
  #unheard: unknown[] = [];
  protected closed = false;

  /** @param maxUnheard frames kept for a listener not there yet; more means a misbehaving peer: closed. */
  constructor(private readonly maxUnheard: number) {}

  abstract send(text: string): void;
  abstract close(): void;

  listen(handlers: ChannelHandlers): void {
    if (this.closed) return handlers.closed();
    this.#handlers = handlers;
    const unheard = this.#unheard;
    this.#unheard = [];
    for (const raw of unheard) {
      if (this.closed) return;
      handlers.data(raw);
    }
  }

  /** A frame from the other side. */
  protected deliver(raw: unknown): void {
    if (this.closed) return;
    if (this.#handlers) return this.#handlers.data(raw);
    if (this.#unheard.length >= this.maxUnheard) return this.close();
    this.#unheard.push(raw);
  }

  /** The other side closed it or went away: close, then tell the listener. */
  protected remoteGone(): void {
    if (this.closed) return;
    const handlers = this.#handlers;
    this.close();
    handlers?.closed();
  }

  /** Marks it closed and forgets the listener and what waited for it. */
  protected markClosed(): void {
    this.closed = true;
    this.#handlers = undefined;
    this.#unheard = [];
  }
}
