/**
 * Shared pieces of the browser suite: one Chromium per test file, a real server (static files +
 * PeerServer) on 127.0.0.1, and pages that load dist/mesh-signal.js like an app does.
 *
 * Run only inside the loopback namespace: `npm run build && scripts/loopback.sh npx vitest run --project e2e`.
 */
import { resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startServer, type RunningServer, type StartServerOptions } from '../../server/app.mjs';

/** Flags measured to give loopback ICE candidates here (see the testing reference). */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--allow-loopback-in-peer-connection',
];

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Default wait for anything networked. A mesh of 8 pages forms in ~3-8 s here; the margin is for
 * a machine busy with other work (the waits bound a hang, they assert no speed).
 */
export const WAIT_MS = 30_000;

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/**
 * The server under test, bound to loopback, serving dist/ (or `MESH_SIGNAL_DIST`, a build made
 * with `--outdir`) and the e2e page at /e2e/.
 */
export function startTestServer(options: StartServerOptions = {}): Promise<RunningServer> {
  const staticDir = process.env.MESH_SIGNAL_DIST;
  return startServer({
    host: '127.0.0.1',
    port: 0,
    mounts: { '/e2e': 'test/e2e/pages' },
    ...(staticDir ? { staticDir: resolve(staticDir) } : {}),
    ...options,
  });
}

/** A fresh session name per test, so tests never see each other's peers. */
export function sessionName(label: string): string {
  return `${label}-${Math.random().toString(36).slice(2, 10)}`;
}

export interface PeerJsOptions {
  host: string;
  port: number;
  path: string;
  key: string;
  secure: boolean;
}

export function peerjsOf(server: RunningServer): PeerJsOptions {
  return { host: '127.0.0.1', port: server.port, path: server.peerPath, key: server.key, secure: false };
}

/** Wraps a promise so that a timeout fails with what was awaited. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `predicate` in the page until it returns true; fails with `what` after `ms`. */
export async function waitInPage<A>(
  page: Page,
  what: string,
  predicate: (arg: A) => boolean,
  arg: A,
  ms = WAIT_MS,
): Promise<void> {
  try {
    // (Playwright's own typing of the argument, Unboxed<A>, does not unify with a generic A.)
    await page.waitForFunction(predicate as (arg: unknown) => boolean, arg as unknown, { timeout: ms, polling: 50 });
  } catch (error) {
    throw new Error(`timed out after ${ms} ms waiting for ${what}: ${(error as Error).message.split('\n')[0]}`);
  }
}

/** What page.js records (see test/e2e/pages/page.js). */
export interface PageState {
  created: { id: string; data: string }[];
  destroyed: { id: string; reason: string }[];
  signals: { type: string; data: string; from: string; fromData: string; fromIsConnection: boolean }[];
  typed: Record<string, { type: string; data: string; from: string }[]>;
  sessionEvents: string[];
  pageErrors: string[];
}

/** One RTCPeerConnection the page created (pages/record-rtc.js). */
export interface RtcRecord {
  iceServers: unknown[] | null;
  /** setLocalDescription was called: ICE gathering (and any STUN/TURN traffic) started. */
  gathered: boolean;
  /** where it was created, for a failure message */
  stack: string;
}

export interface SendResult {
  ok: boolean;
  isSignalError?: boolean;
  code?: number;
  name?: string;
  message?: string;
  signalIsPassedObject?: boolean;
  failures?: { id: string; code: number; name: string }[];
}

export interface SendOptions {
  /** a connection id, 'self', or `{ raw }` for a value that is not a Connection */
  to?: string | { raw: unknown };
  type?: unknown;
  data?: unknown;
  omit?: ('to' | 'type' | 'data')[];
  /** more properties of the signal object, e.g. `{ retryAfterReconnect: 'yes' }` */
  extra?: Record<string, unknown>;
}

// page.evaluate() runs these in the browser, where page.js put `t` on window.
type PageApi = {
  state: PageState;
  connect(sessionId: string, name: string, peerjs: PeerJsOptions, options?: object): Promise<string>;
  idleSession(sessionId: string, peerjs: PeerJsOptions): void;
  disconnect(): void;
  liveIds(): string[];
  listen(type: string): void;
  send(options: SendOptions): Promise<SendResult>;
  sendWithHandler(options: SendOptions): Promise<SendResult>;
  sendMany(options: { to?: string; type: string; count: number; prefix?: string; padTo?: number }): Promise<{ sent: number; failed: string[] }>;
  dataFrom(fromId: string, type: string): string[];
};
declare const t: PageApi;

/** One browser page in its own context (its own storage, as a separate user would be). */
export class TestPage {
  id = '';
  private constructor(
    readonly name: string,
    readonly context: BrowserContext,
    readonly page: Page,
  ) {}

  /** Opens the e2e page; `connect()` joins a session. */
  static async open(browser: Browser, server: RunningServer, name: string): Promise<TestPage> {
    // A granted media permission is what makes Chromium expose 127.0.0.1 candidates.
    const context = await browser.newContext({ permissions: ['microphone'] });
    const page = await context.newPage();
    const testPage = new TestPage(name, context, page);
    page.on('pageerror', (error) => console.error(`[${name}] page error: ${error.message}`));
    await page.goto(`${server.url}e2e/index.html`);
    await waitInPage(page, `the e2e page of ${name} to load mesh-signal.js`, () => (globalThis as { tReady?: boolean }).tReady === true, null);
    return testPage;
  }

  /** Joins `sessionId`; resolves with the own connection id. */
  async connect(sessionId: string, server: RunningServer, options: object = {}): Promise<string> {
    this.id = await within(
      this.page.evaluate(([s, n, p, o]) => t.connect(s, n, p, o), [sessionId, this.name, peerjsOf(server), options] as const),
      WAIT_MS,
      `${this.name} to connect to session ${sessionId}`,
    );
    return this.id;
  }

  state(): Promise<PageState> {
    return this.page.evaluate(() => t.state);
  }

  liveIds(): Promise<string[]> {
    return this.page.evaluate(() => t.liveIds());
  }

  /** iceServers of every RTCPeerConnection this page created (recorded by pages/record-rtc.js). */
  rtcConfigs(): Promise<RtcRecord[]> {
    return this.page.evaluate(() => (globalThis as unknown as { rtcConfigs: RtcRecord[] }).rtcConfigs);
  }

  listen(type: string): Promise<void> {
    return this.page.evaluate((ty) => t.listen(ty), type);
  }

  send(options: SendOptions, what = `a signal from ${this.name}`): Promise<SendResult> {
    return within(this.page.evaluate((o) => t.send(o), options), WAIT_MS, `completion of ${what}`);
  }

  sendWithHandler(options: SendOptions, what = `a signal from ${this.name}`): Promise<SendResult> {
    return within(this.page.evaluate((o) => t.sendWithHandler(o), options), WAIT_MS, `completion of ${what}`);
  }

  sendMany(options: { to?: string; type: string; count: number; prefix?: string; padTo?: number }, ms = 60_000) {
    return within(this.page.evaluate((o) => t.sendMany(o), options), ms, `${options.count} signals from ${this.name} to complete`);
  }

  dataFrom(fromId: string, type: string): Promise<string[]> {
    return this.page.evaluate(([f, ty]) => t.dataFrom(f, ty), [fromId, type] as const);
  }

  /** Waits until this page sees exactly `ids` as its live connections. */
  async waitForLive(ids: string[], ms = WAIT_MS): Promise<void> {
    const want = [...ids].sort();
    await this.waitForLiveIds(want, ms).catch(async (error: Error) => {
      // Say what the page did see, so a failure can be read without a rerun.
      const have = await this.liveIds().catch(() => ['(page gone)']);
      const missing = want.filter((id) => !have.includes(id)).map((id) => id.slice(0, 6));
      const extra = have.filter((id) => !want.includes(id)).map((id) => id.slice(0, 6));
      throw new Error(`${error.message}; ${this.name} (${this.id.slice(0, 6)}) is missing [${missing}] and has extra [${extra}]`);
    });
  }

  private async waitForLiveIds(want: string[], ms: number): Promise<void> {
    await waitInPage(
      this.page,
      `${this.name} to see connections ${want.map((id) => id.slice(0, 6)).join(',')}`,
      (w) => {
        const have = t.liveIds().slice().sort();
        return have.length === w.length && have.every((id, i) => id === w[i]);
      },
      want,
      ms,
    );
  }

  /** Waits until `count` signals of `type` from `fromId` arrived. */
  async waitForSignals(fromId: string, type: string, count: number, ms = WAIT_MS): Promise<void> {
    await waitInPage(
      this.page,
      `${this.name} to receive ${count} '${type}' signals from ${fromId.slice(0, 6)}`,
      ([f, ty, n]) => t.dataFrom(f, ty).length >= n,
      [fromId, type, count] as const,
      ms,
    );
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}

/**
 * Opens `names.length` pages and connects them (one after another, or all at once), then waits
 * until every page sees every other.
 */
export async function formMesh(
  browser: Browser,
  server: RunningServer,
  sessionId: string,
  names: string[],
  { concurrent = false } = {},
): Promise<TestPage[]> {
  const pages = await Promise.all(names.map((name) => TestPage.open(browser, server, name)));
  if (concurrent) await Promise.all(pages.map((page) => page.connect(sessionId, server)));
  else for (const page of pages) await page.connect(sessionId, server);
  const ids = pages.map((p) => p.id);
  await Promise.all(pages.map((p) => p.waitForLive(ids, Math.max(WAIT_MS, names.length * 6_000))));
  return pages;
}
