/**
 * A page reload in real Chromium and Firefox, with a real PeerServer and WebRTC: the reloaded tab
 * is the same Connection (its DTLS certificate and identity came back from IndexedDB and
 * sessionStorage), the signals it had not seen acknowledged are sent again from its outbox with
 * their original ids, and every app sees every signal once.
 *
 * The other page sees no connectionDestroyed/connectionCreated for the reload (the "maybe back"
 * goodbye keeps alice away, then the new page's links prove the same certificate-bound id), and
 * its own signals to the reloading page are held, then delivered, instead of failing with 404.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/app.mjs';
import { ENGINES, launchBrowser, launchBrowsers, peerjsOf, sessionName, startTestServer, waitInPage, within, WAIT_MS, type Browsers, type EngineBrowser, type PageDriver, type PeerJsOptions } from './harness.js';

/** Chromium through Playwright itself, for the duplicated tab (a popup) and the demo (its DOM). */
let browser: Browser;
let server: RunningServer;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [browser, server] = await Promise.all([launchBrowser(), startTestServer()]);
});
afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close()));
  await browser?.close();
  await server?.close();
});

interface Self { connectionId: string; creationTime: number; data: string }
interface LogEntry { type: string; data: string; from: string }
interface ReloadState {
  connections: string[];
  outbox: { id: number; data: string; to: string[]; code: number | null }[];
  storageWarnings: string[];
  pageErrors: string[];
  sent: Record<string, 'ok' | number>;
  joinedAtMs?: number;
}
type ReloadApi = {
  state: ReloadState;
  start(config: { sessionId: string; name: string; peerjs: PeerJsOptions }): Promise<Self>;
  self(): Self | undefined;
  isConnected(): boolean;
  log(): LogEntry[];
  sendMany(to: string, type: string, count: number, prefix?: string): void;
  send(to: string, type: string, data: string): Promise<'ok' | number>;
  /** Outbox entries of this page in IndexedDB (what a reload now would resend). */
  outboxOnDisk(): Promise<number>;
};
declare const r: ReloadApi;

/** The reload page in a context of its own: in `engineBrowser` (either engine, the common driver), else in Playwright's Chromium. */
async function openPage(name: string): Promise<Page>;
async function openPage(name: string, engineBrowser: EngineBrowser): Promise<PageDriver>;
async function openPage(name: string, engineBrowser?: EngineBrowser): Promise<Page | PageDriver> {
  let page: Page | PageDriver;
  if (engineBrowser) page = await engineBrowser.newPage();
  else {
    const context = await browser.newContext({ permissions: ['microphone'] });
    contexts.push(context);
    page = await context.newPage();
  }
  page.on('pageerror', (error: Error) => console.error(`[${name}] page error: ${error.message}`));
  await page.goto(`${server.url}e2e/reload.html`);
  await waitInPage(page, `the reload page of ${name} to load`, () => (globalThis as { rReady?: boolean }).rReady === true, null);
  return page;
}

const sequence = (n: number) => Array.from({ length: n }, (_, i) => String(i));

describe.each(ENGINES)('%s: a page reload', (engine) => {
  let engineBrowser: EngineBrowser;
  const pages: PageDriver[] = [];
  beforeAll(async () => {
    engineBrowser = await launchBrowser(engine);
  });
  afterAll(async () => {
    await Promise.all(pages.map((p) => p.close()));
    await engineBrowser?.close();
  });

  it('with signals in flight both ways: same Connection, outbox resent with original ids, each signal once', async () => {
    const [alice, bob] = await Promise.all([openPage('alice', engineBrowser), openPage('bob', engineBrowser)]);
    pages.push(alice, bob);
    await reloadWithSignalsInFlight(alice, bob);
  });
});

describe('mixed engines: a page reload', () => {
  let browsers: Browsers;
  const pages: PageDriver[] = [];
  beforeAll(async () => {
    // Firefox shows its address: Chromium cannot resolve fresh Firefox mDNS names (docs/e2e.md).
    browsers = await launchBrowsers({ firefoxHostCandidates: 'address' });
  });
  afterAll(async () => {
    await Promise.all(pages.map((p) => p.close()));
    await browsers?.close();
  });

  it('a Firefox page reloads beside a Chromium page, and a Chromium page beside a Firefox page: the same guarantees', async () => {
    for (const [reloading, staying] of [['firefox', 'chromium'], ['chromium', 'firefox']] as const) {
      const [alice, bob] = await Promise.all([openPage(`alice-${reloading}`, browsers[reloading]), openPage(`bob-${staying}`, browsers[staying])]);
      pages.push(alice, bob);
      await reloadWithSignalsInFlight(alice, bob);
    }
  });
});

/**
 * Alice reloads with signals in flight both ways (see the header): the checks of one reload,
 * for pages of one engine or of two.
 */
async function reloadWithSignalsInFlight(alice: PageDriver, bob: PageDriver): Promise<void> {
  const sessionId = sessionName('reload');
  const aliceSelf = await within(alice.evaluate((c) => r.start(c), { sessionId, name: 'alice', peerjs: peerjsOf(server) }), WAIT_MS, 'alice to join');
  const bobSelf = await within(bob.evaluate((c) => r.start(c), { sessionId, name: 'bob', peerjs: peerjsOf(server) }), WAIT_MS, 'bob to join');
  // The id is bound to a certificate made with generateCertificate (see src/identity/fingerprint.ts).
  expect(aliceSelf.connectionId).toMatch(/^f[a-z2-7]{26}$/);
  await waitInPage(alice, 'alice to see bob', (id) => r.state.connections.includes(`created ${id}`), bobSelf.connectionId);

  // Bob sends to alice, then stalls on a signal from alice (no acks from him for 1.5 s) while
  // alice keeps sending: her signals stay unacknowledged, are written to her outbox, and she
  // reloads with them (and bob's last ones) still in flight.
  await bob.evaluate((a) => r.sendMany(a, 'b2a', 10), aliceSelf.connectionId);
  await alice.evaluate(([b]) => {
    void r.send(b, 'stall', '1500');
    r.sendMany(b, 'a2b', 10);
  }, [bobSelf.connectionId] as const);
  // Reload as soon as the outbox is on disk: it is written at the end of the sending task, and a
  // reload inside that task (plus the commit) may lose it, as the README says.
  await expect.poll(() => alice.evaluate(() => r.outboxOnDisk()), { timeout: WAIT_MS, message: 'alice\'s outbox on disk' }).toBeGreaterThan(0);
  await alice.reload();
  await waitInPage(alice, 'the reloaded alice to rejoin', () => (globalThis as { rReady?: boolean }).rReady === true && r.isConnected(), null);

  // Same Connection: id, creation time and data.
  expect(await alice.evaluate(() => r.self())).toEqual(aliceSelf);
  console.log(`the reloaded page was connected ${await alice.evaluate(() => r.state.joinedAtMs)} ms after its navigation started`);

  // Every signal alice sent reached bob's app exactly once, in order; the reloaded page heard
  // the outcome of each one it resent, with the original ids.
  await waitInPage(bob, 'bob to receive alice\'s 10 signals', () => r.log().filter((e) => e.type === 'a2b').length >= 10, null);
  const outbox = await within(waitForOutbox(alice), WAIT_MS, 'the outcomes of alice\'s resent signals').catch(async (error: Error) => {
    // Say what each side saw: an empty outbox after the reload and a lost outcome look alike here.
    const seen = { alice: await alice.evaluate(() => r.state), bobGot: (await bob.evaluate(() => r.log())).map((e: LogEntry) => `${e.type}:${e.data}`) };
    throw new Error(`${error.message}; ${JSON.stringify(seen).slice(0, 3000)}`);
  });
  expect(outbox.length).toBeGreaterThan(0); // some were unacknowledged at the reload: the test exercised the outbox
  expect(outbox.every((o) => o.code === null && o.to.length === 1 && o.to[0] === bobSelf.connectionId)).toBe(true);
  expect(outbox.map((o) => o.id)).toEqual([...outbox.map((o) => o.id)].sort((x, y) => x - y));
  const bobLog: LogEntry[] = await bob.evaluate(() => r.log());
  expect(bobLog.filter((e) => e.type === 'a2b').map((e) => e.data)).toEqual(sequence(10));
  expect(bobLog.filter((e) => e.type === 'stall')).toHaveLength(1);

  // Bob's signals to alice: each reached alice's app (old page + reloaded page) at most once,
  // in order, and every one bob was told succeeded is there: nothing lost silently.
  await waitInPage(bob, 'bob to hear the outcome of his 10 signals', () => Object.keys(r.state.sent).length >= 10, null);
  const bobSent: Record<string, 'ok' | number> = await bob.evaluate(() => r.state.sent);
  const aliceGot = (await alice.evaluate(() => r.log())).filter((e: LogEntry) => e.type === 'b2a').map((e: LogEntry) => e.data);
  expect(new Set(aliceGot).size).toBe(aliceGot.length);
  expect(aliceGot).toEqual([...aliceGot].sort((x, y) => Number(x) - Number(y)));
  for (const [data, outcome] of Object.entries(bobSent)) if (outcome === 'ok') expect(aliceGot).toContain(data);

  // After the reload both keep working, and nothing broke inside either page.
  expect(await alice.evaluate((b) => r.send(b, 'after', 'x'), bobSelf.connectionId)).toBe('ok');
  expect(await bob.evaluate((a) => r.send(a, 'after', 'y'), aliceSelf.connectionId)).toBe('ok');
  for (const page of [alice, bob]) {
    const state: ReloadState = await page.evaluate(() => r.state);
    expect(state.pageErrors).toEqual([]);
    expect(state.storageWarnings).toEqual([]);
  }
  // What bob saw of the reload: alice away, then linked again — never destroyed or re-created.
  const seen = (await bob.evaluate(() => r.state.connections)).filter((e: string) => e.endsWith(aliceSelf.connectionId));
  expect(seen.map((e: string) => e.split(' ')[0])).toEqual(['created', 'away', 'linked']);
  // And bob's signals to the reloading page were held, not failed: every one was delivered.
  expect(Object.values(bobSent).every((outcome) => outcome === 'ok')).toBe(true);
  expect(aliceGot).toEqual(Object.keys(bobSent).sort((x, y) => Number(x) - Number(y)));
}

/** Polls the reloaded page until its outbox outcomes stop changing and all are in. */
async function waitForOutbox(page: PageDriver): Promise<ReloadState['outbox']> {
  await waitInPage(page, 'an outboxSignal event', () => r.state.outbox.length > 0, null);
  let last = -1;
  for (;;) {
    const outbox: ReloadState['outbox'] = await page.evaluate(() => r.state.outbox);
    if (outbox.length === last) return outbox;
    last = outbox.length;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

describe('a duplicated tab', () => {
  it('(a copy of sessionStorage, opened with window.open) gets a new identity while the original is live', async () => {
    const sessionId = sessionName('duplicate');
    const alice = await openPage('alice');
    const aliceSelf = await within(alice.evaluate((c) => r.start(c), { sessionId, name: 'alice', peerjs: peerjsOf(server) }), WAIT_MS, 'alice to join');
    // A window opened by the page starts with a copy of its sessionStorage, as a duplicated tab does.
    const [twin] = await Promise.all([alice.waitForEvent('popup'), alice.evaluate(() => void window.open(location.href))]);
    await waitInPage(twin, 'the twin to join by itself (it found the copied config)', () => (globalThis as { rReady?: boolean }).rReady === true && r.isConnected(), null);
    const twinSelf: Self = await twin.evaluate(() => r.self()!);
    expect(twinSelf.connectionId).not.toBe(aliceSelf.connectionId);
    expect(twinSelf.connectionId).toMatch(/^f[a-z2-7]{26}$/);
    expect(twinSelf.data).toBe('alice');
    expect(await alice.evaluate(() => r.self())).toEqual(aliceSelf);
    await waitInPage(alice, 'alice to see her twin', (id) => r.state.connections.includes(`created ${id}`), twinSelf.connectionId);
    expect(await twin.evaluate((a) => r.send(a, 'hello', 'from the twin'), aliceSelf.connectionId)).toBe('ok');
    // The twin now owns its own stored identity: its reload keeps it.
    await twin.reload();
    await waitInPage(twin, 'the reloaded twin to rejoin', () => (globalThis as { rReady?: boolean }).rReady === true && r.isConnected(), null);
    expect(await twin.evaluate(() => r.self())).toEqual(twinSelf);
  });
});

describe('the demo', () => {
  async function joinDemo(sessionId: string, name: string): Promise<Page> {
    const context = await browser.newContext({ permissions: ['microphone'] });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${server.url}?session=${encodeURIComponent(sessionId)}`);
    await page.fill('#display-name', name);
    await page.click('#join');
    await page.locator('#status[data-state="connected"]').waitFor({ timeout: WAIT_MS });
    return page;
  }
  const ownId = (page: Page) => page.locator('#connections li.me').getAttribute('data-connection-id');

  it('shows each connection\'s link state, and a reloaded tab rejoins as the same connection', async () => {
    const sessionId = sessionName('demo-reload');
    const alice = await joinDemo(sessionId, 'Alice');
    const bob = await joinDemo(sessionId, 'Bob');
    const bobOnAlice = alice.locator('#connections li', { hasText: 'Bob' });
    await bobOnAlice.waitFor({ timeout: WAIT_MS });
    expect(await bobOnAlice.locator('.link-state').getAttribute('data-state')).toBe('linked');
    const before = await ownId(alice);
    expect(before).toMatch(/^f[a-z2-7]{26}$/);
    await alice.reload();
    await alice.locator('#status[data-state="connected"]').waitFor({ timeout: WAIT_MS });
    expect(await ownId(alice)).toBe(before);
    await alice.locator('#connections li', { hasText: 'Bob' }).waitFor({ timeout: WAIT_MS });
    await bob.locator(`#connections li[data-connection-id="${before}"]`).waitFor({ timeout: WAIT_MS });
    // Bob's demo saw the reload as a link that went away and came back (the transport half).
    await bob.locator('#log li', { hasText: 'Alice' }).filter({ hasText: 'linked again' }).waitFor({ timeout: WAIT_MS });
    expect(await bob.locator('#log li', { hasText: 'Alice' }).filter({ hasText: 'is away' }).count()).toBe(1);
    expect(await bob.locator('#log li', { hasText: 'left' }).count()).toBe(0);
    expect(await bob.locator(`#connections li[data-connection-id="${before}"] .link-state`).getAttribute('data-state')).toBe('linked');
    // Leaving on purpose forgets the identity: the next join is a new connection.
    await alice.click('#leave');
    await alice.reload();
    await alice.fill('#display-name', 'Alice');
    await alice.click('#join');
    await alice.locator('#status[data-state="connected"]').waitFor({ timeout: WAIT_MS });
    expect(await ownId(alice)).not.toBe(before);
  });
});
