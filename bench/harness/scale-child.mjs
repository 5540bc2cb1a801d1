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
// Usage: node bench/harness/scale-child.mjs [--quick] [--sizes 8,16,32,64]   → one JSON line on stdout
// Profile: node --cpu-prof --cpu-prof-dir bench/profiles bench/harness/scale-child.mjs
import * as esbuild from 'esbuild';
import os from 'node:os';
import path from 'node:path';
import { mkdirSync, rmSync } from 'node:fs';
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
    stdin: { contents: `export { initSession, createMemoryNetwork } from ${JSON.stringify(path.join(srcDir, 'index.ts'))};`, resolveDir: ROOT, loader: 'ts', sourcefile: 'bench-scale-entry.ts' },
    // CommonJS: simple-peer's `debug` does require('tty') under Node, which an ESM bundle cannot.
    bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: out, logLevel: 'warning',
  });
  let lib;
  try { lib = createRequire(import.meta.url)(out); } finally { rmSync(out, { force: true }); }
  if (typeof lib.createMemoryNetwork !== 'function') throw new Error('src/index.ts does not export createMemoryNetwork');

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
  process.stdout.write(JSON.stringify({ unit: 'CPU ms (user+system), frames', transport: 'createMemoryNetwork (latency 0)', rows, growth }) + '\n');
}

main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
