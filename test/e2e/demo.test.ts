/**
 * The demo page, driven through its UI only, as a person would: two pages join, one sends
 * through the form, the other's log shows it, the sender's entry turns to delivered.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/app.mjs';
import { launchBrowser, sessionName, startTestServer, WAIT_MS } from './harness.js';

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

/** Opens the demo with the session in the URL (as a shared link would) and joins through the form. */
async function joinDemo(sessionId: string, name: string): Promise<Page> {
  const context = await browser.newContext({ permissions: ['microphone'], viewport: { width: 420, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`[demo ${name}] page error: ${error.message}`));
  // '/' redirects to the demo and keeps the query.
  await page.goto(`${server.url}?session=${encodeURIComponent(sessionId)}`);
  expect(page.url()).toContain('/demo/');
  expect(await page.inputValue('#session-id')).toBe(sessionId);
  // The bootstrap server defaults to the page's own origin.
  expect(await page.inputValue('#peer-host')).toBe('127.0.0.1');
  expect(await page.inputValue('#peer-port')).toBe(String(server.port));
  await page.fill('#display-name', name);
  await page.click('#join');
  await page.locator('#status[data-state="connected"]').waitFor({ timeout: WAIT_MS }).catch((error: Error) => {
    throw new Error(`timed out waiting for the demo of ${name} to say connected: ${error.message.split('\n')[0]}`);
  });
  return page;
}

async function waitFor(what: string, run: () => Promise<unknown>) {
  try {
    await run();
  } catch (error) {
    throw new Error(`timed out waiting for ${what}: ${(error as Error).message.split('\n')[0]}`);
  }
}

describe('the demo page', () => {
  it('two pages join through the UI; a signal sent through the form shows in the other log and turns delivered', async () => {
    const sessionId = sessionName('demo');
    const alice = await joinDemo(sessionId, 'Alice');
    const bob = await joinDemo(sessionId, 'Bob <b>not html</b>');

    // Each lists both connections (live list).
    for (const page of [alice, bob]) {
      await waitFor('two entries in the connection list', () =>
        page.locator('#connections li').nth(1).waitFor({ timeout: WAIT_MS }),
      );
      expect(await page.locator('#conn-count').textContent()).toBe('2');
    }
    // The session name went into the URL, so the link can be shared.
    expect(new URL(alice.url()).searchParams.get('session')).toBe(sessionId);
    // Peer data is shown as text, never parsed as HTML.
    expect(await alice.locator('#connections b').count()).toBe(0);
    expect(await alice.locator('#connections').textContent()).toContain('Bob <b>not html</b>');

    // Alice signals Bob: pick Bob in "To" by clicking his entry, type and data, send.
    await alice.locator('#connections li', { hasText: 'Bob' }).getByRole('button').click();
    await alice.fill('#send-type', 'chat');
    await alice.fill('#send-data', 'hello Bob ✓');
    expect(await alice.locator('#byte-count').textContent()).toBe('13 / 8192 bytes');
    await alice.click('#send');

    const received = bob.locator('#log li[data-kind="received"]');
    await waitFor("Bob's log to show Alice's signal", () => received.first().waitFor({ timeout: WAIT_MS }));
    expect(await received.count()).toBe(1);
    const receivedText = await received.first().textContent();
    expect(receivedText).toContain('from Alice');
    expect(receivedText).toContain('chat');
    expect(receivedText).toContain('hello Bob ✓');

    const sent = alice.locator('#log li[data-kind="sent"]').first();
    await waitFor("Alice's sent entry to turn delivered", () =>
      alice.locator('#log li[data-kind="sent"][data-state="delivered"]').first().waitFor({ timeout: WAIT_MS }),
    );
    expect(await sent.locator('.state').textContent()).toMatch(/^delivered · [\d.]+ ms$/);
    expect(await sent.textContent()).toContain('to Bob');
    // A directed signal does not show up in the sender's own received log.
    expect(await alice.locator('#log li[data-kind="received"]').count()).toBe(0);

    // Invalid input shows the library's own error, not a silent no-op.
    await alice.selectOption('#send-to', '');
    await alice.fill('#send-type', 'not valid!');
    await alice.click('#send');
    const failed = alice.locator('#log li[data-kind="sent"][data-state="failed"]').first();
    await waitFor('the invalid signal to show as failed', () => failed.waitFor({ timeout: WAIT_MS }));
    expect(await failed.locator('.state').textContent()).toBe('failed · 400 OT_INVALID_PARAMETER');
    expect(await failed.locator('.error').textContent()).not.toBe('');

    // Over the size limit: the counter says so, and the library's 413 shows.
    await alice.fill('#send-type', 'chat');
    await alice.fill('#send-data', 'é'.repeat(4097));
    expect(await alice.locator('#byte-count').textContent()).toBe('8194 / 8192 bytes');
    expect(await alice.locator('#byte-count.over').count()).toBe(1);
    await alice.click('#send');
    await waitFor('the oversize signal to show as failed', () =>
      alice.locator('#log li[data-kind="sent"][data-code="413"]').first().waitFor({ timeout: WAIT_MS }),
    );

    // A broadcast reaches both, the sender included.
    await alice.fill('#send-data', 'to everyone');
    await alice.click('#send');
    for (const page of [alice, bob]) {
      await waitFor('the broadcast in both logs', () =>
        page.locator('#log li[data-kind="received"]', { hasText: 'to everyone' }).first().waitFor({ timeout: WAIT_MS }),
      );
    }
    // Bob leaves: Alice's list drops him.
    await bob.click('#leave');
    await waitFor("Alice's list to drop Bob", () =>
      alice.locator('#connections li', { hasText: 'Bob' }).waitFor({ state: 'detached', timeout: WAIT_MS }),
    );
    expect(await alice.locator('#conn-count').textContent()).toBe('1');
  });
});

describe('the demo page with an unreachable bootstrap server', () => {
  it('takes host/port/path from the URL and shows why joining failed', async () => {
    const context = await browser.newContext({ permissions: ['microphone'] });
    contexts.push(context);
    const page = await context.newPage();
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    await page.goto(`${server.url}demo/?session=nowhere&name=Zoe&host=127.0.0.1&port=1&path=/elsewhere`);
    expect(await page.inputValue('#peer-port')).toBe('1');
    expect(await page.inputValue('#peer-path')).toBe('/elsewhere');
    expect(await page.inputValue('#display-name')).toBe('Zoe');
    await page.click('#join');
    await waitFor('the join error to show', () => page.locator('#join-error:not([hidden])').waitFor({ timeout: WAIT_MS }));
    expect(await page.locator('#join-error').textContent()).toMatch(/^Could not join: /);
    expect(await page.locator('#status').getAttribute('data-state')).toBe('idle');
    expect(await page.locator('#join').isEnabled()).toBe(true);
  });
});
