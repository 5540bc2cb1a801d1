/**
 * Harmless stand-ins for OpenTok's Publisher and Subscriber: an app that publishes video beside
 * its chat gets one back from `OT.initPublisher`, `session.publish` and `session.subscribe`, can
 * call what it usually calls on it (`on`, `off`, `destroy`, `publishVideo`...), and its chat goes
 * on. Nothing here touches the camera, the microphone or the page.
 */
import { Emitter } from '../events.js';
import { randomId } from '../ids.js';

/** Events a Publisher or Subscriber could dispatch; these never fire. */
export type MediaEvents = Record<string, object>;

class MediaStandIn extends Emitter<MediaEvents> {
  /** A unique id, as OpenTok gives each publisher and subscriber. */
  readonly id = `ms-${randomId()}`;
  /** OpenTok's video element: none is created. */
  readonly element: HTMLElement | undefined = undefined;
  /** OpenTok's Stream: there is none. */
  readonly stream: undefined = undefined;
  /** OpenTok's Session it belongs to: none. */
  readonly session: undefined = undefined;
  #destroyed = false;

  /** True once `destroy()` was called. */
  get destroyed(): boolean {
    return this.#destroyed;
  }

  /** Nothing to tear down; returns itself, as OpenTok's does. */
  destroy(): this {
    this.#destroyed = true;
    return this;
  }

  /** A video frame as a data URL: there is none. */
  getImgData(): null {
    return null;
  }
}

/** What `OT.initPublisher` and `session.publish` return. */
export class Publisher extends MediaStandIn {
  /** Accepted and ignored: there is no audio to send. */
  publishAudio(_value: boolean): this {
    return this;
  }

  /** Accepted and ignored: there is no video to send. */
  publishVideo(_value: boolean): this {
    return this;
  }
}

/** What `session.subscribe` returns. */
export class Subscriber extends MediaStandIn {
  /** Accepted and ignored. */
  subscribeToAudio(_value: boolean): this {
    return this;
  }

  /** Accepted and ignored. */
  subscribeToVideo(_value: boolean): this {
    return this;
  }
}
