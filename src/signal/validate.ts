/**
 * The checks `session.signal()` makes before anything is sent, in OpenTok's order and codes.
 * Each refusal says what was wrong and what is allowed.
 */
import { Connection } from '../connection.js';
import { ErrorCode, SignalError } from './errors.js';
import { dataProblem, typeProblem } from './rules.js';

/** What an app passes to `session.signal()`. */
export interface SignalOptions {
  /** The connection to signal; omitted: every connection of the session, the sender's own included. */
  to?: Connection;
  /** At most 128 bytes of `A-Z a-z 0-9 - _ ~`. */
  type?: string;
  /** At most 8192 bytes of UTF-8. */
  data?: string;
  /** While reconnecting: true (default) queues the signal until the session is back; false fails it with 500. */
  retryAfterReconnect?: boolean;
}

/** A signal that passed the checks. `to` undefined means everyone. */
export interface CheckedSignal {
  to: Connection | undefined;
  type: string;
  data: string;
  retryAfterReconnect: boolean;
}

/** Where a `to` stands in this session: a live member, a member that left, or never one. */
export type Membership = 'member' | 'departed' | 'unknown';

/**
 * Checks a signal's properties. `membership` tells whether a `to` connection id belongs to the
 * session. Returns the checked signal or the SignalError to complete with.
 */
export function checkSignal(signal: unknown, membership: (connectionId: string) => Membership): CheckedSignal | SignalError {
  const invalid = (message: string, code: ErrorCode = ErrorCode.INVALID_PARAMETER) => new SignalError(code, message, signal);
  if (signal === undefined || signal === null) signal = {};
  if (typeof signal !== 'object') return invalid('signal must be an object: { to?, type?, data?, retryAfterReconnect? }');
  const { to, type = '', data = '', retryAfterReconnect = true } = signal as Record<string, unknown>;

  if (typeof type !== 'string') return invalid(`type must be a string, not ${describe(type)}`);
  const badType = typeProblem(type);
  if (badType) return invalid(badType.message, badType.code);

  if (typeof data !== 'string') return invalid(`data must be a string, not ${describe(data)}; send JSON.stringify(value) for objects`);
  const badData = dataProblem(data);
  if (badData) return invalid(badData.message, badData.code);

  if (typeof retryAfterReconnect !== 'boolean') return invalid(`retryAfterReconnect must be a boolean, not ${describe(retryAfterReconnect)}`);

  if (to !== undefined && to !== null) {
    const id = typeof to === 'object' ? (to as { connectionId?: unknown }).connectionId : undefined;
    if (typeof id !== 'string') return invalid('to must be a Connection (from sessionConnected, connectionCreated or event.from)');
    const where = membership(id);
    if (where === 'unknown') return invalid(`to is not a connection of this session (${id.slice(0, 64)})`);
    if (where === 'departed') return invalid(`connection ${id} is no longer connected to the session`, ErrorCode.NOT_FOUND);
  }
  return { to: (to ?? undefined) as Connection | undefined, type, data, retryAfterReconnect };
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}
