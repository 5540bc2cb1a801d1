/**
 * One browser loses its network for real and gets it back (issue 13, "Self-healing mesh"), in
 * each engine: pages on a lab LAN (helpers/browser-lab.ts), the page server and PeerServer on the
 * lab bridge, two pages (alice, bob) in a browser on the bridge, one page (carol) in a browser
 * of the same engine running in a network namespace of its own, whose bridge port the test sets
 * down and up (helpers/launch-in-namespace.ts).
 *
 * - A short outage (shorter than `reconnectGrace`): carol sees sessionReconnecting then
 *   sessionReconnected; alice and bob see her away and linked again, never destroyed or created
 *   again (the same connectionId); signals sent while she is cut off, both ways, each reach the
 *   target's app exactly once, in order, and every one completes with success.
 * - An outage longer than the grace period: carol gets sessionDisconnected(networkDisconnected)
 *   and her queued and pending signals fail with 500 (README, "While reconnecting"); alice and
 *   bob get connectionDestroyed(networkDisconnected) and what they held for her fails with 404
 *   (README, "Delivery guarantee").
 *
 * Host candidates: pages show their peers their real lab addresses, not mDNS `.local` names (those
 * would need multicast across the bridge): Chromium contexts get the microphone permission,
 * Firefox runs with `firefoxHostCandidates: 'address'`. The test checks carol's are her address.
 * Run: `npm run build && scripts/lab.sh npx vitest run --project e2e test/e2e/outage.test.ts`.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/app.mjs';
import { launchEngine } from './engines.js';
import { ENGINES, launchBrowser, peerjsOf, sessionName, startTestServer, TestPage, waitInPage, within, type AnyBrowser, type Engine, type PageDriver } from './harness.js';
import { BrowserLab, type LabNamespace } from './helpers/browser-lab.js';
import { launchInNamespace } from './helpers/launch-in-namespace.js';

/** How long a wait for the mesh to notice something may take on a busy machine (bounds a hang). */
const NOTICE_MS = 30_000;
const COUNT = 5;

type LabPage = TestPage<PageDriver | Page>;

/** Runs `fn(arg)` in the page (both drivers take Playwright's argument order). */
function inPage<R, A>(p: LabPage, fn: (arg: A) => R | Promise<R>, arg: A): Promise<R> {
  return (p.page as PageDriver).evaluate(fn, arg);
}

/** The browsers of one engine: `outside` on the bridge, `cut` in the namespace of `host`. */
interface Lab {
  lab: BrowserLab;
  host: LabNamespace;
  server: RunningServer;
  outside: AnyBrowser;
  cut: AnyBrowser;
  pages: LabPage[];
}

async function startLab(engine: Engine): Promise<Lab> {
  const lab = new BrowserLab();
  try {
    const host = await lab.addHost();
    const server = await startTestServer({ host: lab.bridgeAddress });
    // One after another: launchInNamespace wraps the driver's launch while it runs.
    const cut = engine === 'chromium' ? await launchInNamespace('chromium', host) : await launchInNamespace('firefox', host, { firefoxHostCandidates: 'address' });
    const outside = engine === 'chromium' ? await launchBrowser() : await launchEngine('firefox', { firefoxHostCandidates: 'address' });
    return { lab, host, server, outside, cut, pages: [] };
  } catch (error) {
    await lab.close();
    throw error;
  }
}

/** alice and bob outside, carol in the cut namespace, one session with `reconnectGrace`. */
async function meshOfThree({ lab, host, server, outside, cut, pages }: Lab, label: string, reconnectGrace: number): Promise<[LabPage, LabPage, LabPage]> {
  const sessionId = sessionName(label);
  const options = { reconnectGrace, peerjs: { ...peerjsOf(server), host: lab.bridgeAddress } };
  const [alice, bob, carol] = await Promise.all([
    TestPage.open(outside, server, 'alice'),
    TestPage.open(outside, server, 'bob'),
    TestPage.open(cut, server, 'carol'),
  ]);
  pages.push(alice, bob, carol);
  for (const p of pages) if (p.engine === 'chromium') await (p.context as BrowserContext).grantPermissions(['microphone']);
  for (const p of pages) await p.connect(sessionId, server, options);
  const ids = pages.map((p) => p.id);
  await Promise.all(pages.map((p) => p.waitForLive(ids)));
  // Carol is on the lab LAN with her own address (and the candidates are addresses, not names).
  const { local } = await carol.candidates();
  expect(local.filter((c) => c.includes(' typ host')).length, 'carol gathered host candidates').toBeGreaterThan(0);
  expect(local.filter((c) => c.includes(' typ host') && !c.includes(` ${host.address} `)), 'carol\'s host candidates are her lab address').toEqual([]);
  // connectionLinkChanged (away / linked) is not recorded by page.js: record it here.
  for (const p of pages) {
    await inPage(p, () => {
      const w = window as unknown as { links: string[]; session: { on(type: string, f: (e: { state: string; connection: { connectionId: string } }) => void): void } };
      w.links = [];
      w.session.on('connectionLinkChanged', (e) => w.links.push(`${e.state} ${e.connection.connectionId}`));
    }, null);
  }
  return [alice, bob, carol];
}

const linkChanges = (p: LabPage, id: string): Promise<string[]> =>
  inPage(p, (c) => (window as unknown as { links: string[] }).links.filter((l) => l.endsWith(c)).map((l) => l.split(' ')[0]!), id);

/** Starts `count` signals from `from` to `to` without waiting; `outcomes` awaits them. */
async function startSending(from: LabPage, to: LabPage, type: string): Promise<void> {
  await inPage(from, ([target, ty, n]) => {
    const w = window as unknown as { sending: Promise<{ failed: string[] }>[]; t: { sendMany(o: object): Promise<{ failed: string[] }> } };
    (w.sending ??= []).push(w.t.sendMany({ to: target, type: ty, count: n }));
  }, [to.id, type, COUNT] as const);
}

/** The failures (`'<code> <name>'`) of every signal `startSending` started on `from`. */
function outcomes(from: LabPage, ms: number): Promise<string[]> {
  return within(
    inPage(from, async () => (await Promise.all((window as unknown as { sending: Promise<{ failed: string[] }>[] }).sending)).flatMap((r) => r.failed), null),
    ms,
    `the signals ${from.name} sent during the outage to complete`,
  );
}

const sequence = Array.from({ length: COUNT }, (_, i) => String(i));

async function waitForEvent(p: LabPage, event: string, ms: number): Promise<void> {
  await waitInPage(p.page, `${p.name} to report ${event}`, (e) => (window as unknown as { t: { state: { sessionEvents: string[] } } }).t.state.sessionEvents.includes(e), event, ms);
}

async function waitForLink(p: LabPage, id: string, state: 'away' | 'linked', ms: number): Promise<void> {
  await waitInPage(p.page, `${p.name} to see ${id.slice(0, 6)} ${state}`, ([c, s]) => (window as unknown as { links: string[] }).links.includes(`${s} ${c}`), [id, state] as const, ms);
}

describe.each(ENGINES)('%s: one browser loses its network', (engine) => {
  let run: Lab;
  beforeAll(async () => {
    run = await startLab(engine);
  });
  afterEach(async () => {
    run.lab.setLink(run.host, true);
    await Promise.all(run.pages.map((p) => p.close()));
    run.pages.length = 0;
  });
  afterAll(async () => {
    if (!run) return;
    await Promise.all([run.outside.close(), run.cut.close()]);
    await run.server.close();
    await run.lab.close();
  });

  it('a short outage: carol reconnects as the same connection; signals sent meanwhile, both ways, arrive once, in order, and succeed', async () => {
    const [alice, bob, carol] = await meshOfThree(run, 'outage', 30_000);
    expect(await carol.send({ to: alice.id, type: 'before', data: 'x' })).toEqual({ ok: true });

    run.lab.setLink(run.host, false);
    const downAt = Date.now();
    await Promise.all([waitForLink(alice, carol.id, 'away', NOTICE_MS), waitForLink(bob, carol.id, 'away', NOTICE_MS), waitForEvent(carol, 'sessionReconnecting', NOTICE_MS)]);
    // Carol's are queued (she is reconnecting); alice's and bob's are held (carol is away).
    await Promise.all([startSending(carol, alice, 'c2a'), startSending(carol, bob, 'c2b'), startSending(alice, carol, 'a2c'), startSending(bob, carol, 'b2c')]);

    run.lab.setLink(run.host, true);
    const upAt = Date.now();
    await waitForEvent(carol, 'sessionReconnected', NOTICE_MS);
    console.log(`[outage] link down ${upAt - downAt} ms; carol reconnected ${Date.now() - upAt} ms after the link came back`);
    expect(await Promise.all([carol, alice, bob].map((p) => outcomes(p, 60_000)))).toEqual([[], [], []]);

    // Every signal reached its target's app once, in order.
    expect(await alice.dataFrom(carol.id, 'c2a')).toEqual(sequence);
    expect(await bob.dataFrom(carol.id, 'c2b')).toEqual(sequence);
    expect(await carol.dataFrom(alice.id, 'a2c')).toEqual(sequence);
    expect(await carol.dataFrom(bob.id, 'b2c')).toEqual(sequence);
    expect(await alice.dataFrom(carol.id, 'before')).toEqual(['x']);

    // The same member throughout: no leave, no second join, the same id; away then linked again.
    expect(await inPage(carol, () => (window as unknown as { session: { connection: { connectionId: string } } }).session.connection.connectionId, null)).toBe(carol.id);
    expect((await carol.state()).sessionEvents).toEqual(['sessionConnected', 'sessionReconnecting', 'sessionReconnected']);
    for (const p of [alice, bob]) {
      const state = await p.state();
      expect(state.destroyed, p.name).toEqual([]);
      expect(state.created.filter((c) => c.id === carol.id), p.name).toHaveLength(1);
      expect(await linkChanges(p, carol.id), p.name).toEqual(['away', 'linked']);
      expect(state.sessionEvents, p.name).toEqual(['sessionConnected']);
    }
    expect((await carol.state()).destroyed).toEqual([]);
    // Alice and bob never lost each other.
    expect(await linkChanges(alice, bob.id)).toEqual([]);
    // And the mesh works after: a broadcast from carol reaches everyone.
    expect(await carol.send({ type: 'after', data: 'back' })).toEqual({ ok: true });
    for (const p of [alice, bob]) expect(await p.dataFrom(carol.id, 'after'), p.name).toEqual(['back']);
    for (const p of run.pages) expect(await p.state().then((s) => s.pageErrors), p.name).toEqual([]);
  });

  it('an outage longer than the grace period: carol is disconnected, the others drop her; what waited fails with the documented codes', async () => {
    const graceMs = 6_000;
    const [alice, bob, carol] = await meshOfThree(run, 'longout', graceMs);

    run.lab.setLink(run.host, false);
    // Sent at once, before anyone notices: these go out on the dead links and stay pending.
    await Promise.all([startSending(carol, alice, 'c2a-pending'), startSending(alice, carol, 'a2c-pending')]);
    await Promise.all([waitForLink(alice, carol.id, 'away', NOTICE_MS), waitForLink(bob, carol.id, 'away', NOTICE_MS), waitForEvent(carol, 'sessionReconnecting', NOTICE_MS)]);
    // Queued by carol (reconnecting), held by bob (carol away).
    await Promise.all([startSending(carol, bob, 'c2b-queued'), startSending(bob, carol, 'b2c-held')]);

    await waitForEvent(carol, 'sessionDisconnected:networkDisconnected', NOTICE_MS + graceMs);
    for (const p of [alice, bob]) {
      await waitInPage(p.page, `${p.name} to drop carol`, () => (window as unknown as { t: { state: { destroyed: unknown[] } } }).t.state.destroyed.length > 0, null, NOTICE_MS + graceMs);
      expect((await p.state()).destroyed, p.name).toEqual([{ id: carol.id, reason: 'networkDisconnected' }]);
    }
    const notConnected = Array(2 * COUNT).fill('500 OT_NOT_CONNECTED');
    const notFound = Array(COUNT).fill('404 OT_NOT_FOUND');
    expect(await outcomes(carol, NOTICE_MS)).toEqual(notConnected);
    expect(await outcomes(alice, NOTICE_MS)).toEqual(notFound);
    expect(await outcomes(bob, NOTICE_MS)).toEqual(notFound);
    expect((await carol.state()).sessionEvents).toEqual(['sessionConnected', 'sessionReconnecting', 'sessionDisconnected:networkDisconnected']);
    // Alice and bob still have each other.
    expect(await alice.send({ to: bob.id, type: 'after', data: 'still here' })).toEqual({ ok: true });
    for (const p of run.pages) expect(await p.state().then((s) => s.pageErrors), p.name).toEqual([]);
  });
});
