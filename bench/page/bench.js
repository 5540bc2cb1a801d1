// In-page side of the bench. Everything timed runs inside the page (performance.now(), which is
// 5 µs-resolution because the bench routes serve this page cross-origin isolated); the Node side
// only starts runs, relays SDP for the raw pairs and collects numbers.
//
// Message conventions on raw channels and PeerJS connections (ordered, reliable):
//   'p…' ping → the peer replies 'r…' (same payload)        latency / fan-out
//   't…' bulk → the peer only counts it                      throughput body
//   'E…' last bulk message → the peer replies 'R'            throughput end (ordered: all arrived)
const RTC = { iceServers: [] };
const now = () => performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function withTimeout(promise, ms, what) {
  let t;
  return Promise.race([
    promise,
    new Promise((_, rej) => { t = setTimeout(() => rej(new Error(`timeout after ${ms} ms waiting for ${typeof what === 'function' ? what() : what}`)), ms); }),
  ]).finally(() => clearTimeout(t));
}

// One pending reply per channel at a time (the sender waits for it before the next request).
function makeLink(send) {
  const link = { send, waiter: null, count: 0 };
  link.reply = () => {
    const w = link.waiter; link.waiter = null;
    if (w) w();
  };
  link.expect = (ms, what) => withTimeout(new Promise((r) => { link.waiter = r; }), ms, what);
  return link;
}

function onText(link, data, echo) {
  const c = data[0];
  if (c === 'p') echo('r' + data.slice(1));
  else if (c === 't') link.count++;
  else if (c === 'E') { link.count++; echo('R'); }
  else if (c === 'r' || c === 'R') link.reply();
}

// ---------------------------------------------------------------- raw RTCDataChannel
const raw = new Map(); // key → { pc, dc, link, opened }

function gathered(pc) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return withTimeout(new Promise((r) => {
    pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') r(); });
  }), 10_000, 'ICE gathering to complete (loopback flag + microphone permission?)');
}

function attachRaw(entry, dc) {
  entry.dc = dc;
  dc.binaryType = 'arraybuffer';
  entry.link = makeLink((s) => dc.send(s));
  dc.onmessage = (e) => onText(entry.link, e.data, (s) => dc.send(s));
  entry.openResolve && (dc.readyState === 'open' ? entry.openResolve() : (dc.onopen = entry.openResolve));
}

function newRaw(key) {
  const pc = new RTCPeerConnection(RTC);
  const entry = { pc, dc: null, link: null };
  entry.opened = new Promise((r) => { entry.openResolve = r; });
  raw.set(key, entry);
  return entry;
}

const B = (window.B = {
  ready: true,
  sleep,
  isolated: () => self.crossOriginIsolated,

  async rawOffer(key) {
    const e = newRaw(key);
    attachRaw(e, e.pc.createDataChannel('bench', { ordered: true }));
    await e.pc.setLocalDescription(await e.pc.createOffer());
    await gathered(e.pc);
    return e.pc.localDescription.sdp;
  },
  async rawAnswer(key, sdp) {
    const e = newRaw(key);
    e.pc.ondatachannel = (ev) => attachRaw(e, ev.channel);
    await e.pc.setRemoteDescription({ type: 'offer', sdp });
    await e.pc.setLocalDescription(await e.pc.createAnswer());
    await gathered(e.pc);
    return e.pc.localDescription.sdp;
  },
  async rawAccept(key, sdp) {
    await raw.get(key).pc.setRemoteDescription({ type: 'answer', sdp });
  },
  rawWaitOpen(key) {
    return withTimeout(raw.get(key).opened, 15_000, `raw data channel ${key} to open`);
  },
  rawClose(key) {
    const e = raw.get(key);
    if (e) { e.pc.close(); raw.delete(key); }
  },

  /** Sequential ping-pong; returns round-trip times (ms), warm-up excluded. */
  async rawPingPong(key, iters, warmup, payload) {
    const { link } = raw.get(key);
    const out = [];
    for (let i = 0; i < warmup + iters; i++) {
      const t0 = now();
      const p = link.expect(5000, `raw echo ${key}#${i}`);
      link.send('p' + payload);
      await p;
      if (i >= warmup) out.push(now() - t0);
    }
    return out;
  },

  /** `count` messages of `size` chars, flow-controlled by bufferedamountlow; returns ms from first send to the end reply. */
  async rawThroughput(key, count, size, high = 1 << 20, low = 256 << 10, binary = false) {
    const { dc, link } = raw.get(key);
    // binary: the same bytes as a Uint8Array (what mesh-signal's Link sends); the last stays text.
    const body = binary ? new TextEncoder().encode('t' + 'x'.repeat(size - 1)) : 't' + 'x'.repeat(size - 1);
    const last = 'E' + 'x'.repeat(size - 1);
    dc.bufferedAmountLowThreshold = low;
    const drained = () => new Promise((r) => dc.addEventListener('bufferedamountlow', r, { once: true }));
    const done = link.expect(60_000, `raw throughput end reply ${key}`);
    const t0 = now();
    let inSend = 0;
    for (let i = 0; i < count; i++) {
      if (dc.bufferedAmount > high) await withTimeout(drained(), 30_000, 'bufferedamountlow');
      const s0 = now();
      dc.send(i === count - 1 ? last : body);
      inSend += now() - s0;
    }
    await done;
    B.lastSendMs = inSend; // time spent inside dc.send (bench/out experiments)
    return now() - t0;
  },

  /** One request to every channel in `keys`, wait for every echo; per-iteration ms. */
  async rawFanout(keys, iters, warmup, payload) {
    const links = keys.map((k) => raw.get(k).link);
    const out = [];
    for (let i = 0; i < warmup + iters; i++) {
      const t0 = now();
      const ps = links.map((l, j) => l.expect(5000, `raw fan-out echo ${keys[j]}#${i}`));
      for (const l of links) l.send('p' + payload);
      await Promise.all(ps);
      if (i >= warmup) out.push(now() - t0);
    }
    return out;
  },

  // -------------------------------------------------------------- PeerJS
  pj: { peer: null, conns: new Map(), waiters: [] },

  /** Creates this page's Peer; incoming connections are echo/count servers. Resolves on 'open'. */
  pjOpen(id, server) {
    const pj = B.pj;
    const peer = new window.Peer(id, { host: '127.0.0.1', port: server.port, path: server.path, secure: false, key: 'peerjs', config: RTC, debug: 0 });
    pj.peer = peer;
    pj.conns = new Map();
    pj.waiters = [];
    peer.on('connection', (c) => B.pjAttach(c));
    return withTimeout(new Promise((res, rej) => { peer.on('open', res); peer.on('error', rej); }), 10_000, `PeerJS ${id} open`);
  },
  pjAttach(c) {
    const link = makeLink((s) => c.send(s));
    c.on('data', (d) => onText(link, d, (s) => c.send(s)));
    const opened = c.open ? Promise.resolve() : new Promise((r) => c.on('open', r));
    B.pj.conns.set(c.peer, { c, link, opened });
    opened.then(() => { for (const w of [...B.pj.waiters]) w(); });
    return opened;
  },
  /** Epoch ms when DataConnections to every id in `ids` are open (hook-based, no polling). */
  pjWhenAll(ids) {
    const pj = B.pj;
    return new Promise((resolve) => {
      const check = () => {
        if (ids.every((id) => pj.conns.get(id)?.c.open)) {
          pj.waiters = pj.waiters.filter((w) => w !== check);
          resolve(performance.timeOrigin + now());
          return true;
        }
        return false;
      };
      if (!check()) pj.waiters.push(check);
    });
  },
  /** Starts waiting for `ids` now; pjExpectWait returns the epoch ms they were all open. */
  pjExpect(ids) { B.pj.expect = B.pjWhenAll(ids); },
  pjExpectWait(ms) { return withTimeout(B.pj.expect, ms, 'PeerJS connections to the late joiner'); },
  pjConnect(remoteId) {
    const c = B.pj.peer.connect(remoteId, { reliable: true, serialization: 'json' });
    return withTimeout(B.pjAttach(c), 15_000, `PeerJS connection to ${remoteId} to open`);
  },
  pjWaitConn(remoteId) {
    return withTimeout(B.pjWhenAll([remoteId]), 15_000, `PeerJS connection from ${remoteId}`);
  },
  async pjPingPong(remoteId, iters, warmup, payload) {
    const { link } = B.pj.conns.get(remoteId);
    const out = [];
    for (let i = 0; i < warmup + iters; i++) {
      const t0 = now();
      const p = link.expect(5000, `PeerJS echo ${remoteId}#${i}`);
      link.send('p' + payload);
      await p;
      if (i >= warmup) out.push(now() - t0);
    }
    return out;
  },
  async pjFanout(remoteIds, iters, warmup, payload) {
    const links = remoteIds.map((id) => B.pj.conns.get(id).link);
    const out = [];
    for (let i = 0; i < warmup + iters; i++) {
      const t0 = now();
      const ps = links.map((l, j) => l.expect(5000, `PeerJS fan-out echo ${remoteIds[j]}#${i}`));
      for (const l of links) l.send('p' + payload);
      await Promise.all(ps);
      if (i >= warmup) out.push(now() - t0);
    }
    return out;
  },
  /**
   * All-pairs mesh by hand: open own Peer, connect to every lower id; done when connections to
   * all `ids` but self are open. Start returns the epoch time (ms) just before `new Peer`.
   */
  pjMeshStart(ids, self, server) {
    const t0 = performance.timeOrigin + now();
    B.pj.meshDone = (async () => {
      await B.pjOpen(self, server);
      const idx = ids.indexOf(self);
      const waits = [];
      ids.forEach((id, j) => { if (j !== idx) waits.push(j < idx ? B.pjConnect(id) : B.pjWaitConn(id)); });
      await Promise.all(waits);
      return performance.timeOrigin + now();
    })();
    B.pj.meshDone.catch(() => {});
    return t0;
  },
  pjMeshWait(ms) { return withTimeout(B.pj.meshDone, ms, 'PeerJS all-pairs mesh'); },
  pjDestroy() {
    try { B.pj.peer?.destroy(); } catch {}
    B.pj.peer = null;
    B.pj.conns = new Map();
  },

  // -------------------------------------------------------------- mesh-signal
  ms: { lib: null, session: null, conns: new Map(), others: new Set() },
  // One context per library build: 'main' = /__bench/mesh-signal.js, 'alt' = /__bench/mesh-signal-alt.js
  // (BENCH_ALT, for A/B runs of a candidate fix in the same pages). B.ms is the current one.
  msCtx: {},
  useLib(tag = 'main') {
    if (!B.msCtx.main) B.msCtx.main = B.ms;
    if (!B.msCtx[tag]) B.msCtx[tag] = { lib: null, session: null, conns: new Map(), others: new Set(), tag };
    B.ms = B.msCtx[tag];
  },
  async msLoad() {
    if (!B.ms.lib) B.ms.lib = await import(B.ms.tag === 'alt' ? '/__bench/mesh-signal-alt.js' : '/__bench/mesh-signal.js');
    return Object.keys(B.ms.lib);
  },
  /**
   * initSession + connect(); resolves the start time at once. Done (msJoinWait) when this page has
   * seen connectionCreated for every name in `others`.
   */
  msJoinStart(sessionId, name, others, server, options = {}) {
    const ms = B.ms;
    ms.conns = new Map();
    ms.received = 0;
    ms.name = name;
    const s = ms.lib.initSession(sessionId, {
      peerjs: { host: '127.0.0.1', port: server.port, path: server.path, secure: false, key: 'peerjs' },
      iceServers: [],
      ...options,
    });
    ms.session = s;
    const want = new Set(others);
    let resolveAll;
    const all = new Promise((r) => { resolveAll = r; });
    const check = () => { if ([...want].every((n) => ms.conns.has(n))) resolveAll(performance.timeOrigin + now()); };
    ms.waiters = [];
    s.on('connectionCreated', (e) => { ms.conns.set(e.connection.data, e.connection); check(); for (const w of [...ms.waiters]) w(); });
    s.on('connectionDestroyed', (e) => { ms.conns.delete(e.connection.data); });
    s.on('signal:t', () => { ms.received++; });
    const t0 = performance.timeOrigin + now();
    const connected = s.connect({ data: name });
    ms.connectState = 'pending';
    connected.then((r) => { ms.connectState = 'resolved' + (r?.missing?.length ? ` missing ${r.missing.length}` : ''); }, (e) => { ms.connectState = `rejected: ${e?.message ?? e}`; });
    check();
    ms.joinDone = Promise.all([connected, all]).then(([, t]) => t);
    ms.joinDone.catch(() => {});
    return t0;
  },
  /** Starts waiting for connectionCreated of every name in `names`; msExpectWait → epoch ms. */
  msExpect(names) {
    const ms = B.ms;
    ms.expect = new Promise((resolve) => {
      const check = () => {
        if (names.every((n) => ms.conns.has(n))) { ms.waiters = ms.waiters.filter((w) => w !== check); resolve(performance.timeOrigin + now()); return true; }
        return false;
      };
      if (!check()) ms.waiters.push(check);
    });
  },
  msExpectWait(t) { return withTimeout(B.ms.expect, t, 'mesh-signal connectionCreated for the late joiner'); },
  msJoinWait(ms) {
    return withTimeout(B.ms.joinDone, ms, () => `mesh-signal: connect() (${B.ms.connectState}) and connectionCreated for every peer (${B.ms.name} has ${[...B.ms.conns.keys()].join(',')})`);
  },
  msDisconnect() {
    try { B.ms.session?.disconnect(); } catch {}
    B.ms.session = null;
  },
  async msPingPong(target, iters, warmup, payload) {
    const { session, conns } = B.ms;
    const to = conns.get(target);
    if (!to) throw new Error(`mesh-signal: no connection named ${target}`);
    const out = [];
    for (let i = 0; i < warmup + iters; i++) {
      const t0 = now();
      await withTimeout(session.signal({ to, type: 't', data: payload }), 5000, `mesh-signal ack #${i}`);
      if (i >= warmup) out.push(now() - t0);
    }
    return out;
  },
  /** `count` signals of `size` bytes to one target, at most `window` unacknowledged; ms until every ack. */
  async msThroughput(target, count, size, window) {
    const { session, conns } = B.ms;
    const to = conns.get(target);
    const data = 'x'.repeat(size);
    const t0 = now();
    let sent = 0;
    let inflight = 0;
    let failed = null;
    await withTimeout(new Promise((resolve, reject) => {
      let done = 0;
      const pump = () => {
        while (inflight < window && sent < count) {
          sent++; inflight++;
          session.signal({ to, type: 't', data }).then(() => {
            inflight--; done++;
            if (done === count) resolve(); else pump();
          }, (e) => { failed = e; reject(e); });
        }
      };
      pump();
    }), 120_000, `mesh-signal throughput acks (${count} signals)`);
    if (failed) throw failed;
    return now() - t0;
  },
  /** Broadcast (no `to`: every connection incl. self) until every ack; per-iteration ms. */
  async msFanout(iters, warmup, payload) {
    const { session } = B.ms;
    const out = [];
    for (let i = 0; i < warmup + iters; i++) {
      const t0 = now();
      await withTimeout(session.signal({ type: 't', data: payload }), 5000, `mesh-signal broadcast acks #${i}`);
      if (i >= warmup) out.push(now() - t0);
    }
    return out;
  },
});
