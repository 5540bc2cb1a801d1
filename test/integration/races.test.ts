/**
 * Joins that race: simultaneous newcomers, and several would-be introducers at once. Each must
 * end with one introducer and exactly one link per pair: every peer sees every other once and
 * no link is ever replaced (a replaced link would show as a peerAway).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { POLL, RecordingPeer, uniqueSessionId } from './helpers/mesh.js';
import { within } from '../within.js';

const peers: RecordingPeer[] = [];
afterEach(() => {
  for (const p of peers) p.transport.close();
  peers.length = 0;
});

function group(label: string, count: number): RecordingPeer[] {
  const sid = uniqueSessionId(label);
  const made = Array.from({ length: count }, (_, i) => new RecordingPeer(sid, `${label}-${i}`));
  peers.push(...made);
  return made;
}

async function expectOneLinkPerPair(group: RecordingPeer[]): Promise<void> {
  await expect.poll(() => group.every((p) => p.joined.size === group.length - 1), { ...POLL, message: `${group.length} peers to each see ${group.length - 1} others` }).toBe(true).catch((e) => {
    for (const p of group) console.error(p.info.connectionId, [...p.joined.keys()], p.left, p.faults);
    throw e;
  });
  for (const p of group) {
    expect([...p.joined.keys()].sort()).toEqual(group.filter((q) => q !== p).map((q) => q.info.connectionId).sort());
    expect(p.left).toEqual([]);
    expect(p.away).toEqual([]);
    expect(p.faults).toEqual([]);
  }
}

describe('racing joins', () => {
  it('two newcomers joining at the same moment', async () => {
    const [a, b, c] = group('twin', 3);
    await within(a!.connect(), 'the introducer to connect');
    const results = await within(Promise.all([b!.connect(), c!.connect()]), 'both newcomers to connect');
    expect(results).toEqual([{ missing: [] }, { missing: [] }]);
    await expectOneLinkPerPair([a!, b!, c!]);
  });

  it('two would-be introducers at once', async () => {
    const pair = group('duo', 2);
    await within(Promise.all(pair.map((p) => p.connect())), 'both to connect');
    await expectOneLinkPerPair(pair);
  });

  it('five peers starting at once from an empty session', async () => {
    const five = group('five', 5);
    await within(Promise.all(five.map((p) => p.connect())), 'all five to connect');
    await expectOneLinkPerPair(five);
  });
});
