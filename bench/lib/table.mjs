// The human-readable table of a results object (also what goes in the README).
const f = (x, d = 2) => (x === undefined || x === null || Number.isNaN(x) ? '—' : typeof x === 'number' ? (Number.isInteger(x) ? String(x) : x.toFixed(d)) : String(x));

export function tableRows(r) {
  const rows = [];
  const add = (bench, what, median, p95, vs, ratioMed, ratioP95, goal) => rows.push([bench, what, f(median), f(p95), vs, f(ratioMed), f(ratioP95), goal ?? '']);
  if (r.latency) {
    const L = r.latency;
    add('latency (ms RTT)', 'raw RTCDataChannel ping-pong', L.raw.median, L.raw.p95, '', '', '');
    add('', 'PeerJS DataConnection json', L.peerjs.median, L.peerjs.p95, '/raw', L.ratioPeerjsRaw?.median, L.ratioPeerjsRaw?.p95);
    if (L.alt) add('', `ALT ${L.alt.lib} signal→ack`, L.alt.median, L.alt.p95, '/raw', L.ratioAltRaw.median, L.ratioAltRaw.p95);
    if (L.signal) add('', 'mesh-signal signal→ack', L.signal.median, L.signal.p95, '/raw', L.ratioSignalRaw.median, L.ratioSignalRaw.p95, goal(L.ratioSignalRaw.median <= GOALS.latency, `≤${GOALS.latency}×`));
  }
  if (r.latency?.cpuUsPerRoundTrip) {
    const C = r.latency.cpuUsPerRoundTrip;
    add('latency: CPU µs per round trip', 'raw', C.raw.median, C.raw.p95, '', '', '');
    for (const k of Object.keys(C)) if (!['raw', 'unit', 'note'].includes(k)) add('', k, C[k].median, C[k].p95, '/raw', C[k].ratio, '');
  }
  if (r.throughput) {
    const T = r.throughput;
    add('throughput (8 KB msgs/s)', 'raw, bufferedamountlow', T.raw.median, T.raw.p95, '', '', '');
    if (T.signal) add('', `mesh-signal acked, ${T.window} in flight`, T.signal.median, T.signal.p95, '/raw', T.ratioSignalRaw.median, T.ratioSignalRaw.p95, goal(T.ratioSignalRaw.median >= GOALS.throughput8k, `≥${GOALS.throughput8k}×`));
    for (const w of (T.byWindow ?? []).slice(1)) add('', `mesh-signal acked, ${w.window} in flight`, w.median, w.p95, '/raw', w.ratio.median, w.ratio.p95);
    for (const w of T.altByWindow ?? []) add('', `ALT ${w.lib}, ${w.window} in flight`, w.median, w.p95, '/raw', w.ratio.median, w.ratio.p95);
  }
  if (r.throughputSmall) {
    const T = r.throughputSmall;
    add(`throughput (${T.messageBytes} B msgs/s)`, 'raw, bufferedamountlow', T.raw.median, T.raw.p95, '', '', '');
    if (T.signal) add('', `mesh-signal acked, ${T.window} in flight`, T.signal.median, T.signal.p95, '/raw', T.ratioSignalRaw.median, T.ratioSignalRaw.p95, goal(T.ratioSignalRaw.median >= GOALS.throughputSmall, `≥${GOALS.throughputSmall}×`));
    for (const w of T.altByWindow ?? []) add('', `ALT ${w.lib}, ${w.window} in flight`, w.median, w.p95, '/raw', w.ratio.median, w.ratio.p95);
    const C = T.cpuUsPerMessage;
    if (C) for (const k of Object.keys(C)) if (!['unit', 'note'].includes(k)) add('', `CPU µs per ${T.messageBytes} B msg: ${k}`, C[k].median, C[k].p95, k === 'raw' ? '' : '/raw', C[k].ratio ?? '', '');
  }
  if (r.throughput?.cpuUsPerMessage) {
    const C = r.throughput.cpuUsPerMessage;
    add('throughput: CPU µs per 8 KB msg', 'raw', C.raw.median, C.raw.p95, '', '', '');
    for (const k of Object.keys(C)) if (!['raw', 'unit', 'note'].includes(k)) add('', k, C[k].median, C[k].p95, '/raw', C[k].ratio, '');
  }
  if (r.throughput?.udpRcvbufErrors) {
    const U = r.throughput.udpRcvbufErrors;
    add('throughput: runs with UDP drops', Object.entries(U).map(([k, v]) => `${k} ${v.runsWithDrops}/${v.perRound.length}`).join(', '), '', '', '', '', '');
  }
  if (r.join) {
    const J = r.join;
    add(`join ${J.pages} pages at once (ms)`, 'PeerJS all-pairs by hand', J.peerjs.median, J.peerjs.p95, '', '', '');
    if (J.signal) add('', 'mesh-signal connect()→all connectionCreated', J.signal.median, J.signal.p95, '/PeerJS', J.ratioSignalPeerjs.median, J.ratioSignalPeerjs.p95, goal(J.ratioSignalPeerjs.median <= GOALS.join, `≤${GOALS.join}×`));
    if (J.peerjsLateJoiner) add(`late 8th joiner (ms)`, 'PeerJS: connects to 7', J.peerjsLateJoiner.median, J.peerjsLateJoiner.p95, '', '', '');
    if (J.signalLateJoiner) add('', 'mesh-signal: connect()→all 8 see all', J.signalLateJoiner.median, J.signalLateJoiner.p95, '/PeerJS', J.ratioLateSignalPeerjs.median, J.ratioLateSignalPeerjs.p95, goal(J.ratioLateSignalPeerjs.median <= GOALS.lateJoiner, `≤${GOALS.lateJoiner}×`));
  }
  if (r.fanout) {
    const F = r.fanout;
    add(`fan-out to ${F.peers} (ms)`, `raw: ${F.peers} sends + echoes`, F.raw.median, F.raw.p95, '', '', '');
    if (F.peerjs) add('', `PeerJS: ${F.peers} sends + echoes`, F.peerjs.median, F.peerjs.p95, '/raw', F.ratioPeerjsRaw?.median, F.ratioPeerjsRaw?.p95);
    if (F.signal) add('', 'mesh-signal broadcast→every ack', F.signal.median, F.signal.p95, '/raw', F.ratioSignalRaw.median, F.ratioSignalRaw.p95, goal(F.ratioSignalRaw.median <= GOALS.fanout, `≤${GOALS.fanout}×`));
  }
  if (r.bundle) {
    const kb = r.bundle.total.gzip / 1000;
    add('bundle (KB min+gzip)', `JS a page loads to join through a PeerServer (${r.bundle.total.files ?? 1} files; secret +${r.bundle.loads ? ((r.bundle.loads.withSecret.gzip - r.bundle.total.gzip) / 1000).toFixed(1) : '?'}, invites +${r.bundle.loads ? ((r.bundle.loads.withInvites.gzip - r.bundle.total.gzip) / 1000).toFixed(1) : '?'} KB)`, Math.round(kb * 10) / 10, '', '', '', '', goal(kb <= GOALS.bundleKB, `≤${GOALS.bundleKB} KB`));
  }
  return rows;
}

/** The goals of issue 10 (ratios of figures measured side by side in one run). */
export const GOALS = { latency: 1.1, throughput8k: 0.9, throughputSmall: 0.8, fanout: 1.1, join: 1, lateJoiner: 1, bundleKB: 45 };

const goal = (ok, text) => `${text} ${ok ? 'met' : 'MISSED'}`;

export function printTable(r) {
  console.log('\n' + renderMarkdown(r));
}

/** The whole report as markdown (printed, and written to bench/RESULTS.md for the README). */
export function renderMarkdown(r) {
  const lines = [];
  const log = (...x) => lines.push(x.join(' '));
  renderInto(r, { log });
  return lines.join('\n');
}

function renderInto(r, console) {
  const m = r.machine ?? {};
  console.log(`mesh-signal bench — ${r.date} — \`${r.command}\``);
  if (r.library) console.log(`library: ${r.library.file} at ${r.library.gitHead}${r.library.srcUncommitted && !process.env.BENCH_LIB ? ' + uncommitted src/ changes' : ''}${r.library.alt ? `; ALT ${r.library.alt}` : ''}`);
  console.log(`machine: ${m.nproc} cores (${m.cpu}), ${m.memGiB} GiB, node ${m.node}, Chromium ${m.chromium ?? '—'}; server: ${r.server ?? '—'}`);
  for (const u of r.updates ?? []) console.log(`updated ${u.parts.join(', ')}: ${u.date} — \`${u.command}\` (${u.library?.bundleSrc && u.library.bundleSrc !== 'src' ? `src from ${u.library.bundleSrc}, ` : ''}HEAD ${u.library?.gitHead ?? '?'}${u.library?.srcUncommitted && (u.library?.bundleSrc ?? 'src') === 'src' ? ' + uncommitted src/ changes' : ''})`);
  const rows = tableRows(r);
  if (rows.length) console.log('\n' + markdown(['bench', 'what', 'median', 'p95', 'ratio', '× median', '× p95', 'goal'], rows));
  if (r.scale) {
    console.log('\nscale (in-memory transport, Node): mesh formation + one broadcast');
    console.log(markdown(['N', 'links N(N-1)/2', 'CPU ms (median)', 'CPU ms p95', 'frames sent', 'frames/link', 'CPU µs/link'],
      r.scale.rows.map((x) => [x.n, x.links, f(x.cpuMs.median, 1), f(x.cpuMs.p95, 1), x.frames, f(x.frames / x.links, 2), f((x.cpuMs.median * 1000) / x.links, 1)])));
    if (r.scale.growth) {
      const g = r.scale.growth;
      console.log(`\ngrowth exponent k in cost ∝ N^k (log-log fit, 8…64): CPU ${f(g.cpu)} (formation ${f(g.formationCpu)}, broadcast ${f(g.broadcastCpu)}); frames ${f(g.frames)} — goal ≤ 2 (O(N²)): ${Math.max(g.cpu, g.frames) <= 2 ? 'met' : 'MISSED'}`);
    }
  }
  if (r.scale?.mesh) renderMeshScale(r.scale.mesh, console);
  if (r.bundle) {
    const b = r.bundle;
    console.log(`\nbundle dist/mesh-signal.js: ${b.total.min} B minified, ${b.total.gzip} B gzip (budget ${b.budget?.gzip ?? '—'} B gzip: ${b.budget ? (b.total.gzip <= b.budget.gzip ? 'within' : 'OVER') : '—'}); gzip = zlib level 9; share = gzip × part's share of minified bytes; marginal = whole − bundle without it`);
    console.log(markdown(['part', 'min B in bundle', 'gzip B (share)', 'gzip B marginal', 'alone min+gz B'], b.parts.map((p) => [p.name, p.min, p.gzipShare, p.marginalGzip ?? '—', p.aloneGzip ?? '—'])));
  }
  if (r.profile) {
    for (const [name, p] of Object.entries(r.profile)) {
      for (const side of ['sender', 'receiver']) {
        const x = p[side];
        const per = (ms) => f((ms * 1000) / p.count, 1);
        console.log(`\nprofile ${name} ${side}: ${p.count} messages, wall ${p.wallMs} ms, main thread busy ${x.busyMs} ms = ${per(x.busyMs)} µs per message`);
        console.log(markdown(['module (self time)', 'µs/msg', '%'], x.byModule.filter((y) => y.fn !== '(idle)').slice(0, 8).map((y) => [y.fn, per(y.ms), y.pct])));
        console.log(markdown(['function (self time)', 'µs/msg', '%'], x.self.filter((y) => y.fn !== '(idle)').slice(0, 10).map((y) => [y.fn, per(y.ms), y.pct])));
      }
    }
  }
  for (const f of r.join?.failures ?? []) console.log(`JOIN FAILED (${f.label}): ${f.error}; per page ${JSON.stringify(f.pages)}`);
  for (const n of r.notes ?? []) console.log(`note: ${n}`);
}

export function markdown(head, rows) {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => '| ' + cells.map((c, i) => String(c).padEnd(w[i])).join(' | ') + ' |';
  return [line(head), '| ' + w.map((x) => '-'.repeat(x)).join(' | ') + ' |', ...rows.map(line)].join('\n');
}

/** Figure 5, mesh variant: real mesh transports over the in-memory rendezvous and links. */
function renderMeshScale(m, console) {
  const kb = (b) => f(b / 1024, 1);
  for (const key of ['seq', 'burst']) {
    const v = m[key];
    if (!v) continue;
    console.log(`\nscale, mesh variant (${m.transport}, Node), members joining ${v.join}: formation + one broadcast until every ack; frames and bytes counted on one run per N, CPU the median of the others`);
    console.log(markdown(['N', 'CPU ms formation (median)', 'CPU ms broadcast', 'CPU ms p95 (both)', 'frames', 'KiB sent', 'B/link', 'm.hello', 'm.sdp', 'm.peers frames', 'm.peers KiB', 'bootstrap frames', 'sig+ack', 'm.bye at disconnect'],
      v.rows.map((x) => {
        const k = x.formationKinds;
        const boot = Object.entries(k).filter(([n]) => n.endsWith('(bootstrap)')).reduce((a, [, y]) => a + y.frames, 0);
        const bc = Object.values(x.broadcastKinds).reduce((a, y) => a + y.frames, 0);
        return [x.n, f(x.formationCpuMs.median, 1), f(x.broadcastCpuMs.median, 2), f(x.cpuMs.p95, 1), x.frames, kb(x.bytes), f(x.bytes / x.links, 0), k['m.hello']?.frames ?? 0, k['m.sdp']?.frames ?? 0, k['m.peers']?.frames ?? 0, kb(k['m.peers']?.bytes ?? 0), boot, bc, x.disconnectKinds?.['m.bye']?.frames ?? 0];
      })));
    const kinds = [...new Set(v.rows.flatMap((x) => [...Object.keys(x.formationKinds), ...Object.keys(x.broadcastKinds)]))];
    console.log(`\nthe same, frames / KiB by kind (formation and broadcast; N(N−1) itself fits as k = 2.06 on 8…64)`);
    console.log(markdown(['N', ...kinds], v.rows.map((x) => [x.n, ...kinds.map((k) => { const y = x.formationKinds[k] ?? x.broadcastKinds[k]; return y ? `${y.frames} / ${kb(y.bytes)}` : '—'; })])));
    const g = v.growth;
    if (g) {
      const worst = Object.entries(g.kinds).flatMap(([n, e]) => [[`${n} frames`, e.frames], [`${n} bytes`, e.bytes]]).filter(([, e]) => e > 2.2);
      console.log(`\ngrowth exponents (log-log fit, ${v.rows[0].n}…${v.rows.at(-1).n}): CPU ${f(g.cpu)} (formation ${f(g.formationCpu)}, broadcast ${f(g.broadcastCpu)}); frames ${f(g.frames)} (formation ${f(g.formationFrames)}, broadcast ${f(g.broadcastFrames)}); bytes ${f(g.bytes)} (formation ${f(g.formationBytes)}, broadcast ${f(g.broadcastBytes)}) — goal ≤ 2: ${Math.max(g.cpu, g.frames, g.bytes) <= 2.2 ? 'met' : 'MISSED'} (2.2 allowed for fit noise)`);
      console.log(`by formation kind (frames/bytes): ${Object.entries(g.kinds).map(([n, e]) => `${n} ${f(e.frames)}/${f(e.bytes)}`).join('; ')}${worst.length ? ` — above 2: ${worst.map(([n, e]) => `${n} ${f(e)}`).join(', ')}` : ''}`);
    }
  }
  if (m.burstError) console.log(`\nscale, mesh variant, all at once: FAILED: ${m.burstError}`);
  if (m.handlesLeft?.length) console.log(`note: after every mesh session disconnected, still active: ${m.handlesLeft.join(', ')}`);
}
