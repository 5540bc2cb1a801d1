// One side of an invite exchange between two browsers that cannot talk to the test directly
// (Firefox is started as a plain process): codes and results go through the lab server's
// mailbox (`/box/<session>/<key>`). URL: cross.html?role=inviter|newcomer&session=S&name=N
import * as meshSignal from '../mesh-signal.js';

const q = new URLSearchParams(location.search);
const role = q.get('role');
const sessionId = q.get('session');
const name = q.get('name');
const box = (key) => `/box/${encodeURIComponent(sessionId)}/${key}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function put(key, value) {
  await fetch(box(key), { method: 'POST', body: typeof value === 'string' ? value : JSON.stringify(value) });
}

async function take(key, ms = 30_000) {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) {
    const response = await fetch(box(key));
    if (response.ok) return response.text();
  }
  throw new Error(`timed out waiting for ${key}`);
}

async function until(predicate, ms, what) {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(50)) if (predicate()) return;
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

const result = { name, role, engine: navigator.userAgent.includes('Firefox') ? 'firefox' : 'chromium' };
// The library's debug log (link states, relays, retries), kept for a failure's report.
const pageStarted = performance.now();
const debugLines = [];
const debug = (line) => debugLines.push(`${Math.round(performance.now() - pageStarted)} ms ${line}`);
try {
  const got = [];
  let session;
  if (role === 'inviter') {
    session = meshSignal.initSession(sessionId, { bootstrap: 'invite', debug });
    session.on('signal', (e) => got.push({ from: e.from.data, data: e.data }));
    await session.connect({ data: name });
    const invite = await session.createInvite();
    result.invite = invite.code;
    result.url = invite.url;
    await put('invite', invite.code);
    const reply = await take('reply');
    // `delay`: how long the person takes to enter the reply (the lab measures what still links).
    await sleep(Number(q.get('delay') ?? 0));
    await session.acceptReply(reply);
  } else {
    const code = await take('invite');
    // Watch the newcomer's invite link while it waits for its reply to be entered.
    const NativePC = globalThis.RTCPeerConnection;
    const started = performance.now();
    result.states = [];
    globalThis.RTCPeerConnection = class extends NativePC {
      constructor(...args) {
        super(...args);
        this.addEventListener('iceconnectionstatechange', () => result.states.push(`${Math.round((performance.now() - started) / 1000)}s ice ${this.iceConnectionState}`));
        this.addEventListener('connectionstatechange', () => result.states.push(`${Math.round((performance.now() - started) / 1000)}s pc ${this.connectionState}`));
      }
    };
    session = meshSignal.initSession(sessionId, {
      bootstrap: 'invite',
      debug,
      invite: code,
      onInviteReply: (reply) => {
        result.reply = reply;
        void put('reply', reply);
      },
    });
    session.on('signal', (e) => got.push({ from: e.from.data, data: e.data }));
    await session.connect({ data: name });
  }
  await until(() => session.connections.length === 1, 30_000, 'the other page to join');
  await session.signal({ type: 'hi', data: `from ${name}` }); // resolves once every target acknowledged
  await until(() => got.some((g) => g.from !== name), 30_000, 'a signal from the other page');
  result.ok = true;
  result.peer = session.connections[0].data;
  result.got = got;
} catch (error) {
  result.ok = false;
  result.error = `${error?.code ?? ''} ${error?.name ?? ''} ${error?.reason ?? ''}: ${error?.message ?? error}`;
  result.debug = debugLines.slice(-60);
}
await put(`result-${role}`, result);
