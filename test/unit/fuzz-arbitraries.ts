/**
 * fast-check arbitraries for the fuzz tests: valid frames of every kind, and mutations of them
 * (a field replaced by anything, a field removed, a prototype key added, a kind swapped, a value
 * at or past a bound). Valid frames matter: random values alone rarely get past the first check.
 */
import fc from 'fast-check';
import { MAX_CANDIDATE_CHARS, MAX_ID_CHARS, MAX_LINK_ID_CHARS, MAX_MEMBERS, MAX_SDP_CHARS } from '../../src/wire/mesh-frames.js';
import { MAX_DATA_BYTES, MAX_TYPE_BYTES } from '../../src/signal/rules.js';

type Frame = Record<string, unknown>;

const id = fc.string({ minLength: 1, maxLength: 24 });
const hex = (bytes: number) => fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(''));
const info = fc.record({ connectionId: id, creationTime: fc.integer(), data: fc.string({ maxLength: 40 }) });

/** Values at and just past the bounds the decoders enforce. */
export const boundaryValue: fc.Arbitrary<unknown> = fc.constantFrom(
  'i'.repeat(MAX_ID_CHARS),
  'i'.repeat(MAX_ID_CHARS + 1),
  'l'.repeat(MAX_LINK_ID_CHARS + 1),
  's'.repeat(MAX_SDP_CHARS + 1),
  'c'.repeat(MAX_CANDIDATE_CHARS + 1),
  't'.repeat(MAX_TYPE_BYTES + 1),
  '€'.repeat(Math.ceil(MAX_DATA_BYTES / 3) + 1),
  Array.from({ length: MAX_MEMBERS + 1 }, (_, i) => `m${i}`),
  Array.from({ length: 4097 }, (_, i) => i),
  Number.MAX_SAFE_INTEGER + 2,
  -0,
  NaN,
  Infinity,
  '',
  '\u0000',
  '\ud800',
  [],
  {},
  null,
);

export const validMeshFrame: fc.Arbitrary<Frame> = fc.oneof(
  fc.record({ t: fc.constant('m.hello'), info, intro: fc.boolean() }),
  fc.record({ t: fc.constant('m.hello'), info, intro: fc.boolean(), auth: fc.record({ nonce: hex(16) }) }),
  fc.record({ t: fc.constant('m.peers'), members: fc.array(id, { maxLength: 8 }) }),
  fc.record({ t: fc.constantFrom('m.bye', 'm.ping', 'm.intro') }),
  fc.record({ t: fc.constant('m.join'), info }),
  fc.record({ t: fc.constant('m.members'), intro: id, members: fc.array(id, { maxLength: 8 }) }),
  fc.record({
    t: fc.constant('m.sdp'),
    from: id,
    to: id,
    lid: fc.string({ minLength: 1, maxLength: 16 }),
    sdp: fc.oneof(
      fc.record({ type: fc.constantFrom('offer', 'answer'), sdp: fc.string({ minLength: 1, maxLength: 200 }) }),
      fc.record({
        type: fc.constant('candidate'),
        candidate: fc.record({ candidate: fc.string({ maxLength: 80 }), sdpMLineIndex: fc.option(fc.nat(63)), sdpMid: fc.option(fc.string({ maxLength: 8 })) }),
      }),
    ),
  }),
);

export const validAuthFrame: fc.Arbitrary<Frame> = fc.record({ t: fc.constant('m.auth'), proof: hex(32) });

export const validDeliveryFrame: fc.Arbitrary<Frame> = fc.oneof(
  fc.record({ t: fc.constant('sig'), id: fc.nat(), type: fc.stringMatching(/^[A-Za-z0-9_~-]{0,16}$/), data: fc.string({ maxLength: 64 }) }),
  fc.record({ t: fc.constant('ack'), id: fc.nat() }),
  fc.record({ t: fc.constant('ack'), id: fc.nat(), ids: fc.array(fc.nat(), { maxLength: 8 }) }),
  fc.record({ t: fc.constant('nak'), id: fc.nat(), code: fc.constantFrom(400, 413, 429), reason: fc.string({ maxLength: 40 }) }),
);

const kinds = ['m.hello', 'm.peers', 'm.bye', 'm.ping', 'm.intro', 'm.join', 'm.members', 'm.sdp', 'm.auth', 'sig', 'ack', 'nak', '__proto__', 'constructor', 'toString'];

/** A frame changed in one place: the inputs that get deepest into a decoder. */
export function mutated(valid: fc.Arbitrary<Frame>): fc.Arbitrary<unknown> {
  return valid.chain((frame) => {
    const keys = [...Object.keys(frame), '__proto__', 'constructor', 'extra'];
    return fc.oneof(
      fc.constant<unknown>(frame),
      fc.tuple(fc.constantFrom(...keys), fc.oneof(fc.anything(), boundaryValue)).map(([k, v]) => withKey(frame, k, v)),
      fc.constantFrom(...Object.keys(frame)).map((k) => without(frame, k)),
      fc.constantFrom(...kinds).map((t) => ({ ...frame, t })),
      // One level down: a field of a nested object (info, sdp, candidate) replaced.
      fc.tuple(fc.constantFrom(...Object.keys(frame)), fc.string({ maxLength: 12 }), fc.oneof(fc.anything(), boundaryValue)).map(([k, inner, v]) => {
        const nested = frame[k];
        return typeof nested === 'object' && nested !== null && !Array.isArray(nested) ? withKey(frame, k, withKey(nested as Frame, inner, v)) : frame;
      }),
      // Through JSON with a prototype key spelled in the text, as a peer would send it.
      fc.constant(JSON.parse(JSON.stringify(frame).replace(/^\{/, '{"__proto__":{"t":"sig","id":1},'))),
    );
  });
}

/** Anything at all, or a mutation of a valid frame of these kinds. */
export function hostile(...valid: fc.Arbitrary<Frame>[]): fc.Arbitrary<unknown> {
  return fc.oneof({ arbitrary: fc.anything({ maxDepth: 3 }), weight: 1 }, ...valid.map((v) => ({ arbitrary: mutated(v), weight: 3 })));
}

function withKey(frame: Frame, key: string, value: unknown): Frame {
  const copy: Frame = { ...frame };
  Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true }); // an own key, even '__proto__'
  return copy;
}

function without(frame: Frame, key: string): Frame {
  const copy = { ...frame };
  delete copy[key];
  return copy;
}
