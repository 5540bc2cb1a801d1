/**
 * The whole mesh transport (Rendezvous + Mesh) over in-memory links and an in-memory rendezvous
 * server, with a fake clock: succession, the gap, a split room merging back, a frozen holder,
 * the server going away and coming back, and nothing left running after close().
 */
import { describe, expect, it, vi } from 'vitest';
import type { JoinResult } from '../../src/transport/types.js';
import { advanceUntil } from './helpers.js';
import { TransportPeer, useMemoryWorld } from './mesh-peer.js';

const SESSION = 'room';
const world = useMemoryWorld();

/** One client, and how many members it had when its join settled. */
class Peer extends TransportPeer {
  /** How many peers had joined when connect() settled. */
  joinedAtConnect = -1;

  constructor(id: string) {
    super(world, id, SESSION, { heartbeatIntervalMs: 1_000, heartbeatTimeoutMs: 4_000, joinTimeoutMs: 30_000 });
  }

  protected override settled(result: JoinResult | Error): void {
    super.settled(result);
    if (!(result instanceof Error)) this.joinedAtConnect = this.members().size;
  }

  /** Goes silent: links stop delivering, nothing is closed, no goodbye. */
  freeze(): void {
    for (const l of this.links) l.mute();
  }
}

function peer(id: string): Peer {
  return new Peer(id);
}

function fullMesh(group: Peer[]): boolean {
  return group.every((p) => p.members().size === group.length - 1 && group.every((q) => q === p || p.members().has(q.id)));
}

describe('mesh transport over memory', () => {
  it('the first holds the point; later ones join through it; everyone links to everyone', async () => {
    const group = ['a', 'b', 'c', 'd'].map(peer);
    group[0]!.connect();
    await advanceUntil(() => group[0]!.result !== undefined, 'a to connect');
    for (const p of group.slice(1)) p.connect();
    await advanceUntil(() => fullMesh(group), 'a full mesh of four');
    expect(group.map((p) => p.result)).toEqual(group.map(() => ({ missing: [] })));
    expect(world.server.holder(SESSION)?.holding).toBe(true);
    for (const p of group) expect([p.events('left'), p.faults]).toEqual([[], []]);
  });

  it('32 clients connecting at once all meet: gossip past one member\'s 16 link slots waits for a slot instead of being dropped', async () => {
    const group = Array.from({ length: 32 }, (_, i) => peer(`p${String(i).padStart(2, '0')}`));
    for (const p of group) p.connect();
    await advanceUntil(() => fullMesh(group), 'a full mesh of 32', 60_000);
    for (const p of group) expect([p.events('left'), p.faults]).toEqual([[], []]);
  });

  it('a newcomer whose first m.join is lost sends it again and gets in; the holder answers the repeat', async () => {
    const [a, b] = ['a', 'b'].map(peer) as [Peer, Peer];
    a.connect();
    await advanceUntil(() => a.result !== undefined, 'a to connect');
    // Every channel b dials loses the first frame b sends on it (its m.join).
    const server = world.server;
    const bootstrap = server.bootstrap.bind(server);
    server.bootstrap = (sid) => {
      const boot = bootstrap(sid);
      const dial = boot.dial.bind(boot);
      boot.dial = async () => {
        const channel = await dial();
        if (!channel) return channel;
        const send = channel.send.bind(channel);
        let first = true;
        channel.send = (text) => (first ? void (first = false) : send(text));
        return channel;
      };
      return boot;
    };
    b.connect();
    await advanceUntil(() => fullMesh([a, b]), 'b to get in with its repeated m.join', 10_000);
    expect(b.result).toEqual({ missing: [] });
    for (const p of [a, b]) expect(p.faults).toEqual([]);
  });

  it('the introducer leaves: the lowest survivor takes the point and lets a newcomer in', async () => {
    const [z, b, c] = [peer('z'), peer('b'), peer('c')];
    z.connect();
    await advanceUntil(() => z.result !== undefined, 'z to connect');
    b.connect();
    c.connect();
    await advanceUntil(() => fullMesh([z, b, c]), 'a full mesh of three');
    const holderBefore = world.server.holder(SESSION);
    z.transport.close();
    await advanceUntil(() => world.server.holder(SESSION) !== undefined && world.server.holder(SESSION) !== holderBefore, 'a successor to hold the point');
    expect(b.events('left')).toEqual(['left z clientDisconnected']);
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
    world.server.freezeHolder(SESSION);
    await advanceUntil(() => !b.members().has('a') && !c.members().has('a'), 'the heartbeat to drop the frozen introducer');
    expect(b.events('left')).toEqual(['left a networkDisconnected']);
    const d = peer('d');
    d.connect();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(d.result).toBe(undefined); // still retrying: the dead holder answers nobody
    world.server.expireHolder(SESSION);
    await advanceUntil(() => fullMesh([b, c, d]), 'the newcomer to get in once the dead holder expired');
  });

  it('the server goes away: the mesh keeps signalling; when it is back the introducer holds again', async () => {
    const [a, b] = [peer('a'), peer('b')];
    a.connect();
    await advanceUntil(() => a.result !== undefined, 'a to connect');
    b.connect();
    await advanceUntil(() => fullMesh([a, b]), 'a pair');
    world.server.stop();
    expect(a.transport.send('b', { t: 'sig', n: 1 })).toBe(true);
    await advanceUntil(() => b.frames.length === 1, 'a frame with the server gone');
    await vi.advanceTimersByTimeAsync(30_000);
    expect([a.events('left'), b.events('left')]).toEqual([[], []]);
    world.server.start();
    await advanceUntil(() => world.server.holder(SESSION) !== undefined, 'someone to hold the point again');
    const c = peer('c');
    c.connect();
    await advanceUntil(() => fullMesh([a, b, c]), 'a newcomer after the server came back');
  });

  it('close() during a join settles it, and no timer is left', async () => {
    const [a, b] = [peer('a'), peer('b')];
    a.connect();
    await advanceUntil(() => a.result !== undefined, 'a to connect');
    world.server.freezeHolder(SESSION); // b will keep retrying
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
