/**
 * Pages leaving and the bootstrap server going away, with real browsers (Chromium and Firefox),
 * WebRTC and PeerServer.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/app.mjs';
import { ENGINES, formMesh, launchBrowser, sessionName, startTestServer, TestPage, type EngineBrowser, type EnginePage, type PageState } from './harness.js';

/**
 * How long the others may take to notice a closed page: its goodbye arrives at once; with the
 * default `persist` it says "maybe back" and the page is away for the 5 s reload grace first.
 * The margin is for a busy machine (this bounds a hang, it asserts no speed).
 */
const LEAVE_NOTICE_MS = 20_000;
/** The 404 of a signal that was accepted and then lost its target (Delivery, `peerLeft`). */
const LEFT_BEFORE_ACK = /left the session \(clientDisconnected\) before acknowledging/;
/** The 404 of `signal()` checking `to` against members that already left (validation). */
const NO_LONGER_CONNECTED = /is no longer connected to the session/;

describe.each(ENGINES)('%s', (engine) => {
  let browser: EngineBrowser;
  let server: RunningServer;
  let pages: EnginePage[] = [];

  beforeAll(async () => {
    [browser, server] = await Promise.all([launchBrowser(engine), startTestServer()]);
  });
  afterEach(async () => {
    await Promise.all(pages.map((p) => p.close().catch(() => {})));
    pages = [];
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  describe('pages leave', () => {
    /**
     * Forms a mesh of ann, ben and cat, closes cat's tab and waits until ann and ben no longer see
     * it: each must have seen cat's link go through one of `linkStates`, then cat destroyed as
     * clientDisconnected.
     */
    async function closeCat(label: string, sessionOptions: object, linkStates: PageState['links'][number]['state'][][]): Promise<[EnginePage, EnginePage, EnginePage]> {
      pages = await formMesh(browser, server, sessionName(label), ['ann', 'ben', 'cat'], { sessionOptions });
      const [ann, ben, cat] = pages as [EnginePage, EnginePage, EnginePage];
      await cat.closeTab();
      await Promise.all([ann, ben].map((p) => p.waitForLive([ann.id, ben.id], LEAVE_NOTICE_MS)));
      for (const page of [ann, ben]) {
        const { destroyed, links } = await page.state();
        // The pagehide goodbye arrived, or its channel closed with no goodbye (a page going away):
        // a page that vanished silently would be networkDisconnected.
        expect(destroyed, page.name).toEqual([{ id: cat.id, reason: 'clientDisconnected' }]);
        expect(linkStates.map((states) => states.map((state) => ({ id: cat.id, state }))), page.name).toContainEqual(links);
      }
      return [ann, ben, cat];
    }

    it('a closed page (persist on) says "maybe back": away, then clientDisconnected after the reload grace; a signal to it then → 404 of validation', async () => {
      const [ann, ben, cat] = await closeCat('close', {}, [['away']]);
      const late = await ann.send({ to: cat.id, type: 'late', data: 'x' });
      expect(late).toMatchObject({ code: 404, name: 'OT_NOT_FOUND' });
      expect(late.message).toMatch(NO_LONGER_CONNECTED);
      // The rest of the mesh is unharmed.
      expect(await ann.send({ type: 'still', data: 'here' })).toEqual({ ok: true });
      expect(await ben.dataFrom(ann.id, 'still')).toEqual(['here']);
    });

    it('a closed page with persist off says a final goodbye: clientDisconnected, with no away first where the goodbye arrives', async () => {
      // Firefox drops the pagehide goodbye in about 1 close of 3 (docs/e2e.md); the others then
      // see the channel closed with no goodbye: away for the reload grace, then clientDisconnected.
      await closeCat('close-final', { persist: false }, engine === 'firefox' ? [[], ['away']] : [[]]);
    });

    it('a signal sent to a page that closed but is not yet gone fails with the 404 of a lost target, not silence', async () => {
      pages = await formMesh(browser, server, sessionName('vanish'), ['ann', 'dan']);
      const [ann, dan] = pages as [EnginePage, EnginePage];
      await dan.closeTab();
      // Sent at once: dan is still a member for ann (away for the reload grace, or not yet told),
      // so the signal is accepted and must fail when dan leaves, not on validation.
      const result = await ann.send({ to: dan.id, type: 'into-the-void', data: 'x' });
      expect(result).toMatchObject({ code: 404, name: 'OT_NOT_FOUND' });
      expect(result.message).toMatch(LEFT_BEFORE_ACK);
      expect((await ann.state()).destroyed).toEqual([{ id: dan.id, reason: 'clientDisconnected' }]);
    });

    it('the introducer (first page) closes → the others keep signalling and a new page still joins', async () => {
      const sessionId = sessionName('introducer');
      pages = await formMesh(browser, server, sessionId, ['first', 'second', 'third']);
      const [first, second, third] = pages as [EnginePage, EnginePage, EnginePage];
      await first.close();
      await Promise.all([second.waitForLive([second.id, third.id], LEAVE_NOTICE_MS), third.waitForLive([second.id, third.id], LEAVE_NOTICE_MS)]);

      expect(await second.send({ type: 'after-first-left', data: 'one' })).toEqual({ ok: true });
      expect(await third.send({ to: second.id, type: 'after-first-left', data: 'two' })).toEqual({ ok: true });
      expect(await third.dataFrom(second.id, 'after-first-left')).toEqual(['one']);
      expect(await second.dataFrom(third.id, 'after-first-left')).toEqual(['two']);

      const fourth = await TestPage.open(browser, server, 'fourth');
      pages.push(fourth);
      await fourth.connect(sessionId, server);
      const ids = [second.id, third.id, fourth.id];
      await Promise.all([second, third, fourth].map((p) => p.waitForLive(ids)));
      expect(await fourth.send({ type: 'hello-from-fourth', data: 'hi' })).toEqual({ ok: true });
      for (const page of [second, third, fourth]) expect(await page.dataFrom(fourth.id, 'hello-from-fourth')).toEqual(['hi']);
      expect(await second.send({ to: fourth.id, type: 'welcome', data: 'w' })).toEqual({ ok: true });
      expect(await fourth.dataFrom(second.id, 'welcome')).toEqual(['w']);
    });
  });

  describe('the PeerServer goes away', () => {
    it('stopped after the mesh formed → existing pages keep signalling', async () => {
      const own = await startTestServer();
      try {
        pages = await formMesh(browser, own, sessionName('no-server'), ['ann', 'ben', 'cat']);
        const [ann, ben, cat] = pages as [EnginePage, EnginePage, EnginePage];
        await own.close();

        expect(await ann.send({ type: 'without-server', data: 'broadcast' })).toEqual({ ok: true });
        for (const page of pages) expect(await page.dataFrom(ann.id, 'without-server')).toEqual(['broadcast']);
        expect(await cat.send({ to: ben.id, type: 'without-server', data: 'direct' })).toEqual({ ok: true });
        expect(await ben.dataFrom(cat.id, 'without-server')).toEqual(['direct']);
        const sent = await ben.sendMany({ type: 'burst', count: 50 });
        expect(sent.failed).toEqual([]);
        for (const page of pages) {
          const state = await page.state();
          expect(state.signals.filter((s) => s.from === ben.id && s.type === 'burst')).toHaveLength(50);
          expect(state.sessionEvents.filter((e) => e.startsWith('sessionDisconnected')), page.name).toEqual([]);
          expect(state.destroyed, page.name).toEqual([]);
        }
      } finally {
        await own.close();
      }
    });
  });
});
