// Headless Chromium for the bench, launched as the reference (shared/reference/testing-webrtc.md)
// says: loopback ICE needs BOTH --allow-loopback-in-peer-connection and a granted microphone
// permission. Pages come from the bench's page server (lib/server.mjs).
import { chromium } from 'playwright-core';
import { withTimeout } from './server.mjs';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--allow-loopback-in-peer-connection',
  // Background pages must not be throttled: 8 pages share one headless window.
  '--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows',
];

export async function launch() {
  const browser = await withTimeout(chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 }), 40_000, 'Chromium to launch');
  const context = await browser.newContext({ permissions: ['microphone'] });
  return { browser, context, version: browser.version() };
}

/** Opens `n` bench pages on the server's origin and waits for the in-page harness. */
export async function openPages(context, server, n) {
  const pages = [];
  for (let i = 0; i < n; i++) {
    const page = await context.newPage();
    page.on('pageerror', (e) => console.error(`[page ${i}] ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') console.error(`[page ${i}] ${m.text()}`); });
    await page.goto(`${server.url}/__bench/page.html`, { timeout: 15_000 });
    await page.waitForFunction(() => window.B?.ready === true, null, { timeout: 15_000 });
    pages.push(page);
  }
  return pages;
}

export async function closePages(pages) {
  await Promise.all(pages.map((p) => p.close().catch(() => {})));
}

/** A raw RTCPeerConnection + data channel between two pages; playwright relays the SDP (non-trickle). */
export async function rawPair(pa, pb, key) {
  const offer = await pa.evaluate((k) => B.rawOffer(k), key);
  const answer = await pb.evaluate(([k, s]) => B.rawAnswer(k, s), [key, offer]);
  await pa.evaluate(([k, s]) => B.rawAccept(k, s), [key, answer]);
  await Promise.all([pa.evaluate((k) => B.rawWaitOpen(k), key), pb.evaluate((k) => B.rawWaitOpen(k), key)]);
}

/** The server as the pages need it. */
export function pageServer(server) {
  return { port: server.peer.port, path: server.peer.path };
}

/**
 * CPU time of every Chromium process (browser, renderers, GPU, network service …) via the
 * DevTools SystemInfo domain: `await read()` → { total, byType } in ms (10 ms granularity).
 * CPU per message is the contention-robust figure on a shared machine, where wall-clock rates swing.
 */
export async function cpuMeter(browser) {
  const cdp = await browser.newBrowserCDPSession();
  return async () => {
    const { processInfo } = await cdp.send('SystemInfo.getProcessInfo');
    const byType = {};
    let total = 0;
    for (const p of processInfo) {
      byType[p.type] = (byType[p.type] ?? 0) + p.cpuTime * 1000;
      total += p.cpuTime * 1000;
    }
    return { total, byType };
  };
}
