import { describe, expect, it } from 'vitest';
import { randomDialPeerId, rendezvousPeerId } from '../../src/bootstrap/rendezvous-id.js';

// PeerJS's own id check (peerjs 1.5 util.validateId).
const PEERJS_ID = /^[A-Za-z0-9]+(?:[ _-][A-Za-z0-9]+)*$/;

describe('rendezvousPeerId', () => {
  it('hex-encodes short session ids, so different ids never collide', () => {
    expect(rendezvousPeerId('room1')).toBe('ms-x726f6f6d31');
    expect(rendezvousPeerId('a b')).not.toBe(rendezvousPeerId('a_b'));
  });

  it('hashes long ids deterministically, into ids PeerJS accepts', () => {
    const long = 'session-'.repeat(20);
    expect(rendezvousPeerId(long)).toBe(rendezvousPeerId(long));
    expect(rendezvousPeerId(long)).not.toBe(rendezvousPeerId(`${long}x`));
    for (const id of ['', 'é😀', ' ', '--', long, 'x'.repeat(48), 'x'.repeat(49)]) expect(rendezvousPeerId(id)).toMatch(PEERJS_ID);
  });

  it('makes random dialling ids PeerJS accepts', () => {
    expect(randomDialPeerId()).toMatch(PEERJS_ID);
    expect(randomDialPeerId()).not.toBe(randomDialPeerId());
  });
});

describe('secretRendezvousPeerId', () => {
  it('depends on the secret as well as the session id, so the session name alone does not find it', async () => {
    const { deriveSessionKey } = await import('../../src/auth/session-key.js');
    const { secretRendezvousPeerId } = await import('../../src/bootstrap/rendezvous-id.js');
    const id = secretRendezvousPeerId((await deriveSessionKey('pw', 'room1')).rendezvousTag);
    expect(id).toMatch(/^ms-s[0-9a-f]{32}$/);
    expect(id).toMatch(PEERJS_ID);
    expect(secretRendezvousPeerId((await deriveSessionKey('pw', 'room1')).rendezvousTag)).toBe(id);
    expect(secretRendezvousPeerId((await deriveSessionKey('pw2', 'room1')).rendezvousTag)).not.toBe(id);
    expect(secretRendezvousPeerId((await deriveSessionKey('pw', 'room2')).rendezvousTag)).not.toBe(id);
    expect(id).not.toBe(rendezvousPeerId('room1'));
    expect(() => secretRendezvousPeerId(new Uint8Array(15))).toThrow(RangeError);
  }, 60_000); // four key stretches of ~100 ms each, on a machine that may be busy
});
