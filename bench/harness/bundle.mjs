// Bundle weight: src/index.ts bundled with scripts/esbuild-options.mjs, as scripts/build.mjs does
// (split: what only some sessions run is in chunks loaded on first use), minified, with a
// metafile — build.mjs does not write its metafile, so we rebuild in memory. Reports:
//   total        — what a page loads to join through a PeerServer: the entry and the chunks it
//                  imports statically; minified bytes, and gzip bytes (zlib level 9) summed file by
//                  file, as a server sends them; also of dist/mesh-signal.min.js as built, when
//                  present (they should agree)
//   loads        — the same for a page whose session has a secret (+ the session-key chunk), one
//                  that makes or answers invites (+ the invite chunks), and every chunk
//   parts        — per package (node_modules/<pkg>, src, shim): minified bytes in the bundle
//                  (metafile bytesInOutput) and that share of the total gzip bytes
//   dependencies — rolled up per dependency that src/ imports (every package only reachable
//                  through it counts toward it; reachable from several: "shared"), with
//                  marginalGzip = whole bundle − bundle with that dependency external (the bytes
//                  it really adds, shared code included) and aloneGzip = it bundled alone
import * as esbuild from 'esbuild';
import { browserBundleOptions } from '../../scripts/esbuild-options.mjs';
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(path.join(ROOT, 'package.json'));

// The same options as scripts/build.mjs, minified, in memory, with a metafile.
export const BUILD_OPTIONS = { ...browserBundleOptions, logLevel: 'silent', metafile: true, minify: true, write: false };

const gz = (buf) => gzipSync(buf, { level: 9 }).length;

export function packageOf(input) {
  if (input.startsWith('mesh-signal-shim:')) return '(process shim)';
  const m = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/g);
  if (m) return m[m.length - 1].replace('node_modules/', '');
  if (input.startsWith('src/') || (process.env.BENCH_SRC && input.startsWith(path.relative(ROOT, path.resolve(ROOT, process.env.BENCH_SRC)) + '/'))) return 'mesh-signal (src/)';
  return input;
}

// BENCH_SRC: measure another source folder (e.g. a `git archive HEAD src` export) instead of src/.
const ENTRY = path.resolve(ROOT, process.env.BENCH_SRC || 'src', 'index.ts');

/**
 * The split build in memory. `code` is what a page loads to join through a PeerServer (the entry
 * and its static imports, concatenated: for the byte counts), `files` those files, `chunks` every
 * output by name.
 */
export async function buildBundle(entry = ENTRY, external = []) {
  const outdir = path.join(ROOT, 'dist/.bench-bundle');
  const r = await esbuild.build({
    // sourcemap: as dist/ has it, so each file ends with its sourceMappingURL comment, as pages load it.
    ...BUILD_OPTIONS, entryPoints: { 'mesh-signal': entry }, external, absWorkingDir: ROOT, outdir, splitting: true, chunkNames: 'chunks/[name]-[hash].min', sourcemap: true,
  });
  const code = new Map(r.outputFiles.filter((f) => f.path.endsWith('.js')).map((f) => [path.relative(ROOT, f.path), Buffer.from(f.contents)]));
  const entryOut = path.relative(ROOT, path.join(outdir, 'mesh-signal.js'));
  const loaded = staticClosure(entryOut, (o) => r.metafile.outputs[o].imports.filter((i) => i.kind === 'import-statement' && !i.external).map((i) => i.path));
  const files = loaded.map((o) => ({ name: o, code: code.get(o) }));
  return { code: Buffer.concat(files.map((f) => f.code)), files, outputs: r.metafile.outputs, all: code, entryOut, metafile: r.metafile };
}

/** `start` and every file it imports statically, transitively (the order does not matter). */
function staticClosure(start, importsOf) {
  const seen = new Set([start]);
  for (const file of seen) for (const next of importsOf(file)) seen.add(next);
  return [...seen];
}

/** Minified bytes and gzip bytes, gzipped file by file (as a server sends them). */
const weigh = (buffers) => ({ min: buffers.reduce((n, b) => n + b.length, 0), gzip: buffers.reduce((n, b) => n + gz(b), 0), files: buffers.length });

/** What a page loads: the entry's static closure, plus the static closures of the dynamic imports of the modules named. */
function loads(built, lazyModules) {
  const outs = built.outputs;
  const staticOf = (o) => outs[o].imports.filter((i) => i.kind === 'import-statement' && !i.external).map((i) => i.path);
  const set = new Set(staticClosure(built.entryOut, staticOf));
  for (const [o, meta] of Object.entries(outs)) {
    if (o.endsWith('.map') || !meta.entryPoint || !lazyModules.some((m) => meta.entryPoint.endsWith(m))) continue;
    for (const f of staticClosure(o, staticOf)) set.add(f);
  }
  return weigh([...set].map((o) => built.all.get(o)));
}

/** dist/mesh-signal.min.js as built and the files it imports statically (relative `./chunks/…` paths). */
function distLoaded() {
  const start = path.join(ROOT, 'dist/mesh-signal.min.js');
  if (!existsSync(start)) return undefined;
  const importsOf = (file) => [...readFileSync(file, 'utf8').matchAll(/(?:^|[;}])import(?:[\w\s{},*$]*from)?\s*"(\.\/[^"]+)"/g)].map((m) => path.resolve(path.dirname(file), m[1]));
  return weigh(staticClosure(start, importsOf).map((f) => readFileSync(f)));
}

async function alone(dep) {
  const contents = `import * as m from ${JSON.stringify(dep)}; export default m;`;
  const r = await esbuild.build({ ...BUILD_OPTIONS, stdin: { contents, resolveDir: ROOT, sourcefile: `alone-${dep}.js` }, absWorkingDir: ROOT, outfile: path.join(ROOT, 'dist/.bench-alone.js') });
  const code = Buffer.from(r.outputFiles.find((f) => f.path.endsWith('.js')).contents);
  return { min: code.length, gzip: gz(code) };
}

export async function bundle() {
  const built = await buildBundle();
  const { metafile } = built;
  const page = weigh(built.files.map((f) => f.code));
  const total = { min: page.min, gzip: page.gzip, files: page.files };
  const dist = distLoaded();
  if (dist) total.distMinJs = dist;
  const loadsBy = {
    peerServer: page,
    withSecret: loads(built, ['auth/session-key.ts']),
    withInvites: loads(built, ['bootstrap/invite.ts', 'wire/invite-code.ts']),
    everything: weigh([...built.all.values()]),
  };
  // Parts: the inputs of the files a PeerServer page loads.
  const byPkg = new Map();
  for (const f of built.files) {
    for (const [input, { bytesInOutput }] of Object.entries(metafile.outputs[f.name].inputs)) {
      const p = packageOf(input);
      byPkg.set(p, (byPkg.get(p) ?? 0) + bytesInOutput);
    }
  }
  const sumIn = [...byPkg.values()].reduce((a, b) => a + b, 0);
  const share = (b) => Math.round((b / sumIn) * total.gzip);
  const parts = [...byPkg.entries()].sort((a, b) => b[1] - a[1]).map(([name, min]) => ({ name, min, gzipShare: share(min) }));

  // Roll packages up to the dependency that src/ imports and that pulls them in (import graph
  // reachability from the packages src/ imports itself; `buffer` and `events` are imported only
  // by simple-peer's tree, so they count toward simple-peer).
  const deps = Object.keys(JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).dependencies ?? {});
  const graph = new Map(Object.entries(metafile.inputs).map(([k, v]) => [k, v.imports.map((i) => i.path)]));
  const srcImports = new Set();
  for (const [k, v] of graph) if (packageOf(k) === 'mesh-signal (src/)') for (const i of v) if (graph.has(i) && packageOf(i) !== 'mesh-signal (src/)') srcImports.add(packageOf(i));
  const roots = [...srcImports];
  const reach = new Map(); // package → set of direct deps reaching it
  for (const dep of roots) {
    const starts = [...graph.keys()].filter((k) => packageOf(k) === dep);
    const seen = new Set(starts);
    const stack = [...starts];
    while (stack.length) for (const n of graph.get(stack.pop()) ?? []) if (!seen.has(n) && graph.has(n)) { seen.add(n); stack.push(n); }
    for (const n of seen) {
      const p = packageOf(n);
      if (!reach.has(p)) reach.set(p, new Set());
      reach.get(p).add(dep);
    }
  }
  const roll = new Map();
  for (const [p, min] of byPkg) {
    const r = reach.get(p);
    const owner = !r ? p : r.size === 1 ? [...r][0] : `shared (${[...r].join(', ')})`;
    roll.set(owner, (roll.get(owner) ?? 0) + min);
  }
  const dependencies = [];
  for (const [name, min] of [...roll.entries()].sort((a, b) => b[1] - a[1])) {
    const row = { name, min, gzipShare: share(min), packages: [...byPkg.keys()].filter((p) => { const r = reach.get(p); return (!r ? p : r.size === 1 ? [...r][0] : `shared (${[...r].join(', ')})`) === name; }) };
    if (deps.includes(name)) row.aloneGzip = (await alone(name)).gzip;
    if (roots.includes(name)) {
      // Marginal weight: the whole bundle minus the bundle with this dependency left out (external).
      const without = await buildBundle(undefined, [name]);
      row.marginalGzip = total.gzip - weigh(without.files.map((f) => f.code)).gzip;
    }
    row.pct = Math.round((1000 * min) / sumIn) / 10;
    dependencies.push(row);
  }
  // Direct dependencies not (yet) in the bundle: their weight if they were, for reference.
  for (const dep of deps) {
    if (!byPkg.has(dep) && !dependencies.some((d) => d.name === dep)) dependencies.push({ name: dep, min: 0, gzipShare: 0, packages: [], aloneGzip: (await alone(dep).catch(() => ({ gzip: null }))).gzip, notInBundle: true });
  }
  const { BUDGET_GZIP, BUDGET_SRC_GZIP, BUDGET_WHY } = await import('../bundle-budget.mjs');
  return { file: 'dist/mesh-signal.min.js and the chunks it imports statically (src/index.ts as scripts/build.mjs bundles it), minified; gzip file by file', total, loads: loadsBy, parts: dependencies.map((d) => ({ name: d.name, min: d.min, gzipShare: d.gzipShare, marginalGzip: d.marginalGzip, aloneGzip: d.aloneGzip })), packages: parts, dependencies, budget: { gzip: BUDGET_GZIP, srcGzip: BUDGET_SRC_GZIP, why: BUDGET_WHY } };
}
