#!/usr/bin/env node
// What the persistent outbox costs in place: two Chromium pages in one mesh, bursts of signals from
// one to the other with `persist: true` (outbox in IndexedDB) and `persist: false`, alternated; then
// a trickle (count/5 signals, each sent when the previous completed).
// Counts the IndexedDB puts the sender made (IDBObjectStore.prototype.put is wrapped in the page).
//
//   npm run build && scripts/loopback.sh node bench/outbox-insitu.mjs   (--rounds=3 --count=1000 --bytes=1024)
import { chromium } from 'playwright-core';
import { startServer } from '../server/app.mjs';
import { CHROMIUM_ARGS, CHROMIUM } from './lib/browser.mjs';

const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const rounds = arg('rounds', 3);
const count = arg('count', 1000);
const bytes = arg('bytes', 1024);

const server = await startServer({ host: '127.0.0.1', port: 0, mounts: { '/e2e': 'test/e2e/pages' } });
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
const countPuts = () => {
  const put = IDBObjectStore.prototype.put;
  globalThis.idbPuts = 0;
  IDBObjectStore.prototype.put = function (...args) {
    globalThis.idbPuts++;
    return put.apply(this, args);
  };
};
const peerjs = { host: '127.0.0.1', port: server.port, path: server.peerPath, key: server.key, secure: false };
const rows = [];
try {
  for (let round = 0; round < rounds; round++) {
    for (const persist of [true, false]) {
      const pages = [];
      for (const name of ['sender', 'receiver']) {
        const context = await browser.newContext({ permissions: ['microphone'] });
        const page = await context.newPage();
        await page.addInitScript(countPuts);
        await page.goto(`${server.url}e2e/reload.html`);
        await page.waitForFunction(() => globalThis.rReady === true);
        pages.push(page);
      }
      const sessionId = `insitu-${round}-${persist}-${Math.random().toString(36).slice(2)}`;
      const [sender, receiver] = pages;
      await sender.evaluate((c) => r.start(c), { sessionId, name: 'sender', peerjs, persist });
      const receiverSelf = await receiver.evaluate((c) => r.start(c), { sessionId, name: 'receiver', peerjs, persist });
      await sender.waitForFunction((id) => r.state.connections.includes(`created ${id}`), receiverSelf.connectionId, { timeout: 30_000 });
      await sender.evaluate((to) => r.burst(to, 50, 16), receiverSelf.connectionId); // warm-up
      for (const mode of ['burst', 'trickle']) {
        const n = mode === 'burst' ? count : Math.round(count / 5);
        const putsBefore = await sender.evaluate(() => globalThis.idbPuts);
        const result = await sender.evaluate(([m, to, n, b]) => r[m](to, n, b), [mode, receiverSelf.connectionId, n, bytes]);
        await sender.waitForTimeout(100); // let a last write-behind batch go
        const puts = (await sender.evaluate(() => globalThis.idbPuts)) - putsBefore;
        if (result.firstFailure) console.log(persist, result.firstFailure);
        rows.push({ mode, persist, round, signals: n, ms: Math.round(result.ms), 'signals/s': Math.round((n / result.ms) * 1000), failed: result.failed, 'outbox puts': puts });
      }
      await Promise.all(pages.map((p) => p.context().close()));
    }
  }
  console.log(`signals of ${bytes} B, one sender → one receiver, Chromium ${browser.version()}`);
  console.table(rows.sort((a, b) => a.mode.localeCompare(b.mode) || Number(b.persist) - Number(a.persist) || a.round - b.round));
} finally {
  await browser.close();
  await server.close();
}
// The app server keeps the PeerServer's housekeeping timers running after close(): end here.
process.exit(0);
