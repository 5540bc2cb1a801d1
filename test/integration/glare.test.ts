/**
 * Glare: two members learn of each other at the same moment and both offer. The lower
 * connection id's offer wins, the higher one answers it: one link, no churn. Real simple-peer
 * links over wrtc; offers handed over directly (no PeerServer).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectionInfo } from '../../src/connection.js';
import { Mesh, type SdpRoute } from '../../src/mesh/mesh.js';
import type { MeshFrame } from '../../src/wire/mesh-frames.js';
import { MESH_DEFAULTS } from '../../src/mesh/transport.js';
import type { LeaveReason, TransportEvents } from '../../src/transport/types.js';
import { POLL } from './helpers/mesh.js';

class Recorder implements TransportEvents {
  joined: string[] = [];
  left: Array<[string, LeaveReason]> = [];
  faults: string[] = [];
  messages: unknown[] = [];
  peerJoined(peer: ConnectionInfo): void {
    this.joined.push(peer.connectionId);
  }
  peerAway(): void {}
  peerBack(): void {}
  peerLeft(id: string, reason: LeaveReason): void {
    this.left.push([id, reason]);
  }
  message(_from: string, frame: unknown): void {
    this.messages.push(frame);
  }
  reconnecting(): void {}
  reconnected(): void {}
  disconnected(): void {}
  peerFault(id: string | undefined, reason: string): void {
    this.faults.push(`${id}: ${reason}`);
  }
}

const meshes: Mesh[] = [];
afterEach(() => {
  for (const m of meshes) m.close();
  meshes.length = 0;
});

function makeMesh(id: string, events: Recorder): Mesh {
  const info = { connectionId: id, creationTime: Date.now(), data: id };
  const mesh = new Mesh(
    info,
    {
      iceServers: [],
      linkTimeoutMs: 10_000,
      heartbeatIntervalMs: 250,
      heartbeatTimeoutMs: 1_500,
      byeLingerMs: MESH_DEFAULTS.byeLingerMs,
      reconnectGraceMs: MESH_DEFAULTS.reconnectGraceMs,
      reloadGraceMs: MESH_DEFAULTS.reloadGraceMs,
      relinkInitialMs: MESH_DEFAULTS.relinkInitialMs,
      relinkMaxMs: MESH_DEFAULTS.relinkMaxMs,
      viewIntervalMs: 0,
    },
    { events, joinerRoute: () => undefined, holding: () => false, introducerSeen: () => {}, joined: () => {}, left: () => {} },
  );
  meshes.push(mesh);
  return mesh;
}

describe('glare', () => {
  it('both sides offer at once: one link, made from the lower id’s offer', async () => {
    const [ea, eb] = [new Recorder(), new Recorder()];
    const a = makeMesh('glare-a', ea);
    const b = makeMesh('glare-b', eb);
    const offersSeen: string[] = [];
    // Hold every frame until BOTH offers exist, then deliver all of them in their order: the two
    // offers cross in flight, as through two relays at once. Afterwards, deliver a tick later.
    const held: Array<() => void> = [];
    let offers = 0;
    const deliver = (run: () => void, frame: MeshFrame): void => {
      if (frame.t === 'm.sdp' && frame.sdp.type !== 'candidate') offersSeen.push(`${frame.from}:${frame.sdp.type}`);
      if (offers >= 2) return void setTimeout(run, 0);
      held.push(run);
      if (frame.t === 'm.sdp' && frame.sdp.type === 'offer' && ++offers === 2) for (const r of held.splice(0)) setTimeout(r, 0);
    };
    const toB: SdpRoute = (frame) => deliver(() => frame.t === 'm.sdp' && b.handleSdp(frame, 'glare-a', toA), frame);
    const toA: SdpRoute = (frame) => deliver(() => frame.t === 'm.sdp' && a.handleSdp(frame, 'glare-b', toB), frame);
    a.offerTo('glare-b', toB);
    b.offerTo('glare-a', toA);
    await expect.poll(() => a.isJoined('glare-b') && b.isJoined('glare-a'), { ...POLL, message: 'the glaring pair to link' }).toBe(true);
    expect(offersSeen.sort()).toEqual(['glare-a:offer', 'glare-b:answer', 'glare-b:offer']);
    expect([ea.joined, eb.joined]).toEqual([['glare-b'], ['glare-a']]);
    expect(a.send('glare-b', { t: 'sig', n: 1 })).toBe(true);
    await expect.poll(() => eb.messages, { ...POLL, message: 'a frame over the surviving link' }).toHaveLength(1);
    expect([ea.left, eb.left, ea.faults, eb.faults]).toEqual([[], [], [], []]);
  });
});
