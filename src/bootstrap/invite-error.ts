/**
 * What the public API says of invites without loading them: the error class and the defaults.
 * The invite machinery itself (`invite.ts`, `../wire/invite-code.ts`) is loaded on first use.
 */
import { ErrorCode, SignalError } from '../signal/errors.js';
import type { InviteRejection } from '../wire/invite-code.js';

/** Why an invite step failed: `reason` tells which; `code`/`name` are OpenTok's. */
export type InviteFailure = InviteRejection | 'timeout' | 'no-candidates' | 'closed' | 'not-connected';

/**
 * An invite that cannot be used, or a link attempt that did not open. Bad codes are 400
 * `OT_INVALID_PARAMETER`; a link that never opened, or no session to invite into, is 1006
 * `OT_CONNECT_FAILED`.
 */
export class InviteError extends SignalError {
  constructor(
    readonly reason: InviteFailure,
    message: string,
  ) {
    const badCode = reason !== 'timeout' && reason !== 'no-candidates' && reason !== 'closed' && reason !== 'not-connected';
    super(badCode ? ErrorCode.INVALID_PARAMETER : ErrorCode.CONNECT_FAILED, message);
  }
}

/** Defaults of the invite options, in one place (documented in the README's "No server"). */
export const INVITE_DEFAULTS = {
  /** An invite can be answered for this long. */
  expiresInMs: 10 * 60_000,
  /** ICE gathering is awaited this long; then the candidates found so far go in the code. */
  gatherTimeoutMs: 5_000,
  /** After the inviter entered the reply, the data channel must open within this. */
  linkTimeoutMs: 20_000,
  /**
   * The newcomer's channel must open this long after its reply was made (a person carries it
   * back). Measured (README, "No server"): a Chromium newcomer waiting on a Chromium inviter
   * gives up by itself after about 220 s; 3 minutes stays under that, so people get our message.
   */
  replyTimeoutMs: 3 * 60_000,
} as const;
