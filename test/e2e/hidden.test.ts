/**
 * A page in a background tab: browsers clamp a hidden page's timers to about once a second
 * (Firefox: `dom.min_background_timeout_value`, 1000 ms), which is the mesh heartbeat's own
 * interval, and every `setTimeout(…, 0)` of the library then waits that long. The page must stay
 * a member and keep acknowledging. Firefox only: headless Chromium under Playwright cannot hide
 * a page (see `PageDriver.hide`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/app.mjs';
import { formMesh, launchBrowser, sessionName, startTestServer, waitInPage, type EngineBrowser, type EnginePage } from './harness.js';

/** Twice the default heartbeat timeout (4 s): long enough that a hidden page missing pings would be dropped. */
const HIDDEN_MS = 9_000;

let browser: EngineBrowser;
let server: RunningServer;
let pages: EnginePage[] = [];

beforeAll(async () => {
  [browser, server] = await Promise.all([launchBrowser('firefox'), startTestServer()]);
});
afterAll(async () => {
  await Promise.all(pages.map((p) => p.close()));
  await browser?.close();
  await server?.close();
});

describe('firefox: a page in a background tab', () => {
  it('stays a member past the heartbeat timeout, acknowledges a burst, and its own signals complete', async () => {
    pages = await formMesh(browser, server, sessionName('hidden'), ['front', 'back', 'side']);
    const [front, back, side] = pages as [EnginePage, EnginePage, EnginePage];
    await back.page.hide!();
    await waitInPage(back.page, 'the covered page to be hidden', () => document.visibilityState === 'hidden', null, 10_000);
    // Timers are clamped now: three zero-delay timeouts take seconds, not milliseconds.
    const clamped = await back.page.evaluate(async () => {
      const t0 = performance.now();
      for (let i = 0; i < 3; i++) await new Promise((resolve) => setTimeout(resolve, 0));
      return performance.now() - t0;
    });
    expect(clamped, 'the hidden page runs with throttled timers (else this test proves nothing)').toBeGreaterThan(500);

    await new Promise((resolve) => setTimeout(resolve, HIDDEN_MS));
    for (const page of pages) expect((await page.state()).destroyed, page.name).toEqual([]);
    const ids = pages.map((p) => p.id);
    for (const page of pages) expect((await page.liveIds()).sort(), page.name).toEqual([...ids].sort());

    const sentAt = performance.now();
    const toBack = await front.sendMany({ to: back.id, type: 'burst', count: 50 });
    // Logged, not asserted: acks batched on a timer waited ~1 s here; on a MessageChannel task they do not.
    console.log(`[hidden e2e] 50 directed signals to the hidden page completed in ${Math.round(performance.now() - sentAt)} ms`);
    expect(toBack.failed).toEqual([]);
    expect(await back.dataFrom(front.id, 'burst')).toEqual(Array.from({ length: 50 }, (_, i) => String(i)));
    expect(await back.send({ type: 'from-the-back', data: 'still here' })).toEqual({ ok: true });
    for (const page of [front, side]) expect(await page.dataFrom(back.id, 'from-the-back'), page.name).toEqual(['still here']);
  });
});
