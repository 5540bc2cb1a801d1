#!/usr/bin/env node
/**
 * Takes the demo screenshots in docs/: three peers in one session, a delivered and a failed signal.
 * Real browser, real PeerServer, real WebRTC, inside a test namespace:
 *
 *   npm run build && scripts/loopback.sh node test/e2e/screenshots.mjs            # Chromium: demo-3-peers.png, demo-phone.png
 *   npm run build && scripts/lab.sh node test/e2e/screenshots.mjs firefox         # Firefox ESR: demo-firefox.png
 *
 * (A plain script, so it cannot import the TypeScript harness: the few page operations it needs
 * are spelled out below for both drivers.)
 */
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import puppeteer from 'puppeteer-core';
import { startServer } from '../../server/app.mjs';

const engine = process.argv[2] ?? 'chromium';
if (!['chromium', 'firefox'].includes(engine)) throw new Error(`usage: screenshots.mjs [chromium|firefox], not ${engine}`);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const docs = join(root, 'docs');
mkdirSync(docs, { recursive: true });
const TIMEOUT = 20_000;

const server = await startServer({
  host: '127.0.0.1',
  port: 0,
  ...(process.env.MESH_SIGNAL_DIST ? { staticDir: resolve(process.env.MESH_SIGNAL_DIST) } : {}),
});

/** A page of either engine: goto, click, evaluate, waitFor(fn, arg), screenshot, close. */
async function launch() {
  if (engine === 'chromium') {
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--allow-loopback-in-peer-connection'],
    });
    return {
      browser,
      async open(viewport) {
        const context = await browser.newContext({ permissions: ['microphone'], viewport, deviceScaleFactor: 1 });
        const page = await context.newPage();
        return { page, waitFor: (fn, arg) => page.waitForFunction(fn, arg, { timeout: TIMEOUT }), close: () => context.close() };
      },
    };
  }
  const browser = await puppeteer.launch({ browser: 'firefox', executablePath: process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr', headless: true });
  return {
    browser,
    async open(viewport) {
      const context = await browser.createBrowserContext();
      const page = await context.newPage({ type: 'window' });
      await page.setViewport({ ...viewport, deviceScaleFactor: 1 });
      return { page, waitFor: (fn, arg) => page.waitForFunction(fn, { timeout: TIMEOUT }, arg), close: () => context.close() };
    },
  };
}

const { browser, open } = await launch();

/** Sets a field as typing would (an input event). */
const fill = (p, selector, value) =>
  p.page.evaluate(
    ([s, v]) => {
      const field = document.querySelector(s);
      field.value = v;
      field.dispatchEvent(new Event('input', { bubbles: true }));
    },
    [selector, value],
  );

/** Waits until `count` elements match `selector` and contain `text` (count 0: none do). */
const waitForText = (p, selector, text, count = 1) =>
  p.waitFor(
    ([s, t, n]) => {
      const found = [...document.querySelectorAll(s)].filter((e) => (e.textContent ?? '').includes(t)).length;
      return n === 0 ? found === 0 : found >= n;
    },
    [selector, text, count],
  );

/** Picks the connection named `name` in "To" by clicking its entry's button. */
async function pick(p, name) {
  await p.page.evaluate((n) => {
    const item = [...document.querySelectorAll('#connections li')].find((li) => li.textContent.includes(n));
    item.querySelector('button').setAttribute('data-shot-pick', '1');
  }, name);
  await p.page.click('[data-shot-pick="1"]');
  await p.page.evaluate(() => document.querySelector('[data-shot-pick]')?.removeAttribute('data-shot-pick'));
}

async function joinAs(name, viewport) {
  const p = await open(viewport);
  p.page.on('pageerror', (error) => console.error(`[${name}] ${error?.message ?? error}`));
  await p.page.goto(`${server.url}?session=team-room`);
  await fill(p, '#display-name', name);
  await p.page.click('#join');
  await p.waitFor(() => document.querySelector('#status')?.dataset.state === 'connected');
  return p;
}

async function send(p, { to, type, data }) {
  if (to) await pick(p, to);
  else await fill(p, '#send-to', '');
  await fill(p, '#send-type', type);
  await fill(p, '#send-data', data);
  await p.page.click('#send');
}

const settled = (p) => p.waitFor(() => document.querySelectorAll('#log li[data-state="pending"]').length === 0);

try {
  const alice = await joinAs('Alice', { width: 1100, height: 860 });
  const bob = await joinAs('Bob', { width: 390, height: 1400 });
  const carol = await joinAs('Carol', { width: 1100, height: 860 });
  for (const p of [alice, bob, carol]) await waitForText(p, '#connections li', '', 3);

  // Dave drops in and leaves, so a signal to him shows the 404.
  const dave = await joinAs('Dave', { width: 800, height: 600 });
  for (const p of [alice, bob, carol]) await waitForText(p, '#connections li', 'Dave');
  await dave.close();
  for (const p of [alice, bob, carol]) await waitForText(p, '#connections li', 'Dave', 0);

  await send(bob, { type: 'chat', data: 'Hi all, Bob here. Standup in 5?' });
  await waitForText(alice, '#log li[data-kind="received"]', 'Standup');
  await send(carol, { to: 'Alice', type: 'chat', data: 'Alice, can you share the agenda?' });
  await waitForText(alice, '#log li[data-kind="received"]', 'agenda');
  await send(alice, { to: 'Carol', type: 'agenda', data: '{"items":["demo","release","retro"]}' });
  await settled(alice);
  await alice.page.evaluate(() => {
    const select = document.querySelector('#send-to');
    select.value = [...select.options].find((o) => o.textContent.includes('Dave')).value;
  });
  await fill(alice, '#send-type', 'chat');
  await fill(alice, '#send-data', 'Dave, are you still there?');
  await alice.page.click('#send');
  await settled(alice);
  await send(alice, { type: 'status update', data: 'a type with a space is refused by the library' });
  await settled(alice);
  await fill(alice, '#send-type', 'chat');
  await fill(alice, '#send-data', 'See you in 5!');
  await settled(bob);
  await waitForText(bob, '#log li[data-kind="received"]', 'Standup');

  if (engine === 'chromium') {
    await alice.page.screenshot({ path: join(docs, 'demo-3-peers.png'), fullPage: true });
    await bob.page.screenshot({ path: join(docs, 'demo-phone.png'), fullPage: true });
    console.log('wrote docs/demo-3-peers.png and docs/demo-phone.png');
  } else {
    await alice.page.screenshot({ path: join(docs, 'demo-firefox.png'), fullPage: true });
    console.log('wrote docs/demo-firefox.png');
  }
} finally {
  await browser.close();
  await server.close();
}
// The PeerServer's housekeeping timers outlive close() (`peer` has no stop): end the script here.
process.exit(0);
