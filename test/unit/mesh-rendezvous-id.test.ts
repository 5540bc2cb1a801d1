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
