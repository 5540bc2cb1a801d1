/**
 * The whole mesh transport (Rendezvous + Mesh) over in-memory links and an in-memory rendezvous
 * server, with a fake clock: succession, the gap, a split room merging back, a frozen holder,
 * the server going away and coming back, and nothing left running after close().
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ConnectionInfo } from '../../src/connection.js';
import { createMemoryRendezvous, type MemoryRendezvous } from '../../src/bootstrap/memory.js';
import { createMemoryLinks, type MemoryLink, type MemoryLinks } from '../../src/mesh/memory-link.js';
import { createMeshTransport } from '../../src/mesh/transport.js';
import type { JoinResult, LeaveReason, Transport, TransportEvents } from '../../src/transport/types.js';
import { advanceUntil } from './helpers.js';

const SESSION = 'room';

class Peer implements TransportEvents {
  readonly info: ConnectionInfo;
  readonly transport: Transport;
  readonly links: MemoryLink[] = [];
  readonly joined = new Set<string>();
  readonly left: Array<[string, LeaveReason]> = [];
  readonly faults: string[] = [];
  readonly frames: Array<[string, unknown]> = [];
  result: JoinResult | Error | undefined;
  /** How many peers had joined when connect() settled. */
  joinedAtConnect = -1;

  constructor(id: string, server: MemoryRendezvous, links: MemoryLinks) {
    this.info = { connectionId: id, creationTime: 0, data: id };
    this.transport = createMeshTransport({
      bootstrap: server.bootstrap,
      createLink: (options, events) => {
        const link = links.factory(options, events) as MemoryLink;
        this.links.push(link);
        return link;
      },
      heartbeatIntervalMs: 1_000,
      heartbeatTimeoutMs: 4_000,
      joinTimeoutMs: 30_000,
    })(SESSION);
  }

  connect(): void {
    this.transport.connect(this.info, this).then(
      (r) => {
        this.result = r;
        this.joinedAtConnect = this.joined.size;
      },
      (e: Error) => (this.result = e),
    );
  }

  /** Goes silent: links stop delivering, nothing is closed, no goodbye. */
  freeze(): void {
    for (const l of this.links) l.mute();
  }

  peerJoined(peer: ConnectionInfo): void {
    this.joined.add(peer.connectionId);
  }
  peerAway(): void {}
  peerBack(): void {}
  peerLeft(id: string, reason: LeaveReason): void {
    this.joined.delete(id);
    this.left.push([id, reason]);
  }
  message(from: string, frame: unknown): void {
    this.frames.push([from, frame]);
  }
  reconnecting(): void {}
  reconnected(): void {}
  disconnected(): void {}
  peerFault(id: string | undefined, reason: string): void {
    this.faults.push(`${id}: ${reason}`);
  }
}

let server: MemoryRendezvous;
let links: MemoryLinks;
const peers: Peer[] = [];
function peer(id: string): Peer {
  const p = new Peer(id, server, links);
  peers.push(p);
  return p;
}

function fullMesh(group: Peer[]): boolean {
  return group.every((p) => p.joined.size === group.length - 1 && group.every((q) => q === p || p.joined.has(q.info.connectionId)));
}

beforeEach(() => {
  vi.useFakeTimers();
  server = createMemoryRendezvous();
  links = createMemoryLinks();
});
afterEach(() => {
  for (const p of peers) p.transport.close();
  peers.length = 0;
  vi.useRealTimers();
});

describe('mesh transport over memory', () => {
  it('the first holds the point; later ones join through it; everyone links to everyone', async () => {
    const group = ['a', 'b', 'c', 'd'].map(peer);
    group[0]!.connect();
    await advanceUntil(() => group[0]!.result !== undefined, 'a to connect');
    for (const p of group.slice(1)) p.connect();
    await advanceUntil(() => fullMesh(group), 'a full mesh of four');
    expect(group.map((p) => p.result)).toEqual(group.map(() => ({ missing: [] })));
    expect(server.holder(SESSION)?.holding).toBe(true);
    for (const p of group) expect([p.left, p.faults]).toEqual([[], []]);
  });

  it('the introducer leaves: the lowest survivor takes the point and lets a newcomer in', async () => {
    const [z, b, c] = [peer('z'), peer('b'), peer('c')];
    z.connect();
    await advanceUntil(() => z.result !== undefined, 'z to connect');
    b.connect();
    c.connect();
    await advanceUntil(() => fullMesh([z, b, c]), 'a full mesh of three');
    const holderBefore = server.holder(SESSION);
    z.transport.close();
    await advanceUntil(() => server.holder(SESSION) !== undefined && server.holder(SESSION) !== holderBefore, 'a successor to hold the point');
    expect(b.left).toEqual([['z', 'clientDisconnected']]);
    const d = peer('d');
    d.connect();
    await advanceUntil(() => fullMesh([b, c, d]), 'the newcomer to link with both survivors');
    expect(d.result).toEqual({ missing: [] });
  });

  it('a newcomer that grabs the point in the gap becomes the introducer; the old room merges into it', async () => {
    const [a, b, c] = [peer('a'), peer('b'), peer('c')];
    a.connect();
    await advanceUntil(() => a.result !== undefined, 'a to connect');
    b.connect();
    c.connect();
    await advanceUntil(() => fullMesh([a, b, c]), 'a full mesh of three');
    a.transport.close(); // frees the point at once...
    const d = peer('d');
    d.connect(); // ...and the newcomer claims it before the survivors even heard the goodbye
    await advanceUntil(() => d.result !== undefined, 'd to connect');
    expect([d.result, d.joinedAtConnect]).toEqual([{ missing: [] }, 0]); // it found an empty room
    await advanceUntil(() => fullMesh([b, c, d]), 'the survivors to merge with the newcomer’s room');
    for (const p of [b, c, d]) expect(p.faults).toEqual([]);
  });

  it('a frozen introducer keeps the point until it expires; then a survivor takes over and a waiting newcomer gets in', async () => {
    const [a, b, c] = [peer('a'), peer('b'), peer('c')];
    a.connect();
    await advanceUntil(() => a.result !== undefined, 'a to connect');
    b.connect();
    c.connect();
    await advanceUntil(() => fullMesh([a, b, c]), 'a full mesh of three');
    a.freeze();
    server.freezeHolder(SESSION);
    await advanceUntil(() => !b.joined.has('a') && !c.joined.has('a'), 'the heartbeat to drop the frozen introducer');
    expect(b.left).toEqual([['a', 'networkDisconnected']]);
    const d = peer('d');
    d.connect();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(d.result).toBe(undefined); // still retrying: the dead holder answers nobody
    server.expireHolder(SESSION);
    await advanceUntil(() => fullMesh([b, c, d]), 'the newcomer to get in once the dead holder expired');
  });

  it('the server goes away: the mesh keeps signalling; when it is back the introducer holds again', async () => {
    const [a, b] = [peer('a'), peer('b')];
    a.connect();
    await advanceUntil(() => a.result !== undefined, 'a to connect');
    b.connect();
    await advanceUntil(() => fullMesh([a, b]), 'a pair');
    server.stop();
    expect(a.transport.send('b', { t: 'sig', n: 1 })).toBe(true);
    await advanceUntil(() => b.frames.length === 1, 'a frame with the server gone');
    await vi.advanceTimersByTimeAsync(30_000);
    expect([a.left, b.left]).toEqual([[], []]);
    server.start();
    await advanceUntil(() => server.holder(SESSION) !== undefined, 'someone to hold the point again');
    const c = peer('c');
    c.connect();
    await advanceUntil(() => fullMesh([a, b, c]), 'a newcomer after the server came back');
  });

  it('close() during a join settles it, and no timer is left', async () => {
    const [a, b] = [peer('a'), peer('b')];
    a.connect();
    await advanceUntil(() => a.result !== undefined, 'a to connect');
    server.freezeHolder(SESSION); // b will keep retrying
    b.connect();
    await vi.advanceTimersByTimeAsync(3_000);
    b.transport.close();
    a.transport.close();
    await vi.advanceTimersByTimeAsync(0);
    expect(b.result).toBeInstanceOf(Error);
    expect((b.result as Error).message).toMatch('closed while connecting');
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(vi.getTimerCount()).toBe(0);
  });
});
