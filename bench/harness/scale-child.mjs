#!/usr/bin/env node
// Scale bench, run in its own Node process so process.cpuUsage() counts nothing but the library:
// N sessions on the in-memory transport (createMemoryNetwork from src/, bundled here with esbuild
// to CommonJS because plain Node cannot import the TypeScript sources) form a full mesh, then session 0
// broadcasts one signal and waits for every ack.
//
// Per N: CPU (user+system) and wall time of formation and of the broadcast, and the frames the
// network carried (network.framesSent) in each phase. The in-memory transport announces peers
// without frames of its own, so formation frames are whatever the session layer sends.
//
// Variant "mesh" (issue 5): the same N sessions, but each on createMeshTransport over the in-memory
// rendezvous server (src/bootstrap/memory.ts) and in-memory links (src/mesh/memory-link.ts), so every
// mesh control frame is real and counted: m.join/m.members on the bootstrap channel, m.sdp offers and
// answers relayed by members, m.hello, m.peers gossip, m.bye at the end; sig/ack of the broadcast.
// Frames and UTF-8 bytes are counted per kind (`t`) by wrapping link.send / channel.send, on one
// counted run per N; CPU comes from the other, uncounted runs. Members join one after another
// ("seq": each awaits connect() before the next starts) and all at once ("burst": every connect()
// started together). Heartbeats every 10 min (and timeout 20 min), so no m.ping falls inside a run
// and no timer survives disconnect(); a heartbeat round costs N(N−1) m.ping frames (14 B each).
//
// Usage: node bench/harness/scale-child.mjs [--quick] [--sizes 8,16,32,64] [--variants memory,mesh]
//        → one JSON line on stdout
// Profile: node --cpu-prof --cpu-prof-dir bench/profiles bench/harness/scale-child.mjs
import * as esbuild from 'esbuild';
import os from 'node:os';
import path from 'node:path';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const sizesArg = args[args.indexOf('--sizes') + 1];
const SIZES = args.includes('--sizes') ? sizesArg.split(',').map(Number) : [8, 16, 32, 64];

function withTimeout(promise, ms, what) {
  let t;
  return Promise.race([promise, new Promise((_, rej) => { t = setTimeout(() => rej(new Error(`timeout after ${ms} ms waiting for ${what}`)), ms); })]).finally(() => clearTimeout(t));
}

const cpuMs = (u) => (u.user + u.system) / 1000;

async function once(lib, N) {
  const { initSession, createMemoryNetwork } = lib;
  const net = createMemoryNetwork();
  const sid = 'scale';
  const wantEach = N - 1;
  let total = 0;
  let resolveFormed;
  const formed = new Promise((r) => { resolveFormed = r; });
  let received = 0;
  let resolveReceived;
  const allReceived = new Promise((r) => { resolveReceived = r; });
  const sessions = [];

  const c0 = process.cpuUsage();
  const w0 = performance.now();
  for (let i = 0; i < N; i++) {
    const name = `p${i}`;
    const s = initSession(sid, { transport: net.transport });
    let seen = 0;
    s.on('connectionCreated', (e) => {
      if (e.connection.data === name) return;
      if (++seen <= wantEach && ++total === N * wantEach) resolveFormed();
    });
    s.on('signal:t', () => { if (++received === N) resolveReceived(); });
    sessions.push(s);
    await withTimeout(s.connect({ data: name }), 10_000, `connect of ${name} (N=${N})`);
  }
  await withTimeout(formed, 20_000, `every session to see all ${wantEach} others (N=${N})`);
  const formCpu = cpuMs(process.cpuUsage(c0));
  const formWall = performance.now() - w0;
  const formFrames = net.framesSent;

  const c1 = process.cpuUsage();
  const w1 = performance.now();
  await withTimeout(sessions[0].signal({ type: 't', data: 'x'.repeat(32) }), 20_000, `broadcast acks (N=${N})`);
  await withTimeout(allReceived, 20_000, `broadcast received by all ${N} (N=${N})`);
  const bcCpu = cpuMs(process.cpuUsage(c1));
  const bcWall = performance.now() - w1;
  const bcFrames = net.framesSent - formFrames;

  for (const s of sessions) s.disconnect();
  await new Promise((r) => setTimeout(r, 0));
  return { formCpu, formWall, formFrames, bcCpu, bcWall, bcFrames };
}


const HEARTBEAT_MS = 600_000;

/** Counts frames and UTF-8 bytes by kind (`t`) while `on`; cheap enough to leave wired in. */
function makeCounter() {
  const c = { on: false, frames: 0, bytes: 0, kinds: Object.create(null) };
  c.count = (text, where) => {
    if (!c.on) return;
    // Binary sig/ack frames (src/wire/signal-frames.ts) are bytes whose first byte is the kind.
    const binary = text instanceof Uint8Array ? { 1: 'sig', 2: 'ack' }[text[0]] ?? '?' : undefined;
    const bytes = binary ? text.byteLength : Buffer.byteLength(text);
    const m = binary ? null : /"t":"([^"]*)"/.exec(text);
    const kind = (binary ?? (m ? m[1] : '?')) + (where ? ` (${where})` : '');
    const k = (c.kinds[kind] ??= { frames: 0, bytes: 0 });
    k.frames++; k.bytes += bytes; c.frames++; c.bytes += bytes;
  };
  c.snapshot = () => ({ frames: c.frames, bytes: c.bytes, kinds: JSON.parse(JSON.stringify(c.kinds)) });
  return c;
}

function diff(a, b) {
  const kinds = {};
  for (const [k, v] of Object.entries(b.kinds)) {
    const o = a.kinds[k] ?? { frames: 0, bytes: 0 };
    if (v.frames - o.frames) kinds[k] = { frames: v.frames - o.frames, bytes: v.bytes - o.bytes };
  }
  return { frames: b.frames - a.frames, bytes: b.bytes - a.bytes, kinds };
}

/** A mesh transport factory over in-memory links and rendezvous, every send counted. */
function meshFactory(lib, counter) {
  const { createMeshTransport, createMemoryLinks, createMemoryRendezvous } = lib;
  const links = createMemoryLinks();
  const server = createMemoryRendezvous();
  const wrapChannel = (ch) => {
    if (!ch || ch.__counted) return ch;
    const send = ch.send.bind(ch);
    ch.send = (text) => { counter.count(String(text), 'bootstrap'); return send(text); };
    ch.__counted = true;
    return ch;
  };
  const bootstrap = (sessionId) => {
    const b = server.bootstrap(sessionId);
    const claim = b.claim.bind(b);
    const dial = b.dial.bind(b);
    b.claim = (handlers) => claim({ ...handlers, incoming: (ch) => handlers.incoming(wrapChannel(ch)) });
    b.dial = async (...a) => wrapChannel(await dial(...a));
    return b;
  };
  const createLink = (options, events) => {
    const link = links.factory(options, events);
    const send = link.send.bind(link);
    link.send = (text) => { const ok = send(text); if (ok) counter.count(text); return ok; };
    return link;
  };
  return createMeshTransport({ bootstrap, createLink, heartbeatIntervalMs: HEARTBEAT_MS, heartbeatTimeoutMs: 2 * HEARTBEAT_MS, joinTimeoutMs: 20_000 });
}

async function onceMesh(lib, N, { burst, counted }) {
  const { initSession } = lib;
  const counter = makeCounter();
  counter.on = counted;
  const transport = meshFactory(lib, counter);
  const sid = 'scale-mesh';
  const wantEach = N - 1;
  let total = 0;
  let resolveFormed;
  const formed = new Promise((r) => { resolveFormed = r; });
  let received = 0;
  let resolveReceived;
  const allReceived = new Promise((r) => { resolveReceived = r; });
  const sessions = [];
  const faults = [];

  const c0 = process.cpuUsage();
  const w0 = performance.now();
  const connects = [];
  try {
    for (let i = 0; i < N; i++) {
      const name = `p${i}`;
      const s = initSession(sid, { transport });
      let seen = 0;
      s.on('connectionCreated', (e) => {
        if (e.connection.data === name) return;
        if (++seen <= wantEach && ++total === N * wantEach) resolveFormed();
      });
      s.on('signal:t', () => { if (++received === N) resolveReceived(); });
      sessions.push(s);
      const p = withTimeout(s.connect({ data: name }), 25_000, `mesh connect of ${name} (N=${N}, ${burst ? 'burst' : 'seq'})`);
      if (burst) connects.push(p); else await p;
    }
    await Promise.all(connects);
    await withTimeout(formed, 25_000, `every mesh session to see all ${wantEach} others (N=${N}, ${burst ? 'burst' : 'seq'}; ${total}/${N * wantEach})`);
    const formCpu = cpuMs(process.cpuUsage(c0));
    const formWall = performance.now() - w0;
    const formSnap = counter.snapshot();

    const c1 = process.cpuUsage();
    const w1 = performance.now();
    await withTimeout(sessions[0].signal({ type: 't', data: 'x'.repeat(32) }), 20_000, `mesh broadcast acks (N=${N})`);
    await withTimeout(allReceived, 20_000, `mesh broadcast received by all ${N} (N=${N})`);
    const bcCpu = cpuMs(process.cpuUsage(c1));
    const bcWall = performance.now() - w1;
    const bcSnap = counter.snapshot();
    return { formCpu, formWall, bcCpu, bcWall, form: diff({ frames: 0, bytes: 0, kinds: {} }, formSnap), bc: diff(formSnap, bcSnap), counter };
  } finally {
    for (const s of sessions) s.disconnect();
    // m.bye drains on microtasks; the in-memory links close two microtasks later.
    await new Promise((r) => setTimeout(r, 0));
    if (counted) counter.byeSnap = counter.snapshot();
  }
}

async function meshVariant(lib, burst) {
  const label = burst ? 'burst' : 'seq';
  for (let i = 0; i < (quick ? 1 : 20); i++) await onceMesh(lib, 16, { burst, counted: false });
  const rows = [];
  for (const N of SIZES) {
    const reps = quick ? 1 : Math.max(20, Math.round(1280 / N)); // 160 at N=8 … 20 at N=64
    const c = await onceMesh(lib, N, { burst, counted: true });
    const runs = [];
    for (let r = 0; r < reps; r++) runs.push(await onceMesh(lib, N, { burst, counted: false }));
    const bye = diff({ frames: c.form.frames + c.bc.frames, bytes: c.form.bytes + c.bc.bytes, kinds: mergeKinds(c.form.kinds, c.bc.kinds) }, c.counter.byeSnap);
    rows.push({
      n: N,
      links: (N * (N - 1)) / 2,
      reps,
      cpuMs: summarize(runs.map((x) => x.formCpu + x.bcCpu)),
      formationCpuMs: summarize(runs.map((x) => x.formCpu)),
      broadcastCpuMs: summarize(runs.map((x) => x.bcCpu)),
      wallMs: summarize(runs.map((x) => x.formWall + x.bcWall)),
      formationFrames: c.form.frames,
      formationBytes: c.form.bytes,
      broadcastFrames: c.bc.frames,
      broadcastBytes: c.bc.bytes,
      frames: c.form.frames + c.bc.frames,
      bytes: c.form.bytes + c.bc.bytes,
      formationKinds: c.form.kinds,
      broadcastKinds: c.bc.kinds,
      disconnectKinds: bye.kinds,
    });
    console.error(`scale mesh ${label} N=${N}: ${rows.at(-1).frames} frames, ${rows.at(-1).bytes} B, CPU ${rows.at(-1).cpuMs.median} ms`);
  }
  const ns = rows.map((r) => r.n);
  let growth = null;
  if (rows.length > 1) {
    const kinds = [...new Set(rows.flatMap((r) => Object.keys(r.formationKinds)))];
    growth = {
      cpu: exponent(ns, rows.map((r) => r.cpuMs.median)),
      formationCpu: exponent(ns, rows.map((r) => r.formationCpuMs.median)),
      broadcastCpu: exponent(ns, rows.map((r) => r.broadcastCpuMs.median)),
      frames: exponent(ns, rows.map((r) => Math.max(r.frames, 1))),
      bytes: exponent(ns, rows.map((r) => Math.max(r.bytes, 1))),
      formationFrames: exponent(ns, rows.map((r) => Math.max(r.formationFrames, 1))),
      formationBytes: exponent(ns, rows.map((r) => Math.max(r.formationBytes, 1))),
      broadcastFrames: exponent(ns, rows.map((r) => Math.max(r.broadcastFrames, 1))),
      broadcastBytes: exponent(ns, rows.map((r) => Math.max(r.broadcastBytes, 1))),
      // Per formation frame kind: { frames, bytes } exponents (a kind absent at some N counts 1).
      kinds: Object.fromEntries(kinds.sort().map((k) => [k, {
        frames: exponent(ns, rows.map((r) => Math.max(r.formationKinds[k]?.frames ?? 0, 1))),
        bytes: exponent(ns, rows.map((r) => Math.max(r.formationKinds[k]?.bytes ?? 0, 1))),
      }])),
    };
  }
  return { join: burst ? 'all at once (every connect() started together)' : 'one after another (each connect() awaited)', rows, growth };
}

function mergeKinds(a, b) {
  const out = JSON.parse(JSON.stringify(a));
  for (const [k, v] of Object.entries(b)) { const o = (out[k] ??= { frames: 0, bytes: 0 }); o.frames += v.frames; o.bytes += v.bytes; }
  return out;
}

function summarize(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
  const med = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  return { n: s.length, median: +med.toFixed(3), p95: +q(0.95).toFixed(3) };
}

/** Least-squares slope of log(y) on log(N): the exponent k in y ∝ N^k. */
function exponent(ns, ys) {
  const xs = ns.map(Math.log);
  const ls = ys.map((y) => Math.log(Math.max(y, 1e-9)));
  const mx = xs.reduce((a, b) => a + b) / xs.length;
  const my = ls.reduce((a, b) => a + b) / ls.length;
  let num = 0, den = 0;
  xs.forEach((x, i) => { num += (x - mx) * (ls[i] - my); den += (x - mx) ** 2; });
  return +(num / den).toFixed(2);
}

async function main() {
  // Inside the repo (bench/out/, ignored) so the external packages resolve from node_modules.
  mkdirSync(path.join(ROOT, 'bench', 'out'), { recursive: true });
  const out = path.join(ROOT, 'bench', 'out', `scale-${process.pid}.cjs`);
  const srcDir = path.resolve(ROOT, process.env.BENCH_SRC || 'src');
  await esbuild.build({
    stdin: { contents: [
      `export { initSession, createMeshTransport } from ${JSON.stringify(path.join(srcDir, 'index.ts'))};`,
      // mesh-signal/testing since 4458519; an older src/ (BENCH_SRC) exported it from index.ts.
      `export { createMemoryNetwork } from ${JSON.stringify(path.join(srcDir, existsSync(path.join(srcDir, 'testing.ts')) ? 'testing.ts' : 'index.ts'))};`,
      `export { createMemoryLinks } from ${JSON.stringify(path.join(srcDir, 'mesh', 'memory-link.ts'))};`,
      `export { createMemoryRendezvous } from ${JSON.stringify(path.join(srcDir, 'bootstrap', 'memory.ts'))};`,
    ].join('\n'), resolveDir: ROOT, loader: 'ts', sourcefile: 'bench-scale-entry.ts' },
    // CommonJS: simple-peer's `debug` does require('tty') under Node, which an ESM bundle cannot.
    bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: out, logLevel: 'warning',
  });
  let lib;
  try { lib = createRequire(import.meta.url)(out); } finally { rmSync(out, { force: true }); }
  if (typeof lib.createMemoryNetwork !== 'function') throw new Error('src/ does not export createMemoryNetwork');

  const variantsArg = args.find((a) => a.startsWith('--variants='))?.slice(11) ?? (args.includes('--variants') ? args[args.indexOf('--variants') + 1] : 'memory,mesh');
  const variants = new Set(variantsArg.split(','));
  let mesh;
  if (variants.has('mesh')) {
    mesh = {
      unit: 'CPU ms (user+system); frames and UTF-8 bytes sent on mesh links and bootstrap channels, by kind `t`',
      transport: 'createMeshTransport over createMemoryRendezvous() + createMemoryLinks(), heartbeat 600 s',
      seq: await meshVariant(lib, false),
    };
    try { mesh.burst = await meshVariant(lib, true); } catch (e) { mesh.burstError = String(e?.message ?? e); }
    const left = process.getActiveResourcesInfo().filter((x) => x !== 'TTYWrap' && x !== 'PipeWrap');
    mesh.handlesLeft = left;
  }
  if (!variants.has('memory')) {
    process.stdout.write(JSON.stringify({ mesh }) + '\n');
    return;
  }
  // Warm the JIT so N=8 is not charged for compilation.
  for (let i = 0; i < (quick ? 1 : 30); i++) await once(lib, 16);
  const rows = [];
  for (const N of SIZES) {
    const reps = quick ? 1 : Math.max(20, Math.round(2000 / N)); // 250 at N=8 … 31 at N=64
    const runs = [];
    for (let r = 0; r < reps; r++) runs.push(await once(lib, N));
    const tot = runs.map((x) => x.formCpu + x.bcCpu);
    rows.push({
      n: N,
      links: (N * (N - 1)) / 2,
      reps,
      cpuMs: summarize(tot),
      formationCpuMs: summarize(runs.map((x) => x.formCpu)),
      broadcastCpuMs: summarize(runs.map((x) => x.bcCpu)),
      wallMs: summarize(runs.map((x) => x.formWall + x.bcWall)),
      formationFrames: runs[0].formFrames,
      broadcastFrames: runs[0].bcFrames,
      frames: runs[0].formFrames + runs[0].bcFrames,
    });
  }
  const ns = rows.map((r) => r.n);
  const growth = rows.length > 1 ? {
    cpu: exponent(ns, rows.map((r) => r.cpuMs.median)),
    formationCpu: exponent(ns, rows.map((r) => r.formationCpuMs.median)),
    broadcastCpu: exponent(ns, rows.map((r) => r.broadcastCpuMs.median)),
    frames: exponent(ns, rows.map((r) => Math.max(r.frames, 1))),
  } : null;
  process.stdout.write(JSON.stringify({ unit: 'CPU ms (user+system), frames', transport: 'createMemoryNetwork (latency 0)', rows, growth, mesh }) + '\n');
}

main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
