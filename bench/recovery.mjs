#!/usr/bin/env node
// Recovery after one peer's network is pulled and plugged back (issue 13), on real WebRTC.
//   scripts/loopback.sh node bench/recovery.mjs [--rounds=5] [--outage-ms=3000]
// Three Node sessions (@roamhq/wrtc, the Session API from src/), each in its own network namespace
// on a lab bridge (10.77.200.0/24, inside the loopback namespace) with the PeerServer on the bridge.
// Per round: pull c's cable, wait for c's sessionReconnecting, queue one signal c → a, plug the
// cable back, then measure from the moment the network is back:
//   - to c's sessionReconnected,
//   - to the acknowledgement of the signal queued during the outage (its completion),
//   - RTCPeerConnections created on each peer during the round, and alive 2 s after it.
// Figures on a shared 2-core machine are noisy: read medians, compare runs side by side.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt);
const ROUNDS = arg('rounds', 5);
const OUTAGE_MS = arg('outage-ms', 3_000);
const SUBNET = '10.77.200';
const BRIDGE = 'mslbench';

const ip = (...args) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });

function assertIsolated() {
  if (process.getuid() !== 0) throw new Error('run as root inside a namespace: scripts/loopback.sh node bench/recovery.mjs');
  const names = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).split('\n').map((l) => /^\d+: ([^:@\s]+)/.exec(l)?.[1]).filter(Boolean);
  const foreign = names.filter((n) => n !== 'lo' && !n.startsWith('msl'));
  if (foreign.length) throw new Error(`refusing to run next to real interfaces (${foreign.join(', ')}): use scripts/loopback.sh`);
}

// One session per process. It counts RTCPeerConnections (created / closed), prints events as
// JSON lines and takes commands on stdin.
const PEER_SOURCE = `
import wrtc from '@roamhq/wrtc';
import WebSocketBase from 'ws';
import { createInterface } from 'node:readline';
let created = 0, closed = 0;
const Base = wrtc.RTCPeerConnection;
class CountingPeerConnection extends Base {
  constructor(config) { super({ ...config, iceServers: [] }); created++; this._counted = false; }
  close() { if (!this._counted) { this._counted = true; closed++; } return super.close(); }
}
class QuietWebSocket extends WebSocketBase { constructor(u, p) { super(u, p); this.on('error', () => {}); } }
Object.assign(globalThis, { RTCPeerConnection: CountingPeerConnection, RTCSessionDescription: wrtc.RTCSessionDescription, RTCIceCandidate: wrtc.RTCIceCandidate, WebSocket: QuietWebSocket });
const { initSession } = await import(${JSON.stringify(path.join(ROOT, 'src/index.ts'))});
const [host, port, sid, name] = process.argv.slice(2);
const print = (o) => process.stdout.write(JSON.stringify({ at: performance.now() + performance.timeOrigin, ...o }) + '\\n');
const session = initSession(sid, { peerjs: { host, port: Number(port), path: '/ms', secure: false }, heartbeatInterval: 250, heartbeatTimeout: 1500, reconnectGrace: 30000, ackTimeout: 30000, debug: process.env.MESH_DEBUG === '1' ? (l) => process.stderr.write(name + ' ' + Math.round(performance.now()) + ' ' + l + '\\n') : undefined });
for (const e of ['sessionReconnecting', 'sessionReconnected', 'sessionDisconnected']) session.on(e, () => print({ event: e }));
session.on('connectionCreated', (e) => print({ event: 'connectionCreated', data: e.connection.data }));
session.on('connectionDestroyed', (e) => print({ event: 'connectionDestroyed', data: e.connection.data }));
await session.connect({ data: name });
print({ event: 'connected' });
createInterface({ input: process.stdin }).on('line', (line) => {
  const cmd = JSON.parse(line);
  if (cmd.stats) print({ event: 'stats', created, alive: created - closed, connections: session.connections.length });
  if (cmd.probe) {
    // Signal until one is acknowledged: the first moment the path to the target works again.
    const started = Date.now();
    const tryOnce = () => {
      const to = session.connections.find((c) => c.data === cmd.probe.to);
      session.signal({ to, type: 'probe', data: 'p', retryAfterReconnect: false }).then(
        () => print({ event: 'probeDone', id: cmd.probe.id }),
        () => (Date.now() - started < 30000 ? setTimeout(tryOnce, 20) : print({ event: 'probeFailed', id: cmd.probe.id })),
      );
    };
    tryOnce();
  }
  if (cmd.signal) {
    const to = session.connections.find((c) => c.data === cmd.signal.to);
    const t0 = performance.now() + performance.timeOrigin;
    session.signal({ to, type: 'bench', data: 'x' }).then(() => print({ event: 'signalDone', id: cmd.signal.id, ok: true, sentAt: t0 }), (err) => print({ event: 'signalDone', id: cmd.signal.id, ok: false, code: err.code, sentAt: t0 }));
  }
});
`;

async function bundlePeer(dir) {
  const entry = path.join(dir, 'peer.mjs');
  writeFileSync(entry, PEER_SOURCE);
  const out = path.join(dir, 'peer.bundle.mjs');
  await build({
    entryPoints: [entry], outfile: out, bundle: true, platform: 'node', format: 'esm', logLevel: 'error',
    external: ['@roamhq/wrtc', 'ws'], nodePaths: [path.join(ROOT, 'node_modules')],
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  });
  return out;
}

function startServer() {
  const child = spawn(process.execPath, [path.join(ROOT, 'test/integration/helpers/peer-server-child.mjs'), '60000', `${SUBNET}.1`], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve) => child.stdout.once('data', (d) => resolve({ port: JSON.parse(String(d).split('\n')[0]).port, child })));
}

const hosts = [];
async function startHost(index, file, args) {
  const address = `${SUBNET}.${index}`;
  const port = `mslbp${index}`;
  const setup = `while ! ip link show eth0 >/dev/null 2>&1; do sleep 0.02; done && ip link set lo up && ip addr add ${address}/24 dev eth0 && ip link set eth0 up && ip route add default via ${SUBNET}.254 dev eth0 onlink && exec "$@"`;
  const child = spawn('unshare', ['-n', 'sh', '-c', setup, 'sh', process.execPath, file, ...args], { stdio: ['pipe', 'pipe', 'inherit'], cwd: ROOT });
  await new Promise((r) => child.once('spawn', r));
  // Only once unshare(2) ran is the pid in its own namespace; before, the veth would land in ours.
  const ours = readlinkSync('/proc/self/ns/net');
  await waitFor(() => { try { return readlinkSync(`/proc/${child.pid}/ns/net`) !== ours; } catch { return false; } }, 'the host to enter its namespace', 5_000);
  ip('link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', String(child.pid));
  ip('link', 'set', port, 'master', BRIDGE);
  ip('link', 'set', port, 'up');
  const lines = [];
  let buf = '';
  child.stdout.on('data', (d) => {
    buf += d;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try { lines.push(JSON.parse(line)); } catch { /* not ours */ }
    }
  });
  const host = { port, lines, child, cmd: (o) => child.stdin.write(JSON.stringify(o) + '\n') };
  hosts.push(host);
  return host;
}

async function waitFor(check, what, ms = 60_000) {
  const start = Date.now();
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() - start > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
const last = (host, event, after = 0) => host.lines.find((l) => l.event === event && l.at >= after);
async function stats(host) {
  const n = host.lines.length;
  host.cmd({ stats: true });
  return waitFor(() => host.lines.slice(n).find((l) => l.event === 'stats'), 'stats');
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  assertIsolated();
  const dir = mkdtempSync(path.join(ROOT, 'node_modules/.cache/bench-recovery-'));
  let server;
  try {
    ip('link', 'add', BRIDGE, 'type', 'bridge');
    ip('addr', 'add', `${SUBNET}.1/24`, 'dev', BRIDGE);
    ip('link', 'set', BRIDGE, 'up');
    const file = await bundlePeer(dir);
    server = await startServer();
    const sid = `bench-recovery-${Date.now()}`;
    const a = await startHost(2, file, [`${SUBNET}.1`, String(server.port), sid, 'a']);
    await waitFor(() => last(a, 'connected'), 'a to connect');
    const b = await startHost(3, file, [`${SUBNET}.1`, String(server.port), sid, 'b']);
    const c = await startHost(4, file, [`${SUBNET}.1`, String(server.port), sid, 'c']);
    await waitFor(() => last(b, 'connected') && last(c, 'connected'), 'b and c to connect');
    await waitFor(() => [a, b, c].every((h) => h.lines.filter((l) => l.event === 'connectionCreated').length >= 2), 'a full mesh');
    const rows = [];
    for (let round = 0; round < ROUNDS; round++) {
      const before = await Promise.all([a, b, c].map(stats));
      const downAt = Date.now();
      ip('link', 'set', c.port, 'down');
      await waitFor(() => last(c, 'sessionReconnecting', downAt), 'c: sessionReconnecting', 30_000);
      c.cmd({ signal: { to: 'a', id: round } });
      await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - (Date.now() - downAt))));
      const upAt = Date.now();
      ip('link', 'set', c.port, 'up');
      c.cmd({ probe: { to: 'a', id: round } });
      const reconnected = await waitFor(() => last(c, 'sessionReconnected', upAt), 'c: sessionReconnected', 30_000);
      const done = await waitFor(() => c.lines.find((l) => l.event === 'signalDone' && l.id === round), 'the queued signal to complete', 40_000);
      const probe = await waitFor(() => c.lines.find((l) => (l.event === 'probeDone' || l.event === 'probeFailed') && l.id === round), 'a probe signal to be acknowledged', 40_000);
      await new Promise((r) => setTimeout(r, 2_000));
      const after = await Promise.all([a, b, c].map(stats));
      const row = {
        round,
        reconnectedMs: Math.round(reconnected.at - upAt),
        firstAckMs: probe.event === 'probeDone' ? Math.round(probe.at - upAt) : null,
        queuedSignal: done.ok ? `ok after ${Math.round(done.at - upAt)} ms` : `failed ${done.code}`,
        pcsCreated: after.map((s, i) => s.created - before[i].created).join('/'),
        pcsAlive: after.map((s) => s.alive).join('/'),
        destroyed: [a, b, c].reduce((n, h) => n + h.lines.filter((l) => l.event === 'connectionDestroyed').length, 0),
      };
      rows.push(row);
      console.log(JSON.stringify(row));
    }
    console.log(`\nrecovery after a ${OUTAGE_MS} ms outage of one peer of three (${ROUNDS} rounds; wrtc, lab bridge):`);
    console.log(`  network back → sessionReconnected: median ${median(rows.map((r) => r.reconnectedMs))} ms (min ${Math.min(...rows.map((r) => r.reconnectedMs))}, max ${Math.max(...rows.map((r) => r.reconnectedMs))})`);
    const acks = rows.map((r) => r.firstAckMs).filter((v) => v !== null);
    console.log(`  network back → first acknowledged signal c → a (signals sent from then on until one is acknowledged): median ${median(acks)} ms (min ${Math.min(...acks)}, max ${Math.max(...acks)}; ${rows.length - acks.length} never)`);
    console.log(`  the signal c → a queued during the outage (retryAfterReconnect): ${rows.map((r) => r.queuedSignal).join('; ')}`);
    console.log(`  RTCPeerConnections created per round (a/b/c): ${rows.map((r) => r.pcsCreated).join(', ')}; alive 2 s after (a/b/c): ${rows.map((r) => r.pcsAlive).join(', ')}`);
    console.log(`  connectionDestroyed seen by anyone over all rounds: ${rows.at(-1).destroyed}`);
  } finally {
    for (const h of hosts) h.child.kill('SIGKILL');
    server?.child.kill('SIGKILL');
    for (const h of hosts) { try { ip('link', 'del', h.port); } catch { /* gone with its namespace */ } }
    try { ip('link', 'del', BRIDGE); } catch { /* gone */ }
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(() => process.exit(0), (err) => { console.error(err); process.exit(1); });
