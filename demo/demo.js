// The mesh-signal demo: join a session, see who is there, signal one connection or everyone.
// Everything a peer sends (names, types, data) is untrusted: it is only ever set as textContent.
import { initSession } from '../mesh-signal.js';
import { joinOptions, sessionChanged } from './invite.js';

const MAX_DATA_BYTES = 8192;
const MAX_LOG_ENTRIES = 300;
const MAX_LEFT_TARGETS = 5; // departed connections kept in "To", so a 404 can be tried
/** Set while this tab is joined: a reload joins again (the library keeps the identity per tab). */
const REJOIN_KEY = 'mesh-signal-demo:joined';

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const els = {
  status: $('status'),
  joinForm: /** @type {HTMLFormElement} */ ($('join-form')),
  sessionId: /** @type {HTMLInputElement} */ ($('session-id')),
  name: /** @type {HTMLInputElement} */ ($('display-name')),
  host: /** @type {HTMLInputElement} */ ($('peer-host')),
  port: /** @type {HTMLInputElement} */ ($('peer-port')),
  path: /** @type {HTMLInputElement} */ ($('peer-path')),
  key: /** @type {HTMLInputElement} */ ($('peer-key')),
  secure: /** @type {HTMLInputElement} */ ($('peer-secure')),
  serverSummary: $('server-summary'),
  join: /** @type {HTMLButtonElement} */ ($('join')),
  leave: /** @type {HTMLButtonElement} */ ($('leave')),
  share: $('share'),
  shareLink: /** @type {HTMLAnchorElement} */ ($('share-link')),
  joinError: $('join-error'),
  me: $('me'),
  connCount: $('conn-count'),
  connections: $('connections'),
  sendForm: /** @type {HTMLFormElement} */ ($('send-form')),
  to: /** @type {HTMLSelectElement} */ ($('send-to')),
  type: /** @type {HTMLInputElement} */ ($('send-type')),
  data: /** @type {HTMLTextAreaElement} */ ($('send-data')),
  byteCount: $('byte-count'),
  send: /** @type {HTMLButtonElement} */ ($('send')),
  log: $('log'),
  logEmpty: $('log-empty'),
  clearLog: $('clear-log'),
};

// ---- settings: defaults from the page's own origin, overridden by URL parameters ----------------

const params = new URLSearchParams(location.search);
const pageSecure = location.protocol === 'https:';
const defaults = {
  host: location.hostname || 'localhost',
  port: location.port || (pageSecure ? '443' : '80'),
  path: '/peerjs',
  key: 'peerjs',
  secure: pageSecure,
};
els.sessionId.value = params.get('session') ?? '';
els.name.value = params.get('name') ?? '';
els.host.value = params.get('host') ?? defaults.host;
els.port.value = params.get('port') ?? defaults.port;
els.path.value = params.get('path') ?? defaults.path;
els.key.value = params.get('key') ?? defaults.key;
els.secure.checked = params.has('secure') ? params.get('secure') === 'true' || params.get('secure') === '1' : defaults.secure;

function serverSettings() {
  return {
    host: els.host.value.trim(),
    port: Number(els.port.value.trim()),
    path: els.path.value.trim() || '/',
    key: els.key.value.trim() || 'peerjs',
    secure: els.secure.checked,
  };
}

function showServerSummary() {
  const s = serverSettings();
  els.serverSummary.textContent = `${s.secure ? 'wss' : 'ws'}://${s.host}:${s.port}${s.path}`;
}
for (const input of [els.host, els.port, els.path, els.key, els.secure]) input.addEventListener('input', showServerSummary);
showServerSummary();

/** The page URL for this session: settings that differ from the defaults, plus `extra`. */
function pageUrl(extra) {
  const s = serverSettings();
  const url = new URL(location.href);
  url.search = '';
  url.hash = '';
  url.searchParams.set('session', els.sessionId.value.trim());
  for (const [name, value] of Object.entries(extra)) if (value) url.searchParams.set(name, value);
  if (s.host !== defaults.host) url.searchParams.set('host', s.host);
  if (String(s.port) !== defaults.port) url.searchParams.set('port', String(s.port));
  if (s.path !== defaults.path) url.searchParams.set('path', s.path);
  if (s.key !== defaults.key) url.searchParams.set('key', s.key);
  if (s.secure !== defaults.secure) url.searchParams.set('secure', String(s.secure));
  return url;
}

// ---- session state ----------------------------------------------------------------------------

/** @type {ReturnType<typeof initSession> | null} */
let session = null;
/** connectionId → { connection, item (li in the list), option (in "To") } */
const live = new Map();
/** Connections that left, newest last: kept as targets so sending to one shows the 404. */
const left = [];

function setStatus(state, text) {
  els.status.dataset.state = state;
  els.status.textContent = text;
}

function isMe(connection) {
  return Boolean(session?.connection && connection?.connectionId === session.connection.connectionId);
}

/** "Alice" or "(no name)", for a Connection whose data is the display name. */
function nameOf(connection) {
  if (!connection) return '?';
  const data = typeof connection.data === 'string' ? connection.data : '';
  return data.trim() === '' ? '(no name)' : data;
}

const shortId = (connection) => String(connection?.connectionId ?? '').slice(0, 8);

function describe(connection) {
  return `${nameOf(connection)}${isMe(connection) ? ' (you)' : ''} · ${shortId(connection)}`;
}

function resetConnections() {
  live.clear();
  left.length = 0;
  els.connections.replaceChildren();
  for (const option of [...els.to.options]) if (option.value !== '') option.remove();
  updateCount();
}

function updateCount() {
  els.connCount.textContent = String(live.size);
}

function addConnection(connection) {
  if (live.has(connection.connectionId)) return;
  const item = document.createElement('li');
  item.dataset.connectionId = connection.connectionId;
  if (isMe(connection)) item.classList.add('me');
  const name = document.createElement('span');
  name.className = 'name';
  name.textContent = nameOf(connection);
  const meta = document.createElement('span');
  meta.className = 'meta';
  const since = new Date(connection.creationTime);
  meta.textContent = `${shortId(connection)} · since ${since.toLocaleTimeString()}`;
  meta.title = connection.connectionId;
  const pick = document.createElement('button');
  pick.type = 'button';
  pick.className = 'link';
  pick.textContent = 'signal';
  pick.setAttribute('aria-label', `Signal ${nameOf(connection)}`);
  pick.addEventListener('click', () => {
    els.to.value = connection.connectionId;
    els.data.focus();
  });
  // Link state (linked / away / reconnecting): what this page's link to that connection is doing.
  const linkState = document.createElement('span');
  linkState.className = 'link-state';
  item.append(name, meta, linkState, pick);
  // Own connection first, the rest in order of arrival.
  if (isMe(connection)) els.connections.prepend(item);
  else els.connections.append(item);

  const option = document.createElement('option');
  option.value = connection.connectionId;
  option.textContent = describe(connection);
  const firstLeft = [...els.to.options].find((o) => o.dataset.left === 'true');
  els.to.insertBefore(option, firstLeft ?? null);

  live.set(connection.connectionId, { connection, item, option, linkState });
  renderLinkState(connection.connectionId);
  updateCount();
}

/** True while the whole session is reconnecting (every link shows it). */
let reconnecting = false;

/** Shows one connection's link state: the session's view, or "reconnecting" for all. */
function renderLinkState(connectionId) {
  const entry = live.get(connectionId);
  if (!entry) return;
  const state = isMe(entry.connection) ? (reconnecting ? 'reconnecting' : '')
    : reconnecting ? 'reconnecting' : session?.linkState(entry.connection) ?? 'linked';
  entry.linkState.textContent = state;
  entry.linkState.dataset.state = state;
  entry.linkState.title = {
    linked: 'linked: signals go at once',
    away: 'away: the link is being re-formed; signals to it wait (retryAfterReconnect) until it is back or gone',
    reconnecting: 'this page lost its links and is getting back; signals wait',
  }[state] ?? '';
}

function renderAllLinkStates() {
  for (const id of live.keys()) renderLinkState(id);
}

function removeConnection(connection, reason) {
  const entry = live.get(connection.connectionId);
  if (!entry) return;
  live.delete(connection.connectionId);
  entry.item.remove();
  // Keep it as a target (marked) so a signal to it can show the library's 404.
  entry.option.dataset.left = 'true';
  entry.option.textContent = `${describe(connection)} (left)`;
  els.to.append(entry.option);
  left.push(entry);
  while (left.length > MAX_LEFT_TARGETS) {
    const old = left.shift();
    if (els.to.value === old.connection.connectionId) els.to.value = '';
    old.option.remove();
  }
  updateCount();
  logNote(`${describe(connection)} left (${reason ?? 'unknown reason'})`);
}

/** The Connection object chosen in "To": live, or one that left. undefined = everyone. */
function chosenTarget() {
  const id = els.to.value;
  if (id === '') return undefined;
  return live.get(id)?.connection ?? left.find((e) => e.connection.connectionId === id)?.connection;
}

// ---- log --------------------------------------------------------------------------------------

function logEntry(kind) {
  const item = document.createElement('li');
  item.className = `entry ${kind}`;
  item.dataset.kind = kind;
  const head = document.createElement('div');
  head.className = 'head';
  const time = document.createElement('time');
  time.textContent = new Date().toLocaleTimeString();
  head.append(time);
  item.append(head);
  els.log.prepend(item);
  while (els.log.children.length > MAX_LOG_ENTRIES) els.log.lastElementChild?.remove();
  els.logEmpty.hidden = true;
  return { item, head };
}

function textSpan(className, text) {
  const span = document.createElement('span');
  span.className = className;
  span.textContent = text;
  return span;
}

/** The signal's data as text, with its size; the empty string shown as such. */
function dataBlock(data) {
  const block = document.createElement('pre');
  block.className = 'data';
  if (typeof data === 'string' && data !== '') block.textContent = data;
  else {
    block.classList.add('empty');
    block.textContent = typeof data === 'string' ? '(no data)' : `(${typeof data})`;
  }
  return block;
}

function logNote(text) {
  const { head } = logEntry('note');
  head.append(textSpan('what', text));
}

function logReceived(event) {
  const { item, head } = logEntry('received');
  item.dataset.type = event.type;
  item.dataset.from = event.from?.connectionId ?? '';
  head.append(
    textSpan('dir', '←'),
    textSpan('who', `from ${describe(event.from)}`),
    textSpan('type', event.type === '' ? '(no type)' : event.type),
  );
  item.append(dataBlock(event.data));
}

function logSent(target, type, data) {
  const { item, head } = logEntry('sent');
  item.dataset.state = 'pending';
  item.dataset.type = type;
  const state = textSpan('state pending', 'pending');
  head.append(
    textSpan('dir', '→'),
    textSpan('who', target ? `to ${describe(target)}` : 'to everyone'),
    textSpan('type', type === '' ? '(no type)' : type),
    state,
  );
  item.append(dataBlock(data));
  const started = performance.now();
  return {
    delivered() {
      const ms = performance.now() - started;
      item.dataset.state = 'delivered';
      state.className = 'state delivered';
      state.textContent = `delivered · ${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
    },
    failed(error) {
      item.dataset.state = 'failed';
      item.dataset.code = String(error?.code ?? '');
      state.className = 'state failed';
      state.textContent = `failed · ${error?.code ?? '?'} ${error?.name ?? 'Error'}`;
      const why = document.createElement('p');
      why.className = 'error';
      why.textContent = String(error?.message ?? error);
      item.append(why);
      if (Array.isArray(error?.failures) && error.failures.length > 0) {
        const list = document.createElement('ul');
        list.className = 'failures';
        for (const failure of error.failures) {
          const li = document.createElement('li');
          li.textContent = `${describe(failure.connection)}: ${failure.code} ${failure.name}`;
          list.append(li);
        }
        item.append(list);
      }
    },
  };
}

els.clearLog.addEventListener('click', () => {
  els.log.replaceChildren();
  els.logEmpty.hidden = false;
});

// ---- byte counter -----------------------------------------------------------------------------

const encoder = new TextEncoder();
function updateByteCount() {
  const bytes = encoder.encode(els.data.value).length;
  els.byteCount.textContent = `${bytes} / ${MAX_DATA_BYTES} bytes`;
  els.byteCount.classList.toggle('over', bytes > MAX_DATA_BYTES);
}
els.data.addEventListener('input', updateByteCount);
updateByteCount();

// ---- join / leave -----------------------------------------------------------------------------

function setJoined(joined) {
  // Joined: the form folds to one line (the fields cannot change while in a session).
  $('join-card').classList.toggle('joined', joined);
  $('joined-as').textContent = joined ? `“${els.sessionId.value.trim()}” as ${els.name.value.trim() || '(no name)'}` : '';
  els.join.disabled = joined;
  els.leave.disabled = !joined;
  for (const input of [els.sessionId, els.name, els.host, els.port, els.path, els.key, els.secure]) input.disabled = joined;
}

els.joinForm.addEventListener('submit', async (submit) => {
  submit.preventDefault();
  const sessionId = els.sessionId.value.trim();
  if (!sessionId) return;
  els.joinError.hidden = true;
  if (session) session.disconnect();
  resetConnections();
  history.replaceState(null, '', pageUrl({ name: els.name.value }));
  els.shareLink.textContent = els.shareLink.href = pageUrl({}).href;
  els.share.hidden = false;

  setJoined(true);
  setStatus('connecting', `Joining “${sessionId}”…`);
  const current = initSession(sessionId, { peerjs: serverSettings(), iceServers: [], ...joinOptions() });
  session = current;
  sessionChanged(current);
  current.on({
    sessionConnected: () => setStatus('connected', `Connected to “${sessionId}”`),
    connectionCreated: (e) => addConnection(e.connection),
    connectionDestroyed: (e) => removeConnection(e.connection, e.reason),
    sessionReconnecting: () => {
      reconnecting = true;
      renderAllLinkStates();
      setStatus('reconnecting', 'Reconnecting…');
    },
    sessionReconnected: () => {
      reconnecting = false;
      renderAllLinkStates();
      setStatus('connected', `Connected to “${sessionId}” again`);
    },
    connectionLinkChanged: (e) => {
      renderLinkState(e.connection.connectionId);
      logNote(`${describe(e.connection)} is ${e.state === 'away' ? 'away (its link is being re-formed; signals to it wait)' : 'linked again'}`);
    },
    // Signals an earlier page of this tab sent before a reload: their outcome arrives here.
    outboxSignal: (e) => logNote(`A signal sent before the reload (${e.signal.type || 'no type'}: “${e.signal.data.slice(0, 40)}”) ${e.error ? `failed: ${e.error.name} ${e.error.message}` : 'was delivered'}`),
    storageWarning: (e) => logNote(`Storage: ${e.reason}`),
    sessionDisconnected: (e) => {
      if (session !== current) return;
      reconnecting = false;
      setStatus('idle', `Disconnected (${e.reason ?? 'left'})`);
      setJoined(false);
      els.send.disabled = false; // signalling now shows the library's "not connected" error
    },
    signal: (e) => logReceived(e),
  });
  try {
    await current.connect({ data: els.name.value });
    if (session !== current) return;
    const me = current.connection;
    els.me.textContent = `You are ${nameOf(me)} · ${shortId(me)}. Share the invite link above; everyone who joins appears here.`;
    addConnection(me); // also arrives as connectionCreated; addConnection ignores the repeat
    sessionStorage.setItem(REJOIN_KEY, '1'); // a reload of this tab joins again, as the same connection
    els.send.disabled = false;
    setStatus('connected', `Connected to “${sessionId}”`);
  } catch (error) {
    if (session !== current) return;
    setStatus('idle', 'Not connected');
    els.joinError.textContent = `Could not join: ${error?.name ? `${error.name}: ` : ''}${error?.message ?? error}`;
    els.joinError.hidden = false;
    setJoined(false);
  }
});

els.leave.addEventListener('click', () => {
  sessionStorage.removeItem(REJOIN_KEY);
  session?.disconnect();
  setJoined(false);
  setStatus('idle', 'Left the session');
  els.me.textContent = 'You left. Sending now shows the library’s “not connected” error.';
});

// ---- send -------------------------------------------------------------------------------------

els.sendForm.addEventListener('submit', (submit) => {
  submit.preventDefault();
  if (!session) return;
  const target = chosenTarget();
  const type = els.type.value;
  const data = els.data.value;
  const entry = logSent(target, type, data);
  // No checks here on purpose: the library validates and its error is what the log shows.
  const signal = { type, data };
  if (target) signal.to = target;
  try {
    session.signal(signal, (error) => (error ? entry.failed(error) : entry.delivered()));
  } catch (error) {
    entry.failed(error);
  }
});

// A reload of a joined tab joins again: the library brings back the same connection (id, data,
// creation time) and resends what was not acknowledged; the others see it away, then linked.
if (sessionStorage.getItem(REJOIN_KEY) && els.sessionId.value.trim()) els.joinForm.requestSubmit();
