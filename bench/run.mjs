#!/usr/bin/env node
// npm run bench  (= npm run build && scripts/loopback.sh node bench/run.mjs)
// Flags: --quick (each harness once with tiny counts; writes nothing), --only=a,b (pair,group,scale,bundle),
//        --rounds=N (N rounds/runs per figure instead of 8–10: shorter runs on a busy machine),
//        --profile (Chromium CPU profiles of the mesh-signal latency/throughput/fan-out runs → bench/profiles/),
//        --own-server (ignore server/app.mjs),
//        --merge (with --only: put the parts run into bench/results.json, keeping the others, and
//        regenerate bench/RESULTS.md; results.json.updates records which part came from which run).
import { writeFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { startBenchServer, ROOT } from './lib/server.mjs';
import { launch, cpuMeter } from './lib/browser.mjs';
import { printTable, renderMarkdown } from './lib/table.mjs';

export async function main(argv = process.argv.slice(2)) {
  const flag = (n) => argv.includes(`--${n}`);
  const quick = flag('quick');
  const onlyArg = argv.find((a) => a.startsWith('--only='));
  const only = onlyArg ? new Set(onlyArg.slice(7).split(',')) : null;
  const want = (h) => !only || only.has(h);
  const withLib = existsSync(path.join(ROOT, 'dist', 'mesh-signal.js')) && !flag('no-lib');
  const results = {
    date: new Date().toISOString(),
    command: (() => {
      const env = ['BENCH_LIB', 'BENCH_ALT', 'BENCH_SRC', 'BENCH_PERSIST', 'BENCH_ALT_PERSIST'].filter((k) => process.env[k]).map((k) => `${k}=${process.env[k]} `).join('');
      const flags = argv.join(' ');
      return env || flags ? `${env}scripts/loopback.sh node bench/run.mjs${flags ? ' ' + flags : ''}` : 'npm run bench';
    })(),
    machine: { nproc: os.cpus().length, cpu: os.cpus()[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.type()} ${os.release()}` },
    notes: [],
  };
  results.library = libraryInfo();
  if (!withLib) results.notes.push('mesh-signal columns skipped (dist/mesh-signal.js missing or --no-lib): baselines only');
  const t0 = Date.now();
  let server, browser;
  try {
    if (want('pair') || want('group')) {
      server = await startBenchServer({ own: flag('own-server') });
      const l = await launch();
      browser = l.browser;
      results.machine.chromium = l.version;
      results.server = server.kind;
      const roundsArg = argv.find((a) => a.startsWith('--rounds='));
      const rounds = roundsArg ? Number(roundsArg.slice(9)) : undefined;
      const ctx = { context: l.context, server, quick, withLib, rounds, profile: flag('profile'), cpu: await cpuMeter(l.browser) };
      if (want('pair')) {
        const { setupPair, latency, throughput } = await import('./harness/pair.mjs');
        const pair = await setupPair(ctx);
        try {
          results.latency = await latency(pair, ctx);
          log('latency', results.latency);
          results.throughput = await throughput(pair, ctx);
          log('throughput', results.throughput);
          // Small signals (typing indicators, cursors): per-message overhead, not bandwidth.
          results.throughputSmall = await throughput(pair, { ...ctx, size: 100, windows: [256], count: 5000 });
          log('throughputSmall', results.throughputSmall);
          if (ctx.profile && withLib) {
            const { profilePair } = await import('./harness/profile.mjs');
            results.profile = await profilePair(pair, ctx);
          }
        } finally { await pair.close(); }
      }
      if (want('group')) {
        const { group } = await import('./harness/group.mjs');
        const g = await group(ctx);
        results.join = g.join; log('join', g.join);
        if (g.fanout.profile) {
          results.profile = { ...results.profile, ...g.fanout.profile };
          delete g.fanout.profile;
        }
        results.fanout = g.fanout; log('fanout', g.fanout);
      }
    }
    if (want('scale')) {
      const { scale } = await import('./harness/scale.mjs');
      results.scale = await scale({ quick });
      log('scale', results.scale);
    }
    if (want('bundle')) {
      const { bundle } = await import('./harness/bundle.mjs');
      results.bundle = await bundle();
      log('bundle', results.bundle);
    }
  } finally {
    await browser?.close().catch(() => {});
    await server?.close().catch(() => {});
  }
  results.elapsedSeconds = Math.round((Date.now() - t0) / 1000);
  printTable(results);
  if (!quick && !only) {
    writeFileSync(path.join(ROOT, 'bench', 'results.json'), JSON.stringify(results, null, 2) + '\n');
    writeFileSync(path.join(ROOT, 'bench', 'RESULTS.md'), renderMarkdown(results) + '\n');
    console.log('wrote bench/results.json and bench/RESULTS.md');
  } else if (!quick && flag('merge') && existsSync(path.join(ROOT, 'bench', 'results.json'))) {
    const file = path.join(ROOT, 'bench', 'results.json');
    const merged = JSON.parse(readFileSync(file, 'utf8'));
    const parts = { pair: ['latency', 'throughput', 'throughputSmall', 'profile'], group: ['join', 'fanout'], scale: ['scale'], bundle: ['bundle'] };
    const keys = [...only].flatMap((h) => parts[h] ?? []).filter((k) => results[k] !== undefined);
    for (const k of keys) merged[k] = results[k];
    merged.updates = [...(merged.updates ?? []), { date: results.date, command: results.command, parts: keys, library: results.library, node: results.machine.node }];
    writeFileSync(file, JSON.stringify(merged, null, 2) + '\n');
    writeFileSync(path.join(ROOT, 'bench', 'RESULTS.md'), renderMarkdown(merged) + '\n');
    console.log(`merged ${keys.join(', ')} into bench/results.json and rewrote bench/RESULTS.md`);
  } else if (!quick) {
    mkdirSync(path.join(ROOT, 'bench', 'out'), { recursive: true });
    writeFileSync(path.join(ROOT, 'bench', 'out', 'partial-results.json'), JSON.stringify(results, null, 2) + '\n');
    console.log('wrote bench/out/partial-results.json (partial run)');
  }
  return results;
}

/** Which build was measured: the file, the commit, and whether src/ had uncommitted changes. */
function libraryInfo() {
  const git = (...a) => { try { return execFileSync('git', a, { cwd: ROOT, encoding: 'utf8' }).trim(); } catch { return '?'; } };
  return {
    file: process.env.BENCH_LIB || 'dist/mesh-signal.js',
    alt: process.env.BENCH_ALT || undefined,
    bundleSrc: process.env.BENCH_SRC || 'src',
    gitHead: git('rev-parse', '--short', 'HEAD'),
    srcUncommitted: git('status', '--porcelain', '--', 'src') !== '',
  };
}

function log(name, r) {
  if (process.env.BENCH_VERBOSE) console.error(name, JSON.stringify(r));
  else console.error(`bench: ${name} done`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // The PeerServer's timers keep Node alive after close(): exit explicitly.
  main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
}
