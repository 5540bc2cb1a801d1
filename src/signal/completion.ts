/** The OpenTok completion-handler form of a promise: `signal(s, handler)`, `connect(handler)`. */
import type { SignalError } from './errors.js';
import { reportError } from '../events.js';

/** An app's completion handler: `null` on success, else the error. */
export type Completion = (error: SignalError | null) => void;

const noop = () => {};


/** Calls an app's completion handler once the promise settles; a throwing handler is reported. */
export function complete(promise: Promise<void>, handler: Completion | undefined): Promise<void> {
  if (typeof handler === 'function') {
    promise.then(() => handler(null), (error: SignalError) => handler(error)).catch(reportError);
    promise.catch(noop); // the handler heard it: the promise must not also reject unhandled
  }
  return promise;
}
