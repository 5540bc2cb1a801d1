/**
 * Strangers stay out, in each engine: pages with a wrong secret or none are never Connections of the
 * members and see none of their signals; a page that floods a member gets 429 while two other
 * pages keep signalling (their latency before and during the flood is logged, never asserted).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/app.mjs';
import { ENGINES, launchBrowser, sessionName, startTestServer, TestPage, WAIT_MS, type EngineBrowser, type EnginePage, type PageDriver } from './harness.js';
import { within } from '../within.js';

/** Directed signals from `page` to `to`, one at a time: each round trip (signal → ack) in ms. */
function roundTrips(page: PageDriver, to: string, count: number): Promise<number[]> {
  return page.evaluate(
    async ([target, n]) => {
      const s = (window as unknown as { session: { connections: { connectionId: string }[]; signal(o: object): Promise<void> } }).session;
      const connection = s.connections.find((c) => c.connectionId === target);
      const times: number[] = [];
      for (let i = 0; i < n; i++) {
        const start = performance.now();
        await s.signal({ to: connection, type: 'rtt', data: String(i) });
        times.push(performance.now() - start);
      }
      return times;
    },
    [to, count] as const,
  );
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))]!;

describe.each(ENGINES)('%s', (engine) => {
  let browser: EngineBrowser;
  let server: RunningServer;
  let pages: EnginePage[] = [];

  beforeAll(async () => {
    [browser, server] = await Promise.all([launchBrowser(engine), startTestServer()]);
  });
  afterEach(async () => {
    await Promise.all(pages.map((p) => p.close()));
    pages = [];
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function open(name: string): Promise<EnginePage> {
    const page = await TestPage.open(browser, server, name);
    pages.push(page);
    return page;
  }

  describe('a session with a secret, in the browser', () => {
    it('pages with a wrong secret or none are never Connections and see no signals', async () => {
      const session = sessionName('secret');
      const [a, b, wrong, none] = await Promise.all(['alice', 'bob', 'wrong', 'none'].map(open)) as [EnginePage, EnginePage, EnginePage, EnginePage];
      await a.connect(session, server, { secret: 'correct horse battery' });
      await b.connect(session, server, { secret: 'correct horse battery' });
      await Promise.all([a, b].map((p) => p.waitForLive([a.id, b.id])));
      await wrong.connect(session, server, { secret: 'correct horse batter' });
      await none.connect(session, server);
      expect(await a.send({ type: 'members', data: 'only' })).toEqual({ ok: true });
      expect(await wrong.send({ type: 'stranger', data: 'wrong' })).toEqual({ ok: true }); // to itself: it is alone
      expect(await none.send({ type: 'stranger', data: 'none' })).toEqual({ ok: true });
      await new Promise((r) => setTimeout(r, 1_000));

      expect((await a.liveIds()).sort()).toEqual([a.id, b.id].sort());
      expect((await b.liveIds()).sort()).toEqual([a.id, b.id].sort());
      expect(await wrong.liveIds()).toEqual([wrong.id]);
      expect(await none.liveIds()).toEqual([none.id]);
      for (const member of [a, b]) expect((await member.state()).signals.map((s) => s.data)).toEqual(['only']);
      expect((await wrong.state()).signals.map((s) => s.data)).toEqual(['wrong']);
      expect((await none.state()).signals.map((s) => s.data)).toEqual(['none']);
      for (const p of [a, b, wrong, none]) expect((await p.state()).pageErrors, p.name).toEqual([]);
    });
  });

  describe('flood limits, in the browser', () => {
    it('a flooding page gets 429 while two other pages keep signalling', async () => {
      const session = sessionName('flood');
      const options = { secret: 'flood-test', maxSignalsPerSecond: 200 };
      const [a, b, flooder] = await Promise.all(['alice', 'bob', 'flooder'].map(open)) as [EnginePage, EnginePage, EnginePage];
      for (const p of [a, b, flooder]) await p.connect(session, server, options);
      await Promise.all([a, b, flooder].map((p) => p.waitForLive([a.id, b.id, flooder.id])));
      const before = await roundTrips(a.page, b.id, 50);
      const flood = flooder.page.evaluate(([to]) => (window as unknown as { t: { sendMany(o: object): Promise<{ sent: number; failed: string[] }> } }).t.sendMany({ to, type: 'flood', count: 3000 }), [b.id] as const);
      await new Promise((r) => setTimeout(r, 50)); // the flood is under way
      const during = await roundTrips(a.page, b.id, 50);
      const result = await within(flood, 'the flood to complete', WAIT_MS);
      const refused = result.failed.filter((f) => f === '429 OT_RATE_LIMIT_EXCEEDED').length;
      console.log(
        `[strangers e2e] alice→bob signal→ack ms: before the flood median ${median(before).toFixed(2)} p95 ${p95(before).toFixed(2)}; ` +
          `during median ${median(during).toFixed(2)} p95 ${p95(during).toFixed(2)}; flooder: ${result.sent} sent, ${refused} refused with 429, ${result.failed.length - refused} other failures`,
      );
      expect(refused).toBeGreaterThan(2_000);
      expect(result.failed.length).toBe(refused); // nothing else went wrong
      expect(during).toHaveLength(50); // every signal of alice was delivered and acknowledged
      const bobGot = (await b.state()).signals.filter((s) => s.type === 'flood').length;
      expect(bobGot).toBe(3000 - refused);
    });
  });
});
