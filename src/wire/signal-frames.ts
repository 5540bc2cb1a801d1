/**
 * The frames of the signal layer and their decoder: the only place that turns what a peer sent
 * into a typed signal, ack or nak. Everything is checked from `unknown`; nothing here throws.
 *
 * | t     | fields                    | meaning                                         |
 * |-------|---------------------------|-------------------------------------------------|
 * | `sig` | `id`, `type`, `data`      | a signal; the receiver dispatches it, then acks |
 * | `ack` | `id`, `ids?`              | signals `id` (and `ids`) reached the receiver's app |
 * | `nak` | `id`, `code`, `reason`    | the receiver refused signal `id` (bad frame)    |
 *
 * On a mesh link `sig` and `ack` travel as compact binary frames (encoded once, whatever the number
 * of targets: see `wireForm`); `nak` and every frame through the in-memory network as JSON objects.
 * The decoder takes both. Binary layout (big-endian; an id as two u32 halves, < 2^53):
 *
 * | kind  | byte 0 | then                                                                  |
 * |-------|--------|-----------------------------------------------------------------------|
 * | `sig` | `0x01` | id (8) · type length in bytes (1) · type (ASCII) · data (UTF-8, to the end) |
 * | `ack` | `0x02` | id (8) · more ids (8 each, at most 4096), to the end                  |
 *
 * Why: the JSON form cost the sender a `JSON.stringify` (escape scan) plus a UTF-8 encode per
 * target, and the receiver a decode, a `JSON.parse` and a UTF-8 re-count of the data for its size
 * check. Here the sender encodes the data once, the receiver checks the size on the bytes and
 * decodes the data once. A JSON frame starts with `{`; a binary one with a byte below 0x09.
 */
import { MAX_DATA_BYTES, MAX_TYPE_BYTES, TYPE_PATTERN, dataProblem, recentUtf8, typeProblem } from '../signal/rules.js';
import { isRecord, type Decoded } from './values.js';

export interface SignalFrame { t: 'sig'; id: number; type: string; data: string }
export interface AckFrame { t: 'ack'; id: number; ids?: number[] }
export interface NakFrame { t: 'nak'; id: number; code: NakCode; reason: string }
export type DeliveryFrame = SignalFrame | AckFrame | NakFrame;

/** What a receiver may answer a bad signal with: invalid (400), too large (413), too many (429). */
export type NakCode = 400 | 413 | 429;
const NAK_CODES: ReadonlySet<number> = new Set([400, 413, 429]);

/** Longest nak reason kept from a peer; the rest is cut, so a peer cannot flood our logs. */
export const MAX_REASON_CHARS = 200;

/** A delivery frame, or why not: `id` is set when the frame had a usable id, so the sender can be told (nak). */
export type DeliveryDecoded = Decoded<DeliveryFrame, { code: NakCode; id?: number }>;

/** A signal's or ack's id: a non-negative safe integer. */
function isFrameId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** First byte of the binary frames; JSON text never starts below 0x09 (tab). */
export const BINARY_SIG = 0x01;
export const BINARY_ACK = 0x02;
/** Header of a binary `sig`: kind, id, type length. */
const SIG_HEADER_BYTES = 10;
/** Most ids one ack frame may carry (the first and 4096 more, as in the JSON form). */
export const MAX_ACK_IDS = 4097;
/** Longest legal binary frame: the longest ack (32 777 B); a signal's own bound is tighter (8 330 B). */
export const MAX_BINARY_FRAME_BYTES = Math.max(1 + 8 * MAX_ACK_IDS, SIG_HEADER_BYTES + MAX_TYPE_BYTES + MAX_DATA_BYTES);

/** Where a frame made by `signalFrame`/`ackFrame` keeps its binary form once encoded. */
const BINARY = Symbol('binary form');
type Encodable = { [BINARY]?: Uint8Array | null };

const encoder = new TextEncoder();
const utf8 = new TextDecoder('utf-8', { fatal: true });
/** Reused room for encoding one signal: the header, a type, and data of at most 3 bytes a UTF-16 unit. */
const scratch = new Uint8Array(SIG_HEADER_BYTES + MAX_TYPE_BYTES + 3 * MAX_DATA_BYTES);

/**
 * A `sig` frame whose wire form is binary, encoded on first use and kept (a broadcast, or a
 * resend after a re-link, sends the same bytes). The frame must not change once sent. To JSON
 * (the in-memory network) it is a plain `{ t, id, type, data }`.
 */
export function signalFrame(id: number, type: string, data: string): SignalFrame {
  return markBinary({ t: 'sig', id, type, data });
}

/** An `ack` for `id` (and `more`), binary on a mesh link like `signalFrame`. */
export function ackFrame(id: number, more?: number[]): AckFrame {
  return markBinary(more && more.length > 0 ? { t: 'ack', id, ids: more } : { t: 'ack', id });
}

function markBinary<T extends object>(frame: T): T {
  // Not enumerable: JSON copies, test equality and logs see the plain frame.
  Object.defineProperty(frame, BINARY, { value: null, writable: true, enumerable: false });
  return frame;
}

/**
 * What a transport puts on a link for `frame`: the binary form of a frame made by `signalFrame`
 * or `ackFrame` (encoded once, then cached), else its JSON text.
 * @example wireForm(signalFrame(1, 'chat', 'hi')) // Uint8Array [1, 0,0,0,0, 0,0,0,1, 4, …'chat', …'hi']
 * @example wireForm({ t: 'm.ping' })               // '{"t":"m.ping"}'
 */
export function wireForm(frame: object): string | Uint8Array {
  const f = frame as Encodable;
  const cached = f[BINARY];
  if (cached) return cached;
  if (cached === null) {
    const bytes = encodeBinary(frame as DeliveryFrame);
    if (bytes) {
      f[BINARY] = bytes;
      return bytes;
    }
  }
  return JSON.stringify(frame);
}

function encodeBinary(frame: DeliveryFrame): Uint8Array | undefined {
  if (!isFrameId(frame.id)) return undefined;
  if (frame.t === 'ack') {
    const ids = frame.ids ?? [];
    if (ids.length + 1 > MAX_ACK_IDS || !ids.every(isFrameId)) return undefined;
    const bytes = new Uint8Array(1 + 8 * (ids.length + 1));
    const view = new DataView(bytes.buffer);
    bytes[0] = BINARY_ACK;
    writeId(view, 1, frame.id);
    for (let i = 0; i < ids.length; i++) writeId(view, 9 + 8 * i, ids[i]!);
    return bytes;
  }
  if (frame.t !== 'sig') return undefined;
  const { type, data } = frame;
  // Only a checked type fits (ASCII, ≤ 128 bytes), and data the scratch can hold: else JSON.
  if (type.length > MAX_TYPE_BYTES || !TYPE_PATTERN.test(type) || SIG_HEADER_BYTES + type.length + 3 * data.length > scratch.length) return undefined;
  const start = SIG_HEADER_BYTES + type.length;
  // The sender's size check (`dataProblem`) just encoded this data: copy those bytes, once.
  const known = recentUtf8(data);
  let out: Uint8Array;
  if (known) {
    out = new Uint8Array(start + known.byteLength);
    out.set(known, start);
  } else {
    // Room for ASCII data first (the common case: no copy); other text goes through `scratch`.
    out = new Uint8Array(start + data.length);
    if (encoder.encodeInto(data, out.subarray(start)).read < data.length) {
      const { written } = encoder.encodeInto(data, scratch.subarray(start));
      out = new Uint8Array(start + written);
      out.set(scratch.subarray(start, start + written), start);
    }
  }
  out[0] = BINARY_SIG;
  // The id as two big-endian u32 halves, written by hand: a DataView per frame cost more in Chromium.
  const high = Math.floor(frame.id / 2 ** 32);
  const low = frame.id >>> 0;
  out[1] = high >>> 24; out[2] = (high >>> 16) & 255; out[3] = (high >>> 8) & 255; out[4] = high & 255;
  out[5] = low >>> 24; out[6] = (low >>> 16) & 255; out[7] = (low >>> 8) & 255; out[8] = low & 255;
  out[9] = type.length;
  for (let i = 0; i < type.length; i++) out[SIG_HEADER_BYTES + i] = type.charCodeAt(i);
  return out;
}

/**
 * The id of a binary `sig` frame, without decoding the rest (what a rate limit needs to refuse
 * it with a nak); undefined for anything else.
 * @example binarySignalId(wireForm(signalFrame(3, 'chat', 'hi'))) // 3
 */
export function binarySignalId(value: unknown): number | undefined {
  if (!(value instanceof Uint8Array) || value.byteLength < SIG_HEADER_BYTES || value[0] !== BINARY_SIG) return undefined;
  return readId(new DataView(value.buffer, value.byteOffset, value.byteLength), 1);
}

function writeId(view: DataView, at: number, id: number): void {
  view.setUint32(at, Math.floor(id / 2 ** 32));
  view.setUint32(at + 4, id >>> 0);
}

/** An id from 8 bytes, or undefined when it is not a safe integer. */
function readId(view: DataView, at: number): number | undefined {
  const high = view.getUint32(at);
  if (high >= 2 ** 21) return undefined; // ≥ 2^53
  return high * 2 ** 32 + view.getUint32(at + 4);
}

/**
 * Decodes a binary frame (see the header). Bounded by `MAX_BINARY_FRAME_BYTES` before anything
 * is read; the data's size is checked on its bytes; never throws.
 */
function decodeBinary(bytes: Uint8Array): DeliveryDecoded {
  if (bytes.byteLength < 9) return { ok: false, code: 400, reason: `binary frame of ${bytes.byteLength} bytes is too short` };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const id = readId(view, 1);
  if (id === undefined) return { ok: false, code: 400, reason: 'frame has no valid id' };
  if (bytes[0] === BINARY_ACK) {
    const count = (bytes.byteLength - 1) / 8;
    if (!Number.isInteger(count) || count > MAX_ACK_IDS) return { ok: false, code: 400, reason: 'ack ids are not ids' };
    if (count === 1) return { ok: true, frame: { t: 'ack', id } };
    const ids: number[] = [];
    for (let i = 1; i < count; i++) {
      const more = readId(view, 1 + 8 * i);
      if (more === undefined) return { ok: false, code: 400, reason: 'ack ids are not ids' };
      ids.push(more);
    }
    return { ok: true, frame: { t: 'ack', id, ids } };
  }
  if (bytes[0] !== BINARY_SIG) return { ok: false, code: 400, reason: 'unknown frame kind' };
  if (bytes.byteLength < SIG_HEADER_BYTES) return { ok: false, code: 400, id, reason: 'signal frame is too short' };
  const typeBytes = bytes[9]!;
  const start = SIG_HEADER_BYTES + typeBytes;
  if (typeBytes > MAX_TYPE_BYTES) return { ok: false, code: 413, id, reason: `type is ${typeBytes} bytes; the limit is ${MAX_TYPE_BYTES}` };
  if (start > bytes.byteLength) return { ok: false, code: 400, id, reason: 'signal type runs past the frame' };
  const dataBytes = bytes.byteLength - start;
  if (dataBytes > MAX_DATA_BYTES) return { ok: false, code: 413, id, reason: `data is ${dataBytes} bytes of UTF-8; the limit is ${MAX_DATA_BYTES}` };
  let type = '';
  for (let i = SIG_HEADER_BYTES; i < start; i++) type += String.fromCharCode(bytes[i]!);
  const problem = typeProblem(type);
  if (problem) return { ok: false, code: problem.code, id, reason: problem.message };
  let data: string;
  try {
    data = utf8.decode(bytes.subarray(start));
  } catch {
    return { ok: false, code: 400, id, reason: 'signal data is not valid UTF-8' };
  }
  return { ok: true, frame: { t: 'sig', id, type, data } };
}

/**
 * Decodes one frame a peer sent: a JSON value (already parsed by the transport) or the bytes of
 * a binary frame.
 *
 * @example
 * decodeDeliveryFrame({ t: 'sig', id: 1, type: 'chat', data: 'hi' }) // { ok: true, frame: … }
 * decodeDeliveryFrame({ t: 'sig', id: 2, type: 'a b', data: '' })   // { ok: false, code: 400, id: 2, … }
 */
export function decodeDeliveryFrame(value: unknown): DeliveryDecoded {
  if (value instanceof Uint8Array) {
    if (value.byteLength > MAX_BINARY_FRAME_BYTES) return { ok: false, code: 413, reason: `binary frame of ${value.byteLength} bytes exceeds ${MAX_BINARY_FRAME_BYTES}` };
    return decodeBinary(value);
  }
  if (!isRecord(value)) return { ok: false, code: 400, reason: 'frame is not an object' };
  const { t, id } = value;
  if (!isFrameId(id)) return { ok: false, code: 400, reason: 'frame has no valid id' };
  switch (t) {
    case 'sig': {
      const { type, data } = value;
      if (typeof type !== 'string') return { ok: false, code: 400, id, reason: 'signal type is not a string' };
      if (typeof data !== 'string') return { ok: false, code: 400, id, reason: 'signal data is not a string' };
      const problem = typeProblem(type) ?? dataProblem(data);
      if (problem) return { ok: false, code: problem.code, id, reason: problem.message };
      return { ok: true, frame: { t, id, type, data } };
    }
    case 'ack': {
      // More signals acknowledged in the same frame (the receiver batches a burst).
      const { ids } = value;
      if (ids === undefined) return { ok: true, frame: { t, id } };
      if (!Array.isArray(ids) || ids.length > 4096 || !ids.every(isFrameId)) return { ok: false, code: 400, reason: 'ack ids are not ids' };
      return { ok: true, frame: { t, id, ids: ids as number[] } };
    }
    case 'nak': {
      const { code, reason } = value;
      if (typeof code !== 'number' || !NAK_CODES.has(code)) return { ok: false, code: 400, reason: 'nak has an unknown code' };
      const text = typeof reason === 'string' ? reason.slice(0, MAX_REASON_CHARS) : '';
      return { ok: true, frame: { t, id, code: code as NakCode, reason: text } };
    }
    default:
      return { ok: false, code: 400, reason: 'unknown frame kind' };
  }
}

/**
 * The id of a value that claims to be a signal (`t: 'sig'` with a valid id), without checking
 * the rest: what a rate limit needs to refuse it with a nak before decoding it.
 * @example signalFrameId({ t: 'sig', id: 3 }) // 3
 */
export function signalFrameId(value: unknown): number | undefined {
  if (value instanceof Uint8Array) return binarySignalId(value);
  if (!isRecord(value) || value.t !== 'sig') return undefined;
  return isFrameId(value.id) ? value.id : undefined;
}
