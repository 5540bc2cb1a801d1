/**
 * The demo page, driven through its UI only, as a person would, in each engine: two pages join,
 * one sends through the form, the other's log shows it, the sender's entry turns to delivered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/app.mjs';
import { attribute, clickWithin, count, isEnabled, text, value, waitFor } from './dom.js';
import { ENGINES, launchBrowser, sessionName, startTestServer, WAIT_MS, type EngineBrowser, type PageDriver } from './harness.js';

describe.each(ENGINES)('%s', (engine) => {
  let browser: EngineBrowser;
  let server: RunningServer;
  const pages: PageDriver[] = [];

  beforeAll(async () => {
    [browser, server] = await Promise.all([launchBrowser(engine), startTestServer()]);
  });
  afterAll(async () => {
    await Promise.all(pages.map((p) => p.close()));
    await browser?.close();
    await server?.close();
  });

  async function openPage(name: string): Promise<PageDriver> {
    const page = await browser.newPage({ viewport: { width: 420, height: 900 } });
    pages.push(page);
    page.on('pageerror', (error) => console.error(`[demo ${name} ${engine}] page error: ${error.message}`));
    return page;
  }

  /** Opens the demo with the session in the URL (as a shared link would) and joins through the form. */
  async function joinDemo(sessionId: string, name: string): Promise<PageDriver> {
    const page = await openPage(name);
    // '/' redirects to the demo and keeps the query.
    await page.goto(`${server.url}?session=${encodeURIComponent(sessionId)}`);
    expect(page.url()).toContain('/demo/');
    expect(await value(page, '#session-id')).toBe(sessionId);
    // The bootstrap server defaults to the page's own origin.
    expect(await value(page, '#peer-host')).toBe('127.0.0.1');
    expect(await value(page, '#peer-port')).toBe(String(server.port));
    await page.fill('#display-name', name);
    await page.click('#join');
    await waitFor(page, `the demo of ${name} to say connected`, '#status[data-state="connected"]');
    return page;
  }

  describe('the demo page', () => {
    it('two pages join through the UI; a signal sent through the form shows in the other log and turns delivered', async () => {
      const sessionId = sessionName('demo');
      const alice = await joinDemo(sessionId, 'Alice');
      const bob = await joinDemo(sessionId, 'Bob <b>not html</b>');

      // Each lists both connections (live list).
      for (const page of [alice, bob]) {
        await waitFor(page, 'two entries in the connection list', '#connections li', { n: 2 });
        expect(await text(page, '#conn-count')).toBe('2');
      }
      // The session name went into the URL, so the link can be shared.
      expect(new URL(alice.url()).searchParams.get('session')).toBe(sessionId);
      // Peer data is shown as text, never parsed as HTML.
      expect(await count(alice, '#connections b')).toBe(0);
      expect(await text(alice, '#connections')).toContain('Bob <b>not html</b>');

      // Alice signals Bob: pick Bob in "To" by clicking his entry, type and data, send.
      await clickWithin(alice, { selector: '#connections li', hasText: 'Bob' }, 'button');
      await alice.fill('#send-type', 'chat');
      await alice.fill('#send-data', 'hello Bob ✓');
      expect(await text(alice, '#byte-count')).toBe('13 / 8192 bytes');
      await alice.click('#send');

      const received = '#log li[data-kind="received"]';
      await waitFor(bob, "Bob's log to show Alice's signal", received);
      expect(await count(bob, received)).toBe(1);
      const receivedText = await text(bob, received);
      expect(receivedText).toContain('from Alice');
      expect(receivedText).toContain('chat');
      expect(receivedText).toContain('hello Bob ✓');

      await waitFor(alice, "Alice's sent entry to turn delivered", '#log li[data-kind="sent"][data-state="delivered"]');
      expect(await text(alice, '#log li[data-kind="sent"] .state')).toMatch(/^delivered · [\d.]+ ms$/);
      expect(await text(alice, '#log li[data-kind="sent"]')).toContain('to Bob');
      // A directed signal does not show up in the sender's own received log.
      expect(await count(alice, received)).toBe(0);

      // Invalid input shows the library's own error, not a silent no-op.
      await alice.fill('#send-to', '');
      await alice.fill('#send-type', 'not valid!');
      await alice.click('#send');
      const failed = '#log li[data-kind="sent"][data-state="failed"]';
      await waitFor(alice, 'the invalid signal to show as failed', failed);
      expect(await text(alice, `${failed} .state`)).toBe('failed · 400 OT_INVALID_PARAMETER');
      expect(await text(alice, `${failed} .error`)).not.toBe('');

      // Over the size limit: the counter says so, and the library's 413 shows.
      await alice.fill('#send-type', 'chat');
      await alice.fill('#send-data', 'é'.repeat(4097));
      expect(await text(alice, '#byte-count')).toBe('8194 / 8192 bytes');
      expect(await count(alice, '#byte-count.over')).toBe(1);
      await alice.click('#send');
      await waitFor(alice, 'the oversize signal to show as failed', '#log li[data-kind="sent"][data-code="413"]');

      // A broadcast reaches both, the sender included.
      await alice.fill('#send-data', 'to everyone');
      await alice.click('#send');
      for (const page of [alice, bob]) {
        await waitFor(page, 'the broadcast in both logs', { selector: received, hasText: 'to everyone' });
      }
      // Bob leaves: Alice's list drops him.
      await bob.click('#leave');
      await waitFor(alice, "Alice's list to drop Bob", { selector: '#connections li', hasText: 'Bob' }, { gone: true });
      expect(await text(alice, '#conn-count')).toBe('1');
    });
  });

  describe('the demo page with an unreachable bootstrap server', () => {
    it('takes host/port/path from the URL and shows why joining failed', async () => {
      const page = await openPage('Zoe');
      // Port 1 on loopback: nothing listens there, so the connection is refused at once.
      await page.goto(`${server.url}demo/?session=nowhere&name=Zoe&host=127.0.0.1&port=1&path=/elsewhere`);
      expect(await value(page, '#peer-port')).toBe('1');
      expect(await value(page, '#peer-path')).toBe('/elsewhere');
      expect(await value(page, '#display-name')).toBe('Zoe');
      await page.click('#join');
      await waitFor(page, 'the join error to show', '#join-error:not([hidden])', { ms: WAIT_MS });
      expect(await text(page, '#join-error')).toMatch(/^Could not join: /);
      expect(await attribute(page, '#status', 'data-state')).toBe('idle');
      expect(await isEnabled(page, '#join')).toBe(true);
    });
  });
});
