/**
 * Real browser pages (Chromium and Firefox), a real PeerServer, real WebRTC: the mesh forms and
 * signals behave as the OpenTok contract says, in each engine.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/app.mjs';
import { ENGINES, formMesh, launchBrowser, network, sessionName, startTestServer, TestPage, type EngineBrowser, type EnginePage } from './harness.js';

/** The address in an ICE candidate line (`candidate:… 1 UDP 2122… ADDRESS PORT typ host …`). */
const candidateAddress = (line: string) => line.split(' ')[4] ?? '';

describe.each(ENGINES)('%s', (engine) => {
  let browser: EngineBrowser;
  let server: RunningServer;

  beforeAll(async () => {
    [browser, server] = await Promise.all([launchBrowser(engine), startTestServer()]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  describe('a full mesh forms', () => {
    let pages: EnginePage[] = [];
    afterEach(async () => {
      await Promise.all(pages.map((p) => p.close()));
      pages = [];
    });

    async function expectFullMesh(names: string[], concurrent: boolean) {
      pages = await formMesh(browser, server, sessionName(`mesh${names.length}`), names, { concurrent });
      const ids = pages.map((p) => p.id);
      expect(new Set(ids).size).toBe(names.length);
      for (const page of pages) {
        const { created } = await page.state();
        // Every page saw every connection once as connectionCreated, its own included, with its data.
        expect(created.map((c) => c.id).sort()).toEqual([...ids].sort());
        for (const other of pages) expect(created.find((c) => c.id === other.id)?.data).toBe(other.name);
      }
    }

    it('with 2 pages: each sees the other and itself as connectionCreated, with no STUN/TURN server', async () => {
      await expectFullMesh(['alice', 'bob'], false);
      // Offline LAN sessions: no peer connection that gathers candidates has an ICE server.
      for (const page of pages) {
        const used = (await page.rtcConfigs()).filter((c) => c.gathered);
        expect(used.length, page.name).toBeGreaterThan(0);
        for (const config of used) expect(config.iceServers ?? [], `${page.name}: ${config.stack}`).toEqual([]);
      }
      // On the lab LAN each engine shows its peers only mDNS names (as for real users), never an
      // address; on loopback Chromium's flag and permission make it 127.0.0.1.
      for (const page of pages) {
        // (Only what a page gathered: a pair may connect on a peer-reflexive candidate before the
        // other side's trickled candidates arrive, so what it received is timing.)
        const { local } = await page.candidates();
        expect(local.length, `${page.name} gathered candidates`).toBeGreaterThan(0);
        const pattern = network() === 'lab' ? /^[0-9a-f-]{36}\.local$/ : /^127\.0\.0\.1$/;
        for (const line of local) expect(candidateAddress(line), line).toMatch(pattern);
      }
    });

    it('with 4 pages joining one after another', async () => {
      await expectFullMesh(['p1', 'p2', 'p3', 'p4'], false);
    });

    it('with 8 pages joining at the same time', async () => {
      await expectFullMesh(['q1', 'q2', 'q3', 'q4', 'q5', 'q6', 'q7', 'q8'], true);
    });
  });

  describe('signals in a 3-page mesh', () => {
    let a: EnginePage, b: EnginePage, c: EnginePage;
    let all: EnginePage[];

    beforeAll(async () => {
      all = await formMesh(browser, server, sessionName('signals'), ['alice', 'bob', 'carol']);
      [a, b, c] = all as [EnginePage, EnginePage, EnginePage];
    });
    afterAll(async () => {
      await Promise.all((all ?? []).map((p) => p.close()));
    });

    it('a directed signal reaches only its target', async () => {
      expect(await a.send({ to: b.id, type: 'direct', data: 'for bob only' })).toEqual({ ok: true });
      // A later broadcast from the same sender: once it is everywhere, anything sent before it
      // would have arrived too (per-sender order), so its absence is a fact, not a timing guess.
      expect(await a.send({ type: 'marker', data: 'after' })).toEqual({ ok: true });
      expect(await b.dataFrom(a.id, 'direct')).toEqual(['for bob only']);
      expect(await a.dataFrom(a.id, 'direct')).toEqual([]);
      expect(await c.dataFrom(a.id, 'direct')).toEqual([]);
      for (const page of all) expect(await page.dataFrom(a.id, 'marker')).toEqual(['after']);
    });

    it('a broadcast reaches every page including the sender, and completes only after all got it', async () => {
      expect(await b.send({ type: 'everyone', data: 'hello all' })).toEqual({ ok: true });
      // Read right after completion, with no waiting: every page must already have dispatched it.
      for (const page of all) expect(await page.dataFrom(b.id, 'everyone'), page.name).toEqual(['hello all']);
    });

    it('a directed signal completes only after the target dispatched it (both APIs)', async () => {
      expect(await c.send({ to: a.id, type: 'ack-check', data: 'promise' })).toEqual({ ok: true });
      expect(await a.dataFrom(c.id, 'ack-check')).toEqual(['promise']);
      expect(await c.sendWithHandler({ to: a.id, type: 'ack-check', data: 'handler' })).toEqual({ ok: true });
      expect(await a.dataFrom(c.id, 'ack-check')).toEqual(['promise', 'handler']);
    });

    it('a signal to the own connection is delivered to the sender itself', async () => {
      expect(await c.send({ to: 'self', type: 'note-to-self', data: 'me' })).toEqual({ ok: true });
      expect(await c.dataFrom(c.id, 'note-to-self')).toEqual(['me']);
      expect(await a.send({ type: 'marker2' })).toEqual({ ok: true });
      expect(await a.dataFrom(c.id, 'note-to-self')).toEqual([]);
    });

    it('signal:<type> listeners get only their type; `signal` gets all', async () => {
      await b.listen('alpha');
      expect(await a.send({ to: b.id, type: 'alpha', data: 'a1' })).toEqual({ ok: true });
      expect(await a.send({ to: b.id, type: 'beta', data: 'b1' })).toEqual({ ok: true });
      expect(await a.send({ to: b.id, type: 'alpha', data: 'a2' })).toEqual({ ok: true });
      const { typed, signals } = await b.state();
      expect(typed.alpha).toEqual([
        { type: 'alpha', data: 'a1', from: a.id },
        { type: 'alpha', data: 'a2', from: a.id },
      ]);
      expect(signals.filter((s) => s.from === a.id && ['alpha', 'beta'].includes(s.type)).map((s) => s.data)).toEqual(['a1', 'b1', 'a2']);
    });

    it('event.from is the sending Connection, with its data', async () => {
      await Promise.all([b.send({ type: 'whoami', data: 'b' }), c.send({ type: 'whoami', data: 'c' })]);
      for (const page of all) {
        const got = (await page.state()).signals.filter((s) => s.type === 'whoami');
        const byId = (x: unknown[], y: unknown[]) => String(x[0]).localeCompare(String(y[0]));
        expect(got.map((s) => [s.from, s.fromData, s.data, s.fromIsConnection]).sort(byId)).toEqual(
          [
            [b.id, 'bob', 'b', true],
            [c.id, 'carol', 'c', true],
          ].sort(byId),
        );
      }
    });

    it('a signal with no data arrives with empty data; with no type, empty type', async () => {
      expect(await a.send({ to: b.id, type: 'nodata', omit: ['data'] })).toEqual({ ok: true });
      expect(await b.dataFrom(a.id, 'nodata')).toEqual(['']);
      expect(await a.send({ to: b.id, data: 'untyped', omit: ['type'] })).toEqual({ ok: true });
      expect(await b.dataFrom(a.id, '')).toEqual(['untyped']);
    });

    it('per-sender order holds over 500 signals from each of two senders at once', async () => {
      const expected = Array.from({ length: 500 }, (_, i) => String(i));
      const [fromA, fromC] = await Promise.all([
        a.sendMany({ to: b.id, type: 'seq', count: 500 }),
        c.sendMany({ to: b.id, type: 'seq', count: 500 }),
      ]);
      expect(fromA.failed).toEqual([]);
      expect(fromC.failed).toEqual([]);
      expect(await b.dataFrom(a.id, 'seq')).toEqual(expected);
      expect(await b.dataFrom(c.id, 'seq')).toEqual(expected);
    });

    it('per-sender order holds for 500 broadcasts', async () => {
      const expected = Array.from({ length: 500 }, (_, i) => `x${i}`);
      const result = await c.sendMany({ type: 'bseq', count: 500, prefix: 'x' });
      expect(result.failed).toEqual([]);
      for (const page of all) expect(await page.dataFrom(c.id, 'bseq'), page.name).toEqual(expected);
    });

    it('a burst of 400 × 8 KB signals (3 MB, past the channel buffer) is queued, not dropped, and arrives in order', async () => {
      const result = await a.sendMany({ to: b.id, type: 'burst', count: 400, padTo: 8192 });
      expect(result.failed).toEqual([]);
      const got = await b.dataFrom(a.id, 'burst');
      expect(got.map((d) => d.replace(/\.+$/, ''))).toEqual(Array.from({ length: 400 }, (_, i) => String(i)));
      expect(got.every((d) => d.length === 8192)).toBe(true);
    });

    it('8192 bytes of multi-byte data pass', async () => {
      const data = 'é'.repeat(4096); // 2 bytes each in UTF-8: 8192 bytes, 4096 characters
      expect(await a.send({ to: b.id, type: 'big', data })).toEqual({ ok: true });
      expect(await b.dataFrom(a.id, 'big')).toEqual([data]);
    });
  });

  describe('validation errors, in the browser, with OpenTok codes and names', () => {
    let pages: EnginePage[] = [];
    afterAll(async () => {
      await Promise.all(pages.map((p) => p.close()));
    });

    it('400, 413, 404 and 500 are reported with error.signal set', async () => {
      pages = await formMesh(browser, server, sessionName('errors'), ['ann', 'ben']);
      const [ann, ben] = pages as [EnginePage, EnginePage];
      const invalid = { code: 400, name: 'OT_INVALID_PARAMETER', isSignalError: true, signalIsPassedObject: true };
      const tooLarge = { code: 413, name: 'OT_INVALID_PARAMETER', isSignalError: true, signalIsPassedObject: true };

      expect(await ann.send({ type: 'a b', data: 'x' })).toMatchObject(invalid);
      expect(await ann.send({ type: 'dot.type', data: 'x' })).toMatchObject(invalid);
      expect(await ann.send({ type: 7, data: 'x' })).toMatchObject(invalid);
      expect(await ann.send({ type: 'ok', data: { not: 'a string' } })).toMatchObject(invalid);
      expect(await ann.send({ to: { raw: ben.id }, type: 'ok', data: 'x' })).toMatchObject(invalid); // an id, not a Connection
      expect(await ann.send({ to: { raw: { connectionId: 'not-in-this-session' } }, type: 'ok', data: 'x' })).toMatchObject(invalid);
      expect(await ann.send({ type: 'ok', data: 'x', extra: { retryAfterReconnect: 'yes' } })).toMatchObject(invalid);
      expect(await ann.send({ type: 't'.repeat(129), data: 'x' })).toMatchObject(tooLarge);
      expect(await ann.send({ type: 'ok', data: 'é'.repeat(4096) + 'a' })).toMatchObject(tooLarge); // 8193 bytes
      expect(await ann.sendWithHandler({ type: 'ok', data: '€'.repeat(2731) })).toMatchObject(tooLarge); // 8193 bytes
      // Nothing invalid reached the other page.
      expect(await ann.send({ to: ben.id, type: 'marker', data: 'end' })).toEqual({ ok: true });
      expect((await ben.state()).signals.filter((s) => s.from === ann.id).map((s) => s.type)).toEqual(['marker']);

      // 404: the target left.
      await ben.page.evaluate(() => (globalThis as unknown as { t: { disconnect(): void } }).t.disconnect());
      await ann.waitForLive([ann.id]);
      expect(await ann.send({ to: ben.id, type: 'late', data: 'x' })).toMatchObject({
        code: 404,
        name: 'OT_NOT_FOUND',
        isSignalError: true,
        signalIsPassedObject: true,
      });

      // 500: the sender is not connected (after disconnect, and a session never connected).
      expect(await ben.send({ type: 'ok', data: 'x' })).toMatchObject({ code: 500, name: 'OT_NOT_CONNECTED', signalIsPassedObject: true });
      const fresh = await TestPage.open(browser, server, 'fresh');
      pages.push(fresh);
      await fresh.page.evaluate(
        ([s, p]) => (globalThis as unknown as { t: { idleSession(s: string, p: unknown): void } }).t.idleSession(s, p),
        [sessionName('idle'), { host: '127.0.0.1', port: server.port, path: server.peerPath, key: server.key, secure: false }] as const,
      );
      expect(await fresh.send({ type: 'ok', data: 'x' })).toMatchObject({ code: 500, name: 'OT_NOT_CONNECTED', signalIsPassedObject: true });

      for (const page of pages) expect((await page.state()).pageErrors, page.name).toEqual([]);
    });
  });
});
