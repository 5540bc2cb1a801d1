// Chromium CPU profiles over the DevTools protocol (playwright CDP session), and a summary of
// where the time went: self and inclusive time per function and self time per source module.
// dist/mesh-signal.js is unminified with esbuild's `// path/to/module.ts` headers, so a line in
// it maps back to its source module without the source map.
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './server.mjs';

export async function startProfiler(context, page, intervalUs = 100) {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: intervalUs });
  await cdp.send('Profiler.start');
  return async () => {
    const { profile } = await cdp.send('Profiler.stop');
    await cdp.detach().catch(() => {});
    return profile;
  };
}

let moduleIndex = null;
function moduleAt(url, line) {
  if (!url.includes('mesh-signal.js')) {
    if (url.includes('peerjs.min.js')) return 'peerjs.min.js';
    if (url.includes('bench.js')) return 'bench/page/bench.js';
    return url ? url.replace(/^https?:\/\/[^/]+/, '') : '(native)';
  }
  if (!moduleIndex) {
    moduleIndex = [];
    const f = path.join(ROOT, process.env.BENCH_LIB || 'dist/mesh-signal.js');
    if (existsSync(f)) {
      readFileSync(f, 'utf8').split('\n').forEach((l, i) => {
        // esbuild's module headers: `// src/x.ts`, `// node_modules/p/f.js`, or with a ../…/tmp/… prefix
        const m = l.match(/^\/\/ (?:\S*?\/)??((?:node_modules|src)\/\S+|mesh-signal-shim\S*)$/);
        if (m) moduleIndex.push([i, m[1]]);
      });
    }
  }
  let mod = 'dist/mesh-signal.js';
  for (const [i, m] of moduleIndex) { if (i <= line) mod = m; else break; }
  return mod;
}

/** Summarizes a V8 CPU profile: total ms, top functions by self and by inclusive time, self by module. */
export function summarizeProfile(profile, top = 15) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map(); // node id → µs
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const totalUs = [...self.values()].reduce((a, b) => a + b, 0);
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const key = (n) => {
    const cf = n.callFrame;
    const name = cf.functionName || '(anonymous)';
    if (!cf.url) return name;
    return `${name} ${moduleAt(cf.url, cf.lineNumber)}:${cf.lineNumber + 1}`;
  };
  const selfBy = new Map();
  const inclBy = new Map();
  const modBy = new Map();
  for (const [id, us] of self) {
    const n = byId.get(id);
    const k = key(n);
    selfBy.set(k, (selfBy.get(k) ?? 0) + us);
    const mod = n.callFrame.url ? moduleAt(n.callFrame.url, n.callFrame.lineNumber) : n.callFrame.functionName || '(native)';
    modBy.set(mod, (modBy.get(mod) ?? 0) + us);
    // inclusive: every distinct function on the stack gets the sample once
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const kk = key(byId.get(cur));
      if (!seen.has(kk)) { seen.add(kk); inclBy.set(kk, (inclBy.get(kk) ?? 0) + us); }
    }
  }
  const list = (m) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, us]) => ({ fn: k, ms: +(us / 1000).toFixed(1), pct: +((100 * us) / totalUs).toFixed(1) }));
  const idleUs = selfBy.get('(idle)') ?? 0;
  return { totalMs: +(totalUs / 1000).toFixed(1), busyMs: +((totalUs - idleUs) / 1000).toFixed(1), self: list(selfBy), inclusive: list(inclBy).filter((x) => !['(root)'].includes(x.fn)), byModule: list(modBy) };
}
