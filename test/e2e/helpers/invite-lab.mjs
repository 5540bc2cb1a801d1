#!/usr/bin/env node
/**
 * The invite lab: a LAN-like network inside a private network namespace, a plain static file
 * server (no PeerServer), and real browsers exchanging invite codes.
 *
 *   scripts/loopback.sh node test/e2e/helpers/invite-lab.mjs [--json]
 *
 * It must run as root in a network namespace of its own whose only link is `lo` (what
 * `scripts/loopback.sh` gives): it then adds two veth pairs with addresses (IPv4 on both, IPv6 on
 * one) and a default route that leads nowhere, so browsers gather the host candidates a laptop on
 * a LAN would, as mDNS `.local` names (no media permission, as for real users). Nothing leaves the
 * namespace. Scenarios, each its own session:
 *   1. Firefox invites, Chromium joins     2. Chromium invites, Firefox joins
 *   3. Chromium invites, Chromium joins (mDNS)   4. the same with a media permission (raw IPs)
 * Each pair must link and exchange a signal each way. It prints the size of every code (characters
 * of the code and of the invite URL, QR version at error correction L, by uqr), and exits 1 when a
 * scenario failed. `--json` prints the results as JSON instead (the e2e test reads them).
 */
import { execFileSync, spawn } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { encode as encodeQr } from 'uqr';

const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCENARIO_MS = 90_000;
const asJson = process.argv.includes('--json');

function sh(...args) {
  execFileSync('ip', args, { stdio: 'pipe' });
}

/** Refuses to touch any network but a private namespace's (only `lo` present). */
function setUpLan() {
  const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).trim().split('\n').map((l) => l.split(':')[1].trim().split('@')[0]);
  if (links.length !== 1 || links[0] !== 'lo') {
    throw new Error(`invite-lab: run me inside a fresh network namespace (scripts/loopback.sh); this one has links ${links.join(', ')}`);
  }
  sh('link', 'add', 'lan0', 'type', 'veth', 'peer', 'name', 'lan0p');
  sh('link', 'add', 'lan1', 'type', 'veth', 'peer', 'name', 'lan1p');
  sh('addr', 'add', '10.99.0.2/24', 'dev', 'lan0');
  sh('addr', 'add', '192.168.77.20/24', 'dev', 'lan1');
  sh('-6', 'addr', 'add', 'fd00:99::2/64', 'dev', 'lan0', 'nodad');
  for (const l of ['lan0', 'lan0p', 'lan1', 'lan1p']) sh('link', 'set', l, 'up');
  sh('route', 'add', 'default', 'via', '10.99.0.254', 'dev', 'lan0', 'onlink');
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };

/** Static files (dist/ at /, the e2e pages at /e2e/) and a tiny mailbox at /box/<session>/<key>. */
function startServer() {
  const dist = resolve(process.env.MESH_SIGNAL_DIST ?? 'dist');
  const pages = resolve('test/e2e/pages');
  const box = new Map();
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (path.startsWith('/box/')) {
      if (req.method === 'POST') {
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          box.set(path, body);
          res.writeHead(204).end();
        });
        return;
      }
      return box.has(path) ? void res.writeHead(200).end(box.get(path)) : void res.writeHead(404).end();
    }
    const [base, rest] = path.startsWith('/e2e/') ? [pages, path.slice(5)] : [dist, path.slice(1)];
    const file = normalize(join(base, rest));
    if (!file.startsWith(base)) return void res.writeHead(403).end();
    try {
      statSync(file);
    } catch {
      return void res.writeHead(404).end();
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok({ server, box, url: `http://127.0.0.1:${server.address().port}/` })));
}

/** A headless Firefox process on `url`, with a throwaway profile. */
function openFirefox(url) {
  const profile = mkdtempSync(join(tmpdir(), 'invite-lab-ff-'));
  const prefs = {
    'browser.shell.checkDefaultBrowser': false,
    'browser.startup.homepage_override.mstone': 'ignore',
    'datareporting.policy.dataSubmissionEnabled': false,
    'toolkit.telemetry.reportingpolicy.firstRun': false,
    'app.update.disabledForTesting': true,
    'browser.safebrowsing.update.enabled': false,
    'network.captive-portal-service.enabled': false,
    'network.connectivity-service.enabled': false,
  };
  writeFileSync(join(profile, 'user.js'), Object.entries(prefs).map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});`).join('\n'));
  const child = spawn(FIREFOX, ['--headless', '--no-remote', '--profile', profile, url], { stdio: 'ignore', env: { ...process.env, MOZ_CRASHREPORTER_DISABLE: '1' } });
  return {
    close() {
      child.kill('SIGKILL');
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

async function waitForResult(box, sessionId, role, delayMs = 0) {
  const key = `/box/${sessionId}/result-${role}`;
  for (const end = Date.now() + SCENARIO_MS + delayMs; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
    if (box.has(key)) return JSON.parse(box.get(key));
  }
  return { ok: false, role, error: `no result from the ${role} page within ${SCENARIO_MS / 1000} s` };
}

function sizes(result) {
  const out = [];
  const qr = (text) => encodeQr(text, { ecc: 'L' }).version;
  if (result.invite) out.push({ kind: 'invite', engine: result.engine, chars: result.invite.length, qr: qr(result.invite), urlChars: result.url.length, urlQr: qr(result.url) });
  if (result.reply) out.push({ kind: 'reply', engine: result.engine, chars: result.reply.length, qr: qr(result.reply) });
  return out;
}

async function main() {
  setUpLan();
  const { server, box, url } = await startServer();
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  const delays = process.argv.find((a) => a.startsWith('--delays='))?.slice(9).split(',').map(Number);
  const scenarios = delays ? delays.flatMap((d) => [
    { name: `chromium invites, chromium joins, reply entered after ${d} s`, inviter: 'chromium', newcomer: 'chromium', delay: d },
    { name: `chromium invites, firefox joins, reply entered after ${d} s`, inviter: 'chromium', newcomer: 'firefox', delay: d },
    { name: `firefox invites, chromium joins, reply entered after ${d} s`, inviter: 'firefox', newcomer: 'chromium', delay: d },
  ]) : [
    { name: 'firefox invites, chromium joins', inviter: 'firefox', newcomer: 'chromium' },
    { name: 'chromium invites, firefox joins', inviter: 'chromium', newcomer: 'firefox' },
    { name: 'chromium invites, chromium joins (mDNS)', inviter: 'chromium', newcomer: 'chromium' },
    { name: 'chromium invites, chromium joins (media permission: raw IPs)', inviter: 'chromium', newcomer: 'chromium', permission: true },
  ];
  const results = [];
  try {
    for (const [i, s] of scenarios.entries()) {
      const sessionId = `lab-${i}-${Math.random().toString(36).slice(2, 8)}`;
      const open = [];
      for (const role of ['inviter', 'newcomer']) {
        const page = `${url}e2e/cross.html?role=${role}&session=${sessionId}&name=${s[role]}-${role}&delay=${(s.delay ?? 0) * 1000}`;
        if (s[role] === 'firefox') open.push(openFirefox(page));
        else {
          const context = await browser.newContext(s.permission ? { permissions: ['microphone'] } : {});
          await (await context.newPage()).goto(page);
          open.push({ close: () => context.close() });
        }
      }
      const [inviter, newcomer] = await Promise.all([waitForResult(box, sessionId, 'inviter', (s.delay ?? 0) * 1000), waitForResult(box, sessionId, 'newcomer', (s.delay ?? 0) * 1000)]);
      for (const o of open) await o.close();
      results.push({ scenario: s.name, ok: inviter.ok === true && newcomer.ok === true, inviter, newcomer, sizes: [...sizes(inviter), ...sizes(newcomer)] });
    }
  } finally {
    await browser.close();
    server.closeAllConnections();
    server.close();
  }
  if (asJson) console.log(JSON.stringify(results));
  else {
    for (const r of results) {
      console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.scenario}${r.ok ? '' : `: inviter ${r.inviter.error ?? 'ok'}; newcomer ${r.newcomer.error ?? 'ok'}`}`);
      if (r.newcomer.states?.length) console.log(`       newcomer's invite link: ${r.newcomer.states.join(', ')}`);
      for (const z of r.sizes) console.log(`       ${z.engine.padEnd(8)} ${z.kind.padEnd(6)} ${String(z.chars).padStart(4)} chars, QR version ${z.qr}${z.urlChars ? `; as a URL ${z.urlChars} chars, QR version ${z.urlQr}` : ''}`);
    }
  }
  process.exitCode = results.every((r) => r.ok) ? 0 : 1;
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
