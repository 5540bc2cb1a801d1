/**
 * The receive path of a connected session under random and mutated frames, over the in-memory
 * transport (`network.inject`): 30 000 frames per run, from a member and from strangers. Nothing
 * may escape (an exception in a delivery microtask fails the run), and the session keeps
 * delivering valid signals every way afterwards.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { PeerErrorEvent, Session } from '../../src/index.js';
import { connectionOf, joinRoom, settle, type Room } from './helpers.js';
import { hostile, validAuthFrame, validDeliveryFrame, validMeshFrame } from './fuzz-arbitraries.js';

const FROM_MEMBER = 25_000;
const FROM_STRANGERS = 5_000;
/** Generous: the machine may be busy (the runs take ~1 s each when it is not). */
const FUZZ_TIMEOUT_MS = 120_000;
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);

let room: Room | undefined;
afterEach(() => room?.sessions.forEach((s) => s.disconnect()));

describe(`a connected session under ${FROM_MEMBER + FROM_STRANGERS} hostile frames (seed ${seed}; rerun with FUZZ_SEED=${seed})`, () => {
  it('drops what is bad, dispatches what is valid, and keeps working', async () => {
    // A budget above the flood: this test is about decoding (the rate limit has its own tests).
    room = await joinRoom(3, { maxSignalsPerSecond: 1e9 });
    const [a, b, c] = room.sessions as [Session, Session, Session];
    const aId = a.connection!.connectionId;
    const bId = b.connection!.connectionId;
    const faults: PeerErrorEvent[] = [];
    b.on('peerError', (e) => faults.push(e));
    a.on('peerError', () => {}); // acks and naks for ids a never sent come back to it

    // Frames "from a" stand for whatever a could send; a's own later signals would be judged
    // against them (de-duplication), so the checks afterwards use b and c as senders.
    const startedAt = Date.now();
    const frames = fc.sample(hostile(validDeliveryFrame, validMeshFrame, validAuthFrame), { numRuns: FROM_MEMBER, seed });
    const strangers = fc.sample(fc.tuple(fc.string({ maxLength: 8 }), hostile(validDeliveryFrame)), { numRuns: FROM_STRANGERS, seed: seed + 1 });
    // In slices, so the acks and naks b sends back interleave with the flood as on a real link.
    for (let i = 0; i < frames.length; i += 500) {
      for (const frame of frames.slice(i, i + 500)) room.network.inject(aId, bId, frame);
      for (const [stranger, frame] of strangers.slice(i / 5, i / 5 + 100)) room.network.inject(`stranger-${stranger}`, bId, frame);
      await settle(4);
    }
    await settle(50);

    // Frames from strangers were refused as such, and nothing they sent was dispatched.
    expect(faults.some((f) => f.from === undefined && /unknown connection/.test(f.reason))).toBe(true);
    expect(room.received.get(b)!.every((e) => e.from.connectionId === aId)).toBe(true);
    // The member's bad frames were reported against it (throttled: ≤ 10 a second per source, the
    // count of those held back said on the next one); some frames were valid signals.
    const fromA = faults.filter((f) => f.from?.connectionId === aId);
    expect(fromA.length).toBeGreaterThan(0);
    expect(fromA.length).toBeLessThanOrEqual(10 * Math.ceil((Date.now() - startedAt) / 1000 + 1));
    expect(room.received.get(b)!.length).toBeGreaterThan(0);
    expect(faults.every((f) => f.reason.length <= 300)).toBe(true);

    // Still a working session, every way, with the same members.
    for (const s of [a, b, c]) room.received.get(s)!.length = 0;
    await c.signal({ to: connectionOf(c, b), type: 'after', data: 'c to b' });
    await b.signal({ to: connectionOf(b, a), type: 'after', data: 'b to a' });
    await b.signal({ to: connectionOf(b, c), type: 'after', data: 'b to c' });
    expect(room.received.get(b)!.map((e) => e.data)).toEqual(['c to b']);
    expect(room.received.get(a)!.map((e) => e.data)).toEqual(['b to a']);
    expect(room.received.get(c)!.map((e) => e.data)).toEqual(['b to c']);
    expect(b.connections.map((x) => x.connectionId).sort()).toEqual([aId, c.connection!.connectionId].sort());
    expect(a.connections.map((x) => x.connectionId)).toContain(bId);
  }, FUZZ_TIMEOUT_MS);
});
