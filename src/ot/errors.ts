/**
 * OpenTok's error shape for what is not signaling (`OT.initPublisher`, `session.publish`,
 * `session.subscribe`, a failed connect reported on `OT`): `name` (`OT_…`), `code`, `message`.
 */

/** OpenTok's exception codes used here (`ExceptionEvent.code`, `error.code`). */
export const ExceptionCode = {
  /** OpenTok: "Invalid Session ID". */
  INVALID_SESSION_ID: 1005,
  /** OpenTok: "Connect Failed". */
  CONNECT_FAILED: 1006,
  /**
   * OpenTok: "Unable to Publish". Also given to `subscribe()`: OpenTok lists no exception code of
   * its own for a subscribe that cannot start. Apps should test `error.name`, as OpenTok advises.
   */
  UNABLE_TO_PUBLISH: 1500,
} as const;
export type ExceptionCode = (typeof ExceptionCode)[keyof typeof ExceptionCode];

/**
 * An error named `OT_…`. `error instanceof OT.Error` is true for every error mesh-signal gives an
 * OpenTok app (this class and `SignalError` alike): OpenTok documents `OT.Error` as any error
 * whose name starts with `OT_`, and that is what the test checks.
 *
 * @example
 * OT.initPublisher('publisher', {}, (error) => console.log(error instanceof OT.Error, error.name)); // true 'OT_NOT_SUPPORTED'
 */
export class OTError extends Error {
  override readonly name: string;
  readonly code: number;

  constructor(name: string, code: number, message: string) {
    super(message);
    this.name = name;
    this.code = code;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return value instanceof Error && /^OT_/.test(value.name);
  }
}

/** What a video call answers: mesh-signal carries signals only, no audio or video. */
export function notSupported(what: string): OTError {
  return new OTError(
    'OT_NOT_SUPPORTED',
    ExceptionCode.UNABLE_TO_PUBLISH,
    `${what} is not supported: mesh-signal carries OpenTok signaling only (no audio or video streams)`,
  );
}
