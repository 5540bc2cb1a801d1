/**
 * Shared pieces of the browser suite: one browser per engine per test file, a real server (static
 * files + PeerServer) on 127.0.0.1, and pages that load dist/mesh-signal.js like an app does.
 * The engine is a parameter (engines.ts): a test file runs its tests once per engine with
 * `describe.each(ENGINES)`, and a mixed session opens pages of both engines in one mesh.
 *
 * Run inside the lab-LAN namespace: `npm run build && scripts/lab.sh npx vitest run --project e2e`
 * (Chromium alone also runs in the loopback namespace, scripts/loopback.sh).
 */
import { resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startServer, type RunningServer, type StartServerOptions } from '../../server/app.mjs';
import { within } from '../within.js';
import { chromiumBrowser, chromiumContextOptions, launchEngine, launchPlaywrightChromium, playwrightDriver, type Engine, type EngineBrowser, type LaunchOptions, type PageDriver } from './engines.js';

export { ALL_ENGINES, CHROMIUM_PATH, ENGINES, FIREFOX_PATH, network, type Engine, type EngineBrowser, type LaunchOptions, type PageDriver } from './engines.js';

/**
 * Default wait for anything networked. A mesh of 8 pages forms in ~3-8 s here; the margin is for
 * a machine busy with other work (the waits bound a hang, they assert no speed).
 */
export const WAIT_MS = 30_000;

/**
 * Starts a browser. With an engine: that engine behind the common page driver. Without one (the
 * older form): Playwright's own Chromium, set up for the current network, as before.
 */
export function launchBrowser(): Promise<Browser>;
export function launchBrowser(engine: Engine): Promise<EngineBrowser>;
export function launchBrowser(engine?: Engine): Promise<Browser | EngineBrowser> {
  return engine === undefined ? launchPlaywrightChromium() : launchEngine(engine);
}

/** One running browser of each engine, for sessions that mix them. */
export type Browsers = Record<Engine, EngineBrowser> & { close(): Promise<void> };

/** Starts Chromium and Firefox side by side; `TestPage.open(browsers.firefox, …)` opens a page in one. */
export async function launchBrowsers(options: LaunchOptions = {}): Promise<Browsers> {
  const launched = await Promise.allSettled([launchEngine('chromium', options), launchEngine('firefox', options)]);
  const failed = launched.find((r) => r.status === 'rejected');
  if (failed) {
    await Promise.all(launched.map((r) => (r.status === 'fulfilled' ? r.value.close() : undefined)));
    throw failed.reason;
  }
  const [chromium, firefox] = launched.map((r) => (r as PromiseFulfilledResult<EngineBrowser>).value) as [EngineBrowser, EngineBrowser];
  return {
    chromium,
    firefox,
    close: async () => {
      await Promise.all([chromium.close(), firefox.close()]);
    },
  };
}

/** Either form `launchBrowser` returns. */
export type AnyBrowser = Browser | EngineBrowser;

const wrapped = new WeakMap<Browser, EngineBrowser>();
/** The common driver's view of a browser (a Playwright Browser is Chromium). */
export function engineBrowser(browser: AnyBrowser): EngineBrowser {
  if ('engine' in browser) return browser;
  const playwright = browser as Browser;
  let engine = wrapped.get(playwright);
  if (!engine) wrapped.set(playwright, (engine = chromiumBrowser(playwright)));
  return engine;
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

/**
 * The older argument order of `within` (ms before what), for reload.test.ts, kept by another
 * change; everything else uses `within(promise, what, ms)` from test/within.ts.
 */
function withinMs<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return within(promise, what, ms);
}
export { withinMs as within };

/**
 * Polls `predicate` in the page until it returns true; fails with `what` after `ms`. Takes a
 * driver page or a Playwright page (their `waitForFunction` is called the same way).
 */
export async function waitInPage<A>(
  page: PageDriver | Page,
  what: string,
  predicate: (arg: A) => boolean,
  arg: A,
  ms = WAIT_MS,
): Promise<void> {
  try {
    await (page as PageDriver).waitForFunction(predicate, arg, { timeout: ms, polling: 50 });
  } catch (error) {
    throw new Error(`timed out after ${ms} ms waiting for ${what}: ${(error as Error).message.split('\n')[0]}`);
  }
}

/** What page.js records (see test/e2e/pages/page.js). */
export interface PageState {
  created: { id: string; data: string }[];
  destroyed: { id: string; reason: string }[];
  links: { id: string; state: 'away' | 'linked' }[];
  /** The library's debug lines, when the page connected with `debugLog: true`. */
  debug?: string[];
  signals: { type: string; data: string; from: string; fromData: string; fromIsConnection: boolean }[];
  typed: Record<string, { type: string; data: string; from: string }[]>;
  sessionEvents: string[];
  pageErrors: string[];
  peerErrors: { from?: string; reason: string }[];
}

/** One RTCPeerConnection the page created (pages/record-rtc.js). */
export interface RtcRecord {
  iceServers: unknown[] | null;
  /** setLocalDescription was called: ICE gathering (and any STUN/TURN traffic) started. */
  gathered: boolean;
  /** where it was created, for a failure message */
  stack: string;
  /** "ms-since-created candidate-line", gathered here / received from the peer */
  local: string[];
  remote: string[];
  /** "ms-since-created iceConnectionState" */
  states: string[];
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

/**
 * One browser page in its own context (its own storage, as a separate user would be). `page` is
 * the common driver (`PageDriver`) when opened in an `EngineBrowser`, and Playwright's own `Page`
 * when opened in a Playwright `Browser` (the older form, still the default type); the methods
 * below work the same for both.
 */
export class TestPage<P extends PageDriver | Page = Page> {
  id = '';
  private constructor(
    readonly name: string,
    readonly page: P,
    private readonly driver: PageDriver,
    private readonly playwrightContext?: BrowserContext,
  ) {}

  get engine(): Engine {
    return this.driver.engine;
  }

  /** The page's own context: Playwright's for a Playwright page; otherwise one that can only close. */
  get context(): BrowserContext | { close(): Promise<void> } {
    return this.playwrightContext ?? { close: () => this.close() };
  }

  /** Opens the e2e page in `browser` (either engine); `connect()` joins a session. */
  static open(browser: Browser, server: RunningServer, name: string): Promise<TestPage<Page>>;
  static open(browser: EngineBrowser, server: RunningServer, name: string): Promise<TestPage<PageDriver>>;
  static open(browser: AnyBrowser, server: RunningServer, name: string): Promise<TestPage<PageDriver | Page>>;
  static async open(browser: AnyBrowser, server: RunningServer, name: string): Promise<TestPage<PageDriver | Page>> {
    let testPage: TestPage<PageDriver | Page>;
    if ('engine' in browser) {
      const driver = await browser.newPage();
      testPage = new TestPage<PageDriver | Page>(name, driver, driver);
    } else {
      const context = await browser.newContext(chromiumContextOptions());
      const page = await context.newPage();
      testPage = new TestPage<PageDriver | Page>(name, page, playwrightDriver(page), context);
    }
    const { driver } = testPage;
    driver.on('pageerror', (error) => console.error(`[${name} ${driver.engine}] page error: ${error.message}`));
    await driver.goto(`${server.url}e2e/index.html`);
    await testPage.waitForReady();
    return testPage;
  }

  /** Reloads the page (a fresh document: it must `connect()` again). */
  async reload(): Promise<void> {
    this.id = '';
    await this.driver.reload();
    await this.waitForReady();
  }

  private waitForReady(): Promise<void> {
    return waitInPage(this.driver, `the e2e page of ${this.name} to load mesh-signal.js`, () => (globalThis as { tReady?: boolean }).tReady === true, null);
  }

  /** Joins `sessionId`; resolves with the own connection id. */
  async connect(sessionId: string, server: RunningServer, options: object = {}): Promise<string> {
    this.id = await within(
      this.driver.evaluate(([s, n, p, o]) => t.connect(s, n, p, o), [sessionId, this.name, peerjsOf(server), options] as const),
      `${this.name} to connect to session ${sessionId}`,
      WAIT_MS,
    );
    return this.id;
  }

  state(): Promise<PageState> {
    return this.driver.evaluate(() => t.state);
  }

  liveIds(): Promise<string[]> {
    return this.driver.evaluate(() => t.liveIds());
  }

  /** iceServers of every RTCPeerConnection this page created (recorded by pages/record-rtc.js). */
  rtcConfigs(): Promise<RtcRecord[]> {
    return this.driver.evaluate(() => (globalThis as unknown as { rtcConfigs: RtcRecord[] }).rtcConfigs);
  }

  listen(type: string): Promise<void> {
    return this.driver.evaluate((ty) => t.listen(ty), type);
  }

  send(options: SendOptions, what = `a signal from ${this.name}`): Promise<SendResult> {
    return within(this.driver.evaluate((o) => t.send(o), options), `completion of ${what}`, WAIT_MS);
  }

  sendWithHandler(options: SendOptions, what = `a signal from ${this.name}`): Promise<SendResult> {
    return within(this.driver.evaluate((o) => t.sendWithHandler(o), options), `completion of ${what}`, WAIT_MS);
  }

  sendMany(options: { to?: string; type: string; count: number; prefix?: string; padTo?: number }, ms = 60_000) {
    return within(this.driver.evaluate((o) => t.sendMany(o), options), `${options.count} signals from ${this.name} to complete`, ms);
  }

  dataFrom(fromId: string, type: string): Promise<string[]> {
    return this.driver.evaluate(([f, ty]) => t.dataFrom(f, ty), [fromId, type] as const);
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
      this.driver,
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
      this.driver,
      `${this.name} to receive ${count} '${type}' signals from ${fromId.slice(0, 6)}`,
      ([f, ty, n]) => t.dataFrom(f, ty).length >= n,
      [fromId, type, count] as const,
      ms,
    );
  }

  /** ICE candidates this page's connections gathered and received (recorded by pages/record-rtc.js). */
  candidates(): Promise<{ local: string[]; remote: string[] }> {
    return this.driver.evaluate(() => (globalThis as unknown as { rtcCandidates: { local: string[]; remote: string[] } }).rtcCandidates);
  }

  async close(): Promise<void> {
    await this.driver.close();
  }

  /** Closes the page as a user closes its tab (its `pagehide` runs: the library says goodbye). */
  async closeTab(): Promise<void> {
    await this.driver.closeTab();
  }
}

/** A TestPage opened in an EngineBrowser (either engine). */
export type EnginePage = TestPage<PageDriver>;

/** A page to open: its name, and the browser (engine) it opens in. */
export interface PageSpec {
  browser: EngineBrowser;
  name: string;
}

export interface MeshFormOptions {
  /** connect all pages at once instead of one after another */
  concurrent?: boolean;
  /** options of every page's `initSession` (e.g. `{ persist: false }`) */
  sessionOptions?: object;
}

/**
 * Opens one page per spec (each in its own browser, so one mesh can mix engines) and connects
 * them (one after another in the given order — the first is the introducer — or all at once),
 * then waits until every page sees every other.
 */
export function formMeshOf(server: RunningServer, sessionId: string, specs: PageSpec[], options: MeshFormOptions = {}): Promise<TestPage<PageDriver>[]> {
  return openAndConnect(server, sessionId, specs, options) as Promise<TestPage<PageDriver>[]>;
}

/** `formMeshOf` with every page in one browser (a Playwright Browser gives Playwright pages). */
export function formMesh(browser: Browser, server: RunningServer, sessionId: string, names: string[], options?: MeshFormOptions): Promise<TestPage<Page>[]>;
export function formMesh(browser: EngineBrowser, server: RunningServer, sessionId: string, names: string[], options?: MeshFormOptions): Promise<TestPage<PageDriver>[]>;
export function formMesh(browser: AnyBrowser, server: RunningServer, sessionId: string, names: string[], options: MeshFormOptions = {}) {
  return openAndConnect(server, sessionId, names.map((name) => ({ browser, name })), options);
}

async function openAndConnect(
  server: RunningServer,
  sessionId: string,
  specs: { browser: AnyBrowser; name: string }[],
  { concurrent = false, sessionOptions = {} }: MeshFormOptions = {},
): Promise<TestPage<PageDriver | Page>[]> {
  const pages = await Promise.all(specs.map(({ browser, name }) => TestPage.open(browser, server, name)));
  if (concurrent) await Promise.all(pages.map((page) => page.connect(sessionId, server, sessionOptions)));
  else for (const page of pages) await page.connect(sessionId, server, sessionOptions);
  const ids = pages.map((p) => p.id);
  await Promise.all(pages.map((p) => p.waitForLive(ids, Math.max(WAIT_MS, specs.length * 6_000))));
  return pages;
}
