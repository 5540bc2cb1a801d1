/**
 * What the mesh unit tests (test/unit/mesh*.test.ts) share, so each file holds only its scenario:
 * a fake clock with a fresh memory rendezvous and memory links per test, a TransportEvents recorder,
 * a client of the mesh transport, a bare Mesh with the tests' timings, and a link the test drives.
 */
import { afterEach, beforeEach, vi } from 'vitest';
import type { ConnectionInfo } from '../../src/connection.js';
import { createMemoryRendezvous, type MemoryRendezvous } from '../../src/bootstrap/memory.js';
import type { Bootstrap } from '../../src/bootstrap/types.js';
import type { LinkOptions } from '../../src/mesh/link.js';
import { createMemoryLinks, type MemoryLink, type MemoryLinks } from '../../src/mesh/memory-link.js';
import { Mesh, type MeshConfig, type SdpRoute } from '../../src/mesh/mesh.js';
import { createMeshTransport, type MeshCloseOptions, type MeshOptions } from '../../src/mesh/transport.js';
import type { JoinResult, LeaveReason, Transport, TransportEvents } from '../../src/transport/types.js';
import type { SdpPayload } from '../../src/wire/mesh-frames.js';

/** Per test, under a fake clock: a memory rendezvous and memory links. */
export interface MemoryWorld {
  readonly server: MemoryRendezvous;
  readonly links: MemoryLinks;
  /** Runs `close` after the test (in the order given), before the real clock is back. */
  onClose(close: () => void): void;
}

/** Registers the beforeEach/afterEach that give each test of the calling file a fresh MemoryWorld. */
export function useMemoryWorld(): MemoryWorld {
  const closers: Array<() => void> = [];
  const world = { server: undefined as unknown as MemoryRendezvous, links: undefined as unknown as MemoryLinks, onClose: (close: () => void) => void closers.push(close) };
  beforeEach(() => {
    vi.useFakeTimers();
    world.server = createMemoryRendezvous();
    world.links = createMemoryLinks();
  });
  afterEach(() => {
    for (const close of closers.splice(0)) close();
    vi.useRealTimers();
  });
  return world;
}

/** Runs what a zero-time step of the fake clock and a few microtask rounds start (link handshakes). */
export async function settle(): Promise<void> {
  await vi.advanceTimersByTimeAsync(0);
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

/** Every TransportEvents call in order as a line; frames and faults apart. */
export class RecordingEvents implements TransportEvents {
  /** `joined b`, `away b`, `back b`, `left b networkDisconnected`, `reconnecting`, `reconnected`, `disconnected networkDisconnected`. */
  readonly log: string[] = [];
  /** [sender, frame] per message. */
  readonly frames: Array<[string, unknown]> = [];
  /** `id: reason` per peerFault. */
  readonly faults: string[] = [];

  /** The log lines of one kind: `joined`, `away`, `back`, `left`, `reconnecting`, `reconnected`, `disconnected`. */
  events(kind: string): string[] {
    return this.log.filter((line) => line === kind || line.startsWith(`${kind} `));
  }

  /** Every id reported joined, in order. */
  joinedIds(): string[] {
    return this.events('joined').map((line) => line.slice('joined '.length));
  }

  /** The ids joined and not left since. */
  members(): Set<string> {
    const members = new Set<string>();
    for (const [kind, id] of this.log.map((line) => line.split(' '))) {
      if (kind === 'joined') members.add(id!);
      if (kind === 'left') members.delete(id!);
    }
    return members;
  }

  peerJoined(peer: ConnectionInfo): void {
    this.log.push(`joined ${peer.connectionId}`);
  }
  peerAway(id: string): void {
    this.log.push(`away ${id}`);
  }
  peerBack(id: string): void {
    this.log.push(`back ${id}`);
  }
  peerLeft(id: string, reason: LeaveReason): void {
    this.log.push(`left ${id} ${reason}`);
  }
  message(from: string, frame: unknown): void {
    this.frames.push([from, frame]);
  }
  reconnecting(): void {
    this.log.push('reconnecting');
  }
  reconnected(): void {
    this.log.push('reconnected');
  }
  disconnected(reason: string): void {
    this.log.push(`disconnected ${reason}`);
  }
  peerFault(id: string | undefined, reason: string): void {
    this.faults.push(`${id}: ${reason}`);
  }
}

/** How a TransportPeer is made: mesh transport options beyond the world's, and the certificate its links hold. */
export type PeerOptions = Omit<MeshOptions, 'bootstrap' | 'createLink'> & { certificate?: RTCCertificate };

/** One client of the mesh transport in a MemoryWorld (closed after the test): what it saw, its links, its join. */
export class TransportPeer extends RecordingEvents {
  readonly info: ConnectionInfo;
  readonly transport: Transport & { close(options?: MeshCloseOptions): void };
  readonly links: MemoryLink[] = [];
  bootstrap: Bootstrap | undefined;
  result: JoinResult | Error | undefined;
  /** Links made while offline carry nothing (their packets go nowhere). */
  offline = false;

  constructor(world: MemoryWorld, id: string, session: string, { certificate, ...options }: PeerOptions = {}) {
    super();
    this.info = { connectionId: id, creationTime: 0, data: id };
    this.transport = createMeshTransport({
      ...options,
      bootstrap: (sid) => (this.bootstrap = world.server.bootstrap(sid)),
      createLink: (o, e) => {
        const link = world.links.factory(certificate ? { ...o, certificate } : o, e) as MemoryLink;
        if (this.offline) link.mute();
        this.links.push(link);
        return link;
      },
    })(session) as TransportPeer['transport'];
    world.onClose(() => this.transport.close());
  }

  get id(): string {
    return this.info.connectionId;
  }

  /** Starts the join; `result` holds how it settled. */
  connect(): void {
    this.transport.connect(this.info, this).then(
      (r) => this.settled(r),
      (e: Error) => this.settled(e),
    );
  }

  protected settled(result: JoinResult | Error): void {
    this.result = result;
  }

  /** Live links whose other end belongs to `other`. */
  linksTo(other: TransportPeer): MemoryLink[] {
    return this.links.filter((l) => l.state === 'open' && l.remote !== undefined && other.links.includes(l.remote));
  }
}

/** The timings of the Mesh-level tests. */
export const MESH_TIMINGS = {
  linkTimeoutMs: 10_000,
  heartbeatIntervalMs: 1_000,
  heartbeatTimeoutMs: 4_000,
  byeLingerMs: 500,
  reconnectGraceMs: 20_000,
  reloadGraceMs: 5_000,
  relinkInitialMs: 250,
  relinkMaxMs: 4_000,
  viewIntervalMs: 0,
} as const;

/** A bare Mesh (no transport around it) on the world's links, closed after the test, and what it reported. */
export class MeshNode extends RecordingEvents {
  readonly info: ConnectionInfo;
  readonly mesh: Mesh;
  /** Links this mesh made, by creation order. */
  readonly links: MemoryLink[] = [];

  /** MESH_TIMINGS with `config` over them; `holding` says whether it holds the rendezvous point. */
  constructor(world: MemoryWorld, info: ConnectionInfo, config: Partial<MeshConfig> = {}, holding = false) {
    super();
    this.info = info;
    this.mesh = new Mesh(
      info,
      {
        iceServers: [],
        ...MESH_TIMINGS,
        ...config,
        createLink: (o, e) => {
          const link = world.links.factory(o, e) as MemoryLink;
          this.links.push(link);
          return link;
        },
      },
      { events: this, joinerRoute: () => undefined, holding: () => holding, introducerSeen: () => {}, joined: () => {}, left: () => {} },
    );
    world.onClose(() => this.mesh.close());
  }

  get id(): string {
    return this.info.connectionId;
  }
}

/** A direct route from `from` to `to`, as a bootstrap channel would carry it. */
export function route(from: MeshNode, to: MeshNode): SdpRoute {
  return (frame) => queueMicrotask(() => frame.t === 'm.sdp' && to.mesh.handleSdp(frame, from.id, route(to, from)));
}

/** `a` offers to `b` directly; returns once the link is up (or failed). */
export async function link(a: MeshNode, b: MeshNode): Promise<void> {
  a.mesh.offerTo(b.id, route(a, b));
  await settle();
}

/**
 * A link driven by the test that offers to `a` claiming to be `claimedId` (its `from`), holding
 * `certificate` if given; returns once a's answering link is open, before any hello. `received`
 * holds the frames `a` sends on it, parsed.
 */
export async function dial(world: MemoryWorld, a: MeshNode, claimedId: string, certificate?: RTCCertificate): Promise<{ link: MemoryLink; received: unknown[] }> {
  const received: unknown[] = [];
  let offer: SdpPayload | undefined;
  const link = world.links.factory({ initiator: true, certificate } as LinkOptions, {
    sdp: (sdp) => (offer = sdp),
    open: () => {},
    data: (raw) => received.push(typeof raw === 'string' ? JSON.parse(raw) : raw),
    closed: () => {},
  }) as MemoryLink;
  await settle();
  if (offer?.type !== 'offer') throw new Error('scripted peer made no offer');
  const token = offer.sdp;
  const back: SdpRoute = (frame) => {
    if (frame.t === 'm.sdp' && frame.sdp.type === 'answer') {
      const answer = frame.sdp;
      queueMicrotask(() => link.signal(answer));
    }
  };
  a.mesh.handleSdp({ t: 'm.sdp', from: claimedId, to: a.id, lid: token, sdp: { type: 'offer', sdp: token } }, claimedId, back);
  await settle();
  if (link.state !== 'open') throw new Error('scripted peer did not link');
  return { link, received };
}
