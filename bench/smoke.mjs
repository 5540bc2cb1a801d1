#!/usr/bin/env node
// Smoke run of every bench harness with tiny counts (seconds, not minutes), for CI / npm test:
//   scripts/loopback.sh node bench/smoke.mjs
// Fails (exit 1) if any harness throws or times out; checks the results have the expected shape.
// Writes nothing. Same as `node bench/run.mjs --quick` plus the checks.
import { main } from './run.mjs';

const hardStop = setTimeout(() => { console.error('bench smoke: timed out after 240 s'); process.exit(1); }, 240_000);
hardStop.unref();

try {
  const r = await main(['--quick', ...process.argv.slice(2)]);
  const problems = [];
  const num = (x, what) => { if (!Number.isFinite(x)) problems.push(`${what} is not a number`); };
  const wantLib = !r.notes.some((n) => n.includes('baselines only'));
  if (r.latency) { num(r.latency.raw.median, 'latency.raw'); num(r.latency.peerjs.median, 'latency.peerjs'); if (wantLib) num(r.latency.signal?.median, 'latency.signal'); }
  if (r.throughput) { num(r.throughput.raw.median, 'throughput.raw'); if (wantLib) num(r.throughput.signal?.median, 'throughput.signal'); }
  if (r.join) { num(r.join.peerjs.median, 'join.peerjs'); if (wantLib) num(r.join.signal?.median, 'join.signal'); }
  if (r.fanout) { num(r.fanout.raw.median, 'fanout.raw'); if (wantLib) num(r.fanout.signal?.median, 'fanout.signal'); }
  if (r.scale) for (const row of r.scale.rows) num(row.cpuMs.median, `scale N=${row.n}`);
  for (const v of ['seq', 'burst']) for (const row of r.scale?.mesh?.[v]?.rows ?? []) { num(row.cpuMs.median, `scale mesh ${v} N=${row.n}`); if (!(row.bytes > 0)) problems.push(`scale mesh ${v} N=${row.n}: no bytes counted`); }
  if (r.scale?.mesh?.burstError) problems.push(`scale mesh burst: ${r.scale.mesh.burstError}`);
  if (r.scale?.mesh?.handlesLeft?.length) problems.push(`scale mesh: handles left after disconnect: ${r.scale.mesh.handlesLeft.join(', ')}`);
  if (r.bundle) num(r.bundle.total.gzip, 'bundle gzip');
  if (problems.length) { console.error('bench smoke: ' + problems.join('; ')); process.exit(1); }
  console.log('bench smoke: ok');
  process.exit(0);
} catch (e) {
  console.error('bench smoke failed:', e);
  process.exit(1);
}
