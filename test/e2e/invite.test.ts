/**
 * No server at all: Chromium pages served by a plain static file server (no PeerServer anywhere)
 * form a mesh by invite codes only, and every bad code fails with its documented error. Then a
 * PeerServer-bootstrapped page and an invited page meet in one mesh.
 *
 * Run inside the loopback namespace: `npm run build && scripts/loopback.sh npx vitest run --project e2e test/e2e/invite.test.ts`.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/app.mjs';
import { launchBrowser, peerjsOf, sessionName, startTestServer, TestPage, waitInPage, WAIT_MS } from './harness.js';
import { startStaticServer, type StaticServer } from './helpers/static-server.js';

interface Outcome { ok: boolean; id?: string; code?: number; name?: string; reason?: string; message?: string }
type InvApi = {
  reply: string | undefined;
  joined: Outcome | undefined;
  create(options?: object): Promise<Outcome & { code: string; url: string }>;
  accept(code: string): Promise<Outcome>;
  join(sessionId: string, name: string, code: string, options?: object): void;
};
declare const inv: InvApi;
declare const t: { disconnect(): void };

let browser: Browser;
let statics: StaticServer;
/** The static server in the shape TestPage.open wants (it only reads `url`). */
let host: RunningServer;

beforeAll(async () => {
  [browser, statics] = await Promise.all([launchBrowser(), startStaticServer()]);
  host = { url: statics.url, host: '127.0.0.1', port: statics.port, peerPath: '/no-peer-server', key: 'peerjs' } as unknown as RunningServer;
});

afterAll(async () => {
  await browser?.close();
  await statics?.close();
});

async function openPage(name: string, server: RunningServer = host): Promise<TestPage> {
  const page = await TestPage.open(browser, server, name);
  await page.page.addScriptTag({ type: 'module', url: `${server.url}e2e/invite-page.js` });
  await waitInPage(page.page, `the invite helpers of ${name}`, () => 'inv' in globalThis, null);
  return page;
}

async function makeInvite(from: TestPage, options: object = {}): Promise<{ code: string; url: string }> {
  const made = await from.page.evaluate((o) => inv.create(o), options);
  expect(made.ok, `${from.name} creates an invite: ${made.message}`).toBe(true);
  return made;
}

/** `to` starts joining by `code`; resolves with its reply code (or undefined if the join failed first). */
async function startJoin(to: TestPage, sessionId: string, code: string, options: object = {}): Promise<string | undefined> {
  await to.page.evaluate(([s, n, c, o]) => inv.join(s, n, c, o), [sessionId, to.name, code, options] as const);
  await waitInPage(to.page, `${to.name} to make its reply code`, () => inv.reply !== undefined || inv.joined !== undefined, null);
  return to.page.evaluate(() => inv.reply);
}

async function joinOutcome(page: TestPage): Promise<Outcome> {
  await waitInPage(page.page, `${page.name}'s join by invite to finish`, () => inv.joined !== undefined, null, WAIT_MS * 2);
  return (await page.page.evaluate(() => inv.joined))!;
}

/** The whole exchange: invite from `from`, reply from `to`, reply entered at `from`, `to` joined. */
async function joinByInvite(from: TestPage, to: TestPage, sessionId: string, options: object = {}): Promise<void> {
  const { code, url } = await makeInvite(from);
  expect(url).toContain(`#session=${encodeURIComponent(sessionId)}&invite=${code}`);
  const reply = await startJoin(to, sessionId, code, { debugLog: true, ...options });
  expect(reply, `${to.name} made a reply`).toBeTruthy();
  expect(await from.page.evaluate((r) => inv.accept(r), reply!)).toEqual({ ok: true });
  const joined = await joinOutcome(to);
  if (!joined.ok) {
    // Say why, with both sides' debug logs (the joins here run with `debugLog: true`).
    const logs = await Promise.all([from, to].map(async (p) => `${p.name}:\n${((await p.state()).debug ?? []).slice(-60).join('\n')}`));
    throw new Error(`${to.name} did not join by ${from.name}'s invite: ${joined.code} ${joined.message}\n${logs.join('\n')}`);
  }
  to.id = joined.id!;
}

describe('with no PeerServer at all', () => {
  const session = sessionName('invite');
  let a: TestPage, b: TestPage, c: TestPage;

  beforeAll(async () => {
    [a, b, c] = (await Promise.all(['alice', 'bob', 'carol'].map((n) => openPage(n)))) as [TestPage, TestPage, TestPage];
  });
  afterAll(async () => {
    await Promise.all([a, b, c].map((p) => p?.close()));
  });

  it('A starts alone, B joins by A\'s invite, C by B\'s; all see each other and signal', async () => {
    await a.connect(session, host, { bootstrap: 'invite', debugLog: true });
    await a.waitForLive([a.id]);
    await joinByInvite(a, b, session);
    await joinByInvite(b, c, session); // C's introducer is B, who itself joined by invite
    const ids = [a.id, b.id, c.id];
    await Promise.all([a, b, c].map((p) => p.waitForLive(ids)));

    expect(await c.send({ to: a.id, type: 'direct', data: 'c to a' })).toEqual({ ok: true });
    expect(await a.send({ type: 'all', data: 'a to everyone' })).toEqual({ ok: true });
    expect(await b.send({ type: 'all', data: 'b to everyone' })).toEqual({ ok: true });
    expect(await a.dataFrom(c.id, 'direct')).toEqual(['c to a']);
    expect(await b.dataFrom(c.id, 'direct')).toEqual([]);
    for (const page of [a, b, c]) {
      expect(await page.dataFrom(a.id, 'all'), page.name).toEqual(['a to everyone']);
      expect(await page.dataFrom(b.id, 'all'), page.name).toEqual(['b to everyone']);
    }
    // No peer connection that gathered candidates had an ICE server (PeerJS's import-time probe gathers nothing).
    for (const page of [a, b, c]) {
      const used = (await page.rtcConfigs()).filter((rtc) => rtc.gathered);
      expect(used.length, page.name).toBeGreaterThan(0);
      for (const rtc of used) expect(rtc.iceServers ?? [], `${page.name}: ${rtc.stack}`).toEqual([]);
    }
  });

  describe('bad codes fail with their documented error', () => {
    let d: TestPage;
    beforeAll(async () => {
      d = await openPage('dave');
    });
    afterAll(async () => {
      await d?.close();
    });

    it('a corrupted invite: connect() fails with 400 corrupted, no reply is made', async () => {
      const { code } = await makeInvite(a);
      const damaged = code.slice(0, 20) + (code[20] === 'A' ? 'B' : 'A') + code.slice(21);
      expect(await startJoin(d, session, damaged)).toBeUndefined();
      expect(await joinOutcome(d)).toMatchObject({ ok: false, code: 400, name: 'OT_INVALID_PARAMETER', reason: 'corrupted' });
      // The inviter refuses a damaged code the same way.
      expect(await a.page.evaluate((x) => inv.accept(x), damaged)).toMatchObject({ ok: false, code: 400, reason: 'corrupted' });
    });

    it('an invite for another session: 400 wrong-session', async () => {
      const { code } = await makeInvite(a);
      expect(await startJoin(d, `${session}-other`, code)).toBeUndefined();
      const outcome = await joinOutcome(d);
      expect(outcome).toMatchObject({ ok: false, code: 400, reason: 'wrong-session' });
      expect(outcome.message).toContain('another session');
    });

    it('a reused invite: the inviter refuses the second reply (400 used); that newcomer gives up at its reply timeout (1006 timeout)', async () => {
      const { code } = await makeInvite(b);
      const e = await openPage('erin');
      try {
        // Erin uses the invite.
        const first = await startJoin(e, session, code);
        expect(await b.page.evaluate((r) => inv.accept(r), first!)).toEqual({ ok: true });
        expect(await joinOutcome(e)).toMatchObject({ ok: true });
        // Dave got the same invite: it decodes, but the inviter lets one person in per invite.
        const reply = await startJoin(d, session, code, { inviteReplyTimeout: 3_000 });
        expect(reply).toBeTruthy();
        expect(await b.page.evaluate((r) => inv.accept(r), reply!)).toMatchObject({ ok: false, code: 400, reason: 'used' });
        expect(await joinOutcome(d)).toMatchObject({ ok: false, code: 1006, name: 'OT_CONNECT_FAILED', reason: 'timeout' });
      } finally {
        await e.close();
      }
    });

    it('an expired invite: the inviter refuses its reply (400 expired)', async () => {
      const { code } = await makeInvite(a, { expiresIn: 300 });
      await new Promise((r) => setTimeout(r, 800));
      const reply = await startJoin(d, session, code, { inviteReplyTimeout: 2_000 }); // within the newcomer's clock allowance
      expect(await a.page.evaluate((r) => inv.accept(r), reply!)).toMatchObject({ ok: false, code: 400, reason: 'expired' });
      expect(await joinOutcome(d)).toMatchObject({ ok: false, code: 1006, reason: 'timeout' });
    });
  });
});

describe('mixed: PeerServer pages and invited pages', () => {
  let server: RunningServer;
  let pages: TestPage[] = [];
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await Promise.all(pages.map((p) => p.close()));
    await server?.close();
  });

  it('a PeerServer page invites a serverless page; a later PeerServer page links to both', async () => {
    const session = sessionName('mixed');
    const [p, q, r] = await Promise.all(['pat', 'quinn', 'ray'].map((n) => openPage(n, server)));
    pages = [p!, q!, r!];
    await p!.connect(session, server);
    await joinByInvite(p!, q!, session); // quinn has bootstrap 'invite': it never talks to the PeerServer
    await r!.connect(session, server);
    const ids = pages.map((x) => x.id);
    await Promise.all(pages.map((x) => x.waitForLive(ids)));
    expect(await q!.send({ type: 'hi', data: 'from quinn' })).toEqual({ ok: true });
    expect(await r!.dataFrom(q!.id, 'hi')).toEqual(['from quinn']);
  });

  it('an invited page that also names the PeerServer takes over its point when the PeerServer page leaves', async () => {
    const session = sessionName('takeover');
    const [p, q, r] = await Promise.all(['pia', 'quin', 'rui'].map((n) => openPage(n, server)));
    pages.push(p!, q!, r!);
    await p!.connect(session, server);
    await joinByInvite(p!, q!, session, { peerjs: peerjsOf(server) });
    await q!.waitForLive([p!.id, q!.id]);
    await p!.page.evaluate(() => t.disconnect()); // the PeerServer holder leaves: quin is the only one left
    await q!.waitForLive([q!.id]);
    // A PeerServer newcomer now finds quin holding the point (without the takeover it would be alone).
    await r!.connect(session, server);
    await Promise.all([q!, r!].map((x) => x.waitForLive([q!.id, r!.id])));
    expect(await r!.send({ to: q!.id, type: 'hi', data: 'found you' })).toEqual({ ok: true });
  });
});

describe('a session with a secret, joined by invite', () => {
  let pages: TestPage[] = [];
  afterAll(async () => {
    await Promise.all(pages.map((p) => p.close()));
  });

  it('the right secret joins; a wrong one reaches the inviter but fails with 1004 and is never a Connection', async () => {
    const session = sessionName('secret-invite');
    const [a, b, m] = (await Promise.all(['amy', 'ben', 'mallory'].map((n) => openPage(n)))) as [TestPage, TestPage, TestPage];
    pages = [a, b, m];
    await a.connect(session, host, { bootstrap: 'invite', secret: 'correct horse battery' });
    await joinByInvite(a, b, session, { secret: 'correct horse battery' });
    await Promise.all([a, b].map((p) => p.waitForLive([a.id, b.id])));

    // Mallory holds a real invite (the link opens), but not the secret: the link's proof fails.
    const { code } = await makeInvite(a);
    const reply = await startJoin(m, session, code, { secret: 'correct horse batter' });
    expect(reply, 'mallory made a reply').toBeTruthy();
    await a.page.evaluate((r) => inv.accept(r), reply!); // whatever it says: the proof decides
    const refused = await joinOutcome(m);
    expect(refused, refused.message).toMatchObject({ ok: false, code: 1004, name: 'OT_AUTHENTICATION_ERROR' });

    expect(await a.send({ type: 'members', data: 'only' })).toEqual({ ok: true });
    for (const p of [a, b]) {
      expect((await p.liveIds()).sort(), p.name).toEqual([a.id, b.id].sort());
      expect((await p.state()).created.map((c) => c.data), p.name).not.toContain('mallory');
    }
    expect((await m.state()).signals.map((s) => s.data)).toEqual([]);
  });
});
