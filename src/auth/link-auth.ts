/**
 * The proof exchange of one link, as a small pure state machine (no timers, no I/O): the mesh
 * feeds it the peer's hello and proof, sends what it returns, and makes the peer a member only
 * once `state` is `verified`. A refusal is final: the mesh reports it and closes the link.
 *
 * Exchange (both sides the same; hellos cross, then proofs cross, so no extra round trip):
 *   → m.hello { …, auth: { nonce: mine } }      ← m.hello { …, auth: { nonce: theirs } }
 *   → m.auth { proof: HMAC(key, transcript, my role) }   ← m.auth { proof: theirs }
 *   member once their proof verifies (and, as before, the link is open on our side).
 * Without a secret on either side the hello carries no `auth` and there is nothing to prove.
 *
 * | state        | event                                         | next         | output              |
 * |--------------|-----------------------------------------------|--------------|---------------------|
 * | `hello-wait` | hello; both hold a secret                     | `proof-wait` | our `m.auth` to send |
 * | `hello-wait` | hello; neither holds a secret                 | `verified`   | —                   |
 * | `hello-wait` | hello; only one side holds a secret           | `failed`     | `secret-mismatch`   |
 * | `hello-wait` | proof                                         | `failed`     | `unexpected-proof`  |
 * | `proof-wait` | proof that verifies                           | `verified`   | —                   |
 * | `proof-wait` | proof that does not (wrong secret, replayed, spliced) | `failed` | `bad-proof`   |
 * | `verified`   | proof or second hello                         | `failed`     | `unexpected-proof` / `second-hello` |
 * | `failed`     | anything                                      | `failed`     | the first failure   |
 * A proof that never comes is the mesh's hello timeout (it owns the timer).
 */
import { linkProof, newNonce, verifyLinkProof, type LinkEnd, type LinkKey, type LinkRole, type LinkTranscript } from './link-proof.js';
import { encodeAuthFrame, encodeHelloAuth, type HelloAuth } from '../wire/auth-frames.js';

export type LinkAuthState = 'hello-wait' | 'proof-wait' | 'verified' | 'failed';

/** Why a link was refused. Every one of them ends a join attempt with 1004 OT_AUTHENTICATION_ERROR. */
export type LinkAuthFailure = 'secret-mismatch' | 'bad-proof' | 'unexpected-proof' | 'second-hello';

export interface LinkAuthOptions {
  /** The session's link key (`deriveSessionKey`), or undefined without a secret. */
  linkKey: LinkKey | undefined;
  /** Whether we offered this link or answered it. */
  role: LinkRole;
  localId: string;
  remoteId: string;
  /** Our nonce; default a fresh random one (tests pass fixed ones). */
  nonce?: Uint8Array;
}

/** Both DTLS fingerprints of the link, each read from the SDP its end sent. */
export interface LinkFingerprints {
  local: Uint8Array;
  remote: Uint8Array;
}

export type LinkAuthStep =
  | { ok: true; send?: { t: 'm.auth'; proof: string } }
  | { ok: false; failure: LinkAuthFailure; reason: string };

/**
 * One link's proof exchange.
 * @example
 * const auth = new LinkAuth({ linkKey, role: 'offerer', localId, remoteId });
 * send({ t: 'm.hello', info, intro, auth: auth.helloField });
 * const step = auth.hello(decodedHelloAuth, { local, remote }); if (step.ok && step.send) send(step.send);
 * const done = auth.proof(decodedProof); // auth.state === 'verified' → member
 */
export class LinkAuth {
  #state: LinkAuthState = 'hello-wait';
  #failure: Extract<LinkAuthStep, { ok: false }> | undefined;
  #transcript: LinkTranscript | undefined;
  readonly #options: LinkAuthOptions;
  readonly #nonce: Uint8Array | undefined;

  constructor(options: LinkAuthOptions) {
    this.#options = options;
    this.#nonce = options.linkKey ? (options.nonce ?? newNonce()) : undefined;
  }

  get state(): LinkAuthState {
    return this.#state;
  }

  /** The `auth` field of our hello: our nonce, or undefined without a secret. */
  get helloField(): { nonce: string } | undefined {
    return this.#nonce ? encodeHelloAuth(this.#nonce) : undefined;
  }

  /** The peer's hello arrived, with its (decoded) `auth` field. */
  hello(theirs: HelloAuth | undefined, fingerprints: LinkFingerprints): LinkAuthStep {
    if (this.#state === 'failed') return this.#failure!;
    if (this.#state !== 'hello-wait') return this.#fail('second-hello', 'a second hello on the link');
    const key = this.#options.linkKey;
    if (!key && !theirs) {
      this.#state = 'verified';
      return { ok: true };
    }
    if (!key) return this.#fail('secret-mismatch', 'the peer holds a session secret and we hold none');
    if (!theirs) return this.#fail('secret-mismatch', 'the peer holds no session secret');
    const { role, localId, remoteId } = this.#options;
    const mine: LinkEnd = { connectionId: localId, fingerprint: fingerprints.local, nonce: this.#nonce! };
    const other: LinkEnd = { connectionId: remoteId, fingerprint: fingerprints.remote, nonce: theirs.nonce };
    this.#transcript = role === 'offerer' ? { offerer: mine, answerer: other } : { offerer: other, answerer: mine };
    this.#state = 'proof-wait';
    return { ok: true, send: encodeAuthFrame(linkProof(key, this.#transcript, role)) };
  }

  /** The peer's (decoded) proof arrived. */
  proof(proof: Uint8Array): LinkAuthStep {
    if (this.#state === 'failed') return this.#failure!;
    if (this.#state !== 'proof-wait') return this.#fail('unexpected-proof', `a proof in state ${this.#state}`);
    const theirRole: LinkRole = this.#options.role === 'offerer' ? 'answerer' : 'offerer';
    if (!verifyLinkProof(this.#options.linkKey!, this.#transcript!, theirRole, proof)) {
      return this.#fail('bad-proof', 'the peer\'s proof does not match this link (wrong secret, replayed or relayed)');
    }
    this.#state = 'verified';
    return { ok: true };
  }

  #fail(failure: LinkAuthFailure, reason: string): Extract<LinkAuthStep, { ok: false }> {
    this.#state = 'failed';
    this.#failure = { ok: false, failure, reason };
    return this.#failure;
  }
}
