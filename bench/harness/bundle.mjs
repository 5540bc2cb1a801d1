// Bundle weight: src/index.ts bundled with scripts/esbuild-options.mjs, as scripts/build.mjs does,
// minified, with a metafile — build.mjs does not write its metafile, so we rebuild in memory. Reports:
//   total        — minified bytes and gzip bytes (zlib level 9) of the whole bundle; also of
//                  dist/mesh-signal.min.js as built, when present (they should agree)
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

export async function buildBundle(entry = ENTRY, external = []) {
  const r = await esbuild.build({ ...BUILD_OPTIONS, entryPoints: [entry], external, absWorkingDir: ROOT, outfile: path.join(ROOT, 'dist/.bench-bundle.js') });
  const js = r.outputFiles.find((f) => f.path.endsWith('.js'));
  return { code: Buffer.from(js.contents), metafile: r.metafile };
}

async function alone(dep) {
  const contents = `import * as m from ${JSON.stringify(dep)}; export default m;`;
  const r = await esbuild.build({ ...BUILD_OPTIONS, stdin: { contents, resolveDir: ROOT, sourcefile: `alone-${dep}.js` }, absWorkingDir: ROOT, outfile: path.join(ROOT, 'dist/.bench-alone.js') });
  const code = Buffer.from(r.outputFiles.find((f) => f.path.endsWith('.js')).contents);
  return { min: code.length, gzip: gz(code) };
}

export async function bundle() {
  const { code, metafile } = await buildBundle();
  const total = { min: code.length, gzip: gz(code) };
  const distMin = path.join(ROOT, 'dist/mesh-signal.min.js');
  if (existsSync(distMin)) {
    const b = readFileSync(distMin);
    total.distMinJs = { min: b.length, gzip: gz(b) };
  }
  const out = Object.values(metafile.outputs).find((o) => o.entryPoint || o.inputs);
  const byPkg = new Map();
  for (const [input, { bytesInOutput }] of Object.entries(out.inputs)) {
    const p = packageOf(input);
    byPkg.set(p, (byPkg.get(p) ?? 0) + bytesInOutput);
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
      row.marginalGzip = total.gzip - gz(without.code);
    }
    row.pct = Math.round((1000 * min) / sumIn) / 10;
    dependencies.push(row);
  }
  // Direct dependencies not (yet) in the bundle: their weight if they were, for reference.
  for (const dep of deps) {
    if (!byPkg.has(dep) && !dependencies.some((d) => d.name === dep)) dependencies.push({ name: dep, min: 0, gzipShare: 0, packages: [], aloneGzip: (await alone(dep).catch(() => ({ gzip: null }))).gzip, notInBundle: true });
  }
  const { BUDGET_GZIP, BUDGET_SRC_GZIP, BUDGET_WHY } = await import('../bundle-budget.mjs');
  return { file: 'dist/mesh-signal.js (src/index.ts as scripts/build.mjs bundles it), minified', total, parts: dependencies.map((d) => ({ name: d.name, min: d.min, gzipShare: d.gzipShare, marginalGzip: d.marginalGzip, aloneGzip: d.aloneGzip })), packages: parts, dependencies, budget: { gzip: BUDGET_GZIP, srcGzip: BUDGET_SRC_GZIP, why: BUDGET_WHY } };
}
