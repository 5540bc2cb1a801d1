/**
 * `OT`: the part of OpenTok's namespace that a text-chat app touches, so an app written for
 * opentok.js runs unchanged once its `<script src>` points at `mesh-signal.global.js` (which sets
 * `window.OT`) or its `import OT from '@opentok/client'` becomes `import { OT } from 'mesh-signal'`.
 *
 * | OpenTok                                        | here                                                         |
 * |------------------------------------------------|--------------------------------------------------------------|
 * | `OT.initSession(apiKey, sessionId, opts)`      | a Session; `apiKey` ignored; `opts`: `initSession`'s options |
 * | `OT.initPublisher(target, props, cb)`          | a stand-in Publisher; `cb` gets `OT_NOT_SUPPORTED`           |
 * | `OT.checkSystemRequirements()`                 | 1 where WebRTC data channels exist, else 0                   |
 * | `OT.on('exception', fn)`, `once`, `off`        | a failed connect (1006), each video call (1500)              |
 * | `OT.setLogLevel`, `getLogLevel`, `log`         | kept; `OT.log` writes at `OT.LOG` and above                  |
 * | `OT.version`, `Error`, `Session`, `Connection` | as in OpenTok                                                |
 * | `OT.getDevices(cb)`                            | `cb` gets `OT_NOT_SUPPORTED`                                 |
 * | `OT.upgradeSystemRequirements()`               | does nothing                                                 |
 */
import { Connection } from '../connection.js';
import { Emitter } from '../events.js';
import { initSession, type SessionOptions } from '../index.js';
import { Session } from '../session.js';
import { ExceptionCode, notSupported, OTError } from './errors.js';
import { Publisher } from './media.js';
import { asOpenTokSession, failLater, handlerIn, type OTSession } from './session.js';

/** The package version (test/unit/opentok.test.ts checks it against package.json). */
export const VERSION = '0.1.0';

/** OpenTok's `ExceptionEvent`, dispatched by `OT` as `exception`. */
export interface ExceptionEvent {
  type: 'exception';
  /** OpenTok's code: 1005 invalid session id, 1006 connect failed, 1500 unable to publish. */
  code: number;
  /** OpenTok's title for the code, e.g. 'Connect Failed'. */
  title: string;
  message: string;
  /** The error that was also given to the completion handler. */
  error: Error;
  target: unknown;
}

export type OTEvents = { exception: ExceptionEvent };

/**
 * `OT.initSession`'s third argument: mesh-signal's `initSession` options (`peerjs`,
 * `iceServers`, timeouts...). OpenTok's own options are accepted: `iceConfig.customServers`
 * become `iceServers` (unless `iceServers` is given); the others (`connectionEventsSuppressed`,
 * `ipWhitelist`, `encryptionSecret`, `singlePeerConnection`) have no meaning here and are ignored.
 */
export interface OTSessionOptions extends SessionOptions {
  iceConfig?: { customServers?: RTCIceServer[]; includeServers?: string; transportPolicy?: string };
  connectionEventsSuppressed?: boolean;
  ipWhitelist?: boolean;
  encryptionSecret?: string;
  singlePeerConnection?: boolean;
}

/** `initSession`'s options from `OT.initSession`'s: OpenTok-only keys removed or translated. */
export function sessionOptions(options: OTSessionOptions | undefined): SessionOptions {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object') {
    throw new OTError('OT_INVALID_PARAMETER', 1011, `OT.initSession: options must be an object, not ${typeof options}`);
  }
  const { iceConfig, connectionEventsSuppressed, ipWhitelist, encryptionSecret, singlePeerConnection, ...ours } = options;
  if (ours.iceServers === undefined && Array.isArray(iceConfig?.customServers)) ours.iceServers = iceConfig.customServers;
  return ours;
}

/** A completion handler of OpenTok's video calls: it always gets an `OT_NOT_SUPPORTED` error here. */
export type OTCompletionHandler = (error: OTError | null) => void;

/** `OT.initPublisher`'s forms: every argument optional, the completion handler last. */
export interface InitPublisher {
  (completionHandler?: OTCompletionHandler): Publisher;
  (target: unknown, completionHandler?: OTCompletionHandler): Publisher;
  (target: unknown, properties: object | undefined, completionHandler?: OTCompletionHandler): Publisher;
}

/** OpenTok's log levels. */
const LOG_LEVELS = { NONE: 0, ERROR: 1, WARN: 2, INFO: 3, LOG: 4, DEBUG: 5 } as const;

class OpenTokNamespace extends Emitter<OTEvents> {
  readonly version = VERSION;
  readonly NONE = LOG_LEVELS.NONE;
  readonly ERROR = LOG_LEVELS.ERROR;
  readonly WARN = LOG_LEVELS.WARN;
  readonly INFO = LOG_LEVELS.INFO;
  readonly LOG = LOG_LEVELS.LOG;
  readonly DEBUG = LOG_LEVELS.DEBUG;
  /** `error instanceof OT.Error` is true for every `OT_…` error. */
  readonly Error = OTError;
  readonly Session = Session;
  readonly Connection = Connection;
  readonly Publisher = Publisher;
  #logLevel: number = LOG_LEVELS.ERROR;

  // Arrow properties, not methods: apps pass `OT.initSession` around detached from `OT`.

  /**
   * OpenTok's `OT.initSession(apiKey, sessionId, options?)`. The apiKey is accepted and not used.
   * With no options the PeerServer is the page's own origin at `/peerjs`, key `peerjs`: what
   * `npm start` serves.
   *
   * @example
   * const session = OT.initSession('', 'team-room', { peerjs: { host: '192.168.1.10', port: 8080 } });
   */
  readonly initSession = (_apiKey: unknown, sessionId: string, options?: OTSessionOptions): OTSession => {
    if (typeof sessionId !== 'string' || sessionId.length === 0) {
      throw new OTError(
        'OT_INVALID_SESSION_ID',
        ExceptionCode.INVALID_SESSION_ID,
        'OT.initSession(apiKey, sessionId): sessionId must be a non-empty string (the apiKey comes first, as in OpenTok)',
      );
    }
    return asOpenTokSession(initSession(sessionId, sessionOptions(options)), this.#exception);
  };

  /**
   * OpenTok's `OT.initPublisher(target?, properties?, completionHandler?)`: no camera here. Returns
   * a stand-in Publisher; the completion handler gets an `OT_NOT_SUPPORTED` error. Nothing throws.
   */
  readonly initPublisher: InitPublisher = (...args: unknown[]): Publisher => {
    failLater(handlerIn(args), notSupported('OT.initPublisher()'), 'Unable to Publish', this.#exception);
    return new Publisher();
  };

  /** 1 where WebRTC data channels exist (all mesh-signal needs), else 0. */
  readonly checkSystemRequirements = (): 0 | 1 => {
    const pc: unknown = (globalThis as { RTCPeerConnection?: unknown }).RTCPeerConnection;
    return typeof pc === 'function' && typeof pc.prototype?.createDataChannel === 'function' ? 1 : 0;
  };

  /** OpenTok shows an upgrade notice; there is nothing to upgrade to here. */
  readonly upgradeSystemRequirements = (): void => {};

  /** OpenTok lists cameras and microphones: none are used here, so `OT_NOT_SUPPORTED`. */
  readonly getDevices = (completionHandler?: (error: OTError | null, devices?: unknown[]) => void): void => {
    const error = notSupported('OT.getDevices()');
    setTimeout(() => completionHandler?.(error, undefined), 0);
  };

  /** OpenTok's `OT.setLogLevel(OT.DEBUG)`: stored; only `OT.log` consults it. */
  readonly setLogLevel = (level: number): void => {
    if (typeof level === 'number' && level >= LOG_LEVELS.NONE && level <= LOG_LEVELS.DEBUG) this.#logLevel = level;
  };

  readonly getLogLevel = (): number => this.#logLevel;

  /** OpenTok's `OT.log(message)`: to the console when the level is `OT.LOG` or above. */
  readonly log = (...message: unknown[]): void => {
    if (this.#logLevel >= LOG_LEVELS.LOG) console.log('OT:', ...message);
  };

  readonly #exception = (code: number, title: string, error: Error): void => {
    this.emit('exception', { type: 'exception', code, title, message: error.message, error, target: this });
  };
}

/**
 * OpenTok's `OT` namespace for text chat. The classic build (`mesh-signal.global.js`) puts it on
 * `window.OT`.
 *
 * @example
 * const session = OT.initSession(apiKey, sessionId);
 * session.on('signal:msg', (e) => show(e.data, e.from.connectionId === session.connection.connectionId));
 * session.connect(token, (error) => error && console.log(error.name));
 */
export const OT = new OpenTokNamespace();
export type OTNamespace = OpenTokNamespace;

export { OTError, ExceptionCode, type OTSession, Publisher };
export { Subscriber } from './media.js';
