/**
 * The Session `OT.initSession` returns: mesh-signal's Session, plus OpenTok's video methods
 * answering `OT_NOT_SUPPORTED`, and OpenTok's way of failing: errors go to completion handlers
 * and `OT`'s `exception` event, never to an unhandled promise rejection.
 *
 * Why the methods are added to the instance and not a subclass: `initSession` (src/index.ts) is
 * the one place that turns options into a transport; an OpenTok session is made by it, so it gets
 * every option and check an ordinary session gets.
 */
import type { HandlerMap } from '../events.js';
import type { Session } from '../session.js';
import type { SessionEvents } from '../session-events.js';
import type { SignalOptions } from '../signal/validate.js';
import type { SignalError } from '../signal/errors.js';
import { notSupported, type OTError } from './errors.js';
import { Publisher, Subscriber } from './media.js';

type Handler = (error: OTError | null) => void;

/** OpenTok's Session events about streams, archives and moderation: accepted, never dispatched here. */
export type OpenTokMediaEventName =
  | 'streamCreated'
  | 'streamDestroyed'
  | 'streamPropertyChanged'
  | 'archiveStarted'
  | 'archiveStopped'
  | 'muteForced';

/** What an OpenTok stream event carries (for apps' types: no such event is ever dispatched). */
export interface OpenTokMediaEvent {
  type: OpenTokMediaEventName;
  stream: unknown;
  target: unknown;
}

/**
 * mesh-signal's Session with OpenTok's video methods (which report `OT_NOT_SUPPORTED`); `on`,
 * `once` and `off` also accept OpenTok's stream events, so an app's `streamCreated` handler
 * type-checks (it is never called).
 */
export interface OTSession extends Session {
  on<K extends keyof SessionEvents & string>(type: K, fn: (event: SessionEvents[K]) => void, context?: unknown): this;
  on(handlers: HandlerMap<SessionEvents>, context?: unknown): this;
  on(type: OpenTokMediaEventName, fn: (event: OpenTokMediaEvent) => void, context?: unknown): this;
  once<K extends keyof SessionEvents & string>(type: K, fn: (event: SessionEvents[K]) => void, context?: unknown): this;
  once(handlers: HandlerMap<SessionEvents>, context?: unknown): this;
  once(type: OpenTokMediaEventName, fn: (event: OpenTokMediaEvent) => void, context?: unknown): this;
  off<K extends keyof SessionEvents & string>(type?: K, fn?: (event: SessionEvents[K]) => void, context?: unknown): this;
  off(handlers: HandlerMap<SessionEvents>, context?: unknown): this;
  off(type: OpenTokMediaEventName, fn?: (event: OpenTokMediaEvent) => void, context?: unknown): this;
  /**
   * OpenTok: publishes a stream. Here: `completionHandler` gets an `OT_NOT_SUPPORTED` error; the
   * publisher passed in (or a new stand-in) is returned. Signaling is not affected.
   */
  publish(publisher?: Publisher | object, completionHandler?: Handler): Publisher;
  publish(publisher: Publisher | object | undefined, properties: object, completionHandler?: Handler): Publisher;
  /** OpenTok: stops publishing. Here: nothing to stop. */
  unpublish(publisher?: Publisher): void;
  /**
   * OpenTok: subscribes to a stream. Here no stream ever exists (`streamCreated` never fires);
   * if called, `completionHandler` gets `OT_NOT_SUPPORTED` and a stand-in Subscriber is returned.
   */
  subscribe(stream: unknown, target?: unknown, properties?: object, completionHandler?: Handler): Subscriber;
  /** OpenTok: stops a subscriber. Here: nothing to stop. */
  unsubscribe(subscriber?: Subscriber): void;
  /** OpenTok: the publisher of a stream. Here: none. */
  getPublisherForStream(stream?: unknown): undefined;
  /** OpenTok: the subscribers of a stream. Here: none. */
  getSubscribersForStream(stream?: unknown): Subscriber[];
}

/** How the session reports a failure on `OT` (the `exception` event). */
export interface ExceptionSink {
  (code: number, title: string, error: Error): void;
}

/** The completion handler among OpenTok's optional arguments: the last function passed. */
export function handlerIn(args: readonly unknown[]): Handler | undefined {
  for (let i = args.length - 1; i >= 0; i--) {
    if (typeof args[i] === 'function') return args[i] as Handler;
  }
  return undefined;
}

/**
 * Calls the handler on a later task, as OpenTok completes asynchronously, and reports the failure
 * on `OT`. The timer is a one-shot that owns nothing.
 */
export function failLater(handler: Handler | undefined, error: OTError, title: string, report: ExceptionSink): void {
  setTimeout(() => {
    report(error.code, title, error);
    handler?.(error);
  }, 0);
}

/** Adds OpenTok's video methods and failure reporting to `session`. */
export function asOpenTokSession(session: Session, report: ExceptionSink): OTSession {
  const connect = session.connect.bind(session);
  const signal = session.signal.bind(session);
  const methods = {
    // An OpenTok app never handles a promise: a failure reaches its handler and `exception`.
    connect(...args: Parameters<Session['connect']>): Promise<void> {
      const joining = connect(...args);
      joining.catch((error: SignalError) => report(error.code, 'Connect Failed', error));
      return joining;
    },
    signal(options?: SignalOptions, completionHandler?: (error: SignalError | null) => void): Promise<void> {
      const sending = signal(options, completionHandler);
      sending.catch(() => {}); // the handler (if any) heard it; OpenTok's signal() returns nothing
      return sending;
    },
    publish(publisher?: unknown, ...rest: unknown[]): Publisher {
      failLater(handlerIn([publisher, ...rest]), notSupported('session.publish()'), 'Unable to Publish', report);
      return publisher instanceof Publisher ? publisher : new Publisher();
    },
    unpublish(): void {},
    subscribe(...args: unknown[]): Subscriber {
      failLater(handlerIn(args), notSupported('session.subscribe()'), 'Unable to Subscribe', report);
      return new Subscriber();
    },
    unsubscribe(): void {},
    getPublisherForStream(): undefined {
      return undefined;
    },
    getSubscribersForStream(): Subscriber[] {
      return [];
    },
  };
  // The Emitter takes any event name at run time; OTSession only widens what `on` accepts in types.
  return Object.assign(session, methods) as unknown as OTSession;
}
