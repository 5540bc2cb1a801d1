// Eight pages: join (mesh formation) and fan-out.
//
// Join, per run: every page is loaded and has the library imported beforehand; then all pages
// are told to join at once (playwright evaluates in parallel). Each page records the epoch time
// (performance.timeOrigin + now(): one clock for all pages of the browser) just before
// `connect()` / `new Peer()`, and when it has seen every other page (connectionCreated for all 7 /
// 7 open DataConnections). Figure = last page done − last page's start.
//   signal — initSession + connect({ data: name }), one fresh session id per run
//   peerjs — all-pairs by hand: new Peer(id), then connect(reliable, json) to every lower id
// Runs alternate which library goes first. Pages are reloaded between runs.
// Late joiner (second figure): 7 pages have formed their mesh (untimed); the 8th starts; figure =
// when the last of the 8 has seen everyone (the 7 see the newcomer, it sees the 7) − its start.
//
// Fan-out (on the same 8 pages, reloaded): page 0 sends one small message to all 7 others and waits
// for all replies: raw = 7 raw RTCDataChannels (page 0 ↔ page i, SDP relayed by playwright),
// sends + echoes; peerjs = the 7 DataConnections of the PeerJS mesh, sends + echoes;
// signal = signal({ type, data }) without `to` (OpenTok: every connection, the sender
// included, so 8 acks of which one is local) resolving when every ack is in.
import { openPages, closePages, rawPair, pageServer } from '../lib/browser.mjs';
import { summarize, ratio } from '../lib/stats.mjs';
import { withTimeout } from '../lib/server.mjs';

const uniq = () => Math.random().toString(36).slice(2, 8);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function group({ context, server, quick, withLib, rounds, profile, pagesCount = 8 }) {
  const N = pagesCount;
  const pages = await openPages(context, server, N);
  const ps = pageServer(server);
  const names = pages.map((_, i) => `p${i}`);
  const runs = quick ? 1 : rounds ?? 8;
  const s = { signal: [], peerjs: [], signalFromFirst: [], peerjsFromFirst: [], signalLate: [], peerjsLate: [] };
  const reload = () => Promise.all(pages.map((p) => p.reload({ timeout: 15_000 }).then(() => p.waitForFunction(() => window.B?.ready, null, { timeout: 15_000 }))));
  const others = (i, upto = N) => names.slice(0, upto).filter((_, j) => j !== i);
  const failures = [];
  // A join that does not complete is a result too: record what each page had, go on with the next run.
  const attempt = async (label, fn) => {
    try {
      await fn();
    } catch (e) {
      const state = await Promise.all(pages.map((p) => p.evaluate(() => ({
        ms: B.ms?.session ? `${B.ms.name}: connect() ${B.ms.connectState}; sees ${[...B.ms.conns.keys()].filter((n) => n !== B.ms.name).sort().join(',')}` : '-',
        pj: B.pj?.peer ? [...B.pj.conns.keys()].length : '-',
      })).catch((x) => ({ error: String(x.message ?? x).slice(0, 80) }))));
      failures.push({ label, error: String(e.message ?? e).split('\n')[0].slice(0, 300), pages: state });
      console.error(`bench: join ${label} failed: ${String(e.message ?? e).split('\n')[0]}`);
    }
  };
  try {
    for (let r = 0; r < runs; r++) {
      const order = withLib ? (r % 2 ? ['peerjs', 'signal'] : ['signal', 'peerjs']) : ['peerjs'];
      for (const lib of order) {
        await attempt(`${lib} all-at-once run ${r}`, async () => {
        // 1. all 8 join at once
        await reload();
        let starts, dones;
        if (lib === 'signal') {
          await Promise.all(pages.map((p) => p.evaluate(() => B.msLoad())));
          const sid = `join-${uniq()}`;
          starts = await Promise.all(pages.map((p, i) => p.evaluate(([sid, n, o, s]) => B.msJoinStart(sid, n, o, s), [sid, names[i], others(i), ps])));
          dones = await Promise.all(pages.map((p) => p.evaluate(() => B.msJoinWait(30_000))));
        } else {
          const ids = names.map((n) => `pj-${uniq()}-${n}`);
          starts = await Promise.all(pages.map((p, i) => p.evaluate(([ids, self, s]) => B.pjMeshStart(ids, self, s), [ids, ids[i], ps])));
          dones = await Promise.all(pages.map((p) => p.evaluate(() => B.pjMeshWait(30_000))));
        }
        s[lib].push(Math.max(...dones) - Math.max(...starts));
        s[lib + 'FromFirst'].push(Math.max(...dones) - Math.min(...starts));
        });

        await attempt(`${lib} late-joiner run ${r}`, async () => {
        // 2. late joiner: 7 pages form their mesh (untimed), then page 7 joins
        await reload();
        const L = N - 1;
        const early = pages.slice(0, L);
        const late = pages[L];
        if (lib === 'signal') {
          await Promise.all(pages.map((p) => p.evaluate(() => B.msLoad())));
          const sid = `late-${uniq()}`;
          await Promise.all(early.map((p, i) => p.evaluate(([sid, n, o, s]) => B.msJoinStart(sid, n, o, s), [sid, names[i], others(i, L), ps])));
          await Promise.all(early.map((p) => p.evaluate(() => B.msJoinWait(30_000))));
          await Promise.all(early.map((p) => p.evaluate((n) => B.msExpect([n]), names[L])));
          const t0 = await late.evaluate(([sid, n, o, s]) => B.msJoinStart(sid, n, o, s), [sid, names[L], others(L), ps]);
          const d = await Promise.all([late.evaluate(() => B.msJoinWait(30_000)), ...early.map((p) => p.evaluate(() => B.msExpectWait(30_000)))]);
          s.signalLate.push(Math.max(...d) - t0);
        } else {
          const ids = names.map((n) => `pjl-${uniq()}-${n}`);
          await Promise.all(early.map((p, i) => p.evaluate(([ids, self, s]) => B.pjMeshStart(ids, self, s), [ids.slice(0, L), ids[i], ps])));
          await Promise.all(early.map((p) => p.evaluate(() => B.pjMeshWait(30_000))));
          await Promise.all(early.map((p) => p.evaluate((id) => B.pjExpect([id]), ids[L])));
          const t0 = await late.evaluate(([ids, self, s]) => B.pjMeshStart(ids, self, s), [ids, ids[L], ps]);
          const d = await Promise.all([late.evaluate(() => B.pjMeshWait(30_000)), ...early.map((p) => p.evaluate(() => B.pjExpectWait(30_000)))]);
          s.peerjsLate.push(Math.max(...d) - t0);
        }
        });
      }
    }
  } catch (e) {
    await closePages(pages);
    throw e;
  }
  // Fan-out on fresh pages: raw star, PeerJS mesh and a mesh-signal session, built untimed.
  const fanout = await fanoutOn(pages, { ps, names, quick, withLib, rounds, profile, context });
  await closePages(pages);

  const join = {
    unit: 'ms', pages: N, runs, from: "last page's start", failures,
    peerjs: summarize(s.peerjs), peerjsFromFirstStart: summarize(s.peerjsFromFirst), peerjsLateJoiner: summarize(s.peerjsLate),
  };
  if (withLib) {
    join.signal = summarize(s.signal);
    join.signalFromFirstStart = summarize(s.signalFromFirst);
    join.signalLateJoiner = summarize(s.signalLate);
    join.ratioSignalPeerjs = { median: ratio(join.signal.median, join.peerjs.median), p95: ratio(join.signal.p95, join.peerjs.p95) };
    join.ratioLateSignalPeerjs = { median: ratio(join.signalLateJoiner.median, join.peerjsLateJoiner.median), p95: ratio(join.signalLateJoiner.p95, join.peerjsLateJoiner.p95) };
  }
  return { join, fanout };
}

async function fanoutOn(pages, { ps, names, quick, withLib, rounds: roundsArg, profile, context }) {
  const N = pages.length;
  await Promise.all(pages.map((p) => p.reload({ timeout: 15_000 }).then(() => p.waitForFunction(() => window.B?.ready, null, { timeout: 15_000 }))));
  const others = pages.slice(1);
  // raw: page 0 ↔ page i
  for (let i = 1; i < N; i++) await rawPair(pages[0], pages[i], `fan${i}`);
  // PeerJS mesh (all pairs; page 0 uses its 7 connections)
  const ids = names.map((n) => `pjf-${uniq()}-${n}`);
  await Promise.all(pages.map((p, i) => p.evaluate(([ids, self, s]) => B.pjMeshStart(ids, self, s), [ids, ids[i], ps])));
  await Promise.all(pages.map((p) => p.evaluate(() => B.pjMeshWait(30_000))));
  if (withLib) {
    await Promise.all(pages.map((p) => p.evaluate(() => B.msLoad())));
    const sid = `fan-${uniq()}`;
    await Promise.all(pages.map((p, i) => p.evaluate(([sid, n, o, s]) => B.msJoinStart(sid, n, o, s), [sid, names[i], names.filter((_, j) => j !== i), ps])));
    await Promise.all(pages.map((p) => p.evaluate(() => B.msJoinWait(30_000))));
  }
  await sleep(200);
  const rounds = quick ? 1 : roundsArg ?? 10;
  const iters = quick ? 3 : 50;
  const warmup = quick ? 1 : 10;
  const payload = 'x'.repeat(32);
  const keys = others.map((_, i) => `fan${i + 1}`);
  const s = { raw: [], peerjs: [], signal: [] };
  const fns = {
    raw: () => pages[0].evaluate(([k, n, w, p]) => B.rawFanout(k, n, w, p), [keys, iters, warmup, payload]),
    peerjs: () => pages[0].evaluate(([k, n, w, p]) => B.pjFanout(k, n, w, p), [ids.slice(1), iters, warmup, payload]),
    signal: () => pages[0].evaluate(([n, w, p]) => B.msFanout(n, w, p), [iters, warmup, payload]),
  };
  const libs = withLib ? ['raw', 'peerjs', 'signal'] : ['raw', 'peerjs'];
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < libs.length; k++) {
      const lib = libs[(r + k) % libs.length];
      s[lib].push(...(await withTimeout(fns[lib](), 60_000, `fan-out ${lib} round ${r}`)));
    }
  }
  const out = { unit: 'ms', peers: N - 1, rounds, itersPerRound: iters, payloadChars: payload.length, raw: summarize(s.raw), peerjs: summarize(s.peerjs) };
  out.ratioPeerjsRaw = { median: ratio(out.peerjs.median, out.raw.median), p95: ratio(out.peerjs.p95, out.raw.p95) };
  if (withLib) {
    out.signal = summarize(s.signal);
    out.ratioSignalRaw = { median: ratio(out.signal.median, out.raw.median), p95: ratio(out.signal.p95, out.raw.p95) };
  }
  if (profile && withLib) {
    const { profileFanout } = await import('./profile.mjs');
    out.profile = await profileFanout(pages, keys, { context, quick });
  }
  return out;
}
