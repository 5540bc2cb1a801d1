#!/usr/bin/env node
/**
 * Builds what a page loads with a `<script>` tag and no bundler, and what the npm package ships:
 *
 *   dist/mesh-signal.min.js     the ES module (es2022, browser), minified + source map: the
 *                               package's entry point and what pages load. What only some
 *                               sessions run (invites; the hashes of a session secret) is in
 *                               dist/chunks/, imported by it on first use (issue 10's weight budget)
 *   dist/mesh-signal.js         the same, not minified (for reading; not in the npm package), with
 *                               its own chunks (the minified ones end in .min.js)
 *   dist/mesh-signal-testing.min.js  `mesh-signal/testing`: createMemoryNetwork, for apps' tests
 *   dist/mesh-signal.global.js  the classic-script build (IIFE, minified + source map) from
 *                               src/ot/global.ts: defines `window.OT`, OpenTok's namespace, and
 *                               no other global
 *   dist/types/                 type declarations (tsc, from tsconfig.json)
 *   dist/demo/                the demo page; it imports ../mesh-signal.js, so the whole dist/
 *                             folder can be put on any static host as it is
 *
 * simple-peer (and readable-stream under it) is written for Node/browserify. From source it needs
 * Node's `events` and `buffer` modules (the npm packages of the same names are the browser
 * versions), the `global` name, and a `process` object for `process.nextTick`. Stand-ins
 * (scripts/shims/) replace what used `process`; we give it `global` and nothing else: no Node
 * polyfill bundle, and the build fails if anything in the bundle reads a `process` global.
 *
 * Usage: node scripts/build.mjs [--entry path/to/index.ts] [--outdir dir] [--quiet]
 * (`--entry` and `--outdir` are for trying the build against another entry point without
 * touching dist/; type declarations are written only for the real entry.)
 */
import * as esbuild from 'esbuild';
import { browserBundleOptions } from './esbuild-options.mjs';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const args = process.argv.slice(2);
const argValue = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const quiet = args.includes('--quiet');
const say = (...parts) => {
  if (!quiet) console.log(...parts);
};

const mainEntry = resolve(root, 'src/index.ts');
const entry = resolve(root, argValue('--entry') ?? 'src/index.ts');
/** The classic-script entry; built only with the real entry point. */
const globalEntry = resolve(root, 'src/ot/global.ts');
/** `mesh-signal/testing`; built only with the real entry point. */
const testingEntry = resolve(root, 'src/testing.ts');
const dist = resolve(root, argValue('--outdir') ?? 'dist');

/** @type {import('esbuild').BuildOptions} */
const common = {
  ...browserBundleOptions,
  entryPoints: [entry],
  sourcemap: true,
  logLevel: 'warning',
  metafile: true,
};

function sizeLine(file) {
  const bytes = readFileSync(file);
  const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
  return `${relative(root, file).padEnd(28)} ${kib(bytes.length).padStart(10)}  gzip ${kib(gzipSync(bytes, { level: 9 }).length).padStart(9)}`;
}

/** What a page loads to join through a PeerServer: the minified entry and its static chunks. */
function pageLine(metafile) {
  const entryOut = Object.keys(metafile.outputs).find((f) => f.endsWith('mesh-signal.min.js'));
  const files = new Set([entryOut]);
  for (const f of files) for (const i of metafile.outputs[f].imports) if (i.kind === 'import-statement' && !i.external) files.add(i.path);
  const gzip = [...files].reduce((n, f) => n + gzipSync(readFileSync(resolve(root, f)), { level: 9 }).length, 0);
  return `  with its ${files.size - 1} static chunks (what a page loads): gzip ${(gzip / 1024).toFixed(1)} KiB (${gzip} B); invites and a secret load more on first use`;
}

async function main() {
  const started = Date.now();
  if (!existsSync(entry)) throw new Error(`entry point ${relative(root, entry)} does not exist`);
  // Only what this script writes: dist/types and dist/demo may hold stale files from old sources.
  for (const stale of ['types', 'demo']) rmSync(join(dist, stale), { recursive: true, force: true });
  mkdirSync(dist, { recursive: true });

  const outfile = join(dist, 'mesh-signal.js');
  const minfile = join(dist, 'mesh-signal.min.js');
  rmSync(join(dist, 'chunks'), { recursive: true, force: true });
  // The ES modules are split: dynamic import()s become chunks beside them (dist/chunks/). The
  // classic build cannot load chunks, so it keeps everything in one file.
  const split = (entryNames) => ({
    ...common,
    // mesh-signal/testing (the in-memory network for apps' tests) is an entry of its own.
    entryPoints: withGlobal ? { 'mesh-signal': entry, 'mesh-signal-testing': testingEntry } : { 'mesh-signal': entry },
    outdir: dist,
    splitting: true,
    entryNames,
    chunkNames: `chunks/[name]-[hash]${entryNames.endsWith('.min') ? '.min' : ''}`,
  });
  const globalfile = join(dist, 'mesh-signal.global.js');
  const withGlobal = entry === mainEntry;
  const [plain, min] = await Promise.all([
    esbuild.build(split('[name]')),
    esbuild.build({ ...split('[name].min'), minify: true }),
    // An IIFE keeps every name inside it; src/ot/global.ts assigns window.OT itself.
    withGlobal && esbuild.build({ ...common, entryPoints: [globalEntry], format: 'iife', outfile: globalfile, minify: true }),
  ]);

  // A Node built-in left in the bundle would fail only when a page loads it: check here.
  const builtins = new Set(require('node:module').builtinModules);
  const nodeImports = Object.values(plain.metafile.inputs)
    .flatMap((input) => input.imports)
    .filter((imp) => imp.external && builtins.has(imp.path.replace(/^node:/, '')));
  if (nodeImports.length > 0) {
    throw new Error(`the bundle imports Node built-ins: ${nodeImports.map((i) => i.path).join(', ')}`);
  }

  // No `process` shim is injected: code that reads the global would fail only in a page. Check here.
  for (const file of Object.keys(plain.metafile.outputs).filter((f) => f.endsWith('.js'))) {
    const code = readFileSync(resolve(root, file), 'utf8');
    const use = code.match(/.{0,40}(?<![\w$.#])process(?=\s*[.[]).{0,40}/);
    if (use) throw new Error(`${file} reads a process global, which a page does not have: …${use[0]}…`);
  }

  // Declarations: tsc from the project's strict tsconfig. Type errors fail the build.
  const tsc = require.resolve('typescript/bin/tsc');
  if (entry === mainEntry) {
    try {
      execFileSync(
        process.execPath,
        [tsc, '-p', 'tsconfig.json', '--emitDeclarationOnly', '--declaration', '--outDir', join(dist, 'types')],
        { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
      );
    } catch (error) {
      process.stderr.write(String(error.stdout ?? '') + String(error.stderr ?? ''));
      throw new Error('tsc: type declarations failed (errors above)');
    }
  }

  // The demo: static files whose imports are relative to dist/ (../mesh-signal.js).
  const demoSrc = join(root, 'demo');
  if (existsSync(demoSrc)) cpSync(demoSrc, join(dist, 'demo'), { recursive: true });

  say(sizeLine(outfile));
  say(sizeLine(minfile));
  say(pageLine(min.metafile));
  if (withGlobal) say(sizeLine(globalfile));
  say(`built in ${Date.now() - started} ms`);
}

main().catch((error) => {
  console.error(`build failed: ${error.message}`);
  process.exit(1);
});
