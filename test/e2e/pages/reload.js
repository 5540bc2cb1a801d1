// The reload test's page: an app that joins its session on load when this tab joined before
// (config in sessionStorage), as a real app would after a reload. Everything its app receives is
// appended to sessionStorage too, so the test can count deliveries across the reload.
// Exposed as `window.r`.
import * as meshSignal from '../mesh-signal.js';

const CONFIG = 'reload-test:config';
const LOG = 'reload-test:log';
const read = (key, fallback) => JSON.parse(sessionStorage.getItem(key) ?? JSON.stringify(fallback));

const state = {
  /** connectionCreated / connectionDestroyed / connectionLinkChanged, in order: 'created <id>' … */
  connections: [],
  /** outboxSignal events: { id, data, to, code } */
  outbox: [],
  storageWarnings: [],
  pageErrors: [],
  /** outcome of each signal this page sent: data → 'ok' | code */
  sent: {},
  /** 'burst' signals received (bench/outbox-insitu.mjs) */
  bursts: 0,
};
addEventListener('error', (e) => state.pageErrors.push(`error: ${e.message}`));
addEventListener('unhandledrejection', (e) => state.pageErrors.push(`unhandled rejection: ${e.reason?.message ?? e.reason}`));

let session;
const known = new Map();

async function join({ sessionId, name, peerjs, persist = true }) {
  session = meshSignal.initSession(sessionId, { peerjs, iceServers: [], persist });
  session.on('connectionCreated', (e) => {
    known.set(e.connection.connectionId, e.connection);
    state.connections.push(`created ${e.connection.connectionId}`);
  });
  session.on('connectionDestroyed', (e) => state.connections.push(`destroyed ${e.connection.connectionId}`));
  session.on('connectionLinkChanged', (e) => state.connections.push(`${e.state} ${e.connection.connectionId}`));
  session.on('outboxSignal', (e) => state.outbox.push({ id: e.signal.id, data: e.signal.data, to: e.signal.to, code: e.error ? e.error.code : null }));
  session.on('storageWarning', (e) => state.storageWarnings.push(e.reason));
  session.on('signal', (e) => {
    if (e.type === 'burst') return void state.bursts++; // the bench's load: not logged (the log is O(n) per signal)
    const log = read(LOG, []);
    log.push({ type: e.type, data: e.data, from: e.from.connectionId });
    sessionStorage.setItem(LOG, JSON.stringify(log));
    if (e.type === 'stall') {
      // Hold this page's thread (no acks go out meanwhile) so the sender's signals stay unacknowledged.
      const until = Date.now() + Number(e.data);
      while (Date.now() < until) { /* busy */ }
    }
  });
  await session.connect({ data: name });
  state.joinedAtMs = Math.round(performance.now()); // since this page's navigation started
  return { ...session.connection };
}

window.r = {
  state,
  /** Joins and remembers the config, so a reload of this tab joins again by itself. */
  start(config) {
    sessionStorage.setItem(CONFIG, JSON.stringify(config));
    return join(config);
  },
  self: () => (session?.connection ? { ...session.connection } : undefined),
  isConnected: () => session?.isConnected() === true,
  log: () => read(LOG, []),
  /** Sends `count` signals of `type` to `to` (an id) without waiting; outcomes land in state.sent. */
  sendMany(to, type, count, prefix = '') {
    const target = known.get(to);
    for (let i = 0; i < count; i++) {
      const data = `${prefix}${i}`;
      session.signal({ to: target, type, data }).then(() => (state.sent[data] = 'ok'), (error) => (state.sent[data] = error.code));
    }
  },
  /** Sends `count` signals of `bytes` to `to` at once; resolves with the ms until all completed and the failures. */
  async burst(to, count, bytes) {
    const target = known.get(to);
    const data = 'x'.repeat(bytes);
    const start = performance.now();
    const results = await Promise.allSettled(Array.from({ length: count }, () => session.signal({ to: target, type: 'burst', data })));
    const failures = results.filter((x) => x.status === 'rejected');
    return { ms: performance.now() - start, failed: failures.length, firstFailure: failures[0] ? `${failures[0].reason?.code} ${failures[0].reason?.message}` : undefined };
  },
  /** Sends `count` signals one after another, each after the last completed; resolves with the ms. */
  async trickle(to, count, bytes) {
    const target = known.get(to);
    const data = 'x'.repeat(bytes);
    const start = performance.now();
    for (let i = 0; i < count; i++) await session.signal({ to: target, type: 'burst', data });
    return { ms: performance.now() - start, failed: 0 };
  },
  send(to, type, data) {
    return session.signal({ to: known.get(to), type, data }).then(() => 'ok', (error) => error.code);
  },
  /** Outbox entries in mesh-signal's IndexedDB store (keys ['outbox', session, owner, id]). */
  outboxOnDisk() {
    return new Promise((resolve, reject) => {
      const open = indexedDB.open('mesh-signal');
      // Not created by the library yet: never create it here (idb-keyval would then find no store).
      open.onupgradeneeded = () => open.transaction.abort();
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const db = open.result;
        if (!db.objectStoreNames.contains('v1')) return db.close(), resolve(0);
        const keys = db.transaction('v1', 'readonly').objectStore('v1').getAllKeys();
        keys.onerror = () => reject(keys.error);
        keys.onsuccess = () => {
          db.close();
          resolve(keys.result.filter((key) => Array.isArray(key) && key[0] === 'outbox').length);
        };
      };
    });
  },
};

const config = read(CONFIG, null);
window.rJoined = config ? join(config).then(() => true, (error) => state.pageErrors.push(`join: ${error.message}`)) : Promise.resolve(false);
window.rReady = true;
