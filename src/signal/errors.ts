/**
 * The errors a signal can end with, in OpenTok's codes and names, so an app written for OpenTok
 * reads them unchanged (`error.code`, `error.name`, `error.message`, `error.signal`).
 */
import type { Connection } from '../connection.js';

/** OpenTok's error codes for `signal()` and `connect()`, plus 408 for an acknowledgement that never came. */
export const ErrorCode = {
  INVALID_PARAMETER: 400,
  NOT_FOUND: 404,
  TIMEOUT: 408,
  TOO_LARGE: 413,
  RATE_LIMIT_EXCEEDED: 429,
  NOT_CONNECTED: 500,
  /** `connect()`: a member refused our proof of the session secret (or we refused its). */
  AUTHENTICATION_ERROR: 1004,
  CONNECT_FAILED: 1006,
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The OpenTok name that goes with each code (413 is still an invalid parameter in OpenTok). */
const NAME_OF_CODE: Record<ErrorCode, string> = {
  400: 'OT_INVALID_PARAMETER',
  404: 'OT_NOT_FOUND',
  408: 'OT_TIMEOUT',
  413: 'OT_INVALID_PARAMETER',
  429: 'OT_RATE_LIMIT_EXCEEDED',
  500: 'OT_NOT_CONNECTED',
  1004: 'OT_AUTHENTICATION_ERROR',
  1006: 'OT_CONNECT_FAILED',
};

/** One target of a signal that did not acknowledge it. */
export interface SignalFailure {
  connection: Connection;
  code: ErrorCode;
  name: string;
  message: string;
}

/**
 * Why a signal (or a connect) failed.
 *
 * @example
 * session.signal({ type: 'a b' }, (error) => error && console.log(error.code, error.name)); // 400 OT_INVALID_PARAMETER
 */
export class SignalError extends Error {
  override readonly name: string;
  readonly code: ErrorCode;
  /** The signal object passed to `signal()`, as OpenTok sets it. */
  readonly signal: unknown;
  /** For a signal to several connections: each that failed, and why. Empty otherwise. */
  readonly failures: readonly SignalFailure[];
  /** For a signal to several connections: those that acknowledged it. */
  readonly delivered: readonly Connection[];

  constructor(
    code: ErrorCode,
    message: string,
    signal?: unknown,
    detail: { failures?: SignalFailure[]; delivered?: Connection[] } = {},
  ) {
    super(message);
    this.code = code;
    this.name = NAME_OF_CODE[code];
    this.signal = signal;
    this.failures = detail.failures ?? [];
    this.delivered = detail.delivered ?? [];
  }
}

/** The OpenTok name for a code. */
export function nameOfCode(code: ErrorCode): string {
  return NAME_OF_CODE[code];
}
