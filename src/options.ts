/**
 * Checks `initSession`'s options when the session is made, so a typo or a bad value fails at
 * once with a message naming the option, the value's type and what is allowed, not minutes later
 * as a peer that never links or a heartbeat that fires in a loop.
 *
 * @example
 * checkSessionOptions({ heartbeatInterval: 0 })
 * // TypeError: initSession: option heartbeatInterval must be a number of milliseconds from 1 to 2147483647; got the number 0
 */

/** The options `initSession` knows (anything else is a typo). */
export const SESSION_OPTION_NAMES = [
  'peerjs',
  'iceServers',
  'ackTimeout',
  'joinTimeout',
  'heartbeatInterval',
  'heartbeatTimeout',
  'reconnectGrace',
  'debug',
  'transport',
  'secret',
  'maxSignalsPerSecond',
  'persist',
  'bootstrap',
  'invite',
  'onInviteReply',
  'inviteReplyTimeout',
  'inviteExpiresIn',
] as const;

const PEERJS_OPTION_NAMES = ['host', 'port', 'path', 'secure', 'key'] as const;

/** Longest timer a browser honours: a larger delay overflows 32 bits and fires at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/** Longest secret accepted: a passphrase, not a file (it is stretched on every new session). */
export const MAX_SECRET_CHARS = 1024;

const DURATIONS = ['ackTimeout', 'joinTimeout', 'heartbeatInterval', 'heartbeatTimeout', 'reconnectGrace', 'inviteReplyTimeout', 'inviteExpiresIn'] as const;

/**
 * Throws a TypeError for the first option that is unknown or has a value `initSession` cannot
 * use. Returns nothing: the options are used as given.
 */
export function checkSessionOptions(options: unknown): void {
  if (options === undefined) return;
  if (!isPlainObject(options)) fail(`options must be an object; got ${describe(options)}`);
  const known = new Set<string>(SESSION_OPTION_NAMES);
  for (const name of Object.keys(options)) {
    if (!known.has(name)) fail(`unknown option ${JSON.stringify(name.slice(0, 64))}; known: ${SESSION_OPTION_NAMES.join(', ')}`);
  }
  for (const name of DURATIONS) {
    const value = options[name];
    if (value !== undefined && !(typeof value === 'number' && value >= 1 && value <= MAX_TIMER_MS)) {
      fail(`option ${name} must be a number of milliseconds from 1 to ${MAX_TIMER_MS}; got ${describe(value)}`);
    }
  }
  const interval = (options.heartbeatInterval as number | undefined) ?? 1_000;
  const timeout = (options.heartbeatTimeout as number | undefined) ?? 4_000;
  if (options.heartbeatInterval !== undefined || options.heartbeatTimeout !== undefined) {
    if (timeout <= interval) {
      fail(`option heartbeatTimeout (${timeout}) must be longer than heartbeatInterval (${interval}), or every member is dropped between two pings`);
    }
  }
  const rate = options.maxSignalsPerSecond;
  if (rate !== undefined && !(typeof rate === 'number' && Number.isFinite(rate) && rate > 0)) {
    fail(`option maxSignalsPerSecond must be a positive finite number; got ${describe(rate)}`);
  }
  const secret = options.secret;
  if (secret !== undefined && !(typeof secret === 'string' && secret.length > 0 && secret.length <= MAX_SECRET_CHARS)) {
    fail(`option secret must be a string of 1 to ${MAX_SECRET_CHARS} characters; got ${describe(secret, false)}`);
  }
  if (options.transport !== undefined && typeof options.transport !== 'function') {
    fail(`option transport must be a function (a TransportFactory, e.g. createMemoryNetwork().transport); got ${describe(options.transport)}`);
  }
  if (options.transport !== undefined && secret !== undefined) {
    // It would be ignored: a secret that protects nothing must not look as if it did.
    fail('option secret belongs to the WebRTC mesh; with a transport of your own, pass it there (createMeshTransport({ secret }))');
  }
  if (options.persist !== undefined && typeof options.persist !== 'boolean') {
    fail(`option persist must be true or false; got ${describe(options.persist)}`);
  }
  if (options.bootstrap !== undefined && options.bootstrap !== 'peerjs' && options.bootstrap !== 'invite') {
    fail(`option bootstrap must be 'peerjs' or 'invite'; got ${describe(options.bootstrap)}`);
  }
  if (options.invite !== undefined && typeof options.invite !== 'string') {
    fail(`option invite must be an invite code or link (a string); got ${describe(options.invite)}`);
  }
  if (options.onInviteReply !== undefined && typeof options.onInviteReply !== 'function') {
    fail(`option onInviteReply must be a function (reply: string) => void; got ${describe(options.onInviteReply)}`);
  }
  const debug = options.debug;
  if (debug !== undefined && typeof debug !== 'boolean' && typeof debug !== 'function') {
    fail(`option debug must be true, false or a function (line: string) => void; got ${describe(debug)}`);
  }
  checkIceServers(options.iceServers);
  checkPeerJs(options.peerjs);
}

function checkIceServers(value: unknown): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) fail(`option iceServers must be an array of { urls } objects; got ${describe(value)}`);
  value.forEach((server, i) => {
    const urls = isPlainObject(server) ? server.urls : undefined;
    const ok = typeof urls === 'string' || (Array.isArray(urls) && urls.length > 0 && urls.every((u) => typeof u === 'string'));
    if (!ok) fail(`option iceServers[${i}] must be an object with urls (a string or an array of strings); got ${describe(server)}`);
  });
}

function checkPeerJs(value: unknown): void {
  if (value === undefined) return;
  if (!isPlainObject(value)) fail(`option peerjs must be an object { host, port, path, secure, key }; got ${describe(value)}`);
  const known = new Set<string>(PEERJS_OPTION_NAMES);
  for (const name of Object.keys(value)) {
    if (!known.has(name)) fail(`unknown option peerjs.${name.slice(0, 64)}; known: ${PEERJS_OPTION_NAMES.join(', ')}`);
  }
  const { host, port, path, secure, key } = value;
  if (host !== undefined && !(typeof host === 'string' && host.length > 0)) fail(`option peerjs.host must be a non-empty string; got ${describe(host)}`);
  if (port !== undefined && !(Number.isInteger(port) && (port as number) >= 1 && (port as number) <= 65535)) {
    fail(`option peerjs.port must be a whole number from 1 to 65535; got ${describe(port)}`);
  }
  if (path !== undefined && !(typeof path === 'string' && path.startsWith('/'))) fail(`option peerjs.path must be a string starting with '/'; got ${describe(path)}`);
  if (secure !== undefined && typeof secure !== 'boolean') fail(`option peerjs.secure must be a boolean; got ${describe(secure)}`);
  if (key !== undefined && !(typeof key === 'string' && key.length > 0)) {
    fail(`option peerjs.key must be a non-empty string (the PeerServer's API key, not the session secret); got ${describe(key, false)}`);
  }
}

/** "the number 0", "a string of 3 characters", "null"… Never a secret's content. */
function describe(value: unknown, showValue = true): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  switch (typeof value) {
    case 'number':
      return showValue ? `the number ${value}` : 'a number';
    case 'string':
      return showValue && value.length <= 32 ? `the string ${JSON.stringify(value)}` : `a string of ${value.length} characters`;
    case 'object':
      return 'an object';
    default:
      return `a ${typeof value}`;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(message: string): never {
  throw new TypeError(`initSession: ${message}`);
}
