/**
 * An in-memory rendezvous server: the Bootstrap of tests, with the faults a PeerServer has.
 * One point per session id; the first claim holds it; a dial reaches the holder through a pair
 * of in-memory channels. Fault injection: stop the server (holders lose their point, claims
 * and dials fail), freeze a holder (it keeps the point but never answers, as a silently dead
 * PeerJS client does until the server's alive_timeout), expire it.
 *
 * @example
 * const server = createMemoryRendezvous();
 * createMeshTransport({ bootstrap: server.bootstrap, createLink: links.factory })
 */
import type { Bootstrap, BootstrapChannel, ClaimResult, HoldHandlers } from './types.js';

export interface MemoryRendezvous {
  /** A Bootstrap for one session id (pass as `MeshOptions.bootstrap`). */
  bootstrap(sessionId: string): Bootstrap;
  /** The Bootstrap holding the session's point, if any. */
  holder(sessionId: string): Bootstrap | undefined;
  /** The holder stops answering but keeps the point. */
  freezeHolder(sessionId: string): void;
  /** Drop a frozen holder, as the server's alive_timeout does. */
  expireHolder(sessionId: string): void;
  /** The server goes away: holders lose their points; claims and dials fail until `start()`. */
  stop(): void;
  start(): void;
  /**
   * One client loses (true) or regains (false) its network: its claims and dials fail as if the
   * server were unreachable, and dials to it (if it holds the point) get no answer.
   */
  setOffline(bootstrap: Bootstrap, offline: boolean): void;
}

interface Hold {
  owner: MemoryBootstrap;
  handlers: HoldHandlers;
  frozen: boolean;
}

/** How long a dial to a frozen holder waits before giving up (a PeerJS dial's timeout). */
const FROZEN_DIAL_TIMEOUT_MS = 1_000;

export function createMemoryRendezvous(): MemoryRendezvous {
  const holds = new Map<string, Hold>();
  let up = true;
  const server: Server = {
    get up() {
      return up;
    },
    holds,
  };
  return {
    bootstrap: (sessionId) => new MemoryBootstrap(sessionId, server),
    holder: (sessionId) => holds.get(sessionId)?.owner,
    freezeHolder: (sessionId) => {
      const hold = holds.get(sessionId);
      if (hold) hold.frozen = true;
    },
    expireHolder: (sessionId) => {
      if (holds.get(sessionId)?.frozen) holds.delete(sessionId);
    },
    stop: () => {
      up = false;
      const lost = [...holds.values()];
      holds.clear();
      for (const hold of lost) if (!hold.frozen) hold.handlers.lost();
    },
    start: () => {
      up = true;
    },
    setOffline: (bootstrap, offline) => {
      if (bootstrap instanceof MemoryBootstrap) bootstrap.offline = offline;
    },
  };
}

interface Server {
  readonly up: boolean;
  holds: Map<string, Hold>;
}

class MemoryBootstrap implements Bootstrap {
  private readonly channels = new Set<BootstrapChannel>();
  /** Waits in flight; `close()` ends them so no claim or dial is left hanging. */
  private readonly waits = new Map<ReturnType<typeof setTimeout>, () => void>();
  private destroyed = false;
  /** This client's network is down (`setOffline`). */
  offline = false;

  constructor(
    private readonly sessionId: string,
    private readonly server: Server,
  ) {}

  get holding(): boolean {
    return this.server.holds.get(this.sessionId)?.owner === this;
  }

  async claim(handlers: HoldHandlers): Promise<ClaimResult> {
    await Promise.resolve(); // a round trip, however short
    if (this.destroyed || !this.server.up || this.offline) return 'unreachable';
    const hold = this.server.holds.get(this.sessionId);
    if (hold?.owner === this) return 'held';
    if (hold) return 'taken';
    this.server.holds.set(this.sessionId, { owner: this, handlers, frozen: false });
    return 'held';
  }

  async dial(): Promise<BootstrapChannel | undefined> {
    await Promise.resolve();
    const hold = this.server.holds.get(this.sessionId);
    if (this.destroyed || !this.server.up || !hold || this.offline) return undefined;
    if (hold.frozen || hold.owner.offline) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          this.waits.delete(t);
          resolve();
        }, FROZEN_DIAL_TIMEOUT_MS);
        this.waits.set(t, resolve);
      });
      return undefined;
    }
    const [ours, theirs] = channelPair();
    this.channels.add(ours);
    hold.owner.channels.add(theirs);
    hold.handlers.incoming(theirs);
    return ours;
  }

  close(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    if (this.holding) this.server.holds.delete(this.sessionId);
    for (const [t, resolve] of this.waits) {
      clearTimeout(t);
      resolve();
    }
    this.waits.clear();
    for (const ch of this.channels) ch.close();
    this.channels.clear();
  }
}

/** Two ends of one in-memory channel; frames delivered in order on microtasks. */
function channelPair(): [BootstrapChannel, BootstrapChannel] {
  const a = new MemoryChannel();
  const b = new MemoryChannel();
  a.other = b;
  b.other = a;
  return [a, b];
}

class MemoryChannel implements BootstrapChannel {
  other: MemoryChannel | undefined;
  private handlers: { data(raw: unknown): void; closed(): void } | undefined;
  private unheard: unknown[] = [];
  private closed = false;

  send(text: string): void {
    const other = this.other;
    if (this.closed || !other) return;
    queueMicrotask(() => other.deliver(text));
  }

  listen(handlers: { data(raw: unknown): void; closed(): void }): void {
    if (this.closed) return handlers.closed();
    this.handlers = handlers;
    for (const raw of this.unheard.splice(0)) handlers.data(raw);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.handlers = undefined;
    const other = this.other;
    queueMicrotask(() => other?.remoteClosed());
  }

  private deliver(raw: unknown): void {
    if (this.closed) return;
    if (this.handlers) this.handlers.data(raw);
    else this.unheard.push(raw);
  }

  private remoteClosed(): void {
    if (this.closed) return;
    const handlers = this.handlers;
    this.closed = true;
    this.handlers = undefined;
    handlers?.closed();
  }
}
