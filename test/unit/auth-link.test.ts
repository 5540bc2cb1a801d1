import { beforeAll, describe, expect, it } from 'vitest';
import { LinkAuth, type LinkAuthStep } from '../../src/auth/link-auth.js';
import { constantTimeEqual, linkProof, newNonce, verifyLinkProof, type LinkKey, type LinkTranscript } from '../../src/auth/link-proof.js';
import { deriveSessionKey, type SessionKey } from '../../src/auth/session-key.js';
import { decodeAuthFrame, decodeHelloAuth } from '../../src/wire/auth-frames.js';

const fp = (byte: number) => new Uint8Array(32).fill(byte);
const FP_O = fp(0x0f); // the offerer's certificate
const FP_A = fp(0x0a); // the answerer's
const FP_M = fp(0x0e); // a relaying member's

let key: SessionKey;
let wrongKey: SessionKey;
beforeAll(async () => {
  [key, wrongKey] = await Promise.all([deriveSessionKey('correct horse', 'room'), deriveSessionKey('correct hors', 'room')]);
}, 60_000);

/** One side's view of a link, ready to exchange hellos. */
function end(role: 'offerer' | 'answerer', linkKey: LinkKey | undefined, ids = { o: 'O', a: 'A' }) {
  const [localId, remoteId] = role === 'offerer' ? [ids.o, ids.a] : [ids.a, ids.o];
  return new LinkAuth({ linkKey, role, localId, remoteId });
}

/** The hello field as the peer receives it (through the wire decoder). */
function heard(auth: LinkAuth) {
  const decoded = decodeHelloAuth(JSON.parse(JSON.stringify({ auth: auth.helloField })).auth);
  if (!decoded.ok) throw new Error(decoded.reason);
  return decoded.frame;
}

/** The proof in a step's `m.auth`, as the peer decodes it. */
function proofOf(step: LinkAuthStep): Uint8Array {
  if (!step.ok || !step.send) throw new Error(`no proof to send: ${JSON.stringify(step)}`);
  const decoded = decodeAuthFrame(JSON.parse(JSON.stringify(step.send)));
  if (!decoded.ok) throw new Error(decoded.reason);
  return decoded.frame.proof;
}

describe('link proof exchange', () => {
  it('two peers with the same secret verify each other over one link', () => {
    const o = end('offerer', key.linkKey);
    const a = end('answerer', key.linkKey);
    const fromO = o.hello(heard(a), { local: FP_O, remote: FP_A });
    const fromA = a.hello(heard(o), { local: FP_A, remote: FP_O });
    expect(o.proof(proofOf(fromA))).toEqual({ ok: true });
    expect(a.proof(proofOf(fromO))).toEqual({ ok: true });
    expect([o.state, a.state]).toEqual(['verified', 'verified']);
  });

  it('refuses a proof made with a different secret (one character off)', () => {
    const o = end('offerer', key.linkKey);
    const a = end('answerer', wrongKey.linkKey);
    const fromO = o.hello(heard(a), { local: FP_O, remote: FP_A });
    const fromA = a.hello(heard(o), { local: FP_A, remote: FP_O });
    expect(o.proof(proofOf(fromA))).toMatchObject({ ok: false, failure: 'bad-proof' });
    expect(a.proof(proofOf(fromO))).toMatchObject({ ok: false, failure: 'bad-proof' });
    expect(o.state).toBe('failed');
  });

  it('refuses a proof replayed from an earlier link (the nonces are fresh)', () => {
    const o1 = end('offerer', key.linkKey);
    const a1 = end('answerer', key.linkKey);
    o1.hello(heard(a1), { local: FP_O, remote: FP_A });
    const recorded = proofOf(a1.hello(heard(o1), { local: FP_A, remote: FP_O }));
    // Later the recorder (same id, same certificate even) replays the answerer's proof on a new link.
    const o2 = end('offerer', key.linkKey);
    const a2 = end('answerer', key.linkKey);
    o2.hello(heard(a2), { local: FP_O, remote: FP_A });
    expect(o2.proof(recorded)).toMatchObject({ ok: false, failure: 'bad-proof' });
  });

  it('refuses a spliced link: a relay that put its own certificate in each SDP cannot forward the proofs', () => {
    // M relayed O's offer to A and A's answer to O, swapping in its own SDP both ways: O's DTLS
    // ends at M (O sees FP_M as remote), and M's link to A carries FP_M as the offerer's.
    const o = end('offerer', key.linkKey);
    const a = end('answerer', key.linkKey);
    const oStep = o.hello(heard(a), { local: FP_O, remote: FP_M }); // M passed A's nonce on to O
    const aStep = a.hello(heard(o), { local: FP_A, remote: FP_M }); // and O's nonce on to A
    expect(a.proof(proofOf(oStep))).toMatchObject({ ok: false, failure: 'bad-proof' });
    expect(o.proof(proofOf(aStep))).toMatchObject({ ok: false, failure: 'bad-proof' });
  });

  it('refuses our own proof reflected back at us (the prover\'s role is in the transcript)', () => {
    const o = end('offerer', key.linkKey);
    const a = end('answerer', key.linkKey);
    const mine = proofOf(o.hello(heard(a), { local: FP_O, remote: FP_A }));
    expect(o.proof(mine)).toMatchObject({ ok: false, failure: 'bad-proof' });
  });

  it('refuses a proof naming other connection ids (unbound ids cannot be swapped)', () => {
    const o = end('offerer', key.linkKey, { o: 'O', a: 'A' });
    const a = end('answerer', key.linkKey, { o: 'O', a: 'EVE' }); // it proves as EVE, O expects A
    o.hello(heard(a), { local: FP_O, remote: FP_A });
    expect(o.proof(proofOf(a.hello(heard(o), { local: FP_A, remote: FP_O })))).toMatchObject({ ok: false, failure: 'bad-proof' });
  });

  it('refuses a forged proof of the right length', () => {
    const o = end('offerer', key.linkKey);
    const a = end('answerer', key.linkKey);
    o.hello(heard(a), { local: FP_O, remote: FP_A });
    expect(o.proof(new Uint8Array(32).fill(7))).toMatchObject({ ok: false, failure: 'bad-proof' });
  });

  it('refuses a proof before the hello, a second proof, and a second hello; a failure is final', () => {
    const early = end('offerer', key.linkKey);
    expect(early.proof(new Uint8Array(32))).toMatchObject({ ok: false, failure: 'unexpected-proof' });
    expect(early.hello(heard(end('answerer', key.linkKey)), { local: FP_O, remote: FP_A })).toMatchObject({ ok: false, failure: 'unexpected-proof' });

    const o = end('offerer', key.linkKey);
    const a = end('answerer', key.linkKey);
    o.hello(heard(a), { local: FP_O, remote: FP_A });
    const proof = proofOf(a.hello(heard(o), { local: FP_A, remote: FP_O }));
    expect(o.proof(proof)).toEqual({ ok: true });
    expect(o.proof(proof)).toMatchObject({ ok: false, failure: 'unexpected-proof' });
    const b = end('answerer', key.linkKey);
    b.hello(heard(o), { local: FP_A, remote: FP_O });
    expect(b.hello(heard(o), { local: FP_A, remote: FP_O })).toMatchObject({ ok: false, failure: 'second-hello' });
  });

  it('a peer that holds no secret meets one that does: both refuse, at the hello', () => {
    const withSecret = end('offerer', key.linkKey);
    const without = end('answerer', undefined);
    expect(without.helloField).toBeUndefined();
    expect(withSecret.hello(heard(without), { local: FP_O, remote: FP_A })).toMatchObject({ ok: false, failure: 'secret-mismatch', reason: /holds no session secret/ });
    expect(without.hello(heard(withSecret), { local: FP_A, remote: FP_O })).toMatchObject({ ok: false, failure: 'secret-mismatch', reason: /we hold none/ });
  });

  it('without a secret on either side there is nothing to prove', () => {
    const o = end('offerer', undefined);
    expect(o.hello(heard(end('answerer', undefined)), { local: FP_O, remote: FP_A })).toEqual({ ok: true });
    expect(o.state).toBe('verified');
  });
});

describe('proof primitives', () => {
  const transcript = (): LinkTranscript => ({
    offerer: { connectionId: 'O', fingerprint: FP_O, nonce: newNonce() },
    answerer: { connectionId: 'A', fingerprint: FP_A, nonce: newNonce() },
  });

  it('a proof depends on every field of the transcript', () => {
    const t = transcript();
    const proof = linkProof(key.linkKey, t, 'offerer');
    expect(verifyLinkProof(key.linkKey, t, 'offerer', proof)).toBe(true);
    const variants: LinkTranscript[] = [
      { ...t, offerer: { ...t.offerer, fingerprint: FP_M } },
      { ...t, answerer: { ...t.answerer, fingerprint: FP_M } },
      { ...t, offerer: { ...t.offerer, connectionId: 'O2' } },
      { ...t, answerer: { ...t.answerer, nonce: newNonce() } },
      { offerer: t.answerer, answerer: t.offerer },
    ];
    for (const v of variants) expect(verifyLinkProof(key.linkKey, v, 'offerer', proof)).toBe(false);
    expect(verifyLinkProof(key.linkKey, t, 'answerer', proof)).toBe(false);
  });

  it('field boundaries are unambiguous: moving a byte from one id to the other changes the proof', () => {
    const t = transcript();
    const moved: LinkTranscript = { offerer: { ...t.offerer, connectionId: 'OA' }, answerer: { ...t.answerer, connectionId: '' } };
    const shifted: LinkTranscript = { offerer: { ...t.offerer, connectionId: 'O' }, answerer: { ...t.answerer, connectionId: 'A' } };
    expect(constantTimeEqual(linkProof(key.linkKey, moved, 'offerer'), linkProof(key.linkKey, shifted, 'offerer'))).toBe(false);
  });

  it('constantTimeEqual compares content and length', () => {
    expect(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true);
    expect(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2, 0]))).toBe(false);
  });
});

describe('deriveSessionKey', () => {
  it('depends on the secret and on the session id, and is cached per pair', async () => {
    const other = await deriveSessionKey('correct horse', 'room2');
    expect(constantTimeEqual(other.linkKey.bytes, key.linkKey.bytes)).toBe(false);
    expect(constantTimeEqual(wrongKey.linkKey.bytes, key.linkKey.bytes)).toBe(false);
    expect(deriveSessionKey('correct horse', 'room')).toBe(deriveSessionKey('correct horse', 'room'));
    expect(constantTimeEqual((await deriveSessionKey('correct horse', 'room')).linkKey.bytes, key.linkKey.bytes)).toBe(true);
  }, 60_000);

  it('separates the rendezvous tag from the link key, and normalises the secret (NFC)', async () => {
    expect(key.rendezvousTag).toHaveLength(16);
    expect(constantTimeEqual(key.rendezvousTag, key.linkKey.bytes.slice(0, 16))).toBe(false);
    const composed = await deriveSessionKey('caf\u00e9', 'room');
    const decomposed = await deriveSessionKey('cafe\u0301', 'room');
    expect(constantTimeEqual(composed.linkKey.bytes, decomposed.linkKey.bytes)).toBe(true);
  }, 60_000);
});

describe('auth frame decoders', () => {
  it('accept exactly the lengths and spelling the encoders produce', () => {
    expect(decodeAuthFrame({ t: 'm.auth', proof: 'ab'.repeat(32) })).toMatchObject({ ok: true });
    expect(decodeHelloAuth({ nonce: '0f'.repeat(16) })).toMatchObject({ ok: true });
    expect(decodeHelloAuth(undefined)).toEqual({ ok: true, frame: undefined });
  });

  it.each([
    ['a short proof', { t: 'm.auth', proof: 'ab'.repeat(31) }],
    ['a long proof', { t: 'm.auth', proof: 'ab'.repeat(33) }],
    ['upper-case hex', { t: 'm.auth', proof: 'AB'.repeat(32) }],
    ['not hex', { t: 'm.auth', proof: 'zz'.repeat(32) }],
    ['a number', { t: 'm.auth', proof: 5 }],
    ['a missing proof', { t: 'm.auth' }],
    ['another kind', { t: 'm.hello', proof: 'ab'.repeat(32) }],
    ['an array', ['m.auth']],
  ])('refuse %s without throwing', (_, value) => {
    expect(decodeAuthFrame(value)).toMatchObject({ ok: false, reason: expect.stringMatching(/^m\.auth: /) });
  });

  it.each([null, 'x', [], { nonce: 'ab' }, { nonce: 'ab'.repeat(17) }, { nonce: 7 }])('refuse the hello auth field %j', (value) => {
    expect(decodeHelloAuth(value)).toMatchObject({ ok: false });
  });
});
