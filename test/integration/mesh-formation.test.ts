/**
 * Sessions over the real mesh form a full mesh: every session sees every other one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Session } from '../../src/index.js';
import { disconnectAll, newSession, uniqueSessionId, waitForFullMesh } from './helpers/mesh.js';
import { within } from '../within.js';

afterEach(disconnectAll);

/** What each session told its app while the mesh formed, one line per event. */
type EventLog = Map<Session, string[]>;

async function formMesh(count: number, label: string): Promise<{ sessions: Session[]; events: EventLog; elapsedMs: number; firstMs: number }> {
  const sid = uniqueSessionId(label);
  const sessions = Array.from({ length: count }, () => newSession(sid));
  const events: EventLog = new Map(sessions.map((s) => [s, []]));
  for (const s of sessions) {
    const log = events.get(s)!;
    s.on('connectionCreated', (e) => log.push(`created ${e.connection.data}`));
    s.on('connectionDestroyed', (e) => log.push(`destroyed ${e.connection.data}`));
    s.on('connectionLinkChanged', (e) => log.push(`${e.state} ${e.connection.data}`));
    s.on('sessionReconnecting', () => log.push('reconnecting'));
  }
  const start = performance.now();
  // The first claims the rendezvous id; the rest join at once (concurrent joiners).
  await within(sessions[0]!.connect({ data: 'peer-0' }), 'the first session to connect');
  const firstMs = performance.now() - start;
  await within(Promise.all(sessions.slice(1).map((s, i) => s.connect({ data: `peer-${i + 1}` }))), `${count - 1} joiners to connect`);
  await waitForFullMesh(sessions);
  return { sessions, events, elapsedMs: performance.now() - start, firstMs };
}

describe('full mesh', () => {
  for (const count of [2, 3]) {
    it(`${count} sessions see each other with their connection data`, async () => {
      const { sessions } = await formMesh(count, `mesh${count}`);
      for (const s of sessions) {
        for (const other of sessions) {
          if (other === s) continue;
          const seen = s.connections.find((c) => c.connectionId === other.connection!.connectionId);
          expect(seen?.data).toBe(other.connection!.data);
          expect(seen?.creationTime).toBe(other.connection!.creationTime);
        }
      }
    });
  }

  it('6 joining at once: each session announces every other exactly once, and nothing leaves or drops on the way (formation time is logged)', async () => {
    const { sessions, events, elapsedMs, firstMs } = await formMesh(6, 'mesh6');
    // The full mesh the helper waited for would also hide a member that left and joined again,
    // a duplicate announcement, or a link that died while the mesh formed.
    const everyone = sessions.map((s) => `created ${s.connection!.data}`).sort();
    for (const s of sessions) expect(events.get(s)!.slice().sort(), s.connection!.data).toEqual(everyone);
    // A figure for the report, not an assertion: speed belongs in bench/.
    console.log(
      `[mesh-formation] 6-peer full mesh formed in ${elapsedMs.toFixed(0)} ms (first connect() → every session sees 5; ` +
        `of which the first claiming the rendezvous id: ${firstMs.toFixed(0)} ms)`,
    );
  });

  it('connectionCreated fires once per peer, sessionConnected lists who was there', async () => {
    const sid = uniqueSessionId('events');
    const [a, b, c] = [newSession(sid), newSession(sid), newSession(sid)];
    const created: string[] = [];
    let connectedWith: string[] | undefined;
    await within(a.connect({ data: 'a' }), 'a to connect');
    await within(b.connect({ data: 'b' }), 'b to connect');
    c.on('connectionCreated', (e) => created.push(e.connection.data));
    c.on('sessionConnected', (e) => (connectedWith = e.connections.map((x) => x.data).sort()));
    await within(c.connect({ data: 'c' }), 'c to connect');
    expect(connectedWith).toEqual(['a', 'b']);
    expect(created.sort()).toEqual(['a', 'b', 'c']);
    await waitForFullMesh([a, b, c]);
  });
});
