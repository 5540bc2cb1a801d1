// --profile: Chromium CPU profiles (CDP Profiler, 100 µs sampling) of the sender and the receiver
// page during mesh-signal's latency, throughput and (group) fan-out runs, and of the raw runs for
// comparison.
// Writes bench/profiles/<scenario>-<side>.cpuprofile (open in Chrome DevTools › Performance) and
// returns summaries (top self/inclusive functions, self time per source module).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startProfiler, summarizeProfile } from '../lib/cpuprofile.mjs';
import { ROOT } from '../lib/server.mjs';

export async function profilePair(pair, { context, quick }) {
  const { a, b } = pair;
  const n = quick ? 20 : 500;
  const m = quick ? 20 : 1500;
  const payload = 'x'.repeat(32);
  const scenarios = {
    'latency-signal': [n, () => a.evaluate(([n, p]) => { B.useLib('main'); return B.msPingPong('b', n, 0, p); }, [n, payload])],
    'latency-raw': [n, () => a.evaluate(([n, p]) => B.rawPingPong('pair', n, 0, p), [n, payload])],
    'throughput-signal': [m, () => a.evaluate(([n]) => { B.useLib('main'); return B.msThroughput('b', n, 8192, 256); }, [m])],
    'throughput-raw': [m, () => a.evaluate(([n]) => B.rawThroughput('pair', n, 8192), [m])],
    'throughput100-signal': [4 * m, () => a.evaluate(([n]) => { B.useLib('main'); return B.msThroughput('b', n, 100, 256); }, [4 * m])],
    'throughput100-raw': [4 * m, () => a.evaluate(([n]) => B.rawThroughput('pair', n, 100), [4 * m])],
  };
  return profileScenarios(context, a, b, scenarios);
}

/**
 * The fan-out: page 0 broadcasts to the 7 others (mesh-signal) or sends to and hears back from
 * them (raw); the sender and one receiver (page 1) are profiled. `count` = broadcasts.
 */
export async function profileFanout(pages, keys, { context, quick }) {
  const n = quick ? 5 : 200;
  const payload = 'x'.repeat(32);
  const scenarios = {
    'fanout-signal': [n, () => pages[0].evaluate(([n, p]) => B.msFanout(n, 0, p), [n, payload])],
    'fanout-raw': [n, () => pages[0].evaluate(([k, n, p]) => B.rawFanout(k, n, 0, p), [keys, n, payload])],
  };
  return profileScenarios(context, pages[0], pages[1], scenarios);
}

/** Runs each scenario with the sender `a` and the receiver `b` profiled. */
async function profileScenarios(context, a, b, scenarios) {
  const dir = path.join(ROOT, 'bench', 'profiles');
  mkdirSync(dir, { recursive: true });
  const out = {};
  for (const [name, [count, run]] of Object.entries(scenarios)) {
    const stops = [await startProfiler(context, a), await startProfiler(context, b)];
    const t0 = Date.now();
    await run();
    const wallMs = Date.now() - t0;
    const [pa, pb] = await Promise.all(stops.map((s) => s()));
    writeFileSync(path.join(dir, `${name}-sender.cpuprofile`), JSON.stringify(pa));
    writeFileSync(path.join(dir, `${name}-receiver.cpuprofile`), JSON.stringify(pb));
    out[name] = { wallMs, count, sender: summarizeProfile(pa), receiver: summarizeProfile(pb) };
  }
  return out;
}
