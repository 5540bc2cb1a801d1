/**
 * The OpenTok-shaped Session: connect, signal, events. It owns the connection state and the
 * members; delivery (acks, timeouts, dedup) is `Delivery`'s, links are the transport's.
 *
 * | state        | connect()            | signal()                              | transport event       |
 * |--------------|----------------------|---------------------------------------|-----------------------|
 * | disconnected | → connecting         | 500                                   | —                     |
 * | connecting   | same promise         | 500                                   | joined → connected    |
 * | connected    | resolves at once     | sent                                  | reconnecting →        |
 * | reconnecting | resolves at once     | queued (retryAfterReconnect) or 500   | reconnected → connected |
 * Any state → disconnected on `disconnect()` or when the transport gives up.
 *
 * Members and their links: a member whose link is re-forming (`peerAway`) stays a member; its
 * link state goes `away` (event `connectionLinkChanged`) and Delivery holds what goes to it until
 * `peerBack` (`linked` again) or `peerLeft` (`connectionDestroyed`).
 *
 * What a stay leaves behind (with persistence, in a browser; see `identity/continuity.ts`):
 * `pagehide` keeps identity and outbox for the next page ("maybe back" goodbye); `disconnect()` or
 * the transport giving up forgets them; a failed `connect()` keeps them for a retry.
 */
import { Connection, MAX_CONNECTION_DATA_CHARS, type ConnectionInfo } from './connection.js';
import { Delivery, MAX_SIGNALS_IN_FLIGHT } from './delivery/delivery.js';
import type { StoredSignal } from './delivery/outbox.js';
import { Continuity, type Ending } from './identity/continuity.js';
import type { Persistence } from './identity/store.js';
import { DEFAULT_MAX_SIGNALS_PER_SECOND, EventThrottle, InboundRateLimit, rateLimitedNak } from './delivery/rate-limit.js';
import { signalFrameId } from './wire/signal-frames.js';
import { Emitter } from './events.js';
import { randomId } from './ids.js';
import type { LinkState, SessionDisconnectEvent, SessionEvents } from './session-events.js';
import { ErrorCode, SignalError } from './signal/errors.js';
import { complete, type Completion } from './signal/completion.js';
import { checkSignal, type CheckedSignal, type SignalOptions } from './signal/validate.js';
import type { JoinResult, LeaveReason, Transport, TransportEvents, TransportFactory } from './transport/types.js';
import type { Invite, InviteHost, InviteOptions } from './invite-api.js';

export type SessionState = 'disconnected' | 'connecting' | 'connected' | 'reconnecting';

/** Ids of departed connections remembered (so a signal to one is 404, not 400); oldest first out. */
const MAX_DEPARTED_REMEMBERED = 4096;

/** Default time a signal waits for its acknowledgement before failing with 408. */
export const DEFAULT_ACK_TIMEOUT_MS = 10_000;

/** What the signal path itself needs; transports take their own options. */
export interface SessionCoreOptions {
  /** Makes the transport for each `connect()`. */
  transport: TransportFactory;
  /** Milliseconds a signal waits for every target's acknowledgement (default 10 000), then 408. */
  ackTimeout?: number;
  /**
   * Where identity, outbox and delivery state survive a reload (`browserPersistence()` in a
   * browser). Undefined: nothing survives; a page going away says a final goodbye.
   */
  persistence?: Persistence | undefined;
  /** Invites (`src/invite-api.ts`); absent: `createInvite()` fails with 1006. */
  invites?: InviteHost;
  /** Signals accepted per second from one connection (default 2000); more get a 429 nak. */
  maxSignalsPerSecond?: number;
}


/** `connect()`'s options. `data` becomes `connection.data` (at most 1000 characters). */
export interface ConnectOptions {
  data?: string;
}

interface QueuedSignal {
  checked: CheckedSignal;
  signal: unknown;
  resolve(): void;
  reject(error: SignalError): void;
}

/**
 * One client's view of one session. Create it with `initSession()`.
 *
 * @example
 * const session = initSession('room-1', { peerjs: { host: location.hostname, port: 9000, path: '/peerjs' } });
 * session.on('signal:chat', (e) => console.log(e.from.data, e.data));
 * await session.connect({ data: 'alice' });
 * await session.signal({ type: 'chat', data: 'hello' });
 */
export class Session extends Emitter<SessionEvents> {
  /** The session id passed to `initSession`. */
  readonly sessionId: string;
  /** This client's own connection while connected; undefined otherwise. */
  connection: Connection | undefined;

  readonly #options: Required<Omit<SessionCoreOptions, 'persistence' | 'invites'>>;
  readonly #persistence: Persistence | undefined;
  /** What this stay keeps for the next page of the tab (with persistence). */
  #continuity: Continuity | undefined;
  /** Members whose link is being re-formed. */
  readonly #away = new Set<string>();
  readonly #invites: InviteHost | undefined;
  /** Per-connection inbound signal budget (a flooding peer spends only its own). */
  #rateLimit: InboundRateLimit;
  /** `peerError` events per source, so a hostile peer cannot make us fire them without end. */
  #peerErrors = new EventThrottle();
  #state: SessionState = 'disconnected';
  #transport: Transport | undefined;
  #delivery: Delivery | undefined;
  #connecting: Promise<void> | undefined;
  /** Live members other than oneself, by connection id. */
  readonly #members = new Map<string, Connection>();
  /** Members announced to the app with `connectionCreated` (the others joined during connect). */
  readonly #announced = new Set<string>();
  /** Ids that were members and left, so a signal to them is 404, not 400. */
  readonly #departed = new Set<string>();
  #queued: QueuedSignal[] = [];
  /** Signal frames received while connecting: [from, frame], delivered after `sessionConnected`. */
  #early: [string, unknown][] = [];
  /**
   * A closing tab says goodbye: otherwise its peers only notice after the heartbeat timeout
   * (seconds), because browsers tear down peer connections without telling the other side.
   */
  readonly #onPageHide = (): void => {
    if (this.#state === 'disconnected') return;
    // Without a stored identity a reload is a new Connection anyway: say a final goodbye.
    if (!this.#continuity?.identity.stored) return this.disconnect();
    this.#teardown('clientDisconnected', true, 'reload');
  };

  /** A hidden tab may be discarded without `pagehide`: save what a reload needs now. */
  readonly #onVisibility = (): void => {
    if (globalThis.document?.visibilityState === 'hidden') this.#continuity?.save(this.#delivery);
  };

  constructor(sessionId: string, options: SessionCoreOptions) {
    super();
    if (typeof sessionId !== 'string' || sessionId.length === 0) throw new TypeError('initSession needs a non-empty session id string');
    if (typeof options?.transport !== 'function') throw new TypeError('Session needs a transport factory');
    const ackTimeout = options.ackTimeout ?? DEFAULT_ACK_TIMEOUT_MS;
    if (!(ackTimeout > 0 && Number.isFinite(ackTimeout))) throw new TypeError(`ackTimeout must be a positive number of milliseconds, not ${ackTimeout}`);
    this.sessionId = sessionId;
    const maxSignalsPerSecond = options.maxSignalsPerSecond ?? DEFAULT_MAX_SIGNALS_PER_SECOND;
    this.#options = { transport: options.transport, ackTimeout, maxSignalsPerSecond };
    this.#rateLimit = new InboundRateLimit({ ratePerSecond: maxSignalsPerSecond });
    this.#persistence = options.persistence;
    this.#invites = options.invites;
  }

  /** 'disconnected' | 'connecting' | 'connected' | 'reconnecting'. */
  get state(): SessionState {
    return this.#state;
  }

  /** True while connected (or reconnecting), as OpenTok's `isConnected()`. */
  isConnected(): boolean {
    return this.#state === 'connected' || this.#state === 'reconnecting';
  }

  /** The other live connections of the session. */
  get connections(): Connection[] {
    return [...this.#members.values()];
  }

  /**
   * Joins the session. Resolves (and calls `completionHandler(null)`) once connected, after
   * `sessionConnected`. Accepts `connect()`, `connect(cb)`, `connect({ data })`,
   * `connect({ data }, cb)`, and OpenTok's `connect(token, cb)` (the token is not used yet).
   */
  connect(options?: ConnectOptions | string | Completion, completionHandler?: Completion): Promise<void> {
    if (typeof options === 'function') [options, completionHandler] = [undefined, options];
    const connectOptions = typeof options === 'object' && options !== null ? options : {};
    return complete(this.#connect(connectOptions), completionHandler);
  }

  /**
   * Sends a signal. `to` omitted: to every connection, the sender's own included. Resolves (and
   * calls `completionHandler(null)`) when every target's app has received it; otherwise fails
   * with a SignalError (`code`, `name`, `message`, `signal`, and `failures` per target).
   */
  signal(signal?: SignalOptions, completionHandler?: Completion): Promise<void> {
    return complete(this.#signal(signal), completionHandler);
  }

  /**
   * Whether this client has a working link to a member: `away` while the transport re-forms it
   * (signals to it are held), `linked` otherwise; undefined for a connection that is not a member.
   */
  linkState(connection: Connection | string): LinkState | undefined {
    const id = typeof connection === 'string' ? connection : connection?.connectionId;
    if (id === this.connection?.connectionId) return 'linked';
    if (!this.#members.has(id)) return undefined;
    return this.#away.has(id) ? 'away' : 'linked';
  }

  /**
   * Invites one newcomer (README, "No server"): resolves with `{ code, url, expiresAt }` to hand
   * over. Needs a connected session; fails with 1006 otherwise.
   */
  createInvite(options?: InviteOptions): Promise<Invite> {
    if (!this.isConnected() || !this.#invites) return Promise.reject(new SignalError(ErrorCode.CONNECT_FAILED, 'invites are made by a connected member of a WebRTC mesh session'));
    return this.#invites.create(options);
  }

  /**
   * Enters a newcomer's reply to one of this member's invites. Resolves when the link to the
   * newcomer is open (it then joins the mesh); rejects with an `InviteError` whose `reason` is
   * `corrupted`, `expired`, `used`, `wrong-session`, `wrong-version`, `wrong-kind`, `unknown` (400)
   * or `timeout` (1006).
   */
  acceptReply(code: string): Promise<void> {
    if (!this.isConnected() || !this.#invites) return Promise.reject(new SignalError(ErrorCode.CONNECT_FAILED, 'replies are entered by a connected member of a WebRTC mesh session'));
    return this.#invites.acceptReply(code);
  }

  /**
   * Leaves the session: peers get `connectionDestroyed` (clientDisconnected). The identity and
   * the stored outbox are forgotten (the next `connect()` is a new Connection). Safe to call twice.
   */
  disconnect(): void {
    if (this.#state === 'disconnected') return;
    this.#teardown('clientDisconnected');
  }

  #connect(options: ConnectOptions): Promise<void> {
    if (this.#state === 'connecting') return this.#connecting!;
    if (this.#state !== 'disconnected') return Promise.resolve();
    const data = options.data ?? '';
    if (typeof data !== 'string' || data.length > MAX_CONNECTION_DATA_CHARS) {
      return Promise.reject(new SignalError(ErrorCode.INVALID_PARAMETER, `connect data must be a string of at most ${MAX_CONNECTION_DATA_CHARS} characters`));
    }
    let transport: Transport;
    try {
      transport = this.#options.transport(this.sessionId);
    } catch (cause) {
      return Promise.reject(new SignalError(ErrorCode.CONNECT_FAILED, `could not create the transport for session ${this.sessionId}: ${(cause as Error)?.message ?? cause}`));
    }
    this.#state = 'connecting';
    this.#transport = transport;
    globalThis.addEventListener?.('pagehide', this.#onPageHide);
    globalThis.document?.addEventListener?.('visibilitychange', this.#onVisibility);
    this.#connecting = this.#join(transport, data).then(
      ({ joined, resumable, abandoned }) => {
        if (this.#transport !== transport) throw new SignalError(ErrorCode.CONNECT_FAILED, 'disconnect() was called before the session connected');
        const self = this.connection!;
        this.#state = 'connected';
        this.#connecting = undefined;
        // Before any event: an app signal sent from a listener must not overtake the resent ones
        // (receivers de-duplicate by a high-water mark, so a newer id first would hide them).
        const outcome = (signal: StoredSignal, error: SignalError | null) =>
          queueMicrotask(() => this.emit('outboxSignal', { type: 'outboxSignal', target: this, signal: { ...signal, to: [...signal.to] }, error }));
        if (resumable.length > 0) this.#delivery!.resume(resumable, outcome);
        for (const signal of abandoned) {
          outcome(signal, new SignalError(ErrorCode.NOT_CONNECTED, 'sent by an earlier Connection of this tab that this page could not resume (other connect data, or its certificate is gone); not sent again', { ...signal }));
        }
        const others = this.connections;
        this.emit('sessionConnected', { type: 'sessionConnected', target: this, connections: others, missing: joined.missing });
        // As OpenTok does: connectionCreated for one's own connection, then for everyone present.
        this.emit('connectionCreated', { type: 'connectionCreated', target: this, connection: self });
        for (const connection of others) this.#announce(connection);
        this.#receiveEarly(transport);
      },
      (cause: unknown) => {
        if (this.#transport === transport) this.#teardown('networkDisconnected', false, 'failed');
        if (cause instanceof SignalError) throw cause;
        throw new SignalError(ErrorCode.CONNECT_FAILED, `could not connect to session ${this.sessionId}: ${(cause as Error)?.message ?? cause}`);
      },
    );
    return this.#connecting;
  }

  /**
   * Claims the identity (the stored one after a reload), loads what the last page left, sets up
   * Delivery and joins through the transport. Without persistence it calls the transport at once.
   */
  async #join(transport: Transport, data: string): Promise<{ joined: JoinResult; resumable: StoredSignal[]; abandoned: StoredSignal[] }> {
    const p = this.#persistence;
    if (p) {
      const warn = (reason: string) => this.emit('storageWarning', { type: 'storageWarning', target: this, reason });
      this.#continuity = await Continuity.open(p, this.sessionId, data, warn, () => this.#transport === transport);
      if (!this.#continuity) throw new SignalError(ErrorCode.CONNECT_FAILED, 'disconnect() was called before the session connected');
    }
    const continuity = this.#continuity;
    const info = continuity?.info ?? { connectionId: randomId(), creationTime: Date.now(), data };
    const self = new Connection(info.connectionId, info.creationTime, info.data);
    this.connection = self;
    const outbox = continuity?.outbox;
    this.#delivery = new Delivery({
      self,
      ackTimeoutMs: this.#options.ackTimeout,
      firstId: continuity ? continuity.firstSignalId() : 1,
      ...(continuity?.deliveryState ? { seen: continuity.deliveryState.seen } : {}),
      ...(outbox ? { outbox: { added: (signal) => outbox.added(signal), removed: (id) => outbox.removed(id) } } : {}),
      send: (to, frame) => transport.send(to, frame),
      connectionOf: (id) => this.#members.get(id),
      dispatch: (from, type, data) => this.#dispatchSignal(from, type, data),
      fault: (from, reason) => this.#peerError(from, reason),
    });
    const certificate = continuity?.identity.certificate;
    const joined = await transport.connect({ ...self }, this.#eventsFor(transport), certificate ? { certificate } : undefined);
    return { joined, resumable: continuity?.resumable ?? [], abandoned: continuity?.abandoned ?? [] };
  }

  /** Transport events, bound to one transport: events from an old, closed one are ignored. */
  #eventsFor(transport: Transport): TransportEvents {
    const live = () => this.#transport === transport;
    return {
      peerJoined: (info) => live() && this.#peerJoined(info),
      peerLeft: (id, reason) => live() && this.#peerLeft(id, reason),
      peerAway: (id) => live() && this.#peerAway(id),
      peerBack: (id) => live() && this.#peerBack(id),
      message: (from, frame) => live() && this.#receive(transport, from, frame),
      peerFault: (id, reason) => {
        if (live()) this.#peerError(id === undefined ? undefined : this.#members.get(id), reason, id);
      },
      reconnecting: () => {
        if (!live() || this.#state !== 'connected') return;
        this.#state = 'reconnecting';
        this.emit('sessionReconnecting', { type: 'sessionReconnecting', target: this });
      },
      reconnected: () => {
        if (!live() || this.#state !== 'reconnecting') return;
        this.#state = 'connected';
        this.emit('sessionReconnected', { type: 'sessionReconnected', target: this });
        this.#flushQueued();
      },
      disconnected: (reason) => live() && this.#teardown(reason),
    };
  }

  /**
   * A frame from a peer: over its signal budget → 429 nak, not dispatched; else to Delivery.
   * Signals that arrive while connecting wait (unacknowledged) until the app has heard
   * `sessionConnected`; a retransmission of one already dispatched costs no budget (a 429 for
   * it would fail a signal that was delivered).
   */
  #receive(transport: Transport, from: string, frame: unknown): void {
    const id = signalFrameId(frame);
    if (id !== undefined && this.#state === 'connecting') {
      // Bounded like the sender's own window; past it, the sender hears 429 and may retry.
      if (this.#early.length < MAX_SIGNALS_IN_FLIGHT) this.#early.push([from, frame]);
      else transport.send(from, rateLimitedNak(id, this.#options.maxSignalsPerSecond));
      return;
    }
    const member = this.#members.get(from);
    if (id !== undefined && member && !this.#delivery!.dispatchedAlready(from, id) && !this.#rateLimit.take(from)) {
      const nak = rateLimitedNak(id, this.#options.maxSignalsPerSecond);
      transport.send(from, nak);
      this.#peerError(member, `signal refused with 429: ${nak.reason}`);
      return;
    }
    this.#delivery!.receive(from, frame);
  }

  /** Delivers the signals that arrived while connecting, now that the app knows it is connected. */
  #receiveEarly(transport: Transport): void {
    const early = this.#early;
    this.#early = [];
    for (const [from, frame] of early) {
      if (this.#transport !== transport) return; // a listener disconnected
      this.#receive(transport, from, frame);
    }
  }

  /** Emits `peerError`, at most 10 a second per source; the next one says how many were held back. */
  #peerError(from: Connection | undefined, reason: string, fromId = from?.connectionId): void {
    const verdict = this.#peerErrors.admit(fromId ?? '');
    if (!verdict.emit) return;
    const text = verdict.suppressedBefore > 0 ? `${reason} (and ${verdict.suppressedBefore} more from this source held back)` : reason;
    this.emit('peerError', { type: 'peerError', target: this, from, reason: text });
  }

  #peerJoined(info: ConnectionInfo): void {
    const self = this.connection!;
    if (info.connectionId === self.connectionId || this.#members.has(info.connectionId)) return;
    const connection = new Connection(info.connectionId, info.creationTime, info.data);
    this.#members.set(connection.connectionId, connection);
    this.#departed.delete(connection.connectionId);
    this.#delivery?.memberJoined(connection); // resumed signals that waited for it
    if (this.#state === 'connected' || this.#state === 'reconnecting') this.#announce(connection);
  }

  #peerAway(connectionId: string): void {
    const connection = this.#members.get(connectionId);
    if (!connection || this.#away.has(connectionId)) return;
    this.#away.add(connectionId);
    this.#delivery!.peerAway(connectionId);
    if (this.#announced.has(connectionId)) this.emit('connectionLinkChanged', { type: 'connectionLinkChanged', target: this, connection, state: 'away' });
  }

  #peerBack(connectionId: string): void {
    const connection = this.#members.get(connectionId);
    if (!connection) return;
    if (this.#away.delete(connectionId) && this.#announced.has(connectionId)) {
      this.emit('connectionLinkChanged', { type: 'connectionLinkChanged', target: this, connection, state: 'linked' });
    }
    // Always asked: Delivery may still hold for it (a resend the transport refused last time).
    this.#delivery!.peerBack(connectionId); // resends what it did not acknowledge, in order
  }

  #announce(connection: Connection): void {
    this.#announced.add(connection.connectionId);
    this.emit('connectionCreated', { type: 'connectionCreated', target: this, connection });
  }

  #peerLeft(connectionId: string, reason: LeaveReason): void {
    const connection = this.#members.get(connectionId);
    if (!connection) return;
    this.#members.delete(connectionId);
    this.#away.delete(connectionId);
    this.#departed.add(connectionId);
    // Bounded: a long session with churn must not remember every id that ever left.
    if (this.#departed.size > MAX_DEPARTED_REMEMBERED) this.#departed.delete(this.#departed.values().next().value!);
    this.#rateLimit.forget(connectionId);
    this.#peerErrors.forget(connectionId);
    this.#delivery!.peerLeft(connectionId, `connection ${connectionId} left the session (${reason}) before acknowledging`);
    if (this.#announced.delete(connectionId)) {
      this.emit('connectionDestroyed', { type: 'connectionDestroyed', target: this, connection, reason });
    }
  }

  #dispatchSignal(from: Connection, type: string, data: string): void {
    const event = { type, data, from, target: this };
    this.emit('signal', event);
    if (type) this.emit(`signal:${type}`, event);
  }

  #signal(signal: SignalOptions | undefined): Promise<void> {
    if (!this.isConnected()) {
      return Promise.reject(new SignalError(ErrorCode.NOT_CONNECTED, `the session is ${this.#state}; call connect() first`, signal));
    }
    const checked = checkSignal(signal, (id) =>
      this.#members.has(id) || id === this.connection!.connectionId ? 'member' : this.#departed.has(id) ? 'departed' : 'unknown');
    if (checked instanceof SignalError) return Promise.reject(checked);
    if (this.#state === 'reconnecting') {
      if (!checked.retryAfterReconnect) {
        return Promise.reject(new SignalError(ErrorCode.NOT_CONNECTED, 'the session is reconnecting and retryAfterReconnect is false', signal));
      }
      return new Promise((resolve, reject) => this.#queued.push({ checked, signal, resolve, reject }));
    }
    return this.#send(checked, signal);
  }

  #send(checked: CheckedSignal, signal: unknown): Promise<void> {
    const self = this.connection!;
    let targets: Connection[];
    if (checked.to === undefined) {
      targets = [self, ...this.#members.values()];
    } else {
      const id = checked.to.connectionId;
      const target = id === self.connectionId ? self : this.#members.get(id);
      if (!target) return Promise.reject(new SignalError(ErrorCode.NOT_FOUND, `connection ${id} is no longer connected to the session`, signal));
      targets = [target];
    }
    return this.#delivery!.send(targets, checked.type, checked.data, signal, checked.retryAfterReconnect);
  }

  #flushQueued(): void {
    const queued = this.#queued;
    this.#queued = [];
    for (const item of queued) this.#send(item.checked, item.signal).then(item.resolve, item.reject);
  }

  /** Ends this stay: closes the transport, fails what waits, forgets members. */
  #teardown(reason: SessionDisconnectEvent['reason'], announce = true, ending: Ending = 'leave'): void {
    const transport = this.#transport;
    this.#transport = undefined;
    this.#state = 'disconnected';
    globalThis.removeEventListener?.('pagehide', this.#onPageHide);
    globalThis.document?.removeEventListener?.('visibilitychange', this.#onVisibility);
    this.#connecting = undefined;
    const delivery = this.#delivery;
    this.#delivery = undefined;
    this.#continuity?.end(ending, delivery);
    this.#continuity = undefined;
    // Delivery first: it sends the acks it still holds, then the transport says goodbye.
    delivery?.close(ending === 'reload' ? 'the page went away; the signal is sent again after a reload' : 'the session disconnected before every acknowledgement arrived', ending !== 'leave');
    if (ending === 'reload' && transport?.leaveForReload) transport.leaveForReload();
    else transport?.close();
    this.#away.clear();
    const queued = this.#queued;
    this.#queued = [];
    this.#early = []; // never acknowledged: their senders hear 404 or 408
    for (const item of queued) item.reject(new SignalError(ErrorCode.NOT_CONNECTED, 'the session disconnected while reconnecting', item.signal));
    this.#members.clear();
    this.#announced.clear();
    this.#departed.clear();
    this.#rateLimit = new InboundRateLimit({ ratePerSecond: this.#options.maxSignalsPerSecond });
    this.#peerErrors = new EventThrottle();
    this.connection = undefined;
    if (announce) this.emit('sessionDisconnected', { type: 'sessionDisconnected', target: this, reason });
  }
}
