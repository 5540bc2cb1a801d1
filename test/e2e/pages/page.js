// The e2e test page: loads the built library like an app, and records what its session sees so
// the Node side can read it with page.evaluate(). Exposed as `window.t`.
import * as meshSignal from '../mesh-signal.js';

const state = {
  /** connectionCreated events, own included: { id, data } */
  created: [],
  /** connectionDestroyed events: { id, reason } */
  destroyed: [],
  /** connectionLinkChanged events: { id, state } ('away' / 'linked') */
  links: [],
  /** every `signal` event: { type, data, from, fromData, at } (at: order of arrival) */
  signals: [],
  /** `signal:<type>` events per listened type: { type, data, from } */
  typed: {},
  /** session-level events by name, in order */
  sessionEvents: [],
  /** the library's debug lines, when connect() was given `debugLog: true` (the last 300) */
  debug: [],
  /** uncaught errors and unhandled rejections in this page */
  pageErrors: [],
  /** `peerError` events: a peer sent something the library refused ({ from, reason }) */
  peerErrors: [],
};
/** Every Connection this page has seen, by id (kept after they leave, to signal them: 404). */
const known = new Map();
/** @type {ReturnType<typeof meshSignal.initSession> | undefined} */
let session;

addEventListener('error', (e) => state.pageErrors.push(`error: ${e.message}`));
addEventListener('unhandledrejection', (e) => state.pageErrors.push(`unhandled rejection: ${e.reason?.name ?? ''} ${e.reason?.message ?? e.reason}`));

/** A SignalError as plain data for the Node side. */
function plainError(error, passed) {
  return {
    ok: false,
    isSignalError: error instanceof meshSignal.SignalError,
    code: error?.code,
    name: error?.name,
    message: String(error?.message ?? error),
    signalIsPassedObject: passed !== undefined && error?.signal === passed,
    failures: Array.isArray(error?.failures)
      ? error.failures.map((f) => ({ id: f.connection?.connectionId, code: f.code, name: f.name }))
      : undefined,
  };
}

/** `to` as the tests give it: a connection id, 'self', or a raw value for validation cases. */
function target(to) {
  if (to === undefined) return undefined;
  if (to === 'self') return session.connection;
  if (typeof to === 'string') {
    const connection = known.get(to);
    if (!connection) throw new Error(`this page has never seen connection ${to}`);
    return connection;
  }
  return to.raw; // { raw: anything } for invalid-input cases
}

window.t = {
  lib: meshSignal,
  state,

  /** Joins `sessionId` as `name`; resolves with the own connection id. */
  async connect(sessionId, name, peerjs, options = {}) {
    // A page that vanishes without its goodbye (best effort on close, in both engines) is away
    // for the heartbeat timeout plus this grace before the others destroy it: 3 s keeps the
    // leave tests short (the library's default is 20 s).
    const { debugLog, ...rest } = options;
    const started = performance.now();
    const debug = debugLog ? (line) => state.debug.push(`${Math.round(performance.now() - started)} ms ${line}`) > 300 && state.debug.shift() : undefined;
    session = meshSignal.initSession(sessionId, { peerjs, iceServers: [], reconnectGrace: 3_000, ...(debug ? { debug } : {}), ...rest });
    window.session = session;
    for (const type of ['sessionConnected', 'sessionReconnecting', 'sessionReconnected', 'sessionDisconnected']) {
      session.on(type, (e) => state.sessionEvents.push(e.reason ? `${type}:${e.reason}` : type));
    }
    session.on('connectionCreated', (e) => {
      known.set(e.connection.connectionId, e.connection);
      state.created.push({ id: e.connection.connectionId, data: e.connection.data });
    });
    session.on('connectionDestroyed', (e) => {
      state.destroyed.push({ id: e.connection.connectionId, reason: e.reason });
    });
    session.on('connectionLinkChanged', (e) => state.links.push({ id: e.connection.connectionId, state: e.state }));
    session.on('peerError', (e) => state.peerErrors.push({ from: e.from?.connectionId, reason: e.reason }));
    session.on('signal', (e) => {
      if (e.from) known.set(e.from.connectionId, e.from);
      state.signals.push({ type: e.type, data: e.data, from: e.from?.connectionId, fromData: e.from?.data, fromIsConnection: e.from instanceof meshSignal.Connection });
    });
    await session.connect({ data: name });
    known.set(session.connection.connectionId, session.connection);
    return session.connection.connectionId;
  },

  /** A session that never connects, for the 500 case. */
  idleSession(sessionId, peerjs) {
    session = meshSignal.initSession(sessionId, { peerjs, iceServers: [] });
    window.session = session;
  },

  disconnect() {
    session?.disconnect();
  },

  /** Ids of the live connections this page knows of, own included. */
  liveIds() {
    const gone = new Set(state.destroyed.map((d) => d.id));
    return state.created.map((c) => c.id).filter((id) => !gone.has(id));
  },

  listen(type) {
    state.typed[type] ??= [];
    session.on(`signal:${type}`, (e) => state.typed[type].push({ type: e.type, data: e.data, from: e.from?.connectionId }));
  },

  /** One signal through the Promise API. Resolves with { ok: true } or the error as data. */
  async send({ to, type, data, omit = [], extra = {} } = {}) {
    const signal = { ...extra };
    if (!omit.includes('to') && to !== undefined) signal.to = target(to);
    if (!omit.includes('type')) signal.type = type;
    if (!omit.includes('data')) signal.data = data;
    try {
      await session.signal(signal);
      return { ok: true };
    } catch (error) {
      return plainError(error, signal);
    }
  },

  /** The same through the completion-handler API. */
  sendWithHandler({ to, type, data }) {
    const signal = { type, data };
    if (to !== undefined) signal.to = target(to);
    return new Promise((resolve) => {
      session.signal(signal, (error) => resolve(error ? plainError(error, signal) : { ok: true }));
    });
  },

  /** `count` signals sent back to back without waiting, data "0".."count-1"; resolves when all complete. */
  async sendMany({ to, type, count, prefix = '', padTo = 0 }) {
    const sends = [];
    for (let i = 0; i < count; i += 1) {
      const signal = { type, data: `${prefix}${i}`.padEnd(padTo, '.') };
      if (to !== undefined) signal.to = target(to);
      sends.push(session.signal(signal));
    }
    const results = await Promise.allSettled(sends);
    const failed = results.filter((r) => r.status === 'rejected').map((r) => `${r.reason?.code} ${r.reason?.name}`);
    return { sent: count, failed };
  },

  /** Data of the signals of `type` from `fromId`, in arrival order. */
  dataFrom(fromId, type) {
    return state.signals.filter((s) => s.from === fromId && s.type === type).map((s) => s.data);
  },
};
window.tReady = true;
