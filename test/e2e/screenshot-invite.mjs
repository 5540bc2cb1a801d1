#!/usr/bin/env node
/**
 * Takes docs/demo-invite.png: the demo with no server, the inviter's card (code, QR, reply box)
 * beside the newcomer's reply. Real Chromium and WebRTC on loopback, a plain static server:
 *
 *   npm run build && scripts/loopback.sh node test/e2e/screenshot-invite.mjs
 */
import { createReadStream, mkdirSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dist = resolve(process.env.MESH_SIGNAL_DIST ?? join(root, 'dist'));
const WAIT = { timeout: 20_000 };
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css' };

const server = createServer((req, res) => {
  const file = normalize(join(dist, decodeURIComponent(new URL(req.url, 'http://x').pathname)));
  try {
    if (!file.startsWith(dist) || !statSync(file).isFile()) throw new Error('no');
  } catch {
    return void res.writeHead(404).end();
  }
  res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
  createReadStream(file).pipe(res);
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const base = `http://127.0.0.1:${server.address().port}/demo/index.html`;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--allow-loopback-in-peer-connection'],
});

async function open(url, name) {
  const context = await browser.newContext({ permissions: ['microphone'], viewport: { width: 560, height: 1000 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`[${name}] ${error.message}`));
  await page.goto(url);
  await page.fill('#display-name', name);
  return page;
}

try {
  const alice = await open(`${base}?session=team-room`, 'Alice');
  await alice.check('#no-server');
  await alice.click('#join');
  await alice.locator('#status[data-state="connected"]').waitFor(WAIT);
  await alice.click('#make-invite');
  await alice.locator('#invite-size').filter({ hasText: 'QR version' }).waitFor(WAIT);
  const code = await alice.inputValue('#invite-text');
  const bob = await open(`${base}#session=team-room&invite=${code}`, 'Bob');
  await bob.click('#join');
  await bob.locator('#reply-size').filter({ hasText: 'QR version' }).waitFor(WAIT);
  await alice.fill('#reply-in', await bob.inputValue('#reply-text'));
  mkdirSync(join(root, 'docs'), { recursive: true });
  await alice.locator('#invite-card').screenshot({ path: join(root, 'docs/demo-invite.png') });
  await bob.locator('#invite-card').screenshot({ path: join(root, 'docs/demo-invite-reply.png') });
  console.log('wrote docs/demo-invite.png, docs/demo-invite-reply.png');
} finally {
  await browser.close();
  server.close();
}
