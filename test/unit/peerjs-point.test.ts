/**
 * Which PeerServer point a session claims: the one its secret names, or the plain one, whichever
 * way in it uses (the PeerServer, or invites that also name a PeerServer). Before one function
 * chose it for both, an invite session with a secret claimed the plain point and never met the
 * PeerServer members of its own session.
 */
import { describe, expect, it, vi } from 'vitest';
import { deriveSessionKey } from '../../src/auth/session-key.js';
import { rendezvousPeerId, secretRendezvousPeerId } from '../../src/bootstrap/rendezvous-id.js';
import type { Bootstrap } from '../../src/bootstrap/types.js';
import { createInviteTransport } from '../../src/invite-api.js';
import { peerJsBootstrapFor } from '../../src/mesh/transport.js';

const made = vi.hoisted(() => [] as { id: string; path: string }[]);

vi.mock('../../src/bootstrap/peerjs.js', () => ({
  createPeerJsBootstrap(id: string, options: { path: string }): Bootstrap {
    made.push({ id, path: options.path });
    // A PeerServer point nobody holds: this peer takes it and is alone.
    return {
      holding: false,
      async claim() {
        (this as { holding: boolean }).holding = true;
        return 'held';
      },
      async dial() {
        throw new Error('not dialled in this test');
      },
      close() {},
    };
  },
}));

describe('the PeerServer point', () => {
  it('is named by the session id without a secret, by the secret with one; path /peerjs by default', async () => {
    made.length = 0;
    const key = await deriveSessionKey('pw', 'room');
    peerJsBootstrapFor('room', { peerjs: { host: 'h', port: 1 } }, undefined);
    peerJsBootstrapFor('room', { peerjs: { host: 'h', port: 1 } }, key);
    expect(made).toEqual([
      { id: rendezvousPeerId('room'), path: '/peerjs' },
      { id: secretRendezvousPeerId(key.rendezvousTag), path: '/peerjs' },
    ]);
  }, 30_000);

  it('an invite session that also names a PeerServer claims the point its secret names', async () => {
    made.length = 0;
    const transport = createInviteTransport({ secret: 'pw', iceServers: [] }, { peerjs: { host: 'h', port: 1, path: '/p' } })('room');
    const events = { frame() {}, peerJoined() {}, peerLeft() {} } as never;
    await transport.connect({ connectionId: 'me', creationTime: 1, data: '' }, events);
    transport.close();
    const key = await deriveSessionKey('pw', 'room');
    expect(made).toEqual([{ id: secretRendezvousPeerId(key.rendezvousTag), path: '/p' }]);
  }, 30_000);
});
