#!/usr/bin/env node
// What a durable outbox costs: IndexedDB writes through idb-keyval in headless Chromium, next to
// the round trip of a data channel in the same page (what an ack costs on a LAN).
//
//   scripts/loopback.sh node bench/outbox-write.mjs        (--n=200 for more samples)
//
// Prints medians and p95 in ms. The outbox (src/delivery/outbox.ts) writes once per task with
// setMany, only signals still unacknowledged at the end of the task, and deletes in batches.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch } from './lib/browser.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const n = Number(process.argv.find((a) => a.startsWith('--n='))?.slice(4) ?? 200);
const idbKeyval = readFileSync(path.join(ROOT, 'node_modules/idb-keyval/dist/umd.js'), 'utf8');

const server = createServer((req, res) => {
  if (req.url === '/idb-keyval.js') {
    res.writeHead(200, { 'content-type': 'text/javascript' });
    res.end(idbKeyval);
  } else {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><meta charset="utf-8"><script src="/idb-keyval.js"></script>');
  }
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { browser, context, version } = await launch();
try {
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  const result = await page.evaluate(async (n) => {
    const { createStore, set, setMany, delMany, clear } = globalThis.idbKeyval;
    const store = createStore('bench-outbox', 'v1');
    const stats = (xs) => {
      const s = [...xs].sort((a, b) => a - b);
      return { median: +s[Math.floor(s.length / 2)].toFixed(3), p95: +s[Math.floor(s.length * 0.95)].toFixed(3) };
    };
    const signal = (id, bytes) => ({ id, type: 'chat', data: 'x'.repeat(bytes), to: ['f' + 'a'.repeat(26)] });
    const key = (id) => ['outbox', 'bench', 'fself', id];
    await clear(store);
    const out = {};
    for (const bytes of [100, 8192]) {
      let id = 0;
      const single = [];
      for (let i = 0; i < n; i++) {
        const t = performance.now();
        await set(key(++id), signal(id, bytes), store);
        single.push(performance.now() - t);
      }
      out[`set 1 signal of ${bytes} B (one transaction)`] = stats(single);
      for (const batch of [10, 100]) {
        const times = [];
        for (let i = 0; i < Math.max(10, n / 10); i++) {
          const entries = Array.from({ length: batch }, () => [key(++id), signal(id, bytes)]);
          const t = performance.now();
          await setMany(entries, store);
          times.push(performance.now() - t);
        }
        const st = stats(times);
        out[`setMany ${batch} signals of ${bytes} B`] = { ...st, perSignalMedian: +(st.median / batch).toFixed(4) };
      }
      const keys = Array.from({ length: 100 }, (_, i) => key(i + 1));
      const t = performance.now();
      await delMany(keys, store);
      out[`delMany 100 (${bytes} B)`] = { once: +(performance.now() - t).toFixed(3) };
      await clear(store);
    }
    // A data channel's round trip in the same page (two peer connections over loopback).
    const a = new RTCPeerConnection({ iceServers: [] });
    const b = new RTCPeerConnection({ iceServers: [] });
    a.onicecandidate = (e) => e.candidate && b.addIceCandidate(e.candidate);
    b.onicecandidate = (e) => e.candidate && a.addIceCandidate(e.candidate);
    const ca = a.createDataChannel('x');
    const opened = new Promise((resolve) => (ca.onopen = resolve));
    b.ondatachannel = (e) => (e.channel.onmessage = (m) => e.channel.send(m.data));
    await a.setLocalDescription(await a.createOffer());
    await b.setRemoteDescription(a.localDescription);
    await b.setLocalDescription(await b.createAnswer());
    await a.setRemoteDescription(b.localDescription);
    await opened;
    const rtt = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await new Promise((resolve) => { ca.onmessage = resolve; ca.send('{"t":"sig","id":1,"type":"","data":"ping"}'); });
      rtt.push(performance.now() - t);
    }
    out['data channel round trip (small message)'] = stats(rtt);
    a.close();
    b.close();
    return out;
  }, n);
  console.log(`Chromium ${version}, n=${n}`);
  console.table(result);
} finally {
  await browser.close();
  server.close();
}
