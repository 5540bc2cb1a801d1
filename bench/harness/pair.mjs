// Two pages, three channels between them, measured interleaved round by round so that drift on a
// shared machine hits all three alike:
//   raw    — an RTCPeerConnection pair set up in-page, SDP relayed between the pages by playwright
//            (non-trickle: each side waits for gathering to complete), one ordered reliable channel
//   peerjs — a PeerJS DataConnection (reliable: true, serialization 'json') via the PeerServer
//   signal — mesh-signal: a two-member session, directed signal() whose promise resolves on the ack
import { openPages, closePages, rawPair, pageServer } from '../lib/browser.mjs';
import { summarize, ratio } from '../lib/stats.mjs';
import { withTimeout } from '../lib/server.mjs';
import { readFileSync } from 'node:fs';

const uniq = () => Math.random().toString(36).slice(2, 8);
/**
 * The pair's session options. BENCH_PERSIST=off turns the persistent outbox off (`persist: false`)
 * to see what its IndexedDB writes cost: by default (persist on, what users get) every signal
 * still unacknowledged at the end of its task is written, and deleted once acknowledged.
 * `maxSignalsPerSecond` is raised as an app that streams this fast would: the default, 2000 per
 * second from one connection (a flood limit, README), refuses the 100-byte run's ~20 000 with 429.
 */
export const SESSION_OPTIONS = { ackTimeout: 60_000, maxSignalsPerSecond: 1_000_000, ...(process.env.BENCH_PERSIST === 'off' ? { persist: false } : {}) };
/**
 * The ALT build's (BENCH_ALT) session options: BENCH_ALT_PERSIST=off gives it `persist: false`, so
 * `BENCH_ALT=dist/mesh-signal.js BENCH_ALT_PERSIST=off` shows the outbox's cost side by side.
 */
const ALT_SESSION_OPTIONS = { ...SESSION_OPTIONS, ...(process.env.BENCH_ALT_PERSIST === 'off' ? { persist: false } : {}) };

export async function setupPair({ context, server, withLib }) {
  const [a, b] = await openPages(context, server, 2);
  const ps = pageServer(server);
  const tag = uniq();
  await rawPair(a, b, 'pair');
  await b.evaluate(([id, s]) => B.pjOpen(id, s), [`pair-b-${tag}`, ps]);
  await a.evaluate(([id, s]) => B.pjOpen(id, s), [`pair-a-${tag}`, ps]);
  await a.evaluate((id) => B.pjConnect(id), `pair-b-${tag}`);
  await b.evaluate((id) => B.pjWaitConn(id), `pair-a-${tag}`);
  if (withLib) {
    await Promise.all([a.evaluate(() => B.msLoad()), b.evaluate(() => B.msLoad())]);
    const sid = `pair-${tag}`;
    await Promise.all([
      // ackTimeout 60 s instead of 10 s: under CPU contention (a shared 2-core machine) 256
      // signals of 8 KB in flight can take longer than 10 s to be acknowledged; the bench
      // measures the rate, it does not test the timeout.
      a.evaluate(([sid, s, o]) => B.msJoinStart(sid, 'a', ['b'], s, o), [sid, ps, SESSION_OPTIONS]),
      b.evaluate(([sid, s, o]) => B.msJoinStart(sid, 'b', ['a'], s, o), [sid, ps, SESSION_OPTIONS]),
    ]);
    await Promise.all([a.evaluate(() => B.msJoinWait(20_000)), b.evaluate(() => B.msJoinWait(20_000))]);
    if (process.env.BENCH_ALT) {
      const sid2 = `pair-alt-${tag}`;
      await Promise.all([a, b].map((p) => p.evaluate(() => { B.useLib('alt'); return B.msLoad(); })));
      await Promise.all([
        a.evaluate(([sid, s, o]) => B.msJoinStart(sid, 'a', ['b'], s, o), [sid2, ps, ALT_SESSION_OPTIONS]),
        b.evaluate(([sid, s, o]) => B.msJoinStart(sid, 'b', ['a'], s, o), [sid2, ps, ALT_SESSION_OPTIONS]),
      ]);
      await Promise.all([a.evaluate(() => B.msJoinWait(20_000)), b.evaluate(() => B.msJoinWait(20_000))]);
      await Promise.all([a, b].map((p) => p.evaluate(() => B.useLib('main'))));
    }
  }
  return { a, b, pjB: `pair-b-${tag}`, close: () => closePages([a, b]) };
}

export async function latency(pair, ctx) {
  const { quick, withLib, payload = 'x'.repeat(32) } = ctx;
  const rounds = quick ? 1 : ctx.rounds ?? 10;
  // 300 per round: enough for the CPU-time figure (10 ms granularity) to mean something per round.
  const iters = quick ? 5 : 300;
  const warmup = quick ? 2 : 30;
  const s = { raw: [], peerjs: [], signal: [] };
  const { a, pjB } = pair;
  const runs = {
    raw: () => a.evaluate(([n, w, p]) => B.rawPingPong('pair', n, w, p), [iters, warmup, payload]),
    peerjs: () => a.evaluate(([id, n, w, p]) => B.pjPingPong(id, n, w, p), [pjB, iters, warmup, payload]),
    signal: () => a.evaluate(([n, w, p]) => { B.useLib('main'); return B.msPingPong('b', n, w, p); }, [iters, warmup, payload]),
    alt: () => a.evaluate(([n, w, p]) => { B.useLib('alt'); return B.msPingPong('b', n, w, p); }, [iters, warmup, payload]),
  };
  const names = withLib ? ['raw', 'peerjs', 'signal', ...(process.env.BENCH_ALT ? ['alt'] : [])] : ['raw', 'peerjs'];
  s.alt = [];
  const cpu = Object.fromEntries(names.map((n) => [n, []])); // µs of Chromium CPU per round trip, per round
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(r + k) % names.length]; // rotate the order each round
      const c0 = await ctx.cpu?.();
      s[name].push(...(await withTimeout(runs[name](), 60_000, `latency ${name} round ${r}`)));
      const c1 = await ctx.cpu?.();
      if (c0) cpu[name].push(((c1.total - c0.total) * 1000) / (iters + warmup));
    }
  }
  const out = { unit: 'ms round trip', payloadChars: payload.length, rounds, itersPerRound: iters, raw: summarize(s.raw), peerjs: summarize(s.peerjs) };
  if (withLib) {
    out.signal = summarize(s.signal);
    out.ratioSignalRaw = { median: ratio(out.signal.median, out.raw.median), p95: ratio(out.signal.p95, out.raw.p95) };
    if (s.alt.length) {
      out.alt = { lib: process.env.BENCH_ALT, ...summarize(s.alt) };
      out.ratioAltRaw = { median: ratio(out.alt.median, out.raw.median), p95: ratio(out.alt.p95, out.raw.p95) };
    }
  }
  out.ratioPeerjsRaw = { median: ratio(out.peerjs.median, out.raw.median), p95: ratio(out.peerjs.p95, out.raw.p95) };
  if (ctx.cpu) out.cpuUsPerRoundTrip = cpuSummary(cpu, 'raw');
  return out;
}

/**
 * Messages per second, one figure per run: raw = `count` 8 KB strings flow-controlled with
 * bufferedamountlow (high water 1 MiB, low 256 KiB), timed to the echo of the last one (ordered, so
 * all arrived); signal = `count` 8192-byte signals with at most `window` unacknowledged, timed to
 * the last ack, for each window in `windows` (the first is the headline figure). p95 is the slow
 * tail: the rate of the 95th-percentile run duration.
 */
export async function throughput(pair, ctx) {
  const { quick, withLib, size = 8192, windows = [256, 32] } = ctx;
  const rounds = quick ? 1 : ctx.rounds ?? 8;
  const count = quick ? 20 : ctx.count ?? 1000;
  const { a } = pair;
  // Warm-up: the first burst on a new channel is slower (reference).
  await a.evaluate(([n, z]) => B.rawThroughput('pair', n, z), [quick ? 5 : 300, size]);
  if (withLib) await a.evaluate(([n, z, w]) => B.msThroughput('b', n, z, w), [quick ? 5 : 300, size, windows[0]]);
  const alt = withLib && process.env.BENCH_ALT;
  const names = ['raw', ...(withLib ? windows.map((w) => `signal${w}`) : []), ...(alt ? windows.map((w) => `alt${w}`) : [])];
  if (alt) await a.evaluate(([n, z, w]) => { B.useLib('alt'); return B.msThroughput('b', n, z, w); }, [quick ? 5 : 300, size, windows[0]]);
  const s = Object.fromEntries(names.map((n) => [n, []]));
  const cpu = Object.fromEntries(names.map((n) => [n, []])); // µs of Chromium CPU per message, per round
  const udp = Object.fromEntries(names.map((n) => [n, []])); // UDP datagrams dropped (receive buffer full), per round
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(r + k) % names.length];
      const c0 = await ctx.cpu?.();
      const u0 = udpCounters();
      const ms = name === 'raw'
        ? await a.evaluate(([n, z]) => B.rawThroughput('pair', n, z), [count, size])
        : await a.evaluate(([n, z, w, tag]) => { B.useLib(tag); return B.msThroughput('b', n, z, w); }, [count, size, Number(name.replace(/^\D+/, '')), name.startsWith('alt') ? 'alt' : 'main']);
      s[name].push(ms);
      const u1 = udpCounters();
      if (u0 && u1) udp[name].push(u1.RcvbufErrors - u0.RcvbufErrors);
      const c1 = await ctx.cpu?.();
      if (c0) cpu[name].push(((c1.total - c0.total) * 1000) / count);
    }
  }
  const rate = (durs) => {
    const d = summarize(durs);
    return { n: d.n, median: Math.round((count * 1000) / d.median), p95: Math.round((count * 1000) / d.p95) };
  };
  const out = { unit: 'msgs/s', messageBytes: size, countPerRun: count, window: windows[0], windows, rounds, raw: rate(s.raw) };
  if (withLib) {
    out.signal = rate(s[`signal${windows[0]}`]);
    out.ratioSignalRaw = { median: ratio(out.signal.median, out.raw.median), p95: ratio(out.signal.p95, out.raw.p95) };
    out.byWindow = windows.map((w) => {
      const x = rate(s[`signal${w}`]);
      return { window: w, ...x, ratio: { median: ratio(x.median, out.raw.median), p95: ratio(x.p95, out.raw.p95) } };
    });
    if (alt) out.altByWindow = windows.map((w) => {
      const x = rate(s[`alt${w}`]);
      return { lib: alt, window: w, ...x, ratio: { median: ratio(x.median, out.raw.median), p95: ratio(x.p95, out.raw.p95) } };
    });
  }
  if (ctx.cpu) out.cpuUsPerMessage = cpuSummary(cpu, 'raw');
  // Loopback drops when a starved receiver's UDP socket buffer fills; SCTP then waits for a
  // retransmission timeout, which is what makes single runs take seconds (the p95 column).
  if (udpCounters()) {
    out.udpRcvbufErrors = Object.fromEntries(Object.entries(udp).map(([k, v]) => [k, { perRound: v, runsWithDrops: v.filter((x) => x > 0).length }]));
    out.slowRuns = Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v.map((d) => Math.round(d))]));
  }
  return out;
}

/** Linux UDP counters of this network namespace (/proc/net/snmp), or null elsewhere. */
function udpCounters() {
  try {
    const lines = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Udp:'));
    const [head, vals] = lines.map((l) => l.split(/\s+/).slice(1));
    return Object.fromEntries(head.map((h, i) => [h, Number(vals[i])]));
  } catch {
    return null;
  }
}

/** Per-name median/p95 of CPU µs per message, and each median's ratio to the baseline's. */
function cpuSummary(cpu, base) {
  const out = { unit: 'µs CPU (all Chromium processes) per message', note: '10 ms process-time granularity per round' };
  for (const [name, xs] of Object.entries(cpu)) if (xs.length) out[name] = summarize(xs);
  for (const name of Object.keys(out)) if (out[name]?.median !== undefined && name !== base) out[name].ratio = ratio(out[name].median, out[base].median);
  return out;
}
