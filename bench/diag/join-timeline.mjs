#!/usr/bin/env node
// Diagnostic: where a late joiner's time goes. 7 pages form a session; page 8 joins with its
// WebSocket and RTCPeerConnection constructors instrumented (PeerServer messages, ICE gathering,
// connection states, data channels), and prints the timeline relative to its connect().
//   scripts/loopback.sh node bench/diag/join-timeline.mjs            (dist/mesh-signal.js)
//   BENCH_LIB=bench/out/mesh-signal-HEAD.js scripts/loopback.sh node bench/diag/join-timeline.mjs
// ALL=1 also prints every 'pc new' / 'gathering' line. CONCURRENT=1: all 8 join at once instead,
// timelines of pages 0 and 7.
import { startBenchServer } from '../lib/server.mjs';
import { launch, openPages, pageServer } from '../lib/browser.mjs';

const N = 8;
const server = await startBenchServer();
const { browser, context } = await launch();
const pages = await openPages(context, server, N);
const ps = pageServer(server);
const names = pages.map((_, i) => `p${i}`);
const others = (i, upto = N) => names.slice(0, upto).filter((_, j) => j !== i);

function instrument() {
  const T = (window.__tl = []);
  const t = (what) => T.push([performance.timeOrigin + performance.now(), what]);
  const WS = window.WebSocket;
  window.WebSocket = class extends WS {
    constructor(u, p) {
      super(u, p);
      t('ws new ' + String(u).replace(/&token=.*/, '').replace(/^.*\?/, ''));
      this.addEventListener('open', () => t('ws open'));
      this.addEventListener('message', (e) => { try { const m = JSON.parse(e.data); t(`ws msg ${m.type}${m.src ? ' from ' + m.src.slice(0, 12) : ''}`); } catch {} });
      const send = this.send.bind(this);
      this.send = (d) => { try { const m = JSON.parse(d); if (m.type !== 'HEARTBEAT') t(`ws send ${m.type}${m.dst ? ' to ' + m.dst.slice(0, 12) : ''}`); } catch {} return send(d); };
    }
  };
  const PC = window.RTCPeerConnection;
  let n = 0;
  window.RTCPeerConnection = class extends PC {
    constructor(c) {
      super(c);
      const k = ++n;
      t(`pc${k} new`);
      this.addEventListener('icegatheringstatechange', () => t(`pc${k} gathering ${this.iceGatheringState}`));
      this.addEventListener('connectionstatechange', () => t(`pc${k} ${this.connectionState}`));
      this.addEventListener('datachannel', (e) => e.channel.addEventListener('open', () => t(`pc${k} channel open (remote)`)));
      const cdc = this.createDataChannel.bind(this);
      this.createDataChannel = (label, o) => { const dc = cdc(label, o); dc.addEventListener('open', () => t(`pc${k} channel open`)); return dc; };
    }
  };
}

const show = (tl, t0) => {
  for (const [t, w] of tl) if (process.env.ALL || !/gathering gathering|pc\d+ new/.test(w)) console.log(`${(t - t0).toFixed(1).padStart(8)} ms  ${w}`);
};
const join = (p, sid, i, o) => p.evaluate(([sid, n, o, s]) => {
  const t = B.msJoinStart(sid, n, o, s);
  B.ms.session.on('connectionCreated', (e) => window.__tl?.push([performance.timeOrigin + performance.now(), 'connectionCreated ' + e.connection.data]));
  return t;
}, [sid, names[i], o, ps]);

try {
  if (process.env.CONCURRENT) {
    await Promise.all(pages.map((p) => p.evaluate(instrument)));
    await Promise.all(pages.map((p) => p.evaluate(() => B.msLoad())));
    const sid = `tlc-${Date.now()}`;
    const starts = await Promise.all(pages.map((p, i) => join(p, sid, i, others(i))));
    const done = await Promise.all(pages.map((p) => p.evaluate(() => B.msJoinWait(30_000))));
    const t0 = Math.max(...starts);
    console.log(`all 8 at once: ${(Math.max(...done) - t0).toFixed(1)} ms from the last connect(); per page ${done.map((d) => (d - t0).toFixed(0)).join(', ')}`);
    for (const i of [0, N - 1]) { console.log(`--- page ${i}`); show(await pages[i].evaluate(() => window.__tl), t0); }
  } else {
    await pages[N - 1].evaluate(instrument);
    await Promise.all(pages.map((p) => p.evaluate(() => B.msLoad())));
    const sid = `tl-${Date.now()}`;
    const early = pages.slice(0, N - 1);
    await Promise.all(early.map((p, i) => join(p, sid, i, others(i, N - 1))));
    await Promise.all(early.map((p) => p.evaluate(() => B.msJoinWait(30_000))));
    await Promise.all(early.map((p) => p.evaluate((n) => B.msExpect([n]), names[N - 1])));
    const t0 = await join(pages[N - 1], sid, N - 1, others(N - 1));
    const d = await Promise.all([pages[N - 1].evaluate(() => B.msJoinWait(30_000)), ...early.map((p) => p.evaluate(() => B.msExpectWait(30_000)))]);
    console.log(`late joiner: ${(Math.max(...d) - t0).toFixed(1)} ms until all 8 see all; the others saw it at ${d.slice(1).map((x) => (x - t0).toFixed(0)).join(', ')} ms`);
    show(await pages[N - 1].evaluate(() => window.__tl), t0);
  }
} finally {
  await browser.close().catch(() => {});
  await server.close().catch(() => {});
}
process.exit(0);
