#!/usr/bin/env node
// Diagnostic: multi-second stalls of a fresh RTCDataChannel pushed with a large send buffer.
// For each of 6 fresh raw pairs: 3 runs of 2000 × 8 KB with bufferedamountlow flow control at the
// high-water mark HIGH (bytes; low = min(256 KiB, HIGH/4)); prints ms per run and the namespace's
// kernel UDP drop counters. Run inside the loopback namespace:
//   HIGH=1048576 scripts/loopback.sh node bench/diag/sctp-stall.mjs
//   HIGH=131072  scripts/loopback.sh node bench/diag/sctp-stall.mjs
// Seen 2026-11-28 (2 cores, Chromium 156): 1 MiB → the first run of 3 of 6 fresh pairs took
// 4.9–6.3 s instead of ~1 s (twice); 256 KiB → 2 of 6 took 2.7–3.4 s; 128 KiB → none over 1.6 s,
// steady state ~20% slower. Kernel UDP counters showed no drop in any case; mesh-signal acks in
// such a stall arrive in gaps of ~1.22 s and ~2.83 s (a retransmission-timeout backoff pattern).
import { readFileSync } from 'node:fs';
import { startBenchServer } from '../lib/server.mjs';
import { launch, openPages, rawPair, closePages } from '../lib/browser.mjs';

const udp = () => {
  const l = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((x) => x.startsWith('Udp:'));
  const [h, v] = l.map((x) => x.split(/\s+/).slice(1));
  return Object.fromEntries(h.map((k, i) => [k, +v[i]]));
};
const server = await startBenchServer();
const { browser, context } = await launch();
const high = +(process.env.HIGH || 1 << 20);
const low = Math.min(256 << 10, high >> 2);
try {
  for (let k = 0; k < 6; k++) {
    const [a, b] = await openPages(context, server, 2);
    await rawPair(a, b, 'p');
    const out = [];
    const u0 = udp();
    for (let r = 0; r < 3; r++) out.push(Math.round(await a.evaluate(([h, lo]) => B.rawThroughput('p', 2000, 8192, h, lo), [high, low])));
    const u1 = udp();
    console.log(`high ${high} B, fresh pair ${k}: ms per 2000 × 8 KB: ${out.join(' ')}; kernel UDP drops rcv ${u1.RcvbufErrors - u0.RcvbufErrors}, snd ${u1.SndbufErrors - u0.SndbufErrors}, in ${u1.InErrors - u0.InErrors}`);
    await closePages([a, b]);
  }
} finally {
  await browser.close().catch(() => {});
  await server.close().catch(() => {});
}
process.exit(0);
