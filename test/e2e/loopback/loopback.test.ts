/**
 * Chromium on its loopback path: a namespace with only `lo` (scripts/loopback.sh), where it
 * connects only with `--allow-loopback-in-peer-connection` and a granted media permission. The
 * rest of the suite runs on the lab LAN (mDNS candidates, no flags); this keeps the setup people
 * use for a quick Chromium-only run proven.
 *
 *   npm run build && scripts/loopback.sh npx vitest run --project e2e-loopback
 */
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../../server/app.mjs';
import { formMesh, launchBrowser, network, sessionName, startTestServer, type EngineBrowser, type EnginePage } from '../harness.js';

let browser: EngineBrowser;
let server: RunningServer;
let pages: EnginePage[] = [];

beforeAll(async () => {
  const interfaces = Object.keys(networkInterfaces());
  if (network() !== 'loopback' || interfaces.some((name) => name !== 'lo')) {
    throw new Error(`run this file in a namespace with only lo (scripts/loopback.sh); interfaces here: ${interfaces.join(', ')}`);
  }
  [browser, server] = await Promise.all([launchBrowser('chromium'), startTestServer()]);
});
afterAll(async () => {
  await Promise.all(pages.map((p) => p.close()));
  await browser?.close();
  await server?.close();
});

describe('Chromium with only lo', () => {
  it('3 pages mesh over 127.0.0.1 candidates and exchange acknowledged signals', async () => {
    pages = await formMesh(browser, server, sessionName('loopback'), ['ann', 'ben', 'cat']);
    const [ann, ben, cat] = pages as [EnginePage, EnginePage, EnginePage];
    for (const page of pages) {
      const { local } = await page.candidates();
      expect(local.length, page.name).toBeGreaterThan(0);
      for (const line of local) expect(line.split(' ')[4], line).toBe('127.0.0.1');
    }
    expect(await ann.send({ to: cat.id, type: 'direct', data: 'to cat' })).toEqual({ ok: true });
    expect(await cat.dataFrom(ann.id, 'direct')).toEqual(['to cat']);
    expect(await ben.send({ type: 'all', data: 'to all' })).toEqual({ ok: true });
    for (const page of pages) expect(await page.dataFrom(ben.id, 'all'), page.name).toEqual(['to all']);
  });
});
