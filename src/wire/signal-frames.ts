/**
 * The frames of the signal layer and their decoder: the only place that turns what a peer sent
 * into a typed signal, ack or nak. Everything is checked from `unknown`; nothing here throws.
 *
 * | t     | fields                    | meaning                                         |
 * |-------|---------------------------|-------------------------------------------------|
 * | `sig` | `id`, `type`, `data`      | a signal; the receiver dispatches it, then acks |
 * | `ack` | `id`, `ids?`              | signals `id` (and `ids`) reached the receiver's app |
 * | `nak` | `id`, `code`, `reason`    | the receiver refused signal `id` (bad frame)    |
 */
import { dataProblem, typeProblem } from '../signal/rules.js';

export interface SignalFrame { t: 'sig'; id: number; type: string; data: string }
export interface AckFrame { t: 'ack'; id: number; ids?: number[] }
export interface NakFrame { t: 'nak'; id: number; code: NakCode; reason: string }
export type DeliveryFrame = SignalFrame | AckFrame | NakFrame;

/** What a receiver may answer a bad signal with: invalid (400), too large (413), too many (429). */
export type NakCode = 400 | 413 | 429;
const NAK_CODES: ReadonlySet<number> = new Set([400, 413, 429]);

/** Longest nak reason kept from a peer; the rest is cut, so a peer cannot flood our logs. */
export const MAX_REASON_CHARS = 200;

export type Decoded =
  | { ok: true; frame: DeliveryFrame }
  /** `id` is set when the frame had a usable id, so the sender can be told (nak). */
  | { ok: false; reason: string; code: NakCode; id?: number };

function isId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Decodes one frame a peer sent (already JSON-parsed by the transport).
 *
 * @example
 * decodeDeliveryFrame({ t: 'sig', id: 1, type: 'chat', data: 'hi' }) // { ok: true, frame: … }
 * decodeDeliveryFrame({ t: 'sig', id: 2, type: 'a b', data: '' })   // { ok: false, code: 400, id: 2, … }
 */
export function decodeDeliveryFrame(value: unknown): Decoded {
  if (!isRecord(value)) return { ok: false, code: 400, reason: 'frame is not an object' };
  const { t, id } = value;
  if (!isId(id)) return { ok: false, code: 400, reason: 'frame has no valid id' };
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
      if (!Array.isArray(ids) || ids.length > 4096 || !ids.every(isId)) return { ok: false, code: 400, reason: 'ack ids are not ids' };
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
  if (!isRecord(value) || value.t !== 'sig') return undefined;
  return isId(value.id) ? value.id : undefined;
}
