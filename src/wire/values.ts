/**
 * What every reader of peer input in `src/wire` shares: the shape of a decode result and the
 * check that a parsed JSON value is an object.
 */

/**
 * A decoded value, or why it was refused. `Refusal` adds fields a refusal carries beyond its
 * reason (the signal layer's nak code and id).
 */
export type Decoded<T, Refusal extends object = object> = { ok: true; frame: T } | ({ ok: false; reason: string } & Refusal);

/** A plain object (not null, not an array): what a frame's JSON must be. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
