/**
 * A page reload in an invite session (`bootstrap: 'invite'`) says "maybe back", as a PeerServer
 * session does, so the others keep it as the same Connection (README "Reload"). It used to close
 * with a final goodbye: the reloaded page came back as a new Connection.
 */
import { describe, expect, it, vi } from 'vitest';
import type { Transport } from '../../src/transport/types.js';

const inner = vi.hoisted(() => ({ closes: [] as string[] }));

vi.mock('../../src/mesh/transport.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../src/mesh/transport.js')>()),
  // The mesh behind the invite session: records how it was left.
  createMeshTransport: () => () =>
    ({
      async connect() {
        return { missing: [] };
      },
      send: () => true,
      close: () => void inner.closes.push('close'),
      leaveForReload: () => void inner.closes.push('leaveForReload'),
    }) as Transport,
}));

const { createInviteTransport, SessionInvites } = await import('../../src/invite-api.js');

describe('an invite session reloading', () => {
  it('leaves its mesh with "maybe back", once, and closes its invite door', async () => {
    inner.closes.length = 0;
    const invites = new SessionInvites('room');
    const transport = invites.track(createInviteTransport({ iceServers: [] }, {}))('room');
    await transport.connect({ connectionId: 'me', creationTime: 1, data: '' }, {} as never);
    expect(typeof transport.leaveForReload).toBe('function');
    transport.leaveForReload!();
    transport.close(); // what a late close after the reload does: nothing more
    expect(inner.closes).toEqual(['leaveForReload']);
    // The wrapper let go of the transport: no invite can be made on a session that left.
    await expect(invites.create()).rejects.toMatchObject({ reason: 'not-connected' });
  });

  it('a plain disconnect still leaves with a final goodbye', async () => {
    inner.closes.length = 0;
    const transport = createInviteTransport({ iceServers: [] }, {})('room');
    await transport.connect({ connectionId: 'me', creationTime: 1, data: '' }, {} as never);
    transport.close();
    expect(inner.closes).toEqual(['close']);
  });
});

describe('an invite session closed while its secret is being stretched', () => {
  it('never builds its mesh: connect() fails with InviteError closed', async () => {
    inner.closes.length = 0;
    const transport = createInviteTransport({ iceServers: [], secret: 'pw' }, {})('room-closed');
    const joining = transport.connect({ connectionId: 'me', creationTime: 1, data: '' }, {} as never);
    transport.close(); // while scrypt runs
    await expect(joining).rejects.toMatchObject({ reason: 'closed' });
    expect(inner.closes).toEqual([]); // no mesh was made, so none was left
  }, 30_000);
});
