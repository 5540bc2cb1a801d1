/**
 * The OpenTok drop-in, in Chromium, against the `npm start` server: pages written like OpenTok's
 * text-chat sample (classic scripts, `OT.initSession(apiKey, sessionId)`, `connect(token, cb)`)
 * loading dist/mesh-signal.global.js; and what loading the library does to a page's globals.
 *
 * Run: `npm run build && scripts/loopback.sh npx vitest run --project e2e test/e2e/opentok-chat.test.ts`
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/app.mjs';
import { launchBrowser, sessionName, startTestServer, waitInPage, WAIT_MS } from './harness.js';

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

interface ChatPage {
  page: Page;
  name: string;
  /** Uncaught errors and unhandled rejections of the page. */
  pageErrors: string[];
}

// Names the chat page's classic scripts define (test/e2e/pages/opentok/app.js).
declare const session: { connection: { connectionId: string }; connections: { connectionId: string }[] };

async function newPage(name: string): Promise<ChatPage> {
  // A granted media permission is what makes Chromium expose 127.0.0.1 candidates.
  const context = await browser.newContext({ permissions: ['microphone'] });
  contexts.push(context);
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  return { page, name, pageErrors };
}

async function openChat(name: string, sessionId: string): Promise<ChatPage> {
  const chat = await newPage(name);
  await chat.page.goto(`${server.url}e2e/opentok/chat.html?session=${encodeURIComponent(sessionId)}`);
  await waitInPage(chat.page, `${name}'s chat page to connect (its connect callback)`, () => document.body.dataset.connected === 'yes', null);
  return chat;
}

async function say(chat: ChatPage, text: string): Promise<void> {
  await chat.page.fill('#msgTxt', text);
  await chat.page.press('#msgTxt', 'Enter');
  // The sample clears the input in the signal's completion handler, on success only.
  await waitInPage(chat.page, `${chat.name}'s signal '${text}' to complete`, () => (document.querySelector('#msgTxt') as HTMLInputElement).value === '', null);
}

function history(chat: ChatPage): Promise<{ text: string; kind: string }[]> {
  return chat.page.$$eval('#history p', (ps) => ps.map((p) => ({ text: p.textContent ?? '', kind: p.className })));
}

describe('an OpenTok text-chat page on mesh-signal.global.js', () => {
  it('two pages chat both ways: own messages shown as mine, the other’s as theirs, each once; video calls report OT_NOT_SUPPORTED', async () => {
    const sessionId = sessionName('ot-chat');
    const alice = await openChat('alice', sessionId);
    const bob = await openChat('bob', sessionId);
    for (const [chat, other] of [[alice, bob], [bob, alice]] as const) {
      await waitInPage(chat.page, `${chat.name} to see ${other.name} in session.connections`, () => session.connections.length === 1, null);
    }
    const aliceId = await alice.page.evaluate(() => session.connection.connectionId);
    const bobId = await bob.page.evaluate(() => session.connection.connectionId);
    expect(aliceId).not.toBe(bobId);
    expect(await alice.page.evaluate(() => session.connections.map((c) => c.connectionId))).toEqual([bobId]);

    const aliceSays = ['hello from alice', 'how are you? ✓'];
    const bobSays = ['hi from bob', '<b>fine</b>'];
    await say(alice, aliceSays[0]!);
    await say(bob, bobSays[0]!);
    await say(alice, aliceSays[1]!);
    await say(bob, bobSays[1]!);

    for (const chat of [alice, bob]) {
      await waitInPage(chat.page, `${chat.name}'s history to hold the 4 messages`, () => document.querySelectorAll('#history p').length >= 4, null);
    }
    // Let any duplicate arrive before counting.
    await new Promise((resolve) => setTimeout(resolve, 500));

    for (const [chat, mine, theirs] of [[alice, aliceSays, bobSays], [bob, bobSays, aliceSays]] as const) {
      const shown = await history(chat);
      expect(shown, `${chat.name}'s history`).toHaveLength(4);
      // Each message once; from one sender in the order sent (no order across senders).
      expect(shown.filter((m) => m.kind === 'mine').map((m) => m.text), `${chat.name}'s own messages`).toEqual(mine);
      expect(shown.filter((m) => m.kind === 'theirs').map((m) => m.text), `${chat.name}'s messages from the other`).toEqual(theirs);
      // Text, never parsed as HTML.
      expect(await chat.page.locator('#history b').count()).toBe(0);
    }

    for (const chat of [alice, bob]) {
      // OT.initPublisher and session.publish: each reports OT_NOT_SUPPORTED to its handler and as
      // an `exception` (1500) on OT; the chat above went on regardless.
      await waitInPage(chat.page, `${chat.name}'s two video calls to report errors`, () => document.querySelectorAll('#errors li[data-name]').length >= 2, null);
      const names = await chat.page.$$eval('#errors li[data-name]', (lis) => lis.map((li) => (li as HTMLElement).dataset.name));
      expect(names, `${chat.name}'s completion-handler errors`).toEqual(['OT_NOT_SUPPORTED', 'OT_NOT_SUPPORTED']);
      const exceptions = await chat.page.$$eval('#errors li[data-exception]', (lis) => lis.map((li) => (li as HTMLElement).dataset.exception));
      expect(exceptions, `${chat.name}'s OT exception events`).toEqual(['1500', '1500']);
      // No video element was made.
      expect(await chat.page.locator('video').count()).toBe(0);
      expect(chat.pageErrors, `${chat.name}'s uncaught errors`).toEqual([]);
    }
  });
});

describe('loading the library leaves the page’s globals alone', () => {
  /** Opens a page of pages/opentok/ that records its globals before and after the library loads. */
  async function probe(file: string): Promise<{ loaded: boolean; changes: string[]; pageErrors: string[] }> {
    const { page, pageErrors } = await newPage(file);
    await page.goto(`${server.url}e2e/opentok/${file}`);
    await waitInPage(page, `${file} to load the library and compare its globals`, () => 'probeResult' in window, null);
    const result = await page.evaluate(() => (window as unknown as { probeResult: { loaded: boolean; changes: string[] } }).probeResult);
    return { ...result, pageErrors };
  }

  it('the classic build adds window.OT and changes nothing else (RTCPeerConnection and its prototype included)', async () => {
    const result = await probe('globals-classic.html');
    expect(result.loaded).toBe(true);
    expect(result.changes).toEqual(['added window.OT']);
    expect(result.pageErrors).toEqual([]);
  });

  it('importing the ES module build changes no global', async () => {
    const result = await probe('globals-module.html');
    expect(result.loaded).toBe(true);
    expect(result.changes).toEqual([]);
    expect(result.pageErrors).toEqual([]);
  });

  it('the demo page loads the minified build', async () => {
    const { page, pageErrors } = await newPage('demo');
    const scripts: string[] = [];
    page.on('request', (request) => {
      if (request.resourceType() === 'script') scripts.push(new URL(request.url()).pathname);
    });
    await page.goto(`${server.url}demo/`);
    await page.locator('#join').waitFor({ timeout: WAIT_MS });
    await waitInPage(page, 'the demo to load the library', () => performance.getEntriesByType('resource').some((e) => e.name.includes('mesh-signal')), null);
    expect(scripts.filter((path) => path.includes('mesh-signal'))).toEqual(['/mesh-signal.min.js']);
    expect(pageErrors).toEqual([]);
  });
});
