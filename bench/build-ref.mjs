#!/usr/bin/env node
// Builds the library as of a git ref (default HEAD: the committed code, without anyone's
// uncommitted work in the tree) or of a source folder, with scripts/build.mjs's options,
// unminified, to bench/out/mesh-signal-<name>.js — for BENCH_LIB / BENCH_ALT A/B runs:
//
//   node bench/build-ref.mjs HEAD               → bench/out/mesh-signal-HEAD.js
//   node bench/build-ref.mjs --src path/to/src  → bench/out/mesh-signal-src.js  (a patched copy)
//   BENCH_LIB=bench/out/mesh-signal-HEAD.js BENCH_ALT=bench/out/mesh-signal-src.js \
//     scripts/loopback.sh node bench/run.mjs --only=pair
import * as esbuild from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILD_OPTIONS } from './harness/bundle.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
let srcDir, name, tmp;
if (args[0] === '--src') {
  srcDir = path.resolve(args[1]);
  name = args[2] ?? path.basename(srcDir);
} else {
  const ref = args[0] ?? 'HEAD';
  name = ref.replace(/[^\w.-]/g, '_');
  tmp = mkdtempSync(path.join(os.tmpdir(), 'mesh-signal-ref-'));
  const tar = execFileSync('git', ['archive', ref, 'src'], { cwd: ROOT, maxBuffer: 1 << 28 });
  execFileSync('tar', ['-x', '-C', tmp], { input: tar });
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(tmp, 'node_modules'));
  srcDir = path.join(tmp, 'src');
}
mkdirSync(path.join(ROOT, 'bench/out'), { recursive: true });
const outfile = path.join(ROOT, `bench/out/mesh-signal-${name}.js`);
try {
  await esbuild.build({ ...BUILD_OPTIONS, minify: false, write: true, metafile: false, entryPoints: [path.join(srcDir, 'index.ts')], outfile, logLevel: 'warning' });
} finally {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}
console.log(path.relative(ROOT, outfile));
