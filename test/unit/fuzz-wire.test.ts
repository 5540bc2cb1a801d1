/**
 * Property-based tests of every decoder of peer input (`src/wire`): random values and mutated
 * valid frames. None may throw; what one accepts keeps every bound and decodes again to itself;
 * what it refuses has a short reason that never echoes the content.
 *
 * Frames per run: 20 000 parseFrameBytes + 25 000 decodeMeshFrame + 20 000 decodeDeliveryFrame
 * + 10 000 auth + 5 000 connection infos + 5 000 PeerServer messages = 85 000 here; with fuzz-session.test.ts, over 100 000
 * per `npm test`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeAuthFrame, decodeHelloAuth } from '../../src/wire/auth-frames.js';
import { MAX_SERVER_CHANNEL_CHARS, MAX_SERVER_ID_CHARS, decodeServerMessage } from '../../src/wire/server-messages.js';
import {
  MAX_CANDIDATE_CHARS,
  MAX_FRAME_BYTES,
  MAX_ID_CHARS,
  MAX_MEMBERS,
  MAX_SDP_CHARS,
  decodeConnectionInfo,
  decodeMeshFrame,
  parseFrameBytes,
  type MeshFrame,
} from '../../src/wire/mesh-frames.js';
import { MAX_REASON_CHARS, decodeDeliveryFrame } from '../../src/wire/signal-frames.js';
import { MAX_DATA_BYTES, MAX_TYPE_BYTES, utf8Bytes } from '../../src/signal/rules.js';
import { hostile, validAuthFrame, validDeliveryFrame, validMeshFrame } from './fuzz-arbitraries.js';

/** A refusal says what was wrong in a few words, never the (possibly huge) content. */
const MAX_REASON_LENGTH = 300;
/** Generous: the machine may be busy (the runs take ~1 s each when it is not). */
const FUZZ_TIMEOUT_MS = 120_000;
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const runs = (numRuns: number) => ({ numRuns, seed });

/** Equal as JSON (a peer can send -0; it is 0 once re-sent). */
const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function checkRefusal(result: { ok: boolean; reason?: string }): void {
  if (!result.ok) {
    expect(typeof result.reason).toBe('string');
    expect(result.reason!.length).toBeLessThanOrEqual(MAX_REASON_LENGTH);
  }
}

function checkMeshBounds(frame: MeshFrame): void {
  const ids: unknown[] = [];
  if (frame.t === 'm.hello' || frame.t === 'm.join') ids.push(frame.info.connectionId);
  if (frame.t === 'm.peers' || frame.t === 'm.members') {
    expect(frame.members.length).toBeLessThanOrEqual(MAX_MEMBERS);
    ids.push(...frame.members);
  }
  if (frame.t === 'm.members') ids.push(frame.intro);
  if (frame.t === 'm.sdp') {
    ids.push(frame.from, frame.to);
    if (frame.sdp.type === 'candidate') expect(frame.sdp.candidate.candidate.length).toBeLessThanOrEqual(MAX_CANDIDATE_CHARS);
    else expect(frame.sdp.sdp.length).toBeLessThanOrEqual(MAX_SDP_CHARS);
  }
  for (const id of ids) expect(typeof id === 'string' && id.length >= 1 && id.length <= MAX_ID_CHARS).toBe(true);
}

describe(`wire decoders under random and mutated input (seed ${seed}; rerun with FUZZ_SEED=${seed})`, () => {
  it('parseFrameBytes: never throws, bounds size before parsing, passes binary frames up as bytes, parses the rest exactly as JSON.parse does', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 200 }),
      hostile(validMeshFrame, validDeliveryFrame).map((v) => JSON.stringify(v) ?? 'undefined'),
      fc.tuple(hostile(validMeshFrame), fc.nat(), fc.string({ maxLength: 3 })).map(([v, at, ins]) => {
        const s = JSON.stringify(v) ?? '';
        return s.slice(0, at % (s.length + 1)) + ins + s.slice(at % (s.length + 1));
      }),
    );
    const raw = fc.oneof(
      text,
      text.map((s) => new TextEncoder().encode(s)),
      fc.uint8Array({ maxLength: 200 }),
      fc.uint8Array({ maxLength: 64 }).map((b) => b.buffer),
      fc.constantFrom(new Uint8Array(MAX_FRAME_BYTES + 1), 'x'.repeat(MAX_FRAME_BYTES + 1)),
      fc.anything({ maxDepth: 1 }),
    );
    fc.assert(
      fc.property(raw, (input) => {
        const parsed = parseFrameBytes(input);
        checkRefusal(parsed);
        if (!parsed.ok) return;
        const bytes = input instanceof ArrayBuffer ? new Uint8Array(input) : input;
        if (bytes instanceof Uint8Array && bytes.byteLength > 0 && bytes[0]! < 0x09) {
          // A binary signal-layer frame (first byte below 0x09: never the start of JSON text):
          // handed up undecoded, for src/wire/signal-frames.ts to decode.
          expect(parsed.value).toBeInstanceOf(Uint8Array);
          expect([...(parsed.value as Uint8Array)]).toEqual([...bytes]);
          return;
        }
        const asText = typeof input === 'string' ? input : new TextDecoder().decode(input as Uint8Array);
        expect(utf8Bytes(asText)).toBeLessThanOrEqual(MAX_FRAME_BYTES);
        expect(parsed.value).toEqual(JSON.parse(asText));
      }),
      runs(20_000),
    );
  }, FUZZ_TIMEOUT_MS);

  it('decodeMeshFrame: never throws; what it accepts keeps the bounds and survives a JSON round trip unchanged', () => {
    fc.assert(
      fc.property(hostile(validMeshFrame, validAuthFrame), (value) => {
        const decoded = decodeMeshFrame(value);
        checkRefusal(decoded);
        if (!decoded.ok) return;
        checkMeshBounds(decoded.frame);
        expect(sameJson(decodeMeshFrame(JSON.parse(JSON.stringify(decoded.frame))), decoded)).toBe(true);
      }),
      runs(25_000),
    );
  }, FUZZ_TIMEOUT_MS);

  it('decodeMeshFrame accepts every valid frame (the fuzz inputs really do reach deep)', () => {
    fc.assert(
      fc.property(validMeshFrame, (frame) => {
        expect(decodeMeshFrame(frame).ok).toBe(true);
      }),
      runs(2_000),
    );
  }, FUZZ_TIMEOUT_MS);

  it('decodeDeliveryFrame: never throws; a signal it accepts is within the rules; refusals carry a code', () => {
    fc.assert(
      fc.property(hostile(validDeliveryFrame), (value) => {
        const decoded = decodeDeliveryFrame(value);
        checkRefusal(decoded);
        if (!decoded.ok) {
          expect([400, 413, 429]).toContain(decoded.code);
          return;
        }
        const frame = decoded.frame;
        expect(Number.isSafeInteger(frame.id) && frame.id >= 0).toBe(true);
        if (frame.t === 'sig') {
          expect(utf8Bytes(frame.type)).toBeLessThanOrEqual(MAX_TYPE_BYTES);
          expect(utf8Bytes(frame.data)).toBeLessThanOrEqual(MAX_DATA_BYTES);
        }
        if (frame.t === 'nak') expect(frame.reason.length).toBeLessThanOrEqual(MAX_REASON_CHARS);
        if (frame.t === 'ack' && frame.ids) expect(frame.ids.length).toBeLessThanOrEqual(4096);
        expect(sameJson(decodeDeliveryFrame(JSON.parse(JSON.stringify(frame))), decoded)).toBe(true);
      }),
      runs(20_000),
    );
  }, FUZZ_TIMEOUT_MS);

  it('decodeAuthFrame and decodeHelloAuth: never throw; accept only exact lower-case hex of the right length', () => {
    fc.assert(
      fc.property(hostile(validAuthFrame), (value) => {
        const decoded = decodeAuthFrame(value);
        checkRefusal(decoded);
        if (decoded.ok) expect(decoded.frame.proof).toHaveLength(32);
        const hello = decodeHelloAuth((value as { auth?: unknown } | null)?.auth ?? value);
        checkRefusal(hello);
        if (hello.ok && hello.frame) expect(hello.frame.nonce).toHaveLength(16);
      }),
      runs(10_000),
    );
  }, FUZZ_TIMEOUT_MS);

  it('decodeConnectionInfo: never throws; what it accepts is bounded', () => {
    const infos = hostile(fc.record({ connectionId: fc.string({ minLength: 1, maxLength: 8 }), creationTime: fc.double(), data: fc.string({ maxLength: 8 }) }));
    fc.assert(
      fc.property(infos, (value) => {
        const decoded = decodeConnectionInfo(value);
        checkRefusal(decoded);
        if (!decoded.ok) return;
        expect(decoded.frame.connectionId.length).toBeLessThanOrEqual(MAX_ID_CHARS);
        expect(Number.isFinite(decoded.frame.creationTime)).toBe(true);
        expect(Object.keys(decoded.frame).sort()).toEqual(['connectionId', 'creationTime', 'data']);
      }),
      runs(5_000),
    );
  }, FUZZ_TIMEOUT_MS);

  it('decodeServerMessage: never throws; a frame it accepts is bounded like a channel frame', () => {
    const valid = fc.oneof(
      fc.record({ type: fc.constantFrom('EXPIRE', 'LEAVE'), src: fc.string({ minLength: 1, maxLength: 12 }) }),
      fc.record({
        type: fc.constant('OFFER'),
        src: fc.string({ minLength: 1, maxLength: 12 }),
        payload: fc.oneof(
          fc.record({ type: fc.constant('mesh-signal'), connectionId: fc.string({ minLength: 1, maxLength: 12 }), text: fc.string({ maxLength: 40 }) }),
          fc.record({ type: fc.constant('mesh-signal'), connectionId: fc.string({ minLength: 1, maxLength: 12 }), close: fc.constant(true) }),
        ),
      }),
    );
    fc.assert(
      fc.property(hostile(valid), (message) => {
        const decoded = decodeServerMessage(message);
        if (!decoded) return;
        expect(decoded.src.length).toBeLessThanOrEqual(MAX_SERVER_ID_CHARS);
        if (decoded.kind !== 'gone') expect(decoded.connectionId.length).toBeLessThanOrEqual(MAX_SERVER_CHANNEL_CHARS);
        if (decoded.kind === 'frame') expect(decoded.text.length).toBeLessThanOrEqual(MAX_FRAME_BYTES);
      }),
      runs(5_000),
    );
  }, FUZZ_TIMEOUT_MS);

  it('decodeServerMessage refuses an oversized frame and ignores what is not ours', () => {
    const offer = (text: string) => ({ type: 'OFFER', src: 'ms-x61', payload: { type: 'mesh-signal', connectionId: 'c', text } });
    expect(decodeServerMessage(offer('{}'))).toEqual({ kind: 'frame', src: 'ms-x61', connectionId: 'c', text: '{}' });
    expect(decodeServerMessage(offer('x'.repeat(MAX_FRAME_BYTES + 1)))).toBeUndefined();
    expect(decodeServerMessage({ type: 'OFFER', src: 'p', payload: { type: 'data', connectionId: 'c' } })).toBeUndefined();
    expect(decodeServerMessage({ type: 'LEAVE', src: 'x'.repeat(MAX_SERVER_ID_CHARS + 1) })).toBeUndefined();
    expect(decodeServerMessage('LEAVE')).toBeUndefined();
  }, FUZZ_TIMEOUT_MS);
});
