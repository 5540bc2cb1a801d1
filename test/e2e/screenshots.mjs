#!/usr/bin/env node
/**
 * Takes the demo screenshots in docs/: three peers in one session, a delivered and a failed signal.
 * Real Chromium, real PeerServer, real WebRTC on loopback — run it in the loopback namespace:
 *
 *   npm run build && scripts/loopback.sh node test/e2e/screenshots.mjs
 */
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from '../../server/app.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const docs = join(root, 'docs');
mkdirSync(docs, { recursive: true });
const WAIT = { timeout: 20_000 };

const server = await startServer({
  host: '127.0.0.1',
  port: 0,
  ...(process.env.MESH_SIGNAL_DIST ? { staticDir: resolve(process.env.MESH_SIGNAL_DIST) } : {}),
});
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--allow-loopback-in-peer-connection'],
});

async function joinAs(name, viewport) {
  const context = await browser.newContext({ permissions: ['microphone'], viewport, deviceScaleFactor: 1 });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`[${name}] ${error.message}`));
  await page.goto(`${server.url}?session=team-room`);
  await page.fill('#display-name', name);
  await page.click('#join');
  await page.locator('#status[data-state="connected"]').waitFor(WAIT);
  return page;
}

async function send(page, { to, type, data }) {
  if (to) await page.locator('#connections li', { hasText: to }).getByRole('button').click();
  else await page.selectOption('#send-to', '');
  await page.fill('#send-type', type);
  await page.fill('#send-data', data);
  await page.click('#send');
}

const settled = (page) =>
  page.waitForFunction(() => document.querySelectorAll('#log li[data-state="pending"]').length === 0, null, WAIT);

try {
  const alice = await joinAs('Alice', { width: 1100, height: 860 });
  const bob = await joinAs('Bob', { width: 390, height: 1400 });
  const carol = await joinAs('Carol', { width: 1100, height: 860 });
  for (const page of [alice, bob, carol]) await page.locator('#connections li').nth(2).waitFor(WAIT);

  // Dave drops in and leaves, so a signal to him shows the 404.
  const dave = await joinAs('Dave', { width: 800, height: 600 });
  for (const page of [alice, bob, carol]) await page.locator('#connections li', { hasText: 'Dave' }).waitFor(WAIT);
  await dave.context().close();
  for (const page of [alice, bob, carol]) {
    await page.locator('#connections li', { hasText: 'Dave' }).waitFor({ ...WAIT, state: 'detached' });
  }

  await send(bob, { type: 'chat', data: 'Hi all, Bob here. Standup in 5?' });
  await alice.locator('#log li[data-kind="received"]', { hasText: 'Standup' }).waitFor(WAIT);
  await send(carol, { to: 'Alice', type: 'chat', data: 'Alice, can you share the agenda?' });
  await alice.locator('#log li[data-kind="received"]', { hasText: 'agenda' }).waitFor(WAIT);
  await send(alice, { to: 'Carol', type: 'agenda', data: '{"items":["demo","release","retro"]}' });
  await settled(alice);
  await alice.selectOption('#send-to', { label: (await alice.locator('#send-to option', { hasText: 'Dave' }).textContent()) ?? '' });
  await alice.fill('#send-type', 'chat');
  await alice.fill('#send-data', 'Dave, are you still there?');
  await alice.click('#send');
  await settled(alice);
  await send(alice, { type: 'status update', data: 'a type with a space is refused by the library' });
  await settled(alice);
  await alice.fill('#send-type', 'chat');
  await alice.fill('#send-data', 'See you in 5!');
  await settled(bob);

  await alice.screenshot({ path: join(docs, 'demo-3-peers.png'), fullPage: true });
  await bob.locator('#log li[data-kind="received"]', { hasText: 'Standup' }).waitFor(WAIT);
  await bob.screenshot({ path: join(docs, 'demo-phone.png'), fullPage: true });
  console.log('wrote docs/demo-3-peers.png and docs/demo-phone.png');
} finally {
  await browser.close();
  await server.close();
}
