/** The error a signal completes with when some of its targets did not acknowledge it. */
import type { Connection } from '../connection.js';
import { ErrorCode, SignalError, type SignalFailure } from '../signal/errors.js';

/**
 * One error for a signal that some targets did not acknowledge. Its code is the first failure's
 * when there is one target; for several, 408 if any target timed out (it may still have the
 * signal), else the first failure's code (404 when a target left). `failures` lists them all.
 */
export function failureError(signal: unknown, failures: SignalFailure[], delivered: Connection[]): SignalError {
  const first = failures[0]!;
  const total = failures.length + delivered.length;
  if (total === 1) return new SignalError(first.code, first.message, signal, { failures, delivered });
  const code = failures.some((f) => f.code === ErrorCode.TIMEOUT) ? ErrorCode.TIMEOUT : first.code;
  const list = failures.map((f) => `${f.connection.connectionId}: ${f.code} ${f.name}`).join(', ');
  return new SignalError(code, `${failures.length} of ${total} connections did not acknowledge the signal (${list})`, signal, { failures, delivered });
}
