/**
 * The built demo (dist/demo) served by a plain static file server, no PeerServer anywhere: one
 * page starts a session with "No server", invites through the UI, the invited page opens the
 * invite link, hands its reply back, and both list each other and exchange a signal.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, sessionName, WAIT_MS } from './harness.js';
import { startStaticServer, type StaticServer } from './helpers/static-server.js';

let browser: Browser;
let statics: StaticServer;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [browser, statics] = await Promise.all([launchBrowser(), startStaticServer()]);
});
afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close()));
  await browser?.close();
  await statics?.close();
});

async function openDemo(url: string, name: string): Promise<Page> {
  const context = await browser.newContext({ permissions: ['microphone'], viewport: { width: 420, height: 1200 } });
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`[demo ${name}] page error: ${error.message}`));
  await page.goto(url);
  await page.fill('#display-name', name);
  return page;
}

async function waitFor(what: string, run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (error) {
    throw new Error(`timed out waiting for ${what}: ${(error as Error).message.split('\n')[0]}`);
  }
}

describe('the demo with no server', () => {
  it('starts alone, invites through the UI (code, link, QR), lets the invited page in; both signal', async () => {
    const sessionId = sessionName('nodemo');
    const alice = await openDemo(`${statics.url}demo/?session=${encodeURIComponent(sessionId)}`, 'Alice');
    await alice.check('#no-server');
    await alice.click('#join');
    await waitFor('Alice to be connected alone', () => alice.locator('#status[data-state="connected"]').waitFor({ timeout: WAIT_MS }));

    await alice.click('#make-invite');
    await waitFor('the invite code', () => alice.locator('#invite-size').filter({ hasText: 'QR version' }).waitFor({ timeout: WAIT_MS }));
    const code = await alice.inputValue('#invite-text');
    expect(code).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(await alice.locator('#invite-qr').evaluate((c: HTMLCanvasElement) => c.width)).toBeGreaterThan(100);

    // Bob opens the link the copy button would copy (session and code in the fragment).
    const url = await alice.evaluate(() => {
      let copied = '';
      Object.defineProperty(navigator, 'clipboard', { configurable: true, value: { writeText: async (t: string) => void (copied = t) } });
      (document.getElementById('copy-invite-url') as HTMLButtonElement).click();
      return new Promise<string>((resolve) => setTimeout(() => resolve(copied), 100));
    });
    expect(url).toContain(`#session=${encodeURIComponent(sessionId)}&invite=${code}`);
    const bob = await openDemo(url, 'Bob');
    expect(await bob.inputValue('#session-id')).toBe(sessionId);
    expect(await bob.isChecked('#no-server')).toBe(true);
    expect(await bob.inputValue('#invite-code')).toBe(code);
    await bob.click('#join');
    await waitFor("Bob's reply", () => bob.locator('#reply-size').filter({ hasText: 'QR version' }).waitFor({ timeout: WAIT_MS }));
    const reply = await bob.inputValue('#reply-text');

    await alice.fill('#reply-in', reply);
    await alice.click('#accept-reply');
    await waitFor('Alice to let Bob in', () => alice.locator('#invite-status').filter({ hasText: 'Linked' }).waitFor({ timeout: WAIT_MS }));
    for (const page of [alice, bob]) {
      await waitFor('both in the connection list', () => page.locator('#connections li').nth(1).waitFor({ timeout: WAIT_MS }));
      expect(await page.locator('#conn-count').textContent()).toBe('2');
    }
    await waitFor('Bob connected', () => bob.locator('#status[data-state="connected"]').waitFor({ timeout: WAIT_MS }));
    expect(await bob.locator('#reply-out').isHidden()).toBe(true);

    await bob.fill('#send-data', 'hello from Bob, no server');
    await bob.click('#send');
    await waitFor("Bob's signal at Alice", () => alice.locator('#log li.received').filter({ hasText: 'hello from Bob, no server' }).waitFor({ timeout: WAIT_MS }));
    await waitFor("Bob's signal delivered", () => bob.locator('#log li.sent[data-state="delivered"]').waitFor({ timeout: WAIT_MS }));

    // A reply entered twice is refused with the documented reason.
    await alice.fill('#reply-in', reply);
    await alice.click('#accept-reply');
    await waitFor('the refusal', () => alice.locator('#invite-status').filter({ hasText: '[used]' }).waitFor({ timeout: WAIT_MS }));
  });
});
