#!/usr/bin/env node
// Bundle budget: dist/mesh-signal.js minified + gzipped (zlib level 9) must stay within
// BUDGET_GZIP bytes. Exit 1 when over. Usage: node bench/bundle-budget.mjs [--json]
//
// Checks both the bundle rebuilt in memory from src/index.ts with scripts/build.mjs's options
// (independent of a stale dist/) and dist/mesh-signal.min.js as built, when present.
//
// Why this number — see BUDGET_WHY (also written into bench/results.json).
import { fileURLToPath } from 'node:url';

export const BUDGET_GZIP = 100_000; // placeholder until the mesh lands; set from measurement
export const BUDGET_WHY = 'placeholder';

async function main() {
  const { bundle } = await import('./harness/bundle.mjs');
  const r = await bundle();
  if (process.argv.includes('--json')) console.log(JSON.stringify(r, null, 2));
  const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
  console.log(`mesh-signal bundle: ${r.total.min} B minified, ${r.total.gzip} B gzip (${kib(r.total.gzip)}); budget ${BUDGET_GZIP} B (${kib(BUDGET_GZIP)})`);
  for (const d of r.dependencies) {
    if (d.notInBundle) continue;
    console.log(`  ${d.name.padEnd(40)} ${String(d.min).padStart(7)} B min  ~${String(d.gzipShare).padStart(6)} B gzip${d.aloneGzip ? `  (alone ${d.aloneGzip} B gzip)` : ''}`);
  }
  const over = [];
  if (r.total.gzip > BUDGET_GZIP) over.push(`rebuilt bundle ${r.total.gzip} B`);
  if (r.total.distMinJs && r.total.distMinJs.gzip > BUDGET_GZIP) over.push(`dist/mesh-signal.min.js ${r.total.distMinJs.gzip} B`);
  if (over.length) {
    console.error(`OVER BUDGET (${BUDGET_GZIP} B gzip): ${over.join(', ')}`);
    process.exit(1);
  }
  console.log('within budget');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((e) => { console.error(e); process.exit(1); });
}
