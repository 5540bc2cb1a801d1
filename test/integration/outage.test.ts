/**
 * One peer loses its network for real and gets it back: a Node peer in its own network namespace
 * on a lab bridge (helpers/netlab.ts), its bridge port set down and up, the PeerServer and two
 * other peers on the bridge. The others see it away and back as the same member (never a leave
 * and a join); it sees reconnecting then reconnected; frames flow again. An outage longer than
 * the grace period ends with it disconnected and the others dropping it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { NetLab, type LabHost } from './helpers/netlab.js';
import { startPeerServer, type RunningPeerServer } from './helpers/peer-server.js';
import { HEARTBEAT_INTERVAL_MS, HEARTBEAT_TIMEOUT_MS, RecordingPeer, meshOptions, uniqueSessionId, waitUntil, within } from './helpers/mesh.js';

let lab: NetLab | undefined;
let server: RunningPeerServer | undefined;
const peers: RecordingPeer[] = [];
afterEach(async () => {
  for (const p of peers) p.transport.close();
  peers.length = 0;
  await lab?.close();
  await server?.stop();
  lab = server = undefined;
});

function has(host: LabHost, event: string, fields: Record<string, unknown> = {}): boolean {
  return host.lines.some((l) => l.event === event && Object.entries(fields).every(([k, v]) => JSON.stringify(l[k]) === JSON.stringify(v)));
}

/** A lab with a PeerServer on its bridge, two in-process peers (a holds the point) and one host `c` in its own namespace. */
async function labRoom(label: string, graceMs: number): Promise<{ a: RecordingPeer; b: RecordingPeer; c: LabHost; cId: string }> {
  lab = new NetLab();
  server = await startPeerServer(60_000, lab.bridgeAddress);
  const sid = uniqueSessionId(label);
  const options = meshOptions(server.port, {
    peerjs: { host: lab.bridgeAddress, port: server.port, path: '/ms', secure: false },
    reconnectGraceMs: graceMs,
  });
  const [a, b] = [new RecordingPeer(sid, `${label}-a`, options), new RecordingPeer(sid, `${label}-b`, options)];
  peers.push(a, b);
  await within(a.connect(), 'a to connect (it holds the rendezvous point)');
  await within(b.connect(), 'b to connect');
  const cId = `${label}-c`;
  const c = await lab.startHost('netlab-child', [
    JSON.stringify({
      host: lab.bridgeAddress,
      port: server.port,
      sessionId: sid,
      id: cId,
      heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
      heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS,
      reconnectGraceMs: graceMs,
      debug: process.env.MESH_DEBUG === '1',
    }),
  ]);
  await waitUntil(() => has(c, 'connected') && a.joined.has(cId) && b.joined.has(cId), 'the lab host c to join a and b', 20_000);
  return { a, b, c, cId };
}

describe('one peer’s network goes away and comes back', () => {
  it('the others see it away and back as the same member; it sees reconnecting then reconnected; frames flow again', async () => {
    const { a, b, c, cId } = await labRoom('outage', 30_000);
    expect(a.transport.send(cId, { t: 'sig', n: 0 })).toBe(true);
    await waitUntil(() => has(c, 'message', { frame: { t: 'sig', n: 0 } }), 'c to receive a frame before the outage');

    lab!.setLink(c, false);
    await waitUntil(() => a.away.includes(cId) && b.away.includes(cId), 'a and b to see c away', 10_000);
    await waitUntil(() => has(c, 'reconnecting'), 'c to report reconnecting (every link away, server unreachable)', 20_000);
    expect(a.transport.send(cId, { t: 'sig', n: 1 })).toBe(false); // away: nothing is sent
    expect([a.left, b.left]).toEqual([[], []]);

    lab!.setLink(c, true);
    const upAt = Date.now();
    await waitUntil(() => has(c, 'reconnected'), 'c to report reconnected after its network came back', 30_000);
    const reconnectedMs = Date.now() - upAt;
    await waitUntil(() => a.back.includes(cId) && b.back.includes(cId), 'a and b to see c back', 30_000);
    console.log(`[outage] network back → c reconnected in ${reconnectedMs} ms; a and b saw it back after ${Date.now() - upAt} ms`);

    expect(a.transport.send(cId, { t: 'sig', n: 2 })).toBe(true);
    await waitUntil(() => has(c, 'message', { frame: { t: 'sig', n: 2 } }), 'c to receive a frame after the outage');
    c.command({ send: { to: a.info.connectionId, frame: { t: 'sig', n: 3 } } });
    await waitUntil(() => a.messages.some((m) => m.from === cId && (m.frame as { n?: number }).n === 3), 'a to receive a frame from c after the outage');
    // The same member throughout: one join each, no leave.
    expect([a.joins.filter((id) => id === cId), b.joins.filter((id) => id === cId)]).toEqual([[cId], [cId]]);
    expect([a.left, b.left]).toEqual([[], []]);
    expect(c.lines.filter((l) => l.event === 'joined').map((l) => l.id).sort()).toEqual([a.info.connectionId, b.info.connectionId].sort());
    expect(c.lines.filter((l) => l.event === 'left' || l.event === 'disconnected')).toEqual([]);
    expect(c.lines.filter((l) => l.event === 'reconnecting' || l.event === 'reconnected').map((l) => l.event)).toEqual(['reconnecting', 'reconnected']);
    // a and b never lost each other.
    expect(a.away.filter((id) => id !== cId)).toEqual([]);
  });

  it('an outage longer than the grace period: it is disconnected, the others drop it as networkDisconnected', async () => {
    const graceMs = 4_000;
    const { a, b, c, cId } = await labRoom('longout', graceMs);
    lab!.setLink(c, false);
    await waitUntil(() => a.away.includes(cId) && b.away.includes(cId), 'a and b to see c away', 10_000);
    await waitUntil(() => has(c, 'disconnected', { reason: 'networkDisconnected' }), 'c to give up after the grace period', graceMs + 15_000);
    await waitUntil(() => a.left.length === 1 && b.left.length === 1, 'a and b to drop c', graceMs + 5_000);
    expect([a.left, b.left]).toEqual([[{ id: cId, reason: 'networkDisconnected' }], [{ id: cId, reason: 'networkDisconnected' }]]);
    expect(c.lines.filter((l) => ['reconnecting', 'reconnected', 'disconnected'].includes(l.event)).map((l) => l.event)).toEqual(['reconnecting', 'disconnected']);
    expect(a.transport.send(b.info.connectionId, { t: 'sig' })).toBe(true);
  });
});
